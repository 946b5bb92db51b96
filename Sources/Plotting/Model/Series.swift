/// Line style of a series.
public enum LineDash: String, Codable, Sendable {
    /// An unbroken line.
    case solid
    /// Dashes 3.7 line widths long with gaps of 1.6.
    case dashed
    /// Dots one line width long with gaps of 1.65.
    case dotted
}

/// One data series of a panel: a line, markers with optional error bars, or a shaded band.
///
/// Non-finite points are skipped (and break a line); on a logarithmic axis so are non-positive ones.
public struct Series: Codable, Sendable {
    /// What a series draws.
    public enum Kind: String, Codable, Sendable {
        /// A line through the points (x, y) in order.
        case line
        /// A marker at each (x, y) (an open circle unless `filledMarkers`), with error bars y ± `yError`.
        case points
        /// The region between `lower` and `upper` over x, filled with `opacity`.
        case band
    }

    /// What the series draws.
    public var kind: Kind
    /// Legend text; `nil` keeps the series out of the legend.
    public var label: String?
    /// x of each point (of each pair of edges for a band).
    public var x: [Double]
    /// y for lines and points; unused for bands.
    public var y: [Double]
    /// Symmetric vertical error bars for points.
    public var yError: [Double]?
    /// Band edges.
    public var lower: [Double]?
    /// Upper band edge at each x (see `lower`).
    public var upper: [Double]?
    /// `nil`: the next colour of the cycle.
    public var color: Color?
    /// Dash pattern of a line.
    public var dash: LineDash
    /// Stroke width of a line in pixels (1 px = 1/96 in); its dash pattern scales with it.
    public var lineWidth: Double
    /// Radius of a marker of `points` in pixels.
    public var markerSize: Double
    /// Markers of `points` are open circles (the line under them and their error bars stay visible) unless this is true.
    public var filledMarkers: Bool?
    /// Fill opacity of a band.
    public var opacity: Double

    /// A line through (x, y).
    public static func line(_ label: String?, x: [Double], y: [Double], color: Color? = nil, dash: LineDash = .solid, width: Double = 1.5) -> Series {
        Series(kind: .line, label: label, x: x, y: y, yError: nil, lower: nil, upper: nil, color: color, dash: dash,
               lineWidth: width, markerSize: 0, filledMarkers: nil, opacity: 1)
    }

    /// Markers at (x, y), with error bars y ± yError when given.
    public static func points(_ label: String?, x: [Double], y: [Double], yError: [Double]? = nil, color: Color? = nil, size: Double = 3) -> Series {
        Series(kind: .points, label: label, x: x, y: y, yError: yError, lower: nil, upper: nil, color: color, dash: .solid,
               lineWidth: 1, markerSize: size, filledMarkers: nil, opacity: 1)
    }

    /// The region between `lower` and `upper`, shaded.
    public static func band(_ label: String?, x: [Double], lower: [Double], upper: [Double], color: Color? = nil, opacity: Double = 0.25) -> Series {
        Series(kind: .band, label: label, x: x, y: [], yError: nil, lower: lower, upper: upper, color: color, dash: .solid,
               lineWidth: 0, markerSize: 0, filledMarkers: nil, opacity: opacity)
    }

    /// Every y-like value the series draws (for automatic ranges).
    var yExtent: [Double] {
        switch kind {
        case .line: return y
        case .points:
            guard let e = yError else { return y }
            return zip(y, e).flatMap { [$0 - $1, $0 + $1] } + y
        case .band: return (lower ?? []) + (upper ?? [])
        }
    }
}
