import Foundation
import Scenarios

/// Output grids.
public enum TimeGrid {
    /// `points` equally spaced times from 0 to `tMax` inclusive.
    public static func uniform(tMax: Double, points: Int) throws -> [Double] {
        try ScenarioError.require("t-max", tMax, { $0 > 0 }, "positive")
        guard points >= 2 else { throw ScenarioError("points must be at least 2, got \(points)") }
        return (0..<points).map { tMax * Double($0) / Double(points - 1) }
    }

    /// t = 0 followed by `points − 1` logarithmically spaced times from tMax·10⁻³ to tMax.
    public static func logarithmic(tMax: Double, points: Int, decades: Double = 3) throws -> [Double] {
        try ScenarioError.require("t-max", tMax, { $0 > 0 }, "positive")
        guard points >= 3 else { throw ScenarioError("points must be at least 3 for a logarithmic grid, got \(points)") }
        let n = points - 1
        let spacing = decades / Double(n - 1)
        let times: [Double] = (0..<n).map { k in tMax * pow(10.0, -spacing * Double(n - 1 - k)) }
        return [0] + times
    }
}

