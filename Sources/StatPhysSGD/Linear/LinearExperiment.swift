import ODEIntegration
import OnlineSimulation
import OnlineTheory
import Reporting
import Scenarios

/// Online SGD for linear regression, theory and (optionally) finite-d simulation of one scenario.
///
/// The simulation runs first; the theory then starts from the measured mean m(0), q(0) and teacher norm ρ̂
/// of the simulated seeds and is evaluated on the simulation's realised grid (steps/d), so a comparison has
/// no built-in bias. Theory-only runs start from the scenario's m0, q0, ρ.
public struct LinearExperiment: Sendable {
    /// The finite-d simulation's settings: d, seeds and base seed.
    public typealias Simulation = SimulationSettings

    /// The scenario: optimiser, noise σ², weight decay λ, teacher norm ρ and the initial m0, q0.
    public var scenario: LinearRegressionScenario
    /// Largest time t = steps/d.
    public var tMax: Double
    /// Number of output points, 0…tMax inclusive.
    public var points: Int
    /// The ODE integrator's tolerances (`nil`: the theory's default).
    public var tolerance: IntegrationTolerance?
    /// `nil` for a theory-only run.
    public var simulation: Simulation?
    /// The dimension d at which to predict the finite-d spread (`LinearRegressionTheory.fluctuations`); `nil` for no
    /// prediction. With a simulation it must be the simulation's d.
    public var fluctuationDimension: Int?

    /// A run on `points` equally spaced times from 0 to `tMax`; `simulation` is `nil` for a theory-only run.
    public init(scenario: LinearRegressionScenario, tMax: Double, points: Int = 101, simulation: Simulation?) {
        self.scenario = scenario; self.tMax = tMax; self.points = points; self.simulation = simulation
    }

    /// Runs the simulation (if any) and the theory. `progress` receives the simulation's fraction done.
    public func run(progress: (@Sendable (Double) -> Void)? = nil) throws -> LinearExperimentResult {
        let requested = try TimeGrid.uniform(tMax: tMax, points: points)
        var theory = LinearRegressionTheory(scenario: scenario)
        if let tolerance { theory.integrator = DormandPrince54(tolerance: tolerance) }
        if let simulation {
            let simulator = try LinearRegressionSimulator(
                scenario: scenario, dimension: simulation.dimension, seeds: simulation.seeds, seed: simulation.seed)
            let simulated = try simulator.run(times: requested, progress: progress)
            let start = simulated.ensemble.meanInitialState
            let solved = try theory.solve(times: simulated.ensemble.grid.times, from: start, initialError: simulated.ensemble.meanInitialError)
            return LinearExperimentResult(experiment: self, theory: solved, theoryStart: start, simulation: simulated,
                                          fluctuations: try fluctuations(of: theory, times: solved.times, from: start,
                                                                         initialError: simulated.ensemble.meanInitialError))
        }
        let start = theory.specifiedInitialState
        let solved = try theory.solve(times: requested, from: start)
        return LinearExperimentResult(experiment: self, theory: solved, theoryStart: start, simulation: nil,
                                      fluctuations: try fluctuations(of: theory, times: solved.times, from: start))
    }

    /// The predicted spread on the theory's times when `fluctuationDimension` asks for it.
    func fluctuations(of theory: LinearRegressionTheory, times: [Double], from start: LinearOrderParameters,
                      initialError: Double? = nil) throws -> LinearFluctuationPrediction? {
        guard let d = fluctuationDimension else { return nil }
        guard d > 0 else { throw ScenarioError.outOfRange("the dimension of the fluctuation prediction must be positive, got \(d)") }
        if let simulation, simulation.dimension != d {
            throw ScenarioError("the fluctuation prediction is at d = \(d) but the simulation runs at d = \(simulation.dimension)")
        }
        return try theory.fluctuations(times: times, from: start, initialError: initialError)
    }
}

/// The outcome of a `LinearExperiment`.
public struct LinearExperimentResult: Sendable {
    /// The experiment that produced this result.
    public let experiment: LinearExperiment
    /// The ODE learning curves (m, q, e_g) on `times`, started from `theoryStart`.
    public let theory: LinearTheoryResult
    /// The initial state the theory started from.
    public let theoryStart: LinearOrderParameters
    /// Every seed's m, q and e_g on the realised grid; `nil` for a theory-only run.
    public let simulation: LinearSimulationResult?
    /// The predicted finite-d spread on `times` (at `experiment.fluctuationDimension`); `nil` unless asked for.
    public let fluctuations: LinearFluctuationPrediction?

