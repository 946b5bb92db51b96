import GaussianIntegrals
import ODEIntegration
import Scenarios

/// The d → ∞ order-parameter ODEs of online SGD for a committee machine (Saad & Solla 1995; Goldt et al. 2019),
/// with weight decay λ, label-noise variance σ² and optionally a trained second layer:
///
///     dR_in/dt = η v_i [ Σ_m v*_m I3(i,n,m) − Σ_j v_j I3(i,n,j) ] − ηλ R_in
///     dQ_ik/dt = η v_i [ Σ_m v*_m I3(i,k,m) − Σ_j v_j I3(i,k,j) ] + (i ↔ k) − 2ηλ Q_ik
///              + (η²/B) v_i v_k [ Σ_{ab} s_a s_b I4(i,k,a,b) + σ² J2(i,k) ]
///     dv_i/dt  = η_v [ Σ_n v*_n I2(i,n) − Σ_j v_j I2(i,j) ]
///     db_i/dt  = η_b v_i [ Σ_n v*_n I2′(i,n) − Σ_j v_j I2′(i,j) ]
///
/// where a, b run over all K + M local fields with s = (−v_1…−v_K, v*_1…v*_M), so that the η² bracket is
/// E[g'(λ_i)g'(λ_k)(φ* − φ)²] + σ²J2(i,k) (dropped with `dropsSecondOrderTerms`). T and v* stay fixed.
/// η = η(t) is the optimiser's drift coefficient, η²/B its noise coefficient (`Optimiser.coefficients(at:)`), and
/// η_v = η_v f(t) follows the same schedule factor. With mini-batches of B samples (mean gradient, all at the weights
/// before the step) the mean step, hence every η and η_v term, is that of one sample, while the η² term comes from
/// (η²/d)(1/B²) Σ_{bb'} v_i v_k g'_{ib} g'_{kb'} Δ_b Δ_b' x_b·x_b'/d: its B diagonal terms (x_b·x_b/d → 1) give 1/B
/// of the one-sample bracket, and its B(B − 1) cross terms have mean E[g'_i Δ x]·E[g'_k Δ x]/d = O(1/d) (both
/// vectors lie in the span of the K + M weight vectors with O(1) coefficients over √d), so they are dropped.
///
/// **Biases** (b_i of the student, b*_n of the teacher) shift every activation's argument, g(λ_i + b_i) with λ, ρ the
/// centred fields of covariance [[Q, R], [Rᵀ, T]], and every integral above is over those shifted activations
/// (`CommitteeIntegrals`, `shift`); in I3(i, b, c) = E[g'(λ_i + b_i) u_b g(u_c + μ_c)] the middle factor is the centred
/// field w_b·x/√d, since dR/dt and dQ/dt come from the first-layer update. A trained bias moves by (η_b/d) v_i g'Δ per
/// step, so it drifts like v (η_b with the same schedule factor and momentum gain), with no η² term at d → ∞.
///
/// State layout (`CommitteeStateLayout`): the upper triangle of Q row by row, then R row-major, then v if trained,
/// then b if trained.
public struct CommitteeODE: ODESystem, Sendable {
    /// The committee (K, M, activations, optimiser, σ², λ, trained layers) whose equations these are.
    public let scenario: CommitteeScenario
    /// Where Q, R, v, b (and with scaled momentum the velocity overlaps) sit in the state vector.
    public let layout: CommitteeStateLayout
    /// T (M×M), fixed.
    public let teacherOverlap: [Double]
    /// v* (M), fixed.
    public let teacherSecondLayer: [Double]
    /// v when the second layer is fixed.
    public let fixedSecondLayer: [Double]
    /// b when the biases are fixed.
    public let fixedBiases: [Double]
    /// b* (M), fixed.
    public let teacherBiases: [Double]
    /// Whether the fields are shifted at all (`CommitteeScenario.hasBiases`): without, the integrals get no shift.
    public let hasBiases: Bool
    /// The Gaussian integrals I2, I2′, I3, I4, J2 of the two activations, with field shifts if `hasBiases`.
    public let integrals: CommitteeIntegrals

