/// Eigen-decomposition A = V diag(λ) Vᵀ of a small symmetric matrix by cyclic Jacobi rotations
/// (Golub & Van Loan §8.5): each rotation zeroes one off-diagonal pair; sweeps converge quadratically.
enum SymmetricEigen {
    /// Eigenvalues (in `values[0..<d]`) and orthonormal eigenvectors (column k of the row-major 4×4 `vectors`)
    /// of the leading d×d block (d ≤ 4) of the symmetric row-major 4×4 `a`. Allocates nothing.
    static func decompose(_ a: SIMD16<Double>, dimension d: Int) -> (values: SIMD4<Double>, vectors: SIMD16<Double>) {
        var a = a, v = SIMD16<Double>(repeating: 0)
        for i in 0..<d { v[5 * i] = 1 }
        var scale = 0.0
        for i in 0..<d { for j in 0..<d { scale += a[4 * i + j] * a[4 * i + j] } }
        for _ in 0..<32 {
            var off = 0.0
            for p in 0..<d { for q in (p + 1)..<max(p + 1, d) { off += a[4 * p + q] * a[4 * p + q] } }
            guard off > 1e-32 * scale else { break }
            for p in 0..<d {
                for q in (p + 1)..<max(p + 1, d) where a[4 * p + q] != 0 {
                    let apq = a[4 * p + q]
                    let theta = (a[5 * q] - a[5 * p]) / (2 * apq)
                    let t = (theta >= 0 ? 1 : -1) / (abs(theta) + (theta * theta + 1).squareRoot())
                    let c = 1 / (t * t + 1).squareRoot(), s = t * c
                    a[5 * p] -= t * apq
                    a[5 * q] += t * apq
                    a[4 * p + q] = 0
                    a[4 * q + p] = 0
                    for r in 0..<d where r != p && r != q {
                        let arp = a[4 * r + p], arq = a[4 * r + q]
                        a[4 * r + p] = c * arp - s * arq
                        a[4 * p + r] = a[4 * r + p]
                        a[4 * r + q] = s * arp + c * arq
                        a[4 * q + r] = a[4 * r + q]
                    }
                    for r in 0..<d {
                        let vrp = v[4 * r + p], vrq = v[4 * r + q]
                        v[4 * r + p] = c * vrp - s * vrq
                        v[4 * r + q] = s * vrp + c * vrq
                    }
                }
            }
        }
        var values = SIMD4<Double>(repeating: 0)
        for i in 0..<d { values[i] = a[5 * i] }
        return (values, v)
    }
}
