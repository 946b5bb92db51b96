/// A plain-text table for stdout: right-aligned columns, numbers in a compact fixed format.
public struct TextTable: Sendable {
    public let header: [String]
    public private(set) var rows: [[String]] = []

    public init(header: [String]) { self.header = header }

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