    /// The ODE of `scenario` with T, v* (and v, if fixed) taken from `initial`.
    public init(scenario: CommitteeScenario, initial: CommitteeOrderParameters, quadratureOrder: Int = CommitteeIntegrals.defaultQuadratureOrder) {
        self.scenario = scenario
        layout = CommitteeStateLayout(studentUnits: scenario.studentUnits, teacherUnits: scenario.teacherUnits,
                                      trainsSecondLayer: scenario.trainsSecondLayer, trainsBiases: scenario.trainsBiases,
                                      hasVelocityOverlaps: scenario.optimiser.scaledMomentum != nil)
        teacherOverlap = initial.t
        teacherSecondLayer = initial.vStar
        fixedSecondLayer = initial.v
        fixedBiases = initial.b
        teacherBiases = scenario.teacherBiases
        hasBiases = scenario.hasBiases || initial.fieldShifts != nil
        integrals = CommitteeIntegrals(student: scenario.studentActivation, teacher: scenario.teacherActivation,
                                       studentUnits: scenario.studentUnits, quadratureOrder: quadratureOrder,
                                       hasShifts: hasBiases)
    }

    /// The length of the state vector (`layout.dimension`).
    public var dimension: Int { layout.dimension }

    /// The right-hand side above at `time`, written into `derivative`; with scaled momentum that of the velocity
    /// overlaps (`evaluateScaledMomentum`).
    public func evaluate(time: Double, state y: UnsafeBufferPointer<Double>, derivative dy: UnsafeMutableBufferPointer<Double>) {
        if let gamma = scenario.optimiser.scaledMomentum { return evaluateScaledMomentum(gamma, time: time, state: y, derivative: dy) }
        let k = layout.studentUnits, m = layout.teacherUnits, n = k + m
        let coefficients = scenario.optimiser.coefficients(at: time)
        let eta = coefficients.drift, noiseCoefficient = coefficients.noise, lambda = scenario.weightDecay
        // ReLU's four-variate orthant probabilities depend only on the set of fields: share them in this evaluation.
        let orthants = integrals.student.family == .relu || integrals.teacher.family == .relu ? OrthantCache() : nil
        withUnsafeTemporaryAllocation(of: Double.self, capacity: n * n + 3 * n + k * n) { scratch in
            let c = scratch.baseAddress!, s = c + n * n, v = s + n, drive = v + n, mu = drive + k * n
            layout.fillCovariance(c, state: y, teacherOverlap: teacherOverlap)
            let shift = fillWeightsAndShifts(s, mu, state: y)
            for i in 0..<k { v[i] = -s[i] }
            fillDrive(drive, c, stride: n, weights: s, shift: shift)
            for i in 0..<k {
                for a in 0..<m {
                    dy[layout.rIndex(i, a)] = eta * v[i] * drive[i * n + k + a] - eta * lambda * c[i * n + k + a]
                }
                for j in i..<k {
                    var value = eta * (v[i] * drive[i * n + j] + v[j] * drive[j * n + i]) - 2 * eta * lambda * c[i * n + j]
                    if !scenario.dropsSecondOrderTerms {
                        value += noiseCoefficient * v[i] * v[j] * noiseBracket(c, stride: n, i, j, weights: s, cache: orthants, shift: shift)
                    }
                    dy[layout.qIndex(i, j)] = value
                }
            }
            if let baseV = scenario.secondLayerLearningRate {
                // η_v(t) with the momentum gain 1/(1 − β) of the second layer's own velocity (`Optimiser`).
                let etaV = baseV * scenario.optimiser.factor(at: time) * scenario.optimiser.momentumGain
                for i in 0..<k { dy[layout.vIndex(i)] = etaV * weightedSum(s) { integrals.i2(c, stride: n, i, $0, shift: shift) } }
            }
            if let baseB = scenario.biasLearningRate {
                let etaB = baseB * scenario.optimiser.factor(at: time) * scenario.optimiser.momentumGain
                for i in 0..<k { dy[layout.bIndex(i)] = etaB * v[i] * weightedSum(s) { integrals.i2Prime(c, stride: n, i, $0, shift: shift) } }
            }
        }
    }

