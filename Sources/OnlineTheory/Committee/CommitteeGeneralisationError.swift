import GaussianIntegrals
import RealModule
import Scenarios

/// ε_g = ½E[(φ* − φ)²] of a committee machine, computed without catastrophic cancellation near perfect learning.
///
/// The textbook sum ε_g = ½ Σ_ab s_a s_b I2(a, b) over all K + M local fields (s = (−v, v*)) adds O(1) terms to a
/// result that is 10⁻¹⁴ near perfect learning, so it is quantised at 5.6·10⁻¹⁷ and prints 0 or noise there. Instead:
///
/// 1. **Partners.** Every student unit j whose field is (anti)parallel to a teacher field, or to an earlier student
///    field p, |C_jp|/√(C_jj C_pp) ≥ `partnerCorrelation` (sign σ_j = −1 only for odd activations, and a teacher
///    partner only with the same activation), is written λ_j = σ_j u_p + d_j with a small difference field d_j.
/// 2. **Differences.** The nearest covariance C° with d = 0 for every partnered unit (row j = σ_j × row p) is built
///    from C, and Δ = C − C° is exact (Sterbenz: the subtracted entries are close). All covariances of d's are
///    linear in Δ: Var d_j = Δ_jj − 2σ_jΔ_jp + Δ_pp, etc., so they carry full relative precision.
/// 3. **Expansion.** With h_j = g(λ_j) − g(σ_j u_p) (g odd when σ_j = −1), the error signal is
///    φ* − φ = Σ_b c_b B_b over the base functions B = teacher units g*(ρ_n), unpartnered g(λ_j) and the h_j, with
///    c_n = v*_n − Σ σ v_j (exactly 0 for a fixed second layer v = v*), and ε_g = ½ Σ c_b c_b' E[B_b B_b'].
/// 4. **Expectations.** E[h_j h_k] = Δ_x Δ_y I2 is a mixed second difference of I2 over the corners
///    (λ_j | σ_j u_p) × (λ_k | σ_k u_q); for erf, ReLU and linear units it is evaluated on the closed forms written
///    with atan2, I2_erf = (2/π) atan2(C₁₂, √((1+C₁₁)(1+C₂₂) − C₁₂²)) and
///    I2_ReLU = [√(C₁₁C₂₂ − C₁₂²) + C₁₂(π/2 + atan2(C₁₂, √(C₁₁C₂₂ − C₁₂²)))]/(2π), in `CornerDifferences`
///    arithmetic (absolute error ~ε_mach·|d| instead of ε_mach); for other activations by quadrature of
///    (g(w + d) − g(w))(g(w' + d') − g(w')) over the Gaussian (w, d, w', d') whose covariance comes from Δ.
///
/// Away from perfect learning no unit has a partner and this is the textbook sum. ε_g ≥ 0 up to rounding of its own
/// size (the E[h h] block is a Gram matrix); the result is clamped at 0 only for that residue.
public struct CommitteeGeneralisationError: Sendable {
    /// The Gaussian integrals of the student and teacher activations that ε_g is evaluated with.
    public let integrals: CommitteeIntegrals
    /// Fields this correlated count as partners.
    public static let partnerCorrelation = 0.999

    /// ε_g with the integrals `integrals` (e.g. `CommitteeODE.integrals`).
    public init(integrals: CommitteeIntegrals) { self.integrals = integrals }

    /// ε_g of `state` (its Q, R, T, v, v* as given). With biases (shifted fields) the partners' cancellation-free
    /// form does not apply: the textbook sum over the shifted activations, whose rounding `resolution` reports.
    public func callAsFunction(_ state: CommitteeOrderParameters) -> Double {
        guard state.fieldShifts != nil else { return value(state, deviation: nil) }
        return max(0, 0.5 * pairSum(state, { $0 }))
    }

    /// The rounding floor of ε_g at `state`: 16 ε_mach · ½ Σ_ab |s_a s_b I2(a, b)|. The order parameters themselves are
    /// O(1) numbers rounded to ε_mach, so an ε_g below this is the rounding of the state, not a learning curve.
    public func resolution(_ state: CommitteeOrderParameters) -> Double {
        16 * Double.ulpOfOne * 0.5 * pairSum(state, abs)
    }

