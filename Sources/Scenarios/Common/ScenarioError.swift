/// Why a scenario, or a run of one, was rejected.
public struct ScenarioError: Error, CustomStringConvertible, Equatable, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

extension ScenarioError {
    /// Throws unless `value` is finite and `condition` holds, naming the parameter in the message.
    @inlinable
    public static func require(_ name: String, _ value: Double, _ condition: (Double) -> Bool, _ expectation: String) throws {
        guard value.isFinite, condition(value) else {
            throw ScenarioError("\(name) must be \(expectation), got \(value)")
        }
    }

    /// Throws unless `value` is positive.
    @inlinable
    public static func requirePositive(_ name: String, _ value: Int) throws {
        guard value > 0 else { throw ScenarioError("\(name) must be a positive integer, got \(value)") }
    }
}
