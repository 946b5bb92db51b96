/// A JSON document with ordered object keys, so result files read top-down (settings, grid, theory, …).
///
/// Non-finite numbers are written as `null` (JSON has no NaN); doubles use Swift's shortest round-trip form.
public indirect enum JSONValue: Sendable, Hashable {
    /// The JSON `null` (also what a non-finite number is written as).
    case null
    /// `true` or `false`.
    case bool(Bool)
    /// A floating-point number; written as an integer when it is whole and below 10¹⁵ in magnitude, as `null` when
    /// not finite.
    case number(Double)
    /// A signed integer written exactly.
    case integer(Int)
    /// An unsigned integer written exactly, e.g. a 64-bit random seed above Int.max.
    case unsigned(UInt64)
    /// A string (escaped when written).
    case string(String)
    /// An array of values, in order.
    case array([JSONValue])
    /// An object: its members as (key, value) pairs in the order they are written.
    case object([(String, JSONValue)])

    /// Whether both values serialize to the same text (so member order matters, and `.number(1)` equals
    /// `.integer(1)`).
    public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool { lhs.serialized() == rhs.serialized() }
    /// Hashes the serialized text, consistently with `==`.
    public func hash(into hasher: inout Hasher) { hasher.combine(serialized()) }

    /// An array of numbers.
    public static func numbers(_ values: [Double]) -> JSONValue { .array(values.map(JSONValue.number)) }

    /// A matrix (rows of numbers) from row-major storage.
    public static func matrix(_ values: ArraySlice<Double>, rows: Int, columns: Int) -> JSONValue {
        let start = values.startIndex
        return .array((0..<rows).map { r in .numbers(Array(values[(start + r * columns)..<(start + (r + 1) * columns)])) })
    }

    /// Text of the document; `indent` spaces per level, or one line when `indent` is 0.
    /// Arrays of scalars are kept on one line so long numeric columns stay compact.
    public func serialized(indent: Int = 2) -> String {
        var out = ""
        write(into: &out, level: 0, indent: indent)
        return out
    }

    private var isScalar: Bool {
        switch self {
        case .array, .object: false
        default: true
        }
    }

    private func write(into out: inout String, level: Int, indent: Int) {
        let newline = indent > 0 ? "\n" : ""
        let pad = String(repeating: " ", count: indent * (level + 1))
        let closePad = String(repeating: " ", count: indent * level)
        switch self {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .integer(let i): out += String(i)
        case .unsigned(let u): out += String(u)
        case .number(let x): out += Self.format(x)
        case .string(let s): Self.quote(s, into: &out)
        case .array(let items):
            if items.isEmpty { out += "[]"; return }
            if indent == 0 || items.allSatisfy(\.isScalar) {
                out += "["
                for (i, item) in items.enumerated() {
                    if i > 0 { out += indent > 0 ? ", " : "," }
                    item.write(into: &out, level: level + 1, indent: 0)
                }
                out += "]"
            } else {
                out += "[" + newline
                for (i, item) in items.enumerated() {
                    out += pad
                    item.write(into: &out, level: level + 1, indent: indent)
                    out += i + 1 < items.count ? "," + newline : newline
                }
                out += closePad + "]"
            }
        case .object(let members):
            if members.isEmpty { out += "{}"; return }
            out += "{" + newline
            for (i, (key, value)) in members.enumerated() {
                out += pad
                Self.quote(key, into: &out)
                out += indent > 0 ? ": " : ":"
                value.write(into: &out, level: level + 1, indent: indent)
                out += i + 1 < members.count ? "," + newline : newline
            }
            out += closePad + "}"
        }
    }

    static func format(_ x: Double) -> String {
        guard x.isFinite else { return "null" }
        if x == x.rounded(), abs(x) < 1e15 { return String(Int64(x)) }
        return "\(x)"
    }

    static func quote(_ s: String, into out: inout String) {
        out += "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
    }
}

extension JSONValue: ExpressibleByStringLiteral, ExpressibleByFloatLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral {
    /// A string literal as `.string`.
    public init(stringLiteral value: String) { self = .string(value) }
    /// A float literal as `.number`.
    public init(floatLiteral value: Double) { self = .number(value) }
    /// An integer literal as `.integer`.
    public init(integerLiteral value: Int) { self = .integer(value) }
    /// A boolean literal as `.bool`.
    public init(booleanLiteral value: Bool) { self = .bool(value) }
}
