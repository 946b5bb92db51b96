import Foundation
import GaussianIntegrals
import Testing

/// ReLU over shifted fields in closed form (`BivariateNormal`, `ShiftedReLU` through `CommitteeIntegrals`), each against
/// an independent route: adaptive one-dimensional quadrature over the first field with the second's Gaussian
/// conditional, to 1e-12.
@Suite struct ShiftedReLUTests {
    /// Φ₂(h, k; r) = ∫_{−∞}^h φ(x) Φ((k − rx)/√(1 − r²)) dx, by adaptive Gauss–Kronrod split at the conditional's step.
    static func referenceCDF(_ h: Double, _ k: Double, _ r: Double) -> Double {
        if abs(r) == 1 { return r == 1 ? BivariateNormal.phi(min(h, k)) : max(0, BivariateNormal.phi(h) + BivariateNormal.phi(k) - 1) }
        let rBar = ((1 - r) * (1 + r)).squareRoot(), lower = min(h, -40)
        // The conditional steps at x = k/r over a width r̄/|r|: breakpoints there and at a few widths around it.
        var points = [lower, h]
        if r != 0 {
            let step = k / r, width = rBar / abs(r)
            for offset in [-10.0, -3, -1, 0, 1, 3, 10] where step + offset * width > lower && step + offset * width < h {
                points.append(step + offset * width)
            }
            points.sort()
        }
        return GaussKronrod.integrate({ x in
            SIMD2(BivariateNormal.density(x) * BivariateNormal.phi((k - r * x) / rBar), 0)
        }, breakpoints: points, tolerance: 1e-17, relativeTolerance: 1e-14, maxIntervals: 2000)[0]
    }

    @Test func bivariateNormalMatchesQuadrature() {
        var cases: [(Double, Double, Double)] = [
            (0, 0, 0.5), (0, 1, 0.3), (1, 0, -0.4), (0, -2, 0.7), (0.5, 0.5, 0.999999), (0.5, 0.501, 0.9999999), (-3, 2, 0.99),
            (2, 2, -0.99), (5, -5, 0.2), (-8, -8, 0.95), (0.3, -0.2, 1), (0.3, -0.2, -1), (1, 1, 1 - 1e-12), (-1, 1, -1 + 1e-12),
            (7, 7, 0.5), (-0.1, 3, 0),
        ]
        // A deterministic spread of (h, k, r) over the plane and every correlation.
        for i in 0..<200 {
            let u = Double(i)
            cases.append((4 * sin(1.3 * u + 0.2), 4 * cos(2.1 * u), tanh(3 * sin(0.7 * u + 1))))
        }
        var worst = 0.0
        for (h, k, r) in cases {
            let value = BivariateNormal.cdf(h, k, correlation: r), reference = Self.referenceCDF(h, k, r)
            worst = max(worst, abs(value - reference))
            #expect(abs(value - reference) < 1e-14, "Φ₂(\(h), \(k); \(r)) = \(value), quadrature \(reference)")
            #expect(abs(BivariateNormal.cdf(k, h, correlation: r) - value) < 1e-15)
        }
        #expect(worst > 0)
        #expect(BivariateNormal.cdf(0, 0, correlation: 0) == 0.25)
        #expect(abs(BivariateNormal.cdf(1, -.infinity, correlation: 0.3)) == 0 && BivariateNormal.cdf(.infinity, 0.5, correlation: 0.3) == BivariateNormal.phi(0.5))
    }

    /// E[relu(N(m, v))] = mΦ(m/√v) + √v φ(m/√v) (for the references below).
    static func relu(_ m: Double, _ v: Double) -> Double {
        let s = v.squareRoot()
        return m * BivariateNormal.phi(m / s) + s * BivariateNormal.density(m / s)
    }

    /// Fields (a, b, d) = (0, 1, 2): a generic covariance, and one where a and d are correlated 0.995.
    static let covariances: [[Double]] = [
        [0.9, 0.2, 0.5,
         0.2, 1.3, -0.4,
         0.5, -0.4, 1.1],
        [0.8, 0.3, 0.796,
         0.3, 1.0, 0.25,
         0.796, 0.25, 0.8],
    ]
    static let shifts: [[Double]] = [[0.4, -0.7, 0.3], [-1.2, 0.5, 2.0], [0, 0, 0], [3, 0.1, -2.5]]

