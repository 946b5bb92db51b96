import Foundation
import Testing
@testable import OnlineTheory
import ODEIntegration
import Randomness
import Scenarios

@Suite struct LinearRegressionFluctuationTests {
    /// D against the sample covariance of d·Δm and d·Δe over many single SGD steps from one fixed pair (w, w*) at
    /// d = 400, each step applied to the vectors as the scenario defines it (B fresh samples, weight decay, label noise).
    @Test(arguments: [(0.7, 0.3, 0.1, 1, 0.4, 0.6), (1.5, 0.0, 0.0, 3, 0.8, 0.9), (0.3, 1.0, 0.5, 2, -0.2, 0.5)])
    func diffusionMatchesOneStepMonteCarlo(tau: Double, sigma2: Double, kappa: Double, batch: Int, m0: Double, q0: Double) throws {
        let d = 400, dd = Double(d), steps = 80_000
        var rng = Xoshiro256(seed: 11, stream: UInt64(batch))
        let teacher = (0..<d).map { _ in rng.nextGaussian() }
        let rho = teacher.reduce(0) { $0 + $1 * $1 } / dd
        var z = (0..<d).map { _ in rng.nextGaussian() }
        let proj = zip(z, teacher).reduce(0) { $0 + $1.0 * $1.1 } / (rho * dd)
        for i in 0..<d { z[i] -= proj * teacher[i] }
        let zn = (z.reduce(0) { $0 + $1 * $1 } / dd).squareRoot()
        let a = m0 / rho, b = (q0 - m0 * m0 / rho).squareRoot() / zn
        let student = (0..<d).map { a * teacher[$0] + b * z[$0] }
        let m = zip(student, teacher).reduce(0) { $0 + $1.0 * $1.1 } / dd
        let diff = (0..<d).map { student[$0] - teacher[$0] }
        let e = 0.5 * diff.reduce(0) { $0 + $1 * $1 } / dd
        var x = [Double](repeating: 0, count: d), step = [Double](repeating: 0, count: d)
        var sumM = 0.0, sumE = 0.0, sumMM = 0.0, sumME = 0.0, sumEE = 0.0
        let sigma = sigma2.squareRoot(), root = dd.squareRoot()
        for _ in 0..<steps {
            // Δw = −τ[(1/B) Σ_b r_b x_b/√d + (κ/d) w]
            for i in 0..<d { step[i] = -tau * kappa / dd * student[i] }
            for _ in 0..<batch {
                rng.fillGaussian(&x)
                var lambda = 0.0, nu = 0.0
                for i in 0..<d { lambda += student[i] * x[i]; nu += teacher[i] * x[i] }
                let r = (lambda - nu) / root - sigma * rng.nextGaussian()
                let c = -tau * r / (Double(batch) * root)
                for i in 0..<d { step[i] += c * x[i] }
            }
            var dm = 0.0, de = 0.0
            for i in 0..<d { dm += step[i] * teacher[i]; de += diff[i] * step[i] + 0.5 * step[i] * step[i] }
            sumM += dm; sumE += de; sumMM += dm * dm; sumME += dm * de; sumEE += de * de
        }
        // dm = Δw·w* = d·Δm and de = (w − w*)·Δw + ½|Δw|² = d·Δe: the scaled increments whose covariance is D.
        let n = Double(steps)
        func cov(_ sxy: Double, _ sx: Double, _ sy: Double) -> Double { (sxy - sx * sy / n) / (n - 1) }
        let measured = (mm: cov(sumMM, sumM, sumM), me: cov(sumME, sumM, sumE), ee: cov(sumEE, sumE, sumE))
        let optimiser = try Optimiser(learningRate: tau, batchSize: batch)
        let predicted = LinearRegressionFluctuations.diffusion(coefficients: optimiser.coefficients(at: 0), batchSize: batch,
                                                               noiseVariance: sigma2, m: m, e: e, rho: rho)
        // Sample variances of these heavy-tailed products scatter by ≈ 3.7/√n ≈ 1.3%; 6% is > 4σ, and an error in any
        // term of D (a factor 2, a missing σ² or n term) moves it by far more.
        #expect(abs(measured.mm / predicted.mm - 1) < 0.06, "D_mm \(measured.mm) vs \(predicted.mm)")
        #expect(abs(measured.ee / predicted.ee - 1) < 0.06, "D_ee \(measured.ee) vs \(predicted.ee)")
        #expect(abs(measured.me - predicted.me) < 0.06 * (predicted.mm * predicted.ee).squareRoot(), "D_me \(measured.me) vs \(predicted.me)")
        // The mean increments are the drift (a check of the step itself).
        let mean = (sumM / n, sumE / n)
        let driftM = tau * (rho - m) - tau * kappa * m
        #expect(abs(mean.0 - driftM) < 5 * (predicted.mm / n).squareRoot() + 1e-12)
    }

