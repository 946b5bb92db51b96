import ODEIntegration
import OnlineTheory
import Scenarios
import Testing

/// Divergence is decided by the dynamics and the problem's own scales, never by a fixed threshold: extreme but stable
/// scales run to the end, unstable rates diverge when e_g (or q, Q_ii) passes 10⁶ × the problem's scale, and the
/// message says what grew and whether the rate is past the critical one.
@Suite struct DivergenceCriterionTests {
    @Test func hugeNoiseIsStableAndReachesItsSteadyState() throws {
        // σ² = 10⁷: e_g* = τσ²/(2(2 − τ)) + … ≈ 1.7e6, past the old fixed bound 10⁶ × max(1, ρ, e_g(0)).
        let scenario = try LinearRegressionScenario(learningRate: 0.5, noiseVariance: 1e7)
        let theory = LinearRegressionTheory(scenario: scenario)
        let result = try theory.solve(times: (0...40).map { Double($0) })
        #expect(result.divergence == nil)
        #expect(result.times.count == 41)
        let steady = try #require(theory.steadyState())
        #expect(steady.generalisationError > 1e6)
        #expect(abs(result.generalisationError.last! / steady.generalisationError - 1) < 1e-6)
    }

    @Test(arguments: [(1e6, 0.5, 0.0), (1.0, 1e-9, 0.0), (1e-6, 1.9, 1e-6), (1.0, 1.999, 1.0)])
    func extremeButStableScalesDoNotDiverge(rho: Double, lr: Double, noise: Double) throws {
        let scenario = try LinearRegressionScenario(learningRate: lr, noiseVariance: noise, teacherNorm: rho, initialSelfOverlap: 0)
        let result = try LinearRegressionTheory(scenario: scenario).solve(times: (0...50).map { Double($0) * 2 })
        #expect(result.divergence == nil, "\(result.divergence.map(String.init(describing:)) ?? "")")
        #expect(result.times.count == 51)
    }

    @Test func anUnstableRateDivergesWhenTheExactSolutionPassesTheBound() throws {
        let scenario = try LinearRegressionScenario(learningRate: 2.2, noiseVariance: 3, teacherNorm: 5, initialSelfOverlap: 0.5)
        let theory = LinearRegressionTheory(scenario: scenario)
        let result = try theory.solve(times: (0...400).map { Double($0) * 0.25 })
        let divergence = try #require(result.divergence)
        let start = theory.specifiedInitialState
        let bound = theory.divergenceBound(from: start)
        #expect(bound.scale == 5)  // the largest of ρ = 5, σ² = 3, q(0), e_g(0) = 2.75
        #expect(abs(theory.exactSolution(at: divergence.time, from: start).generalisationError / bound.limit - 1) < 1e-6)
        // e_g grows like e^{rt}, r = τ² − 2τ = 0.44: from O(ρ) to 10⁶ρ takes about ln(10⁶)/r ≈ 31.
        #expect(divergence.time > 20 && divergence.time < 40)
        #expect(divergence.reason.contains("≥ critical 2"))
    }

    @Test func anOverflowBelowTheCriticalRateIsNotCalledAnInstability() throws {
        // ρ near the largest double: 2m overflows in dq/dt although τ = 0.5 is stable.
        let scenario = try LinearRegressionScenario(learningRate: 0.5, teacherNorm: 1e308)
        let result = try LinearRegressionTheory(scenario: scenario).solve(times: (0...20).map { Double($0) })
        let divergence = try #require(result.divergence)
        #expect(divergence.reason.contains("not an instability") && !divergence.reason.contains("≥ critical"))
        #expect(!result.times.isEmpty && result.times[0] == 0)
    }

    @Test func aFirstStepThatOverflowsDivergesAtTimeZeroWithTheInitialPoint() throws {
        let scenario = try LinearRegressionScenario(learningRate: 1e300)
        let result = try LinearRegressionTheory(scenario: scenario).solve(times: [0, 1, 2])
        let divergence = try #require(result.divergence)
        #expect(divergence.time == 0)
        #expect(result.times == [0] && result.m == [0] && result.q == [0])
        #expect(divergence.reason.contains("≥ critical"))
    }

    @Test func boundedLossesNeverDivergeHowEverLargeQGrows() throws {
        // Hinge with flipped labels at τ = 10⁴: q settles at ~τ² × O(1), far past 10⁶ × max(1, ρ, q(0)), yet the
        // slopes are bounded (|L'| ≤ 1) and nothing diverges.
        let scenario = try ClassifierScenario(loss: .hinge, learningRate: 1e4, flipProbability: 0.1, initialSelfOverlap: 0.1)
        let result = try ClassifierTheory(scenario: scenario).solve(times: (0...10).map { Double($0) })
        #expect(result.divergence == nil)
        #expect(result.times.count == 11)
        #expect(result.q.last! > 1e7)
    }

