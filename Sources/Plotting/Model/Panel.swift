/// Axis scaling.
public enum AxisScale: String, Codable, Sendable { case linear, log }

/// Where a panel's legend goes: `best` (the default) puts it where it covers no data, or outside the axes on their
/// right when every place inside covers some (`LegendPlacement`); `outside` always puts it there; the corners are fixed.
public enum LegendPosition: String, Codable, Sendable { case best, outside, upperRight, upperLeft, lowerRight, lowerLeft, none }

/// One set of axes: series drawn against x and y, or a heatmap.
public struct Panel: Codable, Sendable {
    public var title: String?
    public var xLabel: String?
    public var yLabel: String?
    public var xScale: AxisScale
    public var yScale: AxisScale
    /// Fixed [lo, hi] axis limits; `nil`: from the data with a 5% margin, as matplotlib.
    public var xRange: [Double]?
    public var yRange: [Double]?
    public var legend: LegendPosition
    public var series: [Series]
    /// When set, the panel shows this heatmap instead of series.
    public var heatmap: Heatmap?

    public init(title: String? = nil, xLabel: String? = nil, yLabel: String? = nil, xScale: AxisScale = .linear,
                yScale: AxisScale = .linear, xRange: [Double]? = nil, yRange: [Double]? = nil,
                legend: LegendPosition = .best, series: [Series] = []) {
        self.title = title; self.xLabel = xLabel; self.yLabel = yLabel; self.xScale = xScale; self.yScale = yScale
        self.xRange = xRange; self.yRange = yRange; self.legend = legend; self.series = series; self.heatmap = nil
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
    public var title: String?
    public var panels: [Panel]
    public var columns: Int
    /// Size of one panel cell in pixels (1 px = 1/96 in), axes and labels included.
    public var panelWidth: Double
    public var panelHeight: Double
    /// One legend for every panel, the first panel's entries, drawn under the title (`sharingRepeatedLegends()`).
    public var sharedLegend: Bool?

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
