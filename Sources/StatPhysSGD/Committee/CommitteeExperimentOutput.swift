import GaussianIntegrals
import OnlineTheory
import Reporting
import Scenarios

extension CommitteeExperimentResult {
    /// The `result.json` document (keys documented in the README and `statphys online committee --help`):
    /// `model`, `conventions`, `settings`, `t`, `samples` (t·B), `theory` {`Q`, `R`, `v`, `b` (with biases), `eg`, `eg_resolution`, `lr`} (Q and R as lists over t of
    /// K×K and K×M nested lists), `theory_initial`, `simulation` {`d`, `seeds`, `seed`, `t`, `T`, `mean`,
    /// `stderr` with the same keys as `theory`}, `comparison`, `divergence`.
    public var json: JSONValue { json(heatmapTimes: nil) }

    /// `json`, with the times of the overlap heatmaps in `settings.heatmap_times`.
    public func json(heatmapTimes: [Double]?) -> JSONValue {
        let s = experiment.scenario
        let k = s.studentUnits, m = s.teacherUnits
        var settings: [(String, JSONValue)] = [
            ("K", .integer(k)), ("M", .integer(m)),
            ("activation", .string(s.studentActivation.name)), ("teacher_activation", .string(s.teacherActivation.name)),
        ] + s.optimiser.settings + [
            ("lr2", s.secondLayerLearningRate.map(JSONValue.number) ?? .null),
            ("second_layer", .string(s.trainsSecondLayer ? "trained" : "fixed")),
            ("noise", .number(s.noiseVariance)), ("reg", .number(s.weightDecay)),
            ("teacher", .string(Self.describe(s.teacher))), ("teacher_file", experiment.teacherFile.map(JSONValue.string) ?? .null),
            ("init", .string(Self.describe(s.initialStudent))), ("init_file", experiment.initFile.map(JSONValue.string) ?? .null),
            ("v_star", .numbers(s.teacherSecondLayer)), ("v0", .numbers(s.initialSecondLayer)),
            ("bias", .string(s.biasMode)),
            ("b0", .numbers(s.initialBiases)), ("teacher_bias", .numbers(s.teacherBiases)),
            ("lr_bias", s.biasLearningRate.map(JSONValue.number) ?? .null),
            ("small_lr_limit", .bool(s.dropsSecondOrderTerms)), ("quadrature_order", .integer(experiment.quadratureOrder)),
            ("quadrature_rule", CommitteeIntegrals.quadratureRule(student: s.studentActivation, teacher: s.teacherActivation,
                                                                  hasShifts: s.hasBiases)
                .map { .string($0.rawValue) } ?? .null),
            ("rtol", .number(experiment.effectiveTolerance.relative)), ("atol", .number(experiment.effectiveTolerance.absolute)),
            ("t_max", .number(experiment.tMax)), ("points", .integer(experiment.points)),
            ("log_grid", .bool(experiment.logarithmicGrid)), ("theory_only", .bool(simulation == nil)),
        ]
        settings += Self.initialSettings(s.initialStudent, teacher: s.teacher, k: k, m: m)
        if let sim = experiment.simulation {
            settings += [("d", .integer(sim.dimension)), ("seeds", .integer(sim.seeds)), ("seed", .unsigned(sim.seed))]
        }
        if let heatmapTimes { settings.append(("heatmap_times", .numbers(heatmapTimes))) }
        var members: [(String, JSONValue)] = [
            ("model", "online-committee"),
            ("conventions", .string(
                "phi(x) = sum_k v_k g(lambda_k), lambda_k = w_k.x/sqrt(d) + b_k (b = 0 without biases; teacher likewise with b*), "
                + "y = phi*(x) + sqrt(noise)*zeta; step w_k <- (1 - lr*reg/d) w_k + "
                + "(lr/sqrt(d)) v_k g'(lambda_k) Delta x, v_k <- v_k + (lr2/d) g(lambda_k) Delta, b_k <- b_k + (lr_bias/d) v_k g'(lambda_k) Delta, "
                + "all averaged over a batch of B = batch samples; "
                + "t = steps/d; samples = t*B; "
                + "Q = w w^T/d, R = w w*^T/d, T = w* w*^T/d; eg = E[(phi - phi*)^2]/2 (noise-free); "
                + "units are numbered from 1 everywhere (R12 = R_{1,2}: student unit 1, teacher unit 2; the first row and column "
                + "of a JSON matrix are unit 1; labels get an underscore, R1_12, when K or M > 9); simulated seeds are aligned to "
                + "the theory before averaging (aligned unit i = sign_i * seed unit permutation_i, see simulation.alignment); " + s.optimiser.conventions)),
            ("settings", .object(settings)),
            ("t", .numbers(times)),
            ("samples", .numbers(times.map(s.optimiser.samples(at:)))),
            ("theory", Self.trajectory(theory.states, eg: theory.resolvedGeneralisationError, k: k, m: m,
                                       resolution: theory.generalisationErrorResolution, lr: s.optimiser.rates(on: times),
                                       biases: s.hasBiases, velocity: theory.velocity)),
            ("theory_initial", .object([
                ("Q", .matrix(theoryStart.q[...], rows: k, columns: k)), ("R", .matrix(theoryStart.r[...], rows: k, columns: m)),
                ("T", .matrix(theoryStart.t[...], rows: m, columns: m)), ("v", .numbers(theoryStart.v)),
                ("v_star", .numbers(theoryStart.vStar)), ("b", .numbers(theoryStart.b)), ("b_star", .numbers(s.teacherBiases)),
            ])),
        ]
        if let simulation, let sim = experiment.simulation, let eg = simulatedGeneralisationError {
            let q = simulation.entryStatistics(of: \.q), r = simulation.entryStatistics(of: \.r)
            let v = simulation.entryStatistics(of: \.v), b = simulation.entryStatistics(of: \.b)
            let count = simulation.times.count
            /// `values[time][entry]` of one statistic (mean or standard error) of every entry.
            func pick(_ entries: [EnsembleStatistics], _ statistic: KeyPath<EnsembleStatistics, [Double]>) -> [[Double]] {
                (0..<count).map { time in entries.map { $0[keyPath: statistic][time] } }
            }
            func block(_ statistic: KeyPath<EnsembleStatistics, [Double]>, _ egValues: [Double]) -> JSONValue {
                .object([
                    ("Q", .array(pick(q, statistic).map { .matrix($0[...], rows: k, columns: k) })),
                    ("R", .array(pick(r, statistic).map { .matrix($0[...], rows: k, columns: m) })),
                    ("v", .array(pick(v, statistic).map { .numbers($0) })),
                ] + (s.hasBiases ? [("b", .array(pick(b, statistic).map { .numbers($0) }))] : []) + [
                    ("eg", .numbers(egValues)),
                ])
            }
            members.append(("simulation", .object([
                ("d", .integer(sim.dimension)), ("seeds", .integer(sim.seeds)), ("seed", .unsigned(sim.seed)),
                ("t", .numbers(simulation.times)),
                ("T", .matrix(theoryStart.t[...], rows: m, columns: m)),
                ("mean", block(\.mean, eg.mean)),
                ("stderr", block(\.standardError, eg.standardError)),
                ("alignment", .array(alignments.map(\.json))),
            ])))
            if let summary = comparisonSummary {
                members.append(("comparison", summary.comparisonJSON))
                members.append(("agreement", summary.json))
            }
        }
        members.append(("divergence", .object([
            ("theory", theory.divergence.map(\.json) ?? .null),
            ("simulation", simulation?.divergence.map(\.json) ?? .null),
        ])))
        members.append(("warnings", RunWarning.json(warnings)))
        return .object(members)
    }

