import DMFT
import Foundation
import Plotting
import Reporting
import Sweeps

/// Relaxation times τ(α) from the DMFT over a grid of α for several batch fractions b, and the fitted recovery
/// threshold τ ≃ τ0 (α − α*(b))^(−ν) for each b, assembled from a sweep of `dmft` (`"summary": "threshold"`;
/// `dmft threshold` is the short-hand).
///
/// τ is each point's `relaxation.theory_step`: the first step meeting the criterion within the horizon T. Points that
/// never relax are kept (as null) but not fitted, so α* depends on the horizon T, on m0 (the escape from m ≈ 0 takes
/// ~log(1/m0) steps) and on η.
public struct ThresholdSweepResult: Sendable {
    /// One (b, α) point of the sweep: its relaxation time, or why it has none.
    public struct Point: Sendable, Hashable, Codable {
        /// The batch fraction b.
        public let batch: Double
        /// The sample complexity α.
        public let alpha: Double
        /// `nil`: not relaxed within the horizon (or diverged, failed or missing).
        public let relaxationSteps: Int?
        /// Whether the point's run diverged (`reason` says what grew).
        public let diverged: Bool
        /// Why the point diverged (what grew), "failed: …" when it could not be solved, "missing: …" without a
        /// result yet; `nil` otherwise.
        public let reason: String?

        /// Solved, and did not relax within the horizon.
        public var unrelaxed: Bool { relaxationSteps == nil && reason == nil }
    }

    /// One batch fraction's points over α and the threshold law fitted to them.
    public struct Curve: Sendable {
        /// The batch fraction b.
        public let batch: Double
        /// One point per α of the sweep, in the `alpha` axis's order.
        public let points: [Point]
        /// `nil` when fewer than `ThresholdFit.minimumPoints` α relaxed (`fitNote` says so).
        public let fit: ThresholdFit?
        /// Why there is no fit.
        public let fitNote: String?
    }

    /// The settings every point shares (a point's `lr`, `m0`, `c0`, `steps`, `spherical`) and the criterion.
    public let settings: [(String, JSONValue)]
    /// One curve per batch fraction, in the `batch` axis's order.
    public let curves: [Curve]

    /// Assembles the sweep's points: the batch fractions are the `batch` axis's, or the command's `--batch` (default 1).
    public init(_ results: SweepResults) throws {
        let specification = results.specification
        let alphas = try specification.requiredNumbers(ofAxis: "alpha", for: "a threshold summary")
        let batches = specification.values(of: "batch", fallback: 1)
        let reference = results.firstResult
        let pointSettings = reference?["settings"]
        settings = ["lr", "m0", "c0", "steps", "spherical"].compactMap { name in pointSettings?[name].map { (name, $0) } }
            + [("criterion", reference?["relaxation"]?["criterion"] ?? .null)]
        var grid = batches.map { b in alphas.map { Point(batch: b, alpha: $0, relaxationSteps: nil, diverged: false, reason: "missing: no result yet") } }
        for entry in results.points {
            guard let alpha = entry.value("alpha"), let column = alphas.firstIndex(of: alpha),
                  let row = batches.firstIndex(of: entry.value("batch") ?? batches[0]) else { continue }
            let b = batches[row]
            switch entry.outcome {
            case "completed":
                let step = entry.result?["relaxation"]?["theory_step"]?.doubleValue.map { Int($0) }
                grid[row][column] = Point(batch: b, alpha: alpha, relaxationSteps: step, diverged: false, reason: nil)
            case "diverged":
                let reason = entry.result?["divergence"]?["theory"]?["reason"]?.stringValue ?? "diverged"
                grid[row][column] = Point(batch: b, alpha: alpha, relaxationSteps: nil, diverged: true, reason: reason)
            case "failed":
                grid[row][column] = Point(batch: b, alpha: alpha, relaxationSteps: nil, diverged: false,
                                          reason: "failed: " + (entry.status?.message ?? "no message"))
            default:
                break
            }
        }
        curves = zip(batches, grid).map { b, curve in
            let usable = curve.filter { $0.relaxationSteps != nil }
            do {
                let fit = try ThresholdFit(alphas: usable.map(\.alpha), times: usable.map { Double($0.relaxationSteps!) })
                return Curve(batch: b, points: curve, fit: fit, fitNote: nil)
            } catch {
                return Curve(batch: b, points: curve, fit: nil, fitNote: "\(usable.count) relaxed point\(usable.count == 1 ? "" : "s"): \(error)")
            }
        }
    }

