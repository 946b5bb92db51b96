import Foundation
import Testing
@testable import OnlineTheory
import ODEIntegration
import Scenarios

/// e_g near perfect learning: the theory integrates e_g itself (`LinearRegressionErrorODE`), so the noise-free
/// learning curve is the exact exponential e_g(0)·e^{(τ² − 2τ)t} to 1e-3 relative down to 1e-14 and below, where
/// ½(ρ − 2m + q) from the O(1) overlaps would print rounding noise, zero or negative values.
@Suite struct LinearPrecisionTests {
    @Test(arguments: [(0.5, 1.0, 0.0, 0.3), (1.0, 2.0, 0.5, 0.4), (1.7, 0.5, -0.2, 1.1), (0.2, 1.0, 0.9, 0.85), (1.0, 1.0, 0.0, 0.0)])
    func noiseFreeErrorIsTheExactExponentialDownTo1e14(tau: Double, rho: Double, m0: Double, q0: Double) throws {
        let scenario = try LinearRegressionScenario(learningRate: tau, noiseVariance: 0, weightDecay: 0, teacherNorm: rho,
                                                    initialOverlap: m0, initialSelfOverlap: q0)
        let theory = LinearRegressionTheory(scenario: scenario)
        let start = theory.specifiedInitialState, e0 = start.generalisationError, rate = tau * tau - 2 * tau
        // Until e_g ≈ 1e-16: two decades below the guaranteed range.
        let horizon = log(1e-16 / e0) / rate
        let times = (0...200).map { Double($0) * horizon / 200 }
        let solved = try theory.solve(times: times)
        #expect(solved.divergence == nil && solved.generalisationError.count == times.count)
        var deepest = Double.infinity
        for (k, t) in times.enumerated() {
            let exact = e0 * exp(rate * t)
            let e = solved.generalisationError[k]
            #expect(e > 0, "t = \(t): e_g = \(e)")
            if exact >= 1e-14 {
                #expect(abs(e / exact - 1) < 1e-3, "t = \(t): e_g = \(e), exact \(exact)")
                deepest = min(deepest, exact)
            }
            // The matrix-exponential route of the (m, e_g) system agrees with the closed form at every depth.
            let matrix = theory.exactGeneralisationError(at: t, from: start)
            #expect(abs(matrix / exact - 1) < 1e-10, "t = \(t): exp(tÂ) gives \(matrix), exact \(exact)")
        }
        #expect(deepest < 2e-14)
        // m and q stay consistent with the O(1) (m, q) route.
        let last = theory.exactSolution(at: times.last!, from: start)
        #expect(abs(solved.m.last! - last.m) < 1e-9 && abs(solved.q.last! - last.q) < 1e-9)
    }

    @Test(arguments: [(0.5, 0.0, 1e-6), (1.2, 1e-9, 0.0), (0.8, 1e-8, 1e-5), (1.0, 0.1, 0.05)])
    func smallNoiseOrDecayErrorFollowsTheMatrixExponentialAndTheClosedFormSteadyState(tau: Double, sigma2: Double, lambda: Double) throws {
        let scenario = try LinearRegressionScenario(learningRate: tau, noiseVariance: sigma2, weightDecay: lambda, teacherNorm: 1,
                                                    initialOverlap: 0.1, initialSelfOverlap: 0.5)
        let theory = LinearRegressionTheory(scenario: scenario)
        let start = theory.specifiedInitialState
        let times = (0...80).map { Double($0) * 0.5 }
        let solved = try theory.solve(times: times)
        for (k, t) in times.enumerated() {
            let exact = theory.exactGeneralisationError(at: t, from: start)
            #expect(solved.generalisationError[k] > 0)
            #expect(abs(solved.generalisationError[k] / exact - 1) < 1e-6, "t = \(t): \(solved.generalisationError[k]) vs \(exact)")
        }
        // e_g* in closed form is the long-time limit of both routes and, for O(1) e_g*, equals ½(ρ − 2m* + q*).
        let eStar = try #require(scenario.steadyStateGeneralisationError(rho: 1))
        #expect(eStar > 0)
        #expect(abs(theory.exactGeneralisationError(at: 400, from: start) / eStar - 1) < 1e-8)
        let fixed = try #require(theory.steadyState())
        #expect(abs(fixed.generalisationError - eStar) < 1e-15 * 10 + 1e-12 * eStar)
    }

    @Test func noiseFreeErrorStaysExactToTheBottomOfTheDoubleRangeAndIsNeverNegative() throws {
        // m(0) = q(0) = 0 (the CLI's default start) through e_g ≈ 1e-300 and past it.
        let scenario = try LinearRegressionScenario(learningRate: 0.5, noiseVariance: 0, weightDecay: 0, teacherNorm: 1,
                                                    initialOverlap: 0, initialSelfOverlap: 0)
        let times = (0...120).map { Double($0) * 10 }
        let solved = try LinearRegressionTheory(scenario: scenario).solve(times: times)
        #expect(solved.generalisationError.count == times.count)
        for (k, t) in times.enumerated() {
            let exact = 0.5 * exp(-0.75 * t), e = solved.generalisationError[k]
            #expect(e >= 0, "t = \(t): e_g = \(e)")
            if exact >= 1e-270 { #expect(abs(e / exact - 1) < 1e-5, "t = \(t): e_g = \(e), exact \(exact)") }
            if exact < LinearRegressionTheory.underflowFloor / 1e3 { #expect(e == 0, "t = \(t): floor noise \(e) printed") }
        }
    }

    @Test func noiseFreeSteadyStateErrorIsExactlyZeroAndDivergenceStillFires() throws {
        let scenario = try LinearRegressionScenario(learningRate: 0.9, noiseVariance: 0, weightDecay: 0, teacherNorm: 1.3,
                                                    initialOverlap: 0.2, initialSelfOverlap: 0.7)
        #expect(scenario.steadyStateGeneralisationError(rho: 1.3) == 0)
        // Above τ_c the event on the integrated e_g stops the run where e_g reaches the bound.
        let unstable = try LinearRegressionScenario(learningRate: 2.3, noiseVariance: 0, weightDecay: 0, initialSelfOverlap: 0.4)
        let theory = LinearRegressionTheory(scenario: unstable)
        let start = theory.specifiedInitialState
        let solved = try theory.solve(times: (0...400).map { Double($0) })
        let divergence = try #require(solved.divergence)
        let limit = theory.divergenceBound(from: start).limit
        #expect(abs(theory.exactGeneralisationError(at: divergence.time, from: start) / limit - 1) < 1e-6)
        #expect(solved.generalisationError.allSatisfy { $0 < limit })
    }
}
