import GaussianIntegrals
import ODEIntegration
import Scenarios

/// The perfect-learning point y° that a noise-free K = M trajectory approaches: student j has learnt teacher unit
/// π(j) with sign σ_j (σ_j = −1 only for an odd activation),
///
///     Q°_jk = σ_jσ_k T_π(j)π(k),   R°_jn = σ_j T_π(j)n,   v°_j = σ_j v*_π(j),
///
/// built from T and v* with exact sign flips, so that y° is a fixed point of the ODE in floating point as well: the
/// error signal φ* − φ vanishes for every input, and with it every drift and η² term.
public struct CommitteePerfectLearningAnchor: Sendable {
    /// π(j) and σ_j.
    public let partner: [Int]
    public let sign: [Double]
    /// Q°, R°, T, v°, v*.
    public let point: CommitteeOrderParameters

    /// The trajectory switches to deviation form once every student's best teacher correlation
    /// |R_jn|/√(Q_jj T_nn) reaches this (the partner criterion of `CommitteeGeneralisationError`).
    public static let switchCorrelation = CommitteeGeneralisationError.partnerCorrelation

    /// The quadrature path (`CommitteeDeviationODE.quadratureDrift`) is written but not yet validated against an
    /// independent route, so trajectories with tanh, sigmoid or custom activations stay in plain form for now.
    static let quadraturePathEnabled = false

    /// Whether deviation form exists for `scenario` at all: noise-free (σ² > 0 bounds ε_g below, and the fixed point
    /// is not perfect learning), no weight decay (which moves the fixed point off Q = R = T), K = M, the same
    /// activation for student and teacher, and an activation whose right-hand side has a difference form here:
    /// erf and linear (closed forms), or a smooth activation (no kinks: tanh, sigmoid, smooth custom ones) with
    /// K + M ≤ 4 (one four-dimensional quadrature). ReLU (orthant-probability I4) has none.
    public static func applies(to scenario: CommitteeScenario) -> Bool {
        let g = scenario.studentActivation
        guard scenario.noiseVariance == 0, scenario.weightDecay == 0, scenario.studentUnits == scenario.teacherUnits,
              g.name == scenario.teacherActivation.name else { return false }
        switch g.family {
        case .erf, .linear: return true
        case .relu: return false
        case .other: return quadraturePathEnabled && !g.isPiecewise && 2 * scenario.studentUnits <= 4
        }
    }

    /// min_j max_n |R_jn|/√(Q_jj T_nn) of state `y` (layout `layout`, teacher overlap `t`): rises through
    /// `switchCorrelation` as the students specialise.
    public static func closeness(_ y: UnsafeBufferPointer<Double>, layout: CommitteeStateLayout, t: [Double]) -> Double {
        let k = layout.studentUnits, m = layout.teacherUnits
        var worst = Double.infinity
        for j in 0..<k {
            let qjj = y[layout.qIndex(j, j)]
            var best = 0.0
            for n in 0..<m where qjj > 0 && t[n * m + n] > 0 {
                best = max(best, abs(y[layout.rIndex(j, n)]) / (qjj * t[n * m + n]).squareRoot())
            }
            worst = min(worst, best)
        }
        return worst
    }

    /// The anchor of `state`: every student's most correlated teacher, all distinct, each correlation at least
    /// `switchCorrelation`, signs allowed by the activation, and v within 5% of σ_j v*_π(j) (exactly equal if the
    /// second layer is fixed, else y° is no fixed point). Nil otherwise, or when `applies(to:)` is false.
    public static func of(_ state: CommitteeOrderParameters, scenario: CommitteeScenario) -> Self? {
        guard applies(to: scenario) else { return nil }
        let k = state.studentUnits, m = state.teacherUnits
        let odd = CommitteeGeneralisationError.isOdd(scenario.studentActivation)
        var partner = [Int](), sign = [Double]()
        for j in 0..<k {
            let qjj = state.q[j * k + j]
            guard qjj > 0 else { return nil }
            var best = (n: -1, r: 0.0)
            for n in 0..<m where state.t[n * m + n] > 0 {
                let r = state.r[j * m + n] / (qjj * state.t[n * m + n]).squareRoot()
                if abs(r) > abs(best.r) { best = (n, r) }
            }
            guard best.n >= 0, abs(best.r) >= switchCorrelation, best.r > 0 || odd, !partner.contains(best.n) else { return nil }
            partner.append(best.n)
            sign.append(best.r > 0 ? 1 : -1)
        }
        var q = [Double](repeating: 0, count: k * k), r = [Double](repeating: 0, count: k * m), v = state.v
        for j in 0..<k {
            for l in 0..<k { q[j * k + l] = sign[j] * sign[l] * state.t[partner[j] * m + partner[l]] }
            for n in 0..<m { r[j * m + n] = sign[j] * state.t[partner[j] * m + n] }
            let target = sign[j] * state.vStar[partner[j]]
            if scenario.trainsSecondLayer {
                guard target != 0, abs(state.v[j] - target) <= 0.05 * abs(target) else { return nil }
                v[j] = target
            } else {
                guard state.v[j] == target else { return nil }
            }
        }
        let point = CommitteeOrderParameters(studentUnits: k, teacherUnits: m, q: q, r: r, t: state.t, v: v, vStar: state.vStar)
        return Self(partner: partner, sign: sign, point: point)
    }
}

