import Foundation
import Testing
@testable import OnlineTheory
import Scenarios

/// `--lr-schedule optimal`: Pontryagin's minimum principle, the costate from the adjoint equations.
@Suite struct OptimalScheduleTests {
    /// Linear regression, λ = 0: e_g obeys a closed equation, so the costate is parallel to ∇e_g and greedy already
    /// minimises the Hamiltonian: the sweep stops at once, with the greedy schedule.
    @Test func linearRegressionOptimalEqualsGreedy() throws {
        let scenario = try LinearRegressionScenario(optimiser: try Optimiser(learningRate: 1), noiseVariance: 0.3)
        let theory = LinearRegressionTheory(scenario: scenario), tEnd = 20.0
        let problem = try theory.scheduleProblem(rateBounds: 1e-4...1)
        let result = try OptimalLearningRate().optimise(problem, tEnd: tEnd)
        #expect(result.last.index == 1 && result.last.residual < 1e-6, "\(result.last)")
        guard case .table(let optimal) = result.schedule.kind, case .table(let greedy) = try problem.greedy(tEnd: tEnd, nodes: 400).kind else {
            Issue.record("tables"); return
        }
        #expect(zip(optimal.factors, greedy.factors).allSatisfy { abs($0 - $1) < 1e-12 })
    }

    /// A K = M = 2 erf committee with noise: the optimum satisfies the minimum principle, and beats greedy, every
    /// constant rate and every inverse-time schedule η₀/(1 + t/T0) of a scan within the same bounds.
    @Test func committeeOptimalBeatsGreedyConstantsAndInverseTime() throws {
        func scenario(_ lr: Double, _ schedule: LearningRateSchedule = .constant) throws -> CommitteeScenario {
            try CommitteeScenario(studentUnits: 2, teacherUnits: 2, optimiser: try Optimiser(learningRate: lr, schedule: schedule),
                                  noiseVariance: 0.05, initialStudent: .diagonal(q0: 0.5, r0: 0.2, studentUnits: 2, teacherUnits: 2))
        }
        let tEnd = 10.0, base = try scenario(1.5)
        func final(_ scenario: CommitteeScenario) throws -> Double {
            try CommitteeTheory(scenario: scenario).solve(times: [0, tEnd]).generalisationError[1]
        }
        var search = OptimalLearningRate()
        search.nodes = 100
        let problem = try CommitteeTheory(scenario: base).scheduleProblem(rateBounds: 0.01...1.5)
        let result = try search.optimise(problem, tEnd: tEnd)
        var optimal = base, greedy = base
        optimal.optimiser.schedule = result.schedule
        greedy.optimiser.schedule = try problem.greedy(tEnd: tEnd, nodes: 100)
        let (eOptimal, eGreedy) = (try final(optimal), try final(greedy))
        // The model's own solve agrees with the sweep's forward pass; greedy is myopic here (0.02117 → 0.02054).
        #expect(abs(eOptimal - result.last.error) < 1e-8 * eOptimal)
        #expect(result.last.residual < 1e-3, "\(result.last)")
        #expect(eOptimal < 0.975 * eGreedy, "optimal \(eOptimal), greedy \(eGreedy)")
        for lr in [0.2, 0.5, 1.0, 1.5] {
            let constant = try final(try scenario(lr))
            #expect(eOptimal < constant, "constant \(lr): \(constant) < optimal \(eOptimal)")
        }
        for lr in [0.75, 1.5] {
            for t0 in [1.0, 3.0, 10.0, 30.0] {
                let inverse = try final(try scenario(lr, try .inverse(timeScale: t0)))
                #expect(eOptimal < inverse, "inverse \(lr)/(1 + t/\(t0)): \(inverse) < optimal \(eOptimal)")
            }
        }
    }

    /// The adjoint's gradient δJ/δf(t) = p·(a + 2f b), integrated against a smooth bump δf (a Gaussian in log(1 + t)
    /// over about 40 of 200 nodes), equals the central difference of J along the bump (linear regression with weight decay,
    /// a hinge classifier, an erf committee). A bump, not one node: the adaptive forward solve's J is smooth in the
    /// schedule only to about 1e-9, too little for a single node's difference.
    @Test func adjointGradientMatchesFiniteDifferences() throws {
        let linear = try LinearRegressionTheory(scenario: LinearRegressionScenario(
            optimiser: try Optimiser(learningRate: 1), noiseVariance: 0.3, weightDecay: 0.2)).scheduleProblem(rateBounds: 1e-3...1)
        try checkGradient(linear, tEnd: 10)
        let classifier = try ClassifierTheory(scenario: ClassifierScenario(
            loss: .hinge, optimiser: try Optimiser(learningRate: 1), initialOverlap: 0.1, initialSelfOverlap: 0.5)).scheduleProblem(rateBounds: 1e-3...2)
        try checkGradient(classifier, tEnd: 4)  // its quadrature right-hand side is the slow one in a debug build
        let committee = try CommitteeTheory(scenario: CommitteeScenario(
            studentUnits: 2, teacherUnits: 2, learningRate: 1.5, noiseVariance: 0.05,
            initialStudent: .diagonal(q0: 0.5, r0: 0.2, studentUnits: 2, teacherUnits: 2))).scheduleProblem(rateBounds: 0.01...1.5)
        try checkGradient(committee, tEnd: 10)
    }

    func checkGradient<S>(_ problem: ScheduleProblem<S>, tEnd: Double, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let nodes = 200
        guard case .table(let greedy) = try problem.greedy(tEnd: tEnd, nodes: nodes).kind else { Issue.record("table"); return }
        // A schedule inside the bounds everywhere (greedy sits on them in places), so ± steps stay feasible.
        let (times, factors) = (greedy.times, greedy.factors.map { 0.5 * $0 + 0.05 })
        let (_, gradient) = try OptimalLearningRate.gradient(problem, times: times, factors: factors)
        let top = Foundation.log1p(tEnd)
        for centre in [0.3, 0.6] {
            let bump = times.map { Foundation.exp(-0.5 * Foundation.pow((Foundation.log1p($0) / top - centre) / 0.07, 2)) }
            let h = 1e-2
            let plus = zip(factors, bump).map { $0 + h * $1 }, minus = zip(factors, bump).map { $0 - h * $1 }
            let difference = (try OptimalLearningRate.gradient(problem, times: times, factors: plus).error
                              - OptimalLearningRate.gradient(problem, times: times, factors: minus).error) / (2 * h)
            // ∫ g δf dt, both linear between nodes.
            var adjoint = 0.0
            for i in 0..<(times.count - 1) {
                adjoint += (times[i + 1] - times[i]) / 6 * (2 * gradient[i] * bump[i] + gradient[i] * bump[i + 1]
                                                            + gradient[i + 1] * bump[i] + 2 * gradient[i + 1] * bump[i + 1])
            }
            #expect(abs(adjoint - difference) <= 1e-3 * abs(difference), "\(S.self) bump at \(centre): adjoint \(adjoint), difference \(difference)",
                    sourceLocation: sourceLocation)
        }
    }
}
