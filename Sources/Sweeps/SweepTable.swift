import Foundation
import Reporting

/// A path to one scalar of a result file: dotted member names, each with optional indices, negative from the end,
/// e.g. `theory.eg[-1]`, `simulation.mean.R[-1][0][1]`, `relaxation.theory_step`.
public struct ResultPath: Sendable, Hashable, CustomStringConvertible {
    enum Step: Sendable, Hashable { case member(String), index(Int) }
    let steps: [Step]
    /// The path as written, e.g. `theory.eg[-1]`: the name of its table column.
    public let description: String

    /// Parses `text`; throws `SweepError` (out of range) for an empty member name or an index that is not `[i]`.
    public init(_ text: String) throws {
        var steps: [Step] = []
        for part in text.split(separator: ".", omittingEmptySubsequences: false) {
            var rest = Substring(part)
            let name = rest.prefix { $0 != "[" }
            guard !name.isEmpty else { throw SweepError.invalid("result path '\(text)' has an empty member name") }
            steps.append(.member(String(name)))
            rest = rest.dropFirst(name.count)
            while !rest.isEmpty {
                guard rest.first == "[", let close = rest.firstIndex(of: "]"), let index = Int(rest[rest.index(after: rest.startIndex)..<close]) else {
                    throw SweepError.invalid("result path '\(text)' has a malformed index (use [i] or [-1])")
                }
                steps.append(.index(index))
                rest = rest[rest.index(after: close)...]
            }
        }
        self.steps = steps
        description = text
    }

    /// The value at this path in `document`, or nil.
    public func value(in document: JSONValue) -> JSONValue? {
        var current = document
        for step in steps {
            switch step {
            case .member(let name):
                guard let next = current[name] else { return nil }
                current = next
            case .index(let i):
                guard let elements = current.arrayValue else { return nil }
                let position = i < 0 ? elements.count + i : i
                guard elements.indices.contains(position) else { return nil }
                current = elements[position]
            }
        }
        return current
    }
}

/// One row per point of a sweep directory: the point's index and axis values, its outcome, and scalar results read
/// from its `result.json`:
///
/// - `t_final`: the last output time (`t[-1]`, or `step[-1]` for DMFT),
/// - `eg_final`, `eg_final_simulation`: the last resolved theory ε_g and the simulation's mean (online models),
/// - `m_final`, `Delta_final`, `e_final`, `relaxation_step` (DMFT),
/// - `diverged`: 1 when the command reported a divergence (exit 3), else 0; `divergence_time`: when the theory diverged
///   (empty when it did not),
/// - `agreement`: the comparison's verdict,
/// - with a target ε, `time_to_target`: the first time the theory's ε_g (DMFT: Δ) reaches it, interpolated linearly in
///   log ε between output times (empty when it never does),
/// - and every path asked for (`ResultPath`), named by its text.
///
/// Columns that no point has are left out. Pending points are listed with outcome `pending`.
public struct SweepTable: Sendable {
    /// The column names: `point`, the axes and `outcome`, then the results in the order first seen.
    public let columns: [String]
    /// Cells as JSON scalars (null when absent).
    public let rows: [[JSONValue]]

    /// A table of the given columns and rows (one cell per column in each row).
    public init(columns: [String], rows: [[JSONValue]]) { self.columns = columns; self.rows = rows }

    /// The sweep recorded in the sweep directory `url` (its `sweep.json`).
    public static func specification(_ url: URL) throws -> SweepSpecification {
        let file = try SweepDirectory.recordedFile(at: url)
        guard let specification = try? SweepSpecification(json: file) else {
            throw SweepError("\(url.appendingPathComponent(SweepDirectory.fileName).path) is not a statphys sweep record")
        }
        return specification
    }

    /// The table of the sweep directory `url`: `collect` of its `SweepResults`. Throws `SweepError` when `url` holds no
    /// readable sweep record or its grid has too many points.
    public static func collect(_ url: URL, target: Double? = nil, paths: [ResultPath] = []) throws -> SweepTable {
        try collect(SweepResults(url), target: target, paths: paths)
    }

    /// The table of `results`, one row per point: with `target`, the column `time_to_target`; one column per path of
    /// `paths` (null where a point's result has no scalar there).
    public static func collect(_ results: SweepResults, target: Double? = nil, paths: [ResultPath] = []) throws -> SweepTable {
        let axes = results.specification.axes.map(\.name)
        var named: [[(String, JSONValue)]] = []
        for entry in results.points {
            var row: [(String, JSONValue)] = [("point", .integer(entry.point.index))]
            for (axis, value) in entry.point.values {
                row.append((axis, value.number.map(JSONValue.number) ?? .string(value.description)))
            }
            row.append(("outcome", .string(entry.outcome)))
            guard let result = entry.result else {
                named.append(row)
                continue
            }
            row.append(("diverged", .integer(entry.outcome == "diverged" ? 1 : 0)))
            row += scalars(of: result, target: target)
            for path in paths { row.append((path.description, path.value(in: result).flatMap(scalar) ?? .null)) }
            named.append(row)
        }
        // Columns in the order first seen, the point's axes first.
        var columns: [String] = ["point"] + axes + ["outcome"]
        for row in named { for (name, _) in row where !columns.contains(name) { columns.append(name) } }
        let rows = named.map { row in columns.map { name in row.first { $0.0 == name }?.1 ?? .null } }
        return SweepTable(columns: columns, rows: rows)
    }

