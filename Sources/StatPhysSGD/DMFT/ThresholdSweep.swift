import DMFT
import Foundation
import Plotting
import Reporting

/// Relaxation times τ(α) from the DMFT over a grid of α for several batch fractions, and the fitted recovery
/// threshold τ ≃ τ0 (α − α*(b))^(−ν) for each b.
///
/// τ is the first step meeting the relaxation criterion within the horizon T (runs stop there); points that
/// never relax are kept in the output (as null) but not fitted. α* therefore depends on the horizon T, on m0
/// (the escape from m ≈ 0 takes ~log(1/m0) steps) and on η. A `ParameterSweep`: points are solved in parallel,
/// or as shards on a cluster.
public struct ThresholdSweep: Sendable {
    public var batches: [Double]
    public var alphas: [Double]
    public var learningRate: Double
    public var initialOverlap: Double
    public var initialNorm: Double
    public var steps: Int
    /// Whether x is renormalised to |x|² = N after every step.
    public var spherical: Bool
    public var criterion: RelaxationCriterion

    public init(batches: [Double], alphas: [Double], learningRate: Double, initialOverlap: Double, initialNorm: Double = 1,
                steps: Int, spherical: Bool = false, criterion: RelaxationCriterion = RelaxationCriterion()) throws {
        guard !batches.isEmpty, !alphas.isEmpty else { throw DMFTError.invalidParameter("give at least one batch fraction and one alpha") }
        self.batches = batches; self.alphas = alphas; self.learningRate = learningRate
        self.initialOverlap = initialOverlap; self.initialNorm = initialNorm; self.steps = steps; self.criterion = criterion
        self.spherical = spherical
        for b in batches { for a in alphas { _ = try problem(alpha: a, batch: b) } }
    }

    func problem(alpha: Double, batch: Double) throws -> SignalRecoveryProblem {
        try SignalRecoveryProblem(alpha: alpha, learningRate: learningRate, batchFraction: batch,
                                  initialOverlap: initialOverlap, initialNorm: initialNorm, steps: steps, spherical: spherical)
    }

    /// The (b, α) of point `index`: b-major, α varying fastest.
    func point(_ index: Int) -> (batch: Double, alpha: Double) {
        (batches[index / alphas.count], alphas[index % alphas.count])
    }
}

extension ThresholdSweep: ParameterSweep {
    public var pointCount: Int { batches.count * alphas.count }

    public var fingerprint: JSONValue {
        .object([("model", "dmft-signal-recovery-threshold"), ("settings", .object(settingsMembers)),
                 ("batch", .numbers(batches)), ("alpha", .numbers(alphas))])
    }

    /// The settings as written in `threshold.json`.
    var settingsMembers: [(String, JSONValue)] {
        [("lr", .number(learningRate)), ("m0", .number(initialOverlap)), ("c0", .number(initialNorm)),
         ("steps", .integer(steps)), ("spherical", .bool(spherical)), ("criterion", .string(criterion.description))]
    }

    /// Solves the DMFT of one (b, α) on the calling thread (points run in parallel, so results do not depend on
    /// the thread count) up to the relaxation step.
    public func solve(point index: Int) throws -> ThresholdSweepResult.Point {
        let (batch, alpha) = point(index)
        var solver = DMFTSolver(problem: try problem(alpha: alpha, batch: batch))
        solver.parallelThreshold = .max
        let solution = solver.solve(stopWhen: criterion)
        return ThresholdSweepResult.Point(batch: batch, alpha: alpha, relaxationSteps: solution.divergence == nil ? criterion.relaxationStep(solution) : nil,
                                          diverged: solution.divergence != nil,
                                          reason: solution.divergence.map { _ in solution.divergenceReason ?? "diverged" })
    }

    public func failedOutcome(point index: Int, reason: String) -> ThresholdSweepResult.Point {
        let (batch, alpha) = point(index)
        return ThresholdSweepResult.Point(batch: batch, alpha: alpha, relaxationSteps: nil, diverged: false, reason: "failed: " + reason)
    }

    public func problem(with outcome: ThresholdSweepResult.Point, point index: Int) -> String? {
        let (batch, alpha) = point(index)
        guard outcome.alpha == alpha, outcome.batch == batch else {
            return "it has b = \(outcome.batch), alpha = \(outcome.alpha); the grid has b = \(batch), alpha = \(alpha) there"
        }
        if let steps = outcome.relaxationSteps {
            guard (0...self.steps).contains(steps) else { return "relaxation step \(steps) is outside 0…\(self.steps)" }
            guard !outcome.diverged, outcome.reason == nil else { return "it relaxed and is marked diverged or failed" }
        }
        // A diverged point carries what grew; a failed one "failed: …"; any other has no reason.
        let failed = outcome.reason?.hasPrefix("failed: ") == true
        guard outcome.diverged ? (outcome.reason != nil && !failed) : (outcome.reason == nil || failed) else {
            return "its divergence flag and reason disagree"
        }
        return nil
    }

