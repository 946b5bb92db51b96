import Foundation
import Testing
@testable import GaussianIntegrals
@testable import OnlineTheory
import Scenarios

/// Scaled momentum for the linear classifiers (`ClassifierMomentumODE`).
@Suite struct ClassifierMomentumTests {
    static func logistic(_ optimiser: Optimiser) throws -> ClassifierScenario {
        try ClassifierScenario(loss: .logistic, optimiser: optimiser, weightDecay: 0.05, initialOverlap: 0.1, initialSelfOverlap: 0.5)
    }

    /// D̂ = E[ℓ'λ⊥]/s, computed without the division, is D/s where s is not small, and stays finite (tending to the
    /// Stein limit E[ℓ''] = E[L''(yλ)]) as s → 0 at fixed q, where D and s vanish together.
    @Test func orthogonalSlopeIsTheRegressionCoefficient() {
        let integrals = ClassifierIntegrals(loss: .logistic)
        let generic = integrals.expectations(m: 0.3, q: 0.5, orthogonal: 0.5 - 0.09, rho: 1)
        #expect(abs(generic.orthogonalSlope - generic.slopeTimesOrthogonal / 0.41) < 1e-12 * abs(generic.orthogonalSlope))
        // Aligned: m² = qρ (1 − 1e-12).
        let q = 0.5, m = (q * (1 - 1e-12)).squareRoot()
        let aligned = integrals.expectations(m: m, q: q, orthogonal: q * 1e-12, rho: 1)
        // E[L''(yλ)] with y = sign(λ) when aligned: L''(z) = σ(z)σ(−z), even in z.
        let rule = GaussHermite.rule(order: 60)
        let stein = zip(rule.nodes, rule.weights).reduce(0.0) { sum, node in
            let sigma = 1 / (1 + Foundation.exp(-q.squareRoot() * node.0))
            return sum + node.1 * sigma * (1 - sigma)
        }
        #expect(aligned.orthogonalSlope.isFinite && abs(aligned.orthogonalSlope / stein - 1) < 1e-4, "\(aligned.orthogonalSlope) vs \(stein)")
    }

    /// γ → ∞ recovers plain SGD at rate τ: the largest distance of ε_g from SGD's falls like 1/γ.
    @Test func largeScaledMomentumRecoversSGD() throws {
        let times = (0...12).map { Double($0) * 0.25 }
        let sgd = try ClassifierTheory(scenario: try Self.logistic(try Optimiser(learningRate: 1))).solve(times: times)
        var gaps: [Double] = []
        for gamma in [25.0, 100] {
            let scaled = try ClassifierTheory(scenario: try Self.logistic(try Optimiser(learningRate: 1, scaledMomentum: gamma))).solve(times: times)
            #expect(scaled.velocity != nil)
            gaps.append(zip(scaled.classificationError, sgd.classificationError).map { abs($0 - $1) }.max()!)
        }
        #expect(gaps[1] < 3e-3 && abs(gaps[0] / gaps[1] - 4) < 0.6, "gaps \(gaps)")
    }

    /// The square loss's critical rate with scaled momentum is plain SGD's 2(1 + λ_reg) (its (q, b, c) block is linear
    /// regression's): the run diverges just above it and not just below.
    @Test func squareLossCriticalRate() throws {
        func run(_ lr: Double) throws -> ClassifierTheoryResult {
            try ClassifierTheory(scenario: try ClassifierScenario(loss: .square, optimiser: try Optimiser(learningRate: lr, scaledMomentum: 3),
                                                                  weightDecay: 0.05, initialOverlap: 0.1, initialSelfOverlap: 0.5)).solve(times: [0, 400])
        }
        #expect(try run(2.2).divergence != nil)
        #expect(try run(2.0).divergence == nil)
    }
}
