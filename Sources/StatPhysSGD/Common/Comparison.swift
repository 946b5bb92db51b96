import OnlineSimulation
import Reporting

/// The outcome of comparing a simulation with its theory.
public enum Verdict: String, Sendable, Hashable {
    /// The simulation is consistent with the theory at the criterion's level.
    case agrees
    /// Some deviation is too large for the seeds' statistics, or only one of theory and simulation diverged.
    case disagrees
    /// No test was possible: fewer than 2 seeds, non-finite values, no common grid points or no standard error.
    case notComparable = "not comparable"
}

/// When a simulated observable counts as agreeing with its theory: a test that is calibrated for few seeds.
///
/// At every grid point k with a positive standard error, t_k = (mean_k − theory_k)/stderr_k. If the n seeds
/// are independent Gaussian draws around the theory, t_k follows Student's t with ν = n − 1 degrees of freedom
/// (not a normal law: with 5 seeds P(|t| > 4) is 1.6%, not 6e-5). The run compares P_o points of each of O
/// observables; by Bonferroni's inequality, which holds however the points are correlated,
///
///     P(some |t_k| > t_c) ≤ Σ_o P_o · P(|T_ν| > t_c) = α    when    P(|T_ν| > t_c,o) = α/(O · P_o),
///
/// so an observable *agrees* iff max_k |t_k| ≤ t_c,o, and a simulation that follows the theory gets "agrees"
/// for every observable with probability at least 1 − α. A point whose seeds coincide (standard error 0) is
/// skipped when it matches the theory to the theory's numerical precision and counts as |t| = ∞ otherwise;
/// every deviation is first reduced by that precision (`theoryPrecision`).
public struct AgreementCriterion: Sendable, Hashable {
    /// α: the largest probability that a run whose simulation follows its theory is reported as disagreeing.
    public var level: Double
    /// Relative numerical precision of the theory (ODE tolerances ~1e-9): |mean − theory| is reduced by
    /// `theoryPrecision` × max_k |theory_k| before dividing by the standard error, so rounding-level differences
    /// (a DMFT energy of −1.5e-16 against a simulated 1e-29 ± 1e-31) are not read as disagreement. This can only
    /// lower |t|, so the calibration holds.
    public var theoryPrecision: Double
    /// A criterion at level α = `level` for a theory of relative numerical precision `theoryPrecision`.
    public init(level: Double = 0.01, theoryPrecision: Double = 1e-9) { self.level = level; self.theoryPrecision = theoryPrecision }
    /// α = 0.01 and a theory precision of 1e-9: the criterion of every comparison unless one is given.
    public static let standard = AgreementCriterion()

    /// The one-line statement of the rule, as written to result.json and the console.
    public var description: String {
        "per point t = (|mean - theory| - \(theoryPrecision) max|theory|)+/stderr, Student-t with seeds - 1 degrees of freedom; an observable agrees when "
        + "max |t| over its P points <= t_c with P(|T| > t_c) = alpha/(O*P) for O observables (Bonferroni), "
        + "so a simulation that follows the theory is reported as agreeing with probability >= 1 - alpha, alpha = \(level)"
    }
}

/// How far a simulated observable lies from its theory on a shared grid, and the verdict of `AgreementCriterion`.
public struct ObservableComparison: Sendable, Hashable {
    /// The observable's name, as the output files key it ("eg", "m", "R12", …).
    public let name: String
    /// max_k |t_k| = max_k (|mean_k − theory_k| − ε)₊ / stderr_k over the compared points, ε the theory's numerical
    /// precision (`AgreementCriterion.theoryPrecision`); ∞ if the seeds coincide off the theory.
    public let maxAbsZScore: Double
    /// The time of the largest |t| (nil when nothing was compared).
    public let worstTime: Double?
    /// max_k |mean_k − theory_k|.
    public let maxAbsDeviation: Double
    /// √(mean_k (mean_k − theory_k)²).
    public let rmsDeviation: Double
    /// Grid points compared (positive standard error, finite values).
    public let points: Int
    /// ν = seeds − 1; 0 with predicted standard errors (a normal law).
    public let degreesOfFreedom: Int
    /// Whether the z-scores use a fluctuation theory's predicted standard errors rather than the seeds' own.
    public let usesPredictedStandardErrors: Bool
    /// t_c: the largest max |t| that still agrees.
    public let criticalValue: Double
    /// The Bonferroni-adjusted p-value min(1, O · P · P(|T_ν| ≥ max|t|)).
    public let pValue: Double
    /// "agrees" when max |t| ≤ t_c, else "disagrees"; "not comparable" when no test was possible (`reason`); or the
    /// verdict of `overriding(_:reason:)`.
    public let verdict: Verdict
    /// Why the verdict is "not comparable" (or a note on it), nil otherwise.
    public let reason: String?