    /// Scaled momentum γ (u_i ← (1 − γ/d)u_i + g_i, w_i ← w_i − (ηγ/d)u_i, with the first-layer gradient
    /// g_i = −v_i g'(λ_i)Δ x/√d + (λ/d)w_i, Δ = φ* − φ; batch 1): the velocities'
    /// fields μ_l = u_l·x/√d are Gaussian with Cov(μ_l, λ_j) = B_lj, Cov(μ_l, ν_n) = A_ln, Cov(μ_l, μ_j) = C_lj and
    /// enter through I3(i, μ_l, f) (Stein: linear in the middle field's covariances, so every closed form and quadrature
    /// takes it from the extended (2K + M)² covariance). With drive(i, u) = Σ_f s_f I3(i, u, f) = E[g'(λ_i) u Δ]:
    ///
    ///     dR_in/dt = −ηγ A_in,        dQ_ij/dt = −ηγ (B_ij + B_ji),
    ///     dA_in/dt = −γ A_in − v_i drive(i, ν_n) + λ R_in,
    ///     dB_ij/dt = −γ B_ij − v_i drive(i, λ_j) + λ Q_ij − ηγ C_ij,
    ///     dC_ij/dt = −2γ C_ij − v_i drive(i, μ_j) − v_j drive(j, μ_i) + λ (B_ij + B_ji)
    ///                + v_i v_j [Σ_ab s_a s_b I4(i,j,a,b) + σ² J2(i,j)],
    ///
    /// from ΔR = −(ηγ/d) u·w*, ΔB = −(γ/d)B + g·w/d − (ηγ/d)C per step (|Δw|²/d = O(1/d²)); γ → ∞ slaves the
    /// velocity (A ≈ (−v_i drive + λR)/γ) and gives plain SGD at η. The bracket is dropped with `dropsSecondOrderTerms`.
    /// A trained second layer has scalar velocities s_i ← (1 − γ/d)s_i − g(λ_i)Δ, v_i ← v_i − (η_vγ/d²)s_i; with
    /// σ_i = s_i/d (O(1)): dσ_i/dt = −γσ_i − Σ_f s_f I2(i, f), dv_i/dt = −η_v γ σ_i. Trained biases likewise, with
    /// r_i ← (1 − γ/d)r_i − v_i g'(λ_i)Δ: dρ_i/dt = −γρ_i − v_i Σ_f s_f I2′(i, f), db_i/dt = −η_b γ ρ_i; with biases every
    /// integral is over the shifted fields (the middle factor of I3 stays centred).
    func evaluateScaledMomentum(_ gamma: Double, time: Double, state y: UnsafeBufferPointer<Double>, derivative dy: UnsafeMutableBufferPointer<Double>) {
        let k = layout.studentUnits, m = layout.teacherUnits, n = k + m, e = n + k
        let eta = scenario.optimiser.coefficients(at: time).drift, lambda = scenario.weightDecay
        let orthants = integrals.student.family == .relu || integrals.teacher.family == .relu ? OrthantCache() : nil
        withUnsafeTemporaryAllocation(of: Double.self, capacity: e * e + 2 * n + k * e) { scratch in
            let c = scratch.baseAddress!, s = c + e * e, mu = s + n, drive = mu + n
            let shift = fillWeightsAndShifts(s, mu, state: y)
            // [[Q, R, Bᵀ], [Rᵀ, T, Aᵀ], [B, A, C]] over the fields (λ, ν, μ).
            for i in 0..<k {
                for j in 0..<k {
                    c[i * e + j] = y[layout.qIndex(i, j)]
                    let b = y[layout.velocityStudentIndex(i, j)]  // Cov(μ_i, λ_j)
                    c[(n + i) * e + j] = b
                    c[j * e + n + i] = b
                    c[(n + i) * e + n + j] = y[layout.velocitySelfIndex(i, j)]
                }
                for a in 0..<m {
                    let r = y[layout.rIndex(i, a)], velocity = y[layout.velocityTeacherIndex(i, a)]
                    c[i * e + k + a] = r
                    c[(k + a) * e + i] = r
                    c[(n + i) * e + k + a] = velocity
                    c[(k + a) * e + n + i] = velocity
                }
            }
            for a in 0..<m { for b in 0..<m { c[(k + a) * e + k + b] = teacherOverlap[a * m + b] } }
            fillDrive(drive, c, stride: e, weights: s, shift: shift)
            if let baseV = scenario.secondLayerLearningRate {
                let etaV = baseV * scenario.optimiser.factor(at: time)
                for i in 0..<k {
                    let sum = weightedSum(s) { integrals.i2(c, stride: e, i, $0, shift: shift) }
                    let sigma = y[layout.secondLayerVelocityIndex(i)]
                    dy[layout.vIndex(i)] = -etaV * gamma * sigma
                    dy[layout.secondLayerVelocityIndex(i)] = -gamma * sigma - sum
                }
            }
            if let baseB = scenario.biasLearningRate {
                let etaB = baseB * scenario.optimiser.factor(at: time)
                for i in 0..<k {
                    let sum = weightedSum(s) { integrals.i2Prime(c, stride: e, i, $0, shift: shift) }
                    let rho = y[layout.biasVelocityIndex(i)]
                    dy[layout.bIndex(i)] = -etaB * gamma * rho
                    dy[layout.biasVelocityIndex(i)] = -gamma * rho + s[i] * sum
                }
            }
            for i in 0..<k {
                for a in 0..<m {
                    dy[layout.rIndex(i, a)] = -eta * gamma * y[layout.velocityTeacherIndex(i, a)]
                    dy[layout.velocityTeacherIndex(i, a)] = -gamma * y[layout.velocityTeacherIndex(i, a)] + s[i] * drive[i * e + k + a]
                        + lambda * y[layout.rIndex(i, a)]
                }
                for j in 0..<k {
                    dy[layout.velocityStudentIndex(i, j)] = -gamma * y[layout.velocityStudentIndex(i, j)] + s[i] * drive[i * e + j]
                        + lambda * y[layout.qIndex(i, j)] - eta * gamma * y[layout.velocitySelfIndex(i, j)]
                }
                for j in i..<k {
                    let bSum = y[layout.velocityStudentIndex(i, j)] + y[layout.velocityStudentIndex(j, i)]
                    dy[layout.qIndex(i, j)] = -eta * gamma * bSum
                    var value = -2 * gamma * y[layout.velocitySelfIndex(i, j)] + s[i] * drive[i * e + n + j] + s[j] * drive[j * e + n + i]
                        + lambda * bSum
                    if !scenario.dropsSecondOrderTerms {
                        value += s[i] * s[j] * noiseBracket(c, stride: e, i, j, weights: s, cache: orthants, shift: shift)
                    }
                    dy[layout.velocitySelfIndex(i, j)] = value
                }
            }
        }
    }

