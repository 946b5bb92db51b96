import Foundation
import Reporting

/// A sweep of any command: the command exactly as on the command line, and the axes whose values are added to it
/// as options, one point per combination (the last axis varies fastest), optionally repeated over base seeds.
///
///     {"command": "online linear --theory-only --t-max 5",
///      "axes": {"lr": [0.5, 1.0, 1.5], "noise": "0:0.2:0.1"},
///      "seeds": 3}
///
/// `seeds` (optional) is a count n (base seeds 1…n) or a list of seeds; it adds the last axis `seed` (`--seed s`).
/// `summary` (optional, `SweepSummaryKind`) names what the sweep assembles from its points besides the table.
/// The command must not set `--output` (each point gets its own directory) nor an option that is an axis.
public struct SweepSpecification: Sendable, Hashable {
    /// The command's arguments, without the executable's name.
    public let command: [String]
    /// The axes in order, the last varying fastest (`seed` last when the file gives `seeds`).
    public let axes: [SweepAxis]
    /// What the sweep assembles from its points besides the table (its points do not depend on it).
    public let summary: SweepSummaryKind?

    /// A sweep of `command` over `axes`. Throws `SweepError` (out of range) when the command is empty or is `sweep`,
    /// sets `--output` (`-o`) or an axis's option, an axis is named twice, or `summary` does not fit the command and
    /// the axes.
    public init(command: [String], axes: [SweepAxis], summary: SweepSummaryKind? = nil) throws {
        guard let first = command.first else { throw SweepError.invalid("the sweep's command is empty") }
        guard first != "sweep" else { throw SweepError.invalid("a sweep cannot run another sweep") }
        for token in command where token == "--output" || token.hasPrefix("--output=") || token == "-o" {
            throw SweepError.invalid("the sweep's command sets \(token); each point writes into its own directory under the sweep's --output")
        }
        for axis in axes where command.contains(where: { $0 == "--\(axis.name)" || $0.hasPrefix("--\(axis.name)=") }) {
            throw SweepError.invalid("the command already sets --\(axis.name), which is also an axis")
        }
        let names = axes.map(\.name)
        guard Set(names).count == names.count else { throw SweepError.invalid("an axis is named twice") }
        try summary?.check(command: command, axes: names)
        self.command = command
        self.axes = axes
        self.summary = summary
    }

    /// Reads a sweep file's text (JSON).
    public init(json text: String) throws {
        let document: JSONValue
        do { document = try JSONValue(parsing: text) } catch { throw SweepError.invalid("the sweep file is not valid JSON: \(error)") }
        guard let members = document.objectMembers else { throw SweepError.invalid("the sweep file must be a JSON object with \"command\" and \"axes\"") }
        for (key, _) in members where !["command", "axes", "seeds", "summary"].contains(key) {
            throw SweepError.invalid("unknown key \"\(key)\" in the sweep file (it has \"command\", \"axes\", \"seeds\" and \"summary\")")
        }
        var summary: SweepSummaryKind?
        if let value = document["summary"] {
            let names = SweepSummaryKind.allCases.map { "\"\($0)\"" }.joined(separator: " or ")
            guard let name = value.stringValue, let kind = SweepSummaryKind(rawValue: name) else {
                throw SweepError.invalid("\"summary\" must be \(names), got \(value.serialized(indent: 0))")
            }
            summary = kind
        }
        guard let commandText = document["command"]?.stringValue else { throw SweepError.invalid("the sweep file needs \"command\", a string") }
        var command = try Self.tokenize(commandText)
        if command.first == "statphys" { command.removeFirst() }
        guard let axisMembers = document["axes"]?.objectMembers, !axisMembers.isEmpty else {
            throw SweepError.invalid("the sweep file needs \"axes\", an object of at least one option name and its values")
        }
        var axes = try axisMembers.map { try SweepAxis(name: $0.0, json: $0.1) }
        if let seeds = document["seeds"] {
            guard !axes.contains(where: { $0.name == "seed" }) else { throw SweepError.invalid("give the seeds either as \"seeds\" or as an axis \"seed\", not both") }
            axes.append(try Self.seedAxis(seeds))
        }
        try self.init(command: command, axes: axes, summary: summary)
    }

