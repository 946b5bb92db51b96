/// A rectangular table written as CSV: a header row, then one row per record. Non-finite values are empty cells.
public struct CSVTable: Sendable, Hashable {
    /// The column names, written as the header row.
    public let columns: [String]
    /// The records, each with one value per column.
    public private(set) var rows: [[Double]]
    /// The columns written as integers (`step`: 12, not 12.0); their values must be whole numbers.
    public var integerColumns: Set<String> = []

    /// An empty table with the given column names.
    public init(columns: [String]) { self.columns = columns; self.rows = [] }

    /// A table whose columns are the given named arrays (all truncated to the shortest); the columns named in
    /// `integers` are written as integers.
    public init(_ named: [(String, [Double])], integers: Set<String> = []) {
        columns = named.map(\.0)
        let length = named.map(\.1.count).min() ?? 0
        rows = (0..<length).map { k in named.map { $0.1[k] } }
        integerColumns = integers
    }

    /// Appends one record; traps unless `row` has one value per column.
    public mutating func append(_ row: [Double]) {
        precondition(row.count == columns.count, "CSV row has \(row.count) cells for \(columns.count) columns")
        rows.append(row)
    }

    /// The CSV text: the comma-separated header, then one line per row, each line ending in a newline.
    public var text: String {
        var out = columns.joined(separator: ",") + "\n"
        let integral = columns.map { integerColumns.contains($0) }
        for row in rows {
            out += row.enumerated().map { index, value in
                guard value.isFinite else { return "" }
                if integral[index], value == value.rounded(), abs(value) < 9.0e15 { return String(Int64(value)) }
                return "\(value)"
            }.joined(separator: ",") + "\n"
        }
        return out
    }
}
