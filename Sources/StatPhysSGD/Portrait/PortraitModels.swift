import ODEIntegration
import OnlineTheory
import Reporting
import OnlineSimulation
import Scenarios

/// Linear regression's (m, q) portrait: each trajectory is a `LinearExperiment` of the template with m0, q0 set.
public struct LinearRegressionPortrait: PortraitModel {
    /// The experiment every trajectory runs (its m0, q0 replaced by the start's).
    public var template: LinearExperiment
    public let flow: LinearRegressionFlow

    /// Throws (out of range) for a schedule or scaled momentum: the portrait needs an autonomous (m, q) flow.
    public init(template: LinearExperiment) throws {
        self.template = template
        flow = try LinearRegressionFlow(scenario: template.scenario)
    }

    public var exactFixedPoint: PlanarPoint? { flow.exactFixedPoint }

    /// The template from `start`; throws for overlaps no student can have (m0² > q0 ρ).
    public func experiment(from start: PlanarPoint) throws -> LinearExperiment {
        var experiment = template
        try ScenarioError.requireRealisable(m0: start.x, q0: start.y, rho: template.scenario.teacherNorm)
        experiment.scenario.initialOverlap = start.x
        experiment.scenario.initialSelfOverlap = start.y
        return experiment
    }

    public var modelName: String { "online-linear-portrait" }
    public var teacherNorm: Double { template.scenario.teacherNorm }

    public var title: String {
        let s = template.scenario
        return "Phase portrait, linear regression: \(s.optimiser.title(rateSymbol: "τ")), σ² = \(s.noiseVariance), λ = \(s.weightDecay), ρ = \(s.teacherNorm)"
    }

    public var settings: [(String, JSONValue)] {
        let s = template.scenario
        return s.optimiser.settings + [("noise", .number(s.noiseVariance)), ("reg", .number(s.weightDecay)), ("rho", .number(s.teacherNorm))]
            + template.portraitSettings(defaults: LinearRegressionTheory.defaultTolerance)
    }
}

/// A linear classifier's (m, q) portrait: each trajectory is a `ClassifierExperiment` of the template with m0, q0 set.
public struct ClassifierPortrait: PortraitModel {
    public var template: ClassifierExperiment
    public let flow: ClassifierFlow

    /// Throws (out of range) for a schedule or scaled momentum: the portrait needs an autonomous (m, q) flow.
    public init(template: ClassifierExperiment) throws {
        self.template = template
        flow = try ClassifierFlow(scenario: template.scenario)
    }

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

    public var modelName: String { "online-classifier-portrait" }
    public var teacherNorm: Double { template.scenario.teacherNorm }

    public var title: String {
        let s = template.scenario
        return "Phase portrait, linear classifier, \(s.loss) loss: \(s.optimiser.title(rateSymbol: "τ")), σ² = \(s.noiseVariance), "
            + "flip p = \(s.flipProbability), λ = \(s.weightDecay), ρ = \(s.teacherNorm)"
    }

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
    associatedtype Result: TrajectoryResult
    var tMax: Double { get }
    var points: Int { get }
    var tolerance: IntegrationTolerance? { get }
    var simulation: SimulationSettings? { get }
    func run(progress: (@Sendable (Double) -> Void)?) throws -> Result
}

/// A run's learning curve in the (m, q) plane, its simulated ensemble and its comparison.
public protocol TrajectoryResult {
    var times: [Double] { get }
    var theoryCurve: (m: [Double], q: [Double]) { get }
    var ensemble: LinearStudentEnsemble? { get }
    var comparisonSummary: ComparisonSummary? { get }
    var divergence: Divergence? { get }
    var warnings: [RunWarning] { get }
}

extension LinearExperiment: TrajectoryExperiment {}
extension ClassifierExperiment: TrajectoryExperiment {}

extension LinearExperimentResult: TrajectoryResult {
    public var theoryCurve: (m: [Double], q: [Double]) { (theory.m, theory.q) }
    public var ensemble: LinearStudentEnsemble? { simulation?.ensemble }
}

extension ClassifierExperimentResult: TrajectoryResult {
    public var theoryCurve: (m: [Double], q: [Double]) { (theory.m, theory.q) }
    public var ensemble: LinearStudentEnsemble? { simulation?.ensemble }
}

extension PortraitModel where Experiment: TrajectoryExperiment {
    public func trajectory(from start: PlanarPoint, progress: (@Sendable (Double) -> Void)?) throws -> PortraitTrajectory {
        let result = try experiment(from: start).run(progress: progress)
        return PortraitTrajectory(start: start, times: result.times, theory: result.theoryCurve, ensemble: result.ensemble,
                                  comparison: result.comparisonSummary, divergence: result.divergence, warnings: result.warnings)
    }

    public var trajectoryEstimate: ResourceEstimate { template.resourceEstimate }
    public var simulation: SimulationSettings? { template.simulation }
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
