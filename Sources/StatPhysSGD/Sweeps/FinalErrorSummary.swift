import Foundation
import Plotting
import Reporting
import Sweeps

/// The final generalisation error ε_g(t_max) over learning rates η and noise variances σ², assembled from a sweep of
/// an online command (`"summary": "final-error"`; `online committee-sweep` is the short-hand): how the asymptotic
/// error of (over-parameterised) students grows with η and σ² (Goldt et al. 2019). Each point is the command's own
/// run, so ε_g(t_max) is the last entry of its `theory.eg`.
public struct FinalErrorResult: Sendable {
    /// How a point ended.
    public enum Status: Sendable, Hashable {
        /// The run completed and gave ε_g(t_max) (`Point.finalError`).
        case solved
        /// The theory diverged at `time`.
        case diverged(time: Double?, reason: String)
        /// The point's run failed (its message).
        case failed(String)
        /// ε_g(t_max) is below the resolution of the error's cancellation (the point's `eg_resolution`).
        case belowResolution(Double?)
        /// The point has no result yet (not run, interrupted, a task that never ran).
        case missing
    }

    /// One (η, σ²) point of the sweep and how it ended.
    public struct Point: Sendable, Hashable {
        /// The learning rate η (the `lr` axis).
        public let lr: Double
        /// The noise variance σ².
        public let noise: Double
        /// ε_g(t_max); `nil` unless solved.
        public let finalError: Double?
        /// How the point ended.
        public let status: Status
    }

    /// The points' `model` (`online-committee`, …).
    public let model: String
    /// The settings every point shares (a complete point's, without `lr` and `noise`).
    public let settings: [(String, JSONValue)]
    /// The runs' t_max (a point's `settings.t_max`, or the command's `--t-max`); `nil` when neither says.
    public let tMax: Double?
    /// The `lr` axis: the columns of `points`.
    public let learningRates: [Double]
    /// The `noise` axis (or the command's `--noise`, default 0): the rows of `points`.
    public let noiseVariances: [Double]
    /// Per noise variance (rows) and learning rate (columns).
    public let points: [[Point]]
    /// The largest stable learning rate the theory knows for these runs, with what it is (for a committee: η_max of
    /// the ODE linearised at noise-free perfect learning, `CommitteeStability`); drawn as a vertical line and written
    /// as `lr_max`. `nil` when the theory has none (set by whoever knows the model, e.g. the CLI).
    public var criticalRate: (value: Double, description: String)?

    /// Assembles the sweep's points; the noise variances are the `noise` axis's, or the command's `--noise` (default 0).
    public init(_ results: SweepResults) throws {
        let specification = results.specification
        let rates = try specification.requiredNumbers(ofAxis: "lr", for: "a final-error summary")
        let noises = specification.values(of: "noise", fallback: 0)
        let reference = results.firstResult
        model = reference?["model"]?.stringValue ?? specification.command.prefix(2).joined(separator: "-")
        settings = (reference?["settings"]?.objectMembers ?? []).filter { !["lr", "noise"].contains($0.0) }
        tMax = reference?["settings"]?["t_max"]?.doubleValue
            ?? RateBoundary.option("t-max", in: specification.command).flatMap(Double.init)
        learningRates = rates
        noiseVariances = noises
        var grid = noises.map { noise in rates.map { Point(lr: $0, noise: noise, finalError: nil, status: .missing) } }
        for entry in results.points {
            guard let lr = entry.value("lr"), let column = rates.firstIndex(of: lr),
                  let row = noises.firstIndex(of: entry.value("noise") ?? noises[0]) else { continue }
            grid[row][column] = Self.point(entry, lr: lr, noise: noises[row])
        }
        points = grid
    }

