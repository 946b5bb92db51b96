import Foundation
import ODEIntegration
import OnlineTheory
import Plotting
import Reporting
import Scenarios

/// The final generalisation error ε_g(t_max) from the ODEs over a grid of learning rates η and noise
/// variances σ²: how the asymptotic error of (over-parameterised) students grows with η and σ
/// (Goldt et al. 2019). Every other setting is the base scenario's. A `ParameterSweep`: points are solved in
/// parallel, or as shards on a cluster.
public struct CommitteeFinalErrorSweep: Sendable {
    public var base: CommitteeScenario
    public var learningRates: [Double]
    public var noiseVariances: [Double]
    public var tMax: Double
    /// With a trained second layer: use each point's η as η_v too (otherwise η_v stays the base's).
    public var secondLayerRateFollows = false
    /// Whether a trained bias's rate follows each point's η (no --lr-bias) instead of staying at the base one.
    public var biasRateFollows = false
    /// Quadrature nodes per dimension for 3-D and 4-D integrals without a closed form (`CommitteeIntegrals`).
    public var quadratureOrder = CommitteeIntegrals.defaultQuadratureOrder
    /// The ODE integrator's tolerances (`nil`: `CommitteeTheory.defaultTolerance`).
    public var tolerance: IntegrationTolerance?
    /// The tolerances used: `tolerance` or the default.
    var effectiveTolerance: (relative: Double, absolute: Double) {
        tolerance.map { ($0.relative, $0.absolute) } ?? CommitteeTheory.defaultTolerance
    }

    public init(base: CommitteeScenario, learningRates: [Double], noiseVariances: [Double], tMax: Double) throws {
        guard base.specifiedInitialState != nil else {
            throw ScenarioError("a final-error sweep needs the initial overlaps: give --q0 and --r0, or --init FILE")
        }
        guard !learningRates.isEmpty, !noiseVariances.isEmpty else { throw ScenarioError("give at least one learning rate and one noise variance") }
        try ScenarioError.require("t-max", tMax, { $0 > 0 }, "positive")
        for lr in learningRates { try ScenarioError.require("learning rate", lr, { $0 > 0 }, "positive") }
        for noise in noiseVariances { try ScenarioError.require("noise variance", noise, { $0 >= 0 }, "non-negative") }
        self.base = base; self.learningRates = learningRates; self.noiseVariances = noiseVariances; self.tMax = tMax
    }

}

extension CommitteeFinalErrorSweep: ParameterSweep {
    /// Noise-major, learning rate varying fastest.
    public var pointCount: Int { noiseVariances.count * learningRates.count }

    public var fingerprint: JSONValue {
        let s = base
        func initial() -> JSONValue {
            switch s.initialStudent {
            case .random(let variance): .object([("random_variance", .number(variance))])
            case .overlaps(let q, let r): .object([("Q", .numbers(q)), ("R", .numbers(r))])
            }
        }
        func teacher() -> JSONValue {
            switch s.teacher {
            case .orthonormal: "orthonormal"
            case .random: "random"
            case .overlap(let t): .numbers(t)
            }
        }
        return .object([
            ("model", "online-committee-final-error"),
            ("K", .integer(s.studentUnits)), ("M", .integer(s.teacherUnits)),
            ("activation", .string(s.studentActivation.name)), ("teacher_activation", .string(s.teacherActivation.name)),
            ("lr2", s.secondLayerLearningRate.map(JSONValue.number) ?? .null), ("lr2_follows_lr", .bool(secondLayerRateFollows)),
            ("reg", .number(s.weightDecay)), ("teacher", teacher()), ("v_star", .numbers(s.teacherSecondLayer)),
            ("v0", .numbers(s.initialSecondLayer)), ("initial", initial()), ("small_lr", .bool(s.dropsSecondOrderTerms)),
            ("b0", .numbers(s.initialBiases)), ("teacher_bias", .numbers(s.teacherBiases)),
            ("lr_bias", s.biasLearningRate.map(JSONValue.number) ?? .null), ("lr_bias_follows_lr", .bool(biasRateFollows)),
            ("lr_schedule", .string(s.optimiser.schedule.description)), ("batch", .integer(s.optimiser.batchSize)),
            ("momentum", .number(s.optimiser.momentum)),
            ("quadrature_order", .integer(quadratureOrder)),
            ("rtol", .number(effectiveTolerance.relative)), ("atol", .number(effectiveTolerance.absolute)), ("t_max", .number(tMax)),
            ("lr", .numbers(learningRates)), ("noise", .numbers(noiseVariances)),
        ])
    }

