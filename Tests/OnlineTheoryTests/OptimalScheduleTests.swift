import Foundation
import Testing
@testable import OnlineTheory
import Scenarios

/// `--lr-schedule optimal`: greedy corrected by a piecewise-constant factor that minimises ε_g(t_max).
@Suite struct OptimalScheduleTests {
    /// Linear regression, λ = 0: greedy is globally optimal, so the optimiser finds nothing to gain beyond the
    /// tolerance, and a schedule perturbed away from it (the starting point scaled by 0.5) is driven back to it.
    @Test func linearRegressionOptimalEqualsGreedy() throws {
        let scenario = try LinearRegressionScenario(optimiser: try Optimiser(learningRate: 1), noiseVariance: 0.3)
        let theory = LinearRegressionTheory(scenario: scenario), tEnd = 20.0
        func final(_ schedule: LearningRateSchedule) throws -> Double {
            var copy = scenario
            copy.optimiser.schedule = schedule
            return try LinearRegressionTheory(scenario: copy).solve(times: [0, tEnd]).generalisationError[1]
        }
        let greedy = try theory.greedySchedule(rateBounds: 1e-4...1, tEnd: tEnd)
        let optimal = try theory.optimalSchedule(rateBounds: 1e-4...1, tEnd: tEnd)
        let (eGreedy, eOptimal) = (try final(greedy), try final(optimal))
        #expect(eOptimal <= eGreedy && eOptimal > eGreedy * (1 - 1e-5), "optimal \(eOptimal), greedy \(eGreedy)")
        // From half the greedy rate the descent recovers the greedy e_g(t_max) closely.
        guard case .table(let table) = greedy.kind else { Issue.record("greedy is a table"); return }
        let halved = try LearningRateSchedule.tabulated(name: "half", times: table.times, factors: table.factors.map { $0 / 2 }, rateBounds: 1e-4...1)
        var search = OptimalLearningRate()
        search.maximumIterations = 60
        let recovered = try search.optimise(greedy: halved, tEnd: tEnd, factorBounds: 1e-4...1, rateBounds: 1e-4...1, finalError: final)
        let (eHalved, eRecovered) = (try final(halved), try final(recovered))
        #expect(eHalved > 1.05 * eGreedy)
        #expect(eRecovered < eGreedy * 1.01, "recovered \(eRecovered), greedy \(eGreedy), start \(eHalved)")
    }

    /// A K = M = 2 erf committee with noise: the optimum beats greedy and every constant rate of a scan.
    @Test func committeeOptimalBeatsGreedy() throws {
        func scenario(_ lr: Double) throws -> CommitteeScenario {
            try CommitteeScenario(studentUnits: 2, teacherUnits: 2, learningRate: lr, noiseVariance: 0.05,
                                  initialStudent: .diagonal(q0: 0.5, r0: 0.2, studentUnits: 2, teacherUnits: 2))
        }
        let tEnd = 10.0, base = try scenario(1.5)
        func final(_ schedule: LearningRateSchedule) throws -> Double {
            var copy = base
            copy.optimiser.schedule = schedule
            return try CommitteeTheory(scenario: copy).solve(times: [0, tEnd]).generalisationError[1]
        }
        var search = OptimalLearningRate()
        search.pieces = 4
        search.maximumIterations = 4
        let theory = CommitteeTheory(scenario: base)
        let eGreedy = try final(try theory.greedySchedule(rateBounds: 0.01...1.5, tEnd: tEnd))
        let eOptimal = try final(try theory.optimalSchedule(rateBounds: 0.01...1.5, tEnd: tEnd, optimiser: search))
        // Greedy is myopic here: four pieces and four iterations already gain ≈ 3% (0.02117 → 0.02057).
        #expect(eOptimal < 0.99 * eGreedy, "optimal \(eOptimal), greedy \(eGreedy)")
        for lr in [0.2, 0.5, 1.0, 1.5] {
            let constant = try CommitteeTheory(scenario: try scenario(lr)).solve(times: [0, tEnd]).generalisationError[1]
            #expect(eOptimal <= constant, "constant \(lr): \(constant) < optimal \(eOptimal)")
        }
    }
}
