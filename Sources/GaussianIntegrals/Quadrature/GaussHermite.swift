import RealModule

/// A Gauss quadrature rule: nodes and weights.
public struct QuadratureRule: Sendable, Hashable {
    public let nodes: [Double]
    public let weights: [Double]
}

/// Gauss–Hermite rules for the standard normal weight:
///
///     E[f(z)], z ~ N(0, 1)  ≈  Σᵢ wᵢ f(xᵢ),   Σᵢ wᵢ = 1,
///
/// exact for polynomials of degree ≤ 2n − 1. Nodes by Newton's method on the orthonormal Hermite
/// recurrence (with the usual asymptotic starting guesses), then rescaled from the weight e^{−x²}.
public enum GaussHermite {
    /// The n-point rule (n ≥ 1).
    public static func rule(order n: Int) -> QuadratureRule {
        precondition(n >= 1, "a Gauss–Hermite rule needs at least one node")
        var x = [Double](repeating: 0, count: n), w = [Double](repeating: 0, count: n)
        let pim4 = 1 / Double.pi.squareRoot().squareRoot()  // π^{-1/4}
        var z = 0.0
        for i in 0..<((n + 1) / 2) {
            // Starting guesses for the largest roots first (Numerical Recipes' gauher heuristics).
            switch i {
            case 0: z = (Double(2 * n + 1)).squareRoot() - 1.85575 * Double.pow(Double(2 * n + 1), -0.16667)
            case 1: z -= 1.14 * Double.pow(Double(n), 0.426) / z
            case 2: z = 1.86 * z - 0.86 * x[0]
            case 3: z = 1.91 * z - 0.91 * x[1]
            default: z = 2 * z - x[i - 2]
            }
            var derivative = 0.0
            for _ in 0..<100 {
                var p1 = pim4, p2 = 0.0
                for j in 1...n {
                    let p3 = p2
                    p2 = p1
                    p1 = z * (2.0 / Double(j)).squareRoot() * p2 - (Double(j - 1) / Double(j)).squareRoot() * p3
                }
                derivative = (2 * Double(n)).squareRoot() * p2
                let step = p1 / derivative
                z -= step
                if abs(step) <= 1e-15 * max(1, abs(z)) { break }
            }
            x[i] = z
            x[n - 1 - i] = -z
            w[i] = 2 / (derivative * derivative)
            w[n - 1 - i] = w[i]
        }
        // From weight e^{−x²} to the standard normal density: x → √2 x, w → w/√π.
        let scale = 2.0.squareRoot(), norm = 1 / Double.pi.squareRoot()
        return QuadratureRule(nodes: x.reversed().map { $0 * scale }, weights: w.reversed().map { $0 * norm })
    }
}

/// Gauss–Legendre rules on [0, 1]: ∫₀¹ f(s) ds ≈ Σᵢ wᵢ f(sᵢ), exact for degree ≤ 2n − 1.
public enum GaussLegendre {
    public static func rule(order n: Int) -> QuadratureRule {
        precondition(n >= 1, "a Gauss–Legendre rule needs at least one node")
        var x = [Double](repeating: 0, count: n), w = [Double](repeating: 0, count: n)
        for i in 0..<n {
            var z = Double.cos(Double.pi * (Double(i) + 0.75) / (Double(n) + 0.5))
            var derivative = 1.0
            for _ in 0..<100 {
                var p1 = 1.0, p2 = 0.0
                for j in 1...n {
                    let p3 = p2
                    p2 = p1
                    p1 = ((2 * Double(j) - 1) * z * p2 - (Double(j) - 1) * p3) / Double(j)
                }
                derivative = Double(n) * (z * p1 - p2) / (z * z - 1)
                let step = p1 / derivative
                z -= step
                if abs(step) <= 1e-15 { break }
            }
            x[i] = 0.5 * (1 - z)
            w[i] = 1 / ((1 - z * z) * derivative * derivative)
        }
        return QuadratureRule(nodes: x, weights: w)
    }
}