    /// Groups the points by b and fits each b.
    public func assemble(_ points: [ThresholdSweepResult.Point]) throws -> ThresholdSweepResult {
        let curves = batches.enumerated().map { bi, b -> ThresholdSweepResult.Curve in
            let curve = Array(points[(bi * alphas.count)..<((bi + 1) * alphas.count)])
            let usable = curve.filter { $0.relaxationSteps != nil }
            let fit = try? ThresholdFit(alphas: usable.map(\.alpha), times: usable.map { Double($0.relaxationSteps!) })
            return ThresholdSweepResult.Curve(batch: b, points: curve, fit: fit)
        }
        return ThresholdSweepResult(sweep: self, curves: curves)
    }
}

/// Relaxation times and fitted thresholds of a `ThresholdSweep`.
public struct ThresholdSweepResult: Sendable {
    public struct Point: Sendable, Hashable, Codable {
        public let batch: Double
        public let alpha: Double
        /// `nil`: not relaxed within the horizon (or diverged, or failed).
        public let relaxationSteps: Int?
        public let diverged: Bool
        /// Why the point diverged (what grew), or "failed: …" when it could not be solved; `nil` otherwise.
        public let reason: String?
    }

    public struct Curve: Sendable {
        public let batch: Double
        public let points: [Point]
        /// `nil` when fewer than three α relaxed.
        public let fit: ThresholdFit?
    }

    public let sweep: ThresholdSweep
    public let curves: [Curve]

    /// `threshold.json`: a list with one entry per batch fraction, {`batch`, `alpha_star`, `alpha_star_error`, `nu`,
    /// `nu_error`, `tau0`, `points`: [{`alpha`, `relaxation_steps`, `diverged`, `reason`}], `settings`} (null where not relaxed
    /// or not fitted; `settings` repeats the sweep's settings in every entry, so that each is self-contained).
    public var json: JSONValue {
        func number(_ x: Double?) -> JSONValue { x.map(JSONValue.number) ?? .null }
        let settings = JSONValue.object([("model", "dmft-signal-recovery-threshold")] + sweep.settingsMembers + [
            ("fit", "relaxation_steps = tau0 * (alpha - alpha_star)^(-nu), least squares in log, errors from the Gauss-Newton covariance"),
        ])
        return .array(curves.map { curve in
            .object([
                ("batch", .number(curve.batch)),
                ("alpha_star", number(curve.fit?.alphaStar)), ("alpha_star_error", number(curve.fit?.alphaStarError)),
                ("nu", number(curve.fit?.nu)), ("nu_error", number(curve.fit?.nuError)), ("tau0", number(curve.fit?.tau0)),
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

    /// τ(α) per batch fraction (points) with the fitted laws (lines), log scale.
    public var relaxationFigure: Figure {
        var series: [Series] = []
        for (index, curve) in curves.enumerated() {
            let color = Color.cycle[index % Color.cycle.count]
            let relaxed = curve.points.filter { $0.relaxationSteps != nil }
            series.append(.points("b = \(TextTable.format(curve.batch))", x: relaxed.map(\.alpha),
                                  y: relaxed.map { Double($0.relaxationSteps!) }, color: color, size: 3))
            if let fit = curve.fit, let hi = relaxed.map(\.alpha).max() {
                let lo = fit.alphaStar + 0.02 * (hi - fit.alphaStar)
                let xs = (0...100).map { lo + (hi - lo) * Double($0) / 100 }
                series.append(.line(String(format: "fit: α* = %.3f, ν = %.2f", fit.alphaStar, fit.nu), x: xs, y: xs.map(fit.time), color: color, width: 1.2))
            }
        }
        return Figure(panels: [Panel(xLabel: "sample complexity α", yLabel: "relaxation time τ (steps)", yScale: .log,
                                     series: series)],
                      title: "Recovery time, DMFT (η = \(sweep.learningRate), m_0 = \(sweep.initialOverlap), T = \(sweep.steps))",
                      panelWidth: 520, panelHeight: 380)
    }

    /// α*(b) with error bars.
    public var thresholdFigure: Figure {
        let fitted = curves.filter { $0.fit != nil }
        let series = [Series.points("α*(b)", x: fitted.map(\.batch), y: fitted.map { $0.fit!.alphaStar },
                                    yError: fitted.map { $0.fit!.alphaStarError.isFinite ? $0.fit!.alphaStarError : 0 }, size: 3.5)]
        return Figure(panels: [Panel(xLabel: "batch fraction b", yLabel: "recovery threshold α*", legend: .none, series: series)],
                      title: "Recovery threshold vs batch fraction (b = 1: GD)", panelWidth: 460, panelHeight: 360)
    }

    /// Writes `threshold.json`, `relaxation.svg`, `threshold.svg` (+ PNG, data, scripts).
    public func write(to directory: URL) throws -> [URL] {
        try AtomicFile.prepareDirectory(directory)
        let file = directory.appendingPathComponent("threshold.json")
        try AtomicFile.write(json.serialized() + "\n", to: file)
        return [file] + (try relaxationFigure.write(to: directory, name: "relaxation"))
            + (try thresholdFigure.write(to: directory, name: "threshold"))
    }
}
