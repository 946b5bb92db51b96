import Foundation
import OnlineSimulation
import OnlineTheory
import Plotting
import Reporting
import Scenarios

/// A committee's phase portrait, projected onto (R_diag, R_off) = (mean_i R_ii, mean_{i≠n} R_in): trajectories from
/// diagonal starts R(0) = r0·δ_in, Q(0) = q0·I for several r0 (each a `CommitteeExperiment`, theory and simulation),
/// with the fixed points they pass: the symmetric plateau (Newton's method from each trajectory's slowest point, a
/// saddle whose unstable direction is specialisation) and the specialised fixed point (perfect learning Q = R = T when
/// noise-free with K = M, linearised by `CommitteeStability`; else Newton from the trajectories' end).
public struct CommitteePortraitExperiment: Sendable, ResourceEstimating {
    /// The experiments' common settings; each start replaces its initial student.
    public var template: CommitteeExperiment
    public var q0: Double
    public var r0s: [Double]

    public init(template: CommitteeExperiment, q0: Double, r0s: [Double]) {
        self.template = template; self.q0 = q0; self.r0s = r0s
    }

    /// The experiment from R(0) = r0·δ_in, Q(0) = q0·I; throws (before anything runs) for overlaps no student can have.
    public func experiment(r0: Double) throws -> CommitteeExperiment {
        var experiment = template
        let s = template.scenario
        experiment.scenario = try CommitteeScenario(
            studentUnits: s.studentUnits, teacherUnits: s.teacherUnits, studentActivation: s.studentActivation,
            teacherActivation: s.teacherActivation, optimiser: s.optimiser, secondLayerLearningRate: s.secondLayerLearningRate,
            noiseVariance: s.noiseVariance, weightDecay: s.weightDecay, teacher: s.teacher, teacherSecondLayer: s.teacherSecondLayer,
            initialSecondLayer: s.initialSecondLayer,
            initialStudent: .diagonal(q0: q0, r0: r0, studentUnits: s.studentUnits, teacherUnits: s.teacherUnits),
            dropsSecondOrderTerms: s.dropsSecondOrderTerms, biasLearningRate: s.biasLearningRate,
            initialBiases: s.hasBiases ? s.initialBiases : nil, teacherBiases: s.hasBiases ? s.teacherBiases : nil)
        return experiment
    }

    /// Every trajectory's estimate, one after the other.
    public var resourceEstimate: ResourceEstimate {
        let one = template.resourceEstimate
        return ResourceEstimate(bytes: one.bytes, operations: one.operations * Double(r0s.count), detail: "\(r0s.count) trajectories, each \(one.detail)")
    }

    public func run(progress: (@Sendable (Double) -> Void)? = nil) throws -> CommitteePortraitResult {
        let experiments = try r0s.map(experiment(r0:))
        var results: [CommitteeExperimentResult] = []
        let count = Double(max(r0s.count, 1))
        for (index, experiment) in experiments.enumerated() {
            let done = Double(index)
            var partial: (@Sendable (Double) -> Void)?
            if let progress { partial = { fraction in progress((done + fraction) / count) } }
            results.append(try experiment.run(progress: partial))
            progress?(Double(index + 1) / count)
        }
        return CommitteePortraitResult(experiment: self, trajectories: results, fixedPoints: Self.fixedPoints(of: results, scenario: template.scenario))
    }

