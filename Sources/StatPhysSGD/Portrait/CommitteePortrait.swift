import Foundation
import OnlineSimulation
import OnlineTheory
import Plotting
import Reporting
import Scenarios

/// A committee's phase portrait, projected onto a plane of two `CommitteeCoordinate`s (by default (R_diag, R_off) =
/// (mean_i R_ii, mean_{i≠n} R_in)): trajectories from diagonal starts R(0) = r0·δ_in, Q(0) = q0·I for several r0 (each
/// a `CommitteeExperiment`, theory and simulation), with the fixed points Newton's method finds from them: from each
/// trajectory's slowest point (the symmetric plateau when the trajectory lingers there, a saddle whose unstable
/// direction is specialisation) and the specialised fixed point (perfect learning Q = R = T when noise-free with K = M,
/// linearised by `CommitteeStability`; else Newton from the trajectories' end). Each fixed point records how close
/// every trajectory comes to it, so that a fixed point no trajectory passes is not mistaken for one it does.
public struct CommitteePortraitExperiment: Sendable, ResourceEstimating {
    /// The experiments' common settings; each start replaces its initial student.
    public var template: CommitteeExperiment
    /// The initial self-overlap of every start: Q(0) = q0·I.
    public var q0: Double
    /// The initial student–teacher overlaps, R(0) = r0·δ_in: one trajectory per r0.
    public var r0s: [Double]
    /// The portrait's axes.
    public var plane: (x: CommitteeCoordinate, y: CommitteeCoordinate) = CommitteeCoordinate.defaultPlane

    /// A portrait of `template` from Q(0) = q0·I and R(0) = r0·δ_in for each r0 in `r0s`, in the default plane.
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

    /// Builds every start's experiment (a refused start throws before anything runs), runs them in turn (`progress`
    /// gets the fraction of them done), then searches for the fixed points.
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
        let nominal = zip(experiments, results).map { experiment, result in experiment.scenario.specifiedInitialState ?? result.theoryStart }
        return CommitteePortraitResult(experiment: self, trajectories: results,
                                       fixedPoints: Self.fixedPoints(of: results, starts: nominal, scenario: template.scenario))
    }

    /// Newton's method from each theory trajectory's slowest interior point (the specialised end excluded), and the
    /// specialised fixed point; merged when within 1e-6. The search runs on the ODE of the scenario's nominal fixed
    /// overlaps (`starts`: T, v*), not on each trajectory's measured ones: with a simulation the theory starts from
    /// the finite-d student's measured T, which differs by O(1/√d) from run to run, and would give one slightly
    /// different fixed point per trajectory.
    static func fixedPoints(of results: [CommitteeExperimentResult], starts: [CommitteeOrderParameters],
                            scenario: CommitteeScenario) -> [CommitteeFixedPoint] {
        var found: [(state: [Double], parameters: CommitteeOrderParameters, eigenvalues: [(re: Double, im: Double)], name: String?)] = []
        let perfectLearning = scenario.noiseVariance == 0 && scenario.weightDecay == 0 && scenario.studentUnits == scenario.teacherUnits
            && !scenario.hasBiases
        func add(_ state: [Double], _ parameters: CommitteeOrderParameters, _ eigenvalues: [(re: Double, im: Double)], _ name: String?) {
            if let same = found.firstIndex(where: { zip($0.state, state).allSatisfy { abs($0 - $1) <= 1e-6 } }) {
                // A named fixed point (perfect learning, with its exact spectrum) replaces the same one found by Newton.
                if name != nil && found[same].name == nil { found[same] = (state, parameters, eigenvalues, name) }
            } else {
                found.append((state, parameters, eigenvalues, name))
            }
        }
        var paths: [[[Double]]] = []
        for (result, start) in zip(results, starts) {
            let search = CommitteeFixedPointSearch(scenario: scenario, initial: start)
            let layout = search.ode.layout
            let ys = result.theory.states.map { layout.state(of: $0) }
            paths.append(ys)
            guard ys.count > 2 else { continue }
            let speeds = ys.map { search.velocity($0).reduce(0) { max($0, abs($1)) } }
            // The slowest point before the last fifth of the run: on the plateau when there is one.
            let interior = 1..<max(2, ys.count * 4 / 5)
            if let slowest = interior.min(by: { speeds[$0] < speeds[$1] }), let root = search.newton(from: ys[slowest]),
               let mu = try? search.eigenvalues(at: root) {
                add(root, layout.parameters(root[...], fixed: start), mu, nil)
            }
            if !perfectLearning, let last = ys.last, let root = search.newton(from: last), let mu = try? search.eigenvalues(at: root) {
                add(root, layout.parameters(root[...], fixed: start), mu, "specialised")
            }
        }
        // Perfect learning is the same fixed point for every trajectory: linearised once.
        if perfectLearning, let start = starts.first {
            let stability = CommitteeStability(scenario: scenario)
            if let mu = try? stability.eigenvalues(learningRate: scenario.learningRate) {
                let p = stability.fixedPoint
                let layout = CommitteeFixedPointSearch(scenario: scenario, initial: start).ode.layout
                add(layout.state(of: p), p, mu, "perfect learning")
            }
        }
        return found.map { point in
            let approach = paths.map { ys in ys.map { y in zip(y, point.state).reduce(0) { max($0, abs($1.0 - $1.1)) } }.min() ?? .infinity }
            return CommitteeFixedPoint(state: point.state, parameters: point.parameters, eigenvalues: point.eigenvalues,
                                       name: point.name ?? CommitteeFixedPoint.name(of: point.parameters), closestApproach: approach)
        }
    }
}

