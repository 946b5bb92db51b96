import RealModule

/// The Gaussian integrals of the committee-machine ODEs over the local fields u = (λ₁…λ_K, ρ₁…ρ_M), whose
/// covariance C = [[Q, R], [Rᵀ, T]] is passed as a row-major (K+M)² buffer. Field f < K is a student field
/// (activation g), the others teacher fields (g*):
///
///     I2(a,b) = E[g_a(u_a) g_b(u_b)],      J2(a,b) = E[g'(u_a) g'(u_b)],
///     I3(a,b,c) = E[g'(u_a) u_b g_c(u_c)],  I4(a,b,c,d) = E[g'(u_a) g'(u_b) g_c(u_c) g_d(u_d)],
///
/// (a, b student fields wherever a derivative appears). Closed forms when every activation involved is
/// the same one of erf, ReLU, linear; tensor-product quadrature otherwise, over Gauss–Hermite nodes or, when
/// an activation asks for it (`Activation.quadratureRule`, tanh), the Gaussian trapezoid rule. Two-dimensional
/// integrals are cheap, so they use at least `planarOrder` nodes, and I3 is reduced to them by Stein's lemma
/// when g'' is known: I3(a,b,c) = C_ab E[g''(u_a) g_c(u_c)] + C_bc E[g'(u_a) g_c'(u_c)].
///
/// **Biases.** With biases every activation acts on a shifted field, g_a(u_a + μ_a) with u ~ N(0, C) (μ = the student's
/// and the teacher's biases b, b*, passed per call as `shift`); the factor u_b of I3 stays unshifted. A new integral
/// enters the biases' drift, I2′(a,b) = E[g'(u_a + μ_a) g_b(u_b + μ_b)]. Closed forms stay where every shift involved is
/// 0 and for linear units (I2 = C_ab + μ_aμ_b, I3 = C_bc, I4 = C_pq + μ_pμ_q, J2 = 1, I2′ = μ_b). For erf units the
/// Gaussian g'(x) = √(2/π) e^{−x²/2} is integrated out exactly (`ShiftedErf`): J2, I2′ and I3 in closed form, I4 down
/// to a planar integral; I2 is a bivariate normal distribution function (`BivariateNormal`). For ReLU units I2, J2, I2′ and I3 are closed through the bivariate normal distribution
/// function (`ShiftedReLU`; I4 would need four-variate orthant probabilities with means). Otherwise the same quadrature
/// over N(μ, C) (a scenario with biases builds the rules even for erf and ReLU, `hasShifts`).
///
/// Integrals with a piecewise activation (`Activation.kinks`: ReLU with any other activation, or a custom
/// piecewise one) are split exactly at the kinks of every kinked field (`KinkedGaussianQuadrature`), with the same
/// smooth rule on the smooth fields; Stein's reduction is then used only when g_a has no kink (its g'' would
/// miss the δ at the kink).
public struct CommitteeIntegrals: Sendable {
    /// g: the activation of the student fields 0..<K.
    public let student: Activation
    /// g*: the activation of the teacher fields K..<K+M.
    public let teacher: Activation
    /// The activations' families, stored apart so that the closed-form dispatch of every integral reads two
    /// enums instead of copying an `Activation` (closures and its kink array: retain/release in the hot loop).
    @usableFromInline let studentFamily: Activation.Family
    @usableFromInline let teacherFamily: Activation.Family
    /// K: fields 0..<K are the student's.
    public let studentUnits: Int
    /// The rule for three- and four-dimensional integrals, `quadratureOrder` nodes per dimension (a one-node
    /// placeholder when every integral has a closed form, so that building the ODE costs nothing for erf, ReLU
    /// and linear units).
    public let quadrature: GaussianQuadrature
    /// The rule for two-dimensional integrals (I2, J2, and I3 after Stein's lemma), of the same kind with at
    /// least `planarOrder` nodes per dimension; a placeholder likewise.
    public let planarQuadrature: GaussianQuadrature
    /// The same rules split at kinks, when an activation is piecewise and the integrals have no closed form.
    public let kinkedQuadrature: KinkedGaussianQuadrature?
    /// `planarQuadrature` split at kinks, under the same condition as `kinkedQuadrature`.
    public let kinkedPlanarQuadrature: KinkedGaussianQuadrature?
    /// Nodes per dimension of the three- and four-dimensional rule unless told otherwise: odd, so that the
    /// trapezoid rule has a node at 0 (for tanh 10× more accurate than 14 nodes; README).
    public static let defaultQuadratureOrder = 15
    /// Fewest nodes per dimension for two-dimensional integrals.
    public static let planarOrder = 64