/// The committee ODE (`CommitteeODE`) for the deviation δ = y − y° from a perfect-learning anchor y°
/// (`CommitteePerfectLearningAnchor`): δQ = Q − Q°, δR = R − R°, δv = v − v° in the layout of y.
///
/// Near perfect learning Q, R are O(1) doubles that carry ε_g ~ |δ|² (or Var(λ_j − σ_jρ_π(j)) = O(|δ|²)) only to
/// ε_mach absolute, and the plain right-hand side is a sum of O(1) integrals I3, I4 cancelling to O(|δ|). Here the
/// state is δ itself, and every sum is written as a difference from the anchor, where it vanishes exactly
/// (φ* − φ ≡ 0 at y°). With C = C° + Δ (Δ = [[δQ, δR], [δRᵀ, 0]], exact), s = s° + δs (s = (−v, v*), δs = (−δv, 0)):
///
///     D(i,b) = Σ_f s_f I3(i,b,f) = Σ_f [ s_f (I3(C; i,b,f) − I3(C°; i,b,f)) + δs_f I3(C°; i,b,f) ],
///     B(i,k) = Σ_ab s_a s_b I4(i,k,a,b) = Σ_ab [ s_a s_b ΔI4(i,k,a,b) + (δs_a s_b + s°_a δs_b) I4(C°; i,k,a,b) ],
///     E(i)   = Σ_f s_f I2(i,f)       = Σ_f [ s_f ΔI2(i,f) + δs_f I2(C°; i,f) ],
///
///     dδR_in/dt = η v_i D(i, K+n),   dδQ_ik/dt = η (v_i D(i,k) + v_k D(k,i)) + η² v_i v_k B(i,k),   dδv_i/dt = η_v E(i),
///
/// (σ² = λ = 0). The first differences ΔI = I(C° + Δ) − I(C°) of the closed forms (erf, linear) are evaluated in
/// `CornerDifferences` arithmetic (products by the discrete product rule, √ and 1/x by their exactly written steps,
/// arcsin as atan2), so that each carries an absolute error ~ε_mach|Δ| instead of ε_mach: the right-hand side is
/// accurate relative to the deviation's own scale. For other (smooth) activations the sums are expectations of the
/// error signal itself, D(i,b) = E[g'(λ_i)u_b(φ* − φ)], B(i,k) = E[g'(λ_i)g'(λ_k)(φ* − φ)²], E(i) = E[g(λ_i)(φ* − φ)],
/// evaluated together by one tensor quadrature over (ρ, d), d_j = λ_j − σ_jρ_π(j), with
/// φ* − φ = Σ_j v_j (g(σ_jρ_π(j)) − g(σ_jρ_π(j) + d_j)) − Σ_j δv_j g(σ_jρ_π(j)) and the differences
/// g(x + d) − g(x) = d ∫₀¹ g'(x + τd) dτ by Gauss–Legendre for small d (relative precision); see `quadratureDrift`.
public struct CommitteeDeviationODE: ODESystem, Sendable {
    public let plain: CommitteeODE
    public let anchor: CommitteePerfectLearningAnchor
    /// C° = [[Q°, R°], [R°ᵀ, T]].
    let anchorCovariance: [Double]
    /// y°.
    public let anchorState: [Double]
    let zeroTeacher: [Double]
    /// The one-dimensional rule of the quadrature path (that of `plain.integrals`' 3-D and 4-D integrals).
    let rule: QuadratureRule

