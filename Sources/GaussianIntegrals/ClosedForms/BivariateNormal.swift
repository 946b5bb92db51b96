import RealModule

/// The standard bivariate normal distribution function, through Owen's T function.
///
///     Φ₂(h, k; r) = P(Z₁ ≤ h, Z₂ ≤ k),   Corr(Z₁, Z₂) = r,
///     Φ₂ = ½Φ(h) + ½Φ(k) − T(h, a_h) − T(k, a_k) − β,   a_h = (k − rh)/(h√(1 − r²)),  a_k = (h − rk)/(k√(1 − r²)),
///
/// with β = ½ when hk < 0 or (hk = 0 and h + k < 0), else 0 (Owen 1956), and Φ₂(0, 0; r) = ¼ + arcsin(r)/(2π).
/// Owen's T(h, a) = (1/2π) ∫₀^a e^{−h²(1+x²)/2}/(1 + x²) dx is odd in a and even in h; for 0 ≤ a ≤ 1 its integrand is
/// analytic (poles at ±i) and 20 Gauss–Legendre nodes give it to rounding; for a > 1,
/// T(h, a) = ½[Φ(h)Φ(−ah) + Φ(ah)Φ(−h)] − T(ah, 1/a) (h ≥ 0) brings a back into [0, 1]; T(h, ∞) = ½Φ(−|h|).
/// Accurate to about 1e-15 absolute for every r in [−1, 1] (tested against an independent quadrature), |r| = 1 included.
/// No allocation: one static rule.
public enum BivariateNormal {
    /// Φ(x) = ½ erfc(−x/√2), accurate in both tails.
    @inlinable
    public static func phi(_ x: Double) -> Double { 0.5 * Double.erfc(-x * 0.5.squareRoot()) }

    /// The standard normal density φ(x).
    @inlinable
    public static func density(_ x: Double) -> Double { Double.exp(-0.5 * x * x) / (2 * Double.pi).squareRoot() }

    /// Φ₂(h, k; r) = P(Z₁ ≤ h, Z₂ ≤ k) for standard normals of correlation r (clamped to [−1, 1]).
    public static func cdf(_ h: Double, _ k: Double, correlation: Double) -> Double {
        let r = min(1, max(-1, correlation))
        if h == 0 && k == 0 { return 0.25 + Double.asin(r) / (2 * Double.pi) }
        if h == -.infinity || k == -.infinity { return 0 }
        if h == .infinity { return phi(k) }
        if k == .infinity { return phi(h) }
        let s = ((1 - r) * (1 + r)).squareRoot()
        /// T(x, a_x) for the pair (x, y): a_x = (y − rx)/(x s).
        func term(_ x: Double, _ y: Double) -> Double {
            let numerator = y - r * x
            if numerator == 0 { return 0 }
            if x == 0 { return numerator > 0 ? 0.25 : -0.25 }
            if s == 0 { return owenT(x, numerator / x > 0 ? .infinity : -.infinity) }
            return owenT(x, numerator / (x * s))
        }
        let beta = h * k < 0 || (h * k == 0 && h + k < 0) ? 0.5 : 0
        let value = 0.5 * phi(h) + 0.5 * phi(k) - term(h, k) - term(k, h) - beta
        return min(1, max(0, value))
    }

    /// Owen's T(h, a) = (1/2π) ∫₀^a e^{−h²(1+x²)/2}/(1 + x²) dx.
    public static func owenT(_ h: Double, _ a: Double) -> Double {
        if a < 0 { return -owenT(h, -a) }
        let h = abs(h)
        if a == 0 { return 0 }
        if a == .infinity { return 0.5 * phi(-h) }
        if a <= 1 {
            var sum = 0.0
            for (node, weight) in zip(rule.nodes, rule.weights) {
                let x = a * node, denominator = 1 + x * x
                sum += weight * Double.exp(-0.5 * h * h * denominator) / denominator
            }
            return a * sum / (2 * Double.pi)
        }
        // ½Φ(h) + ½Φ(ah) − Φ(h)Φ(ah) written without the cancellation of its terms for large h.
        let ah = a * h
        return 0.5 * (phi(h) * phi(-ah) + phi(ah) * phi(-h)) - owenT(ah, 1 / a)
    }

    static let rule = GaussLegendre.rule(order: 20)
}
