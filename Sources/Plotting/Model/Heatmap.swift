/// A matrix shown as coloured cells (row 0 at the top, as matplotlib's `imshow`), with a colour bar.
public struct Heatmap: Codable, Sendable {
    /// Row-major values, `rows × columns`.
    public var values: [Double]
    public var rows: Int
    public var columns: Int
    public var colormap: Colormap
    /// [min, max] of the colour scale; `nil`: the data range (symmetric about 0 for `redBlue`).
    public var range: [Double]?
    public var colorbarLabel: String?
    /// Tick labels at the cell centres (all cells), e.g. unit indices.
    public var rowLabels: [String]?
    public var columnLabels: [String]?
    /// Axis coordinates of the outer cell edges [x0, x1] and [y0 (top), y1 (bottom)], for ticks in data units
    /// (e.g. times); used when no labels are given.
    public var xExtent: [Double]?
    public var yExtent: [Double]?

    public init(values: [Double], rows: Int, columns: Int, colormap: Colormap = .viridis, range: [Double]? = nil,
                colorbarLabel: String? = nil, rowLabels: [String]? = nil, columnLabels: [String]? = nil,
                xExtent: [Double]? = nil, yExtent: [Double]? = nil) {
        precondition(values.count == rows * columns, "heatmap needs rows × columns values")
        self.values = values; self.rows = rows; self.columns = columns; self.colormap = colormap; self.range = range
        self.colorbarLabel = colorbarLabel; self.rowLabels = rowLabels; self.columnLabels = columnLabels
        self.xExtent = xExtent; self.yExtent = yExtent
    }

    /// The colour-scale limits actually used.
    public var scale: (lo: Double, hi: Double) {
        if let range, range.count == 2, range[0] < range[1] { return (range[0], range[1]) }
        let finite = values.filter(\.isFinite)
        var lo = finite.min() ?? 0, hi = finite.max() ?? 1
        if colormap == .redBlue { let a = max(abs(lo), abs(hi)); (lo, hi) = (-a, a) }
        if lo == hi { (lo, hi) = (lo - 1, hi + 1) }
        return (lo, hi)
    }
}
