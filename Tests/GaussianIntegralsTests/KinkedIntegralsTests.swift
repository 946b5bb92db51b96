import Foundation
@testable import GaussianIntegrals
import Testing

/// An independent route to E[Πₖ fₖ(u_{fieldₖ})] for u ~ N(0, C): sequential conditioning in the fields' own
/// coordinates. The kinked fields are integrated one after the other over their conditional densities,
/// u_i | u_<i ~ N(β·u_<i, σ²), on [μ − 9σ, μ + 9σ] split exactly at their kinks (in u space a kink is a fixed
/// point) and graded towards them, and the smooth fields jointly, given all kinked ones, by a 28-node Gaussian
/// trapezoid tensor rule (smooth integrand). Shares no code with `KinkedGaussianQuadrature` but 1-D rules.
struct ConditionalReference {
    let covariance: [Double]
    let dimension: Int
    let factors: [(field: Int, function: (Double) -> Double)]
    let kinks: [[Double]]

    /// Regression coefficients and residual variance of field `target` on the fields `given`.
    func regression(_ target: Int, on given: [Int]) -> (beta: [Double], variance: Double) {
        let n = dimension
        guard !given.isEmpty else { return ([], covariance[target * n + target]) }
        let g = given.count
        var a = [Double](repeating: 0, count: g * g), b = [Double](repeating: 0, count: g)
        for i in 0..<g {
            b[i] = covariance[given[i] * n + target]
            for j in 0..<g { a[i * g + j] = covariance[given[i] * n + given[j]] }
        }
        // Gauss–Jordan with partial pivoting (g ≤ 3).
        for col in 0..<g {
            let pivot = (col..<g).max { abs(a[$0 * g + col]) < abs(a[$1 * g + col]) }!
            for j in 0..<g { a.swapAt(col * g + j, pivot * g + j) }
            b.swapAt(col, pivot)
            for row in 0..<g where row != col {
                let factor = a[row * g + col] / a[col * g + col]
                for j in 0..<g { a[row * g + j] -= factor * a[col * g + j] }
                b[row] -= factor * b[col]
            }
        }
        let beta = (0..<g).map { b[$0] / a[$0 * g + $0] }
        var variance = covariance[target * n + target]
        for i in 0..<g { variance -= beta[i] * covariance[given[i] * n + target] }
        return (beta, max(0, variance))
    }

    func value() -> Double {
        let kinked = (0..<dimension).filter { !kinks[$0].isEmpty }
        let smooth = (0..<dimension).filter { kinks[$0].isEmpty }
        let conditionals = kinked.indices.map { regression(kinked[$0], on: Array(kinked[..<$0])) }
        // Smooth fields given all kinked ones: means β_s·u_K and the conditional covariance.
        let smoothMeans = smooth.map { regression($0, on: kinked).beta }
        var smoothCovariance = [Double](repeating: 0, count: smooth.count * smooth.count)
        for (i, s) in smooth.enumerated() {
            for (j, t) in smooth.enumerated() {
                var value = covariance[s * dimension + t]
                let beta = smoothMeans[i]
                for (k, field) in kinked.enumerated() { value -= beta[k] * covariance[field * dimension + t] }
                smoothCovariance[i * smooth.count + j] = value
            }
        }
        for i in smooth.indices { for j in 0..<i {
            let mean = 0.5 * (smoothCovariance[i * smooth.count + j] + smoothCovariance[j * smooth.count + i])
            smoothCovariance[i * smooth.count + j] = mean; smoothCovariance[j * smooth.count + i] = mean
        } }
        let inner = GaussianQuadrature(rule: GaussianTrapezoid.rule(nodes: 28))
        func product(_ u: [Double]) -> Double {
            factors.reduce(1) { $0 * $1.function(u[$1.field]) }
        }
        func smoothExpectation(_ u: [Double]) -> Double {
            guard !smooth.isEmpty else { return product(u) }
            let means = smoothMeans.map { beta in zip(beta, kinked).reduce(0) { $0 + $1.0 * u[$1.1] } }
            return inner.expectation(covariance: smoothCovariance, dimension: smooth.count) { z in
                var full = u
                for (i, s) in smooth.enumerated() { full[s] = means[i] + z[i] }
                return product(full)
            }
        }
        let legendre = GaussLegendre.rule(order: 12)
        func level(_ i: Int, _ u: [Double]) -> Double {
            guard i < kinked.count else { return smoothExpectation(u) }
            let field = kinked[i], (beta, variance) = conditionals[i]
            let mean = zip(beta, kinked).reduce(0) { $0 + $1.0 * u[$1.1] }, sd = variance.squareRoot()
            let lo = mean - 9 * sd, hi = mean + 9 * sd
            // Pieces between the kinks, graded towards them (k ± 0.01σ … 3σ, where the kinks of later, strongly
            // correlated fields leave narrow transitions), 12 Gauss–Legendre nodes each.
            var points = [lo, hi]
            for k in kinks[field] {
                points.append(k)
                for offset in [0.02, 0.15, 0.6, 2] { points += [k - offset * sd, k + offset * sd] }
            }
            points = points.filter { $0 >= lo && $0 <= hi }.sorted()
            var total = 0.0
            for (a, b) in zip(points, points.dropFirst()) where b > a {
                for (t, w) in zip(legendre.nodes, legendre.weights) {
                    let x = a + (b - a) * t
                    var next = u
                    next[field] = x
                    let density = exp(-0.5 * (x - mean) * (x - mean) / variance) / (2 * Double.pi * variance).squareRoot()
                    total += (b - a) * w * density * level(i + 1, next)
                }
            }
            return total
        }
        return level(0, [Double](repeating: 0, count: dimension))
    }
}

