import ODEIntegration
import Scenarios

/// The d → ∞ ODEs of linear regression under scaled heavy-ball momentum (`Optimiser.scaledMomentum` γ): per step
///
///     v ← (1 − γ/d) v + g,   w ← w − (ηγ/d) v,   g = r x/√d + (λ/d) w,   r = ŷ − y = λ_x − ν − σζ,
///
/// with v(0) = 0 and the fields λ_x = w·x/√d, ν = w*·x/√d. The velocity remembers O(d/γ) steps, so its overlaps
/// a = v·w*/d, b = v·w/d, c = |v|²/d are order parameters alongside m = w·w*/d, q = |w|²/d. One step, to O(1/d):
///
///     Δm = −(ηγ/d) a',  Δq = −(2ηγ/d) b' + (ηγ/d)² c'   (the last, |Δw|²/d, is O(1/d²): dropped),
///     Δa = −(γ/d) a + g·w*/d,  Δb = −(γ/d) b + g·w/d − (ηγ/d) c',  Δc = −(2γ/d) c + 2 v·g/d + |g|²/d,
///
/// (primes: after the velocity update, equal to O(1/d)), and with E[rν] = m − ρ, E[rλ_x] = q − m, E[r v·x/√d] = b − a
/// (v is independent of the fresh x), E|g|² = E r² + O(1/√d) = ρ − 2m + q + σ²:
///
///     dm/dt = −ηγ a,                    dq/dt = −2ηγ b,
///     da/dt = −γ a + (m − ρ) + λ m,     db/dt = −γ b + (q − m) + λ q − ηγ c,
///     dc/dt = −2γ c + 2(b − a + λ b) + (ρ − 2m + q + σ²).
///
/// γ → ∞ (a, b, c slaved: a ≈ ((1 + λ)m − ρ)/γ, γc ≈ ½ E r², b = O(1/γ)) gives plain SGD at rate η:
/// dm/dt = η(ρ − m) − ηλm, dq/dt = η²(2e + σ²) + 2η(m − q) − 2ηλq.
///
/// Integrated in the state `[m, q, e, a, u, c]` with e = ½(ρ − 2m + q) = ½|w − w*|²/d and u = b − a = v·(w − w*)/d,
/// so that e and u, which vanish near perfect learning while m, q, a and b stay O(1) (their differences would cancel),
/// keep their relative accuracy (as `LinearRegressionErrorODE` does for plain SGD):
///
///     de/dt = −ηγ u,
///     du/dt = −γ u + 2e + λ(q − m) − ηγ c,
///     dc/dt = −2γ c + 2(1 + λ) u + 2λ a + 2e + σ².
///
/// For σ² = λ = 0, (e, u, c) is a closed homogeneous system. Stability: (m, a) has s² + γs + ηγ(1 + λ) (always
/// stable); (q, b, c) has s³ + 3γs² + (2γ² + 4ηγ(1 + λ))s + 2ηγ²(2(1 + λ) − η), which by Routh–Hurwitz
/// (3γ(2γ² + 4ηγ(1 + λ)) > 2ηγ²(2(1 + λ) − η) always) is stable iff η < 2(1 + λ): the critical rate of plain SGD,
/// for every γ. The fixed point is plain SGD's too: a* = u* = 0, m* = ρ/(1 + λ),
/// e_g* = [½ησ² + λ²ρ/(1 + λ)]/(2(1 + λ) − η), and c* = (2e_g* + σ²)/(2γ).
/// η = η(t) is the optimiser's `coefficients(at:).drift` (its momentum gain is 1 with scaled momentum). With
/// mini-batches of B samples the source term 2e + σ² of dc/dt (from E|g|²) is divided by B.
public struct LinearRegressionMomentumODE: ODESystem, Sendable {
    /// The optimiser (with scaled momentum γ), label noise σ² and weight decay λ that the equations read.
    public let scenario: LinearRegressionScenario
    /// γ of β = 1 − γ/d.
    public let gamma: Double
    /// Teacher norm ρ used by the equations (the measured one when comparing with a simulation).
    public let rho: Double

    /// `nil` unless the scenario's optimiser has scaled momentum.
    public init?(scenario: LinearRegressionScenario, rho: Double? = nil) {
        guard let gamma = scenario.optimiser.scaledMomentum else { return nil }
        self.scenario = scenario
        self.gamma = gamma
        self.rho = rho ?? scenario.teacherNorm
    }

    /// 6: the state `[m, q, e, a, u, c]`.
    public var dimension: Int { 6 }

    /// The state at t = 0: the given (m, q, e_g) and a zero velocity.
    public func initialState(m: Double, q: Double, error: Double) -> [Double] { [m, q, error, 0, 0, 0] }

    /// The right-hand side above at `time`, written into `derivative`.
    @inlinable
    public func evaluate(time: Double, state: UnsafeBufferPointer<Double>, derivative: UnsafeMutableBufferPointer<Double>) {
        let eta = scenario.optimiser.coefficients(at: time).drift, lambda = scenario.weightDecay, g = gamma
        let m = state[0], q = state[1], e = state[2], a = state[3], u = state[4], c = state[5]
        derivative[0] = -eta * g * a
        derivative[1] = -2 * eta * g * (a + u)
        derivative[2] = -eta * g * u
        derivative[3] = -g * a + (m - rho) + lambda * m
        derivative[4] = -g * u + 2 * e - eta * g * c + (lambda == 0 ? 0 : lambda * (q - m))
        derivative[5] = -2 * g * c + 2 * u + 2 * e + scenario.noiseVariance + (lambda == 0 ? 0 : 2 * lambda * (a + u))
    }

    /// (A, b) with dy/dt = A y + b for y = (m, q, e, a, u, c), at the base rate η (a constant optimiser); A row-major 6×6.
    public var generator: (a: [Double], b: [Double]) {
        let eta = scenario.learningRate, lambda = scenario.weightDecay, g = gamma
        let a: [Double] = [
            0, 0, 0, -eta * g, 0, 0,
            0, 0, 0, -2 * eta * g, -2 * eta * g, 0,
            0, 0, 0, 0, -eta * g, 0,
            1 + lambda, 0, 0, -g, 0, 0,
            -lambda, lambda, 2, 0, -g, -eta * g,
            0, 0, 2, 2 * lambda, 2 * (1 + lambda), -2 * g,
        ]
        return (a, [0, 0, 0, -rho, 0, scenario.noiseVariance])
    }
}

/// The velocity overlaps of scaled momentum on an output grid (`LinearRegressionMomentumODE`): a = v·w*/d,
/// b = v·w/d, c = |v|²/d.
public struct VelocityOverlaps: Sendable, Hashable {
    /// a = v·w*/d at each output time.
    public var a: [Double]
    /// b = v·w/d at each output time.
    public var b: [Double]
    /// c = |v|²/d at each output time.
    public var c: [Double]

    /// The overlaps a, b, c on the output grid.
    public init(a: [Double], b: [Double], c: [Double]) { self.a = a; self.b = b; self.c = c }
}