    /// Noise-free, κ = 0, B = 1: with c = τ² − 2τ, e(t) = e₀e^{ct}, Σ_eρ = ρ²e^{ct} and
    /// dΣ_ee/dt = 2cΣ_ee + 2e²c², so Σ_ee(t) = e^{2ct}(ρ²/2 + 2e₀²c²t) exactly.
    @Test func noiseFreeErrorVarianceHasClosedForm() throws {
        let tau = 0.6, rho = 1.3, m0 = 0.2, q0 = 0.4
        let theory = LinearRegressionTheory(scenario: try LinearRegressionScenario(learningRate: tau, teacherNorm: rho, initialOverlap: m0, initialSelfOverlap: q0))
        let times = stride(from: 0.0, through: 40, by: 4).map { $0 }
        let prediction = try theory.fluctuations(times: times)
        let c = tau * tau - 2 * tau, e0 = 0.5 * (rho - 2 * m0 + q0)
        for (index, t) in times.enumerated() {
            let sigma = prediction.spread.covariance[index]
            let exact = exp(2 * c * t) * (rho * rho / 2 + 2 * e0 * e0 * c * c * t)
            #expect(abs(sigma[4] / exact - 1) < 1e-7, "Σ_ee(\(t)) \(sigma[4]) vs \(exact)")
            #expect(abs(sigma[5] / (rho * rho * exp(c * t)) - 1) < 1e-7)
            // e_g's relative spread stays O(1/√d): down to 1e-30 at t = 40 without cancellation.
            let relative = prediction.standardDeviations(dimension: 1)[2].values[index] / prediction.spread.mean[index][1]
            #expect(abs(relative / ((rho * rho / 2 + 2 * e0 * e0 * c * c * t).squareRoot() / e0) - 1) < 1e-7)
        }
    }

    /// Below τ_c, Σ(t) tends to the solution of the Lyapunov equation JΣ + ΣJᵀ + D = 0 (Σ_ρρ = 2ρ² fixed), solved
    /// here as a 5 × 5 linear system at the fixed point.
    @Test(arguments: [(0.5, 0.25, 0.0, 1), (1.2, 0.5, 0.2, 2), (0.9, 0.1, 0.05, 1)])
    func stationaryCovarianceSolvesLyapunov(tau: Double, sigma2: Double, kappa: Double, batch: Int) throws {
        let rho = 1.0
        let scenario = try LinearRegressionScenario(optimiser: try Optimiser(learningRate: tau, batchSize: batch), noiseVariance: sigma2, weightDecay: kappa)
        let prediction = try LinearRegressionTheory(scenario: scenario).fluctuations(times: [0, 50, 100])
        let star = try #require(scenario.steadyState(rho: rho))
        let flow = try LinearRegressionFluctuations(scenario: scenario)
        let phi = [star.m, star.generalisationError, rho]
        var j = [Double](repeating: 0, count: 9), dMatrix = [Double](repeating: 0, count: 9)
        phi.withUnsafeBufferPointer { p in
            j.withUnsafeMutableBufferPointer { flow.jacobian(time: 0, state: p, jacobian: $0) }
            dMatrix.withUnsafeMutableBufferPointer { flow.diffusion(time: 0, state: p, diffusion: $0) }
        }
        // Unknowns s = (Σ_mm, Σ_me, Σ_ee, Σ_mρ, Σ_eρ); Σ_ρρ = 2ρ².
        let pairs = [(0, 0), (0, 1), (1, 1), (0, 2), (1, 2)]
        func sigma(_ s: [Double], _ a: Int, _ b: Int) -> Double {
            if a == 2 && b == 2 { return 2 * rho * rho }
            return s[pairs.firstIndex { $0 == (min(a, b), max(a, b)) }!]
        }
        func residual(_ s: [Double]) -> [Double] {
            pairs.map { (a, b) in (0..<3).reduce(dMatrix[a * 3 + b]) { $0 + j[a * 3 + $1] * sigma(s, $1, b) + sigma(s, a, $1) * j[b * 3 + $1] } }
        }
        // The residual is affine in s: columns from unit vectors, then Gaussian elimination.
        let r0 = residual([0, 0, 0, 0, 0])
        var matrix = (0..<5).map { row in (0..<5).map { col in residual((0..<5).map { $0 == col ? 1 : 0 })[row] - r0[row] } }
        var rhs = r0.map { -$0 }
        for col in 0..<5 {
            let pivot = (col..<5).max { abs(matrix[$0][col]) < abs(matrix[$1][col]) }!
            matrix.swapAt(col, pivot); rhs.swapAt(col, pivot)
            for row in (col + 1)..<5 {
                let f = matrix[row][col] / matrix[col][col]
                for k in col..<5 { matrix[row][k] -= f * matrix[col][k] }
                rhs[row] -= f * rhs[col]
            }
        }
        var s = [Double](repeating: 0, count: 5)
        for row in (0..<5).reversed() { s[row] = (rhs[row] - ((row + 1)..<5).reduce(0) { $0 + matrix[row][$1] * s[$1] }) / matrix[row][row] }
        let last = prediction.spread.covariance[2]
        for (index, (a, b)) in pairs.enumerated() {
            #expect(abs(last[a * 3 + b] - s[index]) < 1e-7 * (1 + abs(s[index])), "Σ_\(a)\(b) \(last[a * 3 + b]) vs \(s[index])")
        }
    }

