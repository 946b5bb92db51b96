import Foundation
@testable import GaussianIntegrals
import Randomness
import Testing

/// A random covariance of d fields (stream 21, as these tests were written with).
private func randomCovariance(_ d: Int, seed: UInt64) -> [Double] { Covariances.random(d, seed: seed, stream: 21) }

private func simd16(_ c: [Double], _ d: Int) -> SIMD16<Double> {
    var m = SIMD16<Double>(repeating: 0)
    for a in 0..<d { for b in 0..<d { m[a * 4 + b] = c[a * d + b] } }
    return m
}

@Suite struct GaussHermiteNodeTests {
    /// Known rules: n = 3 has nodes 0, ±√3 with weights 2/3, 1/6; n = 4 has nodes ±√(3 ∓ √6)
    /// with weights (3 ± √6)/12 (probabilists' Hermite polynomial He₄ = x⁴ − 6x² + 3).
    @Test func lowOrderRulesMatchKnownNodes() {
        let three = GaussHermite.rule(order: 3)
        #expect(abs(three.nodes[0] + 3.0.squareRoot()) < 1e-14 && abs(three.nodes[1]) < 1e-14
                && abs(three.nodes[2] - 3.0.squareRoot()) < 1e-14)
        #expect(abs(three.weights[0] - 1.0 / 6) < 1e-15 && abs(three.weights[1] - 2.0 / 3) < 1e-15)
        let four = GaussHermite.rule(order: 4)
        let inner = (3 - 6.0.squareRoot()).squareRoot(), outer = (3 + 6.0.squareRoot()).squareRoot()
        #expect(abs(four.nodes[3] - outer) < 1e-14 && abs(four.nodes[2] - inner) < 1e-14)
        #expect(abs(four.weights[2] - (3 + 6.0.squareRoot()) / 12) < 1e-15)
        #expect(abs(four.weights[3] - (3 - 6.0.squareRoot()) / 12) < 1e-15)
    }

    /// High orders stay accurate: normalisation, low moments, E[cos z] = e^{−1/2}, E[e^{z}] = e^{1/2}, and
    /// every node a root of He_n (checked through the three-term recurrence, scaled).
    @Test(arguments: [60, 100, 120, 250, 400])
    func highOrderRulesAreAccurate(order: Int) {
        let rule = GaussHermite.rule(order: order)
        #expect(rule.nodes.count == order && zip(rule.nodes, rule.nodes.dropFirst()).allSatisfy { $0 < $1 })
        #expect(abs(rule.weights.reduce(0, +) - 1) < 1e-14)
        var doubleFactorial = 1.0
        for k in stride(from: 2, through: 16, by: 2) {
            doubleFactorial *= Double(k - 1)
            let moment = zip(rule.nodes, rule.weights).reduce(0) { $0 + $1.1 * pow($1.0, Double(k)) }
            #expect(abs(moment / doubleFactorial - 1) < 1e-13, "E[z^\(k)] at order \(order)")
        }
        let cosine = zip(rule.nodes, rule.weights).reduce(0) { $0 + $1.1 * cos($1.0) }
        #expect(abs(cosine - exp(-0.5)) < 1e-14)
        let exponential = zip(rule.nodes, rule.weights).reduce(0) { $0 + $1.1 * exp($1.0) }
        #expect(abs(exponential - exp(0.5)) < 1e-13)
        // Orthonormal recurrence h_{j} = (x h_{j−1} − √(j−1) h_{j−2})/√j for He_j/√(j!): h_n(node) = 0 relative
        // to the size of h_{n−1}.
        for x in rule.nodes {
            var previous = 0.0, current = 1.0
            for j in 1...order {
                let next = (x * current - (Double(j - 1)).squareRoot() * previous) / Double(j).squareRoot()
                previous = current
                current = next
            }
            #expect(abs(current) < 1e-9 * max(abs(previous), 1e-300) || abs(current) < 1e-12, "node \(x)")
        }
    }
}