    /// Writes the output weights s = (−v, v*) of the K + M fields and, with biases, their shifts μ = (b, b*) from state `y`;
    /// returns the shifts to pass to the integrals (nil without biases).
    func fillWeightsAndShifts(_ s: UnsafeMutablePointer<Double>, _ mu: UnsafeMutablePointer<Double>,
                              state y: UnsafeBufferPointer<Double>) -> UnsafePointer<Double>? {
        let k = layout.studentUnits, m = layout.teacherUnits
        for i in 0..<k { s[i] = -(layout.trainsSecondLayer ? y[layout.vIndex(i)] : fixedSecondLayer[i]) }
        for a in 0..<m { s[k + a] = teacherSecondLayer[a] }
        guard hasBiases else { return nil }
        for i in 0..<k { mu[i] = layout.trainsBiases ? y[layout.bIndex(i)] : fixedBiases[i] }
        for a in 0..<m { mu[k + a] = teacherBiases[a] }
        return UnsafePointer(mu)
    }

    /// Σ_f s_f term(f) over the K + M fields with s_f ≠ 0.
    @inline(__always)
    func weightedSum(_ s: UnsafePointer<Double>, _ term: (Int) -> Double) -> Double {
        var sum = 0.0
        for f in 0..<(layout.studentUnits + layout.teacherUnits) where s[f] != 0 { sum += s[f] * term(f) }
        return sum
    }

    /// drive[i·stride + b] = E[g'(λ_i) u_b (φ* − φ)] = Σ_f s_f I3(i, b, f) for every field b of the covariance `c`
    /// (`stride` fields: the K + M of the network, and scaled momentum's velocity fields after them).
    func fillDrive(_ drive: UnsafeMutablePointer<Double>, _ c: UnsafePointer<Double>, stride: Int, weights s: UnsafePointer<Double>,
                   shift: UnsafePointer<Double>?) {
        for i in 0..<layout.studentUnits {
            for b in 0..<stride { drive[i * stride + b] = weightedSum(s) { integrals.i3(c, stride: stride, i, b, $0, shift: shift) } }
        }
    }

