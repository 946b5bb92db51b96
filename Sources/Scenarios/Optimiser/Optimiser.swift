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

    /// SGD at the base rate `learningRate` with `schedule` and mini-batches of `batchSize` samples; throws (out of
    /// range) unless the rate is positive and finite and 1 ≤ B ≤ `maximumBatchSize`.
    public init(learningRate: Double, schedule: LearningRateSchedule = .constant, batchSize: Int = 1) throws {
        try ScenarioError.require("learning rate", learningRate, { $0 > 0 }, "positive")
        guard (1...Self.maximumBatchSize).contains(batchSize) else {
            throw ScenarioError.outOfRange("batch size must be an integer between 1 and \(Self.maximumBatchSize), got \(batchSize)")
        }
        self.learningRate = learningRate
        self.schedule = schedule
        self.batchSize = batchSize
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

    /// The coefficients of the order-parameter ODEs at time t (`OptimiserCoefficients`).
    @inlinable
    public func coefficients(at time: Double) -> OptimiserCoefficients {
        let eta = rate(at: time)
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

/// What an online ODE needs of the optimiser at one time: every term linear in the step (the mean update, weight
/// decay) carries `drift`, every term quadratic in the per-sample gradient (its second moment, the η² terms of
/// dq/dt or dQ/dt) carries `noise`.
public struct OptimiserCoefficients: Sendable, Hashable {
    /// η(t).
    public var drift: Double
    /// η(t)²/B: the prefactor of the gradient-noise terms (`Optimiser.noise(rate:)`).
    public var noise: Double

    @inlinable
    public init(drift: Double, noise: Double) { self.drift = drift; self.noise = noise }
}
