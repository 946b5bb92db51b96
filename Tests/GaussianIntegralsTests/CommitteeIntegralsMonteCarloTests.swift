import Foundation
@testable import GaussianIntegrals
import Randomness
import Testing

/// Monte Carlo means and standard errors of several integrands at once over u ~ N(0, C) (4 fields).
func monteCarloAll(_ c: [Double], samples: Int, seed: UInt64,
                           _ integrands: [(UnsafeBufferPointer<Double>) -> Double]) -> [(mean: Double, error: Double)] {
    let l = Cholesky.factor(c, dimension: 4, tolerance: 1e-10)!
    var rng = Xoshiro256(seed: seed, stream: 3)
    var sums = [Double](repeating: 0, count: integrands.count), squares = sums
    var z = [Double](repeating: 0, count: 4), u = z
    u.withUnsafeMutableBufferPointer { u in
        for _ in 0..<samples {
            for a in 0..<4 { z[a] = rng.nextGaussian() }
            for a in 0..<4 { var s = 0.0; for b in 0...a { s += l[a * 4 + b] * z[b] }; u[a] = s }
            let fields = UnsafeBufferPointer(u)
            for k in integrands.indices {
                let value = integrands[k](fields)
                sums[k] += value
                squares[k] += value * value
            }
        }
    }
    return zip(sums, squares).map { sum, square in
        let mean = sum / Double(samples)
        return (mean, ((square / Double(samples) - mean * mean) / Double(samples)).squareRoot())
    }
}

/// A covariance of four fields (variances ≈ 0.3 + `scale`): generic, or with field 1 a copy of field 0
/// (as in I4(i, i, …), J2(i, i)).
private func covariance(seed: UInt64, repeated: Bool, scale: Double = 1) -> [Double] {
    var rng = Xoshiro256(seed: seed, stream: 17)
    let a = (0..<16).map { _ in rng.nextGaussian() }
    var c = [Double](repeating: 0, count: 16)
    for i in 0..<4 { for j in 0..<4 { for k in 0..<4 { c[i * 4 + j] += scale * a[i * 4 + k] * a[j * 4 + k] / 4 } } }
    for i in 0..<4 { c[i * 4 + i] += 0.3 }
    guard repeated else { return c }
    let map = [0, 0, 2, 3]
    return (0..<16).map { c[map[$0 / 4] * 4 + map[$0 % 4]] }
}

