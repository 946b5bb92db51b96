import GaussianIntegrals

/// Online SGD for a linear classifier (a perceptron-type student) learning a sign teacher: the scenario both
/// theory and simulation read.
///
/// Conventions (also in the README): inputs x ~ N(0, I_d), teacher w* with ρ = |w*|²/d, teacher field
/// ν = w*·x/√d, label y = sign(ν + σζ) with ζ ~ N(0, 1) (σ² is `noiseVariance`), then flipped with probability p;
/// student field λ = w·x/√d, prediction sign(λ). B fresh samples per step (the optimiser's `batchSize`, 1 by
/// default) and the update
///
///     w ← w − τ [ (1/B) Σ_b ℓ'(y_b, λ_b) x_b/√d + (λ_reg/d) w ],    ℓ(y, λ) = L(yλ),
///
/// the gradient step on the batch mean of the margin loss plus (λ_reg/2d)|w|². Time t = steps/d. Order parameters m = w·w*/d,
/// q = |w|²/d, s = q − m²/ρ; the classification error against the noise-free teacher is ε_g = arccos(m/√(qρ))/π
/// = atan2(√(ρs), m)/π.
public struct ClassifierScenario: Sendable, Hashable {
    /// The margin loss L, ℓ(y, λ) = L(yλ).
    public var loss: ClassificationLoss
    /// The optimiser (learning rate τ, …): what the ODEs and the simulator read of the update rule.
    public var optimiser: Optimiser
    /// The base learning rate τ (`optimiser.learningRate`).
    public var learningRate: Double {
        get { optimiser.learningRate }
        set { optimiser.learningRate = newValue }
    }
    /// σ²: variance of the noise on the teacher's field before the sign.
    public var noiseVariance: Double
    /// p: probability that a label is flipped.
    public var flipProbability: Double
    /// L2 regularisation strength λ_reg.
    public var weightDecay: Double
    /// Teacher norm ρ = |w*|²/d; a simulated teacher has i.i.d. N(0, ρ) components.
    public var teacherNorm: Double
    /// Initial student–teacher overlap m(0).
    public var initialOverlap: Double
    /// Initial student self-overlap q(0).
    public var initialSelfOverlap: Double

    /// A validated scenario. Throws for a non-positive teacher norm, negative noise or weight decay, a flip
    /// probability outside [0, ½], and initial overlaps no student can have (m0² > q0 ρ).
    public init(
        loss: ClassificationLoss, optimiser: Optimiser, noiseVariance: Double = 0, flipProbability: Double = 0,
        weightDecay: Double = 0, teacherNorm: Double = 1, initialOverlap: Double = 0, initialSelfOverlap: Double = 0
    ) throws {
        try ScenarioError.require("noise variance", noiseVariance, { $0 >= 0 }, "non-negative")
        try ScenarioError.require("flip probability", flipProbability, { $0 >= 0 && $0 <= 0.5 }, "in [0, 0.5]")
        try ScenarioError.require("weight decay", weightDecay, { $0 >= 0 }, "non-negative")
        try ScenarioError.requireRealisable(m0: initialOverlap, q0: initialSelfOverlap, rho: teacherNorm)
        // Rosenblatt's rule moves w only on a misclassified sample (yλ < 0). At w = 0 every field λ = w·x/√d is 0,
        // so no sample is ever misclassified and the student never moves; its direction, and with it
        // ε_g = arccos(m/√(qρ))/π, is undefined (0/0), as are the ODE's integrals over the sign of λ.
        guard loss != .perceptron || initialSelfOverlap > 0 else {
            throw ScenarioError("the perceptron loss needs q0 > 0: its update w ← w + τ y x/√d acts only when yλ < 0, "
                                + "and at w = 0 every field λ = w·x/√d is 0, so the student never moves and its direction (ε_g) is undefined")
        }
        self.loss = loss; self.optimiser = optimiser; self.noiseVariance = noiseVariance
        self.flipProbability = flipProbability; self.weightDecay = weightDecay; self.teacherNorm = teacherNorm
        self.initialOverlap = initialOverlap; self.initialSelfOverlap = initialSelfOverlap
    }

