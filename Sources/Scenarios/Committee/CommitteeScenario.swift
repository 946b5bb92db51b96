import GaussianIntegrals

/// Online SGD for a two-layer committee machine learning from a two-layer teacher: the scenario both
/// the order-parameter ODEs and the finite-d simulator read.
///
/// Conventions (Saad–Solla / Goldt et al.; also in the README). Inputs x ~ N(0, I_d); student with K
/// hidden units and teacher with M:
///
///     φ(x) = Σ_k v_k g(λ_k),  λ_k = w_k·x/√d + b_k;     φ*(x) = Σ_n v*_n g*(ρ_n),  ρ_n = w*_n·x/√d + b*_n;
///     y = φ*(x) + σ ζ,  ζ ~ N(0, 1)  (σ² = `noiseVariance`).
///
/// One fresh sample per step, Δ = y − φ(x), and
///
///     w_k ← w_k + (η/√d) v_k g'(λ_k) Δ x − (ηλ/d) w_k,      v_k ← v_k + (η_v/d) g(λ_k) Δ   (if trained),
///     b_k ← b_k + (η_b/d) v_k g'(λ_k) Δ   (if trained; biases b, b* are 0 unless given).
///
/// Time is α = steps/d. Order parameters Q = w wᵀ/d (K×K), R = w w*ᵀ/d (K×M), T = w* w*ᵀ/d (M×M),
/// and v; the generalisation error is ε_g = ½ E[(φ − φ*)²] (noise-free).
public struct CommitteeScenario: Sendable {
    /// Number of student hidden units K.
    public var studentUnits: Int
    /// Number of teacher hidden units M.
    public var teacherUnits: Int
    /// The student's activation g.
    public var studentActivation: Activation
    /// The teacher's activation g*.
    public var teacherActivation: Activation
    /// The optimiser (first-layer learning rate η, …): what the ODEs and the simulator read of the update rule. Its
    /// `factor(at:)` scales the second layer's rate too: η_v(t) = η_v f(t).
    public var optimiser: Optimiser
    /// The base first-layer learning rate η (`optimiser.learningRate`).
    public var learningRate: Double {
        get { optimiser.learningRate }
        set { optimiser.learningRate = newValue }
    }
    /// Base second-layer learning rate η_v; `nil` keeps the second layer fixed at `initialSecondLayer`.
    public var secondLayerLearningRate: Double?
    /// Label-noise variance σ².
    public var noiseVariance: Double
    /// First-layer weight decay λ.
    public var weightDecay: Double
    /// How the teacher's first layer is chosen (sets T).
    public var teacher: TeacherSpecification
    /// Teacher second layer v* (length M).
    public var teacherSecondLayer: [Double]
    /// Student second layer at t = 0 (length K).
    public var initialSecondLayer: [Double]
    /// How the student's first layer starts.
    public var initialStudent: StudentInitialisation
    /// Drop the η² terms (I4, J2) of dQ/dα: the small-learning-rate limit, for comparison only.
    public var dropsSecondOrderTerms: Bool
    /// Base learning rate η_b of the student's biases, scaled like the second layer's (1/d per step); `nil` keeps
    /// them fixed at `initialBiases`.
    public var biasLearningRate: Double?
    /// Student biases b at t = 0 (length K; zeros by default).
    public var initialBiases: [Double]
    /// Teacher biases b* (length M; zeros by default).
    public var teacherBiases: [Double]