    public init(plain: CommitteeODE, anchor: CommitteePerfectLearningAnchor) {
        self.plain = plain
        let order = plain.integrals.quadrature.order
        rule = plain.integrals.quadratureRule == .trapezoid ? GaussianTrapezoid.rule(nodes: order) : GaussHermite.rule(order: order)
        self.anchor = anchor
        anchorCovariance = anchor.point.fieldCovariance
        anchorState = plain.layout.state(of: anchor.point)
        zeroTeacher = [Double](repeating: 0, count: plain.layout.teacherUnits * plain.layout.teacherUnits)
    }

    public var dimension: Int { plain.dimension }
    public var layout: CommitteeStateLayout { plain.layout }

    /// δ of the plain state `y`, rounded once.
    public func deviation(of y: [Double]) -> [Double] { zip(y, anchorState).map { $0 - $1 } }

    /// The order parameters y° + δ (rounded: for output; ε_g comes from `generalisationError`).
    public func parameters(_ deviation: ArraySlice<Double>) -> CommitteeOrderParameters {
        let base = deviation.startIndex
        let y = anchorState.indices.map { anchorState[$0] + deviation[base + $0] }
        let p = anchor.point
        return layout.parameters(y[...], t: p.t, v: p.v, vStar: p.vStar)
    }

    /// δQ, δR, δv of the deviation state as order parameters (T block zero).
    public func deviationParameters(_ deviation: ArraySlice<Double>) -> CommitteeOrderParameters {
        let p = anchor.point
        let delta = layout.parameters(deviation, t: zeroTeacher, v: [Double](repeating: 0, count: p.studentUnits), vStar: p.vStar)
        return CommitteeOrderParameters(studentUnits: p.studentUnits, teacherUnits: p.teacherUnits, q: delta.q, r: delta.r,
                                        t: zeroTeacher, v: layout.trainsSecondLayer ? delta.v : [Double](repeating: 0, count: p.studentUnits),
                                        vStar: p.vStar)
    }

    /// ε_g at deviation `deviation`, cancellation-free (`CommitteeGeneralisationError.value(_:deviation:)`).
    public func generalisationError(_ deviation: ArraySlice<Double>) -> Double {
        CommitteeGeneralisationError(integrals: plain.integrals).value(anchor.point, deviation: deviationParameters(deviation))
    }

    public func evaluate(time: Double, state y: UnsafeBufferPointer<Double>, derivative dy: UnsafeMutableBufferPointer<Double>) {
        let k = layout.studentUnits, m = layout.teacherUnits, n = k + m
        // The optimiser's coefficients at t, as in `CommitteeODE`: drift η(t), noise η(t)²/B, and η_v f(t).
        let scenario = plain.scenario, coefficients = scenario.optimiser.coefficients(at: time)
        let eta = coefficients.drift, noiseCoefficient = coefficients.noise
        withUnsafeTemporaryAllocation(of: Double.self, capacity: n * n + 3 * n + k * n + k * k + k) { scratch in
            let delta = scratch.baseAddress!, s0 = delta + n * n, ds = s0 + n, v = ds + n
            let drive = v + n, bracket = drive + k * n, signal = bracket + k * k
            layout.fillCovariance(delta, state: y, teacherOverlap: zeroTeacher)
            for i in 0..<k {
                s0[i] = -anchor.point.v[i]
                ds[i] = layout.trainsSecondLayer ? -y[layout.vIndex(i)] : 0
                v[i] = -(s0[i] + ds[i])
            }
            for a in 0..<m { s0[k + a] = anchor.point.vStar[a]; ds[k + a] = 0 }
            if plain.integrals.student.family == .erf || plain.integrals.student.family == .linear {
                closedFormDrift(delta, s0, ds, drive: drive, bracket: bracket, signal: signal)
            } else {
                quadratureDrift(delta, s0, ds, drive: drive, bracket: bracket, signal: signal)
            }
            for i in 0..<k {
                for a in 0..<m { dy[layout.rIndex(i, a)] = eta * v[i] * drive[i * n + k + a] }
                for j in i..<k {
                    var value = eta * (v[i] * drive[i * n + j] + v[j] * drive[j * n + i])
                    if !scenario.dropsSecondOrderTerms { value += noiseCoefficient * v[i] * v[j] * bracket[i * k + j] }
                    dy[layout.qIndex(i, j)] = value
                }
            }
            if let baseV = scenario.secondLayerLearningRate {
                let etaV = baseV * scenario.optimiser.factor(at: time)
                for i in 0..<k { dy[layout.vIndex(i)] = etaV * signal[i] }
            }
        }
    }

