import GaussianIntegrals
import OnlineTheory
import Randomness
import Scenarios
import Testing

/// The committee ODEs with biases: the right-hand side against Monte Carlo of the expected one-step increment (×d) over
/// the Gaussian local fields, written directly from the update rule rather than through I2, I3, I4:
///
///     d·E[ΔR_in] = η v_i E[g'(λ_i) ρ̃_n Δ],   d·E[ΔQ_ik] = η E[v_i g'(λ_i) λ̃_k Δ + (i ↔ k)] + η² v_i v_k E[g'(λ_i)g'(λ_k) Δ²],
///     d·E[Δv_i] = η_v E[g(λ_i) Δ],           d·E[Δb_i] = η_b v_i E[g'(λ_i) Δ],
///
/// with λ = λ̃ + b, ρ = ρ̃ + b* (λ̃, ρ̃ the centred fields) and Δ = Σ v* g*(ρ) − Σ v g(λ) + σζ.
@Suite struct CommitteeBiasTests {
    static func scenario(_ g: Activation, _ gStar: Activation) throws -> CommitteeScenario {
        try CommitteeScenario(
            studentUnits: 2, teacherUnits: 2, studentActivation: g, teacherActivation: gStar, learningRate: 0.7,
            secondLayerLearningRate: 0.4, noiseVariance: 0.09, initialSecondLayer: [0.8, 1.1],
            initialStudent: .overlaps(q: [0.9, 0.2, 0.2, 1.3], r: [0.5, -0.1, 0.1, 0.6]),
            biasLearningRate: 0.6, initialBiases: [0.4, -0.7], teacherBiases: [0.3, -0.5])
    }

    @Test(arguments: [(Activation.erf, Activation.erf), (.relu, .relu), (.tanh, .tanh), (.relu, .erf), (.linear, .linear)])
    func rightHandSideMatchesMonteCarloOfTheIncrement(g: Activation, gStar: Activation) throws {
        let scenario = try Self.scenario(g, gStar)
        let start = try #require(scenario.specifiedInitialState)
        let ode = CommitteeODE(scenario: scenario, initial: start)
        let layout = ode.layout
        #expect(layout.trainsBiases && layout.dimension == 3 + 4 + 2 + 2)
        let y = layout.state(of: start)
        var dy = [Double](repeating: 0, count: y.count)
        y.withUnsafeBufferPointer { yb in dy.withUnsafeMutableBufferPointer { ode.evaluate(time: 0, state: yb, derivative: $0) } }

        let c = start.fieldCovariance, l = try #require(Cholesky.factor(c, dimension: 4, tolerance: 1e-10))
        let eta = 0.7, etaV = 0.4, etaB = 0.6, sigma = 0.3, v = start.v, vStar = start.vStar
        let b = start.b, bStar = start.bStar
        var rng = Xoshiro256(seed: 11, stream: 2)
        let samples = 200_000
        var sums = [Double](repeating: 0, count: y.count), squares = sums
        var u = [Double](repeating: 0, count: 4), z = u, increment = sums
        for _ in 0..<samples {
            for a in 0..<4 { z[a] = rng.nextGaussian() }
            for a in 0..<4 { var s = 0.0; for c in 0...a { s += l[a * 4 + c] * z[c] }; u[a] = s }
            let lambda = [u[0] + b[0], u[1] + b[1]], rho = [u[2] + bStar[0], u[3] + bStar[1]]
            var delta = sigma * rng.nextGaussian()
            for n in 0..<2 { delta += vStar[n] * gStar.function(rho[n]) }
            for i in 0..<2 { delta -= v[i] * g.function(lambda[i]) }
            let slope = lambda.map { g.derivative($0) }
            for i in 0..<2 {
                for n in 0..<2 { increment[layout.rIndex(i, n)] = eta * v[i] * slope[i] * u[2 + n] * delta }
                for k in i..<2 {
                    increment[layout.qIndex(i, k)] = eta * (v[i] * slope[i] * u[k] + v[k] * slope[k] * u[i]) * delta
                        + eta * eta * v[i] * v[k] * slope[i] * slope[k] * delta * delta
                }
                increment[layout.vIndex(i)] = etaV * g.function(lambda[i]) * delta
                increment[layout.bIndex(i)] = etaB * v[i] * slope[i] * delta
            }
            for e in increment.indices { sums[e] += increment[e]; squares[e] += increment[e] * increment[e] }
        }
        for e in dy.indices {
            let mean = sums[e] / Double(samples)
            let error = ((squares[e] / Double(samples) - mean * mean) / Double(samples)).squareRoot()
            #expect(abs(dy[e] - mean) < 5 * error + 1e-4, "\(g)/\(gStar) component \(e): ODE \(dy[e]), Monte Carlo \(mean) ± \(error)")
        }
        // The biases genuinely drive: their drift is not negligible against its error.
        #expect(abs(dy[layout.bIndex(0)]) + abs(dy[layout.bIndex(1)]) > 0.01)
    }

    /// Biases that are exactly zero and untrained are no biases: the ODE is the one without them, bit for bit.
    @Test func zeroFixedBiasesChangeNothing() throws {
        let plain = try CommitteeScenario(studentUnits: 2, teacherUnits: 2, learningRate: 0.5,
                                          initialStudent: .diagonal(q0: 0.5, r0: 0.3, studentUnits: 2, teacherUnits: 2))
        let zero = try CommitteeScenario(studentUnits: 2, teacherUnits: 2, learningRate: 0.5,
                                         initialStudent: .diagonal(q0: 0.5, r0: 0.3, studentUnits: 2, teacherUnits: 2),
                                         initialBiases: [0, 0], teacherBiases: [0, 0])
        #expect(!zero.hasBiases)
        let a = try CommitteeTheory(scenario: plain).solve(times: [0, 1, 2])
        let b = try CommitteeTheory(scenario: zero).solve(times: [0, 1, 2])
        #expect(a.states == b.states)
    }

    /// A student learning a teacher with a bias learns it: noise-free erf, K = M = 1, from b = 0 towards b* = 0.5,
    /// ε_g falls by orders of magnitude while b → b* and R, Q → T.
    @Test func trainedBiasesApproachTheTeachers() throws {
        let scenario = try CommitteeScenario(
            studentUnits: 1, teacherUnits: 1, studentActivation: .erf, learningRate: 1,
            initialStudent: .diagonal(q0: 0.5, r0: 0.4, studentUnits: 1, teacherUnits: 1),
            biasLearningRate: 1, initialBiases: [0], teacherBiases: [0.5])
        let curve = try CommitteeTheory(scenario: scenario).solve(times: [0, 50, 400])
        #expect(curve.divergence == nil)
        let last = try #require(curve.states.last)
        #expect(curve.generalisationError[2] < 1e-4 * curve.generalisationError[0], "ε_g = \(curve.generalisationError)")
        #expect(abs(last.b[0] - 0.5) < 1e-2 && abs(last.r[0] - 1) < 1e-2 && abs(last.q[0] - 1) < 2e-2, "\(last)")
    }
}
