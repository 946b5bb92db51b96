import Reporting

/// Something a user must know to read a run's results: most often a comparison of a finite-size simulation with
/// a d → ∞ (or N → ∞) theory that lies outside the theory's reach. Every experiment collects its warnings in
/// `warnings` (result.json: a list of {"kind", "message"}); the CLI prints them on stderr.
public struct RunWarning: Sendable, Hashable, CustomStringConvertible {
    /// A stable identifier, e.g. "finite-size-plateau-escape".
    public let kind: String
    /// The explanation, with the numbers that triggered it and what to do.
    public let message: String

    /// A warning of `kind` with its explanation `message`.
    public init(kind: String, _ message: String) { self.kind = kind; self.message = message }

    /// "kind: message", on one line.
    public var description: String { "\(kind): \(message)" }

    /// {`kind`, `message`}: one entry of `warnings` in result.json.
    public var json: JSONValue { .object([("kind", .string(kind)), ("message", .string(message))]) }

    /// `warnings` in result.json.
    public static func json(_ warnings: [RunWarning]) -> JSONValue { .array(warnings.map(\.json)) }
}

/// Warnings that apply to every theory-vs-simulation comparison on a time grid.
public enum ComparisonDiagnostics {
    /// - There are too few seeds for a comparison (fewer than 2), or so few (2–4) that Student-t's heavy tails let
    ///   the test detect only deviations of dozens of standard errors.
    /// - One of theory and simulation diverged and the other did not.
    /// - The grid is too coarse: rounding to whole steps merged requested times, fewer than 10 points are
    ///   compared, or some theory curve moves by more than half its range between two neighbouring points.
    public static func warnings(summary: ComparisonSummary, seeds: Int, requestedPoints: Int, times: [Double],
                                theoryCurves: [(name: String, values: [Double])],
                                theoryDivergence: Double?, simulationDivergence: Double?) -> [RunWarning] {
        var out: [RunWarning] = []
        if seeds < 2 {
            out.append(RunWarning(kind: "too-few-seeds",
                "with \(seeds) seed there is no standard error, so the comparison is not comparable; run --seeds 5 or more"))
        } else if seeds < 5, let critical = summary.comparisons.map(\.criticalValue).filter(\.isFinite).max() {
            out.append(RunWarning(kind: "few-seeds",
                "with \(seeds) seeds (Student-t with \(seeds - 1) degrees of freedom) only deviations larger than "
                + "\(TextTable.format(critical, digits: 3)) standard errors are detected; use more seeds for a sharper comparison"))
        }
        switch (theoryDivergence, simulationDivergence) {
        case (nil, let s?):
            out.append(RunWarning(kind: "simulation-diverged",
                "the simulation diverged at t = \(TextTable.format(s, digits: 4)) but the d → ∞ theory did not: near the critical "
                + "learning rate, finite-size fluctuations can push a finite network over the edge; the comparison covers only "
                + "t < \(TextTable.format(s, digits: 4)) and is reported as disagreeing"))
        case (let t?, nil):
            out.append(RunWarning(kind: "theory-diverged",
                "the theory diverged at t = \(TextTable.format(t, digits: 4)) but the simulation did not; the comparison covers only "
                + "t < \(TextTable.format(t, digits: 4)) and is reported as disagreeing"))
        default: break
        }
        // A diverged run's grid ends at the divergence: its length says nothing about the grid's resolution.
        let diverged = theoryDivergence != nil || simulationDivergence != nil
        if !diverged, times.count < requestedPoints {
            out.append(RunWarning(kind: "coarse-grid",
                "the \(requestedPoints) requested output times round to only \(times.count) distinct SGD steps (t = steps/d); "
                + "raise --d or --t-max, or lower --points"))
        }
        if !diverged, times.count < 10 {
            out.append(RunWarning(kind: "coarse-grid",
                "the comparison uses only \(times.count) output times; give --points 10 or more for a meaningful test"))
        }
        for (name, values) in theoryCurves {
            let finite = values.filter(\.isFinite)
            guard let low = finite.min(), let high = finite.max(), high > low, values.count >= 2 else { continue }
            var worst = 0.0, at = 0
            for k in 1..<values.count where values[k].isFinite && values[k - 1].isFinite {
                let jump = abs(values[k] - values[k - 1])
                if jump > worst { worst = jump; at = k }
            }
            if worst > 0.5 * (high - low), values.count > 3, at < times.count {
                out.append(RunWarning(kind: "coarse-grid",
                    "the theory's \(name) changes by \(Int((100 * worst / (high - low)).rounded()))% of its range between "
                    + "t = \(TextTable.format(times[at - 1], digits: 4)) and t = \(TextTable.format(times[at], digits: 4)): the grid "
                    + "cannot resolve the dynamics there; use more --points (or --log-grid)"))
                break
            }
        }
        return out
    }
}
