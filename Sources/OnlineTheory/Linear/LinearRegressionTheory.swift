import ODEIntegration
import Scenarios

/// Learning curves of the linear model from the order-parameter ODEs, integrated in the state (m, q, e_g)
/// (`LinearRegressionErrorODE`) so that e_g keeps its relative accuracy near perfect learning.
public struct LinearRegressionTheory: Sendable {
    /// The linear-regression scenario whose learning curves `solve` integrates.
    public let scenario: LinearRegressionScenario
    /// The integrator; tight tolerances by default. The state is (m, q, e_g) and the error test is per component,
    /// |err_i| ≤ atol + rtol·|y_i|: with atol = 1e-300 it is relative (1e-10 per step) for every component, so a
    /// noise-free e_g, which decays exponentially towards 0, keeps its relative accuracy (and its sign) all the way
    /// down to the floating-point range, where it can only underflow. This costs about 20 steps per e-fold of e_g:
    /// ~14 000 steps before e_g leaves the double range, then the steps grow.
    /// e_g below this is out of the integrator's relative error control (atol/rtol = 1e-290, with margin) and is
    /// reported as 0.
    public static let underflowFloor = 1e-280

    /// The absolute error floor, relative to the problem's scale, of the scaled-momentum ODE (`solve`).
    public static let scaledMomentumAbsoluteTolerance = 1e-14

    /// The integrator, at `defaultTolerance`: relative error control for every component (see `underflowFloor`).
    public var integrator = DormandPrince54(relativeTolerance: defaultTolerance.relative, absoluteTolerance: defaultTolerance.absolute)
    /// rtol 1e-10, atol 1e-300 (relative error control for every component, above).
    public static let defaultTolerance = (relative: 1e-10, absolute: 1e-300)
    /// Above τ_c a trajectory counts as diverged once e_g exceeds this multiple of the problem's scale
    /// (`divergenceBound(from:)`). Below τ_c the ODE is a stable linear system and never diverges.
    public var divergenceFactor = DivergenceBound.defaultFactor

    /// The theory of `scenario`, with the default `integrator` and `divergenceFactor`.
    public init(scenario: LinearRegressionScenario) { self.scenario = scenario }

    /// The order parameters at t = 0 that the scenario specifies.
    public var specifiedInitialState: LinearOrderParameters {
        LinearOrderParameters(m: scenario.initialOverlap, q: scenario.initialSelfOverlap, rho: scenario.teacherNorm)
    }

    /// Critical learning rate τ_c = 2B(1 + λ) (B the batch size): the q-equation's own coefficient τ²/B − 2τ(1+λ) is
    /// negative (and the fixed point stable) iff τ < τ_c. The m-equation is stable for every τ > 0. With a schedule it is
    /// the critical instantaneous rate: e_g grows while η(t) > τ_c, and the dynamics cannot diverge if η(t) < τ_c throughout.
    public var criticalLearningRate: Double { scenario.criticalLearningRate }

    /// The fixed point m* = ρ/(1+λ), q* = [(τ/B)(ρ − 2m* + σ²) + 2m*] / (2(1+λ) − τ/B); `nil` when τ ≥ τ_c or the
    /// learning rate is scheduled.
    public func steadyState(rho: Double? = nil) -> LinearOrderParameters? {
        scenario.steadyState(rho: rho ?? scenario.teacherNorm)
    }

    /// Asymptotic relaxation rate: the slowest eigenvalue of the generator, min(τ(1+λ), 2τ(1+λ) − τ²/B), τ = η_eff
    /// (η/(1 − β) at fixed momentum); `nil` with a schedule (no constant generator). Not for scaled momentum, whose
    /// generator is `LinearRegressionMomentumODE.generator`.
    public var relaxationRate: Double? {
        guard scenario.optimiser.isConstant else { return nil }
        let tau = scenario.optimiser.effectiveLearningRate, lambda = scenario.weightDecay
        return min(tau * (1 + lambda), 2 * tau * (1 + lambda) - scenario.optimiser.noise(rate: tau))
    }

