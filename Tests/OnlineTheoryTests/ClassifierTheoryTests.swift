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

    /// The noise-free perceptron in closed form (`ClassifierIntegralsTests`), in the state (m, s) with q = s + m²/ρ and
    /// θ = atan2(√(ρs), m): dm/dt = τ√ρ(1 − cos θ)/√(2π), ds/dt = −2τs/√(2πq) + τ²θ/π, with 1 − cos θ = 2 sin²(θ/2).
    private func perceptronClosedForm(m: Double, s: Double, rho: Double, tau: Double) -> (dm: Double, ds: Double) {
        let q = s + m * m / rho, theta = atan2((rho * s).squareRoot(), m), root = (2 * Double.pi).squareRoot()
        return (tau * rho.squareRoot() * 2 * sin(theta / 2) * sin(theta / 2) / root,
                -2 * tau * s / (root * q.squareRoot()) + tau * tau * theta / Double.pi)
    }

    @Test func alignedPerceptronKeepsTheRelativeAccuracyOfItsError() throws {
        // A student at angle θ0 = 1e-8 from the teacher (ε_g = 3e-9) that drifts away at small learning rate, τ = 1e-3:
        // θ grows like θ0 + τ²t/(2π) until the balance θ√q ≈ τ/√(2π), so ε_g runs from 1e-8 to 1e-4. The reference is the
        // closed-form ODE above, integrated by RK4 in (m, s) with steps 0.001(1 + t): independent of the quadrature and
        // of the adaptive integrator. ε_g from the theory's s matches it to 1e-6 relative; arccos(m/√(qρ)) from the
        // integrated m and q misses it by more than 1% up to t = 1 (ε_g ≲ 5e-8): cos θ rounds to 1 at θ = 1e-8, and
        // 1 − m²/(qρ) keeps few digits beyond.
        let (tau, rho, theta0) = (1e-3, 1.0, 1e-8)
        let scenario = try ClassifierScenario(loss: .perceptron, learningRate: tau, initialSelfOverlap: 1)
        let start = LinearOrderParameters(m: cos(theta0), q: 1, rho: rho)
        let times = [0, 0.01, 0.1, 1, 10, 100, 1000]
        let result = try ClassifierTheory(scenario: scenario).solve(times: times, from: start, initialOrthogonal: sin(theta0) * sin(theta0))
        var (m, s, t) = (start.m, sin(theta0) * sin(theta0), 0.0)
        for (k, target) in times.enumerated() {
            while t < target {
                let h = min(0.001 * (1 + t), target - t)
                let k1 = perceptronClosedForm(m: m, s: s, rho: rho, tau: tau)
                let k2 = perceptronClosedForm(m: m + h / 2 * k1.dm, s: s + h / 2 * k1.ds, rho: rho, tau: tau)
                let k3 = perceptronClosedForm(m: m + h / 2 * k2.dm, s: s + h / 2 * k2.ds, rho: rho, tau: tau)
                let k4 = perceptronClosedForm(m: m + h * k3.dm, s: s + h * k3.ds, rho: rho, tau: tau)
                m += h / 6 * (k1.dm + 2 * k2.dm + 2 * k3.dm + k4.dm)
                s += h / 6 * (k1.ds + 2 * k2.ds + 2 * k3.ds + k4.ds)
                t += h
            }
            let reference = ClassifierIntegrals.classificationError(m: m, orthogonal: s, rho: rho)
            let error = result.classificationError[k]
            #expect(abs(error - reference) < 1e-6 * reference, "t = \(target): ε_g \(error) vs reference \(reference)")
            let cancelled = ClassifierIntegrals.classificationError(m: result.m[k], q: result.q[k], rho: rho)
            if k <= 3 { #expect(abs(cancelled - reference) > 1e-2 * reference, "t = \(target): the (m, q) route \(cancelled) unexpectedly agrees") }
        }
        #expect(result.classificationError.first! < 1e-8 && result.classificationError.last! > 1e-5)
    }

    @Test func badScenariosAreRejected() {
        #expect(throws: ScenarioError.self) { try ClassifierScenario(loss: .hinge, learningRate: 0) }
        #expect(throws: ScenarioError.self) { try ClassifierScenario(loss: .hinge, learningRate: 1, flipProbability: 0.7) }
        #expect(throws: ScenarioError.self) { try ClassifierScenario(loss: .hinge, learningRate: 1, noiseVariance: -1) }
        #expect(throws: ScenarioError.self) { try ClassifierScenario(loss: .hinge, learningRate: 1, initialOverlap: 0.5, initialSelfOverlap: 0.1) }
    }
}
