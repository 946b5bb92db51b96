import Foundation

/// Which simulation points to draw as markers so that about `target` remain and theory lines stay visible.
enum MarkerThinning {
    /// Evenly spaced indices of 0..<count (even in log t on a logarithmic grid).
    static func indices(count: Int, target: Int = 30) -> [Int] {
        guard count > target else { return Array(0..<count) }
        let every = max(1, count / target)
        return Array(stride(from: 0, to: count, by: every))
    }
}
