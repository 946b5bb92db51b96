import GaussianIntegrals
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
    /// Student biases b (K): λ_k = w_k·x/√d + b_k.
    public var b: [Double]
    /// Teacher biases b* (M).
    public var bStar: [Double]

    /// Biases default to 0.
    public init(studentUnits: Int, teacherUnits: Int, q: [Double], r: [Double], t: [Double], v: [Double], vStar: [Double],
                b: [Double]? = nil, bStar: [Double]? = nil) {
        let b = b ?? Array(repeating: 0, count: studentUnits), bStar = bStar ?? Array(repeating: 0, count: teacherUnits)
        precondition(q.count == studentUnits * studentUnits && r.count == studentUnits * teacherUnits
            && t.count == teacherUnits * teacherUnits && v.count == studentUnits && vStar.count == teacherUnits
            && b.count == studentUnits && bStar.count == teacherUnits,
            "order-parameter shapes do not match K = \(studentUnits), M = \(teacherUnits)")
        self.studentUnits = studentUnits; self.teacherUnits = teacherUnits
        self.q = q; self.r = r; self.t = t; self.v = v; self.vStar = vStar; self.b = b; self.bStar = bStar
    }

    /// The shifts of the local fields (b₁…b_K, b*₁…b*_M), or `nil` when every bias is 0.
    public var fieldShifts: [Double]? {
        let all = b + bStar
        return all.contains { $0 != 0 } ? all : nil
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

extension CommitteeOrderParameters {
    /// The scale a committee trajectory from this state is measured against: the largest of the student norms
    /// Q_ii(0), the teacher norms T_nn, the noise variance σ² and (v*_n/v_k)² T_nn (a student whose second layer is
    /// smaller than the teacher's fits it with proportionally larger weights).
    public func divergenceBound(noiseVariance: Double, factor: Double = DivergenceBound.defaultFactor) -> DivergenceBound {
        let k = studentUnits, m = teacherUnits
        let qMax = (0..<k).map { q[$0 * k + $0] }.max() ?? 0, tMax = (0..<m).map { t[$0 * m + $0] }.max() ?? 0
        let vMin = v.map(abs).min() ?? 0, vStarMax = vStar.map(abs).max() ?? 0
        var scales = [("Q_ii(0)", qMax), ("T_nn", tMax), ("σ²", noiseVariance)]
        if vMin > 0 { scales.append(("(v*/v)² T_nn", vStarMax * vStarMax / (vMin * vMin) * tMax)) }
        return DivergenceBound(scales: scales, factor: factor)
    }

    /// The largest student norm Q_ii.
    public var largestStudentNorm: Double {
        var largest = -Double.infinity
        for i in 0..<studentUnits { largest = Swift.max(largest, q[i * studentUnits + i]) }
        return largest
    }

    /// Why this state is not one a committee can have, or `nil`: a non-finite entry, or a covariance of the local
    /// fields [[Q, R], [Rᵀ, T]] outside the semidefinite cone by more than `tolerance` × its largest diagonal entry.
    public func invalidity(tolerance: Double = 1e-6) -> String? {
        if !(q + r + v + b).allSatisfy(\.isFinite) { return "the order parameters became non-finite" }
        let n = studentUnits + teacherUnits, c = fieldCovariance
        if Cholesky.factor(c, dimension: n, tolerance: tolerance) == nil {
            return "the overlaps left the semidefinite cone (the covariance [[Q, R], [Rᵀ, T]] of the local fields has a negative "
                + "eigenvalue beyond \(tolerance) of its scale), which no network can have"
        }
        return nil
    }
}

