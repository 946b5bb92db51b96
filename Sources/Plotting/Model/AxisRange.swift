/// Fixed limits lower < upper of a panel's axis, both finite, with a width the figure can resolve.
///
/// Made by a throwing initialiser, so that a reversed, empty or non-finite range is an error where it is written, not a
/// silently ignored setting; a range must also be positive on a logarithmic axis (`Panel.validate()`). Encoded as
/// `[lower, upper]`, as matplotlib's `set_xlim` takes it.
public struct AxisRange: Sendable, Hashable, Codable {
    /// The smaller limit.
    public let lower: Double
    /// The larger limit.
    public let upper: Double

    /// The range `lower…upper`; throws `PlotError` when a limit is not finite or `lower` is not below `upper` by a
    /// resolvable width (more than 10⁻¹² of the larger magnitude).
    public init(_ lower: Double, _ upper: Double) throws(PlotError) {
        guard lower.isFinite, upper.isFinite else {
            throw PlotError("an axis range must have finite limits, got \(lower)…\(upper)")
        }
        guard lower < upper else {
            throw PlotError("an axis range must have lower < upper, got \(lower)…\(upper)" + (lower > upper ? " (reversed)" : ""))
        }
        guard upper * 0.5 - lower * 0.5 > max(abs(lower), abs(upper)) * 0.5e-12 else {
            throw PlotError("the axis range \(lower)…\(upper) is too narrow to draw")
        }
        self.lower = lower
        self.upper = upper
    }

    /// The range of a `ClosedRange` (throws as `init(_:_:)`).
    public init(_ range: ClosedRange<Double>) throws(PlotError) {
        try self.init(range.lowerBound, range.upperBound)
    }

    /// Whether the range can be drawn on an axis of `scale` (on a logarithmic one: lower > 0).
    public func fits(_ scale: AxisScale) -> Bool { scale == .linear || lower > 0 }

    /// Decodes `[lower, upper]`, validated as `init(_:_:)`.
    public init(from decoder: Decoder) throws {
        var container = try decoder.unkeyedContainer()
        let lower = try container.decode(Double.self), upper = try container.decode(Double.self)
        do { try self.init(lower, upper) } catch {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.description)
        }
    }

    /// Encodes `[lower, upper]`.
    public func encode(to encoder: Encoder) throws {
        var container = encoder.unkeyedContainer()
        try container.encode(lower)
        try container.encode(upper)
    }
}

/// A figure that cannot be drawn as specified: a bad axis range, or one that does not fit its axis's scale.
public struct PlotError: Error, CustomStringConvertible, Sendable, Equatable {
    /// What is wrong, for the user.
    public let description: String

    /// An error saying `description`.
    public init(_ description: String) { self.description = description }
}