    /// The (σ², η) of point `index`: noise-major, learning rate varying fastest.
    func parameters(_ index: Int) -> (noise: Double, lr: Double) {
        (noiseVariances[index / learningRates.count], learningRates[index % learningRates.count])
    }

    /// ε_g(t_max) of one (σ², η), or where and why the run diverged.
    public func solve(point index: Int) throws -> CommitteeFinalErrorPoint {
        var scenario = base
        (scenario.noiseVariance, scenario.learningRate) = parameters(index)
        if secondLayerRateFollows, scenario.trainsSecondLayer { scenario.secondLayerLearningRate = scenario.learningRate }
        if biasRateFollows, scenario.trainsBiases { scenario.biasLearningRate = scenario.learningRate }
        var theory = CommitteeTheory(scenario: scenario)
        theory.quadratureOrder = quadratureOrder
        if let tolerance { theory.integrator = DormandPrince54(tolerance: tolerance) }
        let solution = try theory.solve(times: [0, tMax])
        let final = solution.divergence == nil ? solution.generalisationError.last : nil
        return CommitteeFinalErrorPoint(lr: scenario.learningRate, noise: scenario.noiseVariance, finalError: final,
                                        divergence: solution.divergence, failure: nil)
    }

    public func failedOutcome(point index: Int, reason: String) -> CommitteeFinalErrorPoint {
        let (noise, lr) = parameters(index)
        return CommitteeFinalErrorPoint(lr: lr, noise: noise, finalError: nil, divergence: nil, failure: reason)
    }

    public func problem(with outcome: CommitteeFinalErrorPoint, point index: Int) -> String? {
        let (noise, lr) = parameters(index)
        guard outcome.lr == lr, outcome.noise == noise else {
            return "it has lr = \(outcome.lr), noise = \(outcome.noise); the grid has lr = \(lr), noise = \(noise) there"
        }
        let ended = outcome.divergence != nil || outcome.failure != nil
        if let value = outcome.finalError {
            guard !ended else { return "it has a final error and is marked diverged or failed" }
            guard value.isFinite, value >= 0 else { return "final error \(value) is not a finite non-negative number" }
        } else if !ended {
            return "final error is null but the point neither diverged nor failed"
        }
        if let time = outcome.divergence?.time, !(time.isFinite && time >= 0 && time <= tMax) {
            return "divergence time \(time) is outside [0, t_max = \(tMax)]"
        }
        return nil
    }

    public func assemble(_ outcomes: [CommitteeFinalErrorPoint]) throws -> CommitteeFinalErrorResult {
        let grid = noiseVariances.indices.map { i in Array(outcomes[(i * learningRates.count)..<((i + 1) * learningRates.count)]) }
        return CommitteeFinalErrorResult(sweep: self, points: grid)
    }
}

/// One point of a `CommitteeFinalErrorSweep`: its (η, σ²) and ε_g(t_max), or where and why it diverged, or why it
/// could not be solved.
public struct CommitteeFinalErrorPoint: Sendable, Hashable, Codable {
    public let lr: Double
    public let noise: Double
    /// ε_g(t_max); `nil` when the run diverged or failed.
    public let finalError: Double?
    public let divergence: Divergence?
    /// Why the point could not be solved (an error, not a divergence).
    public let failure: String?
}

/// The outcome of a `CommitteeFinalErrorSweep`.
public struct CommitteeFinalErrorResult: Sendable {
    public let sweep: CommitteeFinalErrorSweep
    /// The points per noise variance (rows) and learning rate (columns).
    public let points: [[CommitteeFinalErrorPoint]]

