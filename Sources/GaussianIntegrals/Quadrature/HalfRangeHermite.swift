import RealModule

/// Gauss rules for the half-range Gaussian weight:
///
///     ∫₀^∞ φ(x) f(x) dx  ≈  Σᵢ wᵢ f(xᵢ),   φ(x) = e^{−x²/2}/√(2π),   Σᵢ wᵢ = ½,
///
/// exact for polynomials of degree ≤ 2n − 1. There is no closed form for the recurrence coefficients, so they are
/// computed by the discretised Stieltjes procedure (Gautschi, *Orthogonal Polynomials*, §2.2) on a 400-node
/// Gauss–Legendre discretisation of [0, 13] (φ(13) ≈ 1e-37): orthonormal h₀ = 1/√μ₀,
/// αₖ = ⟨x hₖ, hₖ⟩, bₖ₊₁ hₖ₊₁ = (x − αₖ) hₖ − bₖ hₖ₋₁. The nodes are the eigenvalues of the Jacobi matrix
/// (Sturm-sequence bisection) and the weights the Christoffel numbers wᵢ = 1/Σ_{k<n} hₖ(xᵢ)².
public enum HalfRangeHermite {
    /// The n-node rule (1 ≤ n ≤ 80), nodes ascending.
    public static func rule(order n: Int) -> QuadratureRule {
        precondition((1...80).contains(n), "a half-range Hermite rule needs 1 to 80 nodes")
        let discretisation = GaussLegendre.rule(order: 400), length = 13.0
        let x = discretisation.nodes.map { $0 * length }
        let w = zip(discretisation.nodes, discretisation.weights).map { node, weight in
            length * weight * Double.exp(-0.5 * node * length * node * length) / (2 * Double.pi).squareRoot()
        }
        let mass = w.reduce(0, +)
        var alpha = [Double](repeating: 0, count: n), offDiagonal = [Double](repeating: 0, count: n)  // offDiagonal[k] = bₖ
        var previous = [Double](repeating: 0, count: x.count), current = [Double](repeating: 1 / mass.squareRoot(), count: x.count)
        for k in 0..<n {
            var a = 0.0
            for i in x.indices { a += w[i] * x[i] * current[i] * current[i] }
            alpha[k] = a
            guard k + 1 < n else { break }
            var next = [Double](repeating: 0, count: x.count), norm = 0.0
            for i in x.indices {
                next[i] = (x[i] - a) * current[i] - offDiagonal[k] * previous[i]
                norm += w[i] * next[i] * next[i]
            }
            let b = norm.squareRoot()
            offDiagonal[k + 1] = b
            previous = current
            current = next.map { $0 / b }
        }
        // Sturm count of eigenvalues below t: the negative pivots of the LDLᵀ factorisation of J − t.
        func countBelow(_ t: Double) -> Int {
            var pivot = alpha[0] - t, count = pivot < 0 ? 1 : 0
            for k in 1..<max(1, n) {
                pivot = alpha[k] - t - offDiagonal[k] * offDiagonal[k] / (pivot == 0 ? -Double.ulpOfOne : pivot)
                if pivot < 0 { count += 1 }
            }
            return count
        }
        var nodes = [Double](repeating: 0, count: n), weights = nodes
        var lowerBound = 0.0
        let upperBound = (0..<n).map { alpha[$0] + offDiagonal[$0] + ($0 + 1 < n ? offDiagonal[$0 + 1] : 0) }.max()! + 1
        for j in 0..<n {
            var lo = lowerBound, hi = upperBound
            while true {
                let mid = 0.5 * (lo + hi)
                if mid <= lo || mid >= hi { break }
                if countBelow(mid) > j { hi = mid } else { lo = mid }
            }
            let node = 0.5 * (lo + hi)
            // Christoffel number with the probability-normalised orthonormal polynomials (h₀ = 1), times μ₀.
            var hPrevious = 0.0, h = 1.0, sum = 0.0
            for k in 0..<n {
                sum += h * h
                guard k + 1 < n else { break }
                let hNext = ((node - alpha[k]) * h - offDiagonal[k] * hPrevious) / offDiagonal[k + 1]
                hPrevious = h
                h = hNext
            }
            nodes[j] = node
            weights[j] = mass / sum
            lowerBound = node
        }
        return QuadratureRule(nodes: nodes, weights: weights)
    }
}