    /// Whether the fields may be shifted (biases): the quadrature rules are then built for every activation.
    public let hasShifts: Bool

    /// Integrals for a committee of K = `studentUnits` student units with activation `student` and a teacher with
    /// activation `teacher`; the quadrature rules are built only where some integral needs them.
    /// - Parameters:
    ///   - student: The student's activation g.
    ///   - teacher: The teacher's activation g*.
    ///   - studentUnits: K: fields 0..<K are the student's, the rest the teacher's.
    ///   - quadratureOrder: Nodes per dimension of the three- and four-dimensional rule (the planar rule takes at
    ///     least `planarOrder`).
    ///   - hasShifts: Whether the fields will be shifted (biases): then the rules are built for erf and ReLU too.
    public init(student: Activation, teacher: Activation, studentUnits: Int, quadratureOrder: Int = defaultQuadratureOrder,
                hasShifts: Bool = false) {
        self.student = student
        self.teacher = teacher
        studentFamily = student.family
        teacherFamily = teacher.family
        self.studentUnits = studentUnits
        self.hasShifts = hasShifts
        let kind = Self.quadratureRule(student: student, teacher: teacher, hasShifts: hasShifts)
        func rule(_ nodes: Int) -> GaussianQuadrature {
            switch kind {
            case nil: GaussianQuadrature(order: 1)
            case .trapezoid: GaussianQuadrature(rule: GaussianTrapezoid.rule(nodes: nodes))
            case .gaussHermite: GaussianQuadrature(order: nodes)
            }
        }
        quadrature = rule(quadratureOrder)
        planarQuadrature = rule(max(quadratureOrder, Self.planarOrder))
        if kind != nil && (student.isPiecewise || teacher.isPiecewise) {
            kinkedQuadrature = KinkedGaussianQuadrature(smooth: quadrature.rule, order: quadratureOrder)
            kinkedPlanarQuadrature = KinkedGaussianQuadrature(smooth: planarQuadrature.rule)
        } else {
            kinkedQuadrature = nil
            kinkedPlanarQuadrature = nil
        }
    }

    /// The quadrature rule of the integrals without a closed form, or nil when every integral has one.
    public var quadratureRule: Activation.QuadratureRuleKind? {
        Self.quadratureRule(student: student, teacher: teacher, hasShifts: hasShifts)
    }

    /// `quadratureRule` for these activations, without building the rules (with shifts, only linear units need none).
    public static func quadratureRule(student: Activation, teacher: Activation, hasShifts: Bool = false) -> Activation.QuadratureRuleKind? {
        if student.family != .other && student.family == teacher.family && !(hasShifts && student.family != .linear) { return nil }
        return student.quadratureRule == .trapezoid || teacher.quadratureRule == .trapezoid ? .trapezoid : .gaussHermite
    }

    @inlinable
    func activation(_ field: Int) -> Activation { field < studentUnits ? student : teacher }

    /// The closed-form family shared by the activations of these fields (−1: unused), or `.other`.
    @inlinable
    func family(_ a: Int, _ b: Int, _ p: Int = -1, _ q: Int = -1) -> Activation.Family {
        let s = studentFamily, t = teacherFamily
        if s == t { return s }
        let anyTeacher = a >= studentUnits || b >= studentUnits || p >= studentUnits || q >= studentUnits
        let anyStudent = (a >= 0 && a < studentUnits) || (b >= 0 && b < studentUnits)
            || (p >= 0 && p < studentUnits) || (q >= 0 && q < studentUnits)
        if anyTeacher && anyStudent { return .other }
        return anyTeacher ? t : s
    }

    /// The shifts μ_a, μ_b of `shift` (0 without one).
    @inlinable
    func shifts(_ shift: UnsafePointer<Double>?, _ a: Int, _ b: Int) -> (Double, Double) {
        guard let shift else { return (0, 0) }
        return (shift[a], shift[b])
    }

