import Foundation

/// Where and why a trajectory (theory or simulation) left every bounded region.
public struct Divergence: Sendable, Hashable, Codable, CustomStringConvertible {
    /// Time t = steps/d at which the divergence was detected.
    public let time: Double
    /// A human-readable reason, e.g. "q exceeded 1e+06".
    public let reason: String

    /// A divergence detected at time t = `time`, for `reason`.
    public init(time: Double, reason: String) { self.time = time; self.reason = reason }

    /// "diverged at t = … (reason)", for messages.
    public var description: String { "diverged at t = \(time) (\(reason))" }
}

/// When a trajectory counts as diverged: once a norm-like observable (e_g, q, a student norm Q_ii, C(t,t)) is
/// non-finite or has grown past `factor` × the problem's own scale, the largest of the scales that set its size
/// (teacher norm ρ, noise variance σ², the initial state, the steady state where one is known). Nothing of a stable
/// problem comes within orders of magnitude of that bound, whatever its units (σ² = 10⁷ has e_g* ≈ 10⁶ and a bound
/// of 10¹³), while an unstable one, growing like e^{rt}, passes it ln(factor)/r after it starts to grow.
public struct DivergenceBound: Sendable, Hashable {
    /// 10⁶: far beyond any fluctuation of a stable run, reached soon after an instability sets in.
    public static let defaultFactor = 1e6

    /// The problem's scale: the largest finite magnitude among the scales given (1 if none is positive).
    public let scale: Double
    /// How many times the `scale` an observable may grow before it counts as diverged (`defaultFactor` by default).
    public let factor: Double
    /// What the scale is made of, for messages ("ρ, σ², e_g(0), e_g*").
    public let scaleDescription: String

    /// `scales` are (name, value) pairs; non-finite values are ignored (a non-finite start is caught on its own).
    public init(scales: [(String, Double)], factor: Double = DivergenceBound.defaultFactor) {
        let magnitudes = scales.map { abs($0.1) }.filter(\.isFinite)
        let largest = magnitudes.max() ?? 0
        self.scale = largest > 0 ? largest : 1
        self.factor = factor
        self.scaleDescription = scales.map(\.0).joined(separator: ", ")
    }

    /// factor × scale (may be +∞ for scales near the largest double; then only non-finite values diverge).
    public var limit: Double { factor * scale }

    /// Whether `value` is non-finite or beyond the limit.
    public func isExceeded(by value: Double) -> Bool { !value.isFinite || value > limit }

    /// "e_g grew to 3.2e+13 (≥ 1e+06 × the problem's scale 1e+07, the largest of ρ, σ², e_g(0), e_g*)", or
    /// "e_g became non-finite (nan)".
    public func reason(_ observable: String, value: Double) -> String {
        if !value.isFinite { return "\(observable) became non-finite (\(value))" }
        return "\(observable) grew to \(Self.format(value)) (≥ \(Self.format(factor)) × the problem's scale \(Self.format(scale)), "
            + "the largest of \(scaleDescription))"
    }

    /// Three significant digits: 1e+06, 1.7e+06, 0.5.
    public static func format(_ x: Double) -> String { x.isFinite ? String(format: "%.3g", x) : "\(x)" }
}
