import GaussianIntegrals
import ODEIntegration
import Scenarios

/// The d → ∞ ODEs of a linear classifier under scaled heavy-ball momentum (`Optimiser.scaledMomentum` γ): per step
///
///     v ← (1 − γ/d) v + g,   w ← w − (τγ/d) v,   g = ℓ'(y, λ) x/√d + (λ_reg/d) w,
///
/// with v(0) = 0, the fields λ = w·x/√d, ν = w*·x/√d and μ = v·x/√d. As for linear regression
/// (`LinearRegressionMomentumODE`), the velocity remembers O(d/γ) steps and its overlaps a = v·w*/d, b = v·w/d,
/// c = |v|²/d are order parameters. One step, to O(1/d) (|Δw|²/d is O(1/d²)):
///
///     Δm = −(τγ/d) a',   Δq = −(2τγ/d) b',
///     Δa = −(γ/d) a + g·w*/d,   Δb = −(γ/d) b + g·w/d − (τγ/d) c',   Δc = −(2γ/d) c + 2 v·g/d + |g|²/d.
///
/// The label depends on ν only, so ℓ' is a function of (λ, ν) and the noise; v is independent of the fresh x, and μ
/// is Gaussian with Cov(μ, ν) = a and Cov(μ, λ⊥) = b − (m/ρ)a =: u (λ⊥ = λ − (m/ρ)ν ⊥ ν, Var λ⊥ = s = q − m²/ρ), so
/// E[μ | ν, λ⊥] = (a/ρ)ν + (u/s)λ⊥ and
///
///     E[ℓ' μ] = (a/ρ) A + u D̂,   A = E[ℓ'ν],  D̂ = E[ℓ'λ⊥]/s   (`ClassifierIntegrals`, D̂ without a division),
///
/// E|g|² = C/B (C = E[ℓ'²], B the batch size: the cross terms of a batch mean are O(1/d)). With B = E[ℓ'λ],
/// D = E[ℓ'λ⊥] = B − (m/ρ)A and τ = τ(t) the optimiser's drift coefficient, the state `[m, q, s, a, u, c]` obeys
///
///     dm/dt = −τγ a,              dq/dt = −2τγ (u + (m/ρ)a),        ds/dt = −2τγ u,
///     da/dt = −γ a + A + λ_reg m,
///     du/dt = −γ u + D + λ_reg s − τγ c + τγ a²/ρ,
///     dc/dt = −2γ c + 2((a/ρ) A + u D̂ + λ_reg (u + (m/ρ)a)) + C/B,
///
/// (du/dt = db/dt − (m/ρ) da/dt − (a/ρ) dm/dt), with s and u = v·w⊥/d, w⊥ = w − (m/ρ)w*, integrated as their own
/// components so that s, and ε_g = atan2(√(ρs), m)/π, keep their relative accuracy as the student aligns (as in
/// `ClassifierODE`). For γ → ∞ the velocity is slaved (a ≈ −(A + λ_reg m)/γ, …) and the equations become plain
/// SGD's at rate τ. For the square loss ℓ' = λ − y, the (q, b, c) block is linear regression's, so the critical rate
/// is plain SGD's, 2B(1 + λ_reg), for every γ (`LinearRegressionMomentumODE`).
public struct ClassifierMomentumODE: ODESystem, Sendable {
    /// The loss, label noise, optimiser (with scaled momentum γ) and weight decay λ_reg that the equations read.
    public let scenario: ClassifierScenario
    /// γ of β = 1 − γ/d.
    public let gamma: Double
    /// Teacher norm ρ used by the equations (the measured one when comparing with a simulation).
    public let rho: Double
    let integrals: ClassifierIntegrals

    /// `nil` unless the scenario's optimiser has scaled momentum.
    public init?(scenario: ClassifierScenario, rho: Double? = nil) {
        guard let gamma = scenario.optimiser.scaledMomentum else { return nil }
        self.scenario = scenario
        self.gamma = gamma
        self.rho = rho ?? scenario.teacherNorm
        integrals = scenario.integrals
    }

    /// 6: the state `[m, q, s, a, u, c]`.
    public var dimension: Int { 6 }

    /// The state at t = 0: (m, q, s) and a zero velocity.
    public func initialState(m: Double, q: Double, orthogonal s: Double) -> [Double] { [m, q, s, 0, 0, 0] }

    /// The right-hand side above at `time`, written into `derivative`; a negative q or s is read as 0.
    public func evaluate(time: Double, state: UnsafeBufferPointer<Double>, derivative: UnsafeMutableBufferPointer<Double>) {
        let coefficients = scenario.optimiser.coefficients(at: time), tau = coefficients.drift, g = gamma
        let decay = scenario.weightDecay, batch = Double(scenario.optimiser.batchSize)
        let m = state[0], q = max(0, state[1]), s = max(0, state[2]), a = state[3], u = state[4], c = state[5]
        let e = integrals.expectations(m: m, q: q, orthogonal: s, rho: rho)
        let b = u + (m / rho) * a
        derivative[0] = -tau * g * a
        derivative[1] = -2 * tau * g * b
        derivative[2] = -2 * tau * g * u
        derivative[3] = -g * a + e.slopeTimesTeacher + decay * m
        derivative[4] = -g * u + e.slopeTimesOrthogonal + decay * s - tau * g * c + tau * g * a * a / rho
        derivative[5] = -2 * g * c + 2 * ((a / rho) * e.slopeTimesTeacher + u * e.orthogonalSlope + decay * b) + e.slopeSquared / batch
    }
}
