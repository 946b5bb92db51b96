import Scenarios

/// The SGD steps at which a simulation records its order parameters: step_k = round(t_k · d), with
/// requested times that round to the same step recorded once.
public struct OutputGrid: Sendable, Hashable {
    /// The realised times step_k/d (the requested times rounded to whole steps): the grid a theory
    /// compared with this simulation must use.
    public let times: [Double]
    /// The step recorded for each time.
    public let steps: [Int]
    public let dimension: Int

    /// Throws unless `dimension` > 0 and `times` are finite, non-negative and non-decreasing.
    public init(times: [Double], dimension: Int) throws {
        try ScenarioError.requirePositive("dimension d", dimension)
        guard !times.isEmpty else { throw ScenarioError("the output grid is empty") }
        for (i, t) in times.enumerated() {
            guard t.isFinite, t >= 0 else { throw ScenarioError("output time \(t) must be finite and non-negative") }
            if i > 0, t < times[i - 1] { throw ScenarioError("output times must be non-decreasing") }
        }
        guard times.last! * Double(dimension) < 1e15 else { throw ScenarioError("t-max × d is too large") }
        self.dimension = dimension
        var steps = [Int]()
        for t in times {
            let step = Int((t * Double(dimension)).rounded())
            if steps.last != step { steps.append(step) }
        }
        self.steps = steps
        self.times = steps.map { Double($0) / Double(dimension) }
    }

    /// The total number of SGD steps a seed runs.
    public var totalSteps: Int { steps.last ?? 0 }
}

/// Per-time-point statistics over independent seeds.
public struct EnsembleStatistics: Sendable, Hashable, Codable {
    /// Mean over seeds.
    public let mean: [Double]
    /// Standard error of the mean, s/√n with the unbiased sample standard deviation s (0 for one seed).
    public let standardError: [Double]

    /// Statistics already computed elsewhere.
    public init(mean: [Double], standardError: [Double]) {
        self.mean = mean
        self.standardError = standardError
    }

    /// Statistics of `samples[seed][k]`; every row must have the same length.
    public init(samples: [[Double]]) {
        let n = samples.count
        let length = samples.map(\.count).min() ?? 0
        var mean = [Double](repeating: 0, count: length)
        var stderr = [Double](repeating: 0, count: length)
        for k in 0..<length {
            let mu = samples.reduce(0) { $0 + $1[k] } / Double(n)
            mean[k] = mu
            if n > 1 {
                let variance = samples.reduce(0) { $0 + ($1[k] - mu) * ($1[k] - mu) } / Double(n - 1)
                stderr[k] = (variance / Double(n)).squareRoot()
            }
        }
        self.mean = mean
        self.standardError = stderr
    }
}
