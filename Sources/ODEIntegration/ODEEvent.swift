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

    /// Names the event in its `EventOccurrence`s.
    public let name: String
    /// Which zero crossings of `function` count.
    public let direction: Direction
    /// Whether the integration stops at the event's first crossing.
    public let isTerminal: Bool
    /// g(t, y), whose zero crossings are the event: evaluated at the start, after every accepted step and, to locate
    /// a crossing, on the dense output.
    public let function: @Sendable (_ time: Double, _ state: UnsafeBufferPointer<Double>) -> Double

    /// An event `name` at the crossings of `function` in `direction`; a terminal one stops the integration there.
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
    /// The event's `ODEEvent.name`.
    public let name: String
    /// Time of the crossing, located on the dense output to within a few ulps.
    public let time: Double
    /// The state at `time`, from the dense output.
    public let state: [Double]
    /// Whether the event was terminal, so that the integration stopped here.
    public let isTerminal: Bool

    /// The crossing of event `name` at `time`, in `state`; `isTerminal` when it stopped the integration.
    public init(name: String, time: Double, state: [Double], isTerminal: Bool) {
        self.name = name; self.time = time; self.state = state; self.isTerminal = isTerminal
    }
}
