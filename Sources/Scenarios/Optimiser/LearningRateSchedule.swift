import Foundation

/// A learning-rate schedule: the factor f(t) by which an optimiser's base rate is multiplied at time t = steps/d,
/// η(t) = η f(t). The ODEs take η(t) (drift) and η(t)² (gradient noise); a simulator uses η(n/d) at step n, the same
/// function, so theory and simulation see one schedule.
///
///     constant              f = 1
///     inverse:T0            f = 1/(1 + t/T0)                       (T0 > 0)
///     power:T0:P            f = (1 + t/T0)^(−P)                    (T0 > 0, P > 0)
///     step:EVERY:FACTOR     f = FACTOR^⌊t/EVERY⌋                   (EVERY > 0, 0 < FACTOR < ∞)
///     cosine:TEND           f = ½(1 + cos(π t/TEND)) for t < TEND, 0 after   (TEND > 0)
///
/// and, in the library, any closure (`custom`). `breakpoints(in:)` lists the times where f, or its derivative, jumps
/// (a step's times k·EVERY, cosine's kink at TEND, a custom schedule's own list): the ODE integration stops and
/// restarts exactly there (`DormandPrince54.breakpoints`), so no integration step straddles a discontinuity.
///
/// A computed schedule is a `table` (`tabulated(name:times:factors:rateBounds:)`): f piecewise linear through its
/// nodes, named by the protocol that computed it (`greedy`, from `GreedyLearningRate` in OnlineTheory). It is
/// continuous, so it lists no breakpoints (the adaptive step resolves its kinks). A new kind is one more case of
/// `Kind` with its factor, its breakpoints and its SPEC.
public struct LearningRateSchedule: Sendable, Hashable, CustomStringConvertible {
    /// The kinds of schedule; build them with the validating constructors (`inverse(timeScale:)`, …).
    public enum Kind: Sendable, Hashable {
        /// f = 1.
        case constant
        /// f = 1/(1 + t/T0), T0 = `timeScale`.
        case inverse(timeScale: Double)
        /// f = (1 + t/T0)^(−P), T0 = `timeScale`, P = `exponent`.
        case power(timeScale: Double, exponent: Double)
        /// f = FACTOR^⌊t/EVERY⌋, EVERY = `every`, FACTOR = `factor`.
        case step(every: Double, factor: Double)
        /// f = ½(1 + cos(πt/TEND)) for t < TEND, 0 after; TEND = `end`.
        case cosine(end: Double)
        /// Any closure f(t), with its name and breakpoints (`CustomSchedule`).
        case custom(CustomSchedule)
        /// f(t) interpolated linearly in a table (`TabulatedSchedule`): a schedule computed from the ODEs (greedy).
        case table(TabulatedSchedule)
    }

    /// Which schedule this is, with its parameters.
    public let kind: Kind

    init(kind: Kind) { self.kind = kind }

    /// f = 1.
    public static let constant = LearningRateSchedule(kind: .constant)

    /// f = 1/(1 + t/T0); throws (out of range) unless T0 > 0 is finite.
    public static func inverse(timeScale t0: Double) throws -> LearningRateSchedule {
        try ScenarioError.require("schedule time scale T0", t0, { $0 > 0 }, "positive")
        return LearningRateSchedule(kind: .inverse(timeScale: t0))
    }

    /// f = (1 + t/T0)^(−P); throws (out of range) unless T0 > 0 and P > 0 are finite.
    public static func power(timeScale t0: Double, exponent p: Double) throws -> LearningRateSchedule {
        try ScenarioError.require("schedule time scale T0", t0, { $0 > 0 }, "positive")
        try ScenarioError.require("schedule exponent P", p, { $0 > 0 }, "positive")
        return LearningRateSchedule(kind: .power(timeScale: t0, exponent: p))
    }

    /// f = FACTOR^⌊t/EVERY⌋; throws (out of range) unless EVERY > 0 and FACTOR > 0 are finite.
    public static func step(every: Double, factor: Double) throws -> LearningRateSchedule {
        try ScenarioError.require("schedule step interval EVERY", every, { $0 > 0 }, "positive")
        try ScenarioError.require("schedule step factor FACTOR", factor, { $0 > 0 }, "positive")
        return LearningRateSchedule(kind: .step(every: every, factor: factor))
    }