    /// With `resolution`, also `eg_resolution` (eg is null where below it).
    /// `velocity`: scaled momentum's overlaps, written as `velocity` {`A`, `B`, `C`} (a matrix per time), with `v` (σ = s/d)
    /// for a trained second layer and `b` (ρ = r/d) for trained biases (a vector per time), when not empty.
    static func trajectory(_ states: [CommitteeOrderParameters], eg: [Double], k: Int, m: Int, resolution: [Double]? = nil,
                           lr: [Double]? = nil, biases: Bool = false, velocity: [CommitteeVelocityOverlaps] = []) -> JSONValue {
        var members: [(String, JSONValue)] = [
            ("Q", .array(states.map { .matrix($0.q[...], rows: k, columns: k) })),
            ("R", .array(states.map { .matrix($0.r[...], rows: k, columns: m) })),
            ("v", .array(states.map { .numbers($0.v) })),
        ]
        if biases { members.append(("b", .array(states.map { .numbers($0.b) }))) }
        members.append(("eg", .numbers(eg)))
        if let resolution { members.append(("eg_resolution", .numbers(resolution))) }
        if let lr { members.append(("lr", .numbers(lr))) }
        if !velocity.isEmpty {
            members.append(("velocity", .object([
                ("A", .array(velocity.map { .matrix($0.a[...], rows: k, columns: m) })),
                ("B", .array(velocity.map { .matrix($0.b[...], rows: k, columns: k) })),
                ("C", .array(velocity.map { .matrix($0.c[...], rows: k, columns: k) })),
            ] + (velocity[0].secondLayer.isEmpty ? [] : [("v", .array(velocity.map { .numbers($0.secondLayer) }))])
              + (velocity[0].biases.isEmpty ? [] : [("b", .array(velocity.map { .numbers($0.biases) }))]))))
        }
        return .object(members)
    }

