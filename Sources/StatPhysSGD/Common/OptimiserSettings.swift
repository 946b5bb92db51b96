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

    /// The optimiser's part of `result.json` `conventions`, the same for every online model: how lr, the schedule,
    /// the batch and momentum enter the update each model's own conventions write with "lr" and "mean over a batch".
    public var conventions: String {
        "lr at step n is lr*f(n/d) with f the lr_schedule (f = 1 for constant; theory.lr lists lr*f(t)); "
            + "momentum beta (heavy ball): u <- beta*u + g, w <- w - lr*u with g the batch-mean gradient the update above "
            + "applies (weight decay included), whose d -> infinity theory is SGD at lr/(1 - beta); momentum_scaled gamma: "
            + "beta = 1 - gamma/d and w <- w - (lr*gamma/d)*u, the velocity overlaps being order parameters"
    }

    /// The optimiser in a figure title, the same for every model: "τ = 0.5", "τ = 0.5 × inverse:10", then the batch
    /// and momentum (`titleExtras`), with the model's symbol for the rate.
    func title(rateSymbol: String) -> String {
        "\(rateSymbol) = \(learningRate)" + (isConstant ? "" : " × \(schedule)") + titleExtras
    }

    /// ", B = 4", ", β = 0.9" or ", γ = 2 (β = 1 − γ/d)" for a title; empty for plain single-sample SGD.
    var titleExtras: String {
        (batchSize > 1 ? ", B = \(batchSize)" : "") + (momentum > 0 ? ", β = \(momentum)" : "")
            + (scaledMomentum.map { ", γ = \($0) (β = 1 − γ/d)" } ?? "")
    }

    /// `lr_min`, `lr_max`: the rate bounds of a computed (greedy or optimal) schedule; none otherwise. An optimal one
    /// adds `lr_schedule_sweeps` and `lr_schedule_residual`, the minimum principle's residual max|f̂ − f|/f_max.
    var scheduleBoundSettings: [(String, JSONValue)] {
        guard case .table(let table) = schedule.kind, let bounds = table.rateBounds else { return [] }
        let optimality: [(String, JSONValue)] = table.optimality.map {
            [("lr_schedule_sweeps", .integer($0.sweeps)), ("lr_schedule_residual", .number($0.residual))]
        } ?? []
        return [("lr_min", .number(bounds.lowerBound)), ("lr_max", .number(bounds.upperBound))] + optimality
    }
}
