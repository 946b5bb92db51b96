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

    /// Throws unless ρ > 0, q0 ≥ 0 and m0² ≤ q0·ρ (Cauchy–Schwarz): the initial overlaps of a linear student.
    public static func requireRealisable(m0: Double, q0: Double, rho: Double) throws {
        try require("teacher norm rho", rho, { $0 > 0 }, "positive")
        try require("initial overlap m0", m0, { _ in true }, "finite")
        try require("initial self-overlap q0", q0, { $0 >= 0 }, "non-negative")
        guard m0 * m0 <= q0 * rho * (1 + 1e-12) else {
            throw ScenarioError(
                "initial overlaps are not realisable: need m0² ≤ q0·rho (Cauchy–Schwarz), got m0 = \(m0), q0 = \(q0), rho = \(rho)")
        }
    }
}