    /// D, B (upper triangle, K×K) and E of the closed forms, as first differences from the anchor (see the type).
    func closedFormDrift(_ delta: UnsafeMutablePointer<Double>, _ s0: UnsafeMutablePointer<Double>, _ ds: UnsafeMutablePointer<Double>,
                         drive: UnsafeMutablePointer<Double>, bracket: UnsafeMutablePointer<Double>, signal: UnsafeMutablePointer<Double>) {
        let k = layout.studentUnits, n = k + layout.teacherUnits
        let erf = plain.integrals.student.family == .erf
        anchorCovariance.withUnsafeBufferPointer { c0 in
            func entry(_ a: Int, _ b: Int) -> CornerDifferences { CornerDifferences(c0[a * n + b], d1: delta[a * n + b]) }
            for i in 0..<k {
                for b in 0..<n {
                    var sum = 0.0
                    for f in 0..<n {
                        let s = s0[f] + ds[f]
                        let value = erf ? Self.erfI3(entry(i, i), entry(i, b), entry(i, f), entry(b, f), entry(f, f)) : entry(b, f)
                        sum += s * value.d1 + ds[f] * value.value
                    }
                    drive[i * n + b] = sum
                }
                var sum = 0.0
                for f in 0..<n {
                    let value = erf ? Self.erfI2(entry(i, i), entry(i, f), entry(f, f)) : entry(i, f)
                    sum += (s0[f] + ds[f]) * value.d1 + ds[f] * value.value
                }
                signal[i] = sum
            }
            guard !plain.scenario.dropsSecondOrderTerms else { return }
            for i in 0..<k {
                for j in i..<k {
                    var sum = 0.0
                    for a in 0..<n {
                        for b in a..<n {
                            let sa = s0[a] + ds[a], sb = s0[b] + ds[b]
                            let value = erf
                                ? Self.erfI4(entry(i, i), entry(i, j), entry(i, a), entry(i, b), entry(j, j), entry(j, a), entry(j, b),
                                             entry(a, a), entry(a, b), entry(b, b))
                                : entry(a, b)
                            sum += (a == b ? 1 : 2) * (sa * sb * value.d1 + (ds[a] * sb + s0[a] * ds[b]) * value.value)
                        }
                    }
                    bracket[i * k + j] = sum
                }
            }
        }
    }

    /// `ErfIntegrals.i2` as atan2: (2/π) atan2(C₁₂, √((1+C₁₁)(1+C₂₂) − C₁₂²)).
    static func erfI2(_ c11: CornerDifferences, _ c12: CornerDifferences, _ c22: CornerDifferences) -> CornerDifferences {
        (2 / Double.pi) * CornerDifferences.atan2(c12, ((c11 + 1) * (c22 + 1) - c12 * c12).squareRoot())
    }

    /// `ErfIntegrals.i3`: (2/π)(C₂₃(1+C₁₁) − C₁₂C₁₃)/((1+C₁₁)√Λ₃).
    static func erfI3(_ c11: CornerDifferences, _ c12: CornerDifferences, _ c13: CornerDifferences,
                      _ c23: CornerDifferences, _ c33: CornerDifferences) -> CornerDifferences {
        let a = c11 + 1
        let lambda3 = a * (c33 + 1) - c13 * c13
        return (2 / Double.pi) * ((c23 * a - c12 * c13) * (a * lambda3.squareRoot()).reciprocal())
    }

