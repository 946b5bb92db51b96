import GaussianIntegrals
import Randomness
import Scenarios

/// The first-layer weights of one simulated teacher (M×d) and student (K×d), row-major, built to the
/// scenario's specification.
struct CommitteeNetworks {
    var teacher: [Double]
    var student: [Double]
    /// The measured T = W* W*ᵀ/d.
    var teacherOverlap: [Double]

    /// Draws a teacher and a student from `rng`.
    ///
    /// With `.overlaps(Q, R)` the student is W = R T̂⁻¹ W* + L_S U with U orthonormal rows (|u|² = d)
    /// orthogonal to the teacher and L_S L_Sᵀ = Q − R T̂⁻¹ Rᵀ, so that W W*ᵀ/d = R and W Wᵀ/d = Q exactly.
    init(scenario: CommitteeScenario, dimension d: Int, rng: inout Xoshiro256) throws {
        let k = scenario.studentUnits, m = scenario.teacherUnits
        var basis = [Double](repeating: 0, count: (k + m) * d)
        rng.fillGaussian(&basis)

        switch scenario.teacher {
        case .random:
            teacher = Array(basis[0..<(m * d)])
        case .orthonormal, .overlap:
            Self.orthonormalise(&basis, rows: k + m, dimension: d)
            let t = scenario.teacher.expectedOverlap(units: m)
            guard let l = Cholesky.factor(t, dimension: m) else { throw ScenarioError("teacher overlap T is not positive definite") }
            teacher = Self.multiply(l, rows: m, inner: m, basis, dimension: d)
        }
        teacherOverlap = Self.gram(teacher, teacher, rows: m, m, dimension: d)

        switch scenario.initialStudent {
        case .random(let variance):
            student = [Double](repeating: 0, count: k * d)
            rng.fillGaussian(&student)
            let s = variance.squareRoot()
            for i in student.indices { student[i] *= s }
        case .overlaps(let q, let r):
            if case .random = scenario.teacher {
                // Orthonormalise the student block against the drawn teacher.
                var all = teacher + Array(basis[(m * d)...])
                Self.orthonormalise(&all, rows: k + m, dimension: d, keepFirst: m)
                basis = all
            }
            let tInverseRt = try Self.solve(teacherOverlap, m, rightHandSides: Self.transpose(r, rows: k, columns: m), k)
            // A = R T̂⁻¹ (K×M), Schur complement S = Q − A Rᵀ.
            let a = Self.transpose(tInverseRt, rows: m, columns: k)
            var schur = q
            for i in 0..<k { for j in 0..<k { for n in 0..<m { schur[i * k + j] -= a[i * m + n] * r[j * m + n] } } }
            // Rounding leaves entries of size ε·|Q| where the complement vanishes (a student that already is its
            // teacher, Q = R = T): set them to zero, measured against Q rather than against the complement itself,
            // so that such a student gets a zero orthogonal part instead of being rejected.
            Self.dropRounding(&schur, dimension: k, scale: (0..<k).map { q[$0 * k + $0] }.max() ?? 0)
            guard let ls = Cholesky.factor(schur, dimension: k, tolerance: 1e-9) else {
                throw ScenarioError("initial overlaps Q, R are not realisable with this teacher (Q − R T⁻¹ Rᵀ is not positive semidefinite)")
            }
            let complement = Array(basis[(m * d)...])
            student = Self.multiply(a, rows: k, inner: m, teacher, dimension: d)
            let orthogonal = Self.multiply(ls, rows: k, inner: k, complement, dimension: d)
            for i in student.indices { student[i] += orthogonal[i] }
        }
    }

    /// Symmetrises the row-major n×n `a` and sets entries below 10⁻¹² · `scale` in magnitude to zero.
    static func dropRounding(_ a: inout [Double], dimension n: Int, scale: Double) {
        for i in 0..<n {
            for j in 0...i {
                var value = 0.5 * (a[i * n + j] + a[j * n + i])
                if abs(value) <= 1e-12 * scale { value = 0 }
                a[i * n + j] = value
                a[j * n + i] = value
            }
        }
    }

