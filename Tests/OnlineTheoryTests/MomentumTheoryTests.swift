import Foundation
import Testing
import OnlineTheory
import Scenarios

/// Heavy-ball momentum in the d → ∞ theory (`Optimiser`, `LinearRegressionMomentumODE`).
@Suite struct MomentumTheoryTests {
    static func linear(_ optimiser: Optimiser, noise: Double = 0.2, decay: Double = 0.1) throws -> LinearRegressionScenario {
        try LinearRegressionScenario(optimiser: optimiser, noiseVariance: noise, weightDecay: decay, initialOverlap: 0.1, initialSelfOverlap: 0.3)
    }

    /// Fixed β: the ODE coefficients are η/(1 − β) and its square, the critical rate is 2(1 − β)(1 + λ) for linear
    /// regression and the square-loss classifier, and the learning curve is plain SGD's at η_eff.
    @Test func fixedMomentumIsSGDAtTheEffectiveRate() throws {
        let momentum = try Optimiser(learningRate: 0.1, momentum: 0.8)
        #expect(abs(momentum.coefficients(at: 3).drift - 0.5) < 1e-15 && abs(momentum.coefficients(at: 3).noise - 0.25) < 1e-15)
        let scenario = try Self.linear(momentum), plain = try Self.linear(try Optimiser(learningRate: 0.5))
        #expect(abs(scenario.criticalLearningRate - 2 * 0.2 * 1.1) < 1e-15)
        #expect(abs(try ClassifierScenario(loss: .square, optimiser: momentum, weightDecay: 0.1).criticalLearningRate! - 0.44) < 1e-15)
        let times = [0, 0.5, 2, 8]
        let a = try LinearRegressionTheory(scenario: scenario).solve(times: times)
        let b = try LinearRegressionTheory(scenario: plain).solve(times: times)
        for k in times.indices { #expect(abs(a.generalisationError[k] - b.generalisationError[k]) < 1e-9 * b.generalisationError[k]) }
        #expect(abs(scenario.steadyStateGeneralisationError(rho: 1)! / plain.steadyStateGeneralisationError(rho: 1)! - 1) < 1e-14)
        #expect(a.velocity == nil)
        // Past 2(1 − β)(1 + λ) = 0.44 the theory diverges, below it does not.
        let above = try LinearRegressionTheory(scenario: try Self.linear(try Optimiser(learningRate: 0.45, momentum: 0.8))).solve(times: [0, 200])
        #expect(above.divergence != nil)
        let below = try LinearRegressionTheory(scenario: try Self.linear(try Optimiser(learningRate: 0.43, momentum: 0.8))).solve(times: [0, 200])
        #expect(below.divergence == nil)
    }

    /// γ → ∞ recovers plain SGD at rate η: the largest distance of e_g from SGD's falls like 1/γ.
    @Test func largeScaledMomentumRecoversSGD() throws {
        let times = (0...20).map { Double($0) * 0.25 }
        let sgd = try LinearRegressionTheory(scenario: try Self.linear(try Optimiser(learningRate: 0.6))).solve(times: times)
        var gaps: [Double] = []
        for gamma in [50.0, 200] {
            let scaled = try LinearRegressionTheory(scenario: try Self.linear(try Optimiser(learningRate: 0.6, scaledMomentum: gamma))).solve(times: times)
            gaps.append(zip(scaled.generalisationError, sgd.generalisationError).map { abs($0 - $1) }.max()!)
        }
        #expect(gaps[1] < 2e-3 && abs(gaps[0] / gaps[1] - 4) < 0.5, "gaps \(gaps)")
    }

    /// The integrated scaled-momentum ODE against the matrix exponential of its generator (m, q, e_g), and its
    /// long-time limit against the closed-form fixed point: plain SGD's e_g* at η, a = b = 0, c* = (2e_g* + σ²)/(2γ).
    @Test func scaledMomentumIntegrationAndFixedPoint() throws {
        let scenario = try Self.linear(try Optimiser(learningRate: 0.7, scaledMomentum: 1.5))
        let model = LinearRegressionTheory(scenario: scenario)
        let result = try model.solve(times: [0, 3, 400])
        let exact = model.exactSolution(at: 3, from: model.specifiedInitialState)
        #expect(abs(result.m[1] - exact.m) < 1e-8 && abs(result.q[1] - exact.q) < 1e-8)
        #expect(abs(result.generalisationError[1] - model.exactGeneralisationError(at: 3, from: model.specifiedInitialState)) < 1e-8)
        let eStar = try #require(scenario.steadyStateGeneralisationError(rho: 1))
        let velocity = try #require(result.velocity)
        #expect(abs(result.generalisationError[2] - eStar) < 1e-8 * eStar)
        #expect(abs(velocity.a[2]) < 1e-9 && abs(velocity.b[2]) < 1e-9)
        #expect(abs(velocity.c[2] - (2 * eStar + 0.2) / 3) < 1e-8)
        #expect(velocity.a[0] == 0 && velocity.b[0] == 0 && velocity.c[0] == 0)
        #expect(scenario.criticalLearningRate == 2.2)
    }

    /// Scaled momentum's critical rate is plain SGD's 2(1 + λ) for every γ (Routh–Hurwitz): just above it the ODE
    /// diverges, just below it does not.
    @Test(arguments: [0.5, 20.0])
    func scaledMomentumCriticalRate(gamma: Double) throws {
        let above = try LinearRegressionTheory(scenario: try Self.linear(try Optimiser(learningRate: 2.3, scaledMomentum: gamma))).solve(times: [0, 2000])
        #expect(above.divergence != nil)
        let below = try LinearRegressionTheory(scenario: try Self.linear(try Optimiser(learningRate: 2.1, scaledMomentum: gamma))).solve(times: [0, 2000])
        #expect(below.divergence == nil && below.generalisationError.allSatisfy(\.isFinite))
    }

    /// Noise-free, no weight decay: (e, u, c) is a closed linear system, and e_g decays like e^{st} with s the
    /// slowest root of s³ + 3γs² + (2γ² + 4ηγ)s + 2ηγ²(2 − η) (γ = 4, η = ½: s = −(3 − √5)); e_g is integrated as a
    /// state under relative error control (only a's floor is absolute, `scaledMomentumAbsoluteTolerance`), so the
    /// decay rate holds, positive, from e_g ≈ 1e-5 down to 1e-60, where ½(ρ − 2m + q) would keep no digit.
    @Test func scaledMomentumErrorDecaysAtTheSlowestRoot() throws {
        let scenario = try Self.linear(try Optimiser(learningRate: 0.5, scaledMomentum: 4), noise: 0, decay: 0)
        let times: [Double] = [0, 12, 20, 100, 180]
        let result = try LinearRegressionTheory(scenario: scenario).solve(times: times)
        let e = result.generalisationError
        #expect(e[4] > 1e-70 && e[4] < 1e-50)
        for k in 1..<(times.count - 1) {
            let slope = log(e[k + 1] / e[k]) / (times[k + 1] - times[k])
            #expect(abs(slope + (3 - 5.0.squareRoot())) < 1e-5, "slope \(slope) after t = \(times[k])")
        }
    }

    /// With label noise or weight decay e_g relaxes to the fixed point e_g* = [½ησ² + λ²ρ/(1 + λ)]/(2(1 + λ) − η) and
    /// stays there to 1e-5 relative even when e_g* is tiny (the velocity overlaps' absolute floors are scaled to the
    /// size of their sources, λ·scale + σ²); never negative.
    @Test(arguments: [(1e-30, 0.0), (0.1, 0.0), (0.0, 1e-7), (0.0, 0.01)])
    func scaledMomentumErrorHoldsTinyFixedPoints(noise: Double, decay: Double) throws {
        let scenario = try LinearRegressionScenario(optimiser: try Optimiser(learningRate: 0.5, scaledMomentum: 2), noiseVariance: noise,
                                                    weightDecay: decay)
        let result = try LinearRegressionTheory(scenario: scenario).solve(times: [0, 200, 300, 400])
        let source: Double = 0.25 * noise + decay * decay / (1 + decay)
        let expected: Double = source / (2 * (1 + decay) - 0.5)
        for e in result.generalisationError.dropFirst() { #expect(abs(e / expected - 1) < 1e-5, "e_g \(e), e_g* \(expected)") }
    }
}
