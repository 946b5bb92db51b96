import ArgumentParser
import Foundation
import StatPhysSGD

/// What a phase portrait adds to a model's options: its starts, its direction field and nullcline grids, and the
/// options of its trajectories' runs.
struct PortraitOptions: ParsableArguments {
    @Option(help: "Number of output times per trajectory from 0 to t-max.") var points = 101
    @Option(help: ArgumentHelp(
        "Starts of the trajectories, m0:q0 pairs separated by commas, e.g. 0:0,0:2,-1:1.5 (default: five starts around "
            + "the fixed point, from the origin to (1.5√ρ, 3ρ)); each needs m0² ≤ q0·ρ.", valueName: "m0:q0,…"))
    var starts: String?

    @Option(help: "Arrows of the direction field per side of the plane, 5…60.") var arrows = 17
    @Option(help: "Grid points per side for the nullclines (marching squares), 11…401.") var nullclineGrid = 81
    @OptionGroup var simulation: SimulationOptions
    @OptionGroup(title: "ODE integrator") var integrator: ToleranceOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var figures: FigureOptions
    @OptionGroup var resources: ResourceOptions

    func validate() throws {
        guard (5...60).contains(arrows) else { throw ValidationError("--arrows must be in 5…60, got \(arrows)") }
        guard (11...401).contains(nullclineGrid) else { throw ValidationError("--nullcline-grid must be in 11…401, got \(nullclineGrid)") }
        _ = try startPoints(rho: 1)
        try simulation.refuseUnused()
    }

    /// Checks the portrait's resources, runs it with progress on stderr, writes its files as one set, prints the fixed
    /// points and each trajectory's verdict; exits 3 if a trajectory diverged (its files written).
    func run<Model: PortraitModel>(_ model: Model, starts: [PlanarPoint]) throws {
        var experiment = PhasePortraitExperiment(model: model, starts: starts)
        experiment.arrows = arrows
        experiment.nullclineGrid = nullclineGrid
        try resources.check(experiment.resourceEstimate, what: "this portrait")
        try runPortrait(output: output) { try experiment.run(progress: $0) }
    }

    /// The parsed starts, or the default ones for teacher norm ρ.
    func startPoints(rho: Double) throws -> [PlanarPoint] {
        guard let starts else { return PhasePortraitExperiment<LinearRegressionPortrait>.defaultStarts(rho: rho) }
        let pairs = starts.split(separator: ",", omittingEmptySubsequences: false)
        guard pairs.count <= 50 else { throw ValidationError("--starts has \(pairs.count) pairs; a portrait takes at most 50") }
        return try pairs.map { pair in
            let parts = pair.split(separator: ":", omittingEmptySubsequences: false).map { Double($0.trimmingCharacters(in: .whitespaces)) }
            guard parts.count == 2, let m = parts[0], let q = parts[1], m.isFinite, q.isFinite else {
                throw ValidationError("--starts must be m0:q0 pairs of finite numbers separated by commas, got '\(pair)' in '\(starts)'")
            }
            return PlanarPoint(x: m, y: q)
        }
    }
}

struct LinearPortraitCommand: ParsableCommand, DrawsFigures {
    static let configuration = CommandConfiguration(
        commandName: "portrait",
        abstract: "Phase portrait of linear regression's (m, q) plane: flow, nullclines, fixed points, trajectories.",
        discussion: """
            The model and options of `online linear` (without --m0, --q0: the trajectories start at --starts). Draws the \
            ODE's direction field, the nullclines dm/dt = 0 and dq/dt = 0, the fixed point with its stability (the \
            eigenvalues of the flow's Jacobian; Newton's method, checked against the closed form), the unreachable \
            region q < m²/ρ, and one trajectory per start: the ODE as a line, the finite-d simulation's mean over seeds \
            as markers over it (each trajectory is exactly `online linear --m0 --q0`, with its verdict). Needs a constant \
            rate (no --lr-schedule) and no scaled momentum: the (m, q) flow must be autonomous.

            result.json keys: model, settings (with starts), window {m, q}, fixed_points [{m, q, stability, eigenvalues \
            [{re, im}], jacobian}], exact_fixed_point {m, q, physical, in_window, found_within}, nullclines {dm_dt, dq_dt}, \
            trajectories [{start, t, theory {m, q}, simulation {t, mean, stderr}, agreement, divergence}], divergence, \
            warnings. Also trajectories.csv and portrait.svg (+ .png, its data and plot script).
            """)

    @OptionGroup var model: LinearRegressionOptions
    @Option(help: "Final time t = steps/d of every trajectory.") var tMax = 10.0
    @OptionGroup var portrait: PortraitOptions
    var figures: FigureOptions { portrait.figures }

    func validate() throws { try validateTrajectoryGrid(tMax: tMax, points: portrait.points) }