@Suite struct TensorQuadratureTests {
    let quadrature = GaussianQuadrature(order: 6)

    /// Isserlis: E[u₀u₁u₂u₃] = C₀₁C₂₃ + C₀₂C₁₃ + C₀₃C₁₂ and E[u₀²u₁²] = C₀₀C₁₁ + 2C₀₁², exact for a
    /// rule of order ≥ 3, for both the generic and the product form, and for a singular covariance.
    @Test(arguments: [UInt64(1), 2, 3])
    func polynomialMomentsAreExact(seed: UInt64) {
        let random = randomCovariance(4, seed: seed)
        // Singular: field 2 = field 0 (a repeated local field), field 3 = field 1 − field 0.
        let c3 = randomCovariance(2, seed: seed)
        let map: [[Double]] = [[1, 0], [0, 1], [1, 0], [-1, 1]]
        var singular = [Double](repeating: 0, count: 16)
        for a in 0..<4 { for b in 0..<4 { for x in 0..<2 { for y in 0..<2 {
            singular[a * 4 + b] += map[a][x] * map[b][y] * c3[x * 2 + y]
        } } } }
        for c in [random, singular] {
            let isserlis = c[1] * c[11] + c[2] * c[7] + c[3] * c[6]
            let generic = quadrature.expectation(covariance: c, dimension: 4) { $0[0] * $0[1] * $0[2] * $0[3] }
            let product = quadrature.productExpectation(simd16(c, 4), dimension: 4, fields: SIMD4(0, 1, 2, 3),
                                                        { $0 }, { $0 }, { $0 }, { $0 })
            #expect(abs(generic - isserlis) < 1e-12 && abs(product - isserlis) < 1e-12, "\(generic) \(product) \(isserlis)")
            // Two factors on one field, factors out of order, one absent.
            let squares = quadrature.productExpectation(simd16(c, 4), dimension: 4, fields: SIMD4(3, 1, -1, 3),
                                                        { $0 }, { $0 * $0 }, { _ in 1e9 }, { $0 })
            #expect(abs(squares - (c[15] * c[5] + 2 * c[7] * c[7])) < 1e-12)
        }
    }

    /// A zero Cholesky column costs one node: E over four fields of which two coincide takes n³ evaluations.
    @Test func repeatedFieldsCollapseToLowerDimension() {
        let c3 = randomCovariance(3, seed: 7)
        let map = [0, 1, 1, 2]
        let c = (0..<16).map { c3[map[$0 / 4] * 3 + map[$0 % 4]] }
        var evaluations = 0
        let value = quadrature.productExpectation(simd16(c, 4), dimension: 4, fields: SIMD4(0, 1, 2, 3),
                                                  { tanh($0) }, { cos($0) }, { sin($0) }, { _ in evaluations += 1; return 1 })
        #expect(evaluations == 6 * 6 * 6)
        let reference = quadrature.productExpectation(simd16(c3, 3), dimension: 3, fields: SIMD4(0, 1, 1, -1),
                                                      { tanh($0) }, { cos($0) }, { sin($0) }, { _ in 1 })
        #expect(abs(value - reference) < 1e-15)
    }

    @Test func indefiniteCovarianceGivesNaN() {
        #expect(quadrature.expectation(covariance: [1, 2, 2, 1], dimension: 2) { $0[0] }.isNaN)
        let indefinite = SIMD16<Double>(1, 2, 0, 0, 2, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        #expect(quadrature.productExpectation(indefinite, dimension: 2, fields: SIMD4(0, 1, -1, -1),
                                              { $0 }, { $0 }, { $0 }, { $0 }).isNaN)
    }

    /// Both forms agree on smooth integrands (same rule, different summation order).
    @Test func productAndGenericFormsAgree() {
        let q = GaussianQuadrature(order: 12)
        let c = randomCovariance(4, seed: 5)
        let generic = q.expectation(covariance: c, dimension: 4) { tanh($0[0]) * $0[1] * sin($0[2]) * exp(-$0[3] * $0[3]) }
        let product = q.productExpectation(simd16(c, 4), dimension: 4, fields: SIMD4(0, 1, 2, 3),
                                           { tanh($0) }, { $0 }, { sin($0) }, { exp(-$0 * $0) })
        #expect(abs(generic - product) < 1e-14)
    }
}

