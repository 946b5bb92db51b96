import Scenarios

/// Uniform output grids.
public enum TimeGrid {
    /// `points` equally spaced times from 0 to `tMax` inclusive.
    public static func uniform(tMax: Double, points: Int) throws -> [Double] {
        try ScenarioError.require("t-max", tMax, { $0 > 0 }, "positive")
        guard points >= 2 else { throw ScenarioError("points must be at least 2, got \(points)") }
        return (0..<points).map { tMax * Double($0) / Double(points - 1) }
    }
}