@Suite struct CommitteeIntegralsMonteCarloTests {
    /// Every committee integral of CommitteeIntegrals (closed form or quadrature, as it chooses) against
    /// Monte Carlo with the activations applied directly, within 5 standard errors (+1e-12).
    /// Fields 0, 1 are student fields (g), 2, 3 teacher fields (g*); I3 and I4 are also taken with a
    /// teacher field as the linear factor or the g factor, and with repeated indices.
    ///
    /// Field variances are ≈ 0.8 here: tensor Gauss–Hermite converges slowly once the integrand varies on
    /// a scale small against the field's standard deviation (E[sech⁴ u], Var u = 1.7: relative error 4e-2
    /// at order 16, 4e-5 at 60; E[sech⁴u tanh²u], Var u ≈ 0.8: 3e-2 at order 20, hence order 40 here), and
    /// only algebraically for ReLU's kink and step, so mixed ReLU/erf I4
    /// (quadrature over θ(u)) is left out: it is accurate to a few per cent only.
    @Test(arguments: [
        ("erf", "erf"), ("relu", "relu"), ("linear", "linear"), ("tanh", "tanh"), ("sigmoid", "sigmoid"),
        ("relu", "erf"), ("tanh", "linear"),
    ])
    func integralsMatchMonteCarlo(student: String, teacher: String) throws {
        let g = try Activation.named(student), gStar = try Activation.named(teacher)
        let integrals = CommitteeIntegrals(student: g, teacher: gStar, studentUnits: 2, quadratureOrder: 40)
        let mixedReLU = (g.family == .relu) != (gStar.family == .relu)
        func fn(_ field: Int) -> @Sendable (Double) -> Double { field < 2 ? g.function : gStar.function }
        let d = g.derivative
        // (name, closed form or quadrature, integrand); index lists are in the order of the definitions.
        typealias Case = (String, (UnsafePointer<Double>) -> Double, (UnsafeBufferPointer<Double>) -> Double)
        var cases: [Case] = []
        for (a, b) in [(0, 1), (0, 2), (2, 3), (1, 1), (3, 3)] {
            cases.append(("I2(\(a),\(b))", { integrals.i2($0, stride: 4, a, b) }, { u in fn(a)(u[a]) * fn(b)(u[b]) }))
        }
        for (a, b) in [(0, 1), (1, 1)] {
            cases.append(("J2(\(a),\(b))", { integrals.j2($0, stride: 4, a, b) }, { u in d(u[a]) * d(u[b]) }))
        }
        for (a, b, c) in [(0, 1, 2), (0, 2, 3), (1, 0, 1), (0, 0, 2), (1, 3, 1), (0, 1, 0)] {
            cases.append(("I3(\(a),\(b),\(c))", { integrals.i3($0, stride: 4, a, b, c) },
                          { u in d(u[a]) * u[b] * fn(c)(u[c]) }))
        }
        for (a, b, p, q) in [(0, 1, 2, 3), (0, 1, 0, 1), (0, 0, 2, 3), (0, 1, 1, 3), (1, 1, 1, 1), (0, 1, 3, 3)] where !mixedReLU {
            cases.append(("I4(\(a),\(b),\(p),\(q))", { integrals.i4($0, stride: 4, a, b, p, q) },
                          { u in d(u[a]) * d(u[b]) * fn(p)(u[p]) * fn(q)(u[q]) }))
        }
        for repeated in [false, true] {
            let c = covariance(seed: 4, repeated: repeated, scale: 0.5)
            let estimates = monteCarloAll(c, samples: 200_000, seed: 11, cases.map(\.2))
            c.withUnsafeBufferPointer { c in
                for (index, entry) in cases.enumerated() {
                    let value = entry.1(c.baseAddress!)
                    let (mean, error) = estimates[index]
                    #expect(value.isFinite && abs(value - mean) < 5 * error + 1e-12,
                            "\(student)/\(teacher) \(entry.0) repeated=\(repeated): \(value) vs MC \(mean) ± \(error)")
                }
            }
        }
    }

    /// Closed forms against order-40 quadrature (smooth cases, variances ≈ 0.8) to 2e-9, on generic and
    /// repeated-field covariances. The order matters: see `quadratureAccuracyDependsOnTheFieldVariance`.
    @Test(arguments: [UInt64(1), 2])
    func erfAndLinearClosedFormsMatchQuadrature(seed: UInt64) {
        let quadrature = GaussianQuadrature(order: 40)
        for (family, activation) in [("erf", Activation.erf), ("linear", Activation.linear)] {
            let closed = CommitteeIntegrals(student: activation, teacher: activation, studentUnits: 2)
            let other = Activation(name: family + "-by-quadrature", function: activation.function, derivative: activation.derivative)
            let byQuadrature = CommitteeIntegrals(student: other, teacher: other, studentUnits: 2, quadratureOrder: 40)
            #expect(byQuadrature.quadrature.order == quadrature.order)
            for repeated in [false, true] {
                let c = covariance(seed: seed, repeated: repeated, scale: 0.5)
                c.withUnsafeBufferPointer { b in
                    let p = b.baseAddress!
                    let pairs: [(Double, Double, String)] = [
                        (closed.i2(p, stride: 4, 0, 3), byQuadrature.i2(p, stride: 4, 0, 3), "I2"),
                        (closed.j2(p, stride: 4, 0, 1), byQuadrature.j2(p, stride: 4, 0, 1), "J2"),
                        (closed.i3(p, stride: 4, 0, 1, 3), byQuadrature.i3(p, stride: 4, 0, 1, 3), "I3"),
                        (closed.i3(p, stride: 4, 1, 0, 0), byQuadrature.i3(p, stride: 4, 1, 0, 0), "I3 repeated"),
                        (closed.i4(p, stride: 4, 0, 1, 2, 3), byQuadrature.i4(p, stride: 4, 0, 1, 2, 3), "I4"),
                        (closed.i4(p, stride: 4, 1, 1, 2, 0), byQuadrature.i4(p, stride: 4, 1, 1, 2, 0), "I4 repeated"),
                    ]
                    for (x, y, name) in pairs {
                        #expect(abs(x - y) < 2e-9 && x.isFinite, "\(family) \(name) repeated=\(repeated): \(x) vs \(y)")
                    }
                }
            }
        }
    }

    /// Gauss–Hermite error grows with the field variance: J2(i, i) = E[g'(u)²] = (2/π)/√(1 + 2C) for erf,
    /// by quadrature, is within 1e-15 at C = 0.5 with 40 nodes but off by ~1e-4 at C = 1.3 with 14 nodes
    /// (the ODE's default order for activations without closed forms) and ~1e-2 at C = 3.
    @Test func quadratureAccuracyDependsOnTheFieldVariance() {
        let d = Activation.erf.derivative
        func error(_ variance: Double, _ order: Int) -> Double {
            let exact = 2 / Double.pi / (1 + 2 * variance).squareRoot()
            return abs(GaussianQuadrature(order: order).expectation(covariance: [variance], dimension: 1) { d($0[0]) * d($0[0]) } - exact)
        }
        #expect(error(0.5, 40) < 1e-15)
        #expect(error(1.3, 60) < 1e-14)
        #expect(error(1.3, 14) > 1e-5 && error(1.3, 14) < 1e-3)
        #expect(error(3, 14) > 1e-3)
    }
}