    @Test(arguments: 0..<2, 0..<4)
    func shiftedReLUIntegralsMatchOneDimensionalQuadrature(covariance: Int, shift: Int) {
        let c = Self.covariances[covariance], mu = Self.shifts[shift], n = 3
        let integrals = CommitteeIntegrals(student: .relu, teacher: .relu, studentUnits: 3, hasShifts: true)
        // Conditioning on z = u_a/s_a: u_x | z ~ N(C_ax z/s_a, C_xx − C_ax²/C_aa).
        let sa = c[0].squareRoot()
        func conditional(_ x: Int, _ z: Double) -> (mean: Double, variance: Double) {
            (mu[x] + c[x] * z / sa, c[x * n + x] - c[x] * c[x] / c[0])
        }
        func integrate(_ f: @escaping (Double) -> Double) -> Double {
            GaussKronrod.integrate({ z in SIMD2(BivariateNormal.density(z) * f(z), 0) }, breakpoints: [-mu[0] / sa, 40],
                                   tolerance: 1e-16, relativeTolerance: 1e-13, maxIntervals: 2000)[0]
        }
        // I2(a, d), J2(a, d), I2′(a, d), I3(a, b, d) over X_a > 0 (z > −μ_a/s_a).
        let i2 = integrate { z in (mu[0] + sa * z) * Self.relu(conditional(2, z).mean, conditional(2, z).variance) }
        let j2 = integrate { z in BivariateNormal.phi(conditional(2, z).mean / conditional(2, z).variance.squareRoot()) }
        let i2Prime = integrate { z in Self.relu(conditional(2, z).mean, conditional(2, z).variance) }
        // E[u_b relu(X_d) | z] = m_b E[relu(X_d)] + Cov(u_b, X_d | z) Φ(m_d/s_d), by Stein (u_b unshifted).
        let i3 = integrate { z in
            let (md, vd) = conditional(2, z), mb = c[1] * z / sa, cbd = c[1 * n + 2] - c[1] * c[2] / c[0]
            return mb * Self.relu(md, vd) + cbd * BivariateNormal.phi(md / vd.squareRoot())
        }
        // One field: E[relu(X_a)²], E[θ(X_a)], E[relu(X_a)], I3(a, b, a) = C_ab Φ(h).
        let i2Same = integrate { z in (mu[0] + sa * z) * (mu[0] + sa * z) }
        let j2Same = integrate { _ in 1 }
        let i2PrimeSame = integrate { z in mu[0] + sa * z }
        let i3Same = integrate { z in c[1] * z / sa * (mu[0] + sa * z) }
        c.withUnsafeBufferPointer { cb in
            mu.withUnsafeBufferPointer { mb in
                let p = cb.baseAddress!, s = mb.baseAddress!
                let pairs: [(String, Double, Double)] = [
                    ("I2(a,d)", integrals.i2(p, stride: n, 0, 2, shift: s), i2),
                    ("I2(d,a)", integrals.i2(p, stride: n, 2, 0, shift: s), i2),
                    ("J2(a,d)", integrals.j2(p, stride: n, 0, 2, shift: s), j2),
                    ("I2'(a,d)", integrals.i2Prime(p, stride: n, 0, 2, shift: s), i2Prime),
                    ("I3(a,b,d)", integrals.i3(p, stride: n, 0, 1, 2, shift: s), i3),
                    ("I2(a,a)", integrals.i2(p, stride: n, 0, 0, shift: s), i2Same),
                    ("J2(a,a)", integrals.j2(p, stride: n, 0, 0, shift: s), j2Same),
                    ("I2'(a,a)", integrals.i2Prime(p, stride: n, 0, 0, shift: s), i2PrimeSame),
                    ("I3(a,b,a)", integrals.i3(p, stride: n, 0, 1, 0, shift: s), i3Same),
                ]
                for (name, value, reference) in pairs {
                    #expect(abs(value - reference) < 1e-12 * max(1, abs(reference)),
                            "\(name) with C #\(covariance), μ = \(mu): closed form \(value), quadrature \(reference)")
                }
            }
        }
    }
}
