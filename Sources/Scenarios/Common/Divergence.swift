/// Where and why a trajectory (theory or simulation) left every bounded region.
public struct Divergence: Sendable, Hashable, Codable, CustomStringConvertible {
    /// Time t = steps/d at which the divergence was detected.
    public let time: Double
    /// A human-readable reason, e.g. "q exceeded 1e+06".
    public let reason: String

    public init(time: Double, reason: String) { self.time = time; self.reason = reason }

    public var description: String { "diverged at t = \(time) (\(reason))" }
}