    /// I2(a,b) = E[g_a(u_a + μ_a) g_b(u_b + μ_b)] for fields a, b of the row-major covariance `c` with row stride
    /// n = K + M, μ = `shift` (n entries; nil: no shifts).
    public func i2(_ c: UnsafePointer<Double>, stride n: Int, _ a: Int, _ b: Int, shift: UnsafePointer<Double>? = nil) -> Double {
        let caa = c[a * n + a], cab = c[a * n + b], cbb = c[b * n + b]
        let (ma, mb) = shifts(shift, a, b)
        if ma != 0 || mb != 0 {
            if family(a, b) == .linear { return cab + ma * mb }
            if family(a, b) == .erf { return ShiftedErf.i2(caa, cab, cbb, ma, mb) }
            if family(a, b) == .relu, let value = ShiftedReLU.i2(caa, cab, cbb, ma, mb, same: a == b) { return value }
            let f = activation(a), g = activation(b)
            return planar(caa, cab, cbb, (f.function, f.kinks), (g.function, g.kinks), mean: (ma, mb))
        }
        switch family(a, b) {
        case .erf: return ErfIntegrals.i2(c11: caa, c12: cab, c22: cbb)
        case .relu: return ReLUIntegrals.i2(c11: caa, c12: cab, c22: cbb)
        case .linear: return LinearIntegrals.i2(c12: cab)
        case .other:
            let f = activation(a), g = activation(b)
            return planar(caa, cab, cbb, (f.function, f.kinks), (g.function, g.kinks))
        }
    }

    /// J2(a,b) = E[g'(u_a + μ_a) g'(u_b + μ_b)] (a, b student fields) over `c` with row stride n, μ = `shift`
    /// (nil: no shifts); 1 for linear units.
    public func j2(_ c: UnsafePointer<Double>, stride n: Int, _ a: Int, _ b: Int, shift: UnsafePointer<Double>? = nil) -> Double {
        let caa = c[a * n + a], cab = c[a * n + b], cbb = c[b * n + b]
        let (ma, mb) = shifts(shift, a, b)
        if ma != 0 || mb != 0 {
            if family(a, b) == .linear { return 1 }
            if family(a, b) == .erf { return ShiftedErf.j2(caa, cab, cbb, ma, mb) }
            if family(a, b) == .relu, let value = ShiftedReLU.j2(caa, cab, cbb, ma, mb, same: a == b) { return value }
            let f = activation(a), g = activation(b)
            return planar(caa, cab, cbb, (f.derivative, f.kinks), (g.derivative, g.kinks), mean: (ma, mb))
        }
        switch family(a, b) {
        case .erf: return ErfIntegrals.j2(c11: caa, c12: cab, c22: cbb)
        case .relu: return ReLUIntegrals.j2(c11: caa, c12: cab, c22: cbb)
        case .linear: return 1
        case .other:
            let f = activation(a), g = activation(b)
            return planar(caa, cab, cbb, (f.derivative, f.kinks), (g.derivative, g.kinks))
        }
    }

    /// I2′(a,b) = E[g'(u_a + μ_a) g_b(u_b + μ_b)] (a a student field): the drift of the biases. Without shifts it
    /// vanishes for erf (g' even, g odd); linear units give μ_b; ReLU's is closed (`ShiftedReLU`); otherwise planar
    /// quadrature.
    public func i2Prime(_ c: UnsafePointer<Double>, stride n: Int, _ a: Int, _ b: Int, shift: UnsafePointer<Double>? = nil) -> Double {
        let caa = c[a * n + a], cab = c[a * n + b], cbb = c[b * n + b]
        let (ma, mb) = shifts(shift, a, b)
        switch family(a, b) {
        case .linear: return mb
        case .erf where ma == 0 && mb == 0: return 0
        case .erf: return ShiftedErf.i2Prime(caa, cab, cbb, ma, mb)
        default:
            if family(a, b) == .relu, let value = ShiftedReLU.i2Prime(caa, cab, cbb, ma, mb, same: a == b) { return value }
            let f = activation(a), g = activation(b)
            return planar(caa, cab, cbb, (f.derivative, f.kinks), (g.function, g.kinks), mean: (ma, mb))
        }
    }

