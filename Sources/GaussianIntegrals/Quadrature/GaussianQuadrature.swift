/// Expectations over correlated Gaussian vectors by tensor-product Gauss–Hermite quadrature:
///
///     E[f(u)], u ~ N(0, C)  ≈  Σ_{i₁…i_D} w_{i₁}⋯w_{i_D} f(L z),   C = L Lᵀ,
///
/// with L the (semidefinite-robust) Cholesky factor, so singular covariances such as repeated local
/// fields are handled exactly. Cost n^D evaluations of f for order n in D dimensions.
public struct GaussianQuadrature: Sendable {
    public let order: Int
    let rule: QuadratureRule

    public init(order: Int = 16) {
        self.order = order
        rule = GaussHermite.rule(order: order)
    }

    /// E[f(u)] for u ~ N(0, C), C row-major D×D (1 ≤ D ≤ 4). Returns NaN if C is not positive semidefinite.
    public func expectation(covariance c: [Double], dimension d: Int, _ f: (UnsafeBufferPointer<Double>) -> Double) -> Double {
        precondition((1...4).contains(d) && c.count == d * d, "quadrature supports 1 to 4 dimensions")
        guard let l = Cholesky.factor(c, dimension: d, tolerance: 1e-10) else { return .nan }
        let n = order
        var total = 0.0
        withUnsafeTemporaryAllocation(of: Double.self, capacity: 4) { u in
            var index = [0, 0, 0, 0]
            let count = (0..<d).reduce(1) { r, _ in r * n }
            for _ in 0..<count {
                var weight = 1.0
                for a in 0..<d {
                    var s = 0.0
                    for b in 0...a { s += l[a * d + b] * rule.nodes[index[b]] }
                    u[a] = s
                    weight *= rule.weights[index[a]]
                }
                total += weight * f(UnsafeBufferPointer(rebasing: u[0..<d]))
                var a = 0
                while a < d { index[a] += 1; if index[a] < n { break }; index[a] = 0; a += 1 }
            }
        }
        return total
    }
}
