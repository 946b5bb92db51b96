import Foundation
@testable import GaussianIntegrals
import Randomness
import Testing

/// Monte Carlo estimate of E[f(u)], u ~ N(0, C), with its standard error.
func monteCarlo(_ c: [Double], dimension d: Int, samples: Int = 400_000, seed: UInt64 = 1,
                _ f: ([Double]) -> Double) -> (mean: Double, error: Double) {
    let l = Cholesky.factor(c, dimension: d, tolerance: 1e-10)!
    var rng = Xoshiro256(seed: seed, stream: 0)
    var z = [Double](repeating: 0, count: d), u = z
    var sum = 0.0, sumSquares = 0.0
    for _ in 0..<samples {
        for a in 0..<d { z[a] = rng.nextGaussian() }
        for a in 0..<d { var s = 0.0; for b in 0...a { s += l[a * d + b] * z[b] }; u[a] = s }
        let value = f(u)
        sum += value; sumSquares += value * value
    }
    let mean = sum / Double(samples)
    return (mean, ((sumSquares / Double(samples) - mean * mean) / Double(samples)).squareRoot())
}

/// Random covariance matrices with unit-ish diagonals, including a singular one (two identical fields).
enum Covariances {
    /// A Aᵀ/d + 0.2 I with A Gaussian, from `Xoshiro256(seed:stream:)`.
    static func random(_ d: Int, seed: UInt64, stream: UInt64 = 9) -> [Double] {
        var rng = Xoshiro256(seed: seed, stream: stream)
        let a = (0..<(d * d)).map { _ in rng.nextGaussian() }
        var c = [Double](repeating: 0, count: d * d)
        for i in 0..<d { for j in 0..<d { for k in 0..<d { c[i * d + j] += a[i * d + k] * a[j * d + k] / Double(d) } } }
        for i in 0..<d { c[i * d + i] += 0.2 }
        return c
    }

    /// Fields 0 and 1 identical (as in I4(i, i, …)).
    static func singular(seed: UInt64) -> [Double] {
        let c3 = random(3, seed: seed)
        let map = [0, 0, 1, 2]
        return (0..<16).map { c3[map[$0 / 4] * 3 + map[$0 % 4]] }
    }

    static func simd(_ c: [Double]) -> SIMD16<Double> {
        var m = SIMD16<Double>(repeating: 0)
        for i in 0..<16 { m[i] = c[i] }
        return m
    }
}

@Suite struct QuadratureRuleTests {
    @Test(arguments: [1, 2, 5, 10, 20, 40])
    func gaussHermiteIntegratesNormalMoments(order: Int) {
        let rule = GaussHermite.rule(order: order)
        func moment(_ k: Int) -> Double { zip(rule.nodes, rule.weights).reduce(0) { $0 + $1.1 * pow($1.0, Double(k)) } }
        var doubleFactorial = 1.0
        for k in stride(from: 0, through: 2 * order - 1, by: 2) {
            if k > 0 { doubleFactorial *= Double(k - 1) }
            #expect(abs(moment(k) - doubleFactorial) <= 1e-11 * doubleFactorial, "E[z^\(k)] with \(order) nodes")
            #expect(abs(moment(k + 1)) <= 1e-10 * doubleFactorial * 10)
        }
        #expect(zip(rule.nodes, rule.nodes.reversed()).allSatisfy { abs($0 + $1) < 1e-12 })
    }

    @Test func twoPointRuleIsPlusMinusOne() {
        let rule = GaussHermite.rule(order: 2)
        #expect(abs(rule.nodes[0] + 1) < 1e-14 && abs(rule.nodes[1] - 1) < 1e-14)
        #expect(abs(rule.weights[0] - 0.5) < 1e-14)
    }

    /// A user's rule: validated, and applied by `expectation(_:)` (the two-point rule ±1 gives E[z²] = 1, E[z⁴] = 1).
    @Test func aRuleOfOnesOwn() throws {
        let rule = try QuadratureRule(validatingNodes: [-1, 1], weights: [0.5, 0.5])
        #expect(rule == GaussHermite.rule(order: 2) || abs(rule.expectation { $0 * $0 } - 1) < 1e-15)
        #expect(rule.expectation { $0 * $0 * $0 * $0 } == 1)
        #expect(throws: ActivationError.self) { try QuadratureRule(validatingNodes: [], weights: []) }
        #expect(throws: ActivationError.self) { try QuadratureRule(validatingNodes: [0, 1], weights: [1]) }
        #expect(throws: ActivationError.self) { try QuadratureRule(validatingNodes: [.nan], weights: [1]) }
    }

    @Test func gaussLegendreIntegratesPolynomials() {
        let rule = GaussLegendre.rule(order: 12)
        for k in 0..<24 {
            let integral = zip(rule.nodes, rule.weights).reduce(0) { $0 + $1.1 * pow($1.0, Double(k)) }
            #expect(abs(integral - 1 / Double(k + 1)) < 1e-14)
        }
    }

