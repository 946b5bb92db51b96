import GaussianIntegrals
import Randomness
import Testing

/// The committee integrals over shifted fields (biases): g_a(u_a + μ_a) with u ~ N(0, C), the middle factor of I3
/// unshifted, against Monte Carlo over the same Gaussian, for every closed-form family (whose closed forms no longer
/// apply), a quadrature activation and a kinked mixed pair.
@Suite struct ShiftedIntegralsTests {
    /// C over K = 2 student and M = 2 teacher fields, generic (no two fields proportional).
    static let covariance: [Double] = [
        0.9, 0.2, 0.5, -0.1,
        0.2, 1.3, 0.1, 0.6,
        0.5, 0.1, 1.0, 0.2,
        -0.1, 0.6, 0.2, 1.0,
    ]
    /// μ = (b₁, b₂, b*₁, b*₂).
    static let shift: [Double] = [0.4, -0.7, 0.3, -0.5]

    static let pairs: [(Activation, Activation)] = [
        (.erf, .erf), (.relu, .relu), (.linear, .linear), (.tanh, .tanh), (.relu, .tanh), (.sigmoid, .erf),
    ]

    @Test(arguments: 0..<pairs.count)
    func shiftedIntegralsMatchMonteCarlo(pair: Int) throws {
        let (g, gStar) = Self.pairs[pair]
        let integrals = CommitteeIntegrals(student: g, teacher: gStar, studentUnits: 2, hasShifts: true)
        let c = Self.covariance, mu = Self.shift, n = 4
        func act(_ f: Int) -> Activation { f < 2 ? g : gStar }
        func value(_ f: Int, _ u: UnsafeBufferPointer<Double>) -> Double { act(f).function(u[f] + mu[f]) }
        func slope(_ f: Int, _ u: UnsafeBufferPointer<Double>) -> Double { act(f).derivative(u[f] + mu[f]) }
        // (name, quadrature value, integrand of the centred fields u)
        let cases: [(String, Double, (UnsafeBufferPointer<Double>) -> Double)] = c.withUnsafeBufferPointer { cb in
            mu.withUnsafeBufferPointer { mb in
                let p = cb.baseAddress!, s = mb.baseAddress!
                return [
                    ("I2(0,2)", integrals.i2(p, stride: n, 0, 2, shift: s), { value(0, $0) * value(2, $0) }),
                    ("I2(1,1)", integrals.i2(p, stride: n, 1, 1, shift: s), { value(1, $0) * value(1, $0) }),
                    ("I2(2,3)", integrals.i2(p, stride: n, 2, 3, shift: s), { value(2, $0) * value(3, $0) }),
                    ("J2(0,1)", integrals.j2(p, stride: n, 0, 1, shift: s), { slope(0, $0) * slope(1, $0) }),
                    ("I2'(0,3)", integrals.i2Prime(p, stride: n, 0, 3, shift: s), { slope(0, $0) * value(3, $0) }),
                    ("I2'(1,1)", integrals.i2Prime(p, stride: n, 1, 1, shift: s), { slope(1, $0) * value(1, $0) }),
                    ("I3(0,1,2)", integrals.i3(p, stride: n, 0, 1, 2, shift: s), { slope(0, $0) * $0[1] * value(2, $0) }),
                    ("I3(1,3,1)", integrals.i3(p, stride: n, 1, 3, 1, shift: s), { slope(1, $0) * $0[3] * value(1, $0) }),
                    ("I4(0,1,2,3)", integrals.i4(p, stride: n, 0, 1, 2, 3, shift: s), { slope(0, $0) * slope(1, $0) * value(2, $0) * value(3, $0) }),
                    ("I4(0,0,1,3)", integrals.i4(p, stride: n, 0, 0, 1, 3, shift: s), { slope(0, $0) * slope(0, $0) * value(1, $0) * value(3, $0) }),
                ]
            }
        }
        let estimates = monteCarloAll(c, samples: 200_000, seed: 7, cases.map(\.2))
        for ((name, quadrature, _), estimate) in zip(cases, estimates) {
            #expect(quadrature.isFinite)
            #expect(abs(quadrature - estimate.mean) < 5 * estimate.error + 1e-4,
                    "\(g)/\(gStar) \(name): quadrature \(quadrature), Monte Carlo \(estimate.mean) ± \(estimate.error)")
        }
    }

    /// With zero shifts the shifted path is the closed form (erf, ReLU) to quadrature accuracy, and linear units keep
    /// their closed forms with shifts: I2 = C_ab + μ_aμ_b, I3 = C_bc, I4 = C_pq + μ_pμ_q, J2 = 1, I2′ = μ_b.
    @Test func shiftedPathReducesToTheClosedForms() {
        let c = Self.covariance, n = 4
        for g in [Activation.erf, .relu] {
            let closed = CommitteeIntegrals(student: g, teacher: g, studentUnits: 2)
            let shifted = CommitteeIntegrals(student: g, teacher: g, studentUnits: 2, hasShifts: true)
            // A shift of 1e-300 takes the quadrature path without moving the fields.
            let tiny = [Double](repeating: 1e-300, count: 4)
            c.withUnsafeBufferPointer { cb in
                tiny.withUnsafeBufferPointer { tb in
                    let p = cb.baseAddress!, t = tb.baseAddress!
                    #expect(abs(shifted.i2(p, stride: n, 0, 2, shift: t) - closed.i2(p, stride: n, 0, 2)) < 1e-9)
                    #expect(abs(shifted.i3(p, stride: n, 0, 1, 2, shift: t) - closed.i3(p, stride: n, 0, 1, 2)) < 1e-8)
                    #expect(abs(shifted.i4(p, stride: n, 0, 1, 2, 3, shift: t) - closed.i4(p, stride: n, 0, 1, 2, 3)) < (g.isPiecewise ? 1e-6 : 1e-10))
                    #expect(abs(shifted.j2(p, stride: n, 0, 1, shift: t) - closed.j2(p, stride: n, 0, 1)) < (g.isPiecewise ? 1e-6 : 1e-9))
                }
            }
        }
        let linear = CommitteeIntegrals(student: .linear, teacher: .linear, studentUnits: 2, hasShifts: true)
        let mu = Self.shift
        c.withUnsafeBufferPointer { cb in
            mu.withUnsafeBufferPointer { mb in
                let p = cb.baseAddress!, s = mb.baseAddress!
                #expect(linear.i2(p, stride: n, 0, 2, shift: s) == c[2] + mu[0] * mu[2])
                #expect(linear.i3(p, stride: n, 0, 1, 2, shift: s) == c[6])
                #expect(linear.i4(p, stride: n, 0, 1, 2, 3, shift: s) == c[11] + mu[2] * mu[3])
                #expect(linear.j2(p, stride: n, 0, 1, shift: s) == 1)
                #expect(linear.i2Prime(p, stride: n, 0, 3, shift: s) == mu[3])
            }
        }
    }

    /// erf with shifts integrates g' out exactly (I2, J2, I2′, I3 closed, I4 planar): against erf written as a custom activation
    /// (no closed forms, the 4-D Gauss–Hermite rule at 30 nodes) over the same shifted Gaussian, to 1e-8, at a generic
    /// covariance, with repeated fields (I4(i,i,…), J2(i,i)) and with a field strongly correlated with another.
    @Test func shiftedErfReductionsMatchFullQuadrature() {
        let custom = Activation(name: "erf-custom", function: Activation.erf.function, derivative: Activation.erf.derivative,
                                secondDerivative: Activation.erf.secondDerivative)
        let exact = CommitteeIntegrals(student: .erf, teacher: .erf, studentUnits: 2, hasShifts: true)
        let reference = CommitteeIntegrals(student: custom, teacher: custom, studentUnits: 2, quadratureOrder: 30, hasShifts: true)
        // Field 2 replaced by u₀ + 0.14 z (z independent): correlation 0.99 with field 0, still a covariance.
        var correlated = Self.covariance
        for j in [1, 3] { correlated[2 * 4 + j] = correlated[j]; correlated[j * 4 + 2] = correlated[j] }
        correlated[2] = correlated[0]; correlated[8] = correlated[0]; correlated[10] = correlated[0] + 0.02
        for c in [Self.covariance, correlated] {
            c.withUnsafeBufferPointer { cb in
                Self.shift.withUnsafeBufferPointer { mb in
                    let p = cb.baseAddress!, s = mb.baseAddress!, n = 4
                    for (a, b) in [(0, 1), (1, 1), (0, 3)] {
                        #expect(abs(exact.j2(p, stride: n, a, b, shift: s) - reference.j2(p, stride: n, a, b, shift: s)) < 1e-8, "J2(\(a),\(b))")
                    }
                    for (a, b) in [(0, 2), (1, 1), (0, 1), (2, 3)] {
                        #expect(abs(exact.i2(p, stride: n, a, b, shift: s) - reference.i2(p, stride: n, a, b, shift: s)) < 1e-8, "I2(\(a),\(b))")
                    }
                    for (a, b) in [(0, 2), (1, 1), (0, 1)] {
                        #expect(abs(exact.i2Prime(p, stride: n, a, b, shift: s) - reference.i2Prime(p, stride: n, a, b, shift: s)) < 1e-8,
                                "I2'(\(a),\(b))")
                    }
                    for f in [(0, 1, 2), (1, 3, 1), (0, 0, 3), (1, 2, 0)] {
                        let x = exact.i3(p, stride: n, f.0, f.1, f.2, shift: s), y = reference.i3(p, stride: n, f.0, f.1, f.2, shift: s)
                        #expect(abs(x - y) < 1e-8, "I3\(f): \(x) vs \(y)")
                    }
                    for f in [(0, 1, 2, 3), (0, 0, 1, 3), (1, 1, 2, 2), (0, 1, 0, 2)] {
                        let x = exact.i4(p, stride: n, f.0, f.1, f.2, f.3, shift: s)
                        let y = reference.i4(p, stride: n, f.0, f.1, f.2, f.3, shift: s)
                        #expect(abs(x - y) < 1e-8, "I4\(f): \(x) vs \(y)")
                    }
                }
            }
        }
    }
}
