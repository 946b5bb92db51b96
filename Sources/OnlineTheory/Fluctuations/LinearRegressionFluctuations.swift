import ODEIntegration
import Scenarios

/// The linear-noise data of online SGD for linear regression (`LinearRegressionScenario`), in the components
/// φ = (m, e, ρ̂): m = w·w*/d, e = e_g = ½(ρ̂ − 2m + q) and the measured teacher norm ρ̂ = |w*|²/d, a constant of
/// each run (a teacher with N(0, ρ) components has d·Var(ρ̂) = 2ρ²). e rather than q keeps Σ_ee free of
/// cancellation near perfect learning, where every entry of D involving e is O(e).
///
/// One step with B samples (r = ŷ − y = λ − ν − σξ, λ = w·x/√d, ν = w*·x/√d, a = λ − ν; τ, n = τ²/B the optimiser's
/// coefficients, κ the weight decay) changes, to leading order,
///
///     d·Δm = −τκm + mean_b X_m,   X_m = −τ r ν,
///     d·Δe = −τκ(q − m) + mean_b X_e,   X_e = −τ r a + (n/2) r²,
///
/// (the cross terms x_b·x_b′/d of |ḡ|² and the fluctuation of |x|²/d are O(d^{-1/2}) smaller), so D = Cov(X)/B.
/// With V = E[r²] = 2e + σ², Cov(r, ν) = m − ρ̂, Cov(r, a) = 2e, Cov(ν, a) = m − ρ̂ and Isserlis' theorem:
///
///     B·D_mm = τ² (Vρ̂ + (m − ρ̂)²)
///     B·D_me = (m − ρ̂) (τ²(V + 2e) − τnV)
///     B·D_ee = 2τ²e(V + 2e) − 4τnVe + n²V²/2,
///
/// and D is 0 in the ρ̂ row. Noise-free (V = 2e) B·D_ee = 2e²(2τ − n)². The drift is `LinearRegressionErrorODE`'s
/// (m, e) subsystem, linear in φ, with J = [[−τ(1+κ), 0, τ], [−τκ, n − 2τ(1+κ), τκ], [0, 0, 0]].
/// Momentum is not covered (its velocity correlates successive steps' increments).
public struct LinearRegressionFluctuations: FluctuatingFlow {
    /// The scenario: optimiser, label noise, weight decay.
    public let scenario: LinearRegressionScenario

    /// The flow of `scenario`; throws for momentum (fixed or scaled), which this linear-noise theory does not cover.
    public init(scenario: LinearRegressionScenario) throws {
        guard scenario.optimiser.momentum == 0, scenario.optimiser.scaledMomentum == nil else {
            throw ScenarioError("finite-d fluctuations are derived for SGD without momentum (--momentum, --momentum-scaled)")
        }
        self.scenario = scenario
    }

    /// 3: (m, e, ρ̂).
    public var componentCount: Int { 3 }

    /// (dm/dt, de/dt, 0) of `LinearRegressionErrorODE` at ρ = ρ̂.
    public func drift(time: Double, state: UnsafeBufferPointer<Double>, derivative: UnsafeMutableBufferPointer<Double>) {
        let rates = LinearRegressionErrorODE.rates(scenario: scenario, coefficients: scenario.optimiser.coefficients(at: time),
                                                   m: state[0], e: state[1], rho: state[2])
        derivative[0] = rates.m
        derivative[1] = rates.e
        derivative[2] = 0
    }

    /// J above.
    public func jacobian(time: Double, state: UnsafeBufferPointer<Double>, jacobian: UnsafeMutableBufferPointer<Double>) {
        let c = scenario.optimiser.coefficients(at: time), tau = c.drift, kappa = scenario.weightDecay
        for i in 0..<9 { jacobian[i] = 0 }
        jacobian[0] = -tau * (1 + kappa); jacobian[2] = tau
        jacobian[3] = -tau * kappa; jacobian[4] = c.noise - 2 * tau * (1 + kappa); jacobian[5] = tau * kappa
    }

    /// D above.
    public func diffusion(time: Double, state: UnsafeBufferPointer<Double>, diffusion: UnsafeMutableBufferPointer<Double>) {
        let d = Self.diffusion(coefficients: scenario.optimiser.coefficients(at: time), batchSize: scenario.optimiser.batchSize,
                               noiseVariance: scenario.noiseVariance, m: state[0], e: state[1], rho: state[2])
        for i in 0..<9 { diffusion[i] = 0 }
        diffusion[0] = d.mm; diffusion[1] = d.me; diffusion[3] = d.me; diffusion[4] = d.ee
    }

