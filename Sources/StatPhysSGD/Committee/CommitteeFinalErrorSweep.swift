import Dispatch
import Foundation
import OnlineTheory
import Plotting
import Reporting
import Scenarios
import Synchronization

/// The final generalisation error ε_g(t_max) from the ODEs over a grid of learning rates η and noise
/// variances σ²: how the asymptotic error of (over-parameterised) students grows with η and σ
/// (Goldt et al. 2019). Every other setting is the base scenario's; points are solved in parallel.
public struct CommitteeFinalErrorSweep: Sendable {
    public var base: CommitteeScenario
    public var learningRates: [Double]
    public var noiseVariances: [Double]
    public var tMax: Double
    /// With a trained second layer: use each point's η as η_v too (otherwise η_v stays the base's).
    public var secondLayerRateFollows = false
    /// Gauss–Hermite nodes per dimension for integrals without a closed form.
    public var quadratureOrder = 14

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

    /// ε_g(t_max)[noise index][lr index], `nil` where the run diverged.
    public func run(progress: (@Sendable (Double) -> Void)? = nil) throws -> CommitteeFinalErrorResult {
        let jobs = noiseVariances.flatMap { noise in learningRates.map { (noise, $0) } }
        let values = Mutex<[Result<Double?, Error>?]>(Array(repeating: nil, count: jobs.count))
        let done = Mutex(0)
        let base = self.base, tMax = self.tMax, sweepFollows = secondLayerRateFollows, order = quadratureOrder
        DispatchQueue.concurrentPerform(iterations: jobs.count) { index in
            var scenario = base
            (scenario.noiseVariance, scenario.learningRate) = jobs[index]
            if sweepFollows, scenario.trainsSecondLayer { scenario.secondLayerLearningRate = scenario.learningRate }
            let outcome = Result { () throws -> Double? in
                var theory = CommitteeTheory(scenario: scenario)
                theory.quadratureOrder = order
                let solution = try theory.solve(times: [0, tMax])
                return solution.divergence == nil ? solution.generalisationError.last : nil
            }
            values.withLock { $0[index] = outcome }
            let count = done.withLock { $0 += 1; return $0 }
            progress?(Double(count) / Double(jobs.count))
        }
        let flat = try values.withLock { $0 }.map { try $0!.get() }
        let grid = noiseVariances.indices.map { i in Array(flat[(i * learningRates.count)..<((i + 1) * learningRates.count)]) }
        return CommitteeFinalErrorResult(sweep: self, finalError: grid)
    }
}

/// The outcome of a `CommitteeFinalErrorSweep`.
public struct CommitteeFinalErrorResult: Sendable {
    public let sweep: CommitteeFinalErrorSweep
    /// ε_g(t_max) per noise variance (rows) and learning rate (columns); `nil` where diverged.
    public let finalError: [[Double?]]

    /// `final_error.json`: `settings`, `lr`, `noise`, `t_max`, `final_eg` (rows: noise, columns: lr; null = diverged).
    public var json: JSONValue {
        let s = sweep.base
        return .object([
            ("model", "online-committee-final-error"),
            ("settings", .object([
                ("K", .integer(s.studentUnits)), ("M", .integer(s.teacherUnits)), ("activation", .string(s.studentActivation.name)),
                ("second_layer", .string(s.trainsSecondLayer ? "trained" : "fixed")), ("reg", .number(s.weightDecay)),
            ])),
            ("t_max", .number(sweep.tMax)), ("lr", .numbers(sweep.learningRates)), ("noise", .numbers(sweep.noiseVariances)),
            ("final_eg", .array(finalError.map { row in .array(row.map { $0.map(JSONValue.number) ?? .null }) })),
        ])
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
                                     legend: .lowerRight, series: series)],
                      title: "Final error, K = \(s.studentUnits), M = \(s.teacherUnits), \(s.studentActivation.name)",
                      panelWidth: 520, panelHeight: 380)
    }

    public var table: TextTable {
        var table = TextTable(header: ["lr"] + sweep.noiseVariances.map { "noise \(TextTable.format($0))" })
        for (j, lr) in sweep.learningRates.enumerated() {
            table.append([TextTable.format(lr)] + finalError.map { $0[j].map { TextTable.format($0) } ?? "diverged" })
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
