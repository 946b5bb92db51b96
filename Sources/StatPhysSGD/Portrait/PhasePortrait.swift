import Foundation
import OnlineSimulation
import OnlineTheory
import Reporting
import Scenarios

/// One model's side of an (m, q) phase portrait: its flow, its closed-form fixed point where one is known, and its
/// learning curves (theory, and simulation when asked) from a start (m0, q0) — the model's own experiment, so that a
/// portrait's trajectories are exactly what `online linear|classifier --m0 --q0` computes.
public protocol PortraitModel: Sendable {
    /// The model's (m, q) flow (`LinearRegressionFlow`, `ClassifierFlow`).
    associatedtype Flow: PlanarFlow
    /// The flow at the scenario's teacher norm.
    var flow: Flow { get }
    /// The fixed point in closed form, whatever its stability, when the model has one (`nil` otherwise).
    var exactFixedPoint: PlanarPoint? { get }
    /// The model's own experiment, which every trajectory runs (`LinearExperiment`, `ClassifierExperiment`).
    associatedtype Experiment
    /// The experiment every trajectory runs, its m0 and q0 replaced by the start's.
    var template: Experiment { get }
    /// The model's experiment from `start`; throws (before anything runs) for a start the scenario refuses.
    func experiment(from start: PlanarPoint) throws -> Experiment
    /// The experiment from `start`, run.
    func trajectory(from start: PlanarPoint, progress: (@Sendable (Double) -> Void)?) throws -> PortraitTrajectory
    /// The resources of one trajectory.
    var trajectoryEstimate: ResourceEstimate { get }
    /// `result.json`'s `model`.
    var modelName: String { get }
    /// The figure's title: the model and every setting needed to rerun it.
    var title: String { get }
    /// The settings, without m0 and q0 (the portrait's `starts`).
    var settings: [(String, JSONValue)] { get }
    /// The simulation's settings; `nil` for theory only.
    var simulation: SimulationSettings? { get }
    /// ρ = |w*|²/d: the physical region is q ≥ m²/ρ.
    var teacherNorm: Double { get }
    /// The trajectories' final time.
    var tMax: Double { get }
}

/// A learning curve in the (m, q) plane: the theory, and the simulation's mean and standard error over seeds.
public struct PortraitTrajectory: Sendable {
    /// The requested start (m0, q0).
    public let start: PlanarPoint
    /// The theory's output times (the simulation's realised times when simulated), up to a divergence.
    public let times: [Double]
    /// The theory's m and q on `times`.
    public let theory: (m: [Double], q: [Double])
    /// The simulation's realised times and statistics; `nil` for theory only.
    public let simulationTimes: [Double]?
    /// The simulated m and q over seeds (mean, standard error) on `simulationTimes`; `nil` for theory only.
    public let simulated: (m: EnsembleStatistics, q: EnsembleStatistics)?
    /// Theory against simulation (m, q and the model's error), with its verdict; `nil` for theory only.
    public let comparison: ComparisonSummary?
    /// The run's first divergence, theory or simulation; `nil` if neither diverged.
    public let divergence: Divergence?
    /// The warnings of the trajectory's experiment (its result's `warnings`).
    public let warnings: [RunWarning]

    /// A trajectory from `start`; `ensemble`, the simulated seeds (`nil` for theory only), gives `simulationTimes` and
    /// the statistics of m and q.
    public init(start: PlanarPoint, times: [Double], theory: (m: [Double], q: [Double]), ensemble: LinearStudentEnsemble?,
                comparison: ComparisonSummary?, divergence: Divergence?, warnings: [RunWarning]) {
        self.start = start; self.times = times; self.theory = theory
        simulationTimes = ensemble?.times
        simulated = ensemble.map { ($0.statistics(of: \.m), $0.statistics(of: \.q)) }
        self.comparison = comparison; self.divergence = divergence; self.warnings = warnings
    }
}