    /// Σ_ab term(s_a s_b I2(a, b)) over all K + M local fields (s = (−v, v*)), shifted by the state's biases if it has
    /// any; each unordered pair evaluated once (I2 is symmetric), terms with s = 0 skipped.
    func pairSum(_ state: CommitteeOrderParameters, _ term: (Double) -> Double) -> Double {
        let n = state.studentUnits + state.teacherUnits
        let s = state.v.map { -$0 } + state.vStar
        let shifts = state.fieldShifts
        return state.fieldCovariance.withUnsafeBufferPointer { c in
            (shifts ?? []).withUnsafeBufferPointer { mu in
                // No shift pointer without biases (an empty array's buffer may still have a base address).
                let shift = shifts == nil ? nil : mu.baseAddress
                var sum = 0.0
                for a in 0..<n where s[a] != 0 {
                    sum += term(s[a] * s[a] * integrals.i2(c.baseAddress!, stride: n, a, a, shift: shift))
                    for b in (a + 1)..<n where s[b] != 0 {
                        sum += 2 * term(s[a] * s[b] * integrals.i2(c.baseAddress!, stride: n, a, b, shift: shift))
                    }
                }
                return sum
            }
        }
    }

    /// ε_g of the state `anchor` + `deviation` (Q, R and v of the deviation added to the anchor's), with the sum
    /// never rounded: the deviation form of `CommitteeTheory` near perfect learning.
    public func value(_ anchor: CommitteeOrderParameters, deviation: CommitteeOrderParameters?) -> Double {
        let k = anchor.studentUnits, m = anchor.teacherUnits, n = k + m
        var c = anchor.fieldCovariance
        var extra = [Double](repeating: 0, count: n * n)
        var v = anchor.v, dv = [Double](repeating: 0, count: k)
        if let deviation {
            extra = CommitteeOrderParameters.jointCovariance(q: deviation.q, r: deviation.r, t: [Double](repeating: 0, count: m * m), k: k, m: m)
            for i in 0..<(n * n) { c[i] += extra[i] }
            dv = deviation.v
            for i in 0..<k { v[i] += dv[i] }
        }
        let partners = findPartners(c, k: k, m: m)
        // C° (row j = σ_j row p for partnered j, in order) and Δ = (C_anchor − C°) + deviation.
        let base = anchor.fieldCovariance
        var nearest = c
        for j in 0..<k {
            guard let (p, sign) = partners[j] else { continue }
            for f in 0..<n where f != j {
                nearest[j * n + f] = sign * nearest[p * n + f]
                nearest[f * n + j] = nearest[j * n + f]
            }
            nearest[j * n + j] = nearest[p * n + p]
        }
        var delta = [Double](repeating: 0, count: n * n)
        for i in 0..<(n * n) { delta[i] = (base[i] - nearest[i]) + extra[i] }
        // Coefficients of φ* − φ over the base functions (descending j: partners come first).
        var coefficient = [Double](repeating: 0, count: n), hCoefficient = [Double](repeating: 0, count: k)
        var teacherCorrection = [Double](repeating: 0, count: n)
        for j in 0..<k { coefficient[j] = -anchor.v[j]; teacherCorrection[j] = -dv[j] }
        for a in 0..<m { coefficient[k + a] = anchor.vStar[a] }
        for j in stride(from: k - 1, through: 0, by: -1) {
            guard let (p, sign) = partners[j] else { continue }
            hCoefficient[j] = coefficient[j] + teacherCorrection[j]
            coefficient[p] += sign * coefficient[j]
            teacherCorrection[p] += sign * teacherCorrection[j]
            coefficient[j] = 0
            teacherCorrection[j] = 0
        }
        for f in 0..<n { coefficient[f] += teacherCorrection[f] }
        // Base functions with a non-zero coefficient.
        var terms: [(side: Side, weight: Double)] = []
        for f in 0..<n where coefficient[f] != 0 && (f >= k || partners[f] == nil) { terms.append((.field(f), coefficient[f])) }
        for j in 0..<k where hCoefficient[j] != 0 {
            if let (p, sign) = partners[j] { terms.append((.pair(j, p, sign), hCoefficient[j])) }
        }
        let context = Context(c: c, delta: delta, n: n, k: k)
        var total = 0.0
        for x in terms.indices {
            for y in x..<terms.count {
                let e = expectation(terms[x].side, terms[y].side, context)
                total += (x == y ? 1 : 2) * terms[x].weight * terms[y].weight * e
            }
        }
        return max(0, 0.5 * total)
    }