    static func seedAxis(_ json: JSONValue) throws -> SweepAxis {
        switch json {
        case .integer(let n):
            guard n >= 1, n <= SweepAxis.maximumCount else { throw SweepError.invalid("\"seeds\" must be a count from 1 to \(SweepAxis.maximumCount) or a list of seeds, got \(n)") }
            return SweepAxis(name: "seed", values: (1...n).map { .number(Double($0), text: String($0)) })
        case .array(let elements):
            let axis = try SweepAxis(name: "seed", json: json)
            guard elements.allSatisfy({ if case .integer(let n) = $0 { return n >= 0 } else if case .unsigned = $0 { return true } else { return false } }) else {
                throw SweepError.invalid("\"seeds\" must list non-negative integers")
            }
            return axis
        default:
            throw SweepError.invalid("\"seeds\" must be a count or a list of seeds, got \(json.serialized(indent: 0))")
        }
    }

    /// Splits a command line into arguments at unquoted white space; '…' and "…" quote (in "…", \" and \\ escape).
    public static func tokenize(_ text: String) throws -> [String] {
        var tokens: [String] = [], current = "", inToken = false
        var quote: Character? = nil, escaped = false
        for character in text {
            if let q = quote {
                if escaped { current.append(character); escaped = false; continue }
                if q == "\"" && character == "\\" { escaped = true; continue }
                if character == q { quote = nil; continue }
                current.append(character)
                continue
            }
            if character == "'" || character == "\"" { quote = character; inToken = true; continue }
            if character.isWhitespace {
                if inToken { tokens.append(current); current = ""; inToken = false }
                continue
            }
            current.append(character)
            inToken = true
        }
        guard quote == nil else { throw SweepError.invalid("the sweep's command has an unterminated quote") }
        if inToken { tokens.append(current) }
        return tokens
    }

    /// The number of points, or nil when it exceeds `SweepAxis.maximumCount`.
    public var pointCount: Int? {
        var count = 1
        for axis in axes {
            let (product, overflow) = count.multipliedReportingOverflow(by: axis.values.count)
            guard !overflow, product <= SweepAxis.maximumCount else { return nil }
            count = product
        }
        return count
    }

    /// The grid of points (throws when it has more than `SweepAxis.maximumCount`).
    public func grid() throws -> SweepGrid {
        guard let count = pointCount else {
            let size = axes.reduce(1.0) { $0 * Double($1.values.count) }
            throw SweepError.invalid("the sweep has \(String(format: "%.3g", size)) points; at most \(SweepAxis.maximumCount)")
        }
        return SweepGrid(specification: self, count: count)
    }

    /// The specification as JSON (command, axes with their values, summary), as `sweep.json` records it.
    public var json: JSONValue {
        .object(pointMembers + (summary.map { [("summary", .string($0.rawValue))] } ?? []))
    }

    /// What decides the points: the command and the axes.
    var pointMembers: [(String, JSONValue)] {
        [("command", .array(command.map(JSONValue.string))),
         ("axes", .object(axes.map { axis in (axis.name, .array(axis.values.map { .string($0.description) })) }))]
    }

    /// SHA-256 of the command and the axes: two runs into one directory must be the same sweep (the summary may differ).
    public var fingerprint: String { SHA256.hex(JSONValue.object(pointMembers).serialized(indent: 0)) }