    /// I3(a,b,d) = E[g'(u_a + μ_a) u_b g_d(u_d + μ_d)] (a a student field; the factor u_b unshifted) over `c` with
    /// row stride n, μ = `shift` (nil: no shifts). Without a closed form it is reduced by Stein's lemma to
    /// C_ab E[g''(u_a) g_d(u_d)] + C_bd E[g'(u_a) g_d'(u_d)] when g'' is known and g_a has no kink.
    public func i3(_ c: UnsafePointer<Double>, stride n: Int, _ a: Int, _ b: Int, _ d: Int, shift: UnsafePointer<Double>? = nil) -> Double {
        let c11 = c[a * n + a], c12 = c[a * n + b], c13 = c[a * n + d], c23 = c[b * n + d], c33 = c[d * n + d]
        let (ma, md) = shifts(shift, a, d)
        let shifted = ma != 0 || md != 0
        if shifted && family(a, d) == .linear { return c23 }
        // Stein's reduction with both terms in closed form for erf.
        if shifted && family(a, d) == .erf { return c12 * ShiftedErf.curvature(c11, c13, c33, ma, md) + c23 * ShiftedErf.j2(c11, c13, c33, ma, md) }
        if shifted && family(a, d) == .relu,
           let value = ShiftedReLU.i3(c11: c11, c12: c12, c13: c13, c23: c23, c33: c33, ma, md, same: a == d) { return value }
        switch shifted ? .other : family(a, d) {
        case .erf: return ErfIntegrals.i3(c11: c11, c12: c12, c13: c13, c23: c23, c33: c33)
        case .relu: return ReLUIntegrals.i3(c11: c11, c12: c12, c13: c13, c23: c23, c33: c33)
        case .linear: return LinearIntegrals.i3(c23: c23)
        case .other:
            let f = activation(a), g = activation(d)
            if let second = f.secondDerivative, !f.isPiecewise {
                let curvature = c12 == 0 ? 0 : planar(c11, c13, c33, (second, []), (g.function, g.kinks), mean: (ma, md))
                let slope = c23 == 0 ? 0 : planar(c11, c13, c33, (f.derivative, []), (g.derivative, g.kinks), mean: (ma, md))
                return c12 * curvature + c23 * slope
            }
            let c22 = c[b * n + b]
            let m = SIMD16<Double>(c11, c12, c13, 0, c12, c22, c23, 0, c13, c23, c33, 0, 0, 0, 0, 0)
            // The factor u_b stays unshifted: μ = (μ_a, 0, μ_d).
            let mean = SIMD4(ma, 0, md, 0)
            if let kinked = kinkedQuadrature, f.isPiecewise || g.isPiecewise {
                return kinked.productExpectation(
                    m, dimension: 3, fields: SIMD4(0, 1, 2, -1), mean: mean,
                    (f.derivative, f.kinks), (Self.identity, []), (g.function, g.kinks), (Self.one, []))
            }
            return quadrature.productExpectation(
                m, dimension: 3, fields: SIMD4(0, 1, 2, -1), mean: mean, f.derivative, Self.identity, g.function, Self.one)
        }
    }

    /// `cache` shares ReLU's four-variate orthant probabilities between calls on the same covariance buffer.
    public func i4(_ c: UnsafePointer<Double>, stride n: Int, _ a: Int, _ b: Int, _ p: Int, _ q: Int,
                   cache: OrthantCache? = nil, shift: UnsafePointer<Double>? = nil) -> Double {
        func field(_ x: Int) -> Int { x == 0 ? a : x == 1 ? b : x == 2 ? p : q }
        func entry(_ x: Int, _ y: Int) -> Double { c[field(x) * n + field(y)] }
        /// The 4×4 covariance of the positions (a, b, p, q), for the paths that integrate over them.
        func positions() -> SIMD16<Double> {
            var m = SIMD16<Double>(repeating: 0)
            for x in 0..<4 { for y in 0..<4 { m[x * 4 + y] = entry(x, y) } }
            return m
        }
        var mean = SIMD4<Double>.zero
        if let shift { mean = SIMD4(shift[a], shift[b], shift[p], shift[q]) }
        let shifted = mean != .zero
        if shifted && family(a, b, p, q) == .linear { return c[p * n + q] + mean[2] * mean[3] }
        if shifted && family(a, b, p, q) == .erf {
            let tilt = ShiftedErf.tilt(positions(), mean: mean)
            let g = activation(p).function
            return tilt.weight * planar(tilt.cpp, tilt.cpq, tilt.cqq, (g, []), (g, []), mean: (tilt.mp, tilt.mq))
        }
        switch shifted ? .other : family(a, b, p, q) {
        case .erf:
            return ErfIntegrals.i4(
                c11: c[a * n + a], c12: c[a * n + b], c13: c[a * n + p], c14: c[a * n + q], c22: c[b * n + b],
                c23: c[b * n + p], c24: c[b * n + q], c33: c[p * n + p], c34: c[p * n + q], c44: c[q * n + q])
        case .linear:
            return LinearIntegrals.i4(c34: c[p * n + q])
        case .relu:
            return ReLUIntegrals.i4(positions(), fields: SIMD4(a, b, p, q), cache: cache)
        case .other:
            let m = positions()
            // Repeated fields give zero Cholesky columns, which the quadrature collapses to one node.
            let ga = activation(a), gb = activation(b), gp = activation(p), gq = activation(q)
            if let kinked = kinkedQuadrature, ga.isPiecewise || gb.isPiecewise || gp.isPiecewise || gq.isPiecewise {
                return kinked.productExpectation(
                    m, dimension: 4, fields: SIMD4(0, 1, 2, 3), mean: mean,
                    (ga.derivative, ga.kinks), (gb.derivative, gb.kinks), (gp.function, gp.kinks), (gq.function, gq.kinks))
            }
            return quadrature.productExpectation(
                m, dimension: 4, fields: SIMD4(0, 1, 2, 3), mean: mean,
                activation(a).derivative, activation(b).derivative, activation(p).function, activation(q).function)
        }
    }

