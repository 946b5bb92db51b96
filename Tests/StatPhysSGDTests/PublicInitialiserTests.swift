import Foundation
import StatPhysSGD
import Testing

/// Every result type can be built outside the library through its public initialiser (no `@testable`), so that a
/// user's own model can reuse the comparison, output and figure machinery.
@Suite struct PublicInitialiserTests {
    /// Times 0…1 of a small grid at d = 10 (steps 0, 2, …, 10).
    static let times = [0, 0.2, 0.4, 0.6, 0.8, 1.0]

    /// m(t) = 1 − e^{−t}, q(t) = m(t) + 0.1 t: a made-up theory curve.
    static func theoryCurves() -> (m: [Double], q: [Double]) {
        let m = times.map { 1 - exp(-$0) }
        return (m, zip(m, times).map { $0 + 0.1 * $1 })
    }

    /// Three seeds scattered around the theory curve `curve`.
    static func seeds(around curve: [Double]) -> [[Double]] {
        [-0.01, 0.004, 0.008].map { shift in curve.enumerated().map { $1 + shift * Double($0 % 2 == 0 ? 1 : -1) } }
    }

    static func ensemble(divergence: Divergence? = nil) throws -> LinearStudentEnsemble {
        let grid = try OutputGrid(times: times, dimension: 10)
        let (m, q) = theoryCurves()
        let ms = seeds(around: m), qs = seeds(around: q)
        let es = zip(ms, qs).map { m, q in zip(m, q).map { 0.5 * (1 - 2 * $0 + $1) } }
        let ss = zip(ms, qs).map { m, q in zip(m, q).map { $1 - $0 * $0 } }
        return LinearStudentEnsemble(grid: grid, m: ms, q: qs, e: es, s: ss, rho: [1, 1, 1], divergence: divergence)
    }

    /// One student and one teacher unit: Q = 0.5, R = 0.2, T = 1.
    static let committeeState = CommitteeOrderParameters(studentUnits: 1, teacherUnits: 1, q: [0.5], r: [0.2], t: [1],
                                                         v: [1], vStar: [1])

    @Test func odeSolutionAndEventOccurrence() {
        let event = EventOccurrence(name: "blow-up", time: 0.5, state: [1, 2], isTerminal: true)
        let solution = ODESolution(times: [0, 0.25], states: [0, 1, 0.5, 1.5], dimension: 2, events: [event],
                                   statistics: IntegrationStatistics())
        #expect(solution.state(at: 1) == [0.5, 1.5])
        #expect(solution.component(1) == [1, 1.5])
        #expect(solution.terminalEvent?.name == "blow-up")
        #expect(solution.breakdown == nil)
        let breakdown = ODEBreakdown(time: 0.1, nonFinite: true, state: [.nan, 1])
        let broken = ODESolution(times: [0], states: [0, 1], dimension: 2, events: [],
                                 statistics: IntegrationStatistics(), breakdown: breakdown)
        #expect(broken.breakdown?.time == 0.1)
    }

    /// A DMFT solution of two steps, and a two-seed simulation of the same problem, in a `DMFTExperimentResult`
    /// whose JSON, table and figure build.
    @Test func dmftSolutionSimulationAndExperiment() throws {
        let problem = try SignalRecoveryProblem(alpha: 2, learningRate: 0.1, initialOverlap: 0.1, steps: 2)
        // C(t, s) for t = 0…2, s ≤ t, packed row after row; R(t, s) likewise (R(t, t) unused).
        let solution = DMFTSolution(problem: problem, reached: 2, m: [0.1, 0.3, 0.5], q: [0.8, 0.5, 0.3],
                                    qResolution: [1e-16, 1e-16, 1e-16], correlations: [1, 0.9, 0.9, 0.8, 0.8, 0.85],
                                    responses: [0, 1, 0, 0.5, 1, 0], divergence: nil, divergenceReason: nil)
        #expect(solution.ctt == [1, 0.9, 0.85])
        #expect(solution.correlation(0, 2) == 0.8)
        #expect(solution.response(2, 1) == 1)
        #expect(solution.energy == [0.8, 0.5, 0.3])

        let simulation = SignalRecoverySimulationResult(
            problem: problem, dimension: 50, anchors: [0],
            m: [[0.1, 0.31, 0.52], [0.1, 0.29, 0.47]], ctt: [[1, 0.91, 0.86], [1, 0.89, 0.84]],
            energy: [[0.8, 0.5, 0.31], [0.8, 0.49, 0.29]], twoTime: [[[1, 0.9, 0.8]], [[1, 0.88, 0.79]]],
            divergenceSteps: [nil, 2], divergenceReasons: [nil, "made up"])
        #expect(simulation.seedCount == 2)
        #expect(simulation.m[1] == [0.1, 0.29, 0.47])
        #expect(simulation.twoTime[0][0] == [1, 0.9, 0.8])
        #expect(simulation.divergence == 2 && simulation.divergenceReason == "made up")
        #expect(simulation.statistics(of: \.m).mean.count == 3)

        let experiment = DMFTExperiment(problem: problem, simulation: .init(dimension: 50, seeds: 2))
        let result = DMFTExperimentResult(experiment: experiment, theory: solution, simulation: simulation)
        #expect(result.theory.reached == 2)
        #expect(!result.json.serialized().isEmpty)
        #expect(!result.summaryTable().text.isEmpty)
        #expect(!result.dynamicsFigure.panels.isEmpty)
    }

