/// Online SGD for noisy linear regression with L2 regularisation: the scenario both theory and simulation read.
///
/// Conventions (also in the README): inputs x ~ N(0, I_d), teacher w* with ρ = |w*|²/d,
/// labels y = w*·x/√d + σ ξ with ξ ~ N(0, 1) (σ² is `noiseVariance`), student ŷ = w·x/√d.
/// B fresh samples per step (the optimiser's `batchSize`, 1 by default) and the update
///
///     w ← w − τ [ (1/B) Σ_b (ŷ_b − y_b) x_b/√d + (λ/d) w ],
///
/// the gradient step on the batch mean of ½(ŷ − y)² plus (λ/2d)|w|². Time is t = steps/d. Order parameters:
/// m = w·w*/d, q = |w|²/d, and the noise-free generalisation error e_g = ½(ρ − 2m + q).
public struct LinearRegressionScenario: Sendable, Hashable {
    /// The optimiser (learning rate τ, …): what the ODEs and the simulator read of the update rule.
    public var optimiser: Optimiser
    /// The base learning rate τ (`optimiser.learningRate`).
    public var learningRate: Double {
        get { optimiser.learningRate }
        set { optimiser.learningRate = newValue }
    }
    /// Label-noise variance σ².
    public var noiseVariance: Double
    /// L2 regularisation strength λ.
    public var weightDecay: Double
    /// Teacher norm ρ = |w*|²/d; a simulated teacher has i.i.d. N(0, ρ) components.
    public var teacherNorm: Double
    /// Initial student–teacher overlap m(0) = w·w*/d.
    public var initialOverlap: Double
    /// Initial student self-overlap q(0) = |w|²/d.
    public var initialSelfOverlap: Double

    /// A validated scenario. Throws for a non-positive teacher norm, negative noise or weight decay, and initial
    /// overlaps that no student can have (q(0) < m(0)²/ρ by Cauchy–Schwarz).
    public init(
        optimiser: Optimiser, noiseVariance: Double = 0, weightDecay: Double = 0,
        teacherNorm: Double = 1, initialOverlap: Double = 0, initialSelfOverlap: Double = 0
    ) throws {
        try ScenarioError.require("noise variance", noiseVariance, { $0 >= 0 }, "non-negative")
        try ScenarioError.require("weight decay", weightDecay, { $0 >= 0 }, "non-negative")
        try ScenarioError.requireRealisable(m0: initialOverlap, q0: initialSelfOverlap, rho: teacherNorm)
        self.optimiser = optimiser
        self.noiseVariance = noiseVariance
        self.weightDecay = weightDecay
        self.teacherNorm = teacherNorm
        self.initialOverlap = initialOverlap
        self.initialSelfOverlap = initialSelfOverlap
    }

    /// Plain SGD at the constant rate `learningRate` (`Optimiser(learningRate:)`); throws also for a non-positive rate.
    public init(
        learningRate: Double, noiseVariance: Double = 0, weightDecay: Double = 0,
        teacherNorm: Double = 1, initialOverlap: Double = 0, initialSelfOverlap: Double = 0
    ) throws {
        try self.init(optimiser: try Optimiser(learningRate: learningRate), noiseVariance: noiseVariance, weightDecay: weightDecay,
                      teacherNorm: teacherNorm, initialOverlap: initialOverlap, initialSelfOverlap: initialSelfOverlap)
    }

    /// The critical learning rate τ_c = 2B(1 + λ)/G (B the batch size, G = `Optimiser.momentumGain`): with
    /// τ_eff = Gτ the q-equation's own coefficient τ_eff²/B − 2τ_eff(1 + λ) is negative iff τ < τ_c, and above it q
    /// grows without bound (see `LinearRegressionTheory`). τ_c = 2B(1 − β)(1 + λ) at fixed momentum β (the ODE is
    /// SGD's at τ/(1 − β)), and 2(1 + λ) for scaled momentum too (the Routh–Hurwitz condition of
    /// `LinearRegressionMomentumODE`).
    public var criticalLearningRate: Double { 2 * Double(optimiser.batchSize) * (1 + weightDecay) / optimiser.momentumGain }

    /// τ_c as a formula, for messages: "2(1 + λ)", "2B(1 + λ)", "2(1 − β)(1 + λ)" or "2B(1 − β)(1 + λ)".
    public var criticalLearningRateFormula: String {
        (optimiser.batchSize > 1 ? "2B" : "2") + (optimiser.momentum > 0 ? "(1 − β)" : "") + "(1 + λ)"
    }