    /// Plain SGD at the constant rate `learningRate` (`Optimiser(learningRate:)`); throws also for a non-positive rate.
    public init(
        loss: ClassificationLoss, learningRate: Double, noiseVariance: Double = 0, flipProbability: Double = 0,
        weightDecay: Double = 0, teacherNorm: Double = 1, initialOverlap: Double = 0, initialSelfOverlap: Double = 0
    ) throws {
        try self.init(loss: loss, optimiser: try Optimiser(learningRate: learningRate), noiseVariance: noiseVariance,
                      flipProbability: flipProbability, weightDecay: weightDecay, teacherNorm: teacherNorm,
                      initialOverlap: initialOverlap, initialSelfOverlap: initialSelfOverlap)
    }

    /// The expectations of the update for this loss and label noise.
    public var integrals: ClassifierIntegrals {
        ClassifierIntegrals(loss: loss, noiseVariance: noiseVariance, flipProbability: flipProbability)
    }
}

extension ClassifierScenario {
    /// For the square loss, τ_c = 2B(1 + λ_reg) (B the batch size): the q-equation's own coefficient
    /// τ²/B − 2τ(1 + λ_reg) is negative iff τ < τ_c, and above it q grows without bound. `nil` for the other losses, whose slopes are bounded (|L'| ≤ 1),
    /// so that q grows at most linearly in t and the dynamics cannot diverge.
    /// At fixed momentum β the ODE is SGD's at τ/(1 − β) (`Optimiser`), so τ_c = 2B(1 − β)(1 + λ_reg).
    public var criticalLearningRate: Double? { loss == .square ? 2 * Double(optimiser.batchSize) * (1 + weightDecay) / optimiser.momentumGain : nil }
}

extension ClassifierScenario {
    /// For the square loss below τ_c, the fixed point's q* = [(τ/B)(1 − 2m*a/ρ) + 2m*a/ρ] / (2(1 + λ_reg) − τ/B) with
    /// m* = a/(1 + λ_reg) and a = E[yν] (the square loss is linear regression onto y = ±1: dm/dt = τ(a − m) − τλ_reg m,
    /// dq/dt = −2τ(q − ma/ρ) + (τ²/B)(q − 2ma/ρ + 1) − 2τλ_reg q), τ = η_eff = η/(1 − β) (`Optimiser.effectiveLearningRate`).
    /// `nil` for the other losses or τ ≥ τ_c. With a schedule, the fixed point of the base rate (the divergence bound's scale).
    public func squareLossSteadySelfOverlap(rho: Double) -> Double? {
        guard loss == .square, let critical = criticalLearningRate, learningRate < critical else { return nil }
        // With q = 0 the student's field vanishes and ℓ' = −y, so E[ℓ'ν] = −E[yν].
        let a = -integrals.expectations(m: 0, q: 0, rho: rho).slopeTimesTeacher
        let m = a / (1 + weightDecay), tau = optimiser.effectiveLearningRate, noisePerDrift = optimiser.noise(rate: tau) / tau
        return (noisePerDrift * (1 - 2 * m * a / rho) + 2 * m * a / rho) / (2 * (1 + weightDecay) - noisePerDrift)
    }

    /// The scale a square-loss trajectory from (m0, q0) is measured against: the largest of ρ, 1 (the labels' y² = 1),
    /// |m(0)|, q(0) and, below τ_c, q*. Only the square loss can diverge; the others have |L'| ≤ 1, so q grows at most
    /// like (√q0 + τt)² and only a non-finite state counts as diverged.
    public func divergenceBound(m0: Double, q0: Double, rho: Double, factor: Double = DivergenceBound.defaultFactor) -> DivergenceBound {
        var scales = [("ρ", rho), ("y² = 1", 1.0), ("|m(0)|", m0), ("q(0)", q0)]
        if let steady = squareLossSteadySelfOverlap(rho: rho) { scales.append(("q*", steady)) }
        return DivergenceBound(scales: scales, factor: factor)
    }
}