    /// Compares `simulation` (over `seeds` seeds) with `theory` point by point, arrays truncated to the shorter
    /// (times in `times`, if given, name the worst point); `observables` is O, the number of observables the run
    /// compares. With `predictedStandardErrors` (a fluctuation theory's standard errors of the mean on the same grid) the
    /// z-scores use those instead of the seeds' own, and follow a normal law (ν = ∞, `degreesOfFreedom` 0): one seed
    /// is then enough.
    public init(name: String, theory: [Double], simulation: EnsembleStatistics, seeds: Int, observables: Int = 1,
                times: [Double]? = nil, criterion: AgreementCriterion = .standard, predictedStandardErrors: [Double]? = nil) {
        self.name = name
        let simulation = predictedStandardErrors.map { EnsembleStatistics(mean: simulation.mean, standardError: $0) } ?? simulation
        usesPredictedStandardErrors = predictedStandardErrors != nil
        let n = min(theory.count, simulation.mean.count, simulation.standardError.count)
        // The theory's own numerical precision: deviations below it are not evidence against the theory.
        let tolerance = criterion.theoryPrecision * (theory.prefix(n).filter(\.isFinite).map(abs).max() ?? 0)
        var z = 0.0, dev = 0.0, sq = 0.0, compared = 0, finite = 0, worst: Int?
        for k in 0..<n {
            let delta = simulation.mean[k] - theory[k], se = simulation.standardError[k]
            guard delta.isFinite, se.isFinite else { continue }
            finite += 1
            dev = max(dev, abs(delta))
            sq += delta * delta
            let excess = max(0, abs(delta) - tolerance)
            if se > 0 {
                compared += 1
                let t = excess / se
                if t > z || worst == nil { z = max(z, t); worst = k }
            } else if excess > 0 {
                z = .infinity; worst = k
            }
        }
        maxAbsZScore = z
        maxAbsDeviation = dev
        rmsDeviation = finite > 0 ? (sq / Double(finite)).squareRoot() : .nan
        points = compared
        degreesOfFreedom = usesPredictedStandardErrors ? 0 : max(0, seeds - 1)
        worstTime = worst.flatMap { k in times.flatMap { k < $0.count ? $0[k] : nil } }
        if seeds < 2 && !usesPredictedStandardErrors {
            (criticalValue, pValue, verdict) = (.nan, .nan, .notComparable)
            reason = "one seed has no standard error; run at least 2 seeds (5 or more for a sharp test)"
        } else if finite < n || n == 0 {
            (criticalValue, pValue, verdict) = (.nan, .nan, .notComparable)
            reason = n == 0 ? "no common grid points" : "non-finite values on \(n - finite) of \(n) grid points"
        } else if compared == 0 && z.isFinite {
            (criticalValue, pValue, verdict) = (.nan, .nan, .notComparable)
            reason = "every seed gives the same value at every point: no standard error to compare with"
        } else {
            let share = Double(max(1, observables)) * Double(max(1, compared))
            let nu = usesPredictedStandardErrors ? Double.infinity : Double(degreesOfFreedom)
            criticalValue = StudentT.criticalValue(twoSidedTail: min(1, criterion.level / share), degreesOfFreedom: nu)
            pValue = min(1, share * StudentT.twoSidedTail(z, degreesOfFreedom: nu))
            verdict = z <= criticalValue ? .agrees : .disagrees
            reason = z.isInfinite ? "the seeds coincide but differ from the theory" : nil
        }
    }

