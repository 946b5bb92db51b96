import Scenarios

/// The SGD steps at which a simulation records its order parameters: step_k = round(t_k · d), with
/// requested times that round to the same step recorded once.
public struct OutputGrid: Sendable, Hashable {
    /// The realised times step_k/d (the requested times rounded to whole steps): the grid a theory
    /// compared with this simulation must use.
    public let times: [Double]
    /// The step recorded for each time.
    public let steps: [Int]
    /// Input dimension d: one unit of time is d SGD steps.
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
