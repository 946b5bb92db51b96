import OnlineSimulation
import Reporting

/// How far a simulated observable lies from its theory on a shared grid: a function of the two results only.
public struct ObservableComparison: Sendable, Hashable {
    public let name: String
    /// max_k |mean_k − theory_k| / stderr_k over points with a positive standard error.
    public let maxAbsZScore: Double
    /// max_k |mean_k − theory_k|.
    public let maxAbsDeviation: Double
    /// √(mean_k (mean_k − theory_k)²).
    public let rmsDeviation: Double

    /// Compares `simulation` with `theory` point by point (arrays truncated to the shorter).
    public init(name: String, theory: [Double], simulation: EnsembleStatistics) {
        self.name = name
        let n = min(theory.count, simulation.mean.count)
        var z = 0.0, dev = 0.0, sq = 0.0
        for k in 0..<n {
            let delta = simulation.mean[k] - theory[k]
            dev = max(dev, abs(delta))
            sq += delta * delta
            if simulation.standardError[k] > 0 { z = max(z, abs(delta) / simulation.standardError[k]) }
        }
        maxAbsZScore = z
        maxAbsDeviation = dev
        rmsDeviation = n > 0 ? (sq / Double(n)).squareRoot() : .nan
    }

    public var json: JSONValue {
        .object([("max_abs_z", .number(maxAbsZScore)), ("max_abs_deviation", .number(maxAbsDeviation)),
                 ("rms_deviation", .number(rmsDeviation))])
    }
}

extension Array where Element == Double {
    /// The values followed by NaN up to `count` (a simulation that stopped early, in a table with the full grid).
    func padded(to count: Int) -> [Double] { self + [Double](repeating: .nan, count: Swift.max(0, count - self.count)) }
}

/// The grid of a table that holds a theory and a simulation: both are prefixes of the same output grid (each
/// stops where it diverged), so the longer one holds every time either reached.
func tableGrid(theory: [Double], simulation: [Double]?) -> [Double] {
    guard let simulation, simulation.count > theory.count else { return theory }
    return simulation
}

/// Indices of simulation markers: at most `count` of them, thinned, and never beyond the shortest of the arrays a
/// marker reads (its time, mean and error), so that a simulation that outlasts its theory (or the reverse) is
/// drawn as far as it got.
func markerIndices(times: [Double], mean: [some Any], error: [some Any], target: Int = 30) -> [Int] {
    MarkerThinning.indices(count: Swift.min(times.count, mean.count, error.count), target: target)
}