    /// The gradient-noise bracket Σ_ab s_a s_b I4(i, j, a, b) + σ² J2(i, j) = E[g'(λ_i)g'(λ_j)(φ* − φ)²] + σ²J2 over the
    /// K + M fields of the covariance `c` (row length `stride`).
    func noiseBracket(_ c: UnsafePointer<Double>, stride: Int, _ i: Int, _ j: Int, weights s: UnsafePointer<Double>,
                      cache: OrthantCache?, shift: UnsafePointer<Double>?) -> Double {
        let n = layout.studentUnits + layout.teacherUnits
        var bracket = 0.0
        for a in 0..<n where s[a] != 0 {
            bracket += s[a] * s[a] * integrals.i4(c, stride: stride, i, j, a, a, cache: cache, shift: shift)
            for b in (a + 1)..<max(a + 1, n) where s[b] != 0 {
                bracket += 2 * s[a] * s[b] * integrals.i4(c, stride: stride, i, j, a, b, cache: cache, shift: shift)
            }
        }
        if scenario.noiseVariance > 0 { bracket += scenario.noiseVariance * integrals.j2(c, stride: stride, i, j, shift: shift) }
        return bracket
    }

    /// ε_g = ½ E[(φ − φ*)²] (noise-free), computed without cancellation near perfect learning
    /// (`CommitteeGeneralisationError`; away from it, ½ Σ_{ab} s_a s_b I2(a, b) over all local fields).
    public func generalisationError(_ state: CommitteeOrderParameters) -> Double {
        CommitteeGeneralisationError(integrals: integrals)(state)
    }
}

/// Where each order parameter sits in the ODE state vector.
public struct CommitteeStateLayout: Sendable, Hashable {
    /// K, the number of student hidden units.
    public let studentUnits: Int
    /// M, the number of teacher hidden units.
    public let teacherUnits: Int
    /// Whether the second layer v is trained, and so in the state (after R).
    public let trainsSecondLayer: Bool
    /// Whether the student's biases b are trained, and so in the state (after v).
    public let trainsBiases: Bool
    /// Whether the state carries scaled momentum's velocity overlaps A = U W*ᵀ/d (K×M), B = U Wᵀ/d (K×K) and the upper
    /// triangle of C = U Uᵀ/d (`CommitteeODE`), and the velocities s/d of a trained second layer and r/d of trained
    /// biases, after everything else.
    public let hasVelocityOverlaps: Bool

    /// The layout for K student and M teacher units; v, b and the velocity overlaps are in the state only if set.
    public init(studentUnits: Int, teacherUnits: Int, trainsSecondLayer: Bool, trainsBiases: Bool = false, hasVelocityOverlaps: Bool = false) {
        self.studentUnits = studentUnits
        self.teacherUnits = teacherUnits
        self.trainsSecondLayer = trainsSecondLayer
        self.trainsBiases = trainsBiases
        self.hasVelocityOverlaps = hasVelocityOverlaps
    }

    /// K(K + 1)/2: the upper triangle of Q, at the start of the state.
    public var qCount: Int { studentUnits * (studentUnits + 1) / 2 }
    /// Components before the velocity overlaps.
    public var parameterCount: Int {
        qCount + studentUnits * teacherUnits + (trainsSecondLayer ? studentUnits : 0) + (trainsBiases ? studentUnits : 0)
    }
    /// The length of the state: `parameterCount`, plus with velocity overlaps KM + K² + K(K + 1)/2 for A, B, C and K
    /// for each trained layer's velocities.
    public var dimension: Int {
        parameterCount + (hasVelocityOverlaps ? studentUnits * teacherUnits + studentUnits * studentUnits + qCount
                          + (trainsSecondLayer ? studentUnits : 0) + (trainsBiases ? studentUnits : 0) : 0)
    }

    /// Index of a trained bias's velocity r_i/d (scaled momentum; `CommitteeODE`).
    @inlinable
    public func biasVelocityIndex(_ i: Int) -> Int {
        parameterCount + studentUnits * teacherUnits + studentUnits * studentUnits + qCount + (trainsSecondLayer ? studentUnits : 0) + i
    }

    /// Index of the trained second layer's velocity s_i/d (scaled momentum; `CommitteeODE`).
    @inlinable
    public func secondLayerVelocityIndex(_ i: Int) -> Int {
        parameterCount + studentUnits * teacherUnits + studentUnits * studentUnits + qCount + i
    }