    /// A base function: g(u_f), or h_j = g(λ_j) − g(σ u_p).
    enum Side: Sendable, Equatable {
        case field(Int)
        case pair(Int, Int, Double)

        var high: Int { switch self { case .field(let f): f; case .pair(let j, _, _): j } }
        var low: Int { switch self { case .field(let f): f; case .pair(_, let p, _): p } }
        var sign: Double { switch self { case .field: 1; case .pair(_, _, let s): s } }
        var varies: Bool { if case .pair = self { true } else { false } }
    }

    struct Context {
        let c: [Double]
        let delta: [Double]
        let n: Int
        let k: Int
        func entry(_ a: Int, _ b: Int) -> Double { c[a * n + b] }
        func dev(_ a: Int, _ b: Int) -> Double { delta[a * n + b] }
    }

    /// For each student unit, its partner field and sign, or nil.
    func findPartners(_ c: [Double], k: Int, m: Int) -> [(Int, Double)?] {
        let n = k + m
        let studentOdd = Self.isOdd(integrals.student), teacherOdd = Self.isOdd(integrals.teacher)
        let sameActivation = integrals.student.name == integrals.teacher.name
        var result = [(Int, Double)?](repeating: nil, count: k)
        for j in 0..<k {
            let cjj = c[j * n + j]
            guard cjj > 0 else { continue }
            var best: (Int, Double, Double)?
            let candidates = (sameActivation ? Array(k..<n) : []) + Array(0..<j)
            for p in candidates {
                let cpp = c[p * n + p]
                guard cpp > 0 else { continue }
                let r = c[j * n + p] / (cjj * cpp).squareRoot()
                guard abs(r) >= Self.partnerCorrelation, r > 0 || (p >= k ? studentOdd && teacherOdd : studentOdd) else { continue }
                if best == nil || abs(r) > best!.2 { best = (p, r > 0 ? 1 : -1, abs(r)) }
            }
            if let best { result[j] = (best.0, best.1) }
        }
        return result
    }

    /// Whether g(−x) = −g(x) (checked at a few points).
    static func isOdd(_ g: Activation) -> Bool {
        if g.family == .erf || g.family == .linear { return true }
        if g.family == .relu { return false }
        return [0.3, 0.9, 1.7, 2.9].allSatisfy { x in
            let a = g.function(x), b = g.function(-x)
            return abs(a + b) <= 1e-14 * max(1, abs(a))
        }
    }

    /// E[B_x B_y] for two base functions.
    func expectation(_ x: Side, _ y: Side, _ ctx: Context) -> Double {
        let student = integrals.student.family, teacher = integrals.teacher.family
        let fields = [x.high, x.low, y.high, y.low]
        let family: Activation.Family
        if student == teacher { family = student }
        else if fields.allSatisfy({ $0 < ctx.k }) { family = student }
        else if fields.allSatisfy({ $0 >= ctx.k }) { family = teacher }
        else { family = .other }
        if !x.varies && !y.varies {
            return ctx.c.withUnsafeBufferPointer { integrals.i2($0.baseAddress!, stride: ctx.n, x.high, y.high) }
        }
        switch family {
        case .erf, .relu, .linear: return closedForm(x, y, ctx, family: family)
        case .other: return quadrature(x, y, ctx)
        }
    }

    /// The corners of C_xx, C_yy and C_xy for sides x (first difference) and y (second).
    func corners(_ x: Side, _ y: Side, _ ctx: Context) -> (xx: CornerDifferences, yy: CornerDifferences, xy: CornerDifferences) {
        let (jx, px, sx) = (x.high, x.low, x.sign), (jy, py, sy) = (y.high, y.low, y.sign)
        let xx = CornerDifferences(ctx.entry(px, px), d1: x.varies ? ctx.dev(jx, jx) - ctx.dev(px, px) : 0)
        let yy = CornerDifferences(ctx.entry(py, py), d2: y.varies ? ctx.dev(jy, jy) - ctx.dev(py, py) : 0)
        // C_xy(x, y): x = 0 is σ_x u_px, x = 1 is u_jx (likewise y); the differences come from Δ alone.
        let d1 = x.varies ? sy * (ctx.dev(jx, py) - sx * ctx.dev(px, py)) : 0
        let d2 = y.varies ? sx * (ctx.dev(px, jy) - sy * ctx.dev(px, py)) : 0
        let d12 = x.varies && y.varies
            ? ctx.dev(jx, jy) - sy * ctx.dev(jx, py) - sx * ctx.dev(px, jy) + sx * sy * ctx.dev(px, py) : 0
        let xy = CornerDifferences(sx * sy * ctx.entry(px, py), d1: d1, d2: d2, d12: d12)
        return (xx, yy, xy)
    }

