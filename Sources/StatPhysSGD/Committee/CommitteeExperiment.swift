import ODEIntegration
import OnlineSimulation
import OnlineTheory
import Reporting
import Scenarios

/// Online SGD for a committee machine: theory and (optionally) finite-d simulation of one scenario.
///
/// With a simulation, the theory starts from the seed-averaged measured Q(0), R(0), T and v(0) and runs on
/// the simulation's realised grid; the simulated ε_g of each seed is the exact population error of that
/// network (the Gaussian integral over its measured overlaps), not a noisy test-set estimate.
/// Theory-only runs start from the scenario's initial overlaps or, for a random initial student, from the
/// measured overlaps of one random student drawn at `initialDimension` with `initialSeed` (its O(1/√d) symmetry
/// breaking is what lets the d → ∞ theory leave the symmetric plateau).
public struct CommitteeExperiment: Sendable {
    /// The scenario: K, M, activations, optimiser, noise σ², weight decay λ, the teacher and the initial student.
    public var scenario: CommitteeScenario
    /// Largest time α = steps/d.
    public var tMax: Double
    /// Number of output points, 0…tMax inclusive (log-spaced after the first if `logarithmicGrid`).
    public var points: Int
    /// Output times spaced logarithmically (from tMax·10⁻³), for plateaus spanning decades.
    public var logarithmicGrid: Bool
    /// The finite-d simulation (d, seeds, base seed); `nil` for a theory-only run.
    public var simulation: SimulationSettings?
    /// Theory-only runs with a random initial student draw it at this dimension and seed.
    public var initialDimension = 1000
    /// The seed of that random initial student (theory-only runs).
    public var initialSeed: UInt64 = 1
    /// Quadrature nodes per dimension for 3-D and 4-D integrals without a closed form (`CommitteeIntegrals`: tanh, sigmoid, custom and mixed pairs).
    public var quadratureOrder = CommitteeIntegrals.defaultQuadratureOrder
    /// Relabel each seed's hidden units to match the theory before averaging (`CommitteeAlignment`): the student
    /// is symmetric under permutations of its units (and sign flips for odd activations with a trained second
    /// layer), so seeds that specialise to a permuted teacher would otherwise average to a meaningless R.
    public var alignsUnits = true
    /// The files the initial student (`--init`) and the teacher (`--teacher FILE`) were read from, recorded in
    /// `settings` as `init_file` and `teacher_file` so that the run can be reproduced; `nil` when not read from a file.
    public var initFile: String?, teacherFile: String?
    /// The ODE integrator's tolerances (`nil`: `CommitteeTheory.defaultTolerance`).
    public var tolerance: IntegrationTolerance?

    /// A run on `points` output times up to `tMax`, logarithmically spaced if `logarithmicGrid`; `simulation` is `nil`
    /// for a theory-only run.
    public init(scenario: CommitteeScenario, tMax: Double, points: Int = 201, logarithmicGrid: Bool = false,
                simulation: SimulationSettings?) {
        self.scenario = scenario; self.tMax = tMax; self.points = points
        self.logarithmicGrid = logarithmicGrid; self.simulation = simulation
    }

    /// The tolerances used: `tolerance` or the default.
    public var effectiveTolerance: (relative: Double, absolute: Double) {
        tolerance.map { ($0.relative, $0.absolute) } ?? CommitteeTheory.defaultTolerance
    }

    /// The requested output grid.
    public func grid() throws -> [Double] {
        logarithmicGrid ? try TimeGrid.logarithmic(tMax: tMax, points: points) : try TimeGrid.uniform(tMax: tMax, points: points)
    }

    /// Runs the simulation (if any), then the theory. `progress` receives the simulation's fraction done,
    /// `theoryProgress` the ODE solve's (a quadrature committee's solve can take minutes).
    public func run(progress: (@Sendable (Double) -> Void)? = nil,
                    theoryProgress: (@Sendable (Double) -> Void)? = nil) throws -> CommitteeExperimentResult {
        let requested = try grid()
        var theory = CommitteeTheory(scenario: scenario)
        theory.quadratureOrder = quadratureOrder
        if let tolerance { theory.integrator = DormandPrince54(tolerance: tolerance) }
        if let simulation {
            let simulator = try CommitteeSimulator(
                scenario: scenario, dimension: simulation.dimension, seeds: simulation.seeds, seed: simulation.seed)
            let simulated = try simulator.run(times: requested, progress: progress)
            guard let start = simulated.meanInitialState else {
                throw ScenarioError("the simulation diverged at t = 0, before recording a state: "
                                    + (simulated.divergence?.reason ?? "no seed recorded its initial overlaps"))
            }
            let solved = try theory.solve(times: simulated.grid.times, from: start, progress: theoryProgress)
            let alignments = alignsUnits ? simulated.alignments(to: solved.states, rule: CommitteeAlignment(scenario: scenario)) : []
            return CommitteeExperimentResult(
                experiment: self, theory: solved, theoryStart: start,
                simulation: alignments.isEmpty ? simulated : simulated.aligned(alignments.map(\.alignment)),
                unalignedSimulation: simulated, alignments: alignments)
        }
        let start: CommitteeOrderParameters
        if let specified = scenario.specifiedInitialState {
            start = specified
        } else {
            let drawn = try CommitteeSimulator(scenario: scenario, dimension: initialDimension, seeds: 1, seed: initialSeed).run(times: [0])
            guard let measured = drawn.meanInitialState else { throw ScenarioError("could not draw a random initial student") }
            start = measured
        }
        return CommitteeExperimentResult(
            experiment: self, theory: try theory.solve(times: requested, from: start, progress: theoryProgress), theoryStart: start, simulation: nil,
            unalignedSimulation: nil, alignments: [])
    }
}