    func run() throws {
        let scenario = try model.scenario(m0: 0, q0: 0)
        var template = LinearExperiment(scenario: scenario, tMax: tMax, points: portrait.points, simulation: portrait.simulation.settings)
        template.tolerance = try portrait.integrator.tolerance(defaults: LinearRegressionTheory.defaultTolerance)
        try portrait.run(try LinearRegressionPortrait(template: template), starts: try portrait.startPoints(rho: model.rho))
    }
}

struct ClassifierPortraitCommand: ParsableCommand, DrawsFigures {
    static let configuration = CommandConfiguration(
        commandName: "portrait",
        abstract: "Phase portrait of a linear classifier's (m, q) plane: flow, nullclines, fixed points, trajectories.",
        discussion: """
            The model and options of `online classifier` (without --m0, --q0: the trajectories start at --starts; the \
            perceptron loss needs every q0 > 0). As `online linear portrait`: direction field, nullclines, fixed points \
            with their stability (Newton's method; the square loss's is also known in closed form), the unreachable \
            region q < m²/ρ, and one trajectory per start, ODE and simulation (each exactly `online classifier --m0 --q0`). \
            Without regularisation the logistic, hinge and perceptron losses have no fixed point (|w| grows without \
            bound); --reg gives them one. Needs a constant rate and no scaled momentum.

            result.json keys: as for `online linear portrait`.
            """)

    @OptionGroup var model: ClassifierOptions
    @Option(help: "Final time t = steps/d of every trajectory.") var tMax = 20.0
    @OptionGroup var portrait: PortraitOptions
    var figures: FigureOptions { portrait.figures }

    func validate() throws { try validateTrajectoryGrid(tMax: tMax, points: portrait.points) }

    func run() throws {
        // q0 = 1 for the template only (the perceptron refuses q0 = 0); every trajectory sets its own start.
        let scenario = try model.scenario(m0: 0, q0: 1)
        var template = ClassifierExperiment(scenario: scenario, tMax: tMax, points: portrait.points, simulation: portrait.simulation.settings)
        template.tolerance = try portrait.integrator.tolerance(defaults: ClassifierTheory.defaultTolerance)
        // The perceptron moves only on errors: a default start at w = 0 never would.
        let starts = try portrait.startPoints(rho: model.rho).map {
            model.loss == "perceptron" && $0.y == 0 && portrait.starts == nil ? PlanarPoint(x: 0, y: 0.1) : $0
        }
        try portrait.run(try ClassifierPortrait(template: template), starts: starts)
    }
}

func validateTrajectoryGrid(tMax: Double, points: Int) throws {
    guard tMax.isFinite else { throw ValidationError("--t-max must be a finite number, got \(tMax)") }
    guard tMax > 0 else { throw ValidationError("--t-max must be positive, got \(tMax)") }
    guard points >= 2 else { throw ValidationError("--points must be at least 2, got \(points)") }
}

struct CommitteePortraitCommand: ParsableCommand, DrawsFigures {
    static let configuration = CommandConfiguration(
        commandName: "portrait",
        abstract: "A committee's phase portrait: trajectories in (R_diag, R_off), the symmetric plateau and the specialised fixed point.",
        discussion: """
            The model and options of `online committee`, with one trajectory per --r0s value: R(0) = r0·δ_in, \
            Q(0) = q0·I (--q0, default 0.5), each exactly `online committee --q0 q0 --r0 r0` (theory and, unless \
            --theory-only, the simulation with its verdict). The plane is --plane x:y, by default (R_diag, R_off) = \
            (mean_i R_ii, mean_{i≠n} R_in); also Q_diag, Q_off and single overlaps Rin, Qik (1-based); a second panel \
            shows ε_g(t). Fixed points, by Newton's method on the full ODE with their spectrum: from each trajectory's \
            slowest point (named plateau when every R_in is equal and Q_ik < Q_ii — a saddle whose unstable direction \
            is specialisation, its leading eigenvalue the escape rate —, coincident units when the student vectors \
            coincide, Q_ik = Q_ii, else fixed point); and perfect learning Q = R = T (noise-free, K = M, no weight \
            decay or biases; its spectrum from the linearisation of `--stability`), otherwise the specialised fixed \
            point by Newton from the trajectories' end. Each fixed point gives every trajectory's closest approach \
            (max norm over the ODE's state): Newton may find a fixed point no trajectory passes near.

            result.json keys: model, settings (with q0, r0s, plane), fixed_points [{name, kind, unstable_directions, \
            leading_rate, closest_approach, the plane's coordinates, R_diag, R_off, Q, R, eigenvalues}], trajectories \
            [{r0, t, theory {the coordinates, eg}, simulation {t, the coordinates and their _stderr, eg, eg_stderr}, \
            agreement, divergence}], divergence, warnings; and portrait.svg.
            """)

