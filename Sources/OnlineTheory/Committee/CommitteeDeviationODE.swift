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
    /// σ_j = ±1, the sign with which student j has learnt teacher π(j) (−1 only for an odd activation).
    public let sign: [Double]
    /// Q°, R°, T, v°, v*.
    public let point: CommitteeOrderParameters

    /// The trajectory switches to deviation form once every student's best teacher correlation
    /// |R_jn|/√(Q_jj T_nn) reaches this (the partner criterion of `CommitteeGeneralisationError`).
    public static let switchCorrelation = CommitteeGeneralisationError.partnerCorrelation
    /// The switch for activations on the quadrature path: earlier, since the plain form amplifies the quadrature's
    /// relative error of its O(1) integrals by their cancellation (~1/ε_g) near perfect learning, while the deviation
    /// form's integrands vanish at the anchor (erf as a custom activation, K = M = 1, lr 1.5: switching at 0.999 left
    /// ε_g(11.4) 0.6% off the closed form at the default order, at 0.99 it is 3e-5).
    public static let quadratureSwitchCorrelation = 0.99

    /// The switch correlation for `scenario`'s activation.
    public static func switchCorrelation(for scenario: CommitteeScenario) -> Double {
        scenario.studentActivation.family == .other ? quadratureSwitchCorrelation : switchCorrelation
    }


    /// Whether deviation form exists for `scenario` at all: noise-free (σ² > 0 bounds ε_g below, and the fixed point
    /// is not perfect learning), no weight decay (which moves the fixed point off Q = R = T), K = M, the same
    /// activation for student and teacher, and an activation whose right-hand side has a difference form here:
    /// erf and linear (closed forms), or a smooth activation (no kinks: tanh, sigmoid, smooth custom ones) with
    /// K + M ≤ 4 (one four-dimensional quadrature). ReLU (orthant-probability I4) has none.
    public static func applies(to scenario: CommitteeScenario) -> Bool {
        let g = scenario.studentActivation
        // Biases shift the fields: the deviation integrals assume centred ones; scaled momentum's velocity overlaps
        // have no deviation form.
        guard scenario.noiseVariance == 0, scenario.weightDecay == 0, scenario.studentUnits == scenario.teacherUnits,
              g.name == scenario.teacherActivation.name, !scenario.hasBiases,
              scenario.optimiser.scaledMomentum == nil else { return false }
        switch g.family {
        case .erf, .linear: return true
        case .relu: return false
        case .other: return !g.isPiecewise && 2 * scenario.studentUnits <= 4
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
            guard best.n >= 0, abs(best.r) >= switchCorrelation(for: scenario), best.r > 0 || odd, !partner.contains(best.n) else { return nil }
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
    /// The plain committee ODE (scenario, layout, integrals) whose state is y = y° + δ.
    public let plain: CommitteeODE
    /// The perfect-learning point y° that δ is measured from.
    public let anchor: CommitteePerfectLearningAnchor
    /// C° = [[Q°, R°], [R°ᵀ, T]].
    let anchorCovariance: [Double]
    /// y°.
    public let anchorState: [Double]
    let zeroTeacher: [Double]
    /// The rule of the quadrature path's ρ directions: `rhoOrder(for:)` trapezoid nodes.
    let rhoRule: QuadratureRule

    /// The deviation form of `plain` about `anchor`.
    public init(plain: CommitteeODE, anchor: CommitteePerfectLearningAnchor) {
        self.plain = plain
        let order = Self.rhoOrder(for: plain.integrals.quadrature.order)
        rhoRule = GaussianTrapezoid.rule(nodes: order)
        self.anchor = anchor
        anchorCovariance = anchor.point.fieldCovariance
        anchorState = plain.layout.state(of: anchor.point)
        zeroTeacher = [Double](repeating: 0, count: plain.layout.teacherUnits * plain.layout.teacherUnits)
    }

    /// Nodes per ρ direction of the quadrature path for the plain integrals' `order`: 36 at the default 15, more
    /// in proportion above 22. At 24 nodes the tanh K = M = 2 decay rate was 2.5e-5 relative too fast, which put ε_g
    /// 9e-4 low after 36 e-folds (t = 600 at η = 0.5) and would exceed 1e-3 on longer decays; at 36 it is within 6e-5
    /// of the order-40 run over the whole curve, for 1.4× the cost of the phase (K + M ≤ 4: at most two ρ directions). The rule is the Gaussian trapezoid (`GaussianTrapezoid`) for every activation: the
    /// integrands carry products such as g'(λ_i)g'(x_j) that decay twice as fast as the plain integrals' ones, where
    /// Gauss–Hermite converges slowly (erf as a custom activation: drift off by 4e-5 relative at 20 nodes, 1e-8 at 40)
    /// and the trapezoid fast (3e-7 at 24 nodes, 1e-8 at 30, 3e-11 at 40; CommitteeDeviationTests).
    static func rhoOrder(for order: Int) -> Int { max(36, (8 * order + 4) / 5) }

    /// That of the plain state (`plain.dimension`): δ has the layout of y.
    public var dimension: Int { plain.dimension }
    /// The layout of δ, that of the plain state (`plain.layout`).
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

    /// dδ/dt at `time` from the deviation δ in `state` (the difference forms above), written into `derivative`.
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

    /// D, B and E for activations without closed forms, by one tensor-product quadrature over the Gaussian
    /// (ρ_1…ρ_M, d̃_1…d̃_K), d_j = s_j d̃_j = λ_j − σ_jρ_π(j), whose covariance is exact in Δ:
    ///
    ///     Cov(ρ_a, ρ_b) = T_ab,   Cov(d_j, ρ_a) = Δ_j,K+a,   Cov(d_j, d_l) = Δ_jl − σ_lΔ_j,K+π(l) − σ_jΔ_l,K+π(j),
    ///
    /// s_j² = Cov(d_j, d_j). At each node, with x_j = σ_jρ_π(j) and h_j = g(x_j + d_j) − g(x_j) (`activationStep`),
    /// the error signal is φ* − φ = −Σ_j (v_j h_j + δv_j g(x_j)) (v°_j g(x_j) = v*_π(j) g(ρ_π(j)), g odd when σ_j = −1),
    /// exact to relative precision and exactly 0 at the anchor. All sums share the nodes, so their combinations (such
    /// as d/dt Var d_j = 2ηv_j E[g'(λ_j) d_j (φ* − φ)] + …) are quadratures of their own, equally small, integrands.
    ///
    /// The ρ directions carry the activation's shape and get `rhoRule`; the d directions enter only through
    /// d_j = O(|δ|) ≪ 1, where the integrand is a polynomial to relative (s_j/r)^{2n} (r the distance of g's
    /// singularities from the real axis), so `deviationRule` (Gauss–Hermite, 3 nodes) suffices.
    func quadratureDrift(_ delta: UnsafeMutablePointer<Double>, _ s0: UnsafeMutablePointer<Double>, _ ds: UnsafeMutablePointer<Double>,
                         drive: UnsafeMutablePointer<Double>, bracket: UnsafeMutablePointer<Double>, signal: UnsafeMutablePointer<Double>) {
        let k = layout.studentUnits, m = layout.teacherUnits, n = k + m, dim = n
        let g = plain.integrals.student, t = anchor.point.t
        let partner = anchor.partner, sign = anchor.sign
        let keepsSecondOrder = !plain.scenario.dropsSecondOrderTerms
        for x in 0..<(k * n) { drive[x] = 0 }
        for x in 0..<(k * k) { bracket[x] = 0 }
        for x in 0..<k { signal[x] = 0 }
        withUnsafeTemporaryAllocation(of: Double.self, capacity: 2 * dim * dim + 4 * dim + 9 * k + m) { work in
            let cov = work.baseAddress!, chol = cov + dim * dim, scale = chol + dim * dim, z = scale + dim, u = z + dim
            let active = u + dim, x = active + dim, gx = x + k, dRho = gx + k, lambda = dRho + k, step = lambda + k
            let slope = step + k, weightedSignal = slope + k, rho = weightedSignal + k, v = rho + m, dv = v + k
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
            for j in 0..<k { v[j] = -(s0[j] + ds[j]); dv[j] = -ds[j] }
            let outer = TensorGrid(rule: rhoRule, active: (0..<m).map { active[$0] != 0 })
            let inner = TensorGrid(rule: Self.deviationRule, active: (0..<k).map { active[m + $0] != 0 })
            var rhoIndex = [Int](repeating: 0, count: m), dIndex = [Int](repeating: 0, count: k)
            for _ in 0..<outer.count {
                let rhoWeight = outer.node(rhoIndex) { c, node in z[c] = node }
                for r in 0..<m {
                    var value = 0.0
                    for c in 0...r { value += chol[r * dim + c] * z[c] }
                    rho[r] = value
                    u[r] = value
                }
                // Per ρ node: x_j, g(x_j), the ρ part of d_j, and the δv part of the error signal.
                var baseError = 0.0
                for j in 0..<k {
                    x[j] = sign[j] * rho[partner[j]]
                    gx[j] = g.function(x[j])
                    var value = 0.0
                    for c in 0..<m { value += chol[(m + j) * dim + c] * z[c] }
                    dRho[j] = value
                    if dv[j] != 0 { baseError -= dv[j] * gx[j] }
                }
                for j in 0..<k { dIndex[j] = 0 }
                for _ in 0..<inner.count {
                    let weight = rhoWeight * inner.node(dIndex) { c, node in z[m + c] = node }
                    var error = baseError
                    for j in 0..<k {
                        var value = dRho[j]
                        for c in 0...j { value += chol[(m + j) * dim + m + c] * z[m + c] }
                        let dj = scale[m + j] * value
                        lambda[j] = x[j] + dj
                        step[j] = Self.activationStep(g, x[j], dj, gx: gx[j])
                        error -= v[j] * step[j]
                    }
                    if error != 0 {
                        let we = weight * error
                        for i in 0..<k {
                            slope[i] = g.derivative(lambda[i])
                            weightedSignal[i] = we * slope[i]
                        }
                        for i in 0..<k {
                            let wgi = weightedSignal[i]
                            for b in 0..<k { drive[i * n + b] += wgi * lambda[b] }
                            for a in 0..<m { drive[i * n + k + a] += wgi * rho[a] }
                            signal[i] += we * (gx[i] + step[i])
                            if keepsSecondOrder { for j in i..<k { bracket[i * k + j] += wgi * error * slope[j] } }
                        }
                    }
                    inner.advance(&dIndex)
                }
                outer.advance(&rhoIndex)
            }
        }
    }

    /// Nodes per d direction (see `quadratureDrift`): 3 Gauss–Hermite nodes integrate the d dependence to relative
    /// ~s⁶ (2e-8 at the switch to deviation form, s ≈ 0.05; at 4 and 16 nodes the drift is the same to 1e-12).
    static let deviationRule = GaussHermite.rule(order: 3)

    /// g(x + d) − g(x) to relative precision, given gx = g(x): d ∫₀¹ g'(x + τd) dτ by Gauss–Legendre when |d| ≤ 0.02,
    /// with 1, 2 or 4 nodes as |d| allows (relative error ~ |d|^{2p} |g^{(2p+1)}/g'|/c_p, below 1e-13 for tanh
    /// and sigmoid at the thresholds), else the plain difference (rounding ≤ ε_mach/|d|).
    static func activationStep(_ g: Activation, _ x: Double, _ d: Double, gx: Double) -> Double {
        if d == 0 { return 0 }
        let size = abs(d)
        guard size <= 0.02 else { return g.function(x + d) - gx }
        if size <= 1e-6 { return d * g.derivative(x + 0.5 * d) }
        if size <= 1e-3 {
            let offset = 0.5 / 3.0.squareRoot()
            return 0.5 * d * (g.derivative(x + (0.5 - offset) * d) + g.derivative(x + (0.5 + offset) * d))
        }
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

/// The multi-indices of a tensor-product rule over some directions, a direction that is not active (a zero pivot)
/// having the single node 0 with weight 1.
struct TensorGrid {
    let rule: QuadratureRule
    let active: [Bool]

    /// The number of nodes.
    var count: Int { active.reduce(1) { $1 ? $0 * rule.nodes.count : $0 } }

    /// The weight of node `index`, handing each direction's node to `set`.
    func node(_ index: [Int], _ set: (Int, Double) -> Void) -> Double {
        var weight = 1.0
        for c in active.indices {
            if active[c] { set(c, rule.nodes[index[c]]); weight *= rule.weights[index[c]] } else { set(c, 0) }
        }
        return weight
    }

    /// Steps `index` to the next node (odometer order over the active directions).
    func advance(_ index: inout [Int]) {
        for c in active.indices where active[c] {
            index[c] += 1
            if index[c] < rule.nodes.count { return }
            index[c] = 0
        }
    }
}