    /// The d → ∞ fixed point m* = ρ/(1+λ), q* = [(τ/B)(ρ − 2m* + σ²) + 2m*] / (2(1+λ) − τ/B) for teacher norm `rho`
    /// (dq/dt = (τ²/B)(ρ − 2m + q + σ²) + 2τ(m − q) − 2τλq = 0), with τ = η_eff (`Optimiser.effectiveLearningRate`:
    /// η/(1 − β) at fixed momentum β; η for scaled momentum, whose fixed point is SGD's, with zero velocity overlaps but
    /// c* = (2e_g* + σ²)/(2γ)); `nil` when η ≥ τ_c or the learning rate is scheduled (no fixed point: the equations
    /// depend on t).
    public func steadyState(rho: Double) -> LinearOrderParameters? {
        optimiser.isConstant ? fixedPoint(rho: rho) : nil
    }

    /// The fixed point of the equations at the constant base rate (`steadyState` whatever the schedule).
    func fixedPoint(rho: Double) -> LinearOrderParameters? {
        let tau = optimiser.effectiveLearningRate, lambda = weightDecay, noisePerDrift = optimiser.noise(rate: tau) / tau
        guard learningRate < criticalLearningRate else { return nil }
        let m = rho / (1 + lambda)
        let q = (noisePerDrift * (rho - 2 * m + noiseVariance) + 2 * m) / (2 * (1 + lambda) - noisePerDrift)
        return LinearOrderParameters(m: m, q: q, rho: rho)
    }

    /// The fixed point's e_g* = [½(τ/B)σ² + λ²ρ/(1+λ)] / (2(1+λ) − τ/B) in closed form, from de/dt = 0 in the (m, e_g)
    /// equations (`LinearRegressionErrorODE`) with ρ − m* = λρ/(1+λ): exactly 0 for σ² = λ = 0, where ½(ρ − 2m* + q*)
    /// of the fixed point's O(1) overlaps cancels to ±1e-17. τ = η_eff as in `steadyState`. `nil` when η ≥ τ_c or the
    /// learning rate is scheduled.
    public func steadyStateGeneralisationError(rho: Double) -> Double? {
        optimiser.isConstant ? fixedPointGeneralisationError(rho: rho) : nil
    }

    /// e_g of the fixed point at the constant base rate, whatever the schedule.
    func fixedPointGeneralisationError(rho: Double) -> Double? {
        let tau = optimiser.effectiveLearningRate, lambda = weightDecay, noisePerDrift = optimiser.noise(rate: tau) / tau
        guard learningRate < criticalLearningRate else { return nil }
        return (0.5 * noisePerDrift * noiseVariance + lambda * lambda * rho / (1 + lambda)) / (2 * (1 + lambda) - noisePerDrift)
    }

    /// The scale a trajectory from `start` is measured against (theory and simulation alike): the largest of ρ, σ²,
    /// |m(0)|, q(0), e_g(0) and, below τ_c, the steady state's q* and e_g* (which grow like 1/(τ_c − τ)). With a
    /// schedule, q* and e_g* are those of the base rate τ (labelled so): the scale of a run that starts there.
    public func divergenceBound(from start: LinearOrderParameters, factor: Double = DivergenceBound.defaultFactor) -> DivergenceBound {
        var scales = [("ρ", start.rho), ("σ²", noiseVariance), ("|m(0)|", start.m), ("q(0)", start.q),
                      ("e_g(0)", start.generalisationError)]
        if let steady = fixedPoint(rho: start.rho), let eStar = fixedPointGeneralisationError(rho: start.rho) {
            let at = optimiser.isConstant ? "" : " at the base rate"
            scales += [("q*" + at, steady.q), ("e_g*" + at, eStar)]
        }
        return DivergenceBound(scales: scales, factor: factor)
    }
}

/// The order parameters of the linear model at one time.
public struct LinearOrderParameters: Sendable, Hashable, Codable {
    /// Student–teacher overlap m = w·w*/d.
    public var m: Double
    /// Student self-overlap q = |w|²/d.
    public var q: Double
    /// Teacher norm ρ = |w*|²/d.
    public var rho: Double

    /// The overlaps m, q and the teacher norm ρ = `rho`.
    public init(m: Double, q: Double, rho: Double) { self.m = m; self.q = q; self.rho = rho }

    /// Noise-free generalisation error e_g = ½(ρ − 2m + q).
    public var generalisationError: Double { 0.5 * (rho - 2 * m + q) }
}
