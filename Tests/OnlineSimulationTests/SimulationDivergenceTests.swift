import OnlineSimulation
import OnlineTheory
import Scenarios
import Testing

/// The simulations decide divergence as the theories do: non-finite, or past 10⁶ × the problem's own scale.
@Suite struct SimulationDivergenceTests {
    @Test func hugeNoiseAndLargeTeachersAreStable() throws {
        // e_g* ≈ 1.7e6 at σ² = 10⁷ and e_g(0) = 5e5 at ρ = 10⁶: both past the old fixed bound 10⁶ × max(1, ρ, e_g(0))
        // in one case, and fine in both.
        for (noise, rho) in [(1e7, 1.0), (0.0, 1e6), (1e-8, 1e-8)] {
            let scenario = try LinearRegressionScenario(learningRate: 0.5, noiseVariance: noise, teacherNorm: rho)
            let result = try LinearRegressionSimulator(scenario: scenario, dimension: 200, seeds: 2).run(times: (0...10).map { Double($0) })
            #expect(result.divergence == nil, "σ² = \(noise), ρ = \(rho): \(String(describing: result.divergence))")
            #expect(result.times.count == 11)
        }
        let classifier = try ClassifierScenario(loss: .hinge, learningRate: 1e4, flipProbability: 0.1, initialSelfOverlap: 0.1)
        let simulated = try ClassifierSimulator(scenario: classifier, dimension: 200, seeds: 2).run(times: (0...4).map { Double($0) })
        #expect(simulated.divergence == nil)
        #expect(simulated.q.allSatisfy { $0.last! > 1e7 })
        let committee = try CommitteeScenario(studentUnits: 1, teacherUnits: 1, studentActivation: .linear, learningRate: 0.5,
                                              noiseVariance: 1e7, initialStudent: .overlaps(q: [0.5], r: [0]))
        let run = try CommitteeSimulator(scenario: committee, dimension: 200, seeds: 2).run(times: (0...10).map { Double($0) })
        #expect(run.divergence == nil)
        #expect(run.states.allSatisfy { $0.last!.q[0] > 1e6 })
    }

    @Test func aFirstStepThatOverflowsDivergesAtOnceAndKeepsTheStart() throws {
        let scenario = try LinearRegressionScenario(learningRate: 1e300, initialSelfOverlap: 0.5)
        let result = try LinearRegressionSimulator(scenario: scenario, dimension: 100, seeds: 2).run(times: [0, 1, 2])
        let divergence = try #require(result.divergence)
        #expect(divergence.time <= 0.03)
        #expect(result.times == [0] && result.m.allSatisfy { $0.count == 1 })
        #expect(divergence.reason.contains("≥ critical"))
    }

    @Test func anUnstableRateDivergesNearTheTheorysTime() throws {
        let scenario = try LinearRegressionScenario(learningRate: 2.4, noiseVariance: 0.5, initialSelfOverlap: 0.5)
        let times = (0...400).map { Double($0) * 0.1 }
        let simulated = try LinearRegressionSimulator(scenario: scenario, dimension: 400, seeds: 2).run(times: times)
        let theory = try LinearRegressionTheory(scenario: scenario).solve(times: times)
        let simulatedTime = try #require(simulated.divergence?.time), theoryTime = try #require(theory.divergence?.time)
        // Growth rate r = τ² − 2τ = 0.96 (slightly more at finite d): both cross 10⁶ × the scale within a few 1/r.
        #expect(abs(simulatedTime - theoryTime) < 3, "simulation \(simulatedTime), theory \(theoryTime)")
    }

    @Test func aCommitteeWhoseFirstUpdateOverflowsKeepsItsInitialPoint() throws {
        // η = 10³⁰⁰: the start is finite, the first updates are not (|w|² ~ η² overflows; it is found at the next
        // output time, t = 1, where the overlaps are measured).
        let scenario = try CommitteeScenario(studentUnits: 2, teacherUnits: 2, learningRate: 1e300,
                                             initialStudent: .overlaps(q: [0.5, 0, 0, 0.5], r: [0.1, 0, 0, 0.1]))
        let result = try CommitteeSimulator(scenario: scenario, dimension: 50, seeds: 3).run(times: [0, 1, 2])
        let time = try #require(result.divergence?.time)
        #expect(time <= 1)
        #expect(result.times == [0])
        let start = try #require(result.meanInitialState)
        #expect(start.q.allSatisfy(\.isFinite) && abs(start.q[0] - 0.5) < 1e-12)
    }
}
