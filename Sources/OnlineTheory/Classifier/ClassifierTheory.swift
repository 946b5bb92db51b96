import GaussianIntegrals
import ODEIntegration
import Scenarios

/// Learning curves of a linear classifier from the order-parameter ODEs (`ClassifierODE`), integrated in the state
/// (m, q, s), s = q − m²/ρ, so that ε_g = atan2(√(ρs), m)/π keeps its relative accuracy as the student aligns; with
/// scaled momentum, in (m, q, s, a, u, c) with the velocity's overlaps (`ClassifierMomentumODE`).
public struct ClassifierTheory: Sendable {
    /// The classifier scenario whose learning curves `solve` integrates.
    public let scenario: ClassifierScenario
    /// The integrator; tight tolerances by default (`defaultTolerance`). The error test is per component,
    /// |err_i| ≤ atol + rtol·|y_i|: with atol = 1e-300 it is relative for every component, so s, which decays towards
    /// 0 on a noise-free teacher (like t^(−2/3) times q for the perceptron), keeps its relative accuracy.
    public var integrator = DormandPrince54(relativeTolerance: defaultTolerance.relative, absoluteTolerance: defaultTolerance.absolute)
    /// rtol 1e-10, atol 1e-300 (relative error control for every component, above).
    public static let defaultTolerance = (relative: 1e-10, absolute: 1e-300)
    /// With scaled momentum, the absolute error floor, relative to the problem's scale max(1, ρ, q(0)), of the velocity
    /// overlaps a and u: they converge to 0 at any fixed point (dm/dt = −τγa, ds/dt = −2τγu) through the cancellation
    /// of O(1) terms and cross zero while they do, where a relative test cannot pass. m, q, s and c keep their
    /// relative control; s (hence ε_g) is then accurate to about this floor times t.
    public static let scaledMomentumAbsoluteTolerance = 1e-14
    /// Square loss at τ ≥ τ_c: a trajectory counts as diverged once q exceeds this multiple of the problem's scale
    /// (`ClassifierScenario.divergenceBound`). The other losses cannot diverge; only a non-finite state stops them.
    public var divergenceFactor = DivergenceBound.defaultFactor

    /// The theory of `scenario`, with the default `integrator` and `divergenceFactor`.
    public init(scenario: ClassifierScenario) { self.scenario = scenario }

    /// The order parameters at t = 0 that the scenario specifies.
    public var specifiedInitialState: LinearOrderParameters {
        LinearOrderParameters(m: scenario.initialOverlap, q: scenario.initialSelfOverlap, rho: scenario.teacherNorm)
    }