    static func point(_ entry: SweepPointResult, lr: Double, noise: Double) -> Point {
        switch entry.outcome {
        case "completed":
            let eg = entry.result?["theory"]?["eg"]?.arrayValue?.last
            if let value = eg?.doubleValue { return Point(lr: lr, noise: noise, finalError: value, status: .solved) }
            let resolution = entry.result?["theory"]?["eg_resolution"]?.arrayValue?.last?.doubleValue
            return Point(lr: lr, noise: noise, finalError: nil, status: .belowResolution(resolution))
        case "diverged":
            let divergence = entry.result?["divergence"]?["theory"]
            return Point(lr: lr, noise: noise, finalError: nil,
                         status: .diverged(time: divergence?["t"]?.doubleValue ?? divergence?["time"]?.doubleValue, reason: divergence?["reason"]?.stringValue ?? "diverged"))
        case "failed":
            return Point(lr: lr, noise: noise, finalError: nil, status: .failed(entry.status?.message ?? "failed"))
        default:
            return Point(lr: lr, noise: noise, finalError: nil, status: .missing)
        }
    }

    /// ε_g(t_max) per noise variance (rows) and learning rate (columns); `nil` where not solved.
    public var finalError: [[Double?]] { points.map { $0.map(\.finalError) } }

    /// `final_error.json`: `model`, `settings`, `t_max`, `lr`, `noise`, `final_eg` (rows: noise, columns: lr; null
    /// unless solved), `status` (same shape: null for a solved point, {`diverged`: {`t`, `reason`}},
    /// {`failed`: why}, {`below_resolution`: the resolution} or {`missing`: …}) and `lr_max` ({`value`, `what`} or
    /// null: `criticalRate`).
    public var json: JSONValue {
        .object([
            ("model", .string(model + "-final-error")), ("settings", .object(settings)),
            ("t_max", tMax.map(JSONValue.number) ?? .null), ("lr", .numbers(learningRates)), ("noise", .numbers(noiseVariances)),
            ("final_eg", .array(finalError.map { row in .array(row.map { $0.map(JSONValue.number) ?? .null }) })),
            ("status", .array(points.map { row in .array(row.map { Self.json($0.status) }) })),
            ("lr_max", criticalRate.map { .object([("value", .number($0.value)), ("what", .string($0.description))]) } ?? .null),
        ])
    }

    static func json(_ status: Status) -> JSONValue {
        switch status {
        case .solved: .null
        case .diverged(let time, let reason):
            .object([("diverged", .object([("t", time.map(JSONValue.number) ?? .null), ("reason", .string(reason))]))])
        case .failed(let message): .object([("failed", .string(message))])
        case .belowResolution(let resolution): .object([("below_resolution", resolution.map(JSONValue.number) ?? .null)])
        case .missing: .object([("missing", "no result yet: run the sweep again")])
        }
    }

    /// One word per status for the stdout table.
    static func word(_ point: Point) -> String {
        switch point.status {
        case .solved: point.finalError.map { TextTable.format($0) } ?? "—"
        case .diverged: "diverged"
        case .failed: "failed"
        case .belowResolution: "< resolution"
        case .missing: "missing"
        }
    }

    func setting(_ name: String) -> JSONValue? { settings.first { $0.0 == name }?.1 }

    /// The model in a title: "K = 2, M = 2, erf", "classifier, logistic loss" or "linear regression", with a schedule,
    /// batch and momentum when they are not plain SGD's.
    var modelTitle: String {
        var text: String
        if let k = setting("K")?.doubleValue, let m = setting("M")?.doubleValue {
            text = "K = \(Int(k)), M = \(Int(m)), \(setting("activation")?.stringValue ?? "")"
        } else if let loss = setting("loss")?.stringValue {
            text = "classifier, \(loss) loss"
        } else {
            text = "linear regression"
        }
        if let schedule = setting("lr_schedule")?.stringValue, schedule != "constant" { text += ", η × \(schedule)" }
        if let batch = setting("batch")?.doubleValue, batch > 1 { text += ", B = \(TextTable.format(batch))" }
        if let momentum = setting("momentum")?.doubleValue, momentum > 0 { text += ", β = \(TextTable.format(momentum))" }
        if let bias = setting("bias")?.stringValue, bias != "none" { text += ", biases \(bias)" }
        if let reg = setting("reg")?.doubleValue, reg > 0 { text += ", λ = \(TextTable.format(reg))" }
        return text
    }

