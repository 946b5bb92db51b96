import DMFT
import Foundation
import Plotting
import Reporting

/// The DMFT of one (α, η, b) run, optionally laid over its finite-N simulation.
public struct DMFTExperiment: Sendable {
    /// The finite-N simulation laid over the DMFT: the settings of `SignalRecoverySimulator`.
    public struct Simulation: Sendable, Hashable {
        /// Dimension N.
        public var dimension: Int
        /// Number of independent seeds.
        public var seeds: Int
        /// Base seed; seed k uses the stream `Xoshiro256(seed: seed, stream: k)`.
        public var seed: UInt64
        /// Precision of the couplings and vectors.
        public var precision: SimulationPrecision
        /// Memory the couplings may take before they are generated on the fly (`couplingBudget(problem:)`).
        public var maxMemoryBytes: Int

        /// Simulation settings; the defaults are double precision and 4 GiB of couplings.
        public init(dimension: Int, seeds: Int, seed: UInt64 = 1, precision: SimulationPrecision = .double,
                    maxMemoryBytes: Int = 4 << 30) {
            self.dimension = dimension; self.seeds = seeds; self.seed = seed; self.precision = precision
            self.maxMemoryBytes = maxMemoryBytes
        }
    }

    /// The problem solved and simulated: α, η, batch fraction b, m0, C(0,0), horizon T (steps), spherical or not.
    public var problem: SignalRecoveryProblem
    /// The finite-N simulation laid over the DMFT; `nil` for the DMFT alone.
    public var simulation: Simulation?
    /// When a trajectory counts as relaxed (by default Δ ≤ 0.05): `relaxationStep` and `stopsAtRelaxation` use it.
    public var criterion: RelaxationCriterion
    /// Stop the DMFT at its relaxation step (the horizon T stays the bound); the simulation then runs to that step.
    public var stopsAtRelaxation = false

    /// An experiment that runs to the horizon T (`stopsAtRelaxation` false), relaxation judged by `criterion`.
    public init(problem: SignalRecoveryProblem, simulation: Simulation?, criterion: RelaxationCriterion = RelaxationCriterion()) {
        self.problem = problem; self.simulation = simulation; self.criterion = criterion
    }

    /// Solves the DMFT, then simulates; `progress` gets each phase's fraction done.
    public func run(progress: (@Sendable (String, Double) -> Void)? = nil) throws -> DMFTExperimentResult {
        let theory = DMFTSolver(problem: problem).solve(stopWhen: stopsAtRelaxation ? criterion : nil, progress: { progress?("DMFT", $0) })
        var simulated: SignalRecoverySimulationResult?
        if let simulation {
            var problem = problem
            if stopsAtRelaxation { problem.steps = max(1, theory.reached) }
            var simulator = try SignalRecoverySimulator(problem: problem, dimension: simulation.dimension, seeds: simulation.seeds, seed: simulation.seed)
            simulator.precision = simulation.precision
            simulator.maxMemoryBytes = simulation.couplingBudget(problem: problem)
            simulated = simulator.run(progress: { progress?("simulating", $0) })
        }
        return DMFTExperimentResult(experiment: self, theory: theory, simulation: simulated)
    }
}

/// DMFT and simulation of a `DMFTExperiment`.
public struct DMFTExperimentResult: Sendable {
    /// The experiment that produced this result.
    public let experiment: DMFTExperiment
    /// The DMFT solution: m, C(t, s), Δ and e per step 0…`reached`.
    public let theory: DMFTSolution
    /// Every seed's m, C(t,t), Δ and e per step; `nil` without a simulation.
    public let simulation: SignalRecoverySimulationResult?

    /// The parts as `DMFTExperiment.run` assembles them; `simulation` is `nil` without a simulation.
    public init(experiment: DMFTExperiment, theory: DMFTSolution, simulation: SignalRecoverySimulationResult?) {
        self.experiment = experiment; self.theory = theory; self.simulation = simulation
    }

    var problem: SignalRecoveryProblem { experiment.problem }

    /// The DMFT relaxation step under the experiment's criterion.
    public var relaxationStep: Int? { experiment.criterion.relaxationStep(theory) }

    /// The simulation's relaxation step (of the mean over seeds) under the same criterion; `nil` without a
    /// simulation or when it does not relax within the horizon.
    public var simulationRelaxationStep: Int? {
        simulation.map(statistics).flatMap { experiment.criterion.relaxationStep(m: $0.m.mean, delta: $0.delta.mean) }
    }