    /// `ErfIntegrals.i4` with arcsin(Λ₀/√(Λ₁Λ₂)) = atan2(Λ₀, √(Λ₁Λ₂ − Λ₀²)).
    static func erfI4(_ c11: CornerDifferences, _ c12: CornerDifferences, _ c13: CornerDifferences, _ c14: CornerDifferences,
                      _ c22: CornerDifferences, _ c23: CornerDifferences, _ c24: CornerDifferences,
                      _ c33: CornerDifferences, _ c34: CornerDifferences, _ c44: CornerDifferences) -> CornerDifferences {
        let a = c11 + 1, b = c22 + 1
        let lambda4 = a * b - c12 * c12
        let lambda0 = lambda4 * c34 - c23 * c24 * a - c13 * c14 * b + c12 * c13 * c24 + c12 * c14 * c23
        let lambda1 = lambda4 * (c33 + 1) - c23 * c23 * a - c13 * c13 * b + 2 * (c12 * c13 * c23)
        let lambda2 = lambda4 * (c44 + 1) - c24 * c24 * a - c14 * c14 * b + 2 * (c12 * c14 * c24)
        let angle = CornerDifferences.atan2(lambda0, (lambda1 * lambda2 - lambda0 * lambda0).squareRoot())
        return (4 / (Double.pi * Double.pi)) * (lambda4.squareRoot().reciprocal() * angle)
    }

    /// D, B and E for activations without closed forms, by one tensor-product quadrature (the rule of `plain.integrals`)
    /// over the Gaussian (ρ_1…ρ_M, d̃_1…d̃_K), d_j = s_j d̃_j = λ_j − σ_jρ_π(j), whose covariance is exact in Δ:
    ///
    ///     Cov(ρ_a, ρ_b) = T_ab,   Cov(d_j, ρ_a) = Δ_j,K+a,   Cov(d_j, d_l) = Δ_jl − σ_lΔ_j,K+π(l) − σ_jΔ_l,K+π(j),
    ///
    /// s_j² = Cov(d_j, d_j). At each node, with x_j = σ_jρ_π(j) and h_j = g(x_j + d_j) − g(x_j) (`activationStep`),
    /// the error signal is φ* − φ = −Σ_j (v_j h_j + δv_j g(x_j)) (v°_j g(x_j) = v*_π(j) g(ρ_π(j)), g odd when σ_j = −1),
    /// exact to relative precision and exactly 0 at the anchor. All sums share the nodes, so their combinations (such
    /// as d/dt Var d_j = 2ηv_j E[g'(λ_j) d_j (φ* − φ)] + …) are quadratures of their own, equally small, integrands.
    func quadratureDrift(_ delta: UnsafeMutablePointer<Double>, _ s0: UnsafeMutablePointer<Double>, _ ds: UnsafeMutablePointer<Double>,
                         drive: UnsafeMutablePointer<Double>, bracket: UnsafeMutablePointer<Double>, signal: UnsafeMutablePointer<Double>) {
        let k = layout.studentUnits, m = layout.teacherUnits, n = k + m, dim = n
        let g = plain.integrals.student, t = anchor.point.t
        let partner = anchor.partner, sign = anchor.sign
        for x in 0..<(k * n) { drive[x] = 0 }
        for x in 0..<(k * k) { bracket[x] = 0 }
        for x in 0..<k { signal[x] = 0 }
        withUnsafeTemporaryAllocation(of: Double.self, capacity: 2 * dim * dim + 6 * dim + 2 * k + 1) { work in
            let cov = work.baseAddress!, chol = cov + dim * dim, scale = chol + dim * dim, z = scale + dim, u = z + dim
            let nodeIndex = u + dim, active = nodeIndex + dim, lambda = active + dim, x = lambda + k
            // Covariance of (ρ, d); then d rescaled to unit variance.
            func dd(_ j: Int, _ l: Int) -> Double {
                delta[j * n + l] - sign[l] * delta[j * n + k + partner[l]] - sign[j] * delta[l * n + k + partner[j]]
            }
            for a in 0..<m { for b in 0..<m { cov[a * dim + b] = t[a * m + b] } }
            for j in 0..<k {
                let variance = dd(j, j)
                scale[m + j] = variance > 0 ? variance.squareRoot() : 0
            }
            for a in 0..<m { scale[a] = 1 }
            for j in 0..<k {
                let sj = scale[m + j]
                for a in 0..<m {
                    let value = sj > 0 ? delta[j * n + k + a] / sj : 0
                    cov[(m + j) * dim + a] = value
                    cov[a * dim + m + j] = value
                }
                for l in 0..<k {
                    let sl = scale[m + l]
                    cov[(m + j) * dim + m + l] = sj > 0 && sl > 0 ? dd(j, l) / (sj * sl) : 0
                }
            }
            // Semidefinite Cholesky: a pivot below 1e-12 of its diagonal is a zero column (one node).
            for x in 0..<(dim * dim) { chol[x] = 0 }
            for c in 0..<dim {
                var pivot = cov[c * dim + c]
                for l in 0..<c { pivot -= chol[c * dim + l] * chol[c * dim + l] }
                guard pivot > 1e-12 * max(cov[c * dim + c], 1e-300) else { active[c] = 0; continue }
                active[c] = 1
                let root = pivot.squareRoot()
                chol[c * dim + c] = root
                for r in (c + 1)..<max(c + 1, dim) {
                    var value = cov[r * dim + c]
                    for l in 0..<c { value -= chol[r * dim + l] * chol[c * dim + l] }
                    chol[r * dim + c] = value / root
                }
            }
            let nodes = rule.nodes, weights = rule.weights, order = nodes.count
            var total = 1
            for c in 0..<dim where active[c] != 0 { total *= order }
            for c in 0..<dim { nodeIndex[c] = 0 }
            for _ in 0..<total {
                var weight = 1.0
                for c in 0..<dim {
                    if active[c] != 0 { let index = Int(nodeIndex[c]); z[c] = nodes[index]; weight *= weights[index] } else { z[c] = 0 }
                }
                for r in 0..<dim {
                    var value = 0.0
                    for c in 0...r { value += chol[r * dim + c] * z[c] }
                    u[r] = value
                }
                var error = 0.0
                for j in 0..<k {
                    let xj = sign[j] * u[partner[j]], dj = scale[m + j] * u[m + j]
                    x[j] = xj
                    lambda[j] = xj + dj
                    // −(v_j h_j + δv_j g(x_j)) with v_j = −(s°_j + δs_j), δv_j = −δs_j.
                    let vj = -(s0[j] + ds[j]), dvj = -ds[j]
                    error -= vj * Self.activationStep(g, xj, dj) + (dvj == 0 ? 0 : dvj * g.function(xj))
                }
                if error != 0 {
                    let we = weight * error
                    for i in 0..<k {
                        let gi = g.derivative(lambda[i])
                        for b in 0..<n { drive[i * n + b] += we * gi * (b < k ? lambda[b] : u[b - k]) }
                        signal[i] += we * g.function(lambda[i])
                        for j in i..<k { bracket[i * k + j] += we * error * gi * g.derivative(lambda[j]) }
                    }
                }
                // Next multi-index over the active dimensions.
                for c in 0..<dim where active[c] != 0 {
                    nodeIndex[c] += 1
                    if Int(nodeIndex[c]) < order { break }
                    nodeIndex[c] = 0
                }
            }
        }
    }