    /// The plateau by Newton from each theory trajectory's slowest interior point (the specialised end excluded), and
    /// the specialised fixed point; merged when within 1e-6.
    static func fixedPoints(of results: [CommitteeExperimentResult], scenario: CommitteeScenario) -> [CommitteeFixedPoint] {
        var found: [CommitteeFixedPoint] = []
        let perfectLearning = scenario.noiseVariance == 0 && scenario.weightDecay == 0 && scenario.studentUnits == scenario.teacherUnits
            && !scenario.hasBiases
        func add(_ point: CommitteeFixedPoint) {
            if !found.contains(where: { zip($0.state, point.state).allSatisfy { abs($0 - $1) <= 1e-6 } }) { found.append(point) }
        }
        for result in results {
            let states = result.theory.states
            let start = result.theoryStart
            guard states.count > 2 else { continue }
            let search = CommitteeFixedPointSearch(scenario: scenario, initial: start)
            let layout = search.ode.layout
            let ys = states.map { layout.state(of: $0) }
            let speeds = ys.map { search.velocity($0).reduce(0) { max($0, abs($1)) } }
            // The slowest point before the last fifth of the run: on the plateau when there is one.
            let interior = 1..<max(2, ys.count * 4 / 5)
            if let slowest = interior.min(by: { speeds[$0] < speeds[$1] }), let root = search.newton(from: ys[slowest]),
               let mu = try? search.eigenvalues(at: root) {
                add(CommitteeFixedPoint(state: root, parameters: layout.parameters(root[...], fixed: start), eigenvalues: mu, name: "plateau"))
            }
            if !perfectLearning, let last = ys.last, let root = search.newton(from: last), let mu = try? search.eigenvalues(at: root) {
                add(CommitteeFixedPoint(state: root, parameters: layout.parameters(root[...], fixed: start), eigenvalues: mu, name: "specialised"))
            }
        }
        // Perfect learning is the same fixed point for every trajectory: linearised once.
        if perfectLearning, let start = results.first?.theoryStart {
            let stability = CommitteeStability(scenario: scenario)
            if let mu = try? stability.eigenvalues(learningRate: scenario.learningRate) {
                let p = stability.fixedPoint
                let layout = CommitteeFixedPointSearch(scenario: scenario, initial: start).ode.layout
                add(CommitteeFixedPoint(state: layout.state(of: p), parameters: p, eigenvalues: mu, name: "perfect learning"))
            }
        }
        return found
    }
}

/// A fixed point of the committee ODE, its order parameters and spectrum.
public struct CommitteeFixedPoint: Sendable {
    public let state: [Double]
    public let parameters: CommitteeOrderParameters
    public let eigenvalues: [(re: Double, im: Double)]
    /// "plateau", "perfect learning" or "specialised".
    public let name: String
    public var kind: SpectrumKind { SpectrumKind(eigenvalues) }
    /// The largest real part of the spectrum (the plateau's escape rate when positive).
    public var leadingRate: Double { eigenvalues.map(\.re).max() ?? .nan }
}

/// The outcome of a `CommitteePortraitExperiment`.
public struct CommitteePortraitResult: Sendable {
    public let experiment: CommitteePortraitExperiment
    public let trajectories: [CommitteeExperimentResult]
    public let fixedPoints: [CommitteeFixedPoint]

    /// (R_diag, R_off) = (mean_i R_ii, mean_{i≠n} R_in) over the first min(K, M) diagonal entries; R_off is 0 for K = M = 1.
    public static func projection(_ p: CommitteeOrderParameters) -> (diagonal: Double, offDiagonal: Double) {
        projection(r: p.r, studentUnits: p.studentUnits, teacherUnits: p.teacherUnits)
    }

    /// The projection of a K × M overlap matrix R (row-major).
    public static func projection(r: [Double], studentUnits k: Int, teacherUnits m: Int) -> (diagonal: Double, offDiagonal: Double) {
        let d = min(k, m)
        let diagonal = (0..<d).reduce(0) { $0 + r[$1 * m + $1] } / Double(d)
        let off = (0..<k).flatMap { i in (0..<m).filter { $0 != i }.map { r[i * m + $0] } }
        return (diagonal, off.isEmpty ? 0 : off.reduce(0, +) / Double(off.count))
    }

    public var divergence: Divergence? {
        zip(experiment.r0s, trajectories).compactMap { r0, t in t.divergence.map { Divergence(time: $0.time, reason: "from r0 = \(r0): \($0.reason)") } }
            .min { $0.time < $1.time }
    }