/// A fixed point of the committee ODE, its order parameters and spectrum.
public struct CommitteeFixedPoint: Sendable {
    /// The fixed point as the ODE's state vector (`CommitteeStateLayout`).
    public let state: [Double]
    /// The fixed point's order parameters Q, R (and v, b when trained), with the scenario's T and v*.
    public let parameters: CommitteeOrderParameters
    /// The spectrum (re, im) of the ODE's Jacobian at the fixed point.
    public let eigenvalues: [(re: Double, im: Double)]
    /// "plateau" (every R_in equal, Q_ik < Q_ii), "coincident units" (every R_in equal and Q_ik = Q_ii: the student
    /// vectors coincide, an invariant manifold of the dynamics), "perfect learning", "specialised", or "fixed point".
    public let name: String
    /// Per trajectory, the smallest distance (max norm over the ODE's state) between its theory points and this one.
    public let closestApproach: [Double]
    /// Stable, a saddle with its unstable directions, or unstable, from `eigenvalues` (`SpectrumKind`).
    public var kind: SpectrumKind { SpectrumKind(eigenvalues) }
    /// The largest real part of the spectrum (the plateau's escape rate when positive).
    public var leadingRate: Double { eigenvalues.map(\.re).max() ?? .nan }

    /// The name of a fixed point found from a trajectory's slowest point, from the symmetry of its overlaps.
    static func name(of p: CommitteeOrderParameters) -> String {
        let scale = max(1, p.r.map(abs).max() ?? 0, p.q.map(abs).max() ?? 0), tolerance = 1e-6 * scale
        let symmetricR = (p.r.max() ?? 0) - (p.r.min() ?? 0) <= tolerance
        let k = p.studentUnits
        let off = (0..<k).flatMap { i in (0..<k).filter { $0 != i }.map { p.q[i * k + $0] } }, diagonal = (0..<k).map { p.q[$0 * k + $0] }
        guard symmetricR, k > 1 else { return "fixed point" }
        let coincident = off.allSatisfy { x in diagonal.allSatisfy { abs($0 - x) <= tolerance } }
        return coincident ? "coincident units" : "plateau"
    }
}

/// The outcome of a `CommitteePortraitExperiment`.
public struct CommitteePortraitResult: Sendable {
    /// The portrait that produced this result.
    public let experiment: CommitteePortraitExperiment
    /// One `CommitteeExperiment` result per r0, in the order of `experiment.r0s`.
    public let trajectories: [CommitteeExperimentResult]
    /// The fixed points found, each with its spectrum and every trajectory's closest approach.
    public let fixedPoints: [CommitteeFixedPoint]

    /// The parts as `CommitteePortraitExperiment.run` assembles them: one `CommitteeExperiment` result per r0 of
    /// `experiment.r0s`, in order, and the fixed points found.
    public init(experiment: CommitteePortraitExperiment, trajectories: [CommitteeExperimentResult],
                fixedPoints: [CommitteeFixedPoint]) {
        self.experiment = experiment; self.trajectories = trajectories; self.fixedPoints = fixedPoints
    }