    /// A validated scenario; throws for K or M < 1, a non-positive second-layer learning rate, negative noise or weight
    /// decay, a non-positive-definite T, wrong vector lengths, or initial overlaps no student can have
    /// ([[Q, R], [Rᵀ, T]] must be positive semidefinite).
    public init(
        studentUnits: Int, teacherUnits: Int,
        studentActivation: Activation = .erf, teacherActivation: Activation? = nil,
        optimiser: Optimiser, secondLayerLearningRate: Double? = nil,
        noiseVariance: Double = 0, weightDecay: Double = 0,
        teacher: TeacherSpecification = .orthonormal,
        teacherSecondLayer: [Double]? = nil, initialSecondLayer: [Double]? = nil,
        initialStudent: StudentInitialisation = .random(variance: 1),
        dropsSecondOrderTerms: Bool = false,
        biasLearningRate: Double? = nil, initialBiases: [Double]? = nil, teacherBiases: [Double]? = nil
    ) throws {
        try ScenarioError.requirePositive("number of student hidden units K", studentUnits)
        if let lrBias = biasLearningRate {
            try ScenarioError.require("bias learning rate", lrBias, { $0 > 0 }, "positive")
        }
        try ScenarioError.requirePositive("number of teacher hidden units M", teacherUnits)
        if let lr2 = secondLayerLearningRate {
            try ScenarioError.require("second-layer learning rate", lr2, { $0 > 0 }, "positive")
        }
        try ScenarioError.require("noise variance", noiseVariance, { $0 >= 0 }, "non-negative")
        try ScenarioError.require("weight decay", weightDecay, { $0 >= 0 }, "non-negative")
        let k = studentUnits, m = teacherUnits
        // Every size is a product of K and M (K², K·M, (K + M)·d): they must be countable without overflow.
        guard k <= Self.maximumUnits, m <= Self.maximumUnits else {
            throw ScenarioError.outOfRange("the numbers of hidden units K and M must be at most \(Self.maximumUnits), got K = \(k), M = \(m)")
        }
        let vStar = teacherSecondLayer ?? Array(repeating: 1, count: m)
        let v0 = initialSecondLayer ?? Array(repeating: 1, count: k)
        guard vStar.count == m, vStar.allSatisfy(\.isFinite) else {
            throw ScenarioError("teacher second layer must have M = \(m) finite entries, got \(vStar)")
        }
        guard v0.count == k, v0.allSatisfy(\.isFinite) else {
            throw ScenarioError("student second layer must have K = \(k) finite entries, got \(v0)")
        }
        let b0 = initialBiases ?? Array(repeating: 0, count: k), bStar = teacherBiases ?? Array(repeating: 0, count: m)
        for (name, biases, count) in [("student biases b", b0, k), ("teacher biases b*", bStar, m)] {
            guard biases.count == count, biases.allSatisfy(\.isFinite) else {
                throw ScenarioError("\(name) must have \(count) finite entries, got \(biases)")
            }
            if let large = biases.first(where: { abs($0) > Self.maximumBias }) {
                throw ScenarioError.outOfRange("\(name) must be at most \(Self.maximumBias) in magnitude, got \(large)")
            }
        }
        // ε_g and the updates are quadratic in v: beyond 10¹⁰⁰ they overflow before the first step.
        for (name, layer) in [("student second layer v", v0), ("teacher second layer v*", vStar)] {
            guard let large = layer.first(where: { abs($0) > Self.maximumSecondLayerWeight }) else { continue }
            throw ScenarioError.outOfRange(
                "\(name) must be at most \(Self.maximumSecondLayerWeight) in magnitude (ε_g = ½E[(φ − φ*)²] is quadratic in it and would overflow), got \(large)")
        }
        if case .overlap(let t) = teacher {
            guard t.count == m * m, t.allSatisfy(\.isFinite) else {
                throw ScenarioError("teacher overlap T must be an M×M = \(m)×\(m) matrix of finite numbers")
            }
            if let asymmetry = Self.asymmetry(t, dimension: m, name: "teacher overlap T") { throw ScenarioError(asymmetry) }
            guard Cholesky.isPositiveDefinite(t, dimension: m, tolerance: 1e-10) else {
                throw ScenarioError("teacher overlap T is not symmetric positive definite: \(t)")
            }
        }
        switch initialStudent {
        case .random(let variance):
            try ScenarioError.require("initial weight variance", variance, { $0 > 0 }, "positive")
            guard variance <= Self.maximumOverlap else {
                throw ScenarioError.outOfRange("initial weight variance must be at most \(Self.maximumOverlap) (the overlaps Q ≈ variance·I enter the integrals squared and would overflow), got \(variance)")
            }
        case .overlaps(let q, let r):
            guard q.count == k * k, r.count == k * m, (q + r).allSatisfy(\.isFinite) else {
                throw ScenarioError("initial overlaps need Q as K×K = \(k)×\(k) and R as K×M = \(k)×\(m) finite matrices")
            }
            if let asymmetry = Self.asymmetry(q, dimension: k, name: "initial overlap Q") { throw ScenarioError(asymmetry) }
            if let negative = (0..<k).first(where: { q[$0 * k + $0] < 0 }) {
                throw ScenarioError.outOfRange("initial overlap Q must have a non-negative diagonal (Q_ii = |w_i|²/d), got Q[\(negative)][\(negative)] = \(q[negative * k + negative])")
            }
            if let large = (q + r).first(where: { abs($0) > Self.maximumOverlap }) {
                throw ScenarioError.outOfRange("initial overlaps Q, R must be at most \(Self.maximumOverlap) in magnitude (they enter the integrals squared and would overflow), got \(large)")
            }
            let t = teacher.expectedOverlap(units: m)
            let joint = CommitteeOrderParameters.jointCovariance(q: q, r: r, t: t, k: k, m: m)
            guard Cholesky.factor(joint, dimension: k + m, tolerance: 1e-10) != nil else {
                throw ScenarioError("initial overlaps are not realisable: [[Q, R], [Rᵀ, T]] is not positive semidefinite")
            }
        }
        self.studentUnits = k
        self.teacherUnits = m
        self.studentActivation = studentActivation
        self.teacherActivation = teacherActivation ?? studentActivation
        self.optimiser = optimiser
        self.secondLayerLearningRate = secondLayerLearningRate
        self.noiseVariance = noiseVariance
        self.weightDecay = weightDecay
        self.teacher = teacher
        self.teacherSecondLayer = vStar
        self.initialSecondLayer = v0
        self.initialStudent = initialStudent
        self.dropsSecondOrderTerms = dropsSecondOrderTerms
        self.biasLearningRate = biasLearningRate
        self.initialBiases = b0
        self.teacherBiases = bStar
    }