    /// f = ½(1 + cos(πt/TEND)) for t < TEND, 0 after; throws (out of range) unless TEND > 0 is finite.
    public static func cosine(end: Double) throws -> LearningRateSchedule {
        try ScenarioError.require("schedule end time TEND", end, { $0 > 0 }, "positive")
        return LearningRateSchedule(kind: .cosine(end: end))
    }

    /// Any factor f(t) ≥ 0, named for `result.json` and equality (two custom schedules are equal iff their names
    /// and breakpoints are). `breakpoints`: the times where f or its derivative jumps (the integrator restarts there).
    public static func custom(name: String, breakpoints: [Double] = [], _ factor: @escaping @Sendable (Double) -> Double) -> LearningRateSchedule {
        LearningRateSchedule(kind: .custom(CustomSchedule(name: name, breakpoints: breakpoints.sorted(), factor: factor)))
    }

    /// f(t).
    @inlinable
    public func factor(at t: Double) -> Double {
        switch kind {
        case .constant: return 1
        case .inverse(let t0): return 1 / (1 + t / t0)
        case .power(let t0, let p): return Foundation.pow(1 + t / t0, -p)
        case .step(let every, let factor): return Foundation.pow(factor, Double(Self.stepIndex(t, every: every)))
        case .cosine(let end): return t < end ? 0.5 * (1 + Foundation.cos(Double.pi * t / end)) : 0
        case .custom(let custom): return custom.factor(t)
        case .table(let table): return table.factor(at: t)
        }
    }

    /// ⌊t/EVERY⌋, made consistent with the breakpoints k·EVERY as computed in floating point: the index is the number
    /// of k ≥ 1 with Double(k)·EVERY ≤ t, so f is the new value exactly from each breakpoint on and the old one just
    /// before it (the integrator evaluates a step that ends at a breakpoint just below it).
    @inlinable
    static func stepIndex(_ t: Double, every: Double) -> Int {
        guard t > 0 else { return 0 }
        let ratio = (t / every).rounded(.down)
        guard ratio < 1e15 else { return Int(min(ratio, 1e18)) }
        var k = Int(ratio)
        if Double(k) * every > t { k -= 1 }
        if Double(k + 1) * every <= t { k += 1 }
        return k
    }

    /// Whether f ≡ 1 (`constant`, or a step schedule with FACTOR = 1): the constant-rate closed forms apply.
    public var isConstant: Bool {
        switch kind {
        case .constant: return true
        case .step(_, let factor): return factor == 1
        default: return false
        }
    }

    /// The times in the open interval (range.lowerBound, range.upperBound) where f or its derivative is discontinuous,
    /// increasing: k·EVERY for a step schedule, TEND for cosine, a custom schedule's list; none for the smooth ones.
    public func breakpoints(in range: ClosedRange<Double>) -> [Double] {
        let (lower, upper) = (range.lowerBound, range.upperBound)
        switch kind {
        case .constant, .inverse, .power: return []
        case .step(let every, let factor):
            guard factor != 1, upper.isFinite else { return [] }
            let first = Self.stepIndex(lower, every: every) + 1, last = Self.stepIndex(upper, every: every)
            guard first <= last else { return [] }
            return (first...last).map { Double($0) * every }.filter { $0 > lower && $0 < upper }
        case .cosine(let end): return end > lower && end < upper ? [end] : []
        case .custom(let custom): return custom.breakpoints.filter { $0 > lower && $0 < upper }
        case .table: return []  // continuous; its kinks (the nodes) are resolved by the adaptive step
        }
    }

    /// The number of breakpoints in (0, t), without listing them (a step schedule's ⌊t/EVERY⌋ may be astronomical):
    /// what a resource estimate charges for the integrator's restarts.
    public func breakpointCount(upTo t: Double) -> Double {
        switch kind {
        case .constant, .inverse, .power: return 0
        case .step(let every, let factor): return factor == 1 || !(t > 0) ? 0 : (t / every).rounded(.up) - 1
        case .cosine(let end): return end < t ? 1 : 0
        case .custom(let custom): return Double(custom.breakpoints.filter { $0 > 0 && $0 < t }.count)
        case .table: return 0
        }
    }

