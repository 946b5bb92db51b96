import Randomness

/// A teacher w* ~ N(0, ρ I_d) and a student with exactly the overlaps m(0) = w·w*/d = m0 and q(0) = |w|²/d = q0
/// against the drawn teacher: w = (m0/ρ̂) w* + √(q0 − m0²/ρ̂) z, with z ⟂ w* and |z|² = d.
struct TeacherStudentPair {
    var teacher: [Double]
    var student: [Double]
    /// The drawn teacher's ρ̂ = |w*|²/d.
    var rho: Double

    init(dimension d: Int, teacherNorm: Double, initialOverlap m0: Double, initialSelfOverlap q0: Double, rng: inout Xoshiro256) {
        let dd = Double(d)
        teacher = [Double](repeating: 0, count: d)
        student = [Double](repeating: 0, count: d)
        rng.fillGaussian(&teacher)
        let sqrtRho = teacherNorm.squareRoot()
        for i in 0..<d { teacher[i] *= sqrtRho }
        rho = teacher.reduce(0) { $0 + $1 * $1 } / dd
        rng.fillGaussian(&student)
        let projection = zip(student, teacher).reduce(0) { $0 + $1.0 * $1.1 } / (rho * dd)
        for i in 0..<d { student[i] -= projection * teacher[i] }
        let zNorm = (student.reduce(0) { $0 + $1 * $1 } / dd).squareRoot()
        let a = m0 / rho, b = max(0, q0 - m0 * m0 / rho).squareRoot() / zNorm
        for i in 0..<d { student[i] = a * teacher[i] + b * student[i] }
    }
}