    /// Plain SGD at the constant first-layer rate `learningRate` (`Optimiser(learningRate:)`); throws also for a
    /// non-positive rate.
    public init(
        studentUnits: Int, teacherUnits: Int,
        studentActivation: Activation = .erf, teacherActivation: Activation? = nil,
        learningRate: Double, secondLayerLearningRate: Double? = nil,
        noiseVariance: Double = 0, weightDecay: Double = 0,
        teacher: TeacherSpecification = .orthonormal,
        teacherSecondLayer: [Double]? = nil, initialSecondLayer: [Double]? = nil,
        initialStudent: StudentInitialisation = .random(variance: 1),
        dropsSecondOrderTerms: Bool = false,
        biasLearningRate: Double? = nil, initialBiases: [Double]? = nil, teacherBiases: [Double]? = nil
    ) throws {
        try self.init(
            studentUnits: studentUnits, teacherUnits: teacherUnits, studentActivation: studentActivation,
            teacherActivation: teacherActivation, optimiser: try Optimiser(learningRate: learningRate),
            secondLayerLearningRate: secondLayerLearningRate, noiseVariance: noiseVariance, weightDecay: weightDecay,
            teacher: teacher, teacherSecondLayer: teacherSecondLayer, initialSecondLayer: initialSecondLayer,
            initialStudent: initialStudent, dropsSecondOrderTerms: dropsSecondOrderTerms,
            biasLearningRate: biasLearningRate, initialBiases: initialBiases, teacherBiases: teacherBiases)
    }

