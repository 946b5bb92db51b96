/// Expectations over correlated Gaussian vectors by tensor-product quadrature (Gauss–Hermite by default):
///
///     E[f(u)], u ~ N(0, C)  ≈  Σ_{i₁…i_D} w_{i₁}⋯w_{i_D} f(L z),   C = L Lᵀ,  z = (x_{i₁}, …, x_{i_D}),
///
/// with L the (semidefinite-robust) Cholesky factor, or, for a covariance a rounding error outside the
/// semidefinite cone, the factor of the nearest semidefinite matrix (`Cholesky.nearestSemidefiniteFactor`).
/// A zero column of L (a field that is a combination of earlier ones, such as a repeated local field) gets a
/// single node, so singular covariances cost no more than the lower-dimensional integral they are.
/// Evaluation allocates nothing.
public struct GaussianQuadrature: Sendable {
    /// Nodes per dimension: the size of the one-dimensional rule.
    public let order: Int
    let rule: QuadratureRule

    /// The tensor product of the `order`-point Gauss–Hermite rule (order ≥ 1).
    public init(order: Int = 16) {
        precondition(order >= 1, "quadrature needs at least one node")
        self.order = order
        rule = GaussHermite.rule(order: order)
    }

    /// The same tensor product over any symmetric one-dimensional rule for N(0, 1), e.g. `GaussianTrapezoid`.
    public init(rule: QuadratureRule) {
        precondition(!rule.nodes.isEmpty && rule.nodes.count == rule.weights.count, "quadrature needs at least one node")
        order = rule.nodes.count
        self.rule = rule
    }

    /// E[f(u)] for u ~ N(0, C), C row-major D×D (1 ≤ D ≤ 4). Returns NaN if C is not positive semidefinite
    /// (beyond a relative 1e-6).
    public func expectation(covariance c: [Double], dimension d: Int, _ f: (UnsafeBufferPointer<Double>) -> Double) -> Double {
        precondition((1...4).contains(d) && c.count == d * d, "quadrature supports 1 to 4 dimensions")
        var m = SIMD16<Double>(repeating: 0)
        for a in 0..<d { for b in 0..<d { m[4 * a + b] = c[a * d + b] } }
        guard let l = Cholesky.nearestSemidefiniteFactor(m, dimension: d) else { return .nan }
        return withUnsafeTemporaryAllocation(of: Double.self, capacity: 4) { u in
            let fields = UnsafeBufferPointer(rebasing: u[0..<d])
            return sum(l, dimension: d) { level, value in
                u[level] = value
                return 1
            } last: { value in
                u[d - 1] = value
                return f(fields)
            }
        }
    }

    /// E[f₀(u_{s₀}) f₁(u_{s₁}) f₂(u_{s₂}) f₃(u_{s₃})] for u ~ N(μ, C), C the leading D×D block of the row-major
    /// 4×4 `c` and μ the first D entries of `mean` (default 0); factor k acts on field sₖ ∈ 0..<D, or is absent when
    /// sₖ < 0. Each factor is evaluated once per node of the levels up to its field (partial products), so the cost
    /// is ≈ n^D, not 4n^D. Returns NaN if C is not positive semidefinite (beyond a relative 1e-6).
    public func productExpectation(
        _ c: SIMD16<Double>, dimension d: Int, fields s: SIMD4<Int>, mean: SIMD4<Double> = .zero,
        _ f0: (Double) -> Double, _ f1: (Double) -> Double, _ f2: (Double) -> Double, _ f3: (Double) -> Double
    ) -> Double {
        precondition((1...4).contains(d), "quadrature supports 1 to 4 dimensions")
        guard let l = Cholesky.nearestSemidefiniteFactor(c, dimension: d) else { return .nan }
        func factors(_ level: Int, _ u: Double) -> Double {
            var p = 1.0
            if s[0] == level { p *= f0(u) }
            if s[1] == level { p *= f1(u) }
            if s[2] == level { p *= f2(u) }
            if s[3] == level { p *= f3(u) }
            return p
        }
        return sum(l, dimension: d, mean: mean, factors) { factors(d - 1, $0) }
    }

    /// Σ over the tensor grid of Π_levels w · inner(level, u_level), with `last(u_{D−1})` at the last level and
    /// u = μ + L z.
    @inline(__always)
    func sum(_ l: SIMD16<Double>, dimension d: Int, mean μ: SIMD4<Double> = .zero, _ inner: (Int, Double) -> Double,
             last: (Double) -> Double) -> Double {
        rule.nodes.withUnsafeBufferPointer { x in
            rule.weights.withUnsafeBufferPointer { w in
                // Levels beyond D, and zero columns of L, get the single node z = 0 with weight 1.
                var count = SIMD4<Int>(repeating: 1)
                for a in 0..<d where (a..<d).contains(where: { l[4 * $0 + a] != 0 }) { count[a] = order }
                @inline(__always) func node(_ level: Int, _ i: Int) -> (Double, Double) {
                    count[level] == 1 ? (0, 1) : (x[i], w[i])
                }
                @inline(__always) func value(_ level: Int, _ partial: Double) -> Double {
                    level == d - 1 ? last(partial) : inner(level, partial)
                }
                var total = 0.0
                for i0 in 0..<count[0] {
                    let (z0, w0) = node(0, i0)
                    let p0 = w0 * value(0, μ[0] + l[0] * z0)
                    if d == 1 { total += p0; continue }
                    if p0 == 0 { continue }
                    for i1 in 0..<count[1] {
                        let (z1, w1) = node(1, i1)
                        let p1 = p0 * w1 * value(1, μ[1] + l[4] * z0 + l[5] * z1)
                        if d == 2 { total += p1; continue }
                        if p1 == 0 { continue }
                        let a2 = μ[2] + l[8] * z0 + l[9] * z1, a3 = μ[3] + l[12] * z0 + l[13] * z1
                        for i2 in 0..<count[2] {
                            let (z2, w2) = node(2, i2)
                            let p2 = p1 * w2 * value(2, a2 + l[10] * z2)
                            if d == 3 { total += p2; continue }
                            if p2 == 0 { continue }
                            let b3 = a3 + l[14] * z2
                            var inner3 = 0.0
                            for i3 in 0..<count[3] {
                                let (z3, w3) = node(3, i3)
                                inner3 += w3 * last(b3 + l[15] * z3)
                            }
                            total += p2 * inner3
                        }
                    }
                }
                return total
            }
        }
    }
}