    /// The relaxation line for stdout: "relaxation (criterion): DMFT step 32, simulation step 35".
    public var relaxationSummary: String {
        let horizon = "not within \(problem.steps) steps"
        return "relaxation (\(experiment.criterion.description)): "
            + (simulation == nil ? (relaxationStep.map { "step \($0)" } ?? horizon)
                : "DMFT " + (relaxationStep.map { "step \($0)" } ?? horizon) + ", simulation " + (simulationRelaxationStep.map { "step \($0)" } ?? horizon))
    }

    /// A short table at six steps: the DMFT's m, C(t,t), Δ, e (Δ and e below their resolution as "< floor"), and with a
    /// simulation its mean m and Δ with Δ's standard error.
    public func summaryTable() -> TextTable {
        let t = theory, stats = simulation.map(statistics)
        var table = TextTable(header: ["step", "m", "Ctt", "Delta", "e"] + (stats == nil ? [] : ["m sim", "Delta sim", "(±)"]))
        func resolved(_ value: Double, _ resolution: Double) -> String {
            value.isFinite ? TextTable.format(value) : "< " + TextTable.format(resolution, digits: 2)
        }
        for step in Array(Set((0..<6).map { $0 * t.reached / 5 })).sorted() {
            var row = [String(step), TextTable.format(t.m[step]), TextTable.format(t.ctt[step]),
                       resolved(t.resolvedDelta[step], t.deltaResolution[step]), resolved(t.resolvedEnergy[step], t.energyResolution[step])]
            if let stats {
                let has = step < stats.m.mean.count && step < stats.delta.mean.count
                row += has ? [TextTable.format(stats.m.mean[step]), TextTable.format(stats.delta.mean[step]),
                              TextTable.format(stats.delta.standardError[step], digits: 2)] : ["—", "—", "—"]
            }
            table.append(row)
        }
        return table
    }

    /// `result.json`: `model`, `conventions`, `settings`, `step`, `t` (= step·η), `theory` {`m`, `Ctt`, `Delta`, `e`,
    /// `Delta_resolution`, `e_resolution`} (Delta, e null where below their resolution, `DMFTSolution.resolvedDelta`),
    /// with a simulation `simulation` {`N`, `seeds`, `seed`, `precision`, `couplings_on_the_fly`, `mean` {…},
    /// `stderr` {…}}, `comparison` and `agreement`; `relaxation` {`criterion`, `theory_step`, `simulation_step`,
    /// `seed_steps`},
    /// `divergence` {`theory`, `simulation`: null or {`step`, `t`, `reason`}}, `warnings`.
    public var json: JSONValue {
        let steps = theory.steps
        var settings: [(String, JSONValue)] = [
            ("alpha", .number(problem.alpha)), ("lr", .number(problem.learningRate)), ("batch", .number(problem.batchFraction)),
            ("m0", .number(problem.initialOverlap)), ("c0", .number(problem.initialNorm)), ("steps", .integer(problem.steps)),
            ("spherical", .bool(problem.spherical)), ("stop_at_relaxation", .bool(experiment.stopsAtRelaxation)),
        ]
        if let sim = experiment.simulation {
            settings += [("N", .integer(sim.dimension)), ("seeds", .integer(sim.seeds)), ("seed", .unsigned(sim.seed))]
        }
        var members: [(String, JSONValue)] = [
            ("model", "dmft-signal-recovery"),
            ("conventions", .string(
                "y_mu = (1/N) sum_{i<j} J_ij x*_i x*_j, H = (1/2) sum_mu (v_mu(x) - y_mu)^2; GD x <- x - lr dH/dx; "
                + "SGD uses a Bernoulli(batch) mask per sample and step, scaled by 1/batch; t = step*lr; "
                + "m = x.x*/N, Ctt = |x|^2/N, Delta = 1 - 2m + Ctt, e = H/N")),
            ("settings", .object(settings)),
            ("step", .array(steps.map { JSONValue.integer($0) })),
            ("t", .numbers(steps.map { Double($0) * problem.learningRate })),
            // Delta and e are null where below the rounding of their cancellation (then 0 ≤ value < *_resolution).
            ("theory", .object([("m", .numbers(theory.m)), ("Ctt", .numbers(theory.ctt)), ("Delta", .numbers(theory.resolvedDelta)),
                                ("e", .numbers(theory.resolvedEnergy)), ("Delta_resolution", .numbers(theory.deltaResolution)),
                                ("e_resolution", .numbers(theory.energyResolution))])),
        ]
        var relaxation: [(String, JSONValue)] = [
            ("criterion", .string(experiment.criterion.description)),
            ("theory_step", relaxationStep.map { .integer($0) } ?? .null),
        ]
        if let simulation, let sim = experiment.simulation {
            let stats = statistics(simulation)
            relaxation.append(("simulation_step", simulationRelaxationStep.map { .integer($0) } ?? .null))
            relaxation.append(("seed_steps", .array(seedRelaxationSteps.map { $0.map(JSONValue.integer) ?? .null })))
            func block(_ pick: (EnsembleStatistics) -> [Double]) -> JSONValue {
                .object([("m", .numbers(pick(stats.m))), ("Ctt", .numbers(pick(stats.ctt))), ("Delta", .numbers(pick(stats.delta))),
                         ("e", .numbers(pick(stats.energy)))])
            }
            let onTheFly = sim.couplingsOnTheFly(problem: problem)
            members.append(("simulation", .object([
                ("N", .integer(sim.dimension)), ("seeds", .integer(sim.seeds)), ("seed", .unsigned(sim.seed)),
                ("precision", .string(sim.precision.rawValue)),
                ("couplings_on_the_fly", .bool(onTheFly)),
                ("mean", block(\.mean)), ("stderr", block(\.standardError)),
            ])))
            if let summary = comparisonSummary {
                members.append(("comparison", summary.comparisonJSON))
                members.append(("agreement", summary.json))
            }
        }
        members.append(("relaxation", .object(relaxation)))
        func divergence(_ step: Int?, _ reason: String?) -> JSONValue {
            guard let step else { return .null }
            return .object([("step", .integer(step)), ("t", .number(Double(step) * problem.learningRate)), ("reason", .string(reason ?? "diverged"))])
        }
        members.append(("divergence", .object([
            ("theory", divergence(theory.divergence, theory.divergenceReason)),
            ("simulation", divergence(simulation?.divergence, simulation?.divergenceReason)),
        ])))
        members.append(("warnings", RunWarning.json(warnings)))
        return .object(members)
    }