    @usableFromInline static let one: @Sendable (Double) -> Double = { _ in 1 }
    @usableFromInline static let identity: @Sendable (Double) -> Double = { $0 }

    /// E[f(u_a) g(u_b)] over the 2×2 covariance [[caa, cab], [cab, cbb]] with the planar rule, split at the
    /// factors' kinks if they have any.
    func planar(_ caa: Double, _ cab: Double, _ cbb: Double, _ f: KinkedGaussianQuadrature.Factor,
                _ g: KinkedGaussianQuadrature.Factor, mean: (Double, Double) = (0, 0)) -> Double {
        let c = SIMD16<Double>(caa, cab, 0, 0, cab, cbb, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        let mu = SIMD4(mean.0, mean.1, 0, 0)
        if let kinked = kinkedPlanarQuadrature, !f.kinks.isEmpty || !g.kinks.isEmpty {
            return kinked.productExpectation(c, dimension: 2, fields: SIMD4(0, 1, -1, -1), mean: mu, f, g, (Self.one, []), (Self.one, []))
        }
        return planarQuadrature.productExpectation(c, dimension: 2, fields: SIMD4(0, 1, -1, -1), mean: mu,
                                                   f.function, g.function, Self.one, Self.one)
    }
}

/// Integrals of erf units (g(x) = erf(x/√2), g'(x) = √(2/π) e^{−x²/2}) over shifted fields x = u + μ, u ~ N(0, C), where
/// the Gaussian factors g' are integrated out exactly. Tilting N(0, C) by e^{−|x_A|²/2} over a set A of fields (S = C_AA)
/// gives, by Woodbury, the weight det(I + S)^{−1/2} e^{−½ μ_Aᵀ(I + S)⁻¹μ_A} and for the other fields P the Gaussian with
/// mean −C_PA(I + S)⁻¹μ_A and covariance C_PP − C_PA(I + S)⁻¹C_AP (no inverse of C: singular C is fine). Hence
///
///     J2(a,b)  = (2/π) det(I + S)^{−1/2} e^{−½ μᵀ(I + S)⁻¹μ},                      A = {a, b}
///     I2′(a,b) = √(2/π) (1 + C_aa)^{−1/2} e^{−μ_a²/(2(1 + C_aa))} erf(m/√(2(1 + v))),  A = {a}, m, v the tilted b
///     I4(a,b,p,q) = (2/π) det(I + S)^{−1/2} e^{−½ μ_Aᵀ(I + S)⁻¹μ_A} E'[g(x_p) g(x_q)],  A = {a, b}, a planar integral
///     E[g''(x_a) g(x_c)] = −√(2/π) w E'[x_a g(x_c)] = −√(2/π) w (m_a E'[g(x_c)] + c_ac E'[g'(x_c)]),  A = {a}
///
/// (the last by Stein's lemma in the tilted Gaussian: m_a = μ_a/(1 + C_aa), c_ac = C_ac/(1 + C_aa); with it
/// I3(a,b,c) = C_ab E[g''(x_a)g(x_c)] + C_bc J2(a,c) is closed too),
/// using E[erf(y/√2)] = erf(m/√(2(1 + v))) for y ~ N(m, v).
enum ShiftedErf {
    /// I2 = E[erf(x_a/√2) erf(x_b/√2)] = 4E[Φ(x_a)Φ(x_b)] − 2E[Φ(x_a)] − 2E[Φ(x_b)] + 1 with E[Φ(x_a)] = Φ(μ_a/√(1 + C_aa))
    /// and E[Φ(x_a)Φ(x_b)] = P(y_a ≤ x_a, y_b ≤ x_b) for independent standard y: Φ₂(μ_a/√(1 + C_aa), μ_b/√(1 + C_bb);
    /// C_ab/√((1 + C_aa)(1 + C_bb))) (`BivariateNormal`; never degenerate, a = b included).
    static func i2(_ caa: Double, _ cab: Double, _ cbb: Double, _ ma: Double, _ mb: Double) -> Double {
        let sa = (1 + caa).squareRoot(), sb = (1 + cbb).squareRoot()
        let both = BivariateNormal.cdf(ma / sa, mb / sb, correlation: cab / (sa * sb))
        return 4 * both - 2 * BivariateNormal.phi(ma / sa) - 2 * BivariateNormal.phi(mb / sb) + 1
    }

