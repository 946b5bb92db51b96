/// Axis scaling.
public enum AxisScale: String, Codable, Sendable {
    /// Values evenly spaced.
    case linear
    /// Base-10 logarithmic: decades evenly spaced; non-positive values are not drawn.
    case log
}

/// Where a panel's legend goes: `best` (the default) puts it where it covers no data, or outside the axes on their
/// right when every place inside covers some (`LegendPlacement`); `outside` always puts it there; the corners are fixed.
public enum LegendPosition: String, Codable, Sendable {
    /// Inside the axes where the legend covers no data, else outside them on their right.
    case best
    /// Outside the axes, on their right (the axes are narrowed to make room, by at most half their width).
    case outside
    /// Inside the axes, in their upper right corner.
    case upperRight
    /// Inside the axes, in their upper left corner.
    case upperLeft
    /// Inside the axes, in their lower right corner.
    case lowerRight
    /// Inside the axes, in their lower left corner.
    case lowerLeft
    /// No legend.
    case none
}

/// One set of axes: series drawn against x and y, or a heatmap.
public struct Panel: Codable, Sendable {
    /// Title centred above the axes; `nil`: none.
    public var title: String?
    /// Label under the x axis; `nil`: none.
    public var xLabel: String?
    /// Label left of the y axis, rotated; `nil`: none.
    public var yLabel: String?
    /// Scale of the x axis.
    public var xScale: AxisScale
    /// Scale of the y axis.
    public var yScale: AxisScale
    /// Fixed x-axis limits; `nil`: from the data with a 5% margin, as matplotlib. Positive on a log axis
    /// (`validate()`).
    public var xRange: AxisRange?
    /// Fixed y-axis limits; `nil`: from the data (as `xRange`).
    public var yRange: AxisRange?
    /// Where the legend of the labelled series goes (not drawn over a heatmap).
    public var legend: LegendPosition
    /// The data, in legend order (drawn bands first, then lines, then points); over a heatmap, its lines and points
    /// are drawn in the heatmap's coordinates.
    public var series: [Series]
    /// When set, the panel shows this heatmap instead of series.
    public var heatmap: Heatmap?

    /// A panel of `series` without a heatmap (for one: `heatmap(_:title:xLabel:yLabel:)`).
    public init(title: String? = nil, xLabel: String? = nil, yLabel: String? = nil, xScale: AxisScale = .linear,
                yScale: AxisScale = .linear, xRange: AxisRange? = nil, yRange: AxisRange? = nil,
                legend: LegendPosition = .best, series: [Series] = []) {
        self.title = title; self.xLabel = xLabel; self.yLabel = yLabel; self.xScale = xScale; self.yScale = yScale
        self.xRange = xRange; self.yRange = yRange; self.legend = legend; self.series = series; self.heatmap = nil
    }

    /// Throws `PlotError` when a fixed range does not fit its axis (≤ 0 on a logarithmic one). `Figure.write(to:name:)`
    /// checks every panel; `svg()` of a panel that fails draws that axis from the data instead.
    public func validate() throws(PlotError) {
        for (axis, range, scale) in [("x", xRange, xScale), ("y", yRange, yScale)] {
            if let range, !range.fits(scale) {
                throw PlotError("the \(axis) range \(range.lower)…\(range.upper) of a logarithmic axis must be positive"
                                + (title.map { " (panel \"\($0)\")" } ?? ""))
            }
        }
    }

    /// A panel showing `heatmap`.
    public static func heatmap(_ heatmap: Heatmap, title: String? = nil, xLabel: String? = nil, yLabel: String? = nil) -> Panel {
        var panel = Panel(title: title, xLabel: xLabel, yLabel: yLabel, legend: .none)
        panel.heatmap = heatmap
        return panel
    }
}

/// A figure: panels on a grid, read row by row.
public struct Figure: Codable, Sendable {
    /// Title above the panels, wrapped to the figure's width; `nil`: none.
    public var title: String?
    /// The panels, filling the grid row by row; with more than one they are lettered (a), (b), ….
    public var panels: [Panel]
    /// Panels per grid row.
    public var columns: Int
    /// Size of one panel cell in pixels (1 px = 1/96 in), axes and labels included.
    public var panelWidth: Double
    /// Height of one panel cell in pixels (see `panelWidth`).
    public var panelHeight: Double
    /// One legend for every panel, the first panel's entries, drawn under the title (`sharingRepeatedLegends()`).
    public var sharedLegend: Bool?

    /// A figure of `panels`, `columns` to a row (clamped to 1…panels.count; `nil`: all in one row), each cell
    /// `panelWidth` × `panelHeight` pixels.
    public init(panels: [Panel], columns: Int? = nil, title: String? = nil, panelWidth: Double = 380, panelHeight: Double = 290) {
        self.panels = panels
        self.columns = max(1, min(columns ?? panels.count, max(panels.count, 1)))
        self.title = title
        self.panelWidth = panelWidth
        self.panelHeight = panelHeight
    }

    /// Rows of the grid (`columns` is at least 1 however the figure was made or decoded).
    public var rows: Int { (panels.count + max(columns, 1) - 1) / max(columns, 1) }
}
