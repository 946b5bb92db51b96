import Foundation
import Reporting

/// A problem with a sweep file, its grid or its output directory, said in the user's terms.
public struct SweepError: Error, CustomStringConvertible, Sendable {
    /// The message, as the CLI prints it.
    public let description: String
    /// Whether the sweep asks for something outside its domain (a malformed sweep file or axis, too many points): the
    /// CLI's exit 64; otherwise (a damaged shard, a directory that holds another sweep) exit 1.
    public let isOutOfRange: Bool
    /// An error with the message `description`; `invalid(_:)` is the out-of-range (exit 64) form.
    public init(_ description: String, isOutOfRange: Bool = false) { self.description = description; self.isOutOfRange = isOutOfRange }

    /// A malformed sweep file, axis or grid.
    public static func invalid(_ description: String) -> SweepError { SweepError(description, isOutOfRange: true) }
}

/// One value of an axis, as the command line receives it.
public enum SweepValue: Sendable, Hashable, CustomStringConvertible {
    /// A number, with the text passed on the command line (`%.12g` of a range's value, or the file's own text).
    case number(Double, text: String)
    /// A word passed verbatim (an activation, a loss, a schedule spec, a list "0.5,1").
    case text(String)
    /// A flag: present (`--name`) or absent.
    case flag(Bool)

    /// The arguments that set option `name` to this value.
    public func arguments(option name: String) -> [String] {
        switch self {
        case .number(_, let text): ["--\(name)", text]
        case .text(let text): ["--\(name)", text]
        case .flag(let on): on ? ["--\(name)"] : []
        }
    }

    /// The value as the command line and `sweep.json` show it: a number's text, the word, or `true`/`false` for a flag.
    public var description: String {
        switch self {
        case .number(_, let text): text
        case .text(let text): text
        case .flag(let on): on ? "true" : "false"
        }
    }

    /// The number of a numeric value (1/0 for a flag).
    public var number: Double? {
        switch self {
        case .number(let x, _): x
        case .flag(let on): on ? 1 : 0
        case .text: nil
        }
    }

    /// A number's command-line text: integers without a fraction, others with 12 significant digits (so that
    /// 0.1·3 is passed as 0.3, not 0.30000000000000004).
    public static func format(_ x: Double) -> String {
        if x == x.rounded(), abs(x) < 1e15 { return String(Int64(x)) }
        return String(format: "%.12g", x)
    }
}

/// A named axis of a sweep: the option (its name without the dashes) and its values in order.
///
/// Written in a sweep file as a JSON list of numbers, strings or booleans; a range `"start:stop:step"` (stop included
/// when it falls on the grid, to 1e-9 of a step); a logarithmic range `"log:start:stop:count"` (count values from start
/// to stop, both > 0, equally spaced in log); or one scalar. Counted before anything is built.
public struct SweepAxis: Sendable, Hashable {
    /// The option's name without the leading dashes (`lr` for `--lr`).
    public let name: String
    /// The values in order; distinct when the axis was read from JSON or the command line.
    public let values: [SweepValue]

    /// At most this many values per axis, and points per sweep (`SweepGrid`).
    public static let maximumCount = 1_000_000

    /// An axis with the given name and values, taken as they are (neither is checked).
    public init(name: String, values: [SweepValue]) { self.name = name; self.values = values }

    /// The axis `name` from its JSON value in a sweep file.
    public init(name: String, json: JSONValue) throws {
        guard name.range(of: "^[a-z0-9][a-z0-9-]*$", options: .regularExpression) != nil else {
            throw SweepError.invalid("axis '\(name)' is not an option name (lower-case letters, digits and '-', without the leading dashes)")
        }
        guard name != "output" else { throw SweepError.invalid("'output' cannot be an axis: every point gets its own directory under the sweep's --output") }
        self.name = name
        switch json {
        case .array(let elements):
            guard !elements.isEmpty else { throw SweepError.invalid("axis '\(name)' has no values") }
            guard elements.count <= Self.maximumCount else { throw SweepError.invalid("axis '\(name)' has \(elements.count) values; at most \(Self.maximumCount)") }
            values = try elements.map { try Self.scalar($0, axis: name) }
        case .string(let text) where text.hasPrefix("log:"):
            values = try Self.logRange(text, axis: name)
        case .string(let text) where text.split(separator: ":", omittingEmptySubsequences: false).count == 3:
            values = try Self.linearRange(text, axis: name)
        default:
            values = [try Self.scalar(json, axis: name)]
        }
        guard Set(values).count == values.count else { throw SweepError.invalid("axis '\(name)' repeats a value") }
    }