    /// g(x + d) − g(x) to relative precision: d ∫₀¹ g'(x + τd) dτ by 4-point Gauss–Legendre when |d| ≤ 0.02 (error
    /// ~(|d|/r)⁸ for g' analytic within distance r, 1e-18 for tanh), else the plain difference (rounding ≤ ε_mach/|d|).
    static func activationStep(_ g: Activation, _ x: Double, _ d: Double) -> Double {
        if d == 0 { return 0 }
        guard abs(d) <= 0.02 else { return g.function(x + d) - g.function(x) }
        var sum = 0.0
        for (node, weight) in zip(legendre4.nodes, legendre4.weights) { sum += weight * g.derivative(x + node * d) }
        return d * sum
    }

    /// Gauss–Legendre on [0, 1], 4 nodes.
    static let legendre4: (nodes: [Double], weights: [Double]) = {
        let a = (3.0 / 7 - 2.0 / 7 * (6.0 / 5).squareRoot()).squareRoot(), b = (3.0 / 7 + 2.0 / 7 * (6.0 / 5).squareRoot()).squareRoot()
        let wa = (18 + 30.0.squareRoot()) / 36, wb = (18 - 30.0.squareRoot()) / 36
        return ([(1 - b) / 2, (1 - a) / 2, (1 + a) / 2, (1 + b) / 2], [wb / 2, wa / 2, wa / 2, wb / 2])
    }()
}
