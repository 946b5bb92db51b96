import ODEIntegration
import OnlineTheory
import Reporting
import OnlineSimulation
import Scenarios

/// Linear regression's (m, q) portrait: each trajectory is a `LinearExperiment` of the template with m0, q0 set.
public struct LinearRegressionPortrait: PortraitModel {
    /// The experiment every trajectory runs (its m0, q0 replaced by the start's).
    public var template: LinearExperiment
    /// The (m, q) ODE of the template's scenario.
    public let flow: LinearRegressionFlow

    /// Throws (out of range) for a schedule or scaled momentum: the portrait needs an autonomous (m, q) flow.
    public init(template: LinearExperiment) throws {
        self.template = template
        flow = try LinearRegressionFlow(scenario: template.scenario)
    }

    /// The flow's closed-form fixed point (`LinearRegressionFlow.exactFixedPoint`).
    public var exactFixedPoint: PlanarPoint? { flow.exactFixedPoint }

    /// The template from `start`; throws for overlaps no student can have (m0² > q0 ρ).
    public func experiment(from start: PlanarPoint) throws -> LinearExperiment {
        var experiment = template
        try ScenarioError.requireRealisable(m0: start.x, q0: start.y, rho: template.scenario.teacherNorm)
        experiment.scenario.initialOverlap = start.x
        experiment.scenario.initialSelfOverlap = start.y
        return experiment
    }

    /// `result.json`'s `model`: "online-linear-portrait".
    public var modelName: String { "online-linear-portrait" }
    /// ρ = |w*|²/d of the template's scenario.
    public var teacherNorm: Double { template.scenario.teacherNorm }

    /// "Phase portrait, linear regression: " with the optimiser, σ², λ and ρ.
    public var title: String {
        let s = template.scenario
        return "Phase portrait, linear regression: \(s.optimiser.title(rateSymbol: "τ")), σ² = \(s.noiseVariance), λ = \(s.weightDecay), ρ = \(s.teacherNorm)"
    }

    /// The optimiser's settings, `noise`, `reg`, `rho`, then `t_max`, `points`, `theory_only`, `rtol`, `atol` (and
    /// `d`, `seeds`, `seed` when simulated).
    public var settings: [(String, JSONValue)] {
        let s = template.scenario
        return s.optimiser.settings + [("noise", .number(s.noiseVariance)), ("reg", .number(s.weightDecay)), ("rho", .number(s.teacherNorm))]
            + template.portraitSettings(defaults: LinearRegressionTheory.defaultTolerance)
    }
}

/// A linear classifier's (m, q) portrait: each trajectory is a `ClassifierExperiment` of the template with m0, q0 set.
public struct ClassifierPortrait: PortraitModel {
    /// The experiment every trajectory runs (its m0, q0 replaced by the start's).
    public var template: ClassifierExperiment
    /// The (m, q) ODE of the template's scenario.
    public let flow: ClassifierFlow

    /// Throws (out of range) for a schedule or scaled momentum: the portrait needs an autonomous (m, q) flow.
    public init(template: ClassifierExperiment) throws {
        self.template = template
        flow = try ClassifierFlow(scenario: template.scenario)
    }

    /// The flow's closed-form fixed point, for the square loss only (`ClassifierFlow.exactFixedPoint`).
    public var exactFixedPoint: PlanarPoint? { flow.exactFixedPoint }

    /// The template from `start`, through the scenario's initialiser: throws for overlaps no student can have and for
    /// the perceptron at q0 = 0.
    public func experiment(from start: PlanarPoint) throws -> ClassifierExperiment {
        var experiment = template
        let s = template.scenario
        experiment.scenario = try ClassifierScenario(loss: s.loss, optimiser: s.optimiser, noiseVariance: s.noiseVariance,
                                                     flipProbability: s.flipProbability, weightDecay: s.weightDecay, teacherNorm: s.teacherNorm,
                                                     initialOverlap: start.x, initialSelfOverlap: start.y)
        return experiment
    }

    /// `result.json`'s `model`: "online-classifier-portrait".
    public var modelName: String { "online-classifier-portrait" }
    /// ρ = |w*|²/d of the template's scenario.
    public var teacherNorm: Double { template.scenario.teacherNorm }

    /// "Phase portrait, linear classifier, <loss> loss: " with the optimiser, σ², the flip probability, λ and ρ.
    public var title: String {
        let s = template.scenario
        return "Phase portrait, linear classifier, \(s.loss) loss: \(s.optimiser.title(rateSymbol: "τ")), σ² = \(s.noiseVariance), "
            + "flip p = \(s.flipProbability), λ = \(s.weightDecay), ρ = \(s.teacherNorm)"
    }

