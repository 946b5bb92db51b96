/// A plain-text table for stdout: right-aligned columns, numbers in a compact fixed format.
public struct TextTable: Sendable {
    /// The column titles; they fix the number of columns.
    public let header: [String]
    /// The rows of cells, already formatted.
    public private(set) var rows: [[String]] = []

    /// An empty table with the given column titles.
    public init(header: [String]) { self.header = header }

    /// Appends a row of cells (at most one per column of `header`).
    public mutating func append(_ cells: [String]) { rows.append(cells) }

    /// `x` with `digits` significant digits (%g style), or "—" when not finite.
    public static func format(_ x: Double, digits: Int = 5) -> String {
        guard x.isFinite else { return "—" }
        return String(format: "%.\(digits)g", x)
    }

    /// About `rows` indices spread evenly over 0..<count, first and last included, ascending and distinct.
    public static func sampleIndices(count n: Int, rows: Int) -> [Int] {
        guard n > 0 else { return [] }
        return Array(Set((0..<rows).map { $0 * (n - 1) / max(1, rows - 1) })).sorted()
    }

    /// The table as text: the header, a rule of dashes, then the rows, each column right-aligned to its widest cell,
    /// columns separated by two spaces, each line ending in a newline.
    public var text: String {
        let all = [header] + rows
        let widths = header.indices.map { c in all.map { $0.indices.contains(c) ? $0[c].count : 0 }.max() ?? 0 }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { c, cell in String(repeating: " ", count: widths[c] - cell.count) + cell }
                .joined(separator: "  ")
        }
        let rule = widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ")
        return ([line(header), rule] + rows.map(line)).joined(separator: "\n") + "\n"
    }
}