    static func j2(_ caa: Double, _ cab: Double, _ cbb: Double, _ ma: Double, _ mb: Double) -> Double {
        let a11 = 1 + caa, a22 = 1 + cbb, det = a11 * a22 - cab * cab
        let quadratic = (a22 * ma * ma - 2 * cab * ma * mb + a11 * mb * mb) / det
        return (2 / Double.pi) / det.squareRoot() * Double.exp(-0.5 * quadratic)
    }

    static func i2Prime(_ caa: Double, _ cab: Double, _ cbb: Double, _ ma: Double, _ mb: Double) -> Double {
        let a = 1 + caa
        let m = mb - cab * ma / a, v = max(0, cbb - cab * cab / a)
        return (2 / Double.pi).squareRoot() / a.squareRoot() * Double.exp(-0.5 * ma * ma / a)
            * Double.erf(m / (2 * (1 + v)).squareRoot())
    }

    /// E[g''(x_a) g(x_c)] = −√(2/π) E[x_a e^{−x_a²/2} erf(x_c/√2)].
    static func curvature(_ caa: Double, _ cac: Double, _ ccc: Double, _ ma: Double, _ mc: Double) -> Double {
        let a = 1 + caa
        let weight = 1 / a.squareRoot() * Double.exp(-0.5 * ma * ma / a)
        let meanA = ma / a, covariance = cac / a
        let m = mc - cac * ma / a, v = max(0, ccc - cac * cac / a), spread = 1 + v
        let value = Double.erf(m / (2 * spread).squareRoot())
        let slope = (2 / Double.pi).squareRoot() / spread.squareRoot() * Double.exp(-0.5 * m * m / spread)
        return -(2 / Double.pi).squareRoot() * weight * (meanA * value + covariance * slope)
    }

    /// The tilt of the 4×4 covariance `m` (positions a, b, p, q) by g'(x_a)g'(x_b): its weight (with the (2/π) of g'²)
    /// and the Gaussian of (x_p, x_q) left, means included.
    static func tilt(_ m: SIMD16<Double>, mean: SIMD4<Double>) -> (weight: Double, cpp: Double, cpq: Double, cqq: Double, mp: Double, mq: Double) {
        let a11 = 1 + m[0], a12 = m[1], a22 = 1 + m[5]
        let det = a11 * a22 - a12 * a12
        let i11 = a22 / det, i12 = -a12 / det, i22 = a11 / det
        let mu1 = mean[0], mu2 = mean[1]
        let quadratic = mu1 * (i11 * mu1 + i12 * mu2) + mu2 * (i12 * mu1 + i22 * mu2)
        let weight = (2 / Double.pi) / det.squareRoot() * Double.exp(-0.5 * quadratic)
        // W = C_PA (I + S)⁻¹ for P = (p, q), A = (a, b).
        let bp1 = m[8], bp2 = m[9], bq1 = m[12], bq2 = m[13]
        let wp1 = bp1 * i11 + bp2 * i12, wp2 = bp1 * i12 + bp2 * i22
        let wq1 = bq1 * i11 + bq2 * i12, wq2 = bq1 * i12 + bq2 * i22
        return (weight,
                m[10] - (wp1 * bp1 + wp2 * bp2), m[11] - (wp1 * bq1 + wp2 * bq2), m[15] - (wq1 * bq1 + wq2 * bq2),
                mean[2] - (wp1 * mu1 + wp2 * mu2), mean[3] - (wq1 * mu1 + wq2 * mu2))
    }
}