@Suite struct GaussianTrapezoidTests {
    func expectation(_ rule: QuadratureRule, _ f: (Double) -> Double) -> Double {
        zip(rule.nodes, rule.weights).reduce(0) { $0 + $1.1 * f($1.0) }
    }

    /// Normalised, symmetric, equally spaced, and exact up to the third moment.
    @Test(arguments: [1, 2, 10, 14, 15, 64])
    func lowMomentsAreExact(nodes n: Int) {
        let rule = GaussianTrapezoid.rule(nodes: n)
        #expect(rule.nodes.count == n && abs(rule.weights.reduce(0, +) - 1) < 1e-14)
        for i in 0..<n {
            #expect(abs(rule.nodes[i] + rule.nodes[n - 1 - i]) < 1e-14 && abs(rule.weights[i] - rule.weights[n - 1 - i]) < 1e-16)
        }
        if n > 2 {
            let step = rule.nodes[1] - rule.nodes[0]
            #expect(zip(rule.nodes, rule.nodes.dropFirst()).allSatisfy { abs($1 - $0 - step) < 1e-13 })
        }
        #expect(abs(expectation(rule) { $0 }) < 1e-15 && abs(expectation(rule) { $0 * $0 * $0 }) < 1e-14)
        if n > 1 { #expect(abs(expectation(rule) { $0 * $0 } - 1) < 1e-14) }
    }

    /// tanh has poles at ±iπ/2: at equal node counts the trapezoid rule beats Gauss–Hermite on E[tanh²(σz)] and
    /// E[tanh'²(σz) tanh²(σz)] (the shape of the I4 integrand; its sixth-order poles make it the hardest) for
    /// σ² = 1 and 2, by a factor that grows with n (measured: 5–30× at 14–15 nodes, 22–200× at 28, ≥ 290× at 64).
    @Test func beatsGaussHermiteOnTanh() {
        let reference = GaussHermite.rule(order: 400)
        for sigma in [1.0, 2.0.squareRoot()] {
            let integrands: [(Double) -> Double] = [
                { tanh(sigma * $0) * tanh(sigma * $0) },
                { let t = tanh(sigma * $0); return (1 - t * t) * (1 - t * t) * t * t },
            ]
            for f in integrands {
                let exact = expectation(reference, f)
                for (n, factor) in [(14, 4.0), (15, 4), (20, 8), (28, 15), (64, 200)] {
                    let trapezoid = abs(expectation(GaussianTrapezoid.rule(nodes: n), f) - exact)
                    let gaussHermite = abs(expectation(GaussHermite.rule(order: n), f) - exact)
                    #expect(trapezoid * factor < gaussHermite, "σ = \(sigma), n = \(n): \(trapezoid) vs \(gaussHermite)")
                }
                #expect(abs(expectation(GaussianTrapezoid.rule(nodes: 64), f) - exact) < 1e-6)
            }
        }
    }

    @Test func tanhCommitteesUseTheTrapezoidRule() {
        let tanh = CommitteeIntegrals(student: .tanh, teacher: .erf, studentUnits: 2, quadratureOrder: 15)
        #expect(tanh.quadrature.rule == GaussianTrapezoid.rule(nodes: 15))
        #expect(tanh.planarQuadrature.rule == GaussianTrapezoid.rule(nodes: CommitteeIntegrals.planarOrder))
        let sigmoid = CommitteeIntegrals(student: .sigmoid, teacher: .sigmoid, studentUnits: 2, quadratureOrder: 15)
        #expect(sigmoid.quadrature.rule == GaussHermite.rule(order: 15))
        #expect(sigmoid.planarQuadrature.rule == GaussHermite.rule(order: CommitteeIntegrals.planarOrder))
    }
}