    public var warnings: [RunWarning] {
        zip(experiment.r0s, trajectories).flatMap { r0, t in t.warnings.map { RunWarning(kind: $0.kind, "from r0 = \(r0): \($0.message)") } }
    }

    /// The projection panel and ε_g(t), theory lines with the (aligned) simulation's means as open markers.
    public var figure: Figure {
        var plane: [Series] = [], curves: [Series] = []
        for (index, (r0, result)) in zip(experiment.r0s, trajectories).enumerated() {
            let color = Color.cycle[index % Color.cycle.count]
            let projected = result.theory.states.map(Self.projection)
            plane.append(.line("r₀ = \(r0)", x: projected.map(\.diagonal), y: projected.map(\.offDiagonal), color: color))
            curves.append(.line("r₀ = \(r0)", x: result.times, y: result.theory.generalisationError, color: color))
            if let simulation = result.simulation {
                let r = simulation.statistics(\.r).mean, k = experiment.template.scenario.studentUnits, m = experiment.template.scenario.teacherUnits
                let means = r.map { Self.projection(r: $0, studentUnits: k, teacherUnits: m) }
                let picks = markerIndices(times: simulation.times, mean: means.map(\.diagonal), error: means.map(\.offDiagonal), target: 15)
                plane.append(.points(index == 0 ? "simulation, d = \(experiment.template.simulation?.dimension ?? 0)" : nil,
                                     x: picks.map { means[$0].diagonal }, y: picks.map { means[$0].offDiagonal }, color: color, size: 2.5))
                if let eg = result.simulatedGeneralisationError {
                    let tPicks = markerIndices(times: simulation.times, mean: eg.mean, error: eg.standardError)
                    curves.append(.points(nil, x: tPicks.map { simulation.times[$0] }, y: tPicks.map { eg.mean[$0] },
                                          yError: tPicks.map { eg.standardError[$0] }, color: color, size: 2.5))
                }
            }
        }
        for point in fixedPoints {
            let p = Self.projection(point.parameters)
            var marker = Series.points("\(point.name): \(point.kind)", x: [p.diagonal], y: [p.offDiagonal], color: Color(hex: "#000000"), size: 5)
            marker.filledMarkers = point.kind.isStable
            plane.append(marker)
        }
        let s = experiment.template.scenario
        return Figure(panels: [
            Panel(xLabel: "R_{diag} = mean R_{ii}", yLabel: "R_{off} = mean R_{in}, i ≠ n", series: plane),
            Panel(xLabel: "t = steps/d", yLabel: "ε_g", xScale: experiment.template.logarithmicGrid ? .log : .linear, yScale: .log, series: curves),
        ], columns: 2, title: "Committee phase portrait: \(s.titleDescription), q₀ = \(experiment.q0), t ≤ \(experiment.template.tMax)")
    }