    /// A JSON scalar (numbers, strings, booleans); nil for arrays, objects and null.
    static func scalar(_ value: JSONValue) -> JSONValue? {
        switch value {
        case .number, .integer, .unsigned, .string, .bool: value
        default: nil
        }
    }

    static func lastNumber(_ value: JSONValue?) -> Double? {
        value?.arrayValue?.reversed().lazy.compactMap(\.doubleValue).first
    }

    static func scalars(of result: JSONValue, target: Double?) -> [(String, JSONValue)] {
        var out: [(String, JSONValue)] = []
        let times = result["t"]?.arrayValue?.compactMap(\.doubleValue) ?? result["step"]?.arrayValue?.compactMap(\.doubleValue)
        if let last = times?.last { out.append(("t_final", .number(last))) }
        let theory = result["theory"]
        if let eg = lastNumber(theory?["eg"]) { out.append(("eg_final", .number(eg))) }
        if let eg = lastNumber(result["simulation"]?["mean"]?["eg"]) { out.append(("eg_final_simulation", .number(eg))) }
        for key in ["m", "Delta", "e"] { if let x = lastNumber(theory?[key]) { out.append(("\(key)_final", .number(x))) } }
        if let step = result["relaxation"]?["theory_step"] { out.append(("relaxation_step", scalar(step) ?? .null)) }
        if let divergence = result["divergence"]?["theory"] {
            // {t, reason} (online and DMFT alike; "time" in results written before the formats were one).
            let time = divergence["t"]?.doubleValue ?? divergence["time"]?.doubleValue
            out.append(("divergence_time", time.map(JSONValue.number) ?? .null))
        }
        if let verdict = result["agreement"]?["verdict"]?.stringValue { out.append(("agreement", .string(verdict))) }
        if let target, let times {
            let curve = theory?["eg"]?.arrayValue ?? theory?["Delta"]?.arrayValue ?? []
            out.append(("time_to_target", firstCrossing(times: times, values: curve.map(\.doubleValue), target: target).map(JSONValue.number) ?? .null))
        }
        return out
    }

    /// The first time `values` reaches `target` from above, linear in log between output times.
    static func firstCrossing(times: [Double], values: [Double?], target: Double) -> Double? {
        var previous: (t: Double, v: Double)? = nil
        for (t, value) in zip(times, values) {
            guard let v = value else { continue }
            if v <= target {
                guard let p = previous, p.v > target, v > 0, p.v > 0 else { return t }
                let fraction = Foundation.log(p.v / target) / Foundation.log(p.v / v)
                return p.t + fraction * (t - p.t)
            }
            previous = (t, v)
        }
        return nil
    }

    /// The points without a result (failed or pending), by index.
    public var missing: [Int] {
        guard let outcome = columns.firstIndex(of: "outcome"), let point = columns.firstIndex(of: "point") else { return [] }
        return rows.compactMap { row in
            ["failed", "pending"].contains(row[outcome].stringValue ?? "") ? row[point].doubleValue.map { Int($0) } : nil
        }
    }

    /// "9 points: 7 completed, 1 diverged, 1 failed; missing: 3" (the first 20 missing points).
    public static func summary(of table: SweepTable) -> String {
        guard let outcome = table.columns.firstIndex(of: "outcome") else { return "\(table.rows.count) points" }
        let names: [String] = ["completed", "diverged", "failed", "pending"]
        let counts = names.map { name in
            (name, table.rows.filter { $0[outcome].stringValue == name }.count)
        }
        var text = "\(table.rows.count) points: " + counts.filter { $0.1 > 0 || $0.0 == "completed" }.map { "\($0.1) \($0.0)" }.joined(separator: ", ")
        let missing = table.missing
        if !missing.isEmpty {
            text += "; missing: " + missing.prefix(20).map(String.init).joined(separator: ", ") + (missing.count > 20 ? ", …" : "")
                + " (run the sweep again to compute just those)"
        }
        return text
    }

    /// The table as CSV (strings quoted when they need it; empty cells for null).
    public var csv: String {
        func cell(_ value: JSONValue) -> String {
            switch value {
            case .null: return ""
            case .string(let text):
                return text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
            case .bool(let on): return on ? "true" : "false"
            default: return value.serialized(indent: 0)
            }
        }
        return ([columns.joined(separator: ",")] + rows.map { $0.map(cell).joined(separator: ",") }).joined(separator: "\n") + "\n"
    }

    /// The table as JSON: `columns` and `rows` (one object per point).
    public var json: JSONValue {
        .object([
            ("columns", .array(columns.map(JSONValue.string))),
            ("rows", .array(rows.map { row in .object(Array(zip(columns, row))) })),
        ])
    }
}