/// The outcome of a `CommitteeExperiment`.
public struct CommitteeExperimentResult: Sendable {
    /// The experiment that produced this result.
    public let experiment: CommitteeExperiment
    /// The ODE solution (`CommitteeTheory`): the order parameters and ε_g on `times`, started from `theoryStart`.
    public let theory: CommitteeTheoryResult
    /// The initial state the theory started from: the seeds' mean measured overlaps when simulated, else the
    /// scenario's overlaps or those of one random student.
    public let theoryStart: CommitteeOrderParameters
    /// The simulated seeds, each relabelled by its alignment (`alignments`) when the experiment aligns units.
    public let simulation: CommitteeSimulationResult?
    /// The seeds as simulated, before alignment.
    public let unalignedSimulation: CommitteeSimulationResult?
    /// Per seed: the relabelling of its units that matches the theory's final state (empty if not aligned).
    public let alignments: [SeedAlignment]

    /// The parts as `CommitteeExperiment.run` assembles them; `alignments` is empty when units are not aligned.
    public init(experiment: CommitteeExperiment, theory: CommitteeTheoryResult, theoryStart: CommitteeOrderParameters,
                simulation: CommitteeSimulationResult?, unalignedSimulation: CommitteeSimulationResult?, alignments: [SeedAlignment]) {
        self.experiment = experiment; self.theory = theory; self.theoryStart = theoryStart; self.simulation = simulation
        self.unalignedSimulation = unalignedSimulation; self.alignments = alignments
    }

    /// The output grid (the simulation's realised times when simulated).
    public var times: [Double] { theory.times }

    /// ε_g of each simulated network, from its measured overlaps (unchanged by the alignment, an exact symmetry).
    public var simulatedGeneralisationError: EnsembleStatistics? {
        guard let simulation else { return nil }
        var model = CommitteeTheory(scenario: experiment.scenario)
        model.quadratureOrder = experiment.quadratureOrder
        return simulation.statistics { model.generalisationError($0) }
    }

    /// The compared observables: ε_g, every R_in, Q_ik with i ≤ k (Q is symmetric) and, if trained, v_i and b_i; named with
    /// 1-based indices (`CommitteeIndexLabel`).
    public var comparedObservables: [(name: String, theory: [Double], simulation: EnsembleStatistics)] {
        guard let simulation, let eg = simulatedGeneralisationError else { return [] }
        var result: [(name: String, theory: [Double], simulation: EnsembleStatistics)] = [("eg", theory.generalisationError, eg)]
        let s = experiment.scenario, k = s.studentUnits, m = s.teacherUnits
        let r = simulation.entryStatistics(of: \.r), q = simulation.entryStatistics(of: \.q)
        let v = simulation.entryStatistics(of: \.v)
        func add(_ name: String, _ path: KeyPath<CommitteeOrderParameters, [Double]>, _ entries: [EnsembleStatistics], _ index: Int) {
            result.append((name, theory.states.map { $0[keyPath: path][index] }, entries[index]))
        }
        for i in 0..<k { for n in 0..<m { add(CommitteeIndexLabel.label("R", i, n, k: k, m: m), \.r, r, i * m + n) } }
        for i in 0..<k { for j in i..<k { add(CommitteeIndexLabel.label("Q", i, j, k: k, m: m), \.q, q, i * k + j) } }
        if s.trainsSecondLayer { for i in 0..<k { add(CommitteeIndexLabel.label("v", i, nil, k: k, m: m), \.v, v, i) } }
        if s.trainsBiases {
            let b = simulation.entryStatistics(of: \.b)
            for i in 0..<k { add(CommitteeIndexLabel.label("b", i, nil, k: k, m: m), \.b, b, i) }
        }
        return result
    }

    /// Theory vs (aligned) simulation for every compared observable, with verdicts (`AgreementCriterion`).
    public var comparisonSummary: ComparisonSummary? {
        guard let simulation, let sim = experiment.simulation else { return nil }
        return ComparisonSummary(comparedObservables, seeds: sim.seeds, times: times,
                                 theoryDiverged: theory.divergence?.time, simulationDiverged: simulation.divergence?.time)
    }

    /// The observables' comparisons (empty for theory-only runs).
    public var comparisons: [ObservableComparison] { comparisonSummary?.comparisons ?? [] }

    /// The first divergence, theory or simulation.
    public var divergence: Divergence? {
        [theory.divergence, simulation?.divergence].compactMap { $0 }.min { $0.time < $1.time }
    }
}

/// Committee unit indices as physicists write them, from 1: R_in with i = 1…K, n = 1…M. Labels are "R12", "Q11",
/// "v2" while K and M are at most 9, and "R1_12" (an underscore between the indices) beyond, so they stay unique.
/// In JSON matrices (nested lists) the first row and column are unit 1.
public enum CommitteeIndexLabel {
    /// `symbol` with the 0-based unit indices `i` (and `j`) written 1-based: "R12", "v2", or "R1_12" when K or M > 9.
    public static func label(_ symbol: String, _ i: Int, _ j: Int?, k: Int, m: Int) -> String {
        guard let j else { return "\(symbol)\(i + 1)" }
        return max(k, m) <= 9 ? "\(symbol)\(i + 1)\(j + 1)" : "\(symbol)\(i + 1)_\(j + 1)"
    }

    /// The same index as a figure label with a subscript (`MathText`): R_{12}, or R_{1,12} when K or M > 9.
    public static func figureLabel(_ symbol: String, _ i: Int, _ j: Int?, k: Int, m: Int) -> String {
        guard let j else { return "\(symbol)_{\(i + 1)}" }
        return max(k, m) <= 9 ? "\(symbol)_{\(i + 1)\(j + 1)}" : "\(symbol)_{\(i + 1),\(j + 1)}"
    }
}