    /// The portrait's plane and, when it differs, (R_diag, R_off): the coordinates `result.json` gives of every point.
    var recordedCoordinates: [CommitteeCoordinate] {
        var coordinates = [experiment.plane.x, experiment.plane.y]
        for c in [CommitteeCoordinate.rDiagonal, .rOffDiagonal] where !coordinates.contains(c) { coordinates.append(c) }
        return coordinates
    }

    /// The simulation's mean of `coordinate` and its standard error per simulated time, from the aligned seeds.
    static func simulated(_ coordinate: CommitteeCoordinate, _ simulation: CommitteeSimulationResult) -> (mean: [Double], standardError: [Double]) {
        let statistics = simulation.statistics(of: coordinate.value)
        return (statistics.mean, statistics.standardError)
    }

    /// The first divergence among the trajectories, theory or simulation, named by its r0.
    public var divergence: Divergence? {
        zip(experiment.r0s, trajectories).compactMap { r0, t in t.divergence.map { Divergence(time: $0.time, reason: "from r0 = \(r0): \($0.reason)") } }
            .min { $0.time < $1.time }
    }

    /// Every trajectory's warnings, each named by its r0.
    public var warnings: [RunWarning] {
        zip(experiment.r0s, trajectories).flatMap { r0, t in t.warnings.map { RunWarning(kind: $0.kind, "from r0 = \(r0): \($0.message)") } }
    }

    /// The plane's panel and ε_g(t), theory lines with the (aligned) simulation's means as open markers.
    public var figure: Figure {
        var plane: [Series] = [], curves: [Series] = []
        let (xAxis, yAxis) = experiment.plane
        for (index, (r0, result)) in zip(experiment.r0s, trajectories).enumerated() {
            let color = Color.cycle[index % Color.cycle.count]
            let states = result.theory.states
            plane.append(.line("r₀ = \(r0)", x: states.map(xAxis.value), y: states.map(yAxis.value), color: color))
            curves.append(.line("r₀ = \(r0)", x: result.times, y: result.theory.generalisationError, color: color))
            if let simulation = result.simulation {
                let x = Self.simulated(xAxis, simulation), y = Self.simulated(yAxis, simulation)
                let picks = markerIndices(times: simulation.times, mean: x.mean, error: y.mean, target: 15)
                plane.append(.points(index == 0 ? "simulation, d = \(experiment.template.simulation?.dimension ?? 0)" : nil,
                                     x: picks.map { x.mean[$0] }, y: picks.map { y.mean[$0] }, color: color, size: 2.5))
                if let eg = result.simulatedGeneralisationError {
                    let tPicks = markerIndices(times: simulation.times, mean: eg.mean, error: eg.standardError)
                    curves.append(.points(nil, x: tPicks.map { simulation.times[$0] }, y: tPicks.map { eg.mean[$0] },
                                          yError: tPicks.map { eg.standardError[$0] }, color: color, size: 2.5))
                }
            }
        }
        for point in fixedPoints {
            var marker = Series.points("\(point.name): \(point.kind)", x: [xAxis.value(point.parameters)], y: [yAxis.value(point.parameters)],
                                       color: Color(hex: "#000000"), size: 5)
            marker.filledMarkers = point.kind.isStable
            plane.append(marker)
        }
        let s = experiment.template.scenario
        return Figure(panels: [
            Panel(xLabel: xAxis.label, yLabel: yAxis.label, series: plane),
            Panel(xLabel: "t = steps/d", yLabel: "ε_g", xScale: experiment.template.logarithmicGrid ? .log : .linear, yScale: .log, series: curves),
        ], columns: 2, title: "Committee phase portrait: \(s.titleDescription), q₀ = \(experiment.q0), t ≤ \(experiment.template.tMax)",
           // Wide cells: the plane's legend (fixed points with their stability) often has no free corner and goes
           // outside, where a standard cell would leave the axes too narrow to read.
           panelWidth: 580, panelHeight: 420)
    }

