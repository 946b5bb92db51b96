/// A condition watched during integration: an event occurs where `function(t, y)` crosses zero.
///
/// Examples: `e_g − threshold` crossing zero downwards (learning reached a target), or a norm minus a
/// bound crossing upwards (divergence). A terminal event stops the integration at the crossing.
public struct ODEEvent: Sendable {
    /// Which sign changes count.
    public enum Direction: Sendable, Hashable {
        /// From negative to non-negative.
        case rising
        /// From positive to non-positive.
        case falling
        /// Either way.
        case either
    }

    public let name: String
    public let direction: Direction
    public let isTerminal: Bool
    public let function: @Sendable (_ time: Double, _ state: UnsafeBufferPointer<Double>) -> Double

    public init(
        name: String, direction: Direction = .either, isTerminal: Bool = false,
        _ function: @escaping @Sendable (_ time: Double, _ state: UnsafeBufferPointer<Double>) -> Double
    ) {
        self.name = name
        self.direction = direction
        self.isTerminal = isTerminal
        self.function = function
    }

    /// Whether going from `before` to `after` is a crossing in this event's direction.
    func isCrossing(from before: Double, to after: Double) -> Bool {
        switch direction {
        case .rising: return before < 0 && after >= 0
        case .falling: return before > 0 && after <= 0
        case .either: return (before < 0 && after >= 0) || (before > 0 && after <= 0)
        }
    }
}

/// Where and in which state an event occurred.
public struct EventOccurrence: Sendable, Hashable {
    public let name: String
    public let time: Double
    public let state: [Double]
    public let isTerminal: Bool
}
