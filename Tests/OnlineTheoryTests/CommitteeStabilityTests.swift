import Foundation
import GaussianIntegrals
@testable import OnlineTheory
import Scenarios
import Testing

@Suite struct CommitteeStabilityTests {
    /// K = M = 1, erf, T = v = v* = 1: differentiating the closed-form ODE at Q = R = 1 (done symbolically)
    /// gives, in (δR, δQ),
    ///     J = η [[−8√3/(9π), √3/(3π)], [8(5√3π − 9√5η)/(45π²), 2(6√5η − 5√3π)/(15π²)]],
    /// whose eigenvalues are μ₁ = −2√3η/(9π) (the mode δQ = 2δR, untouched by the η² terms) and
    /// μ₂ = 4η(3√5η − 5√3π)/(15π²). Hence lr_max = π√15/3 (μ₂ = 0), lr_opt = 5π√15/18 (μ₁ = μ₂) and
    /// rate_opt = 5√5/27.
    @Test func erfPerceptronStabilityIsKnownExactly() throws {
        let scenario = try CommitteeScenario(studentUnits: 1, teacherUnits: 1, learningRate: 0.5)
        let analysis = CommitteeStability(scenario: scenario)
        for eta in [0.7, 2.0, 3.9] {
            let mu = try analysis.eigenvalues(learningRate: eta).map(\.re).sorted()
            let mu1 = -2 * 3.0.squareRoot() * eta / (9 * Double.pi)
            let mu2 = 4 * eta * (3 * 5.0.squareRoot() * eta - 5 * 3.0.squareRoot() * Double.pi) / (15 * Double.pi * Double.pi)
            let expected = [mu1, mu2].sorted()
            #expect(abs(mu[0] - expected[0]) < 1e-7 && abs(mu[1] - expected[1]) < 1e-7, "η = \(eta): \(mu) vs \(expected)")
        }
        let result = try analysis.analyse()
        #expect(abs(result.lrMax - Double.pi * 15.0.squareRoot() / 3) < 1e-6, "\(result.lrMax)")
        #expect(abs(result.lrOpt - 5 * Double.pi * 15.0.squareRoot() / 18) < 1e-4, "\(result.lrOpt)")
        // At the optimum μ₁ = μ₂ is a defective double eigenvalue: a Jacobian error ε (central differences,
        // ~1e-10) splits it by ~√ε, so the rate there is only good to ~1e-5.
        #expect(abs(result.rateOpt - 5 * 5.0.squareRoot() / 27) < 2e-5, "\(result.rateOpt)")
    }

    /// ReLU's integrals are not differentiable at perfect learning (√(QT − R²) terms), so the analysis
    /// refuses it with an error instead of returning a meaningless Jacobian; K ≠ M is refused too.
    @Test func nonDifferentiableOrMismatchedCommitteesAreRefused() throws {
        let relu = try CommitteeScenario(studentUnits: 2, teacherUnits: 2, studentActivation: .relu, learningRate: 0.5)
        #expect(throws: ScenarioError.self) { try CommitteeStability(scenario: relu).analyse() }
        let mismatched = try CommitteeScenario(studentUnits: 2, teacherUnits: 3, learningRate: 0.5)
        #expect(throws: ScenarioError.self) { try CommitteeStability(scenario: mismatched).analyse() }
    }
}