    @Test func choleskyHandlesSingularAndRejectsIndefinite() throws {
        let singular = Covariances.singular(seed: 3)
        let l = try #require(Cholesky.factor(singular, dimension: 4))
        for i in 0..<4 { for j in 0..<4 {
            let product = (0..<4).reduce(0) { $0 + l[i * 4 + $1] * l[j * 4 + $1] }
            #expect(abs(product - singular[i * 4 + j]) < 1e-12)
        } }
        #expect(!Cholesky.isPositiveDefinite(singular, dimension: 4))
        #expect(Cholesky.factor([1, 2, 2, 1], dimension: 2) == nil)
    }
}

@Suite struct ClosedFormTests {
    let quadrature = GaussianQuadrature(order: 60)
    let quadrature4 = GaussianQuadrature(order: 32)
    static let seeds: [UInt64] = [1, 2, 3]

    func sub(_ c: [Double], _ n: Int, _ idx: [Int]) -> [Double] { idx.flatMap { a in idx.map { b in c[a * n + b] } } }

    @Test(arguments: seeds)
    func erfClosedFormsMatchQuadrature(seed: UInt64) {
        let erf = Activation.erf
        for c in [Covariances.random(4, seed: seed), Covariances.singular(seed: seed)] {
            let g = erf.function, dg = erf.derivative
            let i2 = quadrature.expectation(covariance: sub(c, 4, [0, 2]), dimension: 2) { g($0[0]) * g($0[1]) }
            #expect(abs(ErfIntegrals.i2(c11: c[0], c12: c[2], c22: c[10]) - i2) < 1e-10)
            let j2 = quadrature.expectation(covariance: sub(c, 4, [0, 1]), dimension: 2) { dg($0[0]) * dg($0[1]) }
            #expect(abs(ErfIntegrals.j2(c11: c[0], c12: c[1], c22: c[5]) - j2) < 1e-9)
            let i3 = quadrature.expectation(covariance: sub(c, 4, [0, 1, 2]), dimension: 3) { dg($0[0]) * $0[1] * g($0[2]) }
            #expect(abs(ErfIntegrals.i3(c11: c[0], c12: c[1], c13: c[2], c23: c[6], c33: c[10]) - i3) < 1e-9)
            let i4 = quadrature4.expectation(covariance: c, dimension: 4) { dg($0[0]) * dg($0[1]) * g($0[2]) * g($0[3]) }
            let closed = ErfIntegrals.i4(c11: c[0], c12: c[1], c13: c[2], c14: c[3], c22: c[5], c23: c[6], c24: c[7],
                                         c33: c[10], c34: c[11], c44: c[15])
            #expect(abs(closed - i4) < 1e-8, "\(closed) vs \(i4)")
        }
    }

    @Test(arguments: seeds)
    func reluClosedFormsMatchTheirIntegrationByPartsRecursion(seed: UInt64) {
        let c = Covariances.random(3, seed: seed)
        var m = SIMD16<Double>(repeating: 0)
        for a in 0..<3 { for b in 0..<3 { m[a * 4 + b] = c[a * 3 + b] } }
        let i2 = ReLUIntegrals.moment(m, dimension: 3, theta: 0b011, first: 0, second: 1)
        #expect(abs(ReLUIntegrals.i2(c11: c[0], c12: c[1], c22: c[4]) - i2) < 1e-13)
        let j2 = ReLUIntegrals.moment(m, dimension: 3, theta: 0b011, first: -1, second: -1)
        #expect(abs(ReLUIntegrals.j2(c11: c[0], c12: c[1], c22: c[4]) - j2) < 1e-13)
        let i3 = ReLUIntegrals.moment(m, dimension: 3, theta: 0b101, first: 1, second: 2)
        #expect(abs(ReLUIntegrals.i3(c11: c[0], c12: c[1], c13: c[2], c23: c[5], c33: c[8]) - i3) < 1e-13)
    }

    @Test func orthantProbabilitiesHaveKnownValues() {
        // Equicorrelated ρ = 1/2: P = 1/(n+1) = 1/5 for four variables.
        var equi = SIMD16<Double>(repeating: 0.5)
        for i in 0..<4 { equi[i * 4 + i] = 1 }
        #expect(abs(ReLUIntegrals.orthant4(equi) - 0.2) < 1e-12)
        // Two independent pairs: the product of the bivariate orthant probabilities.
        var blocks = SIMD16<Double>(repeating: 0)
        for i in 0..<4 { blocks[i * 4 + i] = 1 }
        blocks[1] = 0.3; blocks[4] = 0.3; blocks[11] = -0.6; blocks[14] = -0.6
        let p = (0.25 + asin(0.3) / (2 * Double.pi)) * (0.25 + asin(-0.6) / (2 * Double.pi))
        #expect(abs(ReLUIntegrals.orthant4(blocks) - p) < 1e-12)
    }