    @Test func committeeTheoryAndStabilityResults() {
        let state = Self.committeeState
        let theory = CommitteeTheoryResult(times: [0, 1], states: [state, state], generalisationError: [0.1, 1e-20],
                                           generalisationErrorResolution: [1e-17, 1e-17], divergence: nil)
        #expect(theory.states.count == 2 && theory.velocity.isEmpty)
        #expect(theory.resolvedGeneralisationError[0] == 0.1 && theory.resolvedGeneralisationError[1].isNaN)
        let withVelocity = CommitteeTheoryResult(times: [0], states: [state], generalisationError: [0.1],
                                                 divergence: Divergence(time: 0.5, reason: "made up"),
                                                 velocity: [CommitteeVelocityOverlaps(a: [0], b: [0], c: [0])])
        #expect(withVelocity.velocity.count == 1 && withVelocity.divergence?.time == 0.5)
        #expect(withVelocity.generalisationErrorResolution.isEmpty)

        let stability = CommitteeStabilityResult(lrMax: 3, lrOpt: 1.5, rateOpt: 0.4, eigenvaluesAtOptimum: [[-0.4, 0]])
        #expect(stability.lrOpt == 1.5 && stability.eigenvaluesAtOptimum == [[-0.4, 0]])
    }

    @Test func linearStudentEnsembleAndSimulationResults() throws {
        let ensemble = try Self.ensemble()
        #expect(ensemble.seedCount == 3)
        #expect(ensemble.times == Self.times)
        // No velocity: one empty row per seed, as a simulation without momentum records.
        #expect(ensemble.a == [[], [], []] && ensemble.c.count == 3)
        #expect(ensemble.meanInitialState.rho == 1)

        let linear = LinearSimulationResult(ensemble: ensemble)
        #expect(linear.generalisationError == ensemble.e)
        #expect(linear.statistics(of: \.m).mean.count == Self.times.count)

        let scenario = try ClassifierScenario(loss: .square, learningRate: 0.5)
        let integrals = scenario.integrals
        let errors = (0..<3).map { seed in
            zip(ensemble.m[seed], ensemble.s[seed]).map {
                ClassifierIntegrals.classificationError(m: $0, orthogonal: $1, rho: 1)
            }
        }
        let losses = (0..<3).map { seed in
            ensemble.m[seed].indices.map {
                integrals.populationLoss(m: ensemble.m[seed][$0], q: ensemble.q[seed][$0],
                                         orthogonal: ensemble.s[seed][$0], rho: 1)
            }
        }
        let classifier = ClassifierSimulationResult(ensemble: ensemble, classificationError: errors, loss: losses)
        #expect(classifier.seedCount == 3 && classifier.classificationError == errors)
        #expect(classifier.statistics(of: \.loss).mean.count == Self.times.count)
    }