    /// The exact solution y(t) = exp(tÂ) ŷ(0) of the augmented system Â = [[A, b], [0, 0]], ŷ = (m, q, 1):
    /// valid for every τ, including τ = τ_c where A is singular. It is the solution at the constant base rate (τ = η_eff
    /// at fixed momentum): with a schedule, that of one constant piece (a step schedule's pieces compose: see the
    /// tests); for scaled momentum the (m, q, e_g, a, u, c) system of `LinearRegressionMomentumODE` is exponentiated.
    public func exactSolution(at time: Double, from initial: LinearOrderParameters) -> LinearOrderParameters {
        if let momentum = LinearRegressionMomentumODE(scenario: scenario, rho: initial.rho) {
            let y = Self.exponentiate(momentum.generator, time: time,
                                      from: momentum.initialState(m: initial.m, q: initial.q, error: initial.generalisationError))
            return LinearOrderParameters(m: y[0], q: y[1], rho: initial.rho)
        }
        let (a, b) = LinearRegressionODE(scenario: scenario, rho: initial.rho).generator
        let augmented = [a[0], a[1], b[0], a[2], a[3], b[1], 0, 0, 0].map { $0 * time }
        let e = matrixExponential(augmented, dimension: 3)
        let m = e[0] * initial.m + e[1] * initial.q + e[2]
        let q = e[3] * initial.m + e[4] * initial.q + e[5]
        return LinearOrderParameters(m: m, q: q, rho: initial.rho)
    }

    /// e_g(t) exactly, without cancellation: the (m, e_g) route of `LinearRegressionErrorODE`, e_g(t) the second
    /// row of exp(tÂ)·(m(0), e_g(0), 1) with Â = [[A, b], [0, 0]] its augmented generator. For σ² = λ = 0 the row is
    /// (0, e^{(τ²/B − 2τ)t}, 0): e_g(t) = e_g(0)·e^{(τ²/B − 2τ)t} to rounding, at any depth. `initialError` defaults to
    /// ½(ρ − 2m(0) + q(0)). At the constant base rate τ, like `exactSolution`.
    public func exactGeneralisationError(at time: Double, from initial: LinearOrderParameters, initialError: Double? = nil) -> Double {
        if let momentum = LinearRegressionMomentumODE(scenario: scenario, rho: initial.rho) {
            let e0 = initialError ?? initial.generalisationError
            return Self.exponentiate(momentum.generator, time: time, from: momentum.initialState(m: initial.m, q: initial.q, error: e0))[2]
        }
        let (a, b) = LinearRegressionErrorODE(scenario: scenario, rho: initial.rho).generator
        let augmented = [a[0], a[1], b[0], a[2], a[3], b[1], 0, 0, 0].map { $0 * time }
        let x = matrixExponential(augmented, dimension: 3)
        return x[3] * initial.m + x[4] * (initialError ?? initial.generalisationError) + x[5]
    }

    /// y(t) = exp(tÂ)(y(0), 1) for dy/dt = A y + b, Â = [[A, b], [0, 0]] (n×n A, row-major).
    static func exponentiate(_ generator: (a: [Double], b: [Double]), time: Double, from y0: [Double]) -> [Double] {
        let n = y0.count
        var augmented = [Double](repeating: 0, count: (n + 1) * (n + 1))
        for i in 0..<n {
            for j in 0..<n { augmented[i * (n + 1) + j] = generator.a[i * n + j] * time }
            augmented[i * (n + 1) + n] = generator.b[i] * time
        }
        let x = matrixExponential(augmented, dimension: n + 1)
        return (0..<n).map { i in (0..<n).reduce(x[i * (n + 1) + n]) { $0 + x[i * (n + 1) + $1] * y0[$1] } }
    }

    /// The scale a trajectory from `start` is measured against (`LinearRegressionScenario.divergenceBound`).
    public func divergenceBound(from start: LinearOrderParameters) -> DivergenceBound {
        scenario.divergenceBound(from: start, factor: divergenceFactor)
    }

