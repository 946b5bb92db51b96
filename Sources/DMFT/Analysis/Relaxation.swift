/// When a trajectory counts as having recovered the signal.
///
/// Default: the first step with Δ(t) = |x − x*|²/N ≤ `threshold` (0.05), i.e. the
/// estimate sits within a few percent of the signal. Runs that stay on the uninformative manifold never
/// reach it (τ = nil): with a fixed horizon T, α* is defined as the α below which τ > T.
public struct RelaxationCriterion: Sendable, Hashable, Codable {
    /// The observable compared with `threshold`: the distance Δ(t) or the overlap m(t).
    public enum Observable: String, Sendable, Hashable, Codable {
        /// First step with Δ(t) ≤ threshold.
        case delta
        /// First step with m(t) ≥ threshold.
        case overlap
    }

    /// Which observable decides recovery (`.delta` by default).
    public var observable: Observable
    /// Recovered once Δ(t) ≤ threshold (`.delta`) or m(t) ≥ threshold (`.overlap`).
    public var threshold: Double

    /// A criterion on `observable`; the default is Δ(t) ≤ 0.05.
    public init(observable: Observable = .delta, threshold: Double = 0.05) {
        self.observable = observable
        self.threshold = threshold
    }

    /// Whether a state with overlap `m` and distance `delta` meets the criterion.
    public func isMet(m: Double, delta: Double) -> Bool {
        observable == .delta ? delta <= threshold : m >= threshold
    }

    /// The first step meeting the criterion, or `nil` within the horizon.
    public func relaxationStep(m: [Double], delta: [Double]) -> Int? {
        switch observable {
        case .delta: return delta.firstIndex { $0 <= threshold }
        case .overlap: return m.firstIndex { $0 >= threshold }
        }
    }

    /// The relaxation step of a DMFT solution.
    public func relaxationStep(_ solution: DMFTSolution) -> Int? {
        relaxationStep(m: solution.m, delta: solution.delta)
    }

    /// The criterion in words (ASCII), e.g. "first step with Delta(t) <= 0.05".
    public var description: String {
        observable == .delta ? "first step with Delta(t) <= \(threshold)" : "first step with m(t) >= \(threshold)"
    }
}
