/// A rectangular table written as CSV: a header row, then one row per record. Non-finite values are empty cells.
public struct CSVTable: Sendable, Hashable {
    /// The column names, written as the header row.
    public let columns: [String]
    /// The records, each with one value per column.
    public private(set) var rows: [[Double]]

    /// An empty table with the given column names.
    public init(columns: [String]) { self.columns = columns; self.rows = [] }

    /// A table whose columns are the given named arrays (all truncated to the shortest).
    public init(_ named: [(String, [Double])]) {
        columns = named.map(\.0)
        let length = named.map(\.1.count).min() ?? 0
        rows = (0..<length).map { k in named.map { $0.1[k] } }
    }

    /// Appends one record; traps unless `row` has one value per column.
    public mutating func append(_ row: [Double]) {
        precondition(row.count == columns.count, "CSV row has \(row.count) cells for \(columns.count) columns")
        rows.append(row)
    }

    /// The CSV text: the comma-separated header, then one line per row, each line ending in a newline.
    public var text: String {
        var out = columns.joined(separator: ",") + "\n"
        for row in rows {
            out += row.map { $0.isFinite ? "\($0)" : "" }.joined(separator: ",") + "\n"
        }
        return out
    }
}
