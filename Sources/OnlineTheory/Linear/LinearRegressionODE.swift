import ODEIntegration
import Scenarios

/// The d → ∞ order-parameter ODEs of online SGD for linear regression (state `[m, q]`):
///
///     dm/dt = τ(ρ − m) − τλ m
///     dq/dt = τ² V + 2τ(m − q) − 2τλ q,    V = ρ − 2m + q + σ²
///
/// with τ = τ(t) the optimiser's drift coefficient and τ² its noise coefficient (`Optimiser.coefficients(at:)`).
/// τ² V is the gradient-noise term; terms of order τ²λ²/d are dropped. The system is linear, and for a constant
/// optimiser dy/dt = A y + b with the lower-triangular generator A given by `generator`.
public struct LinearRegressionODE: ODESystem, Sendable {
    public let scenario: LinearRegressionScenario
    /// Teacher norm ρ used by the equations (the measured one when comparing with a simulation).
    public let rho: Double

    public init(scenario: LinearRegressionScenario, rho: Double? = nil) {
        self.scenario = scenario
        self.rho = rho ?? scenario.teacherNorm
    }

    public var dimension: Int { 2 }

    @inlinable
    public func evaluate(time: Double, state: UnsafeBufferPointer<Double>, derivative: UnsafeMutableBufferPointer<Double>) {
        let c = scenario.optimiser.coefficients(at: time), tau = c.drift, lambda = scenario.weightDecay
        let m = state[0], q = state[1]
        let v = rho - 2 * m + q + scenario.noiseVariance
        derivative[0] = tau * (rho - m) - tau * lambda * m
        derivative[1] = c.noise * v + 2 * tau * (m - q) - 2 * tau * lambda * q
    }

    /// (A, b) with dy/dt = A y + b, y = (m, q), at τ = η_eff (the generator of a constant optimiser; η/(1 − β) at fixed momentum β); A row-major 2×2:
    /// A = [[−τ(1+λ), 0], [2τ − 2τ², τ² − 2τ(1+λ)]],  b = (τρ, τ²(ρ + σ²)).
    public var generator: (a: [Double], b: [Double]) {
        let tau = scenario.optimiser.effectiveLearningRate, lambda = scenario.weightDecay
        return (
            [-tau * (1 + lambda), 0, 2 * tau - 2 * tau * tau, tau * tau - 2 * tau * (1 + lambda)],
            [tau * rho, tau * tau * (rho + scenario.noiseVariance)]
        )
    }
}
