import Foundation

/// Which simulation points to draw as markers so that about `target` remain and theory lines stay visible.
enum MarkerThinning {
    /// Evenly spaced indices of 0..<count (even in log t on a logarithmic grid).
    static func indices(count: Int, target: Int = 30) -> [Int] {
        guard count > target else { return Array(0..<count) }
        let every = max(1, count / target)
        return Array(stride(from: 0, to: count, by: every))
    }

    /// About `target` indices of 1..<count spaced evenly in log(index): markers on a logarithmic step axis (index 0,
    /// t = 0, has no place on it).
    static func logIndices(count: Int, target: Int = 30) -> [Int] {
        guard count > 1 else { return [] }
        guard count - 1 > target else { return Array(1..<count) }
        let top = log(Double(count - 1))
        let picks = (0..<target).map { Int(exp(top * Double($0) / Double(target - 1)).rounded()) }
        return Array(Set(picks.map { min(max($0, 1), count - 1) })).sorted()
    }
}