    /// Applies a verdict decided elsewhere (e.g. one side diverged), keeping the statistics.
    public func overriding(_ verdict: Verdict, reason: String) -> ObservableComparison {
        ObservableComparison(copying: self, verdict: verdict, reason: reason)
    }

    private init(copying other: ObservableComparison, verdict: Verdict, reason: String) {
        name = other.name; maxAbsZScore = other.maxAbsZScore; worstTime = other.worstTime
        maxAbsDeviation = other.maxAbsDeviation; rmsDeviation = other.rmsDeviation; points = other.points
        degreesOfFreedom = other.degreesOfFreedom; usesPredictedStandardErrors = other.usesPredictedStandardErrors; criticalValue = other.criticalValue; pValue = other.pValue
        self.verdict = verdict; self.reason = reason
    }

    /// `comparison.<name>` in result.json: {`verdict`, `max_abs_z`, `critical_z`, `p_value`, `worst_t` (null
    /// when nothing was compared), `points`, `degrees_of_freedom`, `max_abs_deviation`, `rms_deviation`, and
    /// `reason` when set}.
    public var json: JSONValue {
        var members: [(String, JSONValue)] = [
            ("verdict", .string(verdict.rawValue)), ("max_abs_z", .number(maxAbsZScore)),
            ("critical_z", .number(criticalValue)), ("p_value", .number(pValue)),
            ("worst_t", worstTime.map(JSONValue.number) ?? .null),
            ("points", .integer(points)), ("degrees_of_freedom", .integer(degreesOfFreedom)),
            ("max_abs_deviation", .number(maxAbsDeviation)), ("rms_deviation", .number(rmsDeviation)),
            ("standard_error", .string(usesPredictedStandardErrors ? "predicted" : "seeds")),
        ]
        if let reason { members.append(("reason", .string(reason))) }
        return .object(members)
    }

    /// One console line: "eg: agrees (max |t| = 1.9 ≤ 21.3, 101 points, 4 dof); max |sim − theory| = 3.1e-4".
    public var summaryLine: String {
        var line = "\(name): \(verdict.rawValue)"
        if verdict == .notComparable, criticalValue.isNaN {
            line += " (\(reason ?? ""))"
        } else {
            line += " (max |t| = \(TextTable.format(maxAbsZScore, digits: 3)) \(maxAbsZScore <= criticalValue ? "≤" : ">") "
                + "\(TextTable.format(criticalValue, digits: 3)), \(points) points, "
                + (usesPredictedStandardErrors ? "predicted s.e., normal" : "\(degreesOfFreedom) dof")
            if let worstTime { line += ", worst at t = \(TextTable.format(worstTime, digits: 4))" }
            line += ")"
            if let reason { line += " — \(reason)" }
        }
        return line + "; max |sim − theory| = \(TextTable.format(maxAbsDeviation, digits: 3))"
    }
}

/// The comparisons of one run and their joint verdict.
public struct ComparisonSummary: Sendable, Hashable {
    /// One comparison per observable, in the order given.
    public let comparisons: [ObservableComparison]
    /// The criterion every comparison used.
    public let criterion: AgreementCriterion

    /// Compares each observable (name, theory, simulation statistics) at the run's level, shared by Bonferroni.
    /// When exactly one of theory and simulation diverged, the data disagree with the theory whatever the
    /// common part says: every verdict is then "disagrees".
    /// `predictedStandardErrors`, one array per observable in order, replaces the seeds' standard errors
    /// (`ObservableComparison.init`).
    public init(_ observables: [(name: String, theory: [Double], simulation: EnsembleStatistics)], seeds: Int, times: [Double],
                theoryDiverged: Double?, simulationDiverged: Double?, criterion: AgreementCriterion = .standard,
                predictedStandardErrors: [[Double]]? = nil) {
        self.criterion = criterion
        var comparisons = observables.enumerated().map { index, o in
            ObservableComparison(name: o.name, theory: o.theory, simulation: o.simulation, seeds: seeds,
                                 observables: observables.count, times: times, criterion: criterion,
                                 predictedStandardErrors: predictedStandardErrors.map { index < $0.count ? $0[index] : [] })
        }
        if (theoryDiverged == nil) != (simulationDiverged == nil) {
            let reason = theoryDiverged == nil
                ? "the simulation diverged at t = \(TextTable.format(simulationDiverged!, digits: 4)) but the theory did not"
                : "the theory diverged at t = \(TextTable.format(theoryDiverged!, digits: 4)) but the simulation did not"
            comparisons = comparisons.map { $0.overriding(.disagrees, reason: reason) }
        }
        self.comparisons = comparisons
    }

