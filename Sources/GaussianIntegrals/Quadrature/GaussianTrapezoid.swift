import RealModule

/// The trapezoid rule for the standard normal weight on n equally spaced nodes:
///
///     E[f(z)], z ~ N(0, 1)  ≈  Σᵢ wᵢ f(s xᵢ),   xᵢ = (i − (n − 1)/2) h,   wᵢ ∝ e^{−xᵢ²/2},   Σᵢ wᵢ = 1,
///
/// with step h = c/√n (c = `stepConstant`) and s = (Σᵢ wᵢ xᵢ²)^{−1/2}, so that the rule is exact for
/// polynomials of degree ≤ 3. For f analytic in the strip |Im z| < a the discretisation error falls like
/// e^{−2πa/h} and the truncation at ±(n − 1)h/2 like e^{−(n−1)²h²/8} (Trefethen & Weideman, SIAM Rev. 56, 2014),
/// while Gauss–Hermite converges only like e^{−a√(2n)}: with tanh (a = π/2 at unit variance) this rule is
/// 10–100× more accurate at equal n (README, "Accuracy of the quadrature"). Gauss–Hermite stays better for
/// polynomials and for integrands analytic in a wide strip.
public enum GaussianTrapezoid {
    /// c in h = c/√n, tuned on tanh committees: smaller c truncates too early, larger c under-resolves the poles.
    public static let stepConstant = 2.2

    /// The n-node rule, nodes ascending.
    public static func rule(nodes n: Int) -> QuadratureRule {
        precondition(n >= 1, "quadrature needs at least one node")
        let h = stepConstant / Double(n).squareRoot()
        let grid = (0..<n).map { (Double($0) - Double(n - 1) / 2) * h }
        let raw = grid.map { Double.exp(-$0 * $0 / 2) }
        let total = raw.reduce(0, +)
        let weights = raw.map { $0 / total }
        let secondMoment = zip(grid, weights).reduce(0) { $0 + $1.1 * $1.0 * $1.0 }
        let scale = n == 1 ? 1 : 1 / secondMoment.squareRoot()
        return QuadratureRule(nodes: grid.map { $0 * scale }, weights: weights)
    }
}