    func closedForm(_ x: Side, _ y: Side, _ ctx: Context, family: Activation.Family) -> Double {
        let (xx, yy, xy) = corners(x, y, ctx)
        let i2: CornerDifferences
        switch family {
        case .erf:
            let det = (xx + 1) * (yy + 1) - xy * xy
            i2 = (2 / Double.pi) * CornerDifferences.atan2(xy, det.squareRoot())
        case .relu:
            let root = (xx * yy - xy * xy).squareRoot()
            i2 = (1 / (2 * Double.pi)) * (root + xy * (CornerDifferences.atan2(xy, root) + Double.pi / 2))
        default:
            i2 = xy
        }
        switch (x.varies, y.varies) {
        case (true, true): return i2.d12
        case (true, false): return i2.d1
        case (false, true): return i2.d2
        case (false, false): return i2.value
        }
    }

    /// E[B_x B_y] by quadrature over (w_x, d_x[, w_y, d_y]) with w = σu_p and d = λ_j − σu_p (a plain field: w only).
    func quadrature(_ x: Side, _ y: Side, _ ctx: Context) -> Double {
        // Gaussian variables: w_x, d_x (if x varies), then w_y, d_y (if y varies and y ≠ x).
        let same = x == y
        struct Variable { let side: Side; let isDifference: Bool; let activation: Activation }
        var variables: [Variable] = []
        func activation(_ f: Int) -> Activation { f < ctx.k ? integrals.student : integrals.teacher }
        for side in same ? [x] : [x, y] {
            variables.append(Variable(side: side, isDifference: false, activation: activation(side.low)))
            if side.varies { variables.append(Variable(side: side, isDifference: true, activation: activation(side.high))) }
        }
        let d = variables.count
        // Cov(w_a, w_b) = σ_aσ_b C_papb;  Cov(w_a, d_b) = σ_a(Δ_pa,jb − σ_bΔ_pa,pb);  Cov(d_a, d_b) from Δ likewise.
        func covariance(_ a: Variable, _ b: Variable) -> Double {
            let (ja, pa, sa) = (a.side.high, a.side.low, a.side.sign), (jb, pb, sb) = (b.side.high, b.side.low, b.side.sign)
            switch (a.isDifference, b.isDifference) {
            case (false, false): return sa * sb * ctx.entry(pa, pb)
            case (false, true): return sa * (ctx.dev(pa, jb) - sb * ctx.dev(pa, pb))
            case (true, false): return sb * (ctx.dev(ja, pb) - sa * ctx.dev(pa, pb))
            case (true, true): return ctx.dev(ja, jb) - sb * ctx.dev(ja, pb) - sa * ctx.dev(pa, jb) + sa * sb * ctx.dev(pa, pb)
            }
        }
        var scale = [Double](repeating: 1, count: d)
        for a in 0..<d where variables[a].isDifference {
            let variance = covariance(variables[a], variables[a])
            guard variance > 0 else { return 0 }
            scale[a] = variance.squareRoot()
        }
        var matrix = [Double](repeating: 0, count: d * d)
        for a in 0..<d { for b in 0..<d { matrix[a * d + b] = covariance(variables[a], variables[b]) / (scale[a] * scale[b]) } }
        let rule = d <= 2 ? integrals.planarQuadrature : integrals.quadrature
        // The value of base function `side` at the quadrature point u (d's rescaled).
        func value(_ u: UnsafeBufferPointer<Double>, from index: Int, _ variable: Variable) -> (Double, Int) {
            let w = u[index]
            if variable.side.varies {
                let g = variables[index + 1].activation.function
                let shift = scale[index + 1] * u[index + 1]
                return (g(w + shift) - g(w), index + 2)
            }
            return (variable.activation.function(w), index + 1)
        }
        return rule.expectation(covariance: matrix, dimension: d) { u in
            let (first, next) = value(u, from: 0, variables[0])
            if same { return first * first }
            let (second, _) = value(u, from: next, variables[next])
            return first * second
        }
    }
}