/// Hard tanh, clamp(x, −1, 1): a custom piecewise activation with kinks at ±1.
let hardTanh = Activation(name: "hardtanh", function: { min(1, max(-1, $0)) }, derivative: { abs($0) < 1 ? 1 : 0 },
                          kinks: [-1, 1])

/// Four fields (0, 1 student, 2, 3 teacher) with chosen correlations: student–student `studentCorrelation`,
/// student 0 with teacher 2 `alignment`, the rest moderate; variances 0.8–1.3.
func fieldCovariance(studentCorrelation rho: Double, alignment: Double) -> [Double] {
    // Rows are the fields' loadings on five independent directions.
    let s = (1 - rho * rho).squareRoot(), a = (1 - alignment * alignment).squareRoot()
    let rows: [[Double]] = [
        [1, 0, 0, 0, 0],
        [rho, s * 0.8, s * 0.6, 0, 0],
        [alignment, 0, a * 0.6, a * 0.8, 0],
        [0.3, 0.2, 0.4, 0.3, 0.78],
    ]
    let scale = [1.1, 0.9, 1.0, 1.3].map { $0.squareRoot() }
    var c = [Double](repeating: 0, count: 16)
    for i in 0..<4 { for j in 0..<4 {
        c[i * 4 + j] = scale[i] * scale[j] * zip(rows[i], rows[j]).reduce(0) { $0 + $1.0 * $1.1 }
    } }
    return c
}

@Suite struct KinkedIntegralsTests {
    /// The half-range rule: positive ascending nodes, and the moments ∫₀^∞ x^k φ(x) dx = 2^{k/2}Γ((k+1)/2)/(2√π)
    /// (½ for k = 0) exact up to degree 2n − 1.
    @Test(arguments: [1, 4, 10, 27, 43])
    func halfRangeRuleIsExactOnMoments(order n: Int) {
        let rule = HalfRangeHermite.rule(order: n)
        #expect(rule.nodes.count == n && rule.nodes.allSatisfy { $0 > 0 } && zip(rule.nodes, rule.nodes.dropFirst()).allSatisfy { $0 < $1 })
        for k in 0..<(2 * n) where k <= 30 {
            let exact = pow(2, Double(k) / 2) * tgamma(Double(k + 1) / 2) / (2 * Double.pi.squareRoot())
            let moment = zip(rule.nodes, rule.weights).reduce(0) { $0 + $1.1 * pow($1.0, Double(k)) }
            #expect(abs(moment / exact - 1) < 1e-11, "n = \(n), E[x^\(k); x > 0] = \(moment) vs \(exact)")
        }
    }

