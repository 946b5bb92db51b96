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
    public var scenario: CommitteeScenario
    /// Largest time α = steps/d.
    public var tMax: Double
    /// Number of output points, 0…tMax inclusive (log-spaced after the first if `logarithmicGrid`).
    public var points: Int
    /// Output times spaced logarithmically (from tMax·10⁻³), for plateaus spanning decades.
    public var logarithmicGrid: Bool
    public var simulation: SimulationSettings?
    /// Theory-only runs with a random initial student draw it at this dimension and seed.
    public var initialDimension = 1000
    public var initialSeed: UInt64 = 1
    /// Quadrature nodes per dimension for 3-D and 4-D integrals without a closed form (`CommitteeIntegrals`).(tanh, sigmoid, mixed).
    public var quadratureOrder = CommitteeIntegrals.defaultQuadratureOrder
    /// The ODE integrator's tolerances (`nil`: `CommitteeTheory.defaultTolerance`).
    public var tolerance: IntegrationTolerance?

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

    /// Runs the simulation (if any), then the theory. `progress` receives the fraction done of each phase.
    public func run(progress: (@Sendable (Double) -> Void)? = nil) throws -> CommitteeExperimentResult {
        let requested = try grid()
        var theory = CommitteeTheory(scenario: scenario)
        theory.quadratureOrder = quadratureOrder
        if let tolerance { theory.integrator = DormandPrince54(tolerance: tolerance) }
        if let simulation {
            let simulator = try CommitteeSimulator(
                scenario: scenario, dimension: simulation.dimension, seeds: simulation.seeds, baseSeed: simulation.seed)
            let simulated = try simulator.run(times: requested, progress: progress)
            guard let start = simulated.meanInitialState else { throw ScenarioError("the simulation recorded no state") }
            let solved = try theory.solve(times: simulated.grid.times, from: start)
            return CommitteeExperimentResult(experiment: self, theory: solved, theoryStart: start, simulation: simulated)
        }
        let start: CommitteeOrderParameters
        if let specified = scenario.specifiedInitialState {
            start = specified
        } else {
            let drawn = try CommitteeSimulator(scenario: scenario, dimension: initialDimension, seeds: 1, baseSeed: initialSeed).run(times: [0])
            guard let measured = drawn.meanInitialState else { throw ScenarioError("could not draw a random initial student") }
            start = measured
        }
        return CommitteeExperimentResult(
            experiment: self, theory: try theory.solve(times: requested, from: start), theoryStart: start, simulation: nil)
    }
}

/// The outcome of a `CommitteeExperiment`.
public struct CommitteeExperimentResult: Sendable {
    public let experiment: CommitteeExperiment
    public let theory: CommitteeTheoryResult
    public let theoryStart: CommitteeOrderParameters
    public let simulation: CommitteeSimulationResult?

    /// The output grid (the simulation's realised times when simulated).
    public var times: [Double] { theory.times }

    /// ε_g of each simulated network, from its measured overlaps.
    public var simulatedGeneralisationError: EnsembleStatistics? {
        guard let simulation else { return nil }
        var model = CommitteeTheory(scenario: experiment.scenario)
        model.quadratureOrder = experiment.quadratureOrder
        return simulation.statistics { model.generalisationError($0) }
    }

    /// Theory vs simulation for ε_g and every entry of R and Q.
    public var comparisons: [ObservableComparison] {
        guard let simulation, let eg = simulatedGeneralisationError else { return [] }
        var result = [ObservableComparison(name: "eg", theory: theory.generalisationError, simulation: eg)]
        let k = experiment.scenario.studentUnits, m = experiment.scenario.teacherUnits
        for (name, path, columns) in [("R", \CommitteeOrderParameters.r, m), ("Q", \CommitteeOrderParameters.q, k)] {
            let stats = simulation.statistics(path)
            for entry in 0..<(k * columns) {
                let simulated = EnsembleStatistics(mean: stats.mean.map { $0[entry] }, standardError: stats.standardError.map { $0[entry] })
                result.append(ObservableComparison(
                    name: "\(name)[\(entry / columns)][\(entry % columns)]",
                    theory: theory.states.map { $0[keyPath: path][entry] }, simulation: simulated))
            }
        }
        return result
    }

    /// The first divergence, theory or simulation.
    public var divergence: Divergence? {
        [theory.divergence, simulation?.divergence].compactMap { $0 }.min { $0.time < $1.time }
    }
}
