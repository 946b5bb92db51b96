import RealModule

/// A Gauss quadrature rule: nodes and weights.
public struct QuadratureRule: Sendable, Hashable {
    /// The nodes xᵢ.
    public let nodes: [Double]
    /// The weights wᵢ, one per node (Σᵢ wᵢ = 1 for a rule of N(0, 1)).
    public let weights: [Double]

    /// A rule of one's own, E[f] ≈ Σᵢ wᵢ f(xᵢ); throws `ActivationError` unless there is at least one node, as many
    /// weights as nodes, and every node and weight is finite.
    public init(validatingNodes nodes: [Double], weights: [Double]) throws {
        guard !nodes.isEmpty, nodes.count == weights.count else {
            throw ActivationError("a quadrature rule needs as many weights as nodes (at least one), got \(nodes.count) "
                                  + "nodes and \(weights.count) weights")
        }
        guard nodes.allSatisfy(\.isFinite), weights.allSatisfy(\.isFinite) else {
            throw ActivationError("a quadrature rule's nodes and weights must be finite")
        }
        self.init(nodes: nodes, weights: weights)
    }

    /// The rule of the computed `nodes` and `weights` (same count), unchecked: the package's own rules.
    init(nodes: [Double], weights: [Double]) {
        self.nodes = nodes
        self.weights = weights
    }

    /// Σᵢ wᵢ f(xᵢ): the rule applied to `f`.
    public func expectation(_ f: (Double) -> Double) -> Double {
        zip(nodes, weights).reduce(0) { $0 + $1.1 * f($1.0) }
    }
}

/// Gauss–Hermite rules for the standard normal weight:
///
///     E[f(z)], z ~ N(0, 1)  ≈  Σᵢ wᵢ f(xᵢ),   Σᵢ wᵢ = 1,
///
/// exact for polynomials of degree ≤ 2n − 1. The nodes are the eigenvalues of the Jacobi matrix of the
/// probabilists' Hermite polynomials (zero diagonal, off-diagonal √j), found by Sturm-sequence bisection and
/// polished by Newton's method; the weights are the Christoffel numbers wᵢ = 1/Σ_{j<n} hⱼ(xᵢ)² with hⱼ the
/// orthonormal polynomials, summed with rescaling so that no order overflows.
public enum GaussHermite {
    /// The n-point rule (n ≥ 1).
    public static func rule(order n: Int) -> QuadratureRule {
        precondition(n >= 1, "a Gauss–Hermite rule needs at least one node")
        var nodes = [Double](repeating: 0, count: n), weights = nodes
        // The rule is symmetric: compute the nodes k ≥ n/2 (x ≥ 0) and mirror them.
        var lower = 0.0
        for k in (n / 2)..<n {
            var x = n % 2 == 1 && k == n / 2 ? 0 : bisect(eigenvalue: k, order: n, above: lower)
            for _ in 0..<3 where x != 0 {
                let (h, previous, _) = orthonormal(x, order: n)
                let step = h / (Double(n).squareRoot() * previous)  // h_n' = √n h_{n−1}
                guard step.isFinite, abs(step) < 1e-6 * max(1, abs(x)) else { break }
                x -= step
            }
            lower = x
            let w = 1 / orthonormal(x, order: n).sumOfSquares
            nodes[k] = x; weights[k] = w
            nodes[n - 1 - k] = -x; weights[n - 1 - k] = w
        }
        return QuadratureRule(nodes: nodes, weights: weights)
    }

    /// The k-th smallest eigenvalue (from 0) of the Jacobi matrix, known to lie above `above`, by bisection on the
    /// Sturm count of eigenvalues below x (the negative pivots of the LDLᵀ factorisation of J − x).
    static func bisect(eigenvalue k: Int, order n: Int, above: Double) -> Double {
        func countBelow(_ x: Double) -> Int {
            var pivot = -x, count = pivot < 0 ? 1 : 0
            for j in 1..<max(1, n) {
                pivot = -x - Double(j) / (pivot == 0 ? -Double.ulpOfOne : pivot)
                if pivot < 0 { count += 1 }
            }
            return count
        }
        var lo = above, hi = 2 * Double(n).squareRoot() + 1  // Gershgorin bound
        while true {
            let mid = 0.5 * (lo + hi)
            if mid <= lo || mid >= hi { return mid }
            if countBelow(mid) > k { hi = mid } else { lo = mid }
        }
    }

    /// h_n(x), h_{n−1}(x) (scaled alike) and Σ_{j<n} h_j(x)² (exact) for the orthonormal probabilists' Hermite
    /// polynomials h₀ = 1, h_j = (x h_{j−1} − √(j−1) h_{j−2})/√j.
    static func orthonormal(_ x: Double, order n: Int) -> (value: Double, previous: Double, sumOfSquares: Double) {
        var previous = 0.0, current = 1.0, sum = 0.0, logScale = 0.0
        for j in 1...n {
            sum += current * current
            let next = (x * current - Double(j - 1).squareRoot() * previous) / Double(j).squareRoot()
            previous = current
            current = next
            if abs(current) > 1e100 {
                // Rescale the recurrence and the running sum together by 10^-200 (sum by 10^-400 → log).
                current *= 1e-100; previous *= 1e-100
                sum *= 1e-200
                logScale += 200 * Double.log(10)
            }
        }
        return (current, previous, Double.exp(Double.log(sum) + logScale))
    }
}

/// Gauss–Legendre rules on [0, 1]: ∫₀¹ f(s) ds ≈ Σᵢ wᵢ f(sᵢ), exact for degree ≤ 2n − 1.
public enum GaussLegendre {
    /// The n-point rule (n ≥ 1), nodes ascending.
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