    /// `result.json`: `model`, `settings` {…, `q0`, `r0s`, `plane`}, `fixed_points` [{`name`, `kind`,
    /// `unstable_directions`, `leading_rate`, `closest_approach` (per trajectory), the plane's coordinates and
    /// `R_diag`, `R_off`, `Q`, `R`, `eigenvalues` [{`re`, `im`}]}], `trajectories` [{`r0`, `t`, `theory` {the
    /// coordinates, `eg`}, `simulation` {`t`, the coordinates with `<name>_stderr`, `eg`, `eg_stderr`}, `agreement`,
    /// `divergence`}], `divergence`, `warnings`.
    public var json: JSONValue {
        let s = experiment.template.scenario
        var settings: [(String, JSONValue)] = s.optimiser.settings + [
            ("K", .integer(s.studentUnits)), ("M", .integer(s.teacherUnits)), ("activation", .string(s.studentActivation.name)),
            ("teacher_activation", .string(s.teacherActivation.name)), ("noise", .number(s.noiseVariance)), ("reg", .number(s.weightDecay)),
            ("q0", .number(experiment.q0)), ("r0s", .numbers(experiment.r0s)),
            ("plane", .array([.string(experiment.plane.x.description), .string(experiment.plane.y.description)])),
            ("t_max", .number(experiment.template.tMax)),
            ("points", .integer(experiment.template.points)), ("theory_only", .bool(experiment.template.simulation == nil)),
        ]
        if let sim = experiment.template.simulation {
            settings += [("d", .integer(sim.dimension)), ("seeds", .integer(sim.seeds)), ("seed", .unsigned(sim.seed))]
        }
        let coordinates = recordedCoordinates
        let points = fixedPoints.map { point -> JSONValue in
            .object([
                ("name", .string(point.name)), ("kind", .string(point.kind.description)), ("unstable_directions", .integer(point.kind.unstableDirections)),
                ("leading_rate", .number(point.leadingRate)), ("closest_approach", .numbers(point.closestApproach)),
            ] + coordinates.map { ($0.description, .number($0.value(point.parameters))) } + [
                ("Q", .numbers(point.parameters.q)), ("R", .numbers(point.parameters.r)),
                ("eigenvalues", .array(point.eigenvalues.map { .object([("re", .number($0.re)), ("im", .number($0.im))]) })),
            ])
        }
        let trajectories = zip(experiment.r0s, self.trajectories).map { r0, result -> JSONValue in
            let states = result.theory.states
            var entry: [(String, JSONValue)] = [
                ("r0", .number(r0)), ("t", .numbers(result.times)),
                ("theory", .object(coordinates.map { ($0.description, .numbers(states.map($0.value))) }
                                   + [("eg", .numbers(result.theory.generalisationError))])),
            ]
            if let simulation = result.simulation, let eg = result.simulatedGeneralisationError {
                let simulated = coordinates.flatMap { c -> [(String, JSONValue)] in
                    let (mean, error) = Self.simulated(c, simulation)
                    return [(c.description, .numbers(mean)), (c.description + "_stderr", .numbers(error))]
                }
                entry.append(("simulation", .object([("t", .numbers(simulation.times))] + simulated
                                                    + [("eg", .numbers(eg.mean)), ("eg_stderr", .numbers(eg.standardError))])))
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

    /// Each fixed point (with the trajectories' closest approach) and each trajectory's verdict, for stdout.
    public var summaryLines: [String] {
        let (xAxis, yAxis) = experiment.plane
        return fixedPoints.map { point in
            let nearest = zip(experiment.r0s, point.closestApproach).min { $0.1 < $1.1 }
            return "\(point.name): (\(xAxis), \(yAxis)) = (\(TextTable.format(xAxis.value(point.parameters), digits: 6)), "
                + "\(TextTable.format(yAxis.value(point.parameters), digits: 6))), \(point.kind), leading eigenvalue "
                + TextTable.format(point.leadingRate, digits: 4)
                + (nearest.map { "; closest approach \(TextTable.format($0.1, digits: 2)) (from r0 = \($0.0))" } ?? "")
        } + zip(experiment.r0s, trajectories).map { r0, result in
            "r0 = \(r0): ε_g(\(TextTable.format(result.times.last ?? 0))) = \(TextTable.format(result.theory.generalisationError.last ?? .nan))"
                + (result.comparisonSummary.map { ": simulation \($0.verdict.rawValue)" } ?? "")
        }
    }
}
