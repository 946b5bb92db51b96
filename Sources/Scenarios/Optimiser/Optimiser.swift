/// How a student's weights move given the per-sample gradient: the one optimiser description that every online
/// scenario carries (`LinearRegressionScenario`, `ClassifierScenario`, `CommitteeScenario`), that every ODE and every
/// simulator reads, and that `result.json` records under `settings` in one place.
///
/// Online SGD with a constant rate η: B fresh samples per step (`batchSize`, 1 by default) and w ← w − η ⟨∇ℓ⟩_batch. In the d → ∞ ODEs η enters
/// twice, through the drift (terms linear in η, from the mean step) and through the gradient noise (terms in η², from
/// the squared step); `coefficients(at:)` gives both at time t, so an ODE never reads the rate from anywhere else.
/// A simulator takes the rate of step n from `rate(atStep:dimension:)`, i.e. at t = n/d, the same η(t) the ODE sees.
public struct Optimiser: Sendable, Hashable {
    /// The base learning rate η (the first-layer rate of a committee).
    public var learningRate: Double
    /// The learning-rate schedule f(t), η(t) = η f(t) (`constant` by default). It multiplies every rate of the model,
    /// a committee's second layer too. Combination with other optimiser options: the schedule multiplies the per-step
    /// rate, whatever else the step does (a mini-batch's gradient, a momentum's velocity), so η(t) replaces η there.
    public var schedule: LearningRateSchedule = .constant

    // MARK: Mini-batches
    /// The mini-batch size B ≥ 1: every step averages the per-sample gradient over B fresh samples, all evaluated at
    /// the weights before the step (B = 1: plain online SGD). Time stays t = steps/d and η is per step, so the drift
    /// (the mean step) is unchanged and only the second moment of the step, the η² terms, is divided by B (to leading
    /// order in 1/d: the B(B − 1) cross terms between different samples of a batch are O(1/d) each; `noise(rate:)`).
    /// Combination rule with momentum (heavy ball, v ← βv + ḡ with ḡ the batch-mean gradient): B divides the
    /// gradient's noise before it enters the velocity, so wherever momentum's η_eff² multiplies a per-sample second
    /// moment, it becomes η_eff²/B; with a schedule, η(t)²/B.
    public var batchSize: Int
    /// The largest batch size accepted, 10⁹: the samples per unit of time d·B and a simulation's cost
    /// (t_max·d·B·d operations) then stay far inside the double and integer ranges.
    public static let maximumBatchSize = 1_000_000_000
    /// Heavy-ball momentum β ∈ [0, 1) at fixed β (`--momentum`); 0 is plain SGD (no velocity). See `Momentum` below.
    public var momentum: Double = 0
    /// Scaled momentum γ > 0 (`--momentum-scaled`): β = 1 − γ/d; `nil` for none. See `Momentum` below.
    public var scaledMomentum: Double? = nil

    /// SGD at the base rate `learningRate` with `schedule`, mini-batches of `batchSize` samples and heavy-ball
    /// `momentum` β or `scaledMomentum` γ (at most one of them); throws (out of range) unless the rate is positive and
    /// finite, 1 ≤ B ≤ `maximumBatchSize`, 0 ≤ β < 1 and γ > 0 are finite, and when both momenta are given or scaled
    /// momentum is combined with B > 1 (its velocity ODEs are derived for single samples).
    public init(learningRate: Double, schedule: LearningRateSchedule = .constant, batchSize: Int = 1,
                momentum: Double = 0, scaledMomentum: Double? = nil) throws {
        try ScenarioError.require("learning rate", learningRate, { $0 > 0 }, "positive")
        guard (1...Self.maximumBatchSize).contains(batchSize) else {
            throw ScenarioError.outOfRange("batch size must be an integer between 1 and \(Self.maximumBatchSize), got \(batchSize)")
        }
        try ScenarioError.require("momentum β", momentum, { $0 >= 0 && $0 < 1 }, "in [0, 1)")
        if let gamma = scaledMomentum {
            try ScenarioError.require("scaled momentum γ", gamma, { $0 > 0 }, "positive")
            guard momentum == 0 else {
                throw ScenarioError.outOfRange("momentum β = \(momentum) and scaled momentum γ = \(gamma) exclude each other: give one")
            }
            guard batchSize == 1 else {
                throw ScenarioError.outOfRange("scaled momentum is implemented for single samples (batch 1), got batch \(batchSize); use fixed --momentum β with mini-batches")
            }
        }
        self.learningRate = learningRate
        self.schedule = schedule
        self.batchSize = batchSize
        self.momentum = momentum
        self.scaledMomentum = scaledMomentum
    }

