import GaussianIntegrals
import ODEIntegration
import Scenarios

/// The d → ∞ order-parameter ODEs of online SGD for a linear classifier, in the state `[m, q, s]`:
///
///     dm/dt = −τ E[ℓ'(y,λ) ν] − τλ_reg m
///     dq/dt = −2τ E[ℓ'(y,λ) λ] + (τ²/B) E[ℓ'(y,λ)²] − 2τλ_reg q
///     ds/dt = −2τ E[ℓ'(y,λ) λ⊥] + (τ²/B) E[ℓ'(y,λ)²] − 2τλ_reg s
///
/// (from m ← m − (τ/d)(⟨ℓ'ν⟩ + λ_reg m), q ← q − (2τ/d)(⟨ℓ'λ⟩ + λ_reg q) + (τ²/d)|⟨ℓ' x⟩|²/d per step, ⟨·⟩ the mean
/// over the batch of B samples: |⟨ℓ' x⟩|²/d = (1/B²) Σ_{bb'} ℓ'_b ℓ'_b' x_b·x_b'/d, whose B diagonal terms give
/// E[ℓ'²]/B and whose cross terms have mean |E[ℓ' x]|²/d = O(1/d)), with the expectations over the fields (λ, ν) and
/// the label from `ClassifierIntegrals`; τ = τ(t) and τ²/B are the optimiser's drift and noise coefficients
/// (`Optimiser.coefficients(at:)`). s = q − m²/ρ is the squared norm
/// of the student's part orthogonal to the teacher and λ⊥ = λ − (m/ρ)ν its field: ds/dt = dq/dt − (2m/ρ) dm/dt,
/// where −2τ(E[ℓ'λ] − (m/ρ)E[ℓ'ν]) = −2τE[ℓ'λ⊥] and −2τλ_reg(q − m²/ρ) = −2τλ_reg s. It is integrated as its own
/// component, with E[ℓ'λ⊥] computed without the cancellation of that difference, so that s, and with it
/// ε_g = atan2(√(ρs), m)/π, keeps its relative accuracy as the student aligns with the teacher (s → 0), where
/// q − m²/ρ from the integrated m and q has no digit left.
public struct ClassifierODE: ODESystem, Sendable {
    /// The loss, label noise, optimiser and weight decay λ_reg that the equations read.
    public let scenario: ClassifierScenario
    /// Teacher norm ρ used by the equations (the measured one when comparing with a simulation).
    public let rho: Double
    let integrals: ClassifierIntegrals

    /// The ODEs of `scenario` with teacher norm `rho` (default: the scenario's `teacherNorm`).
    public init(scenario: ClassifierScenario, rho: Double? = nil) {
        self.scenario = scenario
        self.rho = rho ?? scenario.teacherNorm
        integrals = scenario.integrals
    }

    /// 3: the state `[m, q, s]`.
    public var dimension: Int { 3 }

    /// The right-hand side above at `time`, written into `derivative`; a negative q or s is read as 0.
    public func evaluate(time: Double, state: UnsafeBufferPointer<Double>, derivative: UnsafeMutableBufferPointer<Double>) {
        let c = scenario.optimiser.coefficients(at: time), tau = c.drift, decay = scenario.weightDecay
        let m = state[0], q = max(0, state[1]), s = max(0, state[2])
        let e = integrals.expectations(m: m, q: q, orthogonal: s, rho: rho)
        derivative[0] = -tau * e.slopeTimesTeacher - tau * decay * m
        derivative[1] = -2 * tau * e.slopeTimesStudent + c.noise * e.slopeSquared - 2 * tau * decay * q
        derivative[2] = -2 * tau * e.slopeTimesOrthogonal + c.noise * e.slopeSquared - 2 * tau * decay * s
    }
}