    /// The largest K or M: K·(K + M) and (K + M)·d then stay far from overflowing a 64-bit size.
    public static let maximumUnits = 1 << 24
    /// The largest |Q_ik|, |R_in| or initial weight variance.
    public static let maximumOverlap = 1e100
    /// The largest |v_k| or |v*_n|.
    public static let maximumSecondLayerWeight = 1e100
    /// The largest |b_k| or |b*_n|.
    public static let maximumBias = 1e100

    /// A message naming the first pair of entries of the row-major n×n `a` that differ by more than rounding
    /// (10⁻¹⁰ of the largest entry), or `nil` for a symmetric matrix.
    static func asymmetry(_ a: [Double], dimension n: Int, name: String) -> String? {
        let scale = a.map(abs).max() ?? 0
        for i in 0..<n {
            for j in 0..<i where abs(a[i * n + j] - a[j * n + i]) > 1e-10 * scale {
                return "\(name) must be symmetric, but entry [\(i)][\(j)] = \(a[i * n + j]) differs from [\(j)][\(i)] = \(a[j * n + i])"
            }
        }
        return nil
    }

    /// Whether the second layer is trained.
    public var trainsSecondLayer: Bool { secondLayerLearningRate != nil }

    /// Whether the student's biases are trained.
    public var trainsBiases: Bool { biasLearningRate != nil }

    /// The student's biases as recorded in results: "trained", "fixed" (non-zero and untrained) or "none".
    public var biasMode: String { trainsBiases ? "trained" : initialBiases.contains { $0 != 0 } ? "fixed" : "none" }

    /// Whether any field is shifted (a trained bias, or a non-zero student or teacher bias): the integrals are then
    /// over shifted Gaussians and the closed forms of erf and ReLU no longer apply.
    public var hasBiases: Bool {
        trainsBiases || initialBiases.contains { $0 != 0 } || teacherBiases.contains { $0 != 0 }
    }

    /// The order parameters at t = 0 the scenario specifies, or `nil` for a random student (whose
    /// overlaps must be measured from a simulation).
    public var specifiedInitialState: CommitteeOrderParameters? {
        guard case .overlaps(let q, let r) = initialStudent else { return nil }
        return CommitteeOrderParameters(
            studentUnits: studentUnits, teacherUnits: teacherUnits, q: q, r: r,
            t: teacher.expectedOverlap(units: teacherUnits), v: initialSecondLayer, vStar: teacherSecondLayer,
            b: initialBiases, bStar: teacherBiases)
    }
}

/// How the teacher's first-layer weights w*_n are chosen.
public enum TeacherSpecification: Sendable, Hashable {
    /// Orthogonal teacher vectors with |w*_n|² = d exactly: T = I.
    case orthonormal
    /// I.i.d. N(0, 1) components: T = I + O(1/√d); a simulation uses the measured T.
    case random
    /// Teacher vectors with exactly this Gram matrix T (row-major M×M, symmetric positive definite).
    case overlap([Double])

    /// T as the theory sees it without a simulation: I for `orthonormal` and `random`.
    public func expectedOverlap(units m: Int) -> [Double] {
        if case .overlap(let t) = self { return t }
        return (0..<(m * m)).map { $0 / m == $0 % m ? 1 : 0 }
    }
}

/// How the student's first-layer weights start.
public enum StudentInitialisation: Sendable, Hashable {
    /// I.i.d. N(0, variance) components: Q ≈ variance·I, R = O(1/√d). The theory then starts from the
    /// overlaps measured on the simulated students.
    case random(variance: Double)
    /// Students built to have exactly these overlaps with the teacher (Q row-major K×K, R row-major K×M).
    case overlaps(q: [Double], r: [Double])

    /// Q(0) = q0·I, R(0)_in = r0·δ_in: the classic plateau initial condition.
    public static func diagonal(q0: Double, r0: Double, studentUnits k: Int, teacherUnits m: Int) -> StudentInitialisation {
        .overlaps(
            q: (0..<(k * k)).map { $0 / k == $0 % k ? q0 : 0 },
            r: (0..<(k * m)).map { $0 / m == $0 % m ? r0 : 0 })
    }
}