    /// End to end: a hand-made theory and simulation of linear regression give a comparison, `result.json`, the
    /// CSV table and the learning-curve figure.
    @Test func linearExperimentResultFromHandMadeParts() throws {
        let scenario = try LinearRegressionScenario(learningRate: 0.5)
        let experiment = LinearExperiment(scenario: scenario, tMax: 1, points: Self.times.count,
                                          simulation: SimulationSettings(dimension: 10, seeds: 3))
        let (m, q) = Self.theoryCurves()
        let theory = LinearTheoryResult(times: Self.times, m: m, q: q, rho: 1, divergence: nil)
        let simulation = LinearSimulationResult(ensemble: try Self.ensemble())
        let start = LinearOrderParameters(m: 0, q: 0, rho: 1)
        let result = LinearExperimentResult(experiment: experiment, theory: theory, theoryStart: start,
                                            simulation: simulation)
        let summary = try #require(result.comparisonSummary)
        #expect(summary.comparisons.map(\.name) == ["m", "q", "eg"])
        let text = result.json.serialized()
        let parsed = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
        #expect(parsed?["comparison"] != nil && parsed?["simulation"] != nil)
        #expect(!result.csv.rows.isEmpty)
        #expect(result.learningCurveFigure.svg().contains("<svg"))

        let theoryOnly = LinearExperimentResult(experiment: experiment, theory: theory, theoryStart: start,
                                                simulation: nil)
        #expect(theoryOnly.comparisonSummary == nil)
    }

    @Test func classifierExperimentResult() throws {
        let scenario = try ClassifierScenario(loss: .square, learningRate: 0.5)
        let experiment = ClassifierExperiment(scenario: scenario, tMax: 1, points: Self.times.count,
                                              simulation: SimulationSettings(dimension: 10, seeds: 3))
        let ensemble = try Self.ensemble()
        let (m, q) = Self.theoryCurves()
        let theory = ClassifierTheoryResult(scenario: scenario, times: Self.times, m: m, q: q,
                                            orthogonal: zip(m, q).map { $1 - $0 * $0 }, rho: 1, divergence: nil)
        let simulation = ClassifierSimulationResult(
            ensemble: ensemble, classificationError: ensemble.m.map { $0.map { _ in 0.25 } },
            loss: ensemble.m.map { $0.map { _ in 0.5 } })
        let result = ClassifierExperimentResult(experiment: experiment, theory: theory,
                                                theoryStart: LinearOrderParameters(m: 0, q: 0, rho: 1),
                                                simulation: simulation)
        #expect(result.comparisonSummary?.comparisons.count == 4)
        #expect(!result.json.serialized().isEmpty)
    }

    @Test func phasePortraitResult() throws {
        let scenario = try LinearRegressionScenario(learningRate: 0.5)
        let template = LinearExperiment(scenario: scenario, tMax: 1, simulation: nil)
        let model = try LinearRegressionPortrait(template: template)
        let start = PlanarPoint(x: 0, y: 0)
        let experiment = PhasePortraitExperiment(model: model, starts: [start])
        let (m, q) = Self.theoryCurves()
        let trajectory = PortraitTrajectory(start: start, times: Self.times, theory: (m, q), ensemble: nil,
                                            comparison: nil, divergence: nil, warnings: [])
        let fixedPoint = PlanarFixedPoint(point: PlanarPoint(x: 1, y: 1), jacobian: [-1, 0, 0, -2])
        let result = PhasePortraitResult(
            experiment: experiment, trajectories: [trajectory], window: PlanarWindow(x: -0.5...1.5, y: -0.1...1.5),
            fixedPoints: [fixedPoint], nullclines: (x: [[start, PlanarPoint(x: 1, y: 1)]], y: []),
            directionField: [(point: start, velocity: PlanarPoint(x: 1, y: 1), speed: 1)])
        #expect(result.trajectories.count == 1 && result.fixedPoints[0].stability == .stableNode)
        #expect(result.fixedPointError(PlanarPoint(x: 1, y: 1)) == 0)
        #expect(result.divergence == nil)
        #expect(!result.json.serialized().isEmpty)
    }