    /// Integrates the ODEs from `initial` (default: the scenario's) over `times` (increasing, from t = 0).
    /// `initialOrthogonal` is s(0) when it is known more accurately than q(0) − m(0)²/ρ (a simulation's measured
    /// |w − (m/ρ)w*|²/d); it must be ≥ 0.
    ///
    /// Past stability (square loss, τ ≥ 2B(1 + λ_reg)) the run stops where q passes `divergenceFactor` × the problem's
    /// scale, and the result carries the time in `divergence`. Otherwise only an overflow of the floating-point range
    /// stops it (reported as such). The arrays hold the grid points reached (at least the initial one).
    public func solve(
        times: [Double], from initial: LinearOrderParameters? = nil, initialOrthogonal: Double? = nil, progress: ((Double) -> Void)? = nil
    ) throws -> ClassifierTheoryResult {
        let start = initial ?? specifiedInitialState
        let s0 = initialOrthogonal ?? (start.rho > 0 ? max(0, start.q - start.m * start.m / start.rho) : start.q)
        let system = ClassifierODE(scenario: scenario, rho: start.rho)
        // With a schedule: the peak of η(t) over the run against τ_c, and the integration restarts at its breakpoints.
        let optimiser = scenario.optimiser, tEnd = times.last ?? 0
        let tau = optimiser.peakRate(upTo: tEnd)
        let unstable = scenario.criticalLearningRate.map { tau >= $0 } ?? false
        let bound = scenario.divergenceBound(m0: start.m, q0: start.q, rho: start.rho, factor: divergenceFactor)
        let limit = bound.limit
        let blowUp = ODEEvent(name: "divergence", direction: .rising, isTerminal: true) { _, y in y[1] - limit }
        // The starting step at the base rate of the start (not η_eff, as it always was here; see `DormandPrince54.prepared`).
        var integrator = self.integrator.prepared(for: optimiser, weightDecay: scenario.weightDecay, upTo: tEnd,
                                                  startingRate: optimiser.rate(at: times.first ?? 0))
        integrator.stopsAtBreakdown = true
        let events = unstable && limit.isFinite ? [blowUp] : []
        let momentum = ClassifierMomentumODE(scenario: scenario, rho: start.rho)
        if momentum != nil, integrator.componentAbsoluteTolerances == nil {
            let atol = integrator.absoluteTolerance, floor = max(atol, Self.scaledMomentumAbsoluteTolerance * max(1, start.rho, start.q))
            integrator.componentAbsoluteTolerances = [atol, atol, atol, floor, floor, atol]
        }
        let solution = try momentum.map {
            try integrator.solve($0, initialState: $0.initialState(m: start.m, q: start.q, orthogonal: s0), outputTimes: times,
                                 events: events, progress: progress)
        } ?? integrator.solve(system, initialState: [start.m, start.q, s0], outputTimes: times, events: events, progress: progress)
        let rate = optimiser.rateDescription(upTo: tEnd), batch = optimiser.batchSize
        let instability = "\(rate) ≥ critical \(DivergenceBound.format(scenario.criticalLearningRate ?? .infinity)) = "
            + (batch == 1 ? "2" : "2B") + (optimiser.momentum > 0 ? "(1 − β)" : "") + "(1 + λ_reg)"
            + (batch == 1 ? "" : " with batch B = \(batch)") + " of the square loss"
        var divergence = solution.terminalEvent.map { Divergence(time: $0.time, reason: bound.reason("q", value: limit) + ": " + instability) }
        if let breakdown = solution.breakdown {
            // A step size collapsing with a finite state at a stable rate is a failure of the integration (a singularity
            // of the equations), not a divergence of the dynamics: it stays an error.
            if !breakdown.nonFinite && !unstable { throw ODEError.stepSizeUnderflow(time: breakdown.time) }
            divergence = Divergence(time: breakdown.time, reason: unstable ? "\(breakdown): \(instability)"
                : "the order parameters overflowed the floating-point range (\(breakdown)); the \(scenario.loss) loss at \(rate) is stable, so this is not an instability of the dynamics")
        }
        let m = solution.component(0)
        let velocity = momentum.map { _ -> VelocityOverlaps in
            let a = solution.component(3), u = solution.component(4)
            return VelocityOverlaps(a: a, b: (0..<a.count).map { u[$0] + m[$0] / start.rho * a[$0] }, c: solution.component(5))
        }
        return ClassifierTheoryResult(scenario: scenario, times: solution.times, m: m, q: solution.component(1),
                                      orthogonal: solution.component(2), rho: start.rho, divergence: divergence, velocity: velocity)
    }
}

/// Theory learning curves of a linear classifier on an output grid.
public struct ClassifierTheoryResult: Sendable {
    /// The output times reached: the requested grid up to a divergence (at least its first point).
    public let times: [Double]
    /// Student–teacher overlap m = w·w*/d at each output time.
    public let m: [Double]
    /// Student self-overlap q = |w|²/d at each output time.
    public let q: [Double]
    /// s = q − m²/ρ, integrated as its own component (`ClassifierODE`).
    public let orthogonal: [Double]
    /// Teacher norm ρ = |w*|²/d of the equations (that of the initial state).
    public let rho: Double
    /// Set when the trajectory diverged; the arrays stop at the last grid point before it.
    public let divergence: Divergence?
    /// ε_g = atan2(√(ρs), m)/π at each output time (= arccos(m/√(qρ))/π, without its cancellation at small angles).
    public let classificationError: [Double]
    /// The population loss E[ℓ(y, λ)] at each output time.
    public let loss: [Double]
    /// The velocity overlaps a, b, c with scaled momentum (`ClassifierMomentumODE`); `nil` otherwise.
    public let velocity: VelocityOverlaps?

    /// The curves on `times`; `classificationError` and `loss` are computed here from (m, q, s) and ρ, the loss with
    /// `scenario`'s `ClassifierIntegrals`.
    public init(scenario: ClassifierScenario, times: [Double], m: [Double], q: [Double], orthogonal: [Double], rho: Double,
                divergence: Divergence?, velocity: VelocityOverlaps? = nil) {
        self.times = times; self.m = m; self.q = q; self.orthogonal = orthogonal; self.rho = rho; self.divergence = divergence
        self.velocity = velocity
        classificationError = zip(m, orthogonal).map { ClassifierIntegrals.classificationError(m: $0, orthogonal: $1, rho: rho) }
        let integrals = scenario.integrals
        loss = (0..<m.count).map { integrals.populationLoss(m: m[$0], q: max(0, q[$0]), orthogonal: orthogonal[$0], rho: rho) }
    }
}
