/// How a student's weights move given the per-sample gradient: the one optimiser description that every online
/// scenario carries (`LinearRegressionScenario`, `ClassifierScenario`, `CommitteeScenario`), that every ODE and every
/// simulator reads, and that `result.json` records under `settings` in one place.
///
/// Plain online SGD with a constant rate η: one fresh sample per step and w ← w − η ∇ℓ. In the d → ∞ ODEs η enters
/// twice, through the drift (terms linear in η, from the mean step) and through the gradient noise (terms in η², from
/// the squared step); `coefficients(at:)` gives both at time t, so an ODE never reads the rate from anywhere else.
/// A simulator takes the rate of step n from `rate(atStep:dimension:)`, i.e. at t = n/d, the same η(t) the ODE sees.
public struct Optimiser: Sendable, Hashable {
    /// The base learning rate η (the first-layer rate of a committee).
    public var learningRate: Double

    /// Plain SGD at the constant rate `learningRate`; throws (out of range) unless it is positive and finite.
    public init(learningRate: Double) throws {
        try ScenarioError.require("learning rate", learningRate, { $0 > 0 }, "positive")
        self.learningRate = learningRate
    }

    /// f(t) = η(t)/η, the factor by which every learning rate of the model (a committee's second layer too) is
    /// multiplied at time t: 1 for a constant rate.
    @inlinable
    public func factor(at time: Double) -> Double { 1 }

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
        return OptimiserCoefficients(drift: eta, noise: eta * eta)
    }

    /// Whether η(t) is the same at every t: then the closed forms of the constant-rate theory (fixed points, critical
    /// rates, relaxation rates, matrix exponentials) apply.
    public var isConstant: Bool { true }
}

/// What an online ODE needs of the optimiser at one time: every term linear in the step (the mean update, weight
/// decay) carries `drift`, every term quadratic in the per-sample gradient (its second moment, the η² terms of
/// dq/dt or dQ/dt) carries `noise`.
public struct OptimiserCoefficients: Sendable, Hashable {
    /// η(t).
    public var drift: Double
    /// η(t)²: the prefactor of the gradient-noise terms.
    public var noise: Double

    @inlinable
    public init(drift: Double, noise: Double) { self.drift = drift; self.noise = noise }
}