    @OptionGroup var model: CommitteeModelOptions
    @OptionGroup(title: "Optimiser") var optimiser: OptimiserOptions
    @Option(help: "Label-noise variance σ².") var noise = 0.0
    @Option(help: ArgumentHelp("Initial R(0)_in = r0·δ_in of the trajectories, comma-separated.", valueName: "r0,…")) var r0s = "0.01,0.1,0.3"
    @Option(help: ArgumentHelp("The portrait's axes, x:y, each R_diag, R_off, Q_diag, Q_off, Rin or Qik (1-based, e.g. R11:R12).",
                               valueName: "x:y"))
    var plane = "R_diag:R_off"
    @Option(help: "Final time t = steps/d.") var tMax = 100.0
    @Option(help: "Number of output times per trajectory.") var points = 201
    @Flag(help: "Logarithmically spaced output times (from t-max/1000).") var logGrid = false
    @OptionGroup var simulation: SimulationOptions
    @OptionGroup(title: "ODE integrator") var integrator: ToleranceOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var figures: FigureOptions
    @OptionGroup var resources: ResourceOptions

    func validate() throws {
        try validateTrajectoryGrid(tMax: tMax, points: points)
        guard points >= 3 else { throw ValidationError("--points must be at least 3, got \(points)") }
        guard noise.isFinite, noise >= 0 else { throw ValidationError("--noise is a variance and must be a finite number ≥ 0, got \(noise)") }
        guard model.r0 == nil, model.`init` == nil else { throw ValidationError("--r0 and --init set one start; a portrait takes its starts from --r0s") }
        _ = try startValues()
        _ = try axes()
        try simulation.refuseUnused()
    }

    /// The two coordinates of --plane.
    func axes() throws -> (x: CommitteeCoordinate, y: CommitteeCoordinate) {
        let parts = plane.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2 else { throw ValidationError("--plane must be two coordinates x:y, e.g. R_diag:R_off or R11:R12, got '\(plane)'") }
        do {
            let x = try CommitteeCoordinate(parsing: String(parts[0]), studentUnits: model.studentUnits, teacherUnits: model.teacherUnits)
            let y = try CommitteeCoordinate(parsing: String(parts[1]), studentUnits: model.studentUnits, teacherUnits: model.teacherUnits)
            guard x != y else { throw ValidationError("--plane needs two different coordinates, got '\(plane)'") }
            return (x, y)
        } catch let error as ScenarioError { throw ValidationError("--plane: \(error)") }
    }

    func startValues() throws -> [Double] {
        let values = r0s.split(separator: ",", omittingEmptySubsequences: false).map { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard !values.isEmpty, values.count <= 20, values.allSatisfy({ $0?.isFinite == true }) else {
            throw ValidationError("--r0s must be 1 to 20 finite numbers separated by commas, got '\(r0s)'")
        }
        return values.compactMap { $0 }
    }

    func run() throws {
        let optimiser = try self.optimiser.optimiser()
        let starts = try startValues()
        var options = model
        options.q0 = model.q0 ?? 0.5
        options.r0 = starts[0]
        let scenario = try options.scenario(optimiser: optimiser, noise: noise)
        var template = CommitteeExperiment(scenario: scenario, tMax: tMax, points: points, logarithmicGrid: logGrid, simulation: simulation.settings)
        template.quadratureOrder = model.quadratureOrder
        template.initialDimension = simulation.dimension
        template.initialSeed = simulation.seed
        template.tolerance = try integrator.tolerance(defaults: CommitteeTheory.defaultTolerance)
        var experiment = CommitteePortraitExperiment(template: template, q0: options.q0!, r0s: starts)
        experiment.plane = try axes()
        try resources.check(experiment.resourceEstimate, what: "this portrait")
        try runPortrait(output: output) { try experiment.run(progress: $0) }
    }
}

/// What `runPortrait` reports of a portrait's result.
protocol PortraitOutcome {
    func write(to directory: URL) throws -> [URL]
    var summaryLines: [String] { get }
    var warnings: [RunWarning] { get }
    var divergence: Divergence? { get }
}

extension PhasePortraitResult: PortraitOutcome {}
extension CommitteePortraitResult: PortraitOutcome {}

/// Runs a portrait (`run` gets the progress callback) with progress on stderr, writes its files as one set, prints its
/// fixed points and each trajectory's verdict; exits 3 if a trajectory diverged (its files written).
func runPortrait<Outcome: PortraitOutcome>(output: OutputOptions, _ run: (@escaping @Sendable (Double) -> Void) throws -> Outcome) throws {
    try runWriting(output: output, label: "trajectories", run, write: { try $0.write(to: $1) }, divergence: \.divergence) { result in
        for line in result.summaryLines { print(line) }
        reportComparison(nil, warnings: result.warnings, all: false)
    }
}
