import OnlineTheory
import Reporting
import Scenarios

extension CommitteeStabilityResult {
    /// `stability.json`: `lr_max`, `lr_opt`, `rate_opt`, `eigenvalues_at_lr_opt` ([re, im] pairs) and the settings
    /// (with `batch`, the mini-batch size B the Jacobian's η² term is divided by).
    public func json(scenario: CommitteeScenario) -> JSONValue {
        .object([
            ("model", "online-committee-stability"),
            ("settings", .object([
                ("K", .integer(scenario.studentUnits)), ("M", .integer(scenario.teacherUnits)),
                ("activation", .string(scenario.studentActivation.name)),
                ("second_layer", .string(scenario.trainsSecondLayer ? "trained" : "fixed")),
                ("lr2", scenario.secondLayerLearningRate.map(JSONValue.number) ?? .null),
                ("batch", .integer(scenario.optimiser.batchSize)),
                ("reg", .number(scenario.weightDecay)),
                ("small_lr_limit", .bool(scenario.dropsSecondOrderTerms)),
            ])),
            ("lr_max", .number(lrMax)), ("lr_opt", .number(lrOpt)), ("rate_opt", .number(rateOpt)),
            ("eigenvalues_at_lr_opt", .array(eigenvaluesAtOptimum.map { .numbers($0) })),
        ])
    }
}