    @Test func committeePortraitResult() throws {
        let scenario = try CommitteeScenario(studentUnits: 1, teacherUnits: 1, learningRate: 0.5)
        let template = CommitteeExperiment(scenario: scenario, tMax: 1, points: 2, simulation: nil)
        let portrait = CommitteePortraitExperiment(template: template, q0: 0.5, r0s: [0.2])
        let state = Self.committeeState
        let theory = CommitteeTheoryResult(times: [0, 1], states: [state, state], generalisationError: [0.1, 0.05],
                                           divergence: Divergence(time: 0.9, reason: "made up"))
        let trajectory = CommitteeExperimentResult(experiment: try portrait.experiment(r0: 0.2), theory: theory,
                                                   theoryStart: state, simulation: nil, unalignedSimulation: nil,
                                                   alignments: [])
        let result = CommitteePortraitResult(experiment: portrait, trajectories: [trajectory], fixedPoints: [])
        #expect(result.trajectories.count == 1 && result.fixedPoints.isEmpty)
        #expect(result.divergence?.reason.hasPrefix("from r0 = 0.2") == true)
    }

    @Test func sweepPointResult() throws {
        let specification = try SweepSpecification(command: ["online", "linear"],
                                                   axes: [SweepAxis(name: "lr", values: [.number(0.5, text: "0.5")])])
        let point = try specification.grid().point(0)
        let result = SweepPointResult(point: point, outcome: "completed", status: nil,
                                      result: .object([("model", .string("mine"))]))
        #expect(result.value("lr") == 0.5)
        #expect(result.outcome == "completed" && result.status == nil)
        #expect(result.result?.objectMembers?.first?.0 == "model")
    }

    @Test func optimalLearningRateResult() throws {
        let schedule = try LearningRateSchedule.tabulated(name: "mine", times: [0, 1], factors: [1, 0.5])
        let last = OptimalLearningRate.Iteration(index: 3, error: 0.01, residual: 1e-5)
        let result = OptimalLearningRate.Result(schedule: schedule, last: last)
        #expect(result.last.index == 3 && result.last.error == 0.01)
        #expect(result.schedule == schedule)
    }
}

/// The DMFT comparison says so when the seeds split into those that recovered and those that did not: the mean of
/// such a mixture follows neither, and its large standard error, not the theory, decides the verdict.
@Suite struct DMFTSeedSplitTests {
    static func result(deltas: [[Double]]) throws -> DMFTExperimentResult {
        let problem = try SignalRecoveryProblem(alpha: 3, learningRate: 0.1, initialOverlap: 0.1, steps: 60)
        let theory = DMFTSolver(problem: problem).solve()
        let m = deltas.map { $0.map { 1 - $0 / 2 } }, ctt = deltas.map { $0.map { _ in 1.0 } }
        // Δ = 1 − 2m + C with C = 1 ⇒ m = 1 − Δ/2.
        let simulation = SignalRecoverySimulationResult(
            problem: problem, dimension: 100, anchors: [], m: m, ctt: ctt, energy: deltas, twoTime: deltas.map { _ in [] },
            divergenceSteps: deltas.map { _ in nil }, divergenceReasons: deltas.map { _ in nil })
        return DMFTExperimentResult(experiment: DMFTExperiment(problem: problem, simulation: .init(dimension: 100, seeds: deltas.count)),
                                    theory: theory, simulation: simulation)
    }

    @Test func aSplitOfTheSeedsIsWarnedAbout() throws {
        let relaxing = (0...60).map { 1.9 * exp(-Double($0) / 10) }, stuck = (0...60).map { _ in 1.9 }
        let split = try Self.result(deltas: [relaxing, relaxing, stuck])
        #expect(try #require(split.relaxationStep) > 0)
        #expect(split.seedRelaxationSteps.map { $0 == nil } == [false, false, true])
        let warning = try #require(split.warnings.first { $0.kind == "seeds-split" })
        #expect(warning.message.contains("1 of 3 seeds did not relax") && warning.message.contains("Delta(t) <= 0.05"),
                "\(warning.message)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(split.json.serialized().utf8)) as? [String: Any])
        let steps = try #require((json["relaxation"] as? [String: Any])?["seed_steps"] as? [Any])
        #expect(steps.count == 3 && steps[2] is NSNull && steps[0] as? Int == split.seedRelaxationSteps[0])
        // All relaxed, or none: no split.
        #expect(try Self.result(deltas: [relaxing, relaxing]).warnings.allSatisfy { $0.kind != "seeds-split" })
        #expect(try Self.result(deltas: [stuck, stuck]).warnings.allSatisfy { $0.kind != "seeds-split" })
    }
}