@Suite struct SteinReductionTests {
    /// With g'' known, I3 = C_ab E[g''(u_a) g(u_c)] + C_bc E[g'(u_a) g'(u_c)] (two-dimensional); it must equal the
    /// direct three-dimensional integral E[g'(u_a) u_b g(u_c)] taken with many nodes (to 2e-7 with the 64-node planar rule), including repeated fields.
    @Test(arguments: [Activation.tanh, .sigmoid])
    func steinI3EqualsTheThreeDimensionalIntegral(activation: Activation) throws {
        let c: [Double] = [0.9, 0.3, -0.2, 0.3, 0.7, 0.25, -0.2, 0.25, 0.8]
        let integrals = CommitteeIntegrals(student: activation, teacher: activation, studentUnits: 3)
        let direct = GaussianQuadrature(order: 72)
        let g = activation.function, dg = activation.derivative
        for (a, b, d) in [(0, 1, 2), (1, 0, 2), (2, 2, 0), (0, 0, 0), (1, 2, 1)] {
            let stein = c.withUnsafeBufferPointer { integrals.i3($0.baseAddress!, stride: 3, a, b, d) }
            let cov = [c[a * 3 + a], c[a * 3 + b], c[a * 3 + d], c[b * 3 + a], c[b * 3 + b], c[b * 3 + d],
                       c[d * 3 + a], c[d * 3 + b], c[d * 3 + d]]
            let reference = direct.expectation(covariance: cov, dimension: 3) { dg($0[0]) * $0[1] * g($0[2]) }
            #expect(abs(stein - reference) < 2e-7, "\(activation.name) I3(\(a),\(b),\(d)): \(stein) vs \(reference)")
        }
        // A custom activation without g'' takes the three-dimensional route and agrees to its own accuracy.
        let custom = Activation(name: "custom", function: g, derivative: dg)
        let fallback = CommitteeIntegrals(student: custom, teacher: custom, studentUnits: 3, quadratureOrder: 40)
        let value = c.withUnsafeBufferPointer { fallback.i3($0.baseAddress!, stride: 3, 0, 1, 2) }
        let reduced = c.withUnsafeBufferPointer { integrals.i3($0.baseAddress!, stride: 3, 0, 1, 2) }
        #expect(abs(value - reduced) < 1e-6)
    }
}
