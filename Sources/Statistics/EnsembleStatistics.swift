/// Mean and standard error over independent seeds of one observable, time point by time point.
///
/// For n seeds with values x_s(t): mean x̄(t) = Σ_s x_s(t)/n and standard error s(t)/√n, with the unbiased sample
/// standard deviation s(t)² = Σ_s (x_s(t) − x̄(t))²/(n − 1) (0 for one seed). Every simulation (online and DMFT)
/// reports its statistics in this one type, through `SeedEnsemble.statistics(of:)`.
public struct EnsembleStatistics: Sendable, Hashable, Codable {
    /// Mean over seeds, x̄(t).
    public let mean: [Double]
    /// Standard error of the mean, s(t)/√n (0 for one seed).
    public let standardError: [Double]

    /// Statistics already computed elsewhere; `mean` and `standardError` have the same length.
    public init(mean: [Double], standardError: [Double]) {
        precondition(mean.count == standardError.count, "mean and standard error differ in length")
        self.mean = mean
        self.standardError = standardError
    }

    /// Statistics of `values[seed][time]`; rows are truncated to the shortest.
    public init(seeds values: [[Double]]) {
        let n = values.count
        let length = values.map(\.count).min() ?? 0
        var mean = [Double](repeating: 0, count: length)
        var error = [Double](repeating: 0, count: length)
        for k in 0..<length {
            let mu = values.reduce(0) { $0 + $1[k] } / Double(n)
            mean[k] = mu
            if n > 1 {
                let variance = values.reduce(0) { $0 + ($1[k] - mu) * ($1[k] - mu) } / Double(n - 1)
                error[k] = (variance / Double(n)).squareRoot()
            }
        }
        self.mean = mean
        standardError = error
    }

    /// The number of time points.
    public var count: Int { mean.count }
}

/// A simulation's trajectories over independent seeds on one time grid: the one way to get statistics of an
/// observable, for the online simulators and the DMFT simulator alike.
///
///     let stats = result.statistics(of: \.m)        // m(t): mean and standard error over seeds
///
/// A conforming type stores each observable as `values[seed][time]`, exposed as a `[[Double]]` property.
public protocol SeedEnsemble {
    /// The number of seeds.
    var seedCount: Int { get }
}

extension SeedEnsemble {
    /// Mean and standard error over seeds of the per-seed trajectories `self[keyPath: observable][seed][time]`.
    public func statistics(of observable: KeyPath<Self, [[Double]]>) -> EnsembleStatistics {
        EnsembleStatistics(seeds: self[keyPath: observable])
    }
}