    /// The gradient-noise coefficient of a step at rate η: η²/B. The mean of B independent per-sample gradients has
    /// 1/B of one gradient's covariance, so E|Δw|² = (η²/B) E|g x|²/d (+ O(1/d)) while E[Δw] is that of one sample.
    @inlinable
    public func noise(rate eta: Double) -> Double { eta * eta / Double(batchSize) }

    /// Samples seen per input dimension at time t: α = t·B (= B·steps/d), the sample-count axis of a learning curve.
    @inlinable
    public func samples(at time: Double) -> Double { time * Double(batchSize) }
    // MARK: -

    /// f(t) = η(t)/η, the factor by which every learning rate of the model (a committee's second layer too) is
    /// multiplied at time t: the schedule's (1 for a constant rate).
    @inlinable
    public func factor(at time: Double) -> Double { schedule.factor(at: time) }

    /// η(t) = η f(t).
    @inlinable
    public func rate(at time: Double) -> Double { learningRate * factor(at: time) }

    /// The rate of SGD step `step` (counted from 0) at input dimension `dimension`: η(step/d).
    @inlinable
    public func rate(atStep step: Int, dimension: Int) -> Double { rate(at: Double(step) / Double(dimension)) }

    /// The coefficients of the order-parameter ODEs at time t (`OptimiserCoefficients`): η_eff(t) = η(t)·G and its
    /// square, G = `momentumGain` (1/(1 − β) at fixed momentum β, else 1; see `Momentum` below).
    @inlinable
    public func coefficients(at time: Double) -> OptimiserCoefficients {
        let eta = rate(at: time) * momentumGain
        return OptimiserCoefficients(drift: eta, noise: noise(rate: eta))
    }

    /// Whether η(t) is the same at every t: then the closed forms of the constant-rate theory (fixed points, critical
    /// rates, relaxation rates, matrix exponentials) apply.
    public var isConstant: Bool { schedule.isConstant }

    /// The times in (0, `time`) where η(t) or its derivative jumps (`LearningRateSchedule.breakpoints(in:)`): an ODE
    /// integration over [0, `time`] stops and restarts there (`DormandPrince54.breakpoints`).
    public func breakpoints(upTo time: Double) -> [Double] { time > 0 ? schedule.breakpoints(in: 0...time) : [] }

    /// The largest η(t) on [0, `time`] (`LearningRateSchedule.peakFactor(upTo:)`): what a stability criterion on the
    /// rate (linear regression's τ_c) is checked against; `learningRate` for a constant rate.
    public func peakRate(upTo time: Double) -> Double { learningRate * schedule.peakFactor(upTo: time) }

    /// The rate for messages: "learning rate 0.5" for a constant rate, "scheduled learning rate η(t) = 0.5 × inverse:10
    /// (peak 0.5)" with a schedule, the peak taken over [0, `time`] (`peakRate(upTo:)`).
    public func rateDescription(upTo time: Double) -> String {
        guard !isConstant else { return "learning rate \(Self.format(learningRate))" }
        return "scheduled learning rate η(t) = \(Self.format(learningRate)) × \(schedule) (peak \(Self.format(peakRate(upTo: time))))"
    }

    /// Three significant digits (as `DivergenceBound.format`).
    static func format(_ x: Double) -> String { DivergenceBound.format(x) }
}

// MARK: - Momentum

