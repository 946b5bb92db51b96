import Foundation
import Reporting

/// One point of a sweep directory as the table and the summaries read it: its values, how it ended, and its parsed
/// `result.json` when it is complete.
public struct SweepPointResult: Sendable {
    /// The point: its index and its value on every axis.
    public let point: SweepPoint
    /// "completed", "diverged", "failed" or "pending" (never run, interrupted, corrupt or partial).
    public let outcome: String
    /// The status file of a complete or failed point.
    public let status: SweepPointStatus?
    /// The parsed result of a complete (completed or diverged) point.
    public let result: JSONValue?

    /// A point, its outcome ("completed", "diverged", "failed" or "pending"), its status file (complete or failed
    /// points) and its parsed `result.json` (complete points).
    public init(point: SweepPoint, outcome: String, status: SweepPointStatus?, result: JSONValue?) {
        self.point = point; self.outcome = outcome; self.status = status; self.result = result
    }

    /// The number the point has on axis `name`, if it has one.
    public func value(_ name: String) -> Double? { point.values.first { $0.axis == name }?.value.number }
}

/// Every point of the sweep recorded in a sweep directory, in order.
public struct SweepResults: Sendable {
    /// The sweep recorded in the directory's `sweep.json`.
    public let specification: SweepSpecification
    /// One entry per point of the grid, by index.
    public let points: [SweepPointResult]

    /// The first complete point's result: the settings the points share, where a summary reads them.
    public var firstResult: JSONValue? { points.lazy.compactMap(\.result).first }

    /// Reads the sweep directory `url`: its `sweep.json` and every point's status and result.
    public init(_ url: URL) throws {
        let specification = try SweepTable.specification(url)
        let grid = try specification.grid()
        let directory = SweepDirectory(url, count: grid.count)
        self.specification = specification
        points = (0..<grid.count).map { index in
            let point = grid.point(index)
            let options = specification.command + point.options
            if let (status, result) = directory.completedPoint(index, options: options) {
                return SweepPointResult(point: point, outcome: status.outcome.rawValue, status: status, result: result)
            }
            let recorded = (try? Data(contentsOf: directory.statusFile(index))).flatMap { try? JSONDecoder().decode(SweepPointStatus.self, from: $0) }
            let failed = recorded?.options == options && recorded?.outcome == .failed
            return SweepPointResult(point: point, outcome: failed ? "failed" : "pending", status: failed ? recorded : nil, result: nil)
        }
    }
}