    /// The initial condition in a title: ", Q(0) = 0.5·I, R(0) = 0.2·I" for the diagonal start, ", random student
    /// (variance v)", or nothing for other models.
    var initialTitle: String {
        if let q0 = setting("q0")?.doubleValue, let r0 = setting("r0")?.doubleValue {
            return ", Q(0) = \(TextTable.format(q0))·I, R(0) = \(TextTable.format(r0))·I"
        }
        if let variance = setting("init_variance")?.doubleValue { return ", random student (variance \(TextTable.format(variance)))" }
        if setting("K") != nil, setting("init")?.stringValue != nil { return ", initial Q, R from --init" }
        return ""
    }

    /// ε_g(t_max) against η, one line per σ² (log scale); points without a solved value are counted in the title.
    public var figure: Figure {
        let series = noiseVariances.enumerated().flatMap { index, noise -> [Series] in
            let color = Color.cycle[index % Color.cycle.count]
            let y = finalError[index].map { $0 ?? .nan }
            return [.line("σ^2 = \(TextTable.format(noise))", x: learningRates, y: y, color: color),
                    .points(nil, x: learningRates, y: y, color: color, size: 2.5)]
        }
        var reference: [Series] = []
        let drawn = finalError.joined().compactMap { $0 }.filter { $0 > 0 && $0.isFinite }
        if let critical = criticalRate, critical.value.isFinite, critical.value > 0, let low = drawn.min(), let high = drawn.max() {
            let noisy = noiseVariances.contains { $0 != 0 } ? " at σ^2 = 0" : ""
            reference = [.line("\(critical.description)\(noisy) = \(TextTable.format(critical.value))", x: [critical.value, critical.value],
                               y: [low, high], color: Color(hex: "#555555"), dash: .dashed, width: 1)]
        }
        let unsolved = points.joined().filter { $0.finalError == nil }
        let counts = ["diverged", "failed", "< resolution", "missing"].compactMap { word -> String? in
            let n = unsolved.filter { Self.word($0) == word }.count
            return n > 0 ? "\(n) \(word == "< resolution" ? "below resolution" : word)" : nil
        }
        return Figure(panels: [Panel(xLabel: "learning rate η", yLabel: "ε_g(t = \(tMax.map { TextTable.format($0) } ?? "t_max"))",
                                     yScale: .log, series: series + reference)],
                      title: "Final error, \(modelTitle)\(initialTitle)" + (counts.isEmpty ? "" : " (not drawn: \(counts.joined(separator: ", ")))"),
                      panelWidth: 520, panelHeight: 380)
    }

    /// The stdout table: one row per learning rate, one column per noise variance, each cell ε_g(t_max) or the status.
    public var table: TextTable {
        var table = TextTable(header: ["lr"] + noiseVariances.map { "noise \(TextTable.format($0))" })
        for (j, lr) in learningRates.enumerated() {
            table.append([TextTable.format(lr)] + points.map { Self.word($0[j]) })
        }
        return table
    }

    /// What stderr should say: the points that failed (with why), and how many diverged or are missing.
    public var notes: [String] {
        let all = Array(points.joined())
        var notes: [String] = all.compactMap { point in
            if case .failed(let message) = point.status { return "lr = \(point.lr), noise = \(point.noise) failed: \(message)" }
            return nil
        }
        let diverged = all.filter { if case .diverged = $0.status { true } else { false } }.count
        if diverged > 0 { notes.append("\(diverged) of \(all.count) points diverged (null in final_eg; final_error.json's status says when and why)") }
        let missing = all.filter { $0.status == .missing }.count
        if missing > 0 { notes.append("\(missing) of \(all.count) points have no result yet (null in final_eg): run the sweep again to compute just those") }
        return notes
    }

    /// Writes `final_error.json` and `final_error.svg` (+ PNG, data, script) into `directory`.
    public func write(to directory: URL) throws -> [URL] {
        let file = directory.appendingPathComponent("final_error.json")
        try AtomicFile.write(json.serialized() + "\n", to: file)
        return [file] + (try figure.write(to: directory, name: "final_error"))
    }
}