    /// `result.json`: `model`, `settings` {…, `q0`, `r0s`}, `fixed_points` [{`name`, `kind`, `unstable_directions`,
    /// `leading_rate`, `R_diag`, `R_off`, `Q`, `R`, `eigenvalues` [{`re`, `im`}]}], `trajectories` [{`r0`, `t`,
    /// `theory` {`R_diag`, `R_off`, `eg`}, `simulation` {`t`, `R_diag`, `R_off`, `eg`, `eg_stderr`}, `agreement`,
    /// `divergence`}], `divergence`, `warnings`.
    public var json: JSONValue {
        let s = experiment.template.scenario
        var settings: [(String, JSONValue)] = s.optimiser.settings + [
            ("K", .integer(s.studentUnits)), ("M", .integer(s.teacherUnits)), ("activation", .string(s.studentActivation.name)),
            ("teacher_activation", .string(s.teacherActivation.name)), ("noise", .number(s.noiseVariance)), ("reg", .number(s.weightDecay)),
            ("q0", .number(experiment.q0)), ("r0s", .numbers(experiment.r0s)), ("t_max", .number(experiment.template.tMax)),
            ("points", .integer(experiment.template.points)), ("theory_only", .bool(experiment.template.simulation == nil)),
        ]
        if let sim = experiment.template.simulation {
            settings += [("d", .integer(sim.dimension)), ("seeds", .integer(sim.seeds)), ("seed", .unsigned(sim.seed))]
        }
        let points = fixedPoints.map { point -> JSONValue in
            let p = Self.projection(point.parameters)
            return .object([
                ("name", .string(point.name)), ("kind", .string(point.kind.description)), ("unstable_directions", .integer(point.kind.unstableDirections)),
                ("leading_rate", .number(point.leadingRate)), ("R_diag", .number(p.diagonal)), ("R_off", .number(p.offDiagonal)),
                ("Q", .numbers(point.parameters.q)), ("R", .numbers(point.parameters.r)),
                ("eigenvalues", .array(point.eigenvalues.map { .object([("re", .number($0.re)), ("im", .number($0.im))]) })),
            ])
        }
        let trajectories = zip(experiment.r0s, self.trajectories).map { r0, result -> JSONValue in
            let projected = result.theory.states.map(Self.projection)
            var entry: [(String, JSONValue)] = [
                ("r0", .number(r0)), ("t", .numbers(result.times)),
                ("theory", .object([("R_diag", .numbers(projected.map(\.diagonal))), ("R_off", .numbers(projected.map(\.offDiagonal))),
                                    ("eg", .numbers(result.theory.generalisationError))])),
            ]
            if let simulation = result.simulation, let eg = result.simulatedGeneralisationError {
                let k = s.studentUnits, m = s.teacherUnits
                let means = simulation.statistics(\.r).mean.map { Self.projection(r: $0, studentUnits: k, teacherUnits: m) }
                entry.append(("simulation", .object([("t", .numbers(simulation.times)), ("R_diag", .numbers(means.map(\.diagonal))),
                                                     ("R_off", .numbers(means.map(\.offDiagonal))), ("eg", .numbers(eg.mean)),
                                                     ("eg_stderr", .numbers(eg.standardError))])))
            }
            entry.append(("agreement", result.comparisonSummary?.json ?? .null))
            entry.append(("divergence", result.divergence.map(\.json) ?? .null))
            return .object(entry)
        }
        return .object([
            ("model", "online-committee-portrait"), ("settings", .object(settings)), ("fixed_points", .array(points)),
            ("trajectories", .array(trajectories)), ("divergence", divergence.map(\.json) ?? .null), ("warnings", RunWarning.json(warnings)),
        ])
    }

    /// Writes `result.json` and `portrait.svg` (+ PNG, its data and a matplotlib script) into `directory`, atomically.
    public func write(to directory: URL) throws -> [URL] {
        try AtomicFile.prepareDirectory(directory)
        let resultFile = directory.appendingPathComponent("result.json")
        try AtomicFile.write(json.serialized() + "\n", to: resultFile)
        return [resultFile] + (try figure.write(to: directory, name: "portrait"))
    }

    /// Each fixed point and each trajectory's verdict, for stdout.
    public var summaryLines: [String] {
        fixedPoints.map { point in
            let p = Self.projection(point.parameters)
            return "\(point.name): (R_diag, R_off) = (\(TextTable.format(p.diagonal, digits: 6)), \(TextTable.format(p.offDiagonal, digits: 6))), "
                + "\(point.kind), leading eigenvalue \(TextTable.format(point.leadingRate, digits: 4))"
        } + zip(experiment.r0s, trajectories).map { r0, result in
            "r0 = \(r0): ε_g(\(TextTable.format(result.times.last ?? 0))) = \(TextTable.format(result.theory.generalisationError.last ?? .nan))"
                + (result.comparisonSummary.map { ": simulation \($0.verdict.rawValue)" } ?? "")
        }
    }
}
