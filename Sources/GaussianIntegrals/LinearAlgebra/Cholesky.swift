/// The Cholesky factor of a symmetric positive-(semi)definite matrix.
public enum Cholesky {
    /// The lower-triangular L with A = L Lᵀ (row-major n×n), or `nil` when A is not symmetric
    /// positive semidefinite within `tolerance` (relative to the largest diagonal entry).
    ///
    /// Pivots in [−tolerance, tolerance]·max Aᵢᵢ whose column below vanishes as well count as zero and give a
    /// zero column, so a singular covariance (e.g. two identical local fields) is factored exactly rather than
    /// rejected.
    public static func factor(_ a: [Double], dimension n: Int, tolerance: Double = 1e-12) -> [Double]? {
        precondition(a.count == n * n, "matrix has \(a.count) entries, expected \(n * n)")
        var l = [Double](repeating: 0, count: n * n)
        return decompose(a, into: &l, dimension: n, stride: n, tolerance: tolerance) ? l : nil
    }

    /// Whether A is symmetric positive definite (all pivots above `tolerance`·max Aᵢᵢ).
    public static func isPositiveDefinite(_ a: [Double], dimension n: Int, tolerance: Double = 1e-12) -> Bool {
        guard let l = factor(a, dimension: n, tolerance: tolerance) else { return false }
        return (0..<n).allSatisfy { l[$0 * n + $0] > 0 }
    }

    /// `factor` for the leading d×d block (d ≤ 4) of a row-major 4×4 matrix held in a SIMD16, without allocating.
    static func factor(_ a: SIMD16<Double>, dimension d: Int, tolerance: Double = 1e-10) -> SIMD16<Double>? {
        var l = SIMD16<Double>(repeating: 0)
        return decompose(a, into: &l, dimension: d, stride: 4, tolerance: tolerance) ? l : nil
    }

    /// A lower-triangular L with L Lᵀ = A: `factor`, or, when that fails on a matrix at most `slack`·max Aᵢᵢ
    /// outside the positive-semidefinite cone (its most negative eigenvalue), a factor of the nearest
    /// semidefinite matrix V max(Λ, 0) Vᵀ, eigenvalues below `tolerance`·max Aᵢᵢ set to zero. That factor is
    /// the LQ triangularisation of V √Λ₊ (Givens rotations from the right), so it needs no pivot to be positive;
    /// it may have a zero diagonal entry above a non-zero column. An ODE state that converges to a singular
    /// covariance (a student learning its teacher perfectly, Q = R = T) crosses the boundary by the
    /// integrator's error; this keeps the integrals defined, and continuous, there. `nil` further outside.
    static func nearestSemidefiniteFactor(
        _ a: SIMD16<Double>, dimension d: Int, tolerance: Double = 1e-10, slack: Double = 1e-6
    ) -> SIMD16<Double>? {
        if let l = factor(a, dimension: d, tolerance: tolerance) { return l }
        var scale = 0.0
        for i in 0..<d {
            scale = max(scale, a[5 * i])
            for j in 0..<i where abs(a[4 * i + j] - a[4 * j + i]) > tolerance * scale * 10 { return nil }
        }
        guard scale.isFinite, scale > 0 else { return nil }
        let (values, vectors) = SymmetricEigen.decompose(a, dimension: d)
        var m = SIMD16<Double>(repeating: 0)
        for k in 0..<d {
            guard values[k] >= -slack * scale else { return nil }
            guard values[k] > tolerance * scale else { continue }
            let root = values[k].squareRoot()
            for i in 0..<d { m[4 * i + k] = vectors[4 * i + k] * root }
        }
        // Row i's entries right of the diagonal are rotated into column i; earlier rows are unaffected.
        for i in 0..<d {
            for j in (i + 1)..<max(i + 1, d) where m[4 * i + j] != 0 {
                let x = m[4 * i + i], y = m[4 * i + j], r = (x * x + y * y).squareRoot()
                let c = x / r, s = y / r
                for row in i..<d {
                    let u = m[4 * row + i], v = m[4 * row + j]
                    m[4 * row + i] = c * u + s * v
                    m[4 * row + j] = c * v - s * u
                }
                m[4 * i + j] = 0
            }
        }
        // Columns of rounding-error size carry no variance: zero them, so the quadrature collapses them.
        for j in 0..<d {
            var norm = 0.0
            for i in j..<d { norm += m[4 * i + j] * m[4 * i + j] }
            if norm <= tolerance * scale { for i in j..<d { m[4 * i + j] = 0 } }
        }
        return m
    }

    /// The factorisation itself, entry (i, j) at i·stride + j of `a` and of `l` (zero on entry); false when A is
    /// not symmetric positive semidefinite within `tolerance`.
    @inline(__always)
    static func decompose<Storage: SquareStorage>(
        _ a: Storage, into l: inout Storage, dimension n: Int, stride: Int, tolerance: Double
    ) -> Bool {
        var scale = Double.leastNormalMagnitude
        for i in 0..<n { scale = max(scale, a[i * stride + i]) }
        for i in 0..<n {
            for j in 0..<i where abs(a[i * stride + j] - a[j * stride + i]) > tolerance * scale * 10 { return false }
        }
        for j in 0..<n {
            var pivot = a[j * stride + j]
            for k in 0..<j { pivot -= l[j * stride + k] * l[j * stride + k] }
            guard pivot.isFinite, pivot >= -tolerance * scale else { return false }
            if pivot <= tolerance * scale {
                // A zero pivot when the column below vanishes too (a repeated field). Otherwise a positive
                // pivot is kept, however small (a nearly singular but semidefinite A); the later pivots then
                // turn negative if A is indefinite.
                var vanishes = true
                for i in (j + 1)..<max(j + 1, n) {
                    var s = a[i * stride + j]
                    for k in 0..<j { s -= l[i * stride + k] * l[j * stride + k] }
                    if abs(s) > 1e3 * tolerance * scale { vanishes = false }
                }
                if vanishes { continue }
                guard pivot > 0 else { return false }
            }
            let d = pivot.squareRoot()
            l[j * stride + j] = d
            for i in (j + 1)..<max(j + 1, n) {
                var s = a[i * stride + j]
                for k in 0..<j { s -= l[i * stride + k] * l[j * stride + k] }
                l[i * stride + j] = s / d
            }
        }
        return true
    }
}

/// Row-major square-matrix storage indexed by position: an array, or a SIMD16 for 4×4 blocks.
protocol SquareStorage {
    subscript(index: Int) -> Double { get set }
}

extension Array: SquareStorage where Element == Double {}
extension SIMD16: SquareStorage where Scalar == Double {}
