import Foundation
import GaussianIntegrals
import OnlineTheory
import Scenarios
import Testing

@Suite struct ClassifierTheoryTests {
    @Test(arguments: [(0.0, 0.0, 0.0), (0.3, 0.1, 0.05)])
    func squareLossReachesItsClosedFormFixedPoint(noise: Double, flip: Double, reg: Double) throws {
        // Square loss on ±1 labels is linear regression onto y: with c = E[yν] = (1 − 2p)√(2/π) ρ/√(ρ + σ²),
        // m* = c/(1 + λ) and q* = [2(1 − τ) m* c/ρ + τ] / (2(1 + λ) − τ).
        let (tau, rho) = (0.5, 1.3)
        let scenario = try ClassifierScenario(loss: .square, learningRate: tau, noiseVariance: noise, flipProbability: flip,
                                              weightDecay: reg, teacherNorm: rho, initialSelfOverlap: 0.2)
        let result = try ClassifierTheory(scenario: scenario).solve(times: [0, 200])
        let c = (1 - 2 * flip) * (2 / Double.pi).squareRoot() * rho / (rho + noise).squareRoot()
        let m = c / (1 + reg), q = (2 * (1 - tau) * m * c / rho + tau) / (2 * (1 + reg) - tau)
        #expect(abs(result.m.last! - m) < 1e-8 && abs(result.q.last! - q) < 1e-8, "m \(result.m.last!) vs \(m), q \(result.q.last!) vs \(q)")
        #expect(abs(result.classificationError.last! - acos(m / (q * rho).squareRoot()) / Double.pi) < 1e-8)
    }

    @Test func perceptronErrorDecaysLikeTheCubeRootOfTime() throws {
        // Rosenblatt's rule on a noise-free teacher: ε_g ∝ t^(−1/3) at late times (Engel & Van den Broeck, ch. 9).
        let scenario = try ClassifierScenario(loss: .perceptron, learningRate: 1, initialSelfOverlap: 0.1)
        let result = try ClassifierTheory(scenario: scenario).solve(times: [0, 400, 3200])
        let exponent = log(result.classificationError[1] / result.classificationError[2]) / log(8.0)
        #expect(abs(exponent - 1.0 / 3) < 0.01, "exponent \(exponent)")
    }

    @Test func labelNoiseLeavesAFiniteError() throws {
        // With flipped labels the logistic student keeps a finite error at fixed learning rate, and learns more
        // slowly than without them.
        let clean = try ClassifierScenario(loss: .logistic, learningRate: 0.5, initialSelfOverlap: 0.1)
        var noisy = clean
        noisy.flipProbability = 0.2
        let times = [0.0, 50, 100]
        let a = try ClassifierTheory(scenario: clean).solve(times: times), b = try ClassifierTheory(scenario: noisy).solve(times: times)
        #expect(b.classificationError[2] > a.classificationError[2])
        #expect(a.classificationError[2] < a.classificationError[1])
        #expect(b.loss[2] > a.loss[2] && b.loss[2] > 0.4)
    }

    @Test func badScenariosAreRejected() {
        #expect(throws: ScenarioError.self) { try ClassifierScenario(loss: .hinge, learningRate: 0) }
        #expect(throws: ScenarioError.self) { try ClassifierScenario(loss: .hinge, learningRate: 1, flipProbability: 0.7) }
        #expect(throws: ScenarioError.self) { try ClassifierScenario(loss: .hinge, learningRate: 1, noiseVariance: -1) }
        #expect(throws: ScenarioError.self) { try ClassifierScenario(loss: .hinge, learningRate: 1, initialOverlap: 0.5, initialSelfOverlap: 0.1) }
    }
}
