import ODEIntegration
import OnlineSimulation
import OnlineTheory
import Reporting
import Scenarios

/// Online SGD for a linear classifier, theory and (optionally) finite-d simulation of one scenario.
///
/// As for regression, the simulation runs first and the theory starts from the measured mean m(0), q(0),
/// s(0) = |w − (m/ρ̂)w*|²/d and teacher norm ρ̂ of the simulated seeds, on the simulation's realised grid; theory-only runs start from the
/// scenario's m0, q0, ρ.
public struct ClassifierExperiment: Sendable {
    /// The scenario: loss, optimiser, noise σ², label flips, weight decay λ, teacher norm ρ and the initial m0, q0.
    public var scenario: ClassifierScenario
    /// Largest time t = steps/d.
    public var tMax: Double
    /// Number of output points, 0…tMax inclusive.
    public var points: Int
    /// Logarithmically spaced output times (from tMax·10⁻³).
    public var logarithmicGrid = false
    /// The ODE integrator's tolerances (`nil`: the theory's default).
    public var tolerance: IntegrationTolerance?
    /// `nil` for a theory-only run.
    public var simulation: SimulationSettings?

    /// A run on `points` equally spaced times from 0 to `tMax`; `simulation` is `nil` for a theory-only run.
    public init(scenario: ClassifierScenario, tMax: Double, points: Int = 101, simulation: SimulationSettings?) {
        self.scenario = scenario; self.tMax = tMax; self.points = points; self.simulation = simulation
    }

    /// Runs the simulation (if any) and the theory. `progress` receives the simulation's fraction done.
    public func run(progress: (@Sendable (Double) -> Void)? = nil) throws -> ClassifierExperimentResult {
        let requested = logarithmicGrid ? try TimeGrid.logarithmic(tMax: tMax, points: points) : try TimeGrid.uniform(tMax: tMax, points: points)
        var theory = ClassifierTheory(scenario: scenario)
        if let tolerance { theory.integrator = DormandPrince54(tolerance: tolerance) }
        if let simulation {
            let simulator = try ClassifierSimulator(scenario: scenario, dimension: simulation.dimension, seeds: simulation.seeds,
                                                    seed: simulation.seed)
            let simulated = try simulator.run(times: requested, progress: progress)
            let start = simulated.ensemble.meanInitialState
            return ClassifierExperimentResult(experiment: self, theory: try theory.solve(times: simulated.ensemble.grid.times, from: start,
                                                                                          initialOrthogonal: simulated.ensemble.meanInitialOrthogonal),
                                              theoryStart: start, simulation: simulated)
        }
        let start = theory.specifiedInitialState
        return ClassifierExperimentResult(experiment: self, theory: try theory.solve(times: requested, from: start),
                                          theoryStart: start, simulation: nil)
    }
}

/// The outcome of a `ClassifierExperiment`.
public struct ClassifierExperimentResult: Sendable {
    /// The experiment that produced this result.
    public let experiment: ClassifierExperiment
    /// The ODE learning curves (m, q, s, ε_g, loss) on `times`, started from `theoryStart`.
    public let theory: ClassifierTheoryResult
    /// The initial state the theory started from.
    public let theoryStart: LinearOrderParameters
    /// Every seed's m, q, ε_g and loss on the realised grid; `nil` for a theory-only run.
    public let simulation: ClassifierSimulationResult?

    /// The parts as `ClassifierExperiment.run` assembles them: `theory` on the simulation's realised grid when
    /// simulated, started from `theoryStart`; `simulation` is `nil` for a theory-only run.
    public init(experiment: ClassifierExperiment, theory: ClassifierTheoryResult, theoryStart: LinearOrderParameters,
                simulation: ClassifierSimulationResult?) {
        self.experiment = experiment; self.theory = theory; self.theoryStart = theoryStart; self.simulation = simulation
    }

    /// The observables, in output order: name, theory curve, simulation statistics.
    var observables: [(name: String, theory: [Double], simulation: EnsembleStatistics?)] {
        [("m", theory.m, simulation?.statistics(of: \.m)), ("q", theory.q, simulation?.statistics(of: \.q)),
         ("eg", theory.classificationError, simulation?.statistics(of: \.classificationError)), ("loss", theory.loss, simulation?.statistics(of: \.loss))]
    }

    /// Theory vs simulation for m, q, ε_g and the loss on the shared grid, with their verdicts
    /// (`AgreementCriterion`); nil for theory-only runs.
    public var comparisonSummary: ComparisonSummary? {
        guard let simulation, let sim = experiment.simulation else { return nil }
        return ComparisonSummary(observables.compactMap { name, curve, stats in stats.map { (name, curve, $0) } },
                                 seeds: sim.seeds, times: times, theoryDiverged: theory.divergence?.time,
                                 simulationDiverged: simulation.divergence?.time)
    }

    /// The observables' comparisons (empty for theory-only runs).
    public var comparisons: [ObservableComparison] { comparisonSummary?.comparisons ?? [] }

    /// What the user must know to read the comparison (`ComparisonDiagnostics`); empty for theory-only runs.
    public var warnings: [RunWarning] {
        guard let summary = comparisonSummary, let sim = experiment.simulation else { return [] }
        return ComparisonDiagnostics.warnings(
            summary: summary, seeds: sim.seeds, requestedPoints: experiment.points, times: times,
            theoryCurves: observables.map { ($0.name, $0.theory) },
            theoryDivergence: theory.divergence?.time, simulationDivergence: simulation?.divergence?.time)
    }

    /// The first divergence, theory or simulation.
    public var divergence: Divergence? {
        [theory.divergence, simulation?.divergence].compactMap { $0 }.min { $0.time < $1.time }
    }

    /// The output grid: the theory's times (which are the simulation's realised times when simulated).
    public var times: [Double] { theory.times }
}
