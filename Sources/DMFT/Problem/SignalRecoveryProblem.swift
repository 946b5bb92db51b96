/// The Kamali–Urbani signal-recovery problem and the (S)GD run on it: the value both the DMFT solver and the
/// finite-N simulator read.
///
/// Signal x* ∈ ℝᴺ with |x*|² = N; P = αN samples with couplings J^μ_{i<j} ~ N(0, 1) and labels
/// y_μ = (1/N) Σ_{i<j} J^μ_ij x*_i x*_j. Loss H(x) = ½ Σ_μ (v_μ(x) − y_μ)², v_μ(x) = (1/N) Σ_{i<j} J^μ_ij x_i x_j.
///
///     GD:  x(t+1) = x(t) − η ∂H/∂x
///     SGD: x(t+1) = x(t) − (η/b) Σ_μ s_μ(t) r_μ ∂v_μ/∂x,   s_μ(t) ~ Bernoulli(b) fresh each step
///
/// from x(0) = m0 x* + √(c0 − m0²) z with z ⟂ x*, |z|² = N, so that m(0) = m0 and C(0,0) = c0.
///
/// The spherical variant keeps |x|² = N by projecting every step back onto the sphere,
///
///     x(t+1) = √N x̃(t+1)/|x̃(t+1)|,   x̃(t+1) the (S)GD step from x(t),
///
/// so that C(t,t) = 1 at all times (it needs c0 = 1).
public struct SignalRecoveryProblem: Sendable, Hashable, Codable {
    /// Sample complexity α = P/N.
    public var alpha: Double
    /// Learning rate η.
    public var learningRate: Double
    /// Batch fraction b ∈ (0, 1]; b = 1 is full-batch GD.
    public var batchFraction: Double
    /// Initial overlap m(0) = x·x*/N.
    public var initialOverlap: Double
    /// Initial norm C(0,0) = |x|²/N.
    public var initialNorm: Double
    /// Number of steps T.
    public var steps: Int
    /// Whether each step is normalised back to |x|² = N (C(t,t) = 1).
    public var spherical: Bool

    /// The largest horizon: the DMFT stores four T×T triangles, so T = 10⁸ already needs 1.6·10¹⁷ bytes, and the
    /// element counts of larger T would overflow 64-bit sizes.
    public static let maximumSteps = 100_000_000

    /// A validated problem; throws `DMFTError` for α ≤ 0, η ≤ 0, b ∉ (0, 1], c0 ≤ 0, m0 ∉ [0, √c0],
    /// T ∉ [1, `maximumSteps`] (out of range), or a spherical run with c0 ≠ 1 (inconsistent).
    public init(alpha: Double, learningRate: Double, batchFraction: Double = 1, initialOverlap: Double,
                initialNorm: Double = 1, steps: Int, spherical: Bool = false) throws {
        func require(_ ok: Bool, _ message: String) throws { if !ok { throw DMFTError.invalidParameter(message) } }
        func requireFinite(_ name: String, _ value: Double) throws {
            try require(value.isFinite, "\(name) must be a finite number, got \(value)")
        }
        try requireFinite("alpha", alpha)
        try require(alpha > 0, "alpha must be positive, got \(alpha)")
        try requireFinite("learning rate", learningRate)
        try require(learningRate > 0, "learning rate must be positive, got \(learningRate)")
        try requireFinite("batch fraction b", batchFraction)
        try require(batchFraction > 0 && batchFraction <= 1, "batch fraction b must be in (0, 1], got \(batchFraction)")
        try requireFinite("initial norm c0", initialNorm)
        try require(initialNorm > 0, "initial norm c0 must be positive, got \(initialNorm)")
        try requireFinite("initial overlap m0", initialOverlap)
        try require(initialOverlap >= 0 && initialOverlap * initialOverlap <= initialNorm,
                    "initial overlap m0 must be in [0, √c0] = [0, \(initialNorm.squareRoot())], got \(initialOverlap)")
        try require(steps >= 1 && steps <= Self.maximumSteps,
                    "number of steps must be between 1 and \(Self.maximumSteps), got \(steps)")
        guard !spherical || initialNorm == 1 else {
            throw DMFTError.inconsistent("the spherical variant keeps C(t,t) = 1, so c0 must be 1, got \(initialNorm)")
        }
        self.alpha = alpha
        self.learningRate = learningRate
        self.batchFraction = batchFraction
        self.initialOverlap = initialOverlap
        self.initialNorm = initialNorm
        self.steps = steps
        self.spherical = spherical
    }

    /// Whether this is full-batch gradient descent (b = 1).
    public var isFullBatch: Bool { batchFraction == 1 }
}

/// Why a DMFT computation or simulation was rejected.
public enum DMFTError: Error, CustomStringConvertible, Equatable, Sendable {
    /// One parameter outside its domain (the command line exits 64).
    case invalidParameter(String)
    /// Valid parameters that do not go together.
    case inconsistent(String)
    /// Too few usable points for a fit (`ThresholdFit` needs `ThresholdFit.minimumPoints` distinct α).
    case tooFewPoints(String)

    /// The message the case carries.
    public var description: String {
        switch self {
        case .invalidParameter(let message), .inconsistent(let message), .tooFewPoints(let message): return message
        }
    }

    /// Whether this names one parameter whose value is outside its domain.
    public var isOutOfRange: Bool {
        if case .invalidParameter = self { return true }
        return false
    }
}