    func setting(_ name: String) -> Double? { settings.first { $0.0 == name }?.1.doubleValue }
    var horizon: Double? { setting("steps") }

    /// `threshold.json`: a list with one entry per batch fraction, {`batch`, `alpha_star`, `alpha_star_error`, `nu`,
    /// `nu_error`, `tau0`, `fit_note`, `points`: [{`alpha`, `relaxation_steps`, `diverged`, `reason`}], `settings`}
    /// (null where not relaxed or not fitted; `settings` repeats the sweep's settings in every entry, so that each is
    /// self-contained).
    public var json: JSONValue {
        func number(_ x: Double?) -> JSONValue { x.map(JSONValue.number) ?? .null }
        let settings = JSONValue.object([("model", "dmft-signal-recovery-threshold")] + self.settings + [
            ("fit", "relaxation_steps = tau0 * (alpha - alpha_star)^(-nu), least squares in log, errors from the Gauss-Newton covariance; at least 4 relaxed alphas"),
        ])
        return .array(curves.map { curve in
            .object([
                ("batch", .number(curve.batch)),
                ("alpha_star", number(curve.fit?.alphaStar)), ("alpha_star_error", number(curve.fit?.alphaStarError)),
                ("nu", number(curve.fit?.nu)), ("nu_error", number(curve.fit?.nuError)), ("tau0", number(curve.fit?.tau0)),
                ("fit_note", curve.fitNote.map(JSONValue.string) ?? .null),
                ("points", .array(curve.points.map { point in
                    .object([("alpha", .number(point.alpha)),
                             ("relaxation_steps", point.relaxationSteps.map { .integer($0) } ?? .null),
                             ("diverged", .bool(point.diverged)),
                             ("reason", point.reason.map(JSONValue.string) ?? .null)])
                })),
                ("settings", settings),
            ])
        })
    }

    /// The stdout table: one row per batch fraction.
    public var table: TextTable {
        var table = TextTable(header: ["batch b", "alpha*", "(±)", "nu", "(±)", "relaxed points"])
        for curve in curves {
            let relaxed = curve.points.filter { $0.relaxationSteps != nil }.count
            if let fit = curve.fit {
                table.append([TextTable.format(curve.batch), TextTable.format(fit.alphaStar, digits: 4), TextTable.format(fit.alphaStarError, digits: 2),
                              TextTable.format(fit.nu, digits: 3), TextTable.format(fit.nuError, digits: 2), "\(relaxed)/\(curve.points.count)"])
            } else {
                table.append([TextTable.format(curve.batch), "—", "", "—", "", "\(relaxed)/\(curve.points.count)"])
            }
        }
        return table
    }

    /// What stderr should say: failed points, divergences, missing points and the curves without a fit.
    public var notes: [String] {
        let points = curves.flatMap(\.points)
        var notes = points.filter { $0.reason?.hasPrefix("failed: ") == true }.map { "b = \($0.batch), alpha = \($0.alpha) \($0.reason!)" }
        let diverged = points.filter(\.diverged).count
        if diverged > 0 { notes.append("\(diverged) of \(points.count) points diverged (threshold.json gives each one's reason)") }
        let missing = points.filter { $0.reason?.hasPrefix("missing: ") == true }.count
        if missing > 0 { notes.append("\(missing) of \(points.count) points have no result yet: run the sweep again to compute just those") }
        for curve in curves { if let note = curve.fitNote { notes.append("b = \(TextTable.format(curve.batch)): no fit (\(note))") } }
        return notes
    }

    /// The title's settings: η, m₀, T and the criterion.
    var settingsTitle: String {
        let lr = setting("lr").map { TextTable.format($0) } ?? "?", m0 = setting("m0").map { TextTable.format($0) } ?? "?"
        let steps = horizon.map { TextTable.format($0) } ?? "?"
        // The criterion as the JSON writes it (ASCII: "first step with Delta(t) <= 0.05"), typeset for the title.
        let criterion = settings.first { $0.0 == "criterion" }?.1.stringValue.map {
            ", " + $0.replacingOccurrences(of: "Delta(t)", with: "Δ(t)").replacingOccurrences(of: "<=", with: "≤")
                .replacingOccurrences(of: ">=", with: "≥")
        } ?? ""
        let spherical = settings.first { $0.0 == "spherical" }?.1 == .bool(true) ? ", spherical" : ""
        return "η = \(lr), m_0 = \(m0), T = \(steps)\(criterion)\(spherical)"
    }