    /// What reruns the initial condition: a random student's `init_variance`; given overlaps as `Q0` (K×K) and `R0` (K×M),
    /// with `q0`, `r0` when they are the diagonal plateau start q0·I, r0·δ; a given teacher overlap as `T`.
    static func initialSettings(_ initial: StudentInitialisation, teacher: TeacherSpecification, k: Int, m: Int) -> [(String, JSONValue)] {
        var out: [(String, JSONValue)] = []
        switch initial {
        case .random(let variance):
            out.append(("init_variance", .number(variance)))
        case .overlaps(let q, let r):
            let q0 = q.first ?? 0, r0 = r.first ?? 0
            let diagonal = StudentInitialisation.diagonal(q0: q0, r0: r0, studentUnits: k, teacherUnits: m) == initial
            if diagonal { out += [("q0", .number(q0)), ("r0", .number(r0))] }
            out += [("Q0", .matrix(q[...], rows: k, columns: k)), ("R0", .matrix(r[...], rows: k, columns: m))]
        }
        if case .overlap(let t) = teacher { out.append(("T", .matrix(t[...], rows: m, columns: m))) }
        return out
    }

    static func describe(_ teacher: TeacherSpecification) -> String {
        switch teacher {
        case .orthonormal: "orthonormal"
        case .random: "random"
        case .overlap: "given T"
        }
    }

    static func describe(_ initial: StudentInitialisation) -> String {
        switch initial {
        case .random(let variance): "random, variance \(variance)"
        case .overlaps: "given Q, R"
        }
    }

    /// One row per time: t, samples (t·B), eg and every entry of R, Q (upper triangle) and v, theory then simulation mean/stderr.
    public var csv: CSVTable {
        let s = experiment.scenario, k = s.studentUnits, m = s.teacherUnits
        let grid = tableGrid(theory: times, simulation: simulation?.times)
        var columns: [(String, [Double])] = [("t", grid), ("samples", grid.map(s.optimiser.samples(at:))), ("lr", s.optimiser.rates(on: grid)),
                                             ("eg_theory", theory.resolvedGeneralisationError.padded(to: grid.count)),
                                              ("eg_theory_resolution", theory.generalisationErrorResolution.padded(to: grid.count))]
        var entries: [(String, KeyPath<CommitteeOrderParameters, [Double]>, Int)] = []
        for i in 0..<k { for n in 0..<m { entries.append((CommitteeIndexLabel.label("R", i, n, k: k, m: m), \.r, i * m + n)) } }
        for i in 0..<k { for j in i..<k { entries.append((CommitteeIndexLabel.label("Q", i, j, k: k, m: m), \.q, i * k + j)) } }
        if s.trainsSecondLayer { for i in 0..<k { entries.append((CommitteeIndexLabel.label("v", i, nil, k: k, m: m), \.v, i)) } }
        if s.trainsBiases { for i in 0..<k { entries.append((CommitteeIndexLabel.label("b", i, nil, k: k, m: m), \.b, i)) } }
        for (name, path, index) in entries { columns.append(("\(name)_theory", theory.states.map { $0[keyPath: path][index] }.padded(to: grid.count))) }
        if let simulation, let eg = simulatedGeneralisationError {
            columns.append(("eg_sim_mean", (eg.mean).padded(to: grid.count)))
            columns.append(("eg_sim_stderr", (eg.standardError).padded(to: grid.count)))
            // Each matrix's statistics once, not once per entry.
            var byMatrix: [KeyPath<CommitteeOrderParameters, [Double]>: [EnsembleStatistics]] = [:]
            for (name, path, index) in entries {
                if byMatrix[path] == nil { byMatrix[path] = simulation.entryStatistics(of: path) }
                let stats = byMatrix[path]![index]
                columns.append(("\(name)_sim_mean", stats.mean.padded(to: grid.count)))
                columns.append(("\(name)_sim_stderr", stats.standardError.padded(to: grid.count)))
            }
        }
        return CSVTable(columns)
    }

    /// A short table of ε_g, theory vs simulation, at about `rows` times.
    public func summaryTable(rows: Int = 8) -> TextTable {
        var header = ["t", "eg theory"]
        let eg = simulatedGeneralisationError
        if eg != nil { header += ["eg sim", "(±)"] }
        var table = TextTable(header: header)
        for index in TextTable.sampleIndices(count: times.count, rows: rows) {
            let value = theory.resolvedGeneralisationError[index]
            var cells = [TextTable.format(times[index]), value.isFinite ? TextTable.format(value)
                            : "< " + TextTable.format(theory.generalisationErrorResolution[index], digits: 2)]
            if let eg {
                cells += index < eg.mean.count
                    ? [TextTable.format(eg.mean[index]), TextTable.format(eg.standardError[index], digits: 2)] : ["—", "—"]
            }
            table.append(cells)
        }
        return table
    }
}

extension SeedAlignment {
    /// `{"stream", "permutation" (1-based: aligned unit i is the seed's unit permutation[i]), "signs", "identity",
    /// "decided_at", "stable_from"}`.
    public var json: JSONValue {
        .object([
            ("stream", .integer(seed)), ("permutation", .array(alignment.permutation.map { .integer($0 + 1) })),
            ("signs", .numbers(alignment.signs)), ("identity", .bool(alignment.isIdentity)),
            ("decided_at", .number(decidedAt)), ("stable_from", stableFrom.map(JSONValue.number) ?? .null),
        ])
    }
}
