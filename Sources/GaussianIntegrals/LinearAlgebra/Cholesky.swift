/// The Cholesky factor of a symmetric positive-(semi)definite matrix.
public enum Cholesky {
    /// The lower-triangular L with A = L Lᵀ (row-major n×n), or `nil` when A is not symmetric
    /// positive semidefinite within `tolerance` (relative to the largest diagonal entry).
    ///
    /// Pivots in [−tolerance, tolerance]·max Aᵢᵢ count as zero and give a zero column, so a singular
    /// covariance (e.g. two identical local fields) is factored exactly rather than rejected.
    public static func factor(_ a: [Double], dimension n: Int, tolerance: Double = 1e-12) -> [Double]? {
        precondition(a.count == n * n, "matrix has \(a.count) entries, expected \(n * n)")
        let scale = max((0..<n).map { a[$0 * n + $0] }.max() ?? 0, .leastNormalMagnitude)
        for i in 0..<n {
            for j in 0..<i where abs(a[i * n + j] - a[j * n + i]) > tolerance * scale * 10 { return nil }
        }
        var l = [Double](repeating: 0, count: n * n)
        for j in 0..<n {
            var pivot = a[j * n + j]
            for k in 0..<j { pivot -= l[j * n + k] * l[j * n + k] }
            guard pivot.isFinite, pivot >= -tolerance * scale else { return nil }
            if pivot <= tolerance * scale {
                // A zero pivot: the column below must vanish too, or A is indefinite.
                for i in (j + 1)..<max(j + 1, n) {
                    var s = a[i * n + j]
                    for k in 0..<j { s -= l[i * n + k] * l[j * n + k] }
                    if abs(s) > 1e3 * tolerance * scale { return nil }
                }
                continue
            }
            let d = pivot.squareRoot()
            l[j * n + j] = d
            for i in (j + 1)..<max(j + 1, n) {
                var s = a[i * n + j]
                for k in 0..<j { s -= l[i * n + k] * l[j * n + k] }
                l[i * n + j] = s / d
            }
        }
        return l
    }

    /// Whether A is symmetric positive definite (all pivots above `tolerance`·max Aᵢᵢ).
    public static func isPositiveDefinite(_ a: [Double], dimension n: Int, tolerance: Double = 1e-12) -> Bool {
        guard let l = factor(a, dimension: n, tolerance: tolerance) else { return false }
        return (0..<n).allSatisfy { l[$0 * n + $0] > 0 }
    }
}