    /// Whether the comparisons use a fluctuation theory's predicted standard errors (`ObservableComparison`).
    public var usesPredictedStandardErrors: Bool { comparisons.contains(where: \.usesPredictedStandardErrors) }

    /// "disagrees" if any observable disagrees, else "not comparable" if any is, else "agrees".
    public var verdict: Verdict {
        if comparisons.isEmpty { return .notComparable }
        if comparisons.contains(where: { $0.verdict == .disagrees }) { return .disagrees }
        if comparisons.contains(where: { $0.verdict == .notComparable }) { return .notComparable }
        return .agrees
    }

    /// `{"verdict", "criterion", "level", "disagreeing": [names], "not_comparable": [names]}`.
    public var json: JSONValue {
        .object([
            ("verdict", .string(verdict.rawValue)), ("criterion", .string(criterion.description + (usesPredictedStandardErrors
                ? "; here stderr is the fluctuation theory's predicted standard error and t follows a normal law (infinite degrees of freedom)" : ""))),
            ("level", .number(criterion.level)),
            ("disagreeing", .array(comparisons.filter { $0.verdict == .disagrees }.map { .string($0.name) })),
            ("not_comparable", .array(comparisons.filter { $0.verdict == .notComparable }.map { .string($0.name) })),
        ])
    }

    /// `comparison` in result.json: one entry per observable.
    public var comparisonJSON: JSONValue { .object(comparisons.map { ($0.name, $0.json) }) }

    /// The console summary: the joint verdict with its criterion, then the observables that did not agree (all when
    /// `all`), each with its statistic.
    public func lines(all: Bool) -> [String] {
        var out = ["agreement: \(verdict.rawValue) — α = \(criterion.level): a simulation that follows the theory "
                   + "agrees with probability ≥ \(1 - criterion.level) ("
                   + (usesPredictedStandardErrors ? "predicted standard errors, normal law" : "Student-t") + " per point, Bonferroni over points and observables)"]
        let shown = all ? comparisons : comparisons.filter { $0.verdict != .agrees }
        out += shown.map { "  " + $0.summaryLine }
        if !all, shown.count < comparisons.count, let worst = comparisons.filter({ $0.verdict == .agrees }).max(by: { $0.maxAbsZScore < $1.maxAbsZScore }) {
            out.append("  \(comparisons.count - shown.count) observables agree; closest to the limit: " + worst.summaryLine)
        }
        return out
    }
}

extension Array where Element == Double {
    /// The values followed by NaN up to `count` (a simulation that stopped early, in a table with the full grid).
    func padded(to count: Int) -> [Double] { self + [Double](repeating: .nan, count: Swift.max(0, count - self.count)) }
}

/// The grid of a table that holds a theory and a simulation: both are prefixes of the same output grid (each
/// stops where it diverged), so the longer one holds every time either reached.
func tableGrid(theory: [Double], simulation: [Double]?) -> [Double] {
    guard let simulation, simulation.count > theory.count else { return theory }
    return simulation
}

/// Indices of simulation markers: at most `count` of them, thinned, and never beyond the shortest of the arrays a
/// marker reads (its time, mean and error), so that a simulation that outlasts its theory (or the reverse) is
/// drawn as far as it got.
func markerIndices(times: [Double], mean: [some Any], error: [some Any], target: Int = 30) -> [Int] {
    MarkerThinning.indices(count: Swift.min(times.count, mean.count, error.count), target: target)
}
