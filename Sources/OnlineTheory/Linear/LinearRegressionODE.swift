import ODEIntegration
import Scenarios

/// The d → ∞ order-parameter ODEs of online SGD for linear regression (state `[m, q]`):
///
///     dm/dt = τ(ρ − m) − τλ m
///     dq/dt = (τ²/B) V + 2τ(m − q) − 2τλ q,    V = ρ − 2m + q + σ²
///
/// with τ = τ(t) the optimiser's drift coefficient and τ²/B its noise coefficient (`Optimiser.coefficients(at:)`,
/// B the batch size). (τ²/B) V is the gradient-noise term: d·Δq = −2τ⟨rλ⟩ − 2τλq + (τ²/B²) Σ_{bb'} r_b r_b' x_b·x_b'/d
/// with r = ŷ − y, whose B diagonal terms give (τ²/B) E[r²] = (τ²/B) V and whose B(B − 1) cross terms have mean
/// |w − w*|²/d² each, O(B/d) relative to it; those, and terms of order τ²λ²/d, are dropped. The system is linear, and for a constant
/// optimiser dy/dt = A y + b with the lower-triangular generator A given by `generator`.
public struct LinearRegressionODE: ODESystem, Sendable {
    /// The optimiser, label noise σ² and weight decay λ that the equations read.
    public let scenario: LinearRegressionScenario
    /// Teacher norm ρ used by the equations (the measured one when comparing with a simulation).
    public let rho: Double

    /// The ODEs of `scenario` with teacher norm `rho` (default: the scenario's `teacherNorm`).
    public init(scenario: LinearRegressionScenario, rho: Double? = nil) {
        self.scenario = scenario
        self.rho = rho ?? scenario.teacherNorm
    }

    /// 2: the state `[m, q]`.
    public var dimension: Int { 2 }

    /// The right-hand side above at `time`, written into `derivative`.
    @inlinable
    public func evaluate(time: Double, state: UnsafeBufferPointer<Double>, derivative: UnsafeMutableBufferPointer<Double>) {
        let c = scenario.optimiser.coefficients(at: time), tau = c.drift, lambda = scenario.weightDecay
        let m = state[0], q = state[1]
        let v = rho - 2 * m + q + scenario.noiseVariance
        derivative[0] = tau * (rho - m) - tau * lambda * m
        derivative[1] = c.noise * v + 2 * tau * (m - q) - 2 * tau * lambda * q
    }

    /// (A, b) with dy/dt = A y + b, y = (m, q), at τ = η_eff (the generator of a constant optimiser; η/(1 − β) at fixed
    /// momentum β); A row-major 2×2, with n = τ²/B the noise coefficient:
    /// A = [[−τ(1+λ), 0], [2τ − 2n, n − 2τ(1+λ)]],  b = (τρ, n(ρ + σ²)).
    public var generator: (a: [Double], b: [Double]) {
        let tau = scenario.optimiser.effectiveLearningRate, lambda = scenario.weightDecay, noise = scenario.optimiser.noise(rate: tau)
        return (
            [-tau * (1 + lambda), 0, 2 * tau - 2 * noise, noise - 2 * tau * (1 + lambda)],
            [tau * rho, noise * (rho + scenario.noiseVariance)]
        )
    }
}