    /// The parts as `LinearExperiment.run` assembles them: `theory` on the simulation's realised grid when simulated,
    /// started from `theoryStart`; `simulation` is `nil` for a theory-only run; `fluctuations` on the theory's times.
    public init(experiment: LinearExperiment, theory: LinearTheoryResult, theoryStart: LinearOrderParameters,
                simulation: LinearSimulationResult?, fluctuations: LinearFluctuationPrediction? = nil) {
        self.experiment = experiment; self.theory = theory; self.theoryStart = theoryStart; self.simulation = simulation
        self.fluctuations = fluctuations
    }

    /// The predicted per-seed standard deviations of m, q and e_g at the prediction's d on `times` (`std`), and the
    /// standard errors of the seeds' mean about this run's theory, which starts at their mean initial state (`stderr`,
    /// `LinearFluctuationPrediction.meanStandardErrors`; `nil` for a theory-only run); `nil` without a prediction.
    public var predictedSpread: (dimension: Int, std: [(name: String, values: [Double])], stderr: [(name: String, values: [Double])]?, seeds: Int?)? {
        guard let fluctuations, let d = experiment.fluctuationDimension else { return nil }
        let seeds = simulation == nil ? nil : experiment.simulation?.seeds
        return (d, fluctuations.standardDeviations(dimension: d), seeds.map { fluctuations.meanStandardErrors(dimension: d, seeds: $0) }, seeds)
    }

    /// Theory vs simulation for m, q and e_g on the shared grid, with their verdicts (`AgreementCriterion`);
    /// nil for theory-only runs.
    /// With a fluctuation prediction the z-scores use its standard errors (`predictedSpread`), not the seeds' own.
    public var comparisonSummary: ComparisonSummary? {
        guard let simulation, let sim = experiment.simulation else { return nil }
        return ComparisonSummary([
            ("m", theory.m, simulation.statistics(of: \.m)), ("q", theory.q, simulation.statistics(of: \.q)),
            ("eg", theory.generalisationError, simulation.statistics(of: \.generalisationError)),
        ], seeds: sim.seeds, times: times, theoryDiverged: theory.divergence?.time, simulationDiverged: simulation.divergence?.time,
           predictedStandardErrors: predictedSpread?.stderr?.map(\.values))
    }

    /// The observables' comparisons (empty for theory-only runs).
    public var comparisons: [ObservableComparison] { comparisonSummary?.comparisons ?? [] }

    /// What the user must know to read the comparison (`ComparisonDiagnostics`); empty for theory-only runs.
    public var warnings: [RunWarning] {
        guard let summary = comparisonSummary, let sim = experiment.simulation else { return underflowWarnings }
        return underflowWarnings + ComparisonDiagnostics.warnings(
            summary: summary, seeds: sim.seeds, requestedPoints: experiment.points, times: times,
            theoryCurves: [("m", theory.m), ("q", theory.q), ("eg", theory.generalisationError)],
            theoryDivergence: theory.divergence?.time, simulationDivergence: simulation?.divergence?.time)
    }

    /// The theory's e_g is integrated with a relative error test down to about 1e-290 and stays positive there; a
    /// noise-free run that decays past it (`LinearRegressionTheory.underflowFloor`) prints those points as 0.
    /// Said, so that a 0 is never taken for an exact result.
    var underflowWarnings: [RunWarning] {
        let e = theory.generalisationError
        guard let first = e.first, first > 0, let k = e.firstIndex(where: { $0 == 0 }) else { return [] }
        return [RunWarning(kind: "eg-underflow",
            "the theory's e_g decays below \(TextTable.format(LinearRegressionTheory.underflowFloor)), the end of the "
            + "integrator's relative accuracy near the bottom of the double range, by t = \(TextTable.format(times[k])); from there it "
            + "prints as 0 (its exact value is smaller still); a shorter --t-max keeps every point above it")]
    }

    /// The first divergence, theory or simulation.
    public var divergence: Divergence? {
        [theory.divergence, simulation?.divergence].compactMap { $0 }.min { $0.time < $1.time }
    }

    /// The output grid: the theory's times (which are the simulation's realised times when simulated).
    public var times: [Double] { theory.times }
}
