/// A matrix shown as coloured cells (row 0 at the top, as matplotlib's `imshow`), with a colour bar.
public struct Heatmap: Codable, Sendable {
    /// Row-major values, `rows × columns` (cells without a value are drawn blank, extra values ignored).
    public var values: [Double]
    /// Number of rows, drawn from the top (the SVG draws at most 1000).
    public var rows: Int
    /// Number of columns, drawn from the left (the SVG draws at most 1000).
    public var columns: Int
    /// The colour map, spanning `scale` from lo (0) to hi (1).
    public var colormap: Colormap
    /// [min, max] of the colour scale; `nil`: the data range (symmetric about 0 for `redBlue`).
    public var range: [Double]?
    /// Label beside the colour bar, rotated; `nil`: none.
    public var colorbarLabel: String?
    /// Tick labels at the cell centres (all cells), e.g. unit indices.
    public var rowLabels: [String]?
    /// Tick labels at the column centres (one per column, else ignored); every k-th when neighbours would overlap.
    public var columnLabels: [String]?
    /// Axis coordinates of the outer cell edges [x0, x1] and [y0 (top), y1 (bottom)], for ticks in data units
    /// (e.g. times); used when no labels are given.
    public var xExtent: [Double]?
    /// [y0 (top edge), y1 (bottom edge)] in data units (see `xExtent`): [t_max, 0] puts t = 0 at the bottom.
    public var yExtent: [Double]?

    /// A heatmap of the row-major `values`; the other arguments set the properties of the same names.
    public init(values: [Double], rows: Int, columns: Int, colormap: Colormap = .viridis, range: [Double]? = nil,
                colorbarLabel: String? = nil, rowLabels: [String]? = nil, columnLabels: [String]? = nil,
                xExtent: [Double]? = nil, yExtent: [Double]? = nil) {
        self.values = values; self.rows = rows; self.columns = columns; self.colormap = colormap; self.range = range
        self.colorbarLabel = colorbarLabel; self.rowLabels = rowLabels; self.columnLabels = columnLabels
        self.xExtent = xExtent; self.yExtent = yExtent
    }

    /// The colour-scale limits actually used: the given range when it is finite and increasing, else the range of
    /// the finite values (symmetric for `redBlue`), widened when it has no width. Always finite with lo < hi.
    public var scale: (lo: Double, hi: Double) {
        if let range, range.count == 2, range[0].isFinite, range[1].isFinite, range[0] < range[1] { return (range[0], range[1]) }
        let finite = values.filter(\.isFinite)
        var lo = finite.min() ?? 0, hi = finite.max() ?? 1
        if colormap == .redBlue { let a = max(abs(lo), abs(hi)); (lo, hi) = (-a, a) }
        let size = max(abs(lo), abs(hi))
        if hi * 0.5 - lo * 0.5 <= size * 0.5e-9 {
            let pad = size == 0 ? 1 : max(size * 0.1, 1e-300)
            (lo, hi) = (max(lo - pad, -Double.greatestFiniteMagnitude), min(hi + pad, Double.greatestFiniteMagnitude))
        }
        return (lo, hi)
    }

    /// Where `value` lies on the colour scale, 0 at lo and 1 at hi (computed without overflow); `nil` for a
    /// non-finite value. `scale` scans every value: a loop over the cells passes it in (`colorFraction(_:on:)`).
    public func colorFraction(_ value: Double) -> Double? { Self.colorFraction(value, on: scale) }

    /// Where `value` lies on the colour scale `scale` (this heatmap's `scale`, computed once for all cells).
    public static func colorFraction(_ value: Double, on scale: (lo: Double, hi: Double)) -> Double? {
        let (lo, hi) = scale
        guard value.isFinite else { return nil }
        var u = (value - lo) / (hi - lo)
        if !u.isFinite { u = (value * 0.5 - lo * 0.5) / (hi * 0.5 - lo * 0.5) }
        return u.isFinite ? u : nil
    }

    /// The value of cell (row, column), NaN for a cell the values do not cover (a decoded heatmap may be short).
    func value(row: Int, column: Int) -> Double {
        let index = row * columns + column
        return values.indices.contains(index) ? values[index] : .nan
    }
}
