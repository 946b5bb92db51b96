/// The Cholesky factor of a symmetric positive-(semi)definite matrix.
public enum Cholesky {
    /// The lower-triangular L with A = L Lᵀ (row-major n×n), or `nil` when A is not symmetric
    /// positive semidefinite within `tolerance` (relative to the largest diagonal entry).
    ///
    /// Pivots in [−tolerance, tolerance]·max Aᵢᵢ count as zero and give a zero column, so a singular
    /// covariance (e.g. two identical local fields) is factored exactly rather than rejected.
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
                // A zero pivot: the column below must vanish too, or A is indefinite.
                for i in (j + 1)..<max(j + 1, n) {
                    var s = a[i * stride + j]
                    for k in 0..<j { s -= l[i * stride + k] * l[j * stride + k] }
                    if abs(s) > 1e3 * tolerance * scale { return false }
                }
                continue
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