    /// `integrator` prepared for a run from t = `start` to `tEnd` (`DormandPrince54.prepared`), starting at τ = η_eff(`start`).
    func preparedIntegrator(from start: Double, to tEnd: Double) -> DormandPrince54 {
        let optimiser = scenario.optimiser
        return integrator.prepared(for: optimiser, weightDecay: scenario.weightDecay, upTo: tEnd,
                                   startingRate: optimiser.rate(at: start) * optimiser.momentumGain)
    }

    /// Integrates the ODEs from `initial` (default: the scenario's) over `times` (increasing, starting at t = 0).
    ///
    /// The system is linear, so it diverges iff τ ≥ τ_c (the q-equation's coefficient τ²/B − 2τ(1+λ) ≥ 0): then the
    /// run stops where e_g passes `divergenceFactor` × the problem's scale, and `divergence` carries the time.
    /// Below τ_c nothing is bounded by a threshold; only an overflow of the floating-point range (inputs near
    /// 10³⁰⁸) stops the run, and the reason says so. The arrays hold the grid points reached before the stop (the
    /// initial point alone when the start or its first step is already non-finite). `initialError` is e_g(0) when it
    /// is known more accurately than ½(ρ − 2m(0) + q(0)) (a simulation's measured ½|w − w*|²/d); it must be ≥ 0.
    public func solve(
        times: [Double], from initial: LinearOrderParameters? = nil, initialError: Double? = nil, progress: ((Double) -> Void)? = nil
    ) throws -> LinearTheoryResult {
        let start = initial ?? specifiedInitialState
        let e0 = initialError ?? start.generalisationError
        // With a schedule the criterion is the peak of η(t) over the run (exact for a linear system: e_g can grow only
        // while η(t) > τ_c), and the integration restarts at the schedule's breakpoints.
        let optimiser = scenario.optimiser, tEnd = times.last ?? 0
        let tau = optimiser.peakRate(upTo: tEnd), critical = criticalLearningRate
        let unstable = tau >= critical
        let bound = divergenceBound(from: start)
        let limit = bound.limit, rho = start.rho
        let blowUp = ODEEvent(name: "divergence", direction: .rising, isTerminal: true) { _, y in
            y[2] - limit
        }
        var integrator = preparedIntegrator(from: times.first ?? 0, to: tEnd)
        integrator.stopsAtBreakdown = true
        if optimiser.scaledMomentum != nil, integrator.componentAbsoluteTolerances == nil {
            // State [m, q, e, a, u, c]. The velocity overlap a converges to 0 through the cancellation of the O(1) terms of
            // its source (1 + λ)m − ρ, so it ends on a rounding floor ~1e-16 × scale that a relative error test cannot
            // pass: it gets the absolute floor `scaledMomentumAbsoluteTolerance` × scale. u = v·(w − w*)/d cancels in
            // 2e + λ(q − m) − ηγc, whose terms are O(λ·scale + σ²) (without λ and σ² they are all O(e)): its floor is
            // that × the same factor, 0 for σ² = λ = 0, where (e, u, c) is a closed homogeneous system and every
            // component, e among them, keeps relative error control down to the floating-point range.
            let atol = integrator.absoluteTolerance, floor = Self.scaledMomentumAbsoluteTolerance
            let uScale = scenario.weightDecay * bound.scale + scenario.noiseVariance
            integrator.componentAbsoluteTolerances = [atol, atol, atol, max(atol, floor * bound.scale), max(atol, floor * uScale), atol]
        }
        let events = unstable && limit.isFinite ? [blowUp] : []
        let momentum = LinearRegressionMomentumODE(scenario: scenario, rho: start.rho)
        let solution = try momentum.map {
            try integrator.solve($0, initialState: $0.initialState(m: start.m, q: start.q, error: e0), outputTimes: times, events: events,
                                 progress: progress)
        } ?? integrator.solve(LinearRegressionErrorODE(scenario: scenario, rho: start.rho), initialState: [start.m, start.q, e0],
                              outputTimes: times, events: events, progress: progress)
        // The error test rtol·|e| + atol is relative, and e keeps its digits and its sign, while rtol·|e| ≫ atol, i.e.
        // e ≫ 1e-290; below `LinearRegressionTheory.underflowFloor` it is integration noise at the floor (the exact
        // value is smaller still), and prints as 0 (`eg-underflow` warning in the CLI).
        let m = solution.component(0), q = solution.component(1)
        let e = solution.component(2).map { abs($0) < Self.underflowFloor ? 0 : $0 }
        let rate = optimiser.rateDescription(upTo: tEnd), batch = optimiser.batchSize
        let instability = "\(rate) ≥ critical \(DivergenceBound.format(critical)) = \(scenario.criticalLearningRateFormula)"
            + (batch == 1 ? "" : " with batch B = \(batch)")
        let effective = tau * optimiser.momentumGain
        let r = batch == 1 ? "τ² − 2τ(1 + λ)" : "τ²/B − 2τ(1 + λ)"
        let growth = momentum != nil ? "" : " ("
            + (optimiser.isConstant ? "e_g grows like e^(rt), r = \(r)" : "e_g grows while η(t) > τ_c, at up to r = \(r)")
            + " = \(DivergenceBound.format(optimiser.noise(rate: effective) - 2 * effective * (1 + scenario.weightDecay)))"
            + (optimiser.momentum > 0 ? " at τ = η/(1 − β)" : "") + ")"
        var divergence = solution.terminalEvent.map {
            Divergence(time: $0.time, reason: bound.reason("e_g", value: limit) + ": " + instability + growth)
        }
        if let breakdown = solution.breakdown {
            // A step size collapsing with a finite state at a stable rate is a failure of the integration (a singularity
            // of the equations), not a divergence of the dynamics: it stays an error.
            if !breakdown.nonFinite && !unstable { throw ODEError.stepSizeUnderflow(time: breakdown.time) }
            divergence = Divergence(time: breakdown.time, reason: unstable
                ? "\(breakdown): \(instability)"
                : "the order parameters overflowed the floating-point range (\(breakdown)); the \(rate) "
                  + "is below the critical \(DivergenceBound.format(critical)), so this is not an instability of the dynamics")
        }
        let velocity = momentum.map { _ in
            let a = solution.component(3)
            return VelocityOverlaps(a: a, b: zip(a, solution.component(4)).map { $0 + $1 }, c: solution.component(5))
        }
        return LinearTheoryResult(times: solution.times, m: m, q: q, rho: rho, divergence: divergence, generalisationError: e, velocity: velocity)
    }
}