    struct Statistics { let m, ctt, delta, energy: EnsembleStatistics }

    func statistics(_ simulation: SignalRecoverySimulationResult) -> Statistics {
        Statistics(m: simulation.statistics(of: \.m), ctt: simulation.statistics(of: \.ctt),
                   delta: simulation.statistics(of: \.delta), energy: simulation.statistics(of: \.energy))
    }

    /// Whether the dynamics happen early in the horizon: Δ(t) has made 90% of its change from Δ(0) to Δ(T) before a
    /// tenth of the steps (T ≥ 100). Then `dynamicsFigure` uses a logarithmic time axis.
    public var dynamicsAreEarly: Bool {
        let delta = theory.delta, n = delta.count
        guard n > 100, let first = delta.first, let last = delta.last, first.isFinite, last.isFinite, first != last else { return false }
        let settled = delta.firstIndex { $0.isFinite && abs($0 - last) <= 0.1 * abs(first - last) } ?? n
        return settled < n / 10
    }

    /// m, Δ and e against t = step·η: DMFT lines, simulation mean ± standard error. A logarithmic time axis (from t = η,
    /// step 1: t = 0 has no place on it, which the axis label says) when the dynamics happen early in the horizon.
    public var dynamicsFigure: Figure {
        let eta = problem.learningRate
        let logTime = dynamicsAreEarly
        // On a log axis the step-0 point is left out (NaN breaks nothing: non-finite points are skipped).
        let t = theory.steps.map { logTime && $0 == 0 ? .nan : Double($0) * eta }
        let curves = [theory.m, theory.resolvedDelta, theory.resolvedEnergy]
        let stats = simulation.map(statistics)
        let simulated = stats.map { [$0.m, $0.delta, $0.energy] }
        let labels = ["overlap m(t)", "distance Δ(t) = |x − x*|²/N", "loss per coordinate e(t)"]
        let panels = (0..<3).map { index -> Panel in
            var series = [Series.line("DMFT (N → ∞)", x: t, y: curves[index], color: Color.cycle[0])]
            if let values = simulated?[index], let sim = experiment.simulation {
                let count = min(values.mean.count, values.standardError.count)
                let shown = logTime ? MarkerThinning.logIndices(count: count, target: 40) : MarkerThinning.indices(count: count, target: 40)
                series.append(.points("simulation, N = \(sim.dimension) (\(sim.seeds) seeds)", x: shown.map { Double($0) * eta },
                                      y: shown.map { values.mean[$0] }, yError: shown.map { values.standardError[$0] },
                                      color: Color.cycle[1], size: 2.5))
            }
            return Panel(xLabel: logTime ? "t = step · η (log axis, from t = η)" : "t = step · η", yLabel: labels[index],
                         xScale: logTime ? .log : .linear, yScale: index == 0 ? .linear : .log, series: series)
        }
        let relaxation = experiment.criterion.observable == .delta ? "Δ ≤ \(experiment.criterion.threshold)" : "m ≥ \(experiment.criterion.threshold)"
        return Figure(panels: panels, columns: 3, title: "Signal recovery, \(problem.titleDescription), recovered at \(relaxation)")
    }