    /// The text of a sweep file that reads back as this specification (what the short-hands record in `sweep.json`).
    public var fileText: String {
        var members: [(String, JSONValue)] = [
            ("command", .string(command.map(Self.quotedIfNeeded).joined(separator: " "))),
            ("axes", .object(axes.map { axis in
                (axis.name, .array(axis.values.map { value -> JSONValue in
                    switch value {
                    // A number as its text, which reads back as the same value with the same text.
                    case .number(_, let text): .string(text)
                    case .text(let text): .string(text)
                    case .flag(let on): .bool(on)
                    }
                }))
            })),
        ]
        if let summary { members.append(("summary", .string(summary.rawValue))) }
        return JSONValue.object(members).serialized() + "\n"
    }

    /// An argument as `tokenize` reads it back: in single quotes when it is empty or holds white space or quotes.
    static func quotedIfNeeded(_ argument: String) -> String {
        guard argument.isEmpty || argument.contains(where: { $0.isWhitespace || $0 == "'" || $0 == "\"" || $0 == "\\" }) else { return argument }
        if !argument.contains("'") { return "'" + argument + "'" }
        return "\"" + argument.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }
}

/// One point of a sweep: its index and the value of every axis.
public struct SweepPoint: Sendable, Hashable {
    /// The point's index in the grid.
    public let index: Int
    /// Each axis's name and the point's value on it, in the order of the axes.
    public let values: [(axis: String, value: SweepValue)]

    /// Whether the points have the same index and the same values (the axis names are not compared).
    public static func == (a: SweepPoint, b: SweepPoint) -> Bool { a.index == b.index && a.values.map(\.value) == b.values.map(\.value) }
    /// Hashes the index alone (points equal under `==` share it).
    public func hash(into hasher: inout Hasher) { hasher.combine(index) }

    /// The options this point adds to the command.
    public var options: [String] { values.flatMap { $0.value.arguments(option: $0.axis) } }

    /// "lr=0.5 noise=0.1".
    public var label: String { values.map { "\($0.axis)=\($0.value)" }.joined(separator: " ") }
}

/// The points of a sweep, in order (mixed radix over the axes, the last fastest), built on demand.
public struct SweepGrid: Sendable {
    /// The sweep whose points these are.
    public let specification: SweepSpecification
    /// The number of points: the product of the axes' value counts.
    public let count: Int

    /// Point `index` (in 0..<`count`): its value on each axis from the index's mixed-radix digits.
    public func point(_ index: Int) -> SweepPoint {
        var rest = index, values: [(String, SweepValue)] = []
        for axis in specification.axes.reversed() {
            values.append((axis.name, axis.values[rest % axis.values.count]))
            rest /= axis.values.count
        }
        return SweepPoint(index: index, values: values.reversed())
    }

    /// The arguments of point `index`, writing into `directory`.
    public func arguments(_ index: Int, output directory: URL) -> [String] {
        specification.command + point(index).options + ["--output", directory.path]
    }

    /// A deterministic sample of at most `limit` point indices, the first and the last among them.
    public func sample(limit: Int) -> [Int] {
        guard count > limit, limit >= 2 else { return Array(0..<count) }
        return (0..<limit).map { Int((Double($0) * Double(count - 1) / Double(limit - 1)).rounded()) }
    }
}

extension SweepSpecification {
    /// The numbers of axis `name` (its numeric values), or nil when the sweep has no such axis.
    public func numbers(ofAxis name: String) -> [Double]? {
        axes.first { $0.name == name }.map { $0.values.compactMap(\.number) }
    }

    /// The numbers of axis `name`, which `what` (a summary) needs: throws (out of range) without it.
    public func requiredNumbers(ofAxis name: String, for what: String) throws -> [Double] {
        guard let numbers = numbers(ofAxis: name), !numbers.isEmpty else { throw SweepError.invalid("\(what) needs a numeric axis \"\(name)\"") }
        return numbers
    }

    /// The values option `name` takes over the sweep: its axis's numbers, else the command's `--name`, else `fallback`.
    public func values(of name: String, fallback: Double) -> [Double] {
        numbers(ofAxis: name) ?? [RateBoundary.option(name, in: command).flatMap(Double.init) ?? fallback]
    }
}