    @Test func theSquareLossDivergesOnlyPastItsCriticalRate() throws {
        let stable = try ClassifierScenario(loss: .square, learningRate: 2.9, weightDecay: 0.5, teacherNorm: 1e6)
        #expect(try ClassifierTheory(scenario: stable).solve(times: (0...50).map { Double($0) }).divergence == nil)
        let unstable = try ClassifierScenario(loss: .square, learningRate: 3.2, weightDecay: 0.5, initialSelfOverlap: 0.1)
        let divergence = try #require(try ClassifierTheory(scenario: unstable).solve(times: (0...400).map { Double($0) }).divergence)
        #expect(divergence.reason.contains("≥ critical 3"))
        // q grows like e^{rt}, r = τ² − 2τ(1 + λ) = 0.64, from O(1) to 10⁶: ≈ ln(10⁶)/0.64 ≈ 22.
        #expect(divergence.time > 12 && divergence.time < 35)
    }

    @Test func theSquareLossSteadyStateIsTheODEsLongTimeLimit() throws {
        let scenario = try ClassifierScenario(loss: .square, learningRate: 1.2, noiseVariance: 0.3, flipProbability: 0.1,
                                              weightDecay: 0.2, teacherNorm: 2)
        let q = try #require(scenario.squareLossSteadySelfOverlap(rho: 2))
        let result = try ClassifierTheory(scenario: scenario).solve(times: [0, 10, 80])
        #expect(abs(result.q.last! / q - 1) < 1e-8)
    }

    @Test func aCommitteeWithHugeNoiseIsStable() throws {
        // K = M = 1 linear units are linear regression: Q* = (τ(σ² − 1) + 2)/(2 − τ) ≈ 3.3e6 at σ² = 10⁷, past the old
        // fixed bound 10⁶ × max(1, Q(0), T).
        let scenario = try CommitteeScenario(studentUnits: 1, teacherUnits: 1, studentActivation: .linear, learningRate: 0.5,
                                             noiseVariance: 1e7, initialStudent: .overlaps(q: [0.5], r: [0]))
        let result = try CommitteeTheory(scenario: scenario).solve(times: (0...40).map { Double($0) })
        #expect(result.divergence == nil)
        let expected = (0.5 * (1e7 - 1) + 2) / 1.5
        #expect(abs(result.states.last!.q[0] / expected - 1) < 1e-6)
    }

    @Test func aCommitteeAtTinyOrHugeRatesIsTreatedByTheDynamics() throws {
        let tiny = try CommitteeScenario(studentUnits: 2, teacherUnits: 2, learningRate: 1e-9,
                                         initialStudent: .overlaps(q: [0.5, 0, 0, 0.5], r: [0.1, 0, 0, 0.1]))
        #expect(try CommitteeTheory(scenario: tiny).solve(times: [0, 10, 100]).divergence == nil)
        let huge = try CommitteeScenario(studentUnits: 2, teacherUnits: 2, studentActivation: .relu, learningRate: 1e300,
                                         initialStudent: .overlaps(q: [0.5, 0, 0, 0.5], r: [0.1, 0, 0, 0.1]))
        let result = try CommitteeTheory(scenario: huge).solve(times: [0, 10, 100])
        #expect(result.divergence?.time == 0)
        #expect(result.times == [0])
    }

    @Test func aCommitteeDivergesWhereTheLinearRegressionSolutionSaysQPassesTheBound() throws {
        // K = M = 1 linear units with v = v* = 1, T = 1 are linear regression with m = R, q = Q, ρ = 1 (an independent
        // route: the matrix exponential of the linear ODE). Scale max(Q(0) = 0.5, T = 1, σ² = 0.2) = 1.
        let committee = try CommitteeScenario(studentUnits: 1, teacherUnits: 1, studentActivation: .linear, learningRate: 2.3,
                                              noiseVariance: 0.2, initialStudent: .overlaps(q: [0.5], r: [0.1]))
        let divergence = try #require(try CommitteeTheory(scenario: committee).solve(times: (0...200).map { Double($0) * 0.5 }).divergence)
        let linear = LinearRegressionTheory(scenario: try LinearRegressionScenario(learningRate: 2.3, noiseVariance: 0.2))
        let q = linear.exactSolution(at: divergence.time, from: LinearOrderParameters(m: 0.1, q: 0.5, rho: 1)).q
        #expect(abs(q / 1e6 - 1) < 1e-5, "q(\(divergence.time)) = \(q)")
        #expect(divergence.reason.contains("Q_ii"))
    }

    @Test func outsideTheSemidefiniteConeIsNamed() {
        let state = CommitteeOrderParameters(studentUnits: 1, teacherUnits: 1, q: [1], r: [2], t: [1], v: [1], vStar: [1])
        #expect(state.invalidity()?.contains("semidefinite cone") == true)
        let good = CommitteeOrderParameters(studentUnits: 1, teacherUnits: 1, q: [1], r: [1], t: [1], v: [1], vStar: [1])
        #expect(good.invalidity() == nil)
        let infinite = CommitteeOrderParameters(studentUnits: 1, teacherUnits: 1, q: [.infinity], r: [0], t: [1], v: [1], vStar: [1])
        #expect(infinite.invalidity()?.contains("non-finite") == true)
    }
}