    /// The three non-zero entries of D at (m, e, ρ̂).
    public static func diffusion(coefficients c: OptimiserCoefficients, batchSize: Int, noiseVariance: Double,
                                 m: Double, e: Double, rho: Double) -> (mm: Double, me: Double, ee: Double) {
        let tau = c.drift, n = c.noise, b = Double(batchSize), v = 2 * e + noiseVariance, u = m - rho
        return ((tau * tau * (v * rho + u * u)) / b,
                u * (tau * tau * (v + 2 * e) - tau * n * v) / b,
                (2 * tau * tau * e * (v + 2 * e) - 4 * tau * n * v * e + 0.5 * n * n * v * v) / b)
    }

    /// d·Cov of (m, e, ρ̂) at t = 0 for the simulator's start (`LinearRegressionSimulator`): m(0), q(0) exact given the
    /// drawn teacher, whose norm has d·Var(ρ̂) = 2ρ²; e = ½ρ̂ + const follows it: Σ_ρρ = 2ρ², Σ_eρ = ρ², Σ_ee = ρ²/2.
    public static func initialCovariance(teacherNorm rho: Double) -> [Double] {
        [0, 0, 0,
         0, 0.5 * rho * rho, rho * rho,
         0, rho * rho, 2 * rho * rho]
    }
}

/// The predicted finite-d spread of a linear-regression run from Σ(t) of `LinearRegressionFluctuations`: per-seed
/// standard deviations of m, q and e_g at a dimension d (`spread`, Σ(0) the simulator's start), and the standard
/// errors of a seeds' mean about the theory started at their mean initial state (`conditional`, Σ(0) = 0: the flow
/// is affine in (m, e, ρ̂), so that theory is the mean of every seed's own, and only the dynamics' noise remains).
public struct LinearFluctuationPrediction: Sendable, Hashable {
    /// The mean and Σ of (m, e, ρ̂) from the simulator's initial spread.
    public let spread: FluctuationSolution
    /// The same from Σ(0) = 0.
    public let conditional: FluctuationSolution

    /// The two solutions.
    public init(spread: FluctuationSolution, conditional: FluctuationSolution) { self.spread = spread; self.conditional = conditional }

    /// ∂(m, q, e_g)/∂(m, e, ρ̂): q = 2e + 2m − ρ̂.
    static let gradients: [(name: String, gradient: [Double])] = [("m", [1, 0, 0]), ("q", [2, 2, -1]), ("eg", [0, 1, 0])]

    /// The predicted per-seed standard deviations of m, q and e_g ("m", "q", "eg") at dimension d at each output time.
    public func standardDeviations(dimension: Int) -> [(name: String, values: [Double])] {
        Self.gradients.map { ($0.name, spread.standardDeviation(of: $0.gradient, dimension: dimension)) }
    }

    /// The predicted standard errors of the mean of `seeds` seeds at dimension d about the theory started at their mean
    /// initial state: √(aᵀΣ_c a/(d·seeds)), Σ_c the conditional covariance.
    public func meanStandardErrors(dimension: Int, seeds: Int) -> [(name: String, values: [Double])] {
        let root = Double(max(1, seeds)).squareRoot()
        return Self.gradients.map { ($0.name, conditional.standardDeviation(of: $0.gradient, dimension: dimension).map { $0 / root }) }
    }
}

extension LinearRegressionTheory {
    /// The linear-noise prediction of the finite-d spread over `times` (from t = 0) from `initial` (default: the
    /// scenario's start), with the simulator's initial spread (`LinearRegressionFluctuations.initialCovariance`) and
    /// without, integrated with `integrator`'s tolerances; throws for momentum. Meaningful below τ_c (above it the
    /// spread grows with the mean). `initialError` is e_g(0) when known more accurately than ½(ρ − 2m(0) + q(0)), as in
    /// `solve` (a simulation's measured mean).
    public func fluctuations(times: [Double], from initial: LinearOrderParameters? = nil, initialError: Double? = nil) throws -> LinearFluctuationPrediction {
        let start = initial ?? specifiedInitialState
        let flow = try LinearRegressionFluctuations(scenario: scenario)
        let integrator = preparedIntegrator(from: times.first ?? 0, to: times.last ?? 0)
        let ode = LinearNoiseODE(flow: flow), mean = [start.m, initialError ?? start.generalisationError, start.rho]
        return LinearFluctuationPrediction(
            spread: try ode.solve(mean: mean, covariance: LinearRegressionFluctuations.initialCovariance(teacherNorm: start.rho),
                                  times: times, integrator: integrator),
            conditional: try ode.solve(mean: mean, covariance: [Double](repeating: 0, count: 9), times: times, integrator: integrator))
    }
}