    /// Modified Gram–Schmidt (twice, for accuracy) on the rows, each scaled to |row|² = d.
    /// The first `keepFirst` rows are only used as directions to project out, and left unchanged.
    static func orthonormalise(_ rows: inout [Double], rows count: Int, dimension d: Int, keepFirst: Int = 0) {
        rows.withUnsafeMutableBufferPointer { buffer in
            let p = buffer.baseAddress!
            let scale = Double(d).squareRoot()
            var saved: [Double] = keepFirst > 0 ? Array(buffer[0..<(keepFirst * d)]) : []
            if keepFirst > 0 {
                // Orthonormalise copies of the kept rows to use as projection directions.
                for i in 0..<keepFirst { normaliseAgainst(p, row: i, previous: i, d: d, scale: scale) }
            }
            for _ in 0..<2 {
                for i in keepFirst..<count { normaliseAgainst(p, row: i, previous: i, d: d, scale: scale) }
            }
            if keepFirst > 0 { for i in 0..<(keepFirst * d) { p[i] = saved[i] } }
            saved.removeAll()
        }
    }

    private static func normaliseAgainst(_ p: UnsafeMutablePointer<Double>, row i: Int, previous: Int, d: Int, scale: Double) {
        let row = p + i * d
        for j in 0..<previous {
            let other = p + j * d
            let c = VectorKernels.dot(row, other, count: d) / Double(d)
            VectorKernels.scaleAdd(row, 1, other, -c, count: d)
        }
        let norm = VectorKernels.dot(row, row, count: d).squareRoot()
        VectorKernels.scaleAdd(row, scale / norm, row, 0, count: d)
    }

    /// (L · B) for L (rows×inner, row-major) and B (inner×d).
    static func multiply(_ l: [Double], rows: Int, inner: Int, _ b: [Double], dimension d: Int) -> [Double] {
        var out = [Double](repeating: 0, count: rows * d)
        for i in 0..<rows {
            for j in 0..<inner where l[i * inner + j] != 0 {
                let c = l[i * inner + j]
                for s in 0..<d { out[i * d + s] += c * b[j * d + s] }
            }
        }
        return out
    }

    /// A Bᵀ/d for A (ra×d) and B (rb×d).
    static func gram(_ a: [Double], _ b: [Double], rows ra: Int, _ rb: Int, dimension d: Int) -> [Double] {
        var out = [Double](repeating: 0, count: ra * rb)
        a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in
                for i in 0..<ra {
                    for j in 0..<rb {
                        out[i * rb + j] = VectorKernels.dot(a.baseAddress! + i * d, b.baseAddress! + j * d, count: d) / Double(d)
                    }
                }
            }
        }
        return out
    }

    static func transpose(_ a: [Double], rows: Int, columns: Int) -> [Double] {
        var out = [Double](repeating: 0, count: rows * columns)
        for i in 0..<rows { for j in 0..<columns { out[j * rows + i] = a[i * columns + j] } }
        return out
    }

    /// X with T X = B for symmetric positive definite T (n×n) and B (n×columns).
    static func solve(_ t: [Double], _ n: Int, rightHandSides b: [Double], _ columns: Int) throws -> [Double] {
        guard let l = Cholesky.factor(t, dimension: n), (0..<n).allSatisfy({ l[$0 * n + $0] > 0 }) else {
            throw ScenarioError("the teacher overlap T is singular")
        }
        var x = b
        for c in 0..<columns {
            for i in 0..<n {
                var s = x[i * columns + c]
                for j in 0..<i { s -= l[i * n + j] * x[j * columns + c] }
                x[i * columns + c] = s / l[i * n + i]
            }
            for i in stride(from: n - 1, through: 0, by: -1) {
                var s = x[i * columns + c]
                for j in (i + 1)..<n { s -= l[j * n + i] * x[j * columns + c] }
                x[i * columns + c] = s / l[i * n + i]
            }
        }
        return x
    }
}