    /// The largest f on [0, t]: exact for the built-in kinds (1, except FACTOR^⌊t/EVERY⌋ for a rising step
    /// schedule); for a custom schedule, the largest of f at 2049 equally spaced times, the breakpoints and just
    /// before them (a sampling, not a bound).
    public func peakFactor(upTo t: Double) -> Double {
        switch kind {
        case .constant, .inverse, .power, .cosine: return 1
        case .step(_, let ratio): return ratio > 1 ? factor(at: max(0, t)) : 1
        case .custom(let custom):
            guard t > 0 else { return custom.factor(0) }
            let samples = (0...2048).map { Double($0) / 2048 * t } + breakpoints(in: 0...t).flatMap { [$0.nextDown, $0] }
            return samples.map(custom.factor).max() ?? 1
        case .table(let table): return table.peakFactor(upTo: t)
        }
    }

    /// The SPEC (`inverse:10`, `step:5:0.5`, …) that `init(parsing:)` reads back; a custom schedule's name.
    public var description: String {
        switch kind {
        case .constant: return "constant"
        case .inverse(let t0): return "inverse:\(Self.format(t0))"
        case .power(let t0, let p): return "power:\(Self.format(t0)):\(Self.format(p))"
        case .step(let every, let factor): return "step:\(Self.format(every)):\(Self.format(factor))"
        case .cosine(let end): return "cosine:\(Self.format(end))"
        case .custom(let custom): return custom.name
        case .table(let table): return table.name
        }
    }

    /// 10 rather than 10.0; otherwise Swift's shortest round-tripping form.
    static func format(_ x: Double) -> String {
        x == x.rounded() && abs(x) < 1e15 ? String(Int(x)) : "\(x)"
    }

    /// The SPECs `init(parsing:)` accepts, for messages and help.
    public static let syntax = "constant, inverse:T0, power:T0:P, step:EVERY:FACTOR or cosine:TEND"

    /// Reads a SPEC: `constant`, `inverse:T0`, `power:T0:P`, `step:EVERY:FACTOR`, `cosine:TEND`. Throws an out-of-range
    /// `ScenarioError` (status 64 on the command line) naming what is wrong: an unknown kind, the wrong number of
    /// parameters, a parameter that is not a number, or one outside its domain.
    public init(parsing spec: String) throws {
        let parts = spec.split(separator: ":", omittingEmptySubsequences: false).map { String($0).trimmingCharacters(in: .whitespaces) }
        let name = parts[0].lowercased()
        let names: [String: (parameters: [String], build: ([Double]) throws -> LearningRateSchedule)] = [
            "constant": ([], { _ in .constant }),
            "inverse": (["T0"], { try .inverse(timeScale: $0[0]) }),
            "power": (["T0", "P"], { try .power(timeScale: $0[0], exponent: $0[1]) }),
            "step": (["EVERY", "FACTOR"], { try .step(every: $0[0], factor: $0[1]) }),
            "cosine": (["TEND"], { try .cosine(end: $0[0]) }),
        ]
        guard let entry = names[name] else {
            throw ScenarioError.outOfRange("unknown learning-rate schedule '\(spec)': expected \(Self.syntax)")
        }
        let usage = ([name] + entry.parameters).joined(separator: ":")
        guard parts.count - 1 == entry.parameters.count else {
            throw ScenarioError.outOfRange("learning-rate schedule '\(spec)' has \(parts.count - 1) parameter\(parts.count == 2 ? "" : "s"); "
                                           + "\(name) takes \(entry.parameters.count): \(usage)")
        }
        var values: [Double] = []
        for (label, text) in zip(entry.parameters, parts.dropFirst()) {
            guard let value = Double(text) else {
                throw ScenarioError.outOfRange("learning-rate schedule '\(spec)': \(label) must be a number, got '\(text)' (\(usage))")
            }
            values.append(value)
        }
        do {
            self = try entry.build(values)
        } catch let error as ScenarioError {
            throw ScenarioError.outOfRange("learning-rate schedule '\(spec)' (\(usage)): \(error.description)")
        }
    }
}

