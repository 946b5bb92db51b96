import GaussianIntegrals
import ODEIntegration
import Scenarios

/// The d → ∞ order-parameter ODEs of online SGD for a linear classifier (state `[m, q]`):
///
///     dm/dt = −τ E[ℓ'(y,λ) ν] − τλ_reg m
///     dq/dt = −2τ E[ℓ'(y,λ) λ] + (τ²/B) E[ℓ'(y,λ)²] − 2τλ_reg q
///
/// (from m ← m − (τ/d)(⟨ℓ'ν⟩ + λ_reg m), q ← q − (2τ/d)(⟨ℓ'λ⟩ + λ_reg q) + (τ²/d)|⟨ℓ' x⟩|²/d per step, ⟨·⟩ the mean
/// over the batch of B samples: |⟨ℓ' x⟩|²/d = (1/B²) Σ_{bb'} ℓ'_b ℓ'_b' x_b·x_b'/d, whose B diagonal terms give
/// E[ℓ'²]/B and whose cross terms have mean |E[ℓ' x]|²/d = O(1/d)), with the expectations over the fields (λ, ν) and
/// the label from `ClassifierIntegrals`; τ = τ(t) and τ²/B are the optimiser's drift and noise coefficients
/// (`Optimiser.coefficients(at:)`).
public struct ClassifierODE: ODESystem, Sendable {
    public let scenario: ClassifierScenario
    /// Teacher norm ρ used by the equations (the measured one when comparing with a simulation).
    public let rho: Double
    let integrals: ClassifierIntegrals

    public init(scenario: ClassifierScenario, rho: Double? = nil) {
        self.scenario = scenario
        self.rho = rho ?? scenario.teacherNorm
        integrals = scenario.integrals
    }

    public var dimension: Int { 2 }

    public func evaluate(time: Double, state: UnsafeBufferPointer<Double>, derivative: UnsafeMutableBufferPointer<Double>) {
        let c = scenario.optimiser.coefficients(at: time), tau = c.drift, decay = scenario.weightDecay
        let m = state[0], q = max(0, state[1])
        let e = integrals.expectations(m: m, q: q, rho: rho)
        derivative[0] = -tau * e.slopeTimesTeacher - tau * decay * m
        derivative[1] = -2 * tau * e.slopeTimesStudent + c.noise * e.slopeSquared - 2 * tau * decay * q
    }
}
