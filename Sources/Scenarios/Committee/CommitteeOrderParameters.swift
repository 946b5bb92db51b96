/// The order parameters of a committee machine at one time (matrices row-major).
public struct CommitteeOrderParameters: Sendable, Hashable, Codable {
    /// K.
    public var studentUnits: Int
    /// M.
    public var teacherUnits: Int
    /// Q_ik = w_i·w_k/d (K×K).
    public var q: [Double]
    /// R_in = w_i·w*_n/d (K×M).
    public var r: [Double]
    /// T_nm = w*_n·w*_m/d (M×M).
    public var t: [Double]
    /// Student second layer v (K).
    public var v: [Double]
    /// Teacher second layer v* (M).
    public var vStar: [Double]

    public init(studentUnits: Int, teacherUnits: Int, q: [Double], r: [Double], t: [Double], v: [Double], vStar: [Double]) {
        precondition(q.count == studentUnits * studentUnits && r.count == studentUnits * teacherUnits
            && t.count == teacherUnits * teacherUnits && v.count == studentUnits && vStar.count == teacherUnits,
            "order-parameter shapes do not match K = \(studentUnits), M = \(teacherUnits)")
        self.studentUnits = studentUnits; self.teacherUnits = teacherUnits
        self.q = q; self.r = r; self.t = t; self.v = v; self.vStar = vStar
    }

    /// The covariance of the local fields (λ_1…λ_K, ρ_1…ρ_M): [[Q, R], [Rᵀ, T]], row-major (K+M)².
    public var fieldCovariance: [Double] {
        Self.jointCovariance(q: q, r: r, t: t, k: studentUnits, m: teacherUnits)
    }

    /// [[Q, R], [Rᵀ, T]] for the given blocks.
    public static func jointCovariance(q: [Double], r: [Double], t: [Double], k: Int, m: Int) -> [Double] {
        let n = k + m
        var c = [Double](repeating: 0, count: n * n)
        for i in 0..<k {
            for j in 0..<k { c[i * n + j] = q[i * k + j] }
            for b in 0..<m { c[i * n + k + b] = r[i * m + b]; c[(k + b) * n + i] = r[i * m + b] }
        }
        for a in 0..<m { for b in 0..<m { c[(k + a) * n + k + b] = t[a * m + b] } }
        return c
    }
}