    /// Every committee integral that mixes a piecewise activation with another one (ReLU with tanh, sigmoid, erf,
    /// linear, in both roles; the custom hard tanh, kinks at ±1, with tanh and with itself) against the
    /// conditional reference, at a generic covariance and with a student aligned with a teacher (correlation 0.99). The tolerance 2e-6 is far below the error of a smooth rule run
    /// across the kink (checked: the same integrals with the kinks undeclared miss it by > 1e-4 somewhere).
    @Test(arguments: [
        ("relu", "tanh"), ("tanh", "relu"), ("relu", "sigmoid"), ("erf", "relu"), ("linear", "relu"),
        ("hardtanh", "tanh"), ("hardtanh", "hardtanh"),
    ])
    func mixedIntegralsMatchTheConditionalReference(student: String, teacher: String) throws {
        func named(_ name: String) throws -> Activation { name == "hardtanh" ? hardTanh : try Activation.named(name) }
        let g = try named(student), gStar = try named(teacher)
        // Order 31, so that the smooth levels (tanh: ~1e-5 at the default 15 nodes) do not mask the kinks.
        let integrals = CommitteeIntegrals(student: g, teacher: gStar, studentUnits: 2, quadratureOrder: 31)
        #expect(integrals.kinkedQuadrature != nil)
        // The same activations with their kinks undeclared: the smooth rule across the kink (the old behaviour).
        func smoothed(_ a: Activation) -> Activation {
            Activation(name: a.name, function: a.function, derivative: a.derivative, quadratureRule: a.quadratureRule)
        }
        let acrossKinks = CommitteeIntegrals(student: smoothed(g), teacher: smoothed(gStar), studentUnits: 2, quadratureOrder: 31)
        func activation(_ field: Int) -> Activation { field < 2 ? g : gStar }
        typealias Case = (name: String, value: (CommitteeIntegrals, UnsafePointer<Double>) -> Double,
                          factors: [(Int, (Double) -> Double)], kinked: [Bool])
        var cases: [Case] = []
        for (a, b) in [(0, 2), (1, 3), (0, 1), (2, 3)] {
            cases.append(("I2(\(a),\(b))", { $0.i2($1, stride: 4, a, b) },
                          [(a, activation(a).function), (b, activation(b).function)], [true, true]))
        }
        cases.append(("J2(0,1)", { $0.j2($1, stride: 4, 0, 1) }, [(0, g.derivative), (1, g.derivative)], [true, true]))
        for (a, b, c) in [(0, 1, 2), (0, 2, 3), (1, 3, 2), (0, 3, 1)] {
            cases.append(("I3(\(a),\(b),\(c))", { $0.i3($1, stride: 4, a, b, c) },
                          [(a, g.derivative), (b, { $0 }), (c, activation(c).function)], [true, false, true]))
        }
        // I4 (four fields, two of them kinked) only for a ReLU student with a tanh teacher at the generic covariance: the
        // reference's nested levels make it by far the slowest case (about two minutes of the suite for both roles at
        // both covariances), and the kinked levels are the same code for every pair and role. (With both activations
        // piecewise, I4 has three or four kinked fields: too slow for the reference here.)
        let quartets = (student, teacher) == ("relu", "tanh") ? [(0, 1, 2, 3)] : []
        for (a, b, p, q) in quartets {
            cases.append(("I4(\(a),\(b),\(p),\(q))", { $0.i4($1, stride: 4, a, b, p, q) },
                          [(a, g.derivative), (b, g.derivative), (p, activation(p).function), (q, activation(q).function)],
                          [true, true, true, true]))
        }
        var worstAcross = 0.0
        // (Strongly correlated kinked fields, ρ = 0.99 between students, are left out: there this reference itself,
        // graded only down to 0.02σ, is off by ~1e-3 against the ReLU closed forms.)
        // (For two hard tanh fields aligned to 0.99 the reference is off by 5e-4: a 20001 × 20001 trapezoid rule in
        // the Cholesky coordinates gives I2(0,2) = 0.51839353, as the library does to 1e-8, and the reference
        // 0.51793; that pair is checked at the generic covariance only.)
        let covariances = student == "hardtanh" && teacher == "hardtanh" ? [(0.3, 0.5)] : [(0.3, 0.5), (0.3, 0.99)]
        for (rho, alignment) in covariances {
            let c = fieldCovariance(studentCorrelation: rho, alignment: alignment)
            for entry in cases where !(entry.name.hasPrefix("I4") && alignment > 0.5) {
                // The reference over the distinct fields of this integral, factors on them.
                let fields = Array(Set(entry.factors.map(\.0))).sorted()
                let sub = fields.flatMap { i in fields.map { j in c[i * 4 + j] } }
                // A field's kinks: those of the activation factors on it (a linear factor u_b has none).
                let kinks = fields.map { field in
                    zip(entry.factors, entry.kinked).contains { $0.0.0 == field && $0.1 } ? activation(field).kinks : []
                }
                let reference = ConditionalReference(
                    covariance: sub, dimension: fields.count,
                    factors: entry.factors.map { (fields.firstIndex(of: $0.0)!, $0.1) }, kinks: kinks).value()
                let (value, across) = c.withUnsafeBufferPointer { (entry.value(integrals, $0.baseAddress!), entry.value(acrossKinks, $0.baseAddress!)) }
                let scale = max(1, abs(reference))
                #expect(abs(value - reference) < 2e-6 * scale,
                        "\(student)/\(teacher) \(entry.name) ρ = \(rho), alignment \(alignment): \(value) vs \(reference)")
                worstAcross = max(worstAcross, abs(across - reference) / scale)
            }
        }
        #expect(worstAcross > 1e-4, "\(student)/\(teacher): the smooth rule across the kinks is off by only \(worstAcross)")
    }

    /// The plain paths are untouched: closed forms and smooth pairs build no kinked rule.
    @Test func smoothAndClosedFormPairsBuildNoKinkedRule() {
        #expect(CommitteeIntegrals(student: .tanh, teacher: .erf, studentUnits: 2).kinkedQuadrature == nil)
        #expect(CommitteeIntegrals(student: .relu, teacher: .relu, studentUnits: 2).kinkedQuadrature == nil)
        #expect(CommitteeIntegrals(student: .relu, teacher: .tanh, studentUnits: 2).kinkedQuadrature != nil)
    }
}