    /// τ(α) per batch fraction (markers) with the fitted laws (lines, over the fitted points' range only), the horizon
    /// T (dashed) and the α where some b did not relax by then (filled grey, on the horizon); log scale.
    public var relaxationFigure: Figure {
        var series: [Series] = []
        for (index, curve) in curves.enumerated() {
            let color = Color.cycle[index % Color.cycle.count]
            let relaxed = curve.points.filter { $0.relaxationSteps != nil }
            series.append(.points("b = \(TextTable.format(curve.batch))", x: relaxed.map(\.alpha),
                                  y: relaxed.map { Double($0.relaxationSteps!) }, color: color, size: 3))
            if let fit = curve.fit, let lo = relaxed.map(\.alpha).min(), let hi = relaxed.map(\.alpha).max() {
                let xs = (0...100).map { lo + (hi - lo) * Double($0) / 100 }
                series.append(.line(String(format: "fit: α* = %.3f, ν = %.2f", fit.alphaStar, fit.nu), x: xs, y: xs.map(fit.time), color: color, width: 1.2))
            }
        }
        // The points of every b that did not relax, on the horizon (threshold.json says which b).
        let unrelaxed = Array(Set(curves.flatMap(\.points).filter(\.unrelaxed).map(\.alpha))).sorted()
        if let horizon, !unrelaxed.isEmpty {
            var marker = Series.points("not relaxed by T", x: unrelaxed, y: unrelaxed.map { _ in horizon }, color: Color(hex: "#555555"), size: 3)
            marker.filledMarkers = true
            series.append(marker)
        }
        if let horizon {
            let alphas = curves.flatMap(\.points).map(\.alpha)
            if let lo = alphas.min(), let hi = alphas.max() {
                var line = Series.line("horizon T = \(TextTable.format(horizon))", x: [lo, hi], y: [horizon, horizon], color: Color(hex: "#777777"), width: 1)
                line.dash = .dashed
                series.append(line)
            }
        }
        return Figure(panels: [Panel(xLabel: "sample complexity α", yLabel: "relaxation time τ (steps)", yScale: .log,
                                     series: series)],
                      title: "Recovery time, DMFT (\(settingsTitle))",
                      panelWidth: 520, panelHeight: 380)
    }

    /// α*(b) with error bars.
    public var thresholdFigure: Figure {
        let fitted = curves.filter { $0.fit != nil }
        let series = [Series.points("α*(b)", x: fitted.map(\.batch), y: fitted.map { $0.fit!.alphaStar },
                                    yError: fitted.map { $0.fit!.alphaStarError.isFinite ? $0.fit!.alphaStarError : 0 }, size: 3.5)]
        let unfitted = curves.count - fitted.count
        return Figure(panels: [Panel(xLabel: "batch fraction b", yLabel: "recovery threshold α*", legend: .none, series: series)],
                      title: "Recovery threshold vs batch fraction (b = 1: GD; \(settingsTitle))"
                          + (unfitted > 0 ? "; \(unfitted) b without a fit" : ""),
                      panelWidth: 460, panelHeight: 360)
    }

    /// Writes `threshold.json`, `relaxation.svg`, `threshold.svg` (+ PNG, data, scripts).
    public func write(to directory: URL) throws -> [URL] {
        let file = directory.appendingPathComponent("threshold.json")
        try AtomicFile.write(json.serialized() + "\n", to: file)
        return [file] + (try relaxationFigure.write(to: directory, name: "relaxation"))
            + (try thresholdFigure.write(to: directory, name: "threshold"))
    }
}

/// The summary a sweep names (`SweepSpecification.summary`), assembled from its directory.
public enum SweepSummaries {
    /// Writes the summary's files into the sweep directory `url`; returns them with the stdout table and the notes for
    /// stderr. Nothing when the sweep has no summary. `rateBoundary` (over `lr` and `noise`), where the model has one,
    /// gives a final-error summary its critical rate at σ² = 0 (`FinalErrorResult.criticalRate`).
    public static func write(_ results: SweepResults, into url: URL,
                             rateBoundary: RateBoundary? = nil) throws -> (files: [URL], table: TextTable, notes: [String])? {
        switch results.specification.summary {
        case nil:
            return nil
        case .finalError:
            var result = try FinalErrorResult(results)
            if let boundary = rateBoundary, let rate = boundary.rate(at: ["noise": 0]) {
                result.criticalRate = (rate, boundary.description)
            }
            return (try result.write(to: url), result.table, result.notes)
        case .threshold:
            let result = try ThresholdSweepResult(results)
            return (try result.write(to: url), result.table, result.notes)
        }
    }
}