    /// `loss`, the optimiser's settings, `noise`, `flip`, `reg`, `rho`, then `t_max`, `points`, `theory_only`, `rtol`,
    /// `atol` (and `d`, `seeds`, `seed` when simulated).
    public var settings: [(String, JSONValue)] {
        let s = template.scenario
        return [("loss", .string("\(s.loss)"))] + s.optimiser.settings + [
            ("noise", .number(s.noiseVariance)), ("flip", .number(s.flipProbability)), ("reg", .number(s.weightDecay)),
            ("rho", .number(s.teacherNorm)),
        ] + template.portraitSettings(defaults: ClassifierTheory.defaultTolerance)
    }
}

/// The experiment a portrait's trajectories run (`LinearExperiment`, `ClassifierExperiment`): what the portrait reads
/// of it and of its result.
public protocol TrajectoryExperiment: Sendable, ResourceEstimating {
    /// What `run(progress:)` returns.
    associatedtype Result: TrajectoryResult
    /// Largest time t = steps/d.
    var tMax: Double { get }
    /// Number of output points.
    var points: Int { get }
    /// The ODE integrator's tolerances (`nil`: the theory's default).
    var tolerance: IntegrationTolerance? { get }
    /// `nil` for a theory-only run.
    var simulation: SimulationSettings? { get }
    /// Runs the simulation (if any) and the theory; `progress` receives the simulation's fraction done.
    func run(progress: (@Sendable (Double) -> Void)?) throws -> Result
}

/// A run's learning curve in the (m, q) plane, its simulated ensemble and its comparison.
public protocol TrajectoryResult {
    /// The output grid of `theoryCurve`.
    var times: [Double] { get }
    /// The theory's m and q on `times`.
    var theoryCurve: (m: [Double], q: [Double]) { get }
    /// Every simulated seed's trajectories; `nil` for theory only.
    var ensemble: LinearStudentEnsemble? { get }
    /// Theory vs simulation, with verdicts; `nil` for theory only.
    var comparisonSummary: ComparisonSummary? { get }
    /// The first divergence, theory or simulation.
    var divergence: Divergence? { get }
    /// What the user must know to read the run.
    var warnings: [RunWarning] { get }
}

extension LinearExperiment: TrajectoryExperiment {}
extension ClassifierExperiment: TrajectoryExperiment {}

extension LinearExperimentResult: TrajectoryResult {
    /// The theory's m and q on `times`.
    public var theoryCurve: (m: [Double], q: [Double]) { (theory.m, theory.q) }
    /// The simulated seeds' trajectories (`LinearSimulationResult.ensemble`); `nil` for theory only.
    public var ensemble: LinearStudentEnsemble? { simulation?.ensemble }
}

extension ClassifierExperimentResult: TrajectoryResult {
    /// The theory's m and q on `times`.
    public var theoryCurve: (m: [Double], q: [Double]) { (theory.m, theory.q) }
    /// The simulated seeds' trajectories (`ClassifierSimulationResult.ensemble`); `nil` for theory only.
    public var ensemble: LinearStudentEnsemble? { simulation?.ensemble }
}

extension PortraitModel where Experiment: TrajectoryExperiment {
    /// Runs `experiment(from: start)` and keeps its (m, q) curves, simulated statistics, comparison and warnings.
    public func trajectory(from start: PlanarPoint, progress: (@Sendable (Double) -> Void)?) throws -> PortraitTrajectory {
        let result = try experiment(from: start).run(progress: progress)
        return PortraitTrajectory(start: start, times: result.times, theory: result.theoryCurve, ensemble: result.ensemble,
                                  comparison: result.comparisonSummary, divergence: result.divergence, warnings: result.warnings)
    }

    /// The template's `resourceEstimate`: every start costs about the same.
    public var trajectoryEstimate: ResourceEstimate { template.resourceEstimate }
    /// The template's simulation settings.
    public var simulation: SimulationSettings? { template.simulation }
    /// The template's t_max.
    public var tMax: Double { template.tMax }
}

extension TrajectoryExperiment {
    /// t_max, points, theory_only, rtol, atol and, when simulated, d, seeds, seed.
    func portraitSettings(defaults: (relative: Double, absolute: Double)) -> [(String, JSONValue)] {
        var settings: [(String, JSONValue)] = [
            ("t_max", .number(tMax)), ("points", .integer(points)), ("theory_only", .bool(simulation == nil)),
            ("rtol", .number(tolerance?.relative ?? defaults.relative)), ("atol", .number(tolerance?.absolute ?? defaults.absolute)),
        ]
        if let sim = simulation { settings += [("d", .integer(sim.dimension)), ("seeds", .integer(sim.seeds)), ("seed", .unsigned(sim.seed))] }
        return settings
    }
}