    static func scalar(_ json: JSONValue, axis: String) throws -> SweepValue {
        switch json {
        case .integer(let n): return .number(Double(n), text: String(n))
        case .unsigned(let n): return .number(Double(n), text: String(n))
        case .number(let x): return .number(x, text: SweepValue.format(x))
        case .bool(let on): return .flag(on)
        case .string(let text):
            guard !text.isEmpty, !text.contains("\n"), !text.contains("\0") else {
                throw SweepError.invalid("axis '\(axis)' has an empty value or one with a newline")
            }
            if let x = Double(text), x.isFinite { return .number(x, text: text) }
            return .text(text)
        default:
            throw SweepError.invalid("axis '\(axis)' values must be numbers, strings or booleans, got \(json.serialized(indent: 0))")
        }
    }

    static func numbers(_ text: String, count: Int, axis: String, form: String) throws -> [Double] {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false).suffix(count)
        let numbers = parts.compactMap { Double($0) }
        guard parts.count == count, numbers.count == count, numbers.allSatisfy(\.isFinite) else {
            throw SweepError.invalid("axis '\(axis)' range must be \(form) with finite numbers, got '\(text)'")
        }
        return numbers
    }

    static func linearRange(_ text: String, axis: String) throws -> [SweepValue] {
        let n = try numbers(text, count: 3, axis: axis, form: "start:stop:step")
        let (start, stop, step) = (n[0], n[1], n[2])
        guard step > 0, stop >= start else { throw SweepError.invalid("axis '\(axis)' range must have step > 0 and stop ≥ start, got '\(text)'") }
        let steps = ((stop - start) / step + 1e-9).rounded(.down)
        guard steps.isFinite, steps < Double(maximumCount) else {
            throw SweepError.invalid("axis '\(axis)' range '\(text)' has about \(String(format: "%.1e", steps + 1)) values; at most \(maximumCount)")
        }
        return (0...Int(steps)).map { i in
            let text = SweepValue.format(start + Double(i) * step)
            return .number(Double(text) ?? start + Double(i) * step, text: text)
        }
    }

    static func logRange(_ text: String, axis: String) throws -> [SweepValue] {
        let form = "log:start:stop:count"
        guard text.split(separator: ":", omittingEmptySubsequences: false).count == 4 else {
            throw SweepError.invalid("axis '\(axis)' logarithmic range must be \(form), got '\(text)'")
        }
        let n = try numbers(text, count: 3, axis: axis, form: form)
        let (start, stop) = (n[0], n[1])
        guard start > 0, stop > 0 else { throw SweepError.invalid("axis '\(axis)' logarithmic range needs start and stop > 0, got '\(text)'") }
        guard n[2] >= 1, n[2] == n[2].rounded(), n[2] <= Double(maximumCount) else {
            throw SweepError.invalid("axis '\(axis)' logarithmic range needs an integer count from 1 to \(maximumCount), got '\(text)'")
        }
        let count = Int(n[2])
        if count == 1 { return [.number(start, text: SweepValue.format(start))] }
        let ratio = Foundation.log(stop / start)
        return (0..<count).map { i in
            let x = i == count - 1 ? stop : start * Foundation.exp(ratio * Double(i) / Double(count - 1))
            let text = SweepValue.format(x)
            return .number(Double(text) ?? x, text: text)
        }
    }
}

extension SweepAxis {
    /// The axis `name` from a command-line value: a range `start:stop:step`, a logarithmic range
    /// `log:start:stop:count`, or a comma-separated list of numbers (as the short-hands' `--lr`, `--alpha` take them).
    public init(name: String, commandLine text: String) throws {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed.hasPrefix("log:") || trimmed.split(separator: ":", omittingEmptySubsequences: false).count == 3 {
            do { try self.init(name: name, json: .string(trimmed)) } catch let error as SweepError {
                throw SweepError.invalid("--\(name): \(error.description)")
            }
            return
        }
        let pieces = trimmed.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        guard !trimmed.isEmpty, pieces.allSatisfy({ Double($0)?.isFinite == true }) else {
            throw SweepError.invalid("--\(name) must be start:stop:step, log:start:stop:count or a comma-separated list of finite numbers, got '\(text)'")
        }
        guard pieces.count <= Self.maximumCount else { throw SweepError.invalid("--\(name) has \(pieces.count) values; at most \(Self.maximumCount)") }
        try self.init(name: name, json: .array(pieces.map(JSONValue.string)))
    }
}

extension SweepAxis {
    /// Throws (out of range) unless every value is a number meeting `condition`: "every lr must be positive, got -1".
    public func require(_ what: String, _ expectation: String, _ condition: (Double) -> Bool) throws {
        for value in values {
            guard let x = value.number, x.isFinite, condition(x) else {
                throw SweepError.invalid("--\(name): \(what) must be \(expectation), got \(value)")
            }
        }
    }
}