/// Heavy-ball momentum: a velocity v per weight vector (v(0) = 0), and with g the per-sample gradient including weight
/// decay (for linear regression g = (ŷ − y) x/√d + (λ/d) w; a committee's second layer has its own velocity with the
/// same β),
///
///     v ← βv + g,     w ← w − κ v,
///
/// two conventions:
///
/// * Fixed β (`momentum`): κ = η(t). The velocity remembers O(1/(1 − β)) steps, nothing against the d steps of one
///   unit of t. Then w_n − w_{n−1} = −η Σ_{k<n} β^{n−1−k} g_k, so the mean step is −η E[g]/(1 − β). In
///   d·Δq = −2η w·v + η²|v|² (v the new velocity), E|v|² = E|g|²/(1 − β²) (the g_k of different samples are
///   orthogonal to O(1/√d)), and w_n·v_{n+1} = Σ_k β^{n−k} w_n·g_k, where w_n = w_k − η Σ_{j=k}^{n−1} v_{j+1} and
///   v_{j+1}·g_k ⊃ β^{j−k}|g|²: the updates inside the memory window add
///   −η|g|² Σ_{l≥1} β^l (1 − β^l)/(1 − β) = −η|g|² β/((1 − β)²(1 + β)). The η² terms total
///   η²|g|²[2β + (1 − β)]/((1 − β)²(1 + β)) = η²|g|²/(1 − β)². So the d → ∞ ODE of every online model is plain
///   SGD's with η_eff = η/(1 − β) in drift and noise (`coefficients(at:)`), and its closed forms (fixed points, the
///   critical rate η_c = 2(1 − β)(1 + λ) of linear regression and of the classifiers' square loss) follow from η_eff.
///   Finite-d corrections are of relative order 1/((1 − β)d) (the window against d), visible as β → 1.
/// * Scaled (`scaledMomentum` γ): β = 1 − γ/d and κ = η(t)γ/d = η(t)(1 − β), so that t stays steps/d and γ → ∞ is
///   plain SGD at rate η. The velocity remembers O(d/γ) steps and its overlaps with w*, w and itself are order
///   parameters with their own ODEs (`LinearRegressionMomentumODE`, `ClassifierMomentumODE`, and for committees with
///   no biases `CommitteeODE`'s velocity overlaps A, B, C and the second layer's velocities).
///   The ODEs read η(t) as `coefficients(at:).drift` (G = 1). They are not of the form f a + f² b in the schedule
///   factor f (the velocity relaxes at a rate γ of its own), so greedy and optimal schedules refuse scaled momentum.
///
/// With mini-batches of B samples (g the batch mean), only the |g|² terms change, by 1/B: at fixed β the noise
/// coefficient is η²/(B(1 − β)²), and in the scaled ODE the source term E r² of dc/dt is divided by B.
extension Optimiser {
    /// G with η_eff = G η: 1/(1 − β) at fixed momentum β, 1 for plain SGD and for scaled momentum (whose steady
    /// state and critical rate are plain SGD's at η; `LinearRegressionMomentumODE`).
    @inlinable
    public var momentumGain: Double { 1 / (1 - momentum) }

    /// η_eff = η/(1 − β): the rate of the plain SGD whose d → ∞ closed forms a constant optimiser has.
    public var effectiveLearningRate: Double { learningRate * momentumGain }

    /// Whether the simulators keep a velocity (β > 0 or scaled momentum); plain SGD takes the step without one.
    public var hasVelocity: Bool { momentum > 0 || scaledMomentum != nil }

    /// Throws unless β = 1 − γ/d of scaled momentum is a valid decay at dimension d (γ ≤ d); every simulator asks.
    public func requireScaledMomentumFits(dimension: Int) throws {
        if let gamma = scaledMomentum, gamma > Double(dimension) {
            throw ScenarioError("scaled momentum γ = \(gamma) needs γ ≤ d = \(dimension) (β = 1 − γ/d must not be negative)")
        }
    }

    /// The velocity update of step `step` (from 0) at dimension d, v ← decay·v + g, w ← w − step·v: (β, η(n/d)) at
    /// fixed β, (1 − γ/d, η(n/d)γ/d) for scaled momentum.
    @inlinable
    public func velocityUpdate(atStep step: Int, dimension: Int) -> (decay: Double, step: Double) {
        let eta = rate(atStep: step, dimension: dimension)
        if let gamma = scaledMomentum {
            let memory = gamma / Double(dimension)
            return (1 - memory, eta * memory)
        }
        return (momentum, eta)
    }
}

/// What an online ODE needs of the optimiser at one time: every term linear in the step (the mean update, weight
/// decay) carries `drift`, every term quadratic in the per-sample gradient (its second moment, the η² terms of
/// dq/dt or dQ/dt) carries `noise`.
public struct OptimiserCoefficients: Sendable, Hashable {
    /// η(t).
    public var drift: Double
    /// η(t)²/B: the prefactor of the gradient-noise terms (`Optimiser.noise(rate:)`).
    public var noise: Double

    /// The coefficients `drift` and `noise` at one time.
    @inlinable
    public init(drift: Double, noise: Double) { self.drift = drift; self.noise = noise }
}