    /// Index of A_in = u_i·w*_n/d.
    @inlinable
    public func velocityTeacherIndex(_ i: Int, _ n: Int) -> Int { parameterCount + i * teacherUnits + n }

    /// Index of B_ij = u_i·w_j/d (not symmetric).
    @inlinable
    public func velocityStudentIndex(_ i: Int, _ j: Int) -> Int { parameterCount + studentUnits * teacherUnits + i * studentUnits + j }

    /// Index of C_ij = u_i·u_j/d (either order).
    @inlinable
    public func velocitySelfIndex(_ i: Int, _ j: Int) -> Int {
        parameterCount + studentUnits * teacherUnits + studentUnits * studentUnits + qIndex(i, j)
    }

    /// Index of Q_ik (either order).
    @inlinable
    public func qIndex(_ i: Int, _ k: Int) -> Int {
        let (a, b) = i <= k ? (i, k) : (k, i)
        return a * studentUnits - a * (a - 1) / 2 + (b - a)
    }

    /// Index of R_in, after the Q triangle (row-major K × M).
    @inlinable
    public func rIndex(_ i: Int, _ n: Int) -> Int { qCount + i * teacherUnits + n }

    /// Index of v_i (trained second layer), after R.
    @inlinable
    public func vIndex(_ i: Int) -> Int { qCount + studentUnits * teacherUnits + i }

    /// Index of b_i (trained biases), after R and v (if trained).
    @inlinable
    public func bIndex(_ i: Int) -> Int { qCount + studentUnits * teacherUnits + (trainsSecondLayer ? studentUnits : 0) + i }

    /// The state vector of `p`.
    public func state(of p: CommitteeOrderParameters) -> [Double] {
        var y = [Double](repeating: 0, count: dimension)
        for i in 0..<studentUnits {
            for k in i..<studentUnits { y[qIndex(i, k)] = p.q[i * studentUnits + k] }
            for n in 0..<teacherUnits { y[rIndex(i, n)] = p.r[i * teacherUnits + n] }
            if trainsSecondLayer { y[vIndex(i)] = p.v[i] }
            if trainsBiases { y[bIndex(i)] = p.b[i] }
        }
        return y
    }

    /// The order parameters of state `y`, with what the state does not hold (T, v*, b*, and v or b when fixed) from
    /// `fixed`.
    public func parameters(_ y: ArraySlice<Double>, fixed: CommitteeOrderParameters) -> CommitteeOrderParameters {
        var p = parameters(y, t: fixed.t, v: fixed.v, vStar: fixed.vStar)
        p.bStar = fixed.bStar
        p.b = trainsBiases ? (0..<studentUnits).map { y[y.startIndex + bIndex($0)] } : fixed.b
        return p
    }

    /// The order parameters of state `y`, with the fixed T, v* and (if not trained) v.
    public func parameters(_ y: ArraySlice<Double>, t: [Double], v: [Double], vStar: [Double]) -> CommitteeOrderParameters {
        let base = y.startIndex, k = studentUnits, m = teacherUnits
        var q = [Double](repeating: 0, count: k * k), r = [Double](repeating: 0, count: k * m)
        for i in 0..<k {
            for j in 0..<k { q[i * k + j] = y[base + qIndex(i, j)] }
            for n in 0..<m { r[i * m + n] = y[base + rIndex(i, n)] }
        }
        let vNow = trainsSecondLayer ? (0..<k).map { y[base + vIndex($0)] } : v
        return CommitteeOrderParameters(studentUnits: k, teacherUnits: m, q: q, r: r, t: t, v: vNow, vStar: vStar)
    }

    /// Writes C = [[Q, R], [Rᵀ, T]] ((K+M)², row-major) for state `y`.
    @inlinable
    public func fillCovariance(_ c: UnsafeMutablePointer<Double>, state y: UnsafeBufferPointer<Double>, teacherOverlap t: [Double]) {
        let k = studentUnits, m = teacherUnits, n = k + m
        for i in 0..<k {
            for j in 0..<k { c[i * n + j] = y[qIndex(i, j)] }
            for a in 0..<m {
                let r = y[rIndex(i, a)]
                c[i * n + k + a] = r
                c[(k + a) * n + i] = r
            }
        }
        for a in 0..<m { for b in 0..<m { c[(k + a) * n + k + b] = t[a * m + b] } }
    }
}
