/// Why a scenario, or a run of one, was rejected.
///
/// `isOutOfRange` separates one parameter outside its domain (a negative variance, K = 0, a non-finite rate: the
/// command line exits 64 for these, as for a malformed option) from a rejected combination of valid values, an
/// input file that does not fit, or a failed run (exit 1).
public struct ScenarioError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The message, naming what was rejected and why.
    public let description: String
    /// Whether this names one parameter whose value is outside its domain.
    public let isOutOfRange: Bool

    /// An error with the message `description`; `outOfRange` sets `isOutOfRange` (one parameter outside its domain).
    public init(_ description: String, outOfRange: Bool = false) {
        self.description = description
        self.isOutOfRange = outOfRange
    }

    /// One parameter outside its domain.
    public static func outOfRange(_ description: String) -> ScenarioError { ScenarioError(description, outOfRange: true) }
}

extension ScenarioError {
    /// Throws (out of range) unless `value` is finite and `condition` holds, naming the parameter in the message:
    /// a non-finite value is reported as such, not as a violation of `expectation`.
    @inlinable
    public static func require(_ name: String, _ value: Double, _ condition: (Double) -> Bool, _ expectation: String) throws {
        guard value.isFinite else { throw ScenarioError.outOfRange("\(name) must be a finite number, got \(value)") }
        guard condition(value) else { throw ScenarioError.outOfRange("\(name) must be \(expectation), got \(value)") }
    }

    /// Throws (out of range) unless `value` is positive.
    @inlinable
    public static func requirePositive(_ name: String, _ value: Int) throws {
        guard value > 0 else { throw ScenarioError.outOfRange("\(name) must be a positive integer, got \(value)") }
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
