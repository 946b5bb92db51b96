import GaussianIntegrals
import ODEIntegration
import Scenarios

/// Learning curves of a linear classifier from the order-parameter ODEs (`ClassifierODE`).
public struct ClassifierTheory: Sendable {
    public let scenario: ClassifierScenario
    /// The integrator; tight tolerances by default (`defaultTolerance`).
    public var integrator = DormandPrince54(relativeTolerance: defaultTolerance.relative, absoluteTolerance: defaultTolerance.absolute)
    /// rtol 1e-10, atol 1e-12.
    public static let defaultTolerance = (relative: 1e-10, absolute: 1e-12)
    /// Square loss at τ ≥ τ_c: a trajectory counts as diverged once q exceeds this multiple of the problem's scale
    /// (`ClassifierScenario.divergenceBound`). The other losses cannot diverge; only a non-finite state stops them.
    public var divergenceFactor = DivergenceBound.defaultFactor

    public init(scenario: ClassifierScenario) { self.scenario = scenario }

    /// The order parameters at t = 0 that the scenario specifies.
    public var specifiedInitialState: LinearOrderParameters {
        LinearOrderParameters(m: scenario.initialOverlap, q: scenario.initialSelfOverlap, rho: scenario.teacherNorm)
    }

    /// Integrates the ODEs from `initial` (default: the scenario's) over `times` (increasing, from t = 0).
    ///
    /// Past stability (square loss, τ ≥ 2(1 + λ_reg)) the run stops where q passes `divergenceFactor` × the problem's
    /// scale, and the result carries the time in `divergence`. Otherwise only an overflow of the floating-point range
    /// stops it (reported as such). The arrays hold the grid points reached (at least the initial one).
    public func solve(times: [Double], from initial: LinearOrderParameters? = nil, progress: ((Double) -> Void)? = nil) throws -> ClassifierTheoryResult {
        let start = initial ?? specifiedInitialState
        let system = ClassifierODE(scenario: scenario, rho: start.rho)
        let tau = scenario.learningRate
        let unstable = scenario.criticalLearningRate.map { tau >= $0 } ?? false
        let bound = scenario.divergenceBound(m0: start.m, q0: start.q, rho: start.rho, factor: divergenceFactor)
        let limit = bound.limit
        let blowUp = ODEEvent(name: "divergence", direction: .rising, isTerminal: true) { _, y in y[1] - limit }
        var integrator = self.integrator
        integrator.stopsAtBreakdown = true
        let solution = try integrator.solve(system, initialState: [start.m, start.q], outputTimes: times,
                                            events: unstable && limit.isFinite ? [blowUp] : [], progress: progress)
        let instability = "learning rate \(DivergenceBound.format(tau)) ≥ critical \(DivergenceBound.format(scenario.criticalLearningRate ?? .infinity)) = 2\(scenario.optimiser.momentum > 0 ? "(1 − β)" : "")(1 + λ_reg) of the square loss"
        var divergence = solution.terminalEvent.map { Divergence(time: $0.time, reason: bound.reason("q", value: limit) + ": " + instability) }
        if let breakdown = solution.breakdown {
            // A step size collapsing with a finite state at a stable rate is a failure of the integration (a singularity
            // of the equations), not a divergence of the dynamics: it stays an error.
            if !breakdown.nonFinite && !unstable { throw ODEError.stepSizeUnderflow(time: breakdown.time) }
            divergence = Divergence(time: breakdown.time, reason: unstable ? "\(breakdown): \(instability)"
                : "the order parameters overflowed the floating-point range (\(breakdown)); the \(scenario.loss) loss at learning rate "
                  + "\(DivergenceBound.format(tau)) is stable, so this is not an instability of the dynamics")
        }
        return ClassifierTheoryResult(scenario: scenario, times: solution.times, m: solution.component(0), q: solution.component(1),
                                      rho: start.rho, divergence: divergence)
    }
}

/// Theory learning curves of a linear classifier on an output grid.
public struct ClassifierTheoryResult: Sendable {
    public let times: [Double]
    public let m: [Double]
    public let q: [Double]
    public let rho: Double
    /// Set when the trajectory diverged; the arrays stop at the last grid point before it.
    public let divergence: Divergence?
    /// ε_g = arccos(m/√(qρ))/π at each output time.
    public let classificationError: [Double]
    /// The population loss E[ℓ(y, λ)] at each output time.
    public let loss: [Double]

    public init(scenario: ClassifierScenario, times: [Double], m: [Double], q: [Double], rho: Double, divergence: Divergence?) {
        self.times = times; self.m = m; self.q = q; self.rho = rho; self.divergence = divergence
        classificationError = zip(m, q).map { ClassifierIntegrals.classificationError(m: $0, q: $1, rho: rho) }
        let integrals = scenario.integrals
        loss = zip(m, q).map { integrals.expectations(m: $0, q: max(0, $1), rho: rho).loss }
    }
}