    /// Nearly identical fields (as close to perfect learning): the orthant probability is continuous in ρ,
    /// so it must approach the merged (exactly singular) value smoothly, to ~√(1 − ρ) at most.
    @Test func orthantProbabilityIsAccurateNearSingularCorrelations() {
        var base = SIMD16<Double>(repeating: 0)
        let values: [Double] = [1, 0.3, 0.2, 0.1, 0.3, 1, 0.25, 0.15, 0.2, 0.25, 1, 0.35, 0.1, 0.15, 0.35, 1]
        for i in 0..<16 { base[i] = values[i] }
        // Make field 1 a copy of field 0: P4 → P3 of fields (0, 2, 3).
        var exact = base
        for x in [2, 3] { exact[1 * 4 + x] = base[x]; exact[x * 4 + 1] = base[x] }
        exact[1] = 1; exact[4] = 1
        let p3 = 0.125 + (asin(0.2) + asin(0.1) + asin(0.35)) / (4 * Double.pi)
        for epsilon in [1e-4, 1e-6, 1e-8, 1e-10] {
            var near = exact
            near[1] = 1 - epsilon; near[4] = 1 - epsilon
            // P4 − P3 = −P(u0 > 0, u1 < 0, u2 > 0, u3 > 0) = O(√ε).
            let difference = ReLUIntegrals.orthant4(near) - p3
            #expect(difference <= 1e-12 && difference > -epsilon.squareRoot(), "ε = \(epsilon): \(difference)")
        }
    }

    @Test(arguments: seeds)
    func reluI4MatchesMonteCarlo(seed: UInt64) {
        for c in [Covariances.random(4, seed: seed), Covariances.singular(seed: seed)] {
            let exact = ReLUIntegrals.i4(Covariances.simd(c))
            let (mean, error) = monteCarlo(c, dimension: 4, seed: seed) { u in
                (u[0] > 0 ? 1 : 0) * (u[1] > 0 ? 1 : 0) * max(0, u[2]) * max(0, u[3])
            }
            #expect(abs(exact - mean) < 5 * error, "I4 = \(exact), MC \(mean) ± \(error)")
        }
        // Perfectly aligned fields (perfect learning): E[θ(u)² relu(u)²] = C/2.
        let aligned = SIMD16<Double>(repeating: 0.7)
        #expect(abs(ReLUIntegrals.i4(aligned) - 0.35) < 1e-12)
    }

    @Test func erfI4MatchesMonteCarlo() {
        let c = Covariances.random(4, seed: 11)
        let exact = ErfIntegrals.i4(c11: c[0], c12: c[1], c13: c[2], c14: c[3], c22: c[5], c23: c[6], c24: c[7],
                                    c33: c[10], c34: c[11], c44: c[15])
        let g = Activation.erf.function, dg = Activation.erf.derivative
        let (mean, error) = monteCarlo(c, dimension: 4) { dg($0[0]) * dg($0[1]) * g($0[2]) * g($0[3]) }
        #expect(abs(exact - mean) < 5 * error)
    }

    @Test func committeeIntegralsUseQuadratureForMixedAndSmoothActivations() {
        let c = Covariances.random(4, seed: 5)
        // Fields 0, 1 student (tanh), 2, 3 teacher (erf): mixed → quadrature, checked against Monte Carlo.
        let integrals = CommitteeIntegrals(student: .tanh, teacher: .erf, studentUnits: 2, quadratureOrder: 16)
        let value = c.withUnsafeBufferPointer { integrals.i4($0.baseAddress!, stride: 4, 0, 1, 2, 3) }
        let (mean, error) = monteCarlo(c, dimension: 4) { u in
            (1 - tanh(u[0]) * tanh(u[0])) * (1 - tanh(u[1]) * tanh(u[1])) * erf(u[2] / 2.0.squareRoot()) * erf(u[3] / 2.0.squareRoot())
        }
        #expect(abs(value - mean) < 5 * error)
        let sigmoid = CommitteeIntegrals(student: .sigmoid, teacher: .sigmoid, studentUnits: 2)
        let i3 = c.withUnsafeBufferPointer { sigmoid.i3($0.baseAddress!, stride: 4, 0, 1, 3) }
        let (mc3, error3) = monteCarlo(c, dimension: 4) { u in
            let s0 = 1 / (1 + exp(-u[0])), s3 = 1 / (1 + exp(-u[3]))
            return s0 * (1 - s0) * u[1] * s3
        }
        #expect(abs(i3 - mc3) < 5 * error3)
    }

    @Test func activationsByName() throws {
        #expect(try Activation.named("ReLU").family == .relu)
        #expect(throws: ActivationError.self) { try Activation.named("swish") }
        let erf = Activation.erf
        // g' is the derivative of g.
        for x in [-2.0, -0.3, 0.4, 1.7] {
            let numeric = (erf.function(x + 1e-6) - erf.function(x - 1e-6)) / 2e-6
            #expect(abs(numeric - erf.derivative(x)) < 1e-8)
        }
    }
}