/// A phase portrait of the (m, q) plane: trajectories from several starts (theory lines and simulated means), the flow's
/// direction field, its nullclines dm/dt = 0 and dq/dt = 0, and its fixed points with their stability (eigenvalues of
/// the Jacobian), found by Newton's method in the window the trajectories span and checked against the closed form.
public struct PhasePortraitExperiment<Model: PortraitModel>: Sendable, ResourceEstimating {
    /// The model whose flow is analysed and whose experiment every trajectory runs.
    public var model: Model
    /// The starts (m0, q0); each must be realisable (m0² ≤ q0 ρ).
    public var starts: [PlanarPoint]
    /// Arrows of the direction field per side.
    public var arrows = 17
    /// Grid points per side for the nullclines.
    public var nullclineGrid = 81

    /// A portrait of `model` from `starts`, with 17 arrows and 81 nullcline grid points per side.
    public init(model: Model, starts: [PlanarPoint]) { self.model = model; self.starts = starts }

    /// The starts a portrait uses by default, for teacher norm ρ (a = √ρ): the origin, a large random student (0, 2ρ),
    /// an anti-aligned one (−a, 1.5ρ), a long aligned one (1.5a, 3ρ) and a short partly aligned one (0.5a, 0.5ρ) — on
    /// both sides of m* and q*, so that the trajectories frame the fixed point.
    public static func defaultStarts(rho: Double) -> [PlanarPoint] {
        let a = rho.squareRoot()
        return [PlanarPoint(x: 0, y: 0), PlanarPoint(x: 0, y: 2 * rho), PlanarPoint(x: -a, y: 1.5 * rho),
                PlanarPoint(x: 1.5 * a, y: 3 * rho), PlanarPoint(x: 0.5 * a, y: 0.5 * rho)]
    }

    /// Every trajectory one after the other, then the flow's analysis: about as much as the trajectories, plus
    /// (arrows² + nullcline grid² + Newton's 49 starts × ~20 Jacobians) flow evaluations.
    public var resourceEstimate: ResourceEstimate {
        let one = model.trajectoryEstimate
        let evaluations = Double(arrows * arrows + nullclineGrid * nullclineGrid + 49 * 20 * 5)
        return ResourceEstimate(bytes: one.bytes + Double(starts.count) * 1_000_000 + evaluations * 64,
                                operations: one.operations * Double(starts.count) + evaluations * 10_000,
                                detail: "\(starts.count) trajectories, each \(one.detail)")
    }

    /// Runs every trajectory (`progress` gets the fraction of them done), then analyses the flow in the window they span.
    public func run(progress: (@Sendable (Double) -> Void)? = nil) throws -> PhasePortraitResult<Model> {
        // Every start is checked before the first trajectory runs.
        for start in starts { _ = try model.experiment(from: start) }
        var trajectories: [PortraitTrajectory] = []
        let count = Double(max(starts.count, 1))
        for (index, start) in starts.enumerated() {
            let done = Double(index)
            var partial: (@Sendable (Double) -> Void)?
            if let progress { partial = { fraction in progress((done + fraction) / count) } }
            trajectories.append(try model.trajectory(from: start, progress: partial))
            progress?(Double(index + 1) / count)
        }
        let window = Self.window(starts: starts, fixedPoint: model.exactFixedPoint, trajectories: trajectories)
        let flow = model.flow
        let fixedPoints = flow.fixedPoints(in: window)
        let nullclines = flow.nullclines(in: window, grid: nullclineGrid)
        return PhasePortraitResult(experiment: self, trajectories: trajectories, window: window, fixedPoints: fixedPoints,
                                   nullclines: nullclines, directionField: flow.directionField(in: window, grid: arrows))
    }