    /// J is the drift's derivative: central differences of g at a generic state, with decay, noise and a batch.
    @Test func jacobianIsTheDriftsDerivative() throws {
        let scenario = try LinearRegressionScenario(optimiser: try Optimiser(learningRate: 0.9, batchSize: 3), noiseVariance: 0.4, weightDecay: 0.3)
        let flow = try LinearRegressionFluctuations(scenario: scenario)
        let phi = [0.3, 0.45, 1.2], h = 1e-6
        var j = [Double](repeating: .nan, count: 9)
        phi.withUnsafeBufferPointer { p in j.withUnsafeMutableBufferPointer { flow.jacobian(time: 0, state: p, jacobian: $0) } }
        func drift(_ x: [Double]) -> [Double] {
            var g = [Double](repeating: 0, count: 3)
            x.withUnsafeBufferPointer { p in g.withUnsafeMutableBufferPointer { flow.drift(time: 0, state: p, derivative: $0) } }
            return g
        }
        for col in 0..<3 {
            var up = phi, down = phi
            up[col] += h; down[col] -= h
            let (gu, gd) = (drift(up), drift(down))
            for row in 0..<3 { #expect(abs((gu[row] - gd[row]) / (2 * h) - j[row * 3 + col]) < 1e-8, "J[\(row)][\(col)]") }
        }
    }

    /// A start at perfect learning: e_g(0) given (as a simulation's measured mean) rather than ½(ρ − 2m + q), which
    /// cancels to 0; noise-free, e and its spread then decay from it like the theory's own e_g.
    @Test func initialErrorIsTheGivenOne() throws {
        let theory = LinearRegressionTheory(scenario: try LinearRegressionScenario(learningRate: 0.5, initialOverlap: 1, initialSelfOverlap: 1))
        let start = LinearOrderParameters(m: 1, q: 1, rho: 1), times = [0, 1, 2.0]
        let prediction = try theory.fluctuations(times: times, from: start, initialError: 1e-20)
        let curve = try theory.solve(times: times, from: start, initialError: 1e-20).generalisationError
        for k in times.indices { #expect(abs(prediction.spread.mean[k][1] / curve[k] - 1) < 1e-8) }
    }

    @Test func momentumIsRefused() throws {
        let scenario = try LinearRegressionScenario(optimiser: try Optimiser(learningRate: 0.5, momentum: 0.5))
        #expect(throws: ScenarioError.self) { try LinearRegressionTheory(scenario: scenario).fluctuations(times: [0, 1]) }
    }
}
