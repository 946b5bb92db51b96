import Reporting
import Scenarios

extension Optimiser {
    /// The optimiser's entries of `result.json` `settings`, the same for every online model: `lr` (the base rate η),
    /// `lr_schedule` (the schedule's SPEC, `constant` for a constant rate, a custom schedule's name), `batch` (the
    /// mini-batch size B), `momentum` (heavy-ball β, 0 for plain SGD) and `momentum_scaled` (γ of β = 1 − γ/d, or null).
    /// Every experiment splices these into its settings, so a new optimiser option is recorded here once.
    public var settings: [(String, JSONValue)] {
        [("lr", .number(learningRate)), ("lr_schedule", .string(schedule.description)), ("batch", .integer(batchSize)),
         ("momentum", .number(momentum)), ("momentum_scaled", scaledMomentum.map(JSONValue.number) ?? .null)] + scheduleBoundSettings
    }

    /// `lr_min`, `lr_max`: the rate bounds of a computed (greedy) schedule; none otherwise.
    var scheduleBoundSettings: [(String, JSONValue)] {
        guard case .table(let table) = schedule.kind, let bounds = table.rateBounds else { return [] }
        return [("lr_min", .number(bounds.lowerBound)), ("lr_max", .number(bounds.upperBound))]
    }
}
