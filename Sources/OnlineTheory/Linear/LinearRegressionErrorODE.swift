import ODEIntegration
import Scenarios

/// The linear-regression order-parameter ODEs in the state `[m, q, e]`, e = e_g = ½(ρ − 2m + q), which is what
/// `LinearRegressionTheory` integrates: near perfect learning e ≪ 1 while m, q = O(1), so e computed from (m, q)
/// cancels to the rounding of O(1) numbers (≈ 1e-16) and then prints noise. Carrying e itself keeps its relative
/// accuracy down to the integrator's absolute tolerance. q keeps its own equation (so it is exactly the input at
/// t = 0 and as accurate as before); (m, e) is a closed subsystem.
///
/// From `LinearRegressionODE` (dm/dt = τ(ρ − m) − τλm, dq/dt = n(2e + σ²) + 2τ(m − q) − 2τλq) and
/// de/dt = −dm/dt + ½ dq/dt with q = 2e − ρ + 2m, so m − q = (ρ − m) − 2e:
///
///     dm/dt = τ(ρ − m) − τλ m
///     dq/dt = n(2e + σ²) + 2τ(m − q) − 2τλ q
///     de/dt = (n − 2τ(1 + λ)) e + ½nσ² + τλ(ρ − m)
///
/// with τ = τ(t) and n = τ²/B the optimiser's drift and noise coefficients (`Optimiser.coefficients(at:)`, B the
/// batch size). For σ² = λ = 0 this is de/dt = (n − 2τ) e exactly: e decays (or grows) as a pure exponential, with no term
/// that could cancel. The (m, e) subsystem is linear, d(m, e)/dt = A (m, e) + b, with A, b given by `generator`.
public struct LinearRegressionErrorODE: ODESystem, Sendable {
    /// The optimiser, label noise σ² and weight decay λ that the equations read.
    public let scenario: LinearRegressionScenario
    /// Teacher norm ρ used by the equations (the measured one when comparing with a simulation).
    public let rho: Double

    /// The ODEs of `scenario` with teacher norm `rho` (default: the scenario's `teacherNorm`).
    public init(scenario: LinearRegressionScenario, rho: Double? = nil) {
        self.scenario = scenario
        self.rho = rho ?? scenario.teacherNorm
    }

    /// 3: the state `[m, q, e]`.
    public var dimension: Int { 3 }

    /// The right-hand side above at `time`, written into `derivative`.
    @inlinable
    public func evaluate(time: Double, state: UnsafeBufferPointer<Double>, derivative: UnsafeMutableBufferPointer<Double>) {
        let c = scenario.optimiser.coefficients(at: time), tau = c.drift, lambda = scenario.weightDecay
        let m = state[0], q = state[1], e = state[2]
        let rates = Self.rates(scenario: scenario, coefficients: c, m: m, e: e, rho: rho)
        derivative[0] = rates.m
        derivative[1] = c.noise * (2 * e + scenario.noiseVariance) + 2 * tau * (m - q) - 2 * tau * lambda * q
        derivative[2] = rates.e
    }

    /// (dm/dt, de/dt) of the closed (m, e) subsystem at teacher norm `rho` with the optimiser's coefficients `c`:
    /// τ(ρ − m) − τλm and (n − 2τ(1 + λ)) e + ½nσ² + τλ(ρ − m). Also the drift of `LinearRegressionFluctuations`.
    @inlinable
    public static func rates(scenario: LinearRegressionScenario, coefficients c: OptimiserCoefficients,
                             m: Double, e: Double, rho: Double) -> (m: Double, e: Double) {
        let tau = c.drift, lambda = scenario.weightDecay
        return (tau * (rho - m) - tau * lambda * m,
                (c.noise - 2 * tau * (1 + lambda)) * e + 0.5 * c.noise * scenario.noiseVariance + (lambda == 0 ? 0 : tau * lambda * (rho - m)))
    }

    /// (A, b) of the closed (m, e) subsystem, d(m, e)/dt = A (m, e) + b, at the base rate τ = η_eff (a constant optimiser; η/(1 − β) at fixed momentum β);
    /// A row-major 2×2:
    /// with n = τ²/B the noise coefficient:
    /// A = [[−τ(1+λ), 0], [−τλ, n − 2τ(1+λ)]],  b = (τρ, ½nσ² + τλρ).
    public var generator: (a: [Double], b: [Double]) {
        let tau = scenario.optimiser.effectiveLearningRate, lambda = scenario.weightDecay, noise = scenario.optimiser.noise(rate: tau)
        return (
            [-tau * (1 + lambda), 0, -tau * lambda, noise - 2 * tau * (1 + lambda)],
            [tau * rho, 0.5 * noise * scenario.noiseVariance + tau * lambda * rho]
        )
    }
}
