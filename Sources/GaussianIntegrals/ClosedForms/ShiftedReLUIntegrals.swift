import RealModule

/// ReLU's two-field integrals over shifted fields X = u + μ, u ~ N(0, C) (biases; `CommitteeIntegrals`), in closed
/// form through the bivariate normal distribution function (`BivariateNormal`). With s_a = √C_aa, h = μ_a/s_a,
/// k = μ_b/s_b, r = C_ab/(s_a s_b), r̄ = √(1 − r²), P = Φ₂(h, k; r) = P(X_a > 0, X_b > 0) and the truncated moments of
/// the standardised fields Z (Stein's lemma with the Gaussian's conditionals),
///
///     E_a = E[Z_a; X_a, X_b > 0] = φ(h)Φ((k − rh)/r̄) + r φ(k)Φ((h − rk)/r̄),
///     E_ab = E[Z_a Z_b; X_a, X_b > 0] = r P + r̄ φ(h)φ((k − rh)/r̄) − r h φ(h)Φ((k − rh)/r̄) − r k φ(k)Φ((h − rk)/r̄),
///
/// (E_b likewise, a ↔ b):
///
///     J2 = P,   I2′(a, b) = E[θ(X_a) relu(X_b)] = μ_b P + s_b E_b,
///     I2 = E[relu(X_a) relu(X_b)] = μ_aμ_b P + μ_a s_b E_b + μ_b s_a E_a + s_a s_b E_ab,
///     I3(a, b, d) = E[θ(X_a) u_b relu(X_d)] = C_ab (φ(h)/s_a) E[relu(X_d) | X_a = 0] + C_bd P(X_a > 0, X_d > 0),
///
/// the last by Stein over the unshifted u_b, with X_d | X_a = 0 ~ N(μ_d − C_ad μ_a/C_aa, C_dd − C_ad²/C_aa) and
/// E[relu(N(m, v))] = mΦ(m/√v) + √v φ(m/√v). One field (a = b): J2 = Φ(h), I2′ = μΦ(h) + sφ(h),
/// I2 = (μ² + s²)Φ(h) + μsφ(h), I3(a, b, a) = C_ab Φ(h). `nil` when a variance is 0 or two distinct fields are
/// proportional (r̄ = 0): the caller's quadrature takes those.
enum ShiftedReLU {
    /// The standardised pair, or nil where the closed forms do not apply.
    struct Pair {
        let sa: Double, sb: Double, h: Double, k: Double, r: Double, rBar: Double
        init?(_ caa: Double, _ cab: Double, _ cbb: Double, _ ma: Double, _ mb: Double) {
            guard caa > 0, cbb > 0, caa.isFinite, cbb.isFinite else { return nil }
            sa = caa.squareRoot(); sb = cbb.squareRoot()
            h = ma / sa; k = mb / sb
            r = min(1, max(-1, cab / (sa * sb)))
            rBar = ((1 - r) * (1 + r)).squareRoot()
            guard rBar > 0 else { return nil }
        }
        var probability: Double { BivariateNormal.cdf(h, k, correlation: r) }
        /// Φ((k − rh)/r̄) and Φ((h − rk)/r̄).
        var conditionals: (b: Double, a: Double) { (BivariateNormal.phi((k - r * h) / rBar), BivariateNormal.phi((h - r * k) / rBar)) }
    }

    static func j2(_ caa: Double, _ cab: Double, _ cbb: Double, _ ma: Double, _ mb: Double, same: Bool) -> Double? {
        if same { return caa > 0 ? BivariateNormal.phi(ma / caa.squareRoot()) : nil }
        return Pair(caa, cab, cbb, ma, mb)?.probability
    }

    static func i2Prime(_ caa: Double, _ cab: Double, _ cbb: Double, _ ma: Double, _ mb: Double, same: Bool) -> Double? {
        if same { return caa > 0 ? relu(mean: mb, variance: caa) : nil }
        guard let p = Pair(caa, cab, cbb, ma, mb) else { return nil }
        let (phiB, phiA) = p.conditionals
        let eb = BivariateNormal.density(p.k) * phiA + p.r * BivariateNormal.density(p.h) * phiB
        return mb * p.probability + p.sb * eb
    }

    static func i2(_ caa: Double, _ cab: Double, _ cbb: Double, _ ma: Double, _ mb: Double, same: Bool) -> Double? {
        if same {
            guard caa > 0 else { return nil }
            let s = caa.squareRoot(), h = ma / s
            return (ma * ma + caa) * BivariateNormal.phi(h) + ma * s * BivariateNormal.density(h)
        }
        guard let p = Pair(caa, cab, cbb, ma, mb) else { return nil }
        let (phiB, phiA) = p.conditionals
        let dh = BivariateNormal.density(p.h), dk = BivariateNormal.density(p.k), probability = p.probability
        let ea = dh * phiB + p.r * dk * phiA, eb = dk * phiA + p.r * dh * phiB
        let eab = p.r * probability + p.rBar * dh * BivariateNormal.density((p.k - p.r * p.h) / p.rBar)
            - p.r * p.h * dh * phiB - p.r * p.k * dk * phiA
        return ma * mb * probability + ma * p.sb * eb + mb * p.sa * ea + p.sa * p.sb * eab
    }

    /// I3(a, b, d) from C_aa, C_ab, C_ad, C_bd, C_dd and the shifts of a and d (`same`: d is the field a).
    static func i3(c11: Double, c12: Double, c13: Double, c23: Double, c33: Double, _ ma: Double, _ md: Double, same: Bool) -> Double? {
        guard c11 > 0 else { return nil }
        if same { return c12 * BivariateNormal.phi(ma / c11.squareRoot()) }
        guard let p = Pair(c11, c13, c33, ma, md) else { return nil }
        let conditionalMean = md - c13 * ma / c11, conditionalVariance = max(0, c33 - c13 * c13 / c11)
        let atKink = BivariateNormal.density(p.h) / p.sa * relu(mean: conditionalMean, variance: conditionalVariance)
        return c12 * atKink + c23 * p.probability
    }

    /// E[relu(X)] for X ~ N(m, v): mΦ(m/√v) + √v φ(m/√v) (max(m, 0) at v = 0).
    static func relu(mean m: Double, variance v: Double) -> Double {
        guard v > 0 else { return max(m, 0) }
        let s = v.squareRoot()
        return m * BivariateNormal.phi(m / s) + s * BivariateNormal.density(m / s)
    }
}