    /// The starts and the closed-form fixed point framed with their trajectories: the trajectories' points within three
    /// times the starts' (and fixed point's) box around its centre (a diverging trajectory does not zoom the plane out to
    /// its blow-up), q ≥ 0 kept in view to just below 0.
    static func window(starts: [PlanarPoint], fixedPoint: PlanarPoint?, trajectories: [PortraitTrajectory]) -> PlanarWindow {
        let core = starts + (fixedPoint.map { [$0] } ?? [])
        let box = PlanarWindow(enclosing: core, margin: 1)
        var points = core
        for trajectory in trajectories {
            points += zip(trajectory.theory.m, trajectory.theory.q).map { PlanarPoint(x: $0, y: $1) }.filter { box.contains($0) }
            if let simulated = trajectory.simulated {
                points += zip(simulated.m.mean, simulated.q.mean).map { PlanarPoint(x: $0, y: $1) }.filter { box.contains($0) }
            }
        }
        return PlanarWindow(enclosing: points)
    }
}

/// The outcome of a `PhasePortraitExperiment`.
public struct PhasePortraitResult<Model: PortraitModel>: Sendable {
    /// The portrait that produced this result.
    public let experiment: PhasePortraitExperiment<Model>
    /// One trajectory per start, in the order of `experiment.starts`.
    public let trajectories: [PortraitTrajectory]
    /// The part of the plane analysed and drawn.
    public let window: PlanarWindow
    /// The flow's fixed points in the window (`PlanarFlow.fixedPoints`).
    public let fixedPoints: [PlanarFixedPoint]
    /// dm/dt = 0 (`x`) and dq/dt = 0 (`y`) as polylines.
    public let nullclines: (x: [[PlanarPoint]], y: [[PlanarPoint]])
    /// The flow at the physical points of an `arrows` × `arrows` grid of the window: each point, its velocity
    /// (dm/dt, dq/dt) and its speed in window units (`PlanarFlow.directionField(in:grid:)`).
    public let directionField: [(point: PlanarPoint, velocity: PlanarPoint, speed: Double)]

    /// The parts as `PhasePortraitExperiment.run` assembles them: one trajectory per start, and the flow's fixed
    /// points, nullclines and direction field in `window`.
    public init(experiment: PhasePortraitExperiment<Model>, trajectories: [PortraitTrajectory], window: PlanarWindow,
                fixedPoints: [PlanarFixedPoint], nullclines: (x: [[PlanarPoint]], y: [[PlanarPoint]]),
                directionField: [(point: PlanarPoint, velocity: PlanarPoint, speed: Double)]) {
        self.experiment = experiment; self.trajectories = trajectories; self.window = window
        self.fixedPoints = fixedPoints; self.nullclines = nullclines; self.directionField = directionField
    }

    /// The first divergence among the trajectories, theory or simulation, named by its start.
    public var divergence: Divergence? {
        trajectories.compactMap { t in t.divergence.map { Divergence(time: $0.time, reason: "from (m0, q0) = (\(t.start.x), \(t.start.y)): \($0.reason)") } }
            .min { $0.time < $1.time }
    }

    /// The trajectories' own warnings, named by their start, and the portrait's: a closed-form fixed point inside the
    /// window that the numerical search did not find, or found elsewhere.
    public var warnings: [RunWarning] {
        var list = trajectories.flatMap { t in
            t.warnings.map { RunWarning(kind: $0.kind, "from (m0, q0) = (\(t.start.x), \(t.start.y)): \($0.message)") }
        }
        if let exact = experiment.model.exactFixedPoint, window.contains(exact), experiment.model.flow.isPhysical(exact),
           fixedPointError(exact) > 1e-6 {
            list.append(RunWarning(kind: "fixed-point-search",
                "the closed-form fixed point (m, q) = (\(TextTable.format(exact.x)), \(TextTable.format(exact.y))) is in the window, "
                + "but Newton's method did not converge to it to 1e-6 of the window's size"))
        }
        return list
    }

    /// The distance from `exact` to the nearest fixed point found, in units of the window's size (∞ if none was).
    public func fixedPointError(_ exact: PlanarPoint) -> Double {
        fixedPoints.map { max(abs($0.point.x - exact.x) / window.width, abs($0.point.y - exact.y) / window.height) }.min() ?? .infinity
    }
}