extension LearningRateSchedule {
    /// f interpolated linearly between (`times`[i], `factors`[i]) and constant outside the table, named `name` (its
    /// SPEC in `result.json`, e.g. `greedy`), with the rate bounds it was computed within (`rateBounds`, recorded as
    /// `lr_min`, `lr_max`). Throws (out of range) unless there is at least one node, the times increase strictly, and
    /// every factor is finite and ≥ 0.
    /// `optimality`: how well an optimised table satisfies its optimality condition (`optimal`), recorded with it.
    public static func tabulated(name: String, times: [Double], factors: [Double], rateBounds: ClosedRange<Double>? = nil,
                                 optimality: ScheduleOptimality? = nil) throws -> LearningRateSchedule {
        guard !times.isEmpty, times.count == factors.count else {
            throw ScenarioError.outOfRange("a tabulated schedule needs as many factors as times, at least one (got \(times.count), \(factors.count))")
        }
        guard times.allSatisfy(\.isFinite), zip(times, times.dropFirst()).allSatisfy({ $0 < $1 }) else {
            throw ScenarioError.outOfRange("a tabulated schedule's times must be finite and strictly increasing")
        }
        guard factors.allSatisfy({ $0.isFinite && $0 >= 0 }) else {
            throw ScenarioError.outOfRange("a tabulated schedule's factors must be finite and ≥ 0")
        }
        return LearningRateSchedule(kind: .table(TabulatedSchedule(name: name, times: times, factors: factors, rateBounds: rateBounds,
                                                                   optimality: optimality)))
    }
}

/// A tabulated factor: piecewise-linear through the nodes (tᵢ, fᵢ), f(t) = f₀ before t₀ and f_last after the last
/// node. A simulator looks f up once per step (a binary search, no allocation).
public struct TabulatedSchedule: Sendable, Hashable {
    /// Its SPEC in `result.json` and `description`: the protocol that computed it (`greedy`, `optimal`).
    public let name: String
    /// The nodes' times tᵢ: at least one, finite and strictly increasing.
    public let times: [Double]
    /// The factors fᵢ at `times`, finite and ≥ 0.
    public let factors: [Double]
    /// The [η_min, η_max] the table was computed within (greedy), if any.
    public let rateBounds: ClosedRange<Double>?
    /// For an optimised table, the sweeps it took and how far it is from its optimality condition.
    public var optimality: ScheduleOptimality? = nil

    /// f(t): linear interpolation between the two nodes around t.
    @inlinable
    public func factor(at t: Double) -> Double {
        let n = times.count
        guard t > times[0] else { return factors[0] }
        guard t < times[n - 1] else { return factors[n - 1] }
        var low = 0, high = n - 1  // invariant: times[low] ≤ t < times[high]
        while high - low > 1 {
            let mid = (low + high) / 2
            if times[mid] <= t { low = mid } else { high = mid }
        }
        let w = (t - times[low]) / (times[high] - times[low])
        return factors[low] + w * (factors[high] - factors[low])
    }

    /// The largest f on [0, t]: the largest node inside and the interpolated value at t (exact for a piecewise-linear f).
    public func peakFactor(upTo t: Double) -> Double {
        var peak = max(factor(at: 0), factor(at: max(0, t)))
        for (time, f) in zip(times, factors) where time > 0 && time < t { peak = max(peak, f) }
        return peak
    }
}

/// How an optimised schedule (`optimal`, Pontryagin's minimum principle in OnlineTheory) ended: `sweeps`
/// forward–backward sweeps, the minimum principle's `residual` max|f̂ − f|/f_max over the nodes (f̂ the Hamiltonian's
/// minimiser), and ε_g(t_max) it reaches.
public struct ScheduleOptimality: Sendable, Hashable {
    /// The number of forward–backward sweeps done.
    public var sweeps: Int
    /// The minimum principle's residual max|f̂ − f|/f_max over the nodes at the last sweep.
    public var residual: Double
    /// ε_g(t_max) under the final table.
    public var finalError: Double

    /// The outcome of an optimisation: its sweeps, residual and ε_g(t_max).
    public init(sweeps: Int, residual: Double, finalError: Double) { self.sweeps = sweeps; self.residual = residual; self.finalError = finalError }
}

/// A schedule given by a closure: f(t) = `factor(t)`, with its name and breakpoints. Equal (and hashed) by name and
/// breakpoints, since closures cannot be compared.
public struct CustomSchedule: Sendable, Hashable {
    /// Its `description` and its SPEC in `result.json`; with `breakpoints`, what equality compares.
    public let name: String
    /// The times where f or its derivative jumps, ascending (the integrator restarts there).
    public let breakpoints: [Double]
    /// f(t) ≥ 0.
    public let factor: @Sendable (Double) -> Double

    /// Equal iff the names and the breakpoints are (closures cannot be compared).
    public static func == (a: CustomSchedule, b: CustomSchedule) -> Bool { a.name == b.name && a.breakpoints == b.breakpoints }
    /// Hashes the name and the breakpoints, as `==` compares them.
    public func hash(into hasher: inout Hasher) { hasher.combine(name); hasher.combine(breakpoints) }
}