    /// The DMFT two-time correlation C(t, s) as a heatmap (at most 120×120 steps): s along x, t along y increasing
    /// upward (the matrix's rows reversed, the y extent [t_max, 0]).
    public var correlationFigure: Figure {
        let (values, steps) = theory.correlationMatrix(size: 120)
        let eta = problem.learningRate, n = steps.count
        let extent = [Double(steps.first ?? 0) * eta, Double(steps.last ?? 0) * eta]
        let upward = (0..<n).reversed().flatMap { row in values[(row * n)..<((row + 1) * n)] }
        let heatmap = Heatmap(values: upward, rows: n, columns: n, colormap: .viridis,
                              colorbarLabel: "C(t, s)", xExtent: extent, yExtent: [extent[1], extent[0]])
        return Figure(panels: [.heatmap(heatmap, title: "Two-time correlation (DMFT)", xLabel: "s · η", yLabel: "t · η")],
                      title: "Signal recovery, \(problem.titleDescription)", panelWidth: 460, panelHeight: 400)
    }

    /// Writes `result.json`, `dynamics.csv`, `dynamics.svg`, `correlation.svg` (+ PNG, data, scripts). Returns the files.
    public func write(to directory: URL) throws -> [URL] {
        try AtomicFile.prepareDirectory(directory)
        let resultFile = directory.appendingPathComponent("result.json"), csvFile = directory.appendingPathComponent("dynamics.csv")
        try AtomicFile.write(json.serialized() + "\n", to: resultFile)
        // One row per step that the DMFT or the simulation reached (each stops where it diverged); empty cells beyond.
        let stats = simulation.map(statistics)
        let length = max(theory.steps.count, stats.map { min($0.m.mean.count, $0.delta.mean.count) } ?? 0)
        func pad(_ v: [Double]) -> [Double] { Array(v.prefix(length)) + [Double](repeating: .nan, count: max(0, length - v.count)) }
        var columns: [(String, [Double])] = [
            ("step", (0..<length).map(Double.init)), ("m_theory", pad(theory.m)), ("Ctt_theory", pad(theory.ctt)),
            ("Delta_theory", pad(theory.resolvedDelta)), ("e_theory", pad(theory.resolvedEnergy)),
            ("Delta_theory_resolution", pad(theory.deltaResolution)), ("e_theory_resolution", pad(theory.energyResolution)),
        ]
        if let stats {
            for (name, s) in [("m", stats.m), ("Ctt", stats.ctt), ("Delta", stats.delta), ("e", stats.energy)] {
                columns += [("\(name)_sim_mean", pad(s.mean)), ("\(name)_sim_stderr", pad(s.standardError))]
            }
        }
        try AtomicFile.write(CSVTable(columns, integers: ["step"]).text, to: csvFile)
        return [resultFile, csvFile] + (try dynamicsFigure.write(to: directory, name: "dynamics"))
            + (try correlationFigure.write(to: directory, name: "correlation"))
    }
}

extension SignalRecoveryProblem {
    /// The settings a figure title needs to rerun the problem: "SGD, b = 0.3: α = 3, η = 0.1, m_0 = 0.1, T = 2000"
    /// (C(0,0) when it is not 1, and "spherical").
    var titleDescription: String {
        (isFullBatch ? "GD" : "SGD, b = \(batchFraction)") + ": α = \(alpha), η = \(learningRate), m_0 = \(initialOverlap)"
            + (initialNorm == 1 ? "" : ", C(0,0) = \(initialNorm)") + ", T = \(steps)" + (spherical ? ", spherical" : "")
    }
}