/// Theory learning curves of the linear model on an output grid.
public struct LinearTheoryResult: Sendable, Hashable {
    /// The output times reached: the requested grid up to a stop (at least its first point).
    public let times: [Double]
    /// Student–teacher overlap m = w·w*/d at each output time.
    public let m: [Double]
    /// Student self-overlap q = |w|²/d at each output time.
    public let q: [Double]
    /// Teacher norm ρ = |w*|²/d of the equations (that of the initial state).
    public let rho: Double
    /// Set when the trajectory diverged; the arrays stop at the last grid point before it.
    public let divergence: Divergence?

    /// e_g = ½(ρ − 2m + q) at each output time, as integrated (`LinearRegressionErrorODE`), not recomputed from m
    /// and q (which would cancel to ≈ 1e-16 near perfect learning).
    public let generalisationError: [Double]
    /// The velocity overlaps a, b, c with scaled momentum (`LinearRegressionMomentumODE`); `nil` otherwise.
    public let velocity: VelocityOverlaps?

    /// `generalisationError` defaults to ½(ρ − 2m + q) from the given m, q.
    public init(times: [Double], m: [Double], q: [Double], rho: Double, divergence: Divergence?, generalisationError: [Double]? = nil,
                velocity: VelocityOverlaps? = nil) {
        self.times = times; self.m = m; self.q = q; self.rho = rho; self.divergence = divergence; self.velocity = velocity
        self.generalisationError = generalisationError ?? zip(m, q).map { 0.5 * (rho - 2 * $0 + $1) }
    }
}
