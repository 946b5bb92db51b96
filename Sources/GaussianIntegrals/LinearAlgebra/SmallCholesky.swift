/// Allocation-free Cholesky factorisation of covariances of up to four Gaussian fields.
enum SmallCholesky {
    /// L with C = L Lᵀ for the leading d×d block of the row-major 4×4 `c` (d ≤ 4), or `nil` when that block
    /// is not symmetric positive semidefinite within `tolerance`·max Cᵢᵢ.
    ///
    /// A pivot in [−tolerance, tolerance]·max Cᵢᵢ gives a zero column (the field is a combination of the
    /// earlier ones, e.g. a repeated local field), so singular covariances are factored exactly.
    static func factor(_ c: SIMD16<Double>, dimension d: Int, tolerance: Double = 1e-10) -> SIMD16<Double>? {
        var scale = Double.leastNormalMagnitude
        for i in 0..<d { scale = max(scale, c[5 * i]) }
        for i in 0..<d {
            for j in 0..<i where abs(c[4 * i + j] - c[4 * j + i]) > 10 * tolerance * scale { return nil }
        }
        var l = SIMD16<Double>(repeating: 0)
        for j in 0..<d {
            var pivot = c[5 * j]
            for k in 0..<j { pivot -= l[4 * j + k] * l[4 * j + k] }
            guard pivot.isFinite, pivot >= -tolerance * scale else { return nil }
            if pivot <= tolerance * scale {
                for i in (j + 1)..<max(j + 1, d) {
                    var s = c[4 * i + j]
                    for k in 0..<j { s -= l[4 * i + k] * l[4 * j + k] }
                    if abs(s) > 1e3 * tolerance * scale { return nil }
                }
                continue
            }
            let root = pivot.squareRoot()
            l[5 * j] = root
            for i in (j + 1)..<max(j + 1, d) {
                var s = c[4 * i + j]
                for k in 0..<j { s -= l[4 * i + k] * l[4 * j + k] }
                l[4 * i + j] = s / root
            }
        }
        return l
    }
}