    /// ε_g(t_max) per noise variance (rows) and learning rate (columns); `nil` where diverged or failed.
    public var finalError: [[Double?]] { points.map { $0.map(\.finalError) } }

    /// `final_error.json`: `settings`, `lr`, `noise`, `t_max`, `final_eg` (rows: noise, columns: lr; null = diverged or
    /// failed) and `status` (same shape: null for a solved point, {`diverged`: {`time`, `reason`}} or {`failed`: reason}).
    public var json: JSONValue {
        let s = sweep.base
        return .object([
            ("model", "online-committee-final-error"),
            ("settings", .object([
                ("K", .integer(s.studentUnits)), ("M", .integer(s.teacherUnits)), ("activation", .string(s.studentActivation.name)),
                ("second_layer", .string(s.trainsSecondLayer ? "trained" : "fixed")), ("reg", .number(s.weightDecay)),
                ("bias", .string(s.biasMode)),
                ("b0", .numbers(s.initialBiases)), ("teacher_bias", .numbers(s.teacherBiases)),
                ("lr_bias", sweep.biasRateFollows && s.trainsBiases ? "follows lr" : s.biasLearningRate.map(JSONValue.number) ?? .null),
                ("lr_schedule", .string(s.optimiser.schedule.description)), ("batch", .integer(s.optimiser.batchSize)),
                ("momentum", .number(s.optimiser.momentum)),
            ])),
            ("t_max", .number(sweep.tMax)), ("lr", .numbers(sweep.learningRates)), ("noise", .numbers(sweep.noiseVariances)),
            ("final_eg", .array(finalError.map { row in .array(row.map { $0.map(JSONValue.number) ?? .null }) })),
            ("status", .array(points.map { row in .array(row.map(Self.status)) })),
        ])
    }

    static func status(_ point: CommitteeFinalErrorPoint) -> JSONValue {
        if let failure = point.failure { return .object([("failed", .string(failure))]) }
        if let d = point.divergence { return .object([("diverged", .object([("time", .number(d.time)), ("reason", .string(d.reason))]))]) }
        return .null
    }

    /// ε_g(t_max) against η, one line per σ² (log scale).
    public var figure: Figure {
        let series = sweep.noiseVariances.enumerated().flatMap { index, noise -> [Series] in
            let color = Color.cycle[index % Color.cycle.count]
            let y = finalError[index].map { $0 ?? .nan }
            return [.line("σ² = \(TextTable.format(noise))", x: sweep.learningRates, y: y, color: color),
                    .points(nil, x: sweep.learningRates, y: y, color: color, size: 2.5)]
        }
        let s = sweep.base
        return Figure(panels: [Panel(xLabel: "learning rate η", yLabel: "ε_g(t = \(TextTable.format(sweep.tMax)))", yScale: .log,
                                     series: series)],
                      title: "Final error, K = \(s.studentUnits), M = \(s.teacherUnits), \(s.studentActivation.name)"
                          + (s.optimiser.isConstant ? "" : ", η × \(s.optimiser.schedule)") + s.optimiser.titleExtras + (s.hasBiases ? ", biases \(s.biasMode)" : ""),
                      panelWidth: 520, panelHeight: 380)
    }

    public var table: TextTable {
        var table = TextTable(header: ["lr"] + sweep.noiseVariances.map { "noise \(TextTable.format($0))" })
        for (j, lr) in sweep.learningRates.enumerated() {
            table.append([TextTable.format(lr)] + points.map { row in
                row[j].finalError.map { TextTable.format($0) } ?? (row[j].failure != nil ? "failed" : "diverged")
            })
        }
        return table
    }

    public func write(to directory: URL) throws -> [URL] {
        try AtomicFile.prepareDirectory(directory)
        let file = directory.appendingPathComponent("final_error.json")
        try AtomicFile.write(json.serialized() + "\n", to: file)
        return [file] + (try figure.write(to: directory, name: "final_error"))
    }
}
