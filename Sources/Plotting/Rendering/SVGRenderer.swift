import Foundation

extension Figure {
    /// The figure as a standalone SVG document.
    public func svg() -> String {
        if sharedLegend != true, repeatsOneLegend { return sharingRepeatedLegends().svg() }
        // Whatever the model holds (it may come from a JSON file), the layout is a valid grid of finite size.
        let columns = max(self.columns, 1), rows = self.rows
        let panelWidth = panelWidth.isFinite && panelWidth >= 100 ? min(panelWidth, 10_000) : 380
        let panelHeight = panelHeight.isFinite && panelHeight >= 100 ? min(panelHeight, 10_000) : 290
        let width = Double(columns) * panelWidth
        // The title wraps onto as many lines as the figure's width needs.
        let titleLines = title.map { Self.wrap($0, width: width - 40, size: Self.titleFont) } ?? []
        var titleHeight = titleLines.isEmpty ? 0.0 : 12 + Self.titleLine * Double(titleLines.count)
        // A shared legend: one strip of entries under the title, wrapped to the figure's width.
        let legend = sharedLegend == true ? panels.first.map { SharedLegendStrip(panel: $0, width: width - 40) } : nil
        let legendTop = titleHeight + 4
        if let legend { titleHeight += legend.height + 6 }
        let height = Double(rows) * panelHeight + titleHeight
        var canvas = SVGCanvas()
        canvas.raw("<?xml version=\"1.0\" encoding=\"UTF-8\"?>")
        canvas.raw("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(SVGCanvas.n(width))\" height=\"\(SVGCanvas.n(height))\" viewBox=\"0 0 \(SVGCanvas.n(width)) \(SVGCanvas.n(height))\">")
        canvas.rect(0, 0, width, height, fill: "#ffffff")
        for (index, line) in titleLines.enumerated() { canvas.text(line, width / 2, 21 + Self.titleLine * Double(index), size: Self.titleFont) }
        legend?.draw(centre: width / 2, top: legendTop, on: &canvas)
        for (index, panel) in panels.enumerated() {
            let x = Double(index % columns) * panelWidth, y = titleHeight + Double(index / columns) * panelHeight
            PanelRenderer(panel: panel, x: x, y: y, width: panelWidth, height: panelHeight, id: "p\(index)",
                          letter: panelLetter(index)).draw(on: &canvas)
        }
        canvas.raw("</svg>")
        return canvas.body
    }
}

extension Figure {
    static let titleFont = 13.0, titleLine = 17.0

    /// "(a)", "(b)", … for the panels of a figure with more than one (numbers past 26); `nil` for a single panel.
    public func panelLetter(_ index: Int) -> String? {
        guard panels.count > 1, index >= 0 else { return nil }
        return index < 26 ? "(" + String(UnicodeScalar(UInt8(97 + index))) + ")" : "(\(index + 1))"
    }

    /// `text` broken at spaces into lines at most `width` wide at font `size` (a word wider than that stands alone),
    /// preferring breaks after a comma: a title's settings stay whole.
    static func wrap(_ text: String, width: Double, size: Double) -> [String] {
        guard SVGCanvas.width(text, size: size) > width else { return [text] }
        // Units joined by the separator before them: whole ", "-separated settings, or a too-wide one's words.
        var units: [(joiner: String, text: String)] = []
        for (index, clause) in text.components(separatedBy: ", ").enumerated() {
            let joiner = index == 0 ? "" : ", "
            if SVGCanvas.width(clause, size: size) <= width { units.append((joiner, clause)); continue }
            // Words, with "name = value" kept together (η = 0.1 is never broken after its "=").
            var words: [String] = []
            for word in clause.split(separator: " ", omittingEmptySubsequences: false).map(String.init) {
                if let last = words.last, word == "=" || last.hasSuffix(" =") {
                    words[words.count - 1] = last + " " + word
                } else {
                    words.append(word)
                }
            }
            for (position, word) in words.enumerated() {
                units.append((position == 0 ? joiner : " ", word))
            }
        }
        var lines: [String] = [], current = units[0].text
        for unit in units.dropFirst() {
            let candidate = current + unit.joiner + unit.text
            // Room for the comma that ends the line if the next setting goes below.
            if SVGCanvas.width(candidate + ",", size: size) <= width {
                current = candidate
            } else {
                lines.append(current + (unit.joiner == ", " ? "," : ""))
                current = unit.text
            }
        }
        return lines + [current]
    }
}

/// Draws one panel into its cell of the figure.
struct PanelRenderer {
    let panel: Panel
    let id: String
    let left: Double, right: Double, top: Double, bottom: Double
    static let tickLength = 3.5
    static let tickFont = 10.0
    static let labelFont = 11.0

    /// The legend's box when it sits outside the axes (they were narrowed to make room for it).
    let outsideLegend: LegendPlacement.Box?
    /// The widest a legend label may be before it wraps onto more rows (set when an outside legend is wider than its room).
    var legendTextWidth: Double? = nil

    /// The panel's letter "(a)", drawn above the axes' top-left corner; `nil` in a single-panel figure.
    let letter: String?

    init(panel: Panel, x: Double, y: Double, width: Double, height: Double, id: String, letter: String? = nil) {
        self.panel = panel
        self.id = id
        self.letter = letter
        left = x + 66
        right = x + width - 16 - (panel.heatmap == nil ? 0 : 64)
        top = y + (panel.title == nil ? (letter == nil ? 12 : 24) : 30)
        bottom = y + height - 46
        outsideLegend = nil
    }

    /// `renderer` with its axes narrowed so that the legend fits to their right (at most half the axes' width).
    init(makingRoomForLegendOf renderer: PanelRenderer, size: (width: Double, height: Double)) {
        panel = renderer.panel; id = renderer.id; letter = renderer.letter; left = renderer.left; top = renderer.top; bottom = renderer.bottom
        let room = min(size.width + 2 * LegendPlacement.margin, (renderer.right - renderer.left) / 2)
        right = renderer.right - room
        var size = size
        if size.width + 2 * LegendPlacement.margin > room {
            // Wider than half the axes: wrap the labels so that the legend stays inside its room, off the next panel.
            let limit = max(40, room - 2 * LegendPlacement.margin - Self.legendSample - 14)
            legendTextWidth = limit
            size = Self.legendSize(of: panel, textWidth: limit) ?? size
        }
        outsideLegend = LegendPlacement.Box(x: right + LegendPlacement.margin, y: top, width: size.width, height: size.height)
    }

    /// The data's axis maps.
    var maps: (x: AxisMap, y: AxisMap) {
        let xs = panel.series.flatMap(\.x)
        let ys = panel.series.flatMap(\.yExtent)
        let (x0, x1) = AxisMap.limits(of: xs, scale: panel.xScale, fixed: panel.xRange)
        let (y0, y1) = AxisMap.limits(of: ys, scale: panel.yScale, fixed: panel.yRange)
        return (AxisMap(scale: panel.xScale, lo: x0, hi: x1, start: left, end: right),
                AxisMap(scale: panel.yScale, lo: y0, hi: y1, start: bottom, end: top))
    }

    func draw(on canvas: inout SVGCanvas) {
        if panel.heatmap == nil, outsideLegend == nil, let size = legendSize {
            let goesOutside: Bool
            switch panel.legend {
            case .outside: goesOutside = true
            case .best:
                let (xMap, yMap) = maps
                let frame = LegendPlacement.Box(x: left, y: top, width: right - left, height: bottom - top)
                goesOutside = LegendPlacement.choose(width: size.width, height: size.height, frame: frame,
                                                     segments: dataSegments(xMap: xMap, yMap: yMap)) == .outside
            default: goesOutside = false
            }
            if goesOutside { return PanelRenderer(makingRoomForLegendOf: self, size: size).draw(on: &canvas) }
        }
        if let title = panel.title { canvas.text(title, (left + right) / 2, top - 9, size: 11.5) }
        if let letter { canvas.text(letter, left - 30, top - 8, size: 11.5, anchor: .start, weight: "bold") }
        if let heatmap = panel.heatmap { drawHeatmap(heatmap, overlay: panel.series, on: &canvas); return }
        let (xMap, yMap) = maps
        canvas.beginClip(left, top, right - left, bottom - top, prefix: id)
        drawSeries(xMap: xMap, yMap: yMap, on: &canvas)
        canvas.endGroup()
        canvas.rect(left, top, right - left, bottom - top, fill: "none", stroke: "#000000")
        drawTicks(xMap, horizontal: true, on: &canvas)
        drawTicks(yMap, horizontal: false, on: &canvas)
        drawAxisLabels(on: &canvas)
        drawLegend(xMap: xMap, yMap: yMap, on: &canvas)
        if !hasDrawablePoint(xMap: xMap, yMap: yMap) {
            // Nothing drawable: say whether the data are not finite, or finite but not positive on a log axis.
            let linear = { (map: AxisMap) in AxisMap(scale: .linear, lo: map.lo, hi: map.hi, start: map.start, end: map.end) }
            let finite = hasDrawablePoint(xMap: linear(xMap), yMap: linear(yMap))
            drawNotice(finite ? Self.nothingPositive : Self.noFiniteData, on: &canvas)
        } else if let note = hiddenByLogAxesNote {
            // Some finite values cannot be shown on a log axis: say so above the axes' right corner, not silently.
            canvas.beginGroup(class: "note")
            canvas.text(note, right, top - 3, size: 8, anchor: .end)
            canvas.endGroup()
        }
    }

    /// "3 values ≤ 0 not shown (log y axis)" when finite values of lines and points are ≤ 0 on a logarithmic axis
    /// (t = 0 on a log time axis: "t = 0 not shown" when the x label starts with t); `nil` when there are none.
    var hiddenByLogAxesNote: String? {
        func count(_ values: [Double]) -> Int { values.filter { $0.isFinite && $0 <= 0 }.count }
        var notes: [String] = []
        for (scale, axis, pick) in [(panel.xScale, "x", { (s: Series) in s.x }), (panel.yScale, "y", { (s: Series) in s.y })]
        where scale == .log {
            let hidden = panel.series.filter { $0.kind != .band }.reduce(0) { $0 + count(pick($1)) }
            guard hidden > 0 else { continue }
            if axis == "x", panel.xLabel?.hasPrefix("t") == true, panel.series.allSatisfy({ $0.x.filter { $0.isFinite && $0 <= 0 }.allSatisfy { $0 == 0 } }) {
                notes.append("t = 0 not shown (log time axis)")
            } else {
                notes.append("\(hidden) value\(hidden == 1 ? "" : "s") ≤ 0 not shown (log \(axis) axis)")
            }
        }
        return notes.isEmpty ? nil : notes.joined(separator: "; ")
    }

    /// The notes in a panel that has nothing to draw.
    static let noFiniteData = "no finite data"
    static let nothingPositive = "no data > 0 for the log axis"

    /// Whether any series has a point that can be drawn (finite, and positive on a log axis).
    func hasDrawablePoint(xMap: AxisMap, yMap: AxisMap) -> Bool {
        panel.series.contains { series in
            switch series.kind {
            case .band:
                let lower = series.lower ?? [], upper = series.upper ?? []
                return (0..<min(series.x.count, lower.count, upper.count)).contains {
                    xMap.pixel(series.x[$0]) != nil && yMap.pixel(lower[$0]) != nil && yMap.pixel(upper[$0]) != nil
                }
            case .line, .points:
                return (0..<min(series.x.count, series.y.count)).contains { xMap.pixel(series.x[$0]) != nil && yMap.pixel(series.y[$0]) != nil }
            }
        }
    }

    func drawNotice(_ text: String, on canvas: inout SVGCanvas) {
        canvas.text(text, (left + right) / 2, (top + bottom) / 2, size: 11, weight: "bold")
    }

    /// The colour of each series (`Panel.seriesColors`).
    var colors: [String] { panel.seriesColors }

    static func dashPattern(_ dash: LineDash, width: Double) -> String? {
        switch dash {
        case .solid: return nil
        case .dashed: return "\(SVGCanvas.n(3.7 * width)),\(SVGCanvas.n(1.6 * width))"
        case .dotted: return "\(SVGCanvas.n(1 * width)),\(SVGCanvas.n(1.65 * width))"
        }
    }

    func drawSeries(xMap: AxisMap, yMap: AxisMap, on canvas: inout SVGCanvas) {
        let colors = self.colors
        // Bands first, then lines, then points on top, as a reader expects.
        for kind in [Series.Kind.band, .line, .points] {
            for (series, color) in zip(panel.series, colors) where series.kind == kind {
                let n = min(series.x.count, kind == .band ? min(series.lower?.count ?? 0, series.upper?.count ?? 0) : series.y.count)
                switch kind {
                case .band:
                    var run: [(Double, Double, Double)] = []
                    func flush() {
                        canvas.polygon(run.map { ($0.0, $0.2) } + run.reversed().map { ($0.0, $0.1) }, fill: color, opacity: series.opacity)
                        run.removeAll()
                    }
                    for k in 0..<n {
                        if let px = xMap.pixel(series.x[k]), let lo = yMap.pixel(series.lower![k]), let hi = yMap.pixel(series.upper![k]) {
                            run.append((px, lo, hi))
                        } else { flush() }
                    }
                    flush()
                case .line:
                    let points = (0..<n).map { k -> (Double, Double)? in
                        guard let px = xMap.pixel(series.x[k]), let py = yMap.pixel(series.y[k]) else { return nil }
                        return (px, py)
                    }
                    canvas.polyline(points, color: color, width: series.lineWidth, dash: Self.dashPattern(series.dash, width: series.lineWidth))
                case .points:
                    for k in 0..<n {
                        guard let px = xMap.pixel(series.x[k]), let py = yMap.pixel(series.y[k]) else { continue }
                        if let errors = series.yError, k < errors.count, errors[k].isFinite, errors[k] > 0 {
                            let e = errors[k]
                            let lo = yMap.pixel(series.y[k] - e) ?? bottom + 2, hi = yMap.pixel(series.y[k] + e) ?? top - 2
                            canvas.line(px, lo, px, hi, color: color, width: 1)
                            canvas.line(px - 2, lo, px + 2, lo, color: color, width: 1)
                            canvas.line(px - 2, hi, px + 2, hi, color: color, width: 1)
                        }
                        if series.filledMarkers == true { canvas.circle(px, py, radius: series.markerSize, fill: color) }
                        else { canvas.ring(px, py, radius: series.markerSize, color: color) }
                    }
                }
            }
        }
    }

    func drawTicks(_ map: AxisMap, horizontal: Bool, on canvas: inout SVGCanvas) {
        func tick(_ v: Double, length: Double) -> Double? {
            guard let p = map.pixel(v) else { return nil }
            if horizontal { canvas.line(p, bottom, p, bottom + length) } else { canvas.line(left - length, p, left, p) }
            return p
        }
        func label(_ text: String, exponent: Int?, at p: Double) {
            if horizontal {
                canvas.text(text, p, bottom + Self.tickLength + 11.5, size: Self.tickFont, exponent: exponent)
            } else {
                canvas.text(text, left - Self.tickLength - 3, p + 3.5, size: Self.tickFont, anchor: .end, exponent: exponent)
            }
        }
        if map.scale == .log {
            let decades = Ticks.logDecades(lo: map.lo, hi: map.hi)
            // Decade labels alone only when the axis spans two decades or more (0.02…1 would show just 10⁻¹, 10⁰).
            if decades.count >= 2, log10(map.hi) - log10(map.lo) >= 2 {
                for k in decades { if let p = tick(pow(10, Double(k)), length: Self.tickLength) { label("", exponent: k, at: p) } }
                for v in Ticks.logMinor(lo: map.lo, hi: map.hi) { _ = tick(v, length: 2) }
                return
            }
            // Less than two decades: label 1, 2, 5 × 10^k (or every m × 10^k on a very short axis).
            for v in Ticks.logMinor(lo: map.lo, hi: map.hi) { _ = tick(v, length: 2) }
            let labelled = Ticks.logLabelled(lo: map.lo, hi: map.hi)
            // m × 10^k ticks are labelled to their own digit; the linear ticks of a very short axis to their spacing.
            let single = labelled.allSatisfy { v in
                let mantissa = v / pow(10, floor(log10(v)))
                return abs(mantissa - mantissa.rounded()) < 1e-9
            }
            let spacing = labelled.count > 1 ? labelled[1] - labelled[0] : 0
            for v in labelled {
                if let p = tick(v, length: Self.tickLength) {
                    let (text, exponent) = Ticks.label(v, step: single ? v : spacing)
                    label(text, exponent: exponent, at: p)
                }
            }
            return
        }
        let ticks = Ticks.linear(lo: map.lo, hi: map.hi, target: horizontal ? 6 : 6).filter { map.scale == .linear || $0 > 0 }
        let step = ticks.count > 1 ? ticks[1] - ticks[0] : max(abs(map.hi * 0.5 - map.lo * 0.5), 1e-300)
        for v in ticks {
            if let p = tick(v, length: Self.tickLength) {
                let (text, exponent) = Ticks.label(v, step: step)
                label(text, exponent: exponent, at: p)
            }
        }
    }

    func drawAxisLabels(on canvas: inout SVGCanvas) {
        if let x = panel.xLabel {
            canvas.beginGroup(class: "xlabel")
            canvas.text(x, (left + right) / 2, bottom + 36, size: Self.labelFont)
            canvas.endGroup()
        }
        if let y = panel.yLabel {
            let cx = left - 50, cy = (top + bottom) / 2
            canvas.beginGroup(class: "ylabel")
            canvas.text(y, cx, cy, size: Self.labelFont, rotate: -90)
            canvas.endGroup()
        }
    }

    /// The legend's typography: font size, row height, width of the line sample.
    static let legendFont = 9.0, legendRow = 14.0, legendSample = 22.0

    /// The legend's size, or `nil` when the panel has none (no labelled series, or `legend: .none`).
    var legendSize: (width: Double, height: Double)? { Self.legendSize(of: panel, textWidth: legendTextWidth) }

    /// The size of `panel`'s legend with its labels wrapped at `textWidth` (`nil`: not wrapped).
    static func legendSize(of panel: Panel, textWidth limit: Double?) -> (width: Double, height: Double)? {
        guard panel.legend != .none else { return nil }
        let labels = panel.series.compactMap(\.label)
        guard !labels.isEmpty else { return nil }
        let lines = labels.flatMap { legendLines($0, textWidth: limit) }
        let textWidth = lines.map { SVGCanvas.width($0, size: Self.legendFont) }.max() ?? 0
        return (Self.legendSample + 14 + textWidth, Double(lines.count) * Self.legendRow + 8)
    }

    /// A legend label's lines: one, unless it is wider than `textWidth`.
    static func legendLines(_ label: String, textWidth: Double?) -> [String] {
        textWidth.map { Figure.wrap(label, width: $0, size: Self.legendFont) } ?? [label]
    }

    /// Every piece of data the panel draws, in pixels (what a legend must not cover): line pieces, markers as 2r × 2r
    /// crosses, error bars, and a band's vertical extent at each x together with its edges.
    func dataSegments(xMap: AxisMap, yMap: AxisMap) -> [LegendPlacement.Segment] {
        var segments: [LegendPlacement.Segment] = []
        func path(_ points: [(Double, Double)?]) {
            for k in 1..<max(points.count, 1) {
                if let a = points[k - 1], let b = points[k] { segments.append(.init(x0: a.0, y0: a.1, x1: b.0, y1: b.1)) }
            }
        }
        for series in panel.series {
            switch series.kind {
            case .line:
                path((0..<min(series.x.count, series.y.count)).map { k in
                    guard let px = xMap.pixel(series.x[k]), let py = yMap.pixel(series.y[k]) else { return nil }
                    return (px, py)
                })
            case .points:
                for k in 0..<min(series.x.count, series.y.count) {
                    guard let px = xMap.pixel(series.x[k]), let py = yMap.pixel(series.y[k]) else { continue }
                    let r = max(series.markerSize, 1)
                    segments.append(.init(x0: px - r, y0: py, x1: px + r, y1: py))
                    segments.append(.init(x0: px, y0: py - r, x1: px, y1: py + r))
                    if let errors = series.yError, k < errors.count, errors[k].isFinite, errors[k] > 0 {
                        let lo = yMap.pixel(series.y[k] - errors[k]) ?? bottom, hi = yMap.pixel(series.y[k] + errors[k]) ?? top
                        segments.append(.init(x0: px, y0: lo, x1: px, y1: hi))
                    }
                }
            case .band:
                let lower = series.lower ?? [], upper = series.upper ?? []
                let n = min(series.x.count, lower.count, upper.count)
                var edges: ([(Double, Double)?], [(Double, Double)?]) = ([], [])
                for k in 0..<n {
                    guard let px = xMap.pixel(series.x[k]), let lo = yMap.pixel(lower[k]), let hi = yMap.pixel(upper[k]) else {
                        edges.0.append(nil); edges.1.append(nil); continue
                    }
                    segments.append(.init(x0: px, y0: lo, x1: px, y1: hi))
                    edges.0.append((px, lo)); edges.1.append((px, hi))
                }
                path(edges.0); path(edges.1)
            }
        }
        return segments
    }

    func drawLegend(xMap: AxisMap, yMap: AxisMap, on canvas: inout SVGCanvas) {
        guard let (width, height) = legendSize else { return }
        let entries = zip(panel.series, colors).filter { $0.0.label != nil }
        let size = Self.legendFont, rowHeight = Self.legendRow, sample = Self.legendSample
        let x: Double, y: Double
        switch panel.legend {
        case .best, .outside:
            let frame = LegendPlacement.Box(x: left, y: top, width: right - left, height: bottom - top)
            let choice = outsideLegend.map(LegendPlacement.Choice.inside)
                ?? LegendPlacement.choose(width: width, height: height, frame: frame, segments: dataSegments(xMap: xMap, yMap: yMap))
            guard case .inside(let box) = choice else { return }
            (x, y) = (box.x, box.y)
        default:
            x = [.upperLeft, .lowerLeft].contains(panel.legend) ? left + 6 : right - 6 - width
            y = [.upperLeft, .upperRight].contains(panel.legend) ? top + 6 : bottom - 6 - height
        }
        canvas.beginGroup(class: "legend")
        defer { canvas.endGroup() }
        canvas.rect(x, y, width, height, fill: "#ffffff", stroke: "#cccccc", opacity: 0.8, radius: 2)
        var row = 0
        for (series, color) in entries {
            let lines = Self.legendLines(series.label!, textWidth: legendTextWidth)
            defer { row += lines.count }
            let cy = y + 4 + (Double(row) + 0.5) * rowHeight, sx = x + 6
            Self.drawLegendSample(series, color: color, x: sx, y: cy, on: &canvas)
            for (line, text) in lines.enumerated() {
                canvas.text(text, sx + sample + 6, cy + 3.2 + Double(line) * rowHeight, size: size, anchor: .start)
            }
        }
    }

    /// A legend entry's sample (a line, a marker with its error bar, or a band), `legendSample` wide from (x, y).
    static func drawLegendSample(_ series: Series, color: String, x sx: Double, y cy: Double, on canvas: inout SVGCanvas) {
        let sample = legendSample
        switch series.kind {
        case .line:
            canvas.line(sx, cy, sx + sample, cy, color: color, width: series.lineWidth, dash: dashPattern(series.dash, width: series.lineWidth))
        case .points:
            if series.yError != nil { canvas.line(sx + sample / 2, cy - 5, sx + sample / 2, cy + 5, color: color, width: 1) }
            if series.filledMarkers == true { canvas.circle(sx + sample / 2, cy, radius: series.markerSize, fill: color) }
            else { canvas.ring(sx + sample / 2, cy, radius: series.markerSize, color: color) }
        case .band:
            canvas.rect(sx, cy - 4.5, sample, 9, fill: color, opacity: series.opacity)
        }
    }

    /// The heatmap, then `overlay` (lines and points, e.g. a phase boundary) in the heatmap's coordinates: cell indices
    /// (x the column, y the row, row 0 at the top, cell centres at integers) without extents, the extents' data units
    /// with them.
    func drawHeatmap(_ heatmap: Heatmap, overlay: [Series] = [], on canvas: inout SVGCanvas) {
        let (lo, hi) = heatmap.scale
        // A decoded heatmap may claim any size: draw at most 1000 × 1000 cells, missing values blank.
        let rowCount = min(max(heatmap.rows, 0), 1000), columnCount = min(max(heatmap.columns, 0), 1000)
        let cw = (right - left) / Double(max(columnCount, 1)), ch = (bottom - top) / Double(max(rowCount, 1))
        for r in 0..<rowCount {
            for c in 0..<columnCount {
                let v = heatmap.value(row: r, column: c)
                let color = Heatmap.colorFraction(v, on: (lo, hi)).map { heatmap.colormap.color(at: $0).hex } ?? "#ffffff"
                // A hair of overlap hides anti-aliasing seams between cells.
                canvas.rect(left + Double(c) * cw, top + Double(r) * ch, cw + 0.3, ch + 0.3, fill: color)
            }
        }
        drawOverlay(overlay, on: heatmap, columns: columnCount, rows: rowCount, canvas: &canvas)
        canvas.rect(left, top, right - left, bottom - top, fill: "none", stroke: "#000000")
        // Axis ticks: labels at cell centres, or data coordinates from the extents.
        if let labels = heatmap.columnLabels, labels.count == columnCount {
            // Every k-th label, so that neighbours never overlap (about 6 px per character at the tick font).
            let widest = Double(labels.map(\.count).max() ?? 1) * 6 + 6
            let every = max(1, Int((widest / max(cw, 1e-9)).rounded(.up)))
            for (c, text) in labels.enumerated() where c % every == 0 {
                let p = left + (Double(c) + 0.5) * cw
                canvas.line(p, bottom, p, bottom + Self.tickLength)
                canvas.text(text, p, bottom + Self.tickLength + 11.5, size: Self.tickFont)
            }
        } else if let extent = heatmap.xExtent, extent.count == 2, extent.allSatisfy(\.isFinite), extent[0] != extent[1] {
            drawTicks(Self.extentMap(extent, start: left, end: right), horizontal: true, on: &canvas)
        }
        if let labels = heatmap.rowLabels, labels.count == rowCount {
            let every = max(1, Int((13 / max(ch, 1e-9)).rounded(.up)))
            for (r, text) in labels.enumerated() where (rowCount - 1 - r) % every == 0 {
                let p = top + (Double(r) + 0.5) * ch
                canvas.line(left - Self.tickLength, p, left, p)
                canvas.text(text, left - Self.tickLength - 3, p + 3.5, size: Self.tickFont, anchor: .end)
            }
        } else if let extent = heatmap.yExtent, extent.count == 2, extent.allSatisfy(\.isFinite), extent[0] != extent[1] {
            drawTicks(Self.extentMap(extent, start: top, end: bottom), horizontal: false, on: &canvas)
        }
        drawAxisLabels(on: &canvas)
        // Colour bar.
        canvas.beginGroup(class: "colorbar")
        let bx = right + 12, bw = 11.0, steps = 64
        for s in 0..<steps {
            let u0 = Double(s) / Double(steps)
            let y = bottom - (u0 + 1 / Double(steps)) * (bottom - top)
            canvas.rect(bx, y, bw, (bottom - top) / Double(steps) + 0.3, fill: heatmap.colormap.color(at: u0 + 0.5 / Double(steps)).hex)
        }
        canvas.rect(bx, top, bw, bottom - top, fill: "none", stroke: "#000000")
        let ticks = Ticks.linear(lo: lo, hi: hi, target: 5)
        let step = ticks.count > 1 ? ticks[1] - ticks[0] : hi * 0.5 - lo * 0.5
        for v in ticks {
            guard let u = Heatmap.colorFraction(v, on: (lo, hi)) else { continue }
            let p = bottom - u * (bottom - top)
            canvas.line(bx + bw, p, bx + bw + Self.tickLength, p)
            let (text, exponent) = Ticks.label(v, step: step)
            canvas.text(text, bx + bw + Self.tickLength + 2, p + 3.5, size: 9, anchor: .start, exponent: exponent)
        }
        if let label = heatmap.colorbarLabel {
            canvas.text(label, bx + bw + 48, (top + bottom) / 2, size: 10, rotate: -90)
        }
        canvas.endGroup()
        if !(0..<rowCount).contains(where: { r in (0..<columnCount).contains { heatmap.value(row: r, column: $0).isFinite } }) {
            drawNotice(Self.noFiniteData, on: &canvas)
        }
    }

    /// Lines and points over a heatmap (`drawHeatmap`), clipped to its axes; non-finite points break a line.
    /// The axis of a heatmap's extent [first, last], `first` at pixel `start` (the left or top edge): ascending or
    /// descending (a y extent [t_max, 0] puts t = 0 at the bottom, increasing upward).
    static func extentMap(_ extent: [Double], start: Double, end: Double) -> AxisMap {
        extent[0] < extent[1] ? AxisMap(scale: .linear, lo: extent[0], hi: extent[1], start: start, end: end)
            : AxisMap(scale: .linear, lo: extent[1], hi: extent[0], start: end, end: start)
    }

    func drawOverlay(_ overlay: [Series], on heatmap: Heatmap, columns: Int, rows: Int, canvas: inout SVGCanvas) {
        let width = right - left, height = bottom - top
        func pixel(_ x: Double, _ y: Double) -> (Double, Double)? {
            guard x.isFinite, y.isFinite else { return nil }
            let px: Double, py: Double
            if let e = heatmap.xExtent, e.count == 2, e.allSatisfy(\.isFinite), e[0] != e[1],
               let f = heatmap.yExtent, f.count == 2, f.allSatisfy(\.isFinite), f[0] != f[1] {
                px = left + (x - e[0]) / (e[1] - e[0]) * width
                py = top + (y - f[0]) / (f[1] - f[0]) * height
            } else {
                px = left + (x + 0.5) / Double(max(columns, 1)) * width
                py = top + (y + 0.5) / Double(max(rows, 1)) * height
            }
            // Lines run on outside the axes and are clipped there; markers outside are not drawn.
            return (px, py)
        }
        func inside(_ p: (Double, Double)) -> Bool { p.0 >= left - 0.5 && p.0 <= right + 0.5 && p.1 >= top - 0.5 && p.1 <= bottom + 0.5 }
        canvas.beginClip(left, top, width, height, prefix: id)
        defer { canvas.endGroup() }
        for series in overlay {
            let color = (series.color ?? Color(r: 1, g: 1, b: 1)).hex
            let points = zip(series.x, series.y).map { pixel($0, $1) }
            switch series.kind {
            case .line:
                canvas.polyline(points, color: color, width: series.lineWidth, dash: Self.dashPattern(series.dash, width: series.lineWidth))
            case .points:
                for case let (px, py)? in points where inside((px, py)) {
                    if series.filledMarkers == true { canvas.circle(px, py, radius: series.markerSize, fill: color) }
                    else { canvas.ring(px, py, radius: series.markerSize, color: color) }
                }
            case .band:
                continue
            }
        }
    }
}

/// A figure's shared legend: the first panel's entries side by side in rows at most `width` wide, centred.
struct SharedLegendStrip {
    let entries: [(series: Series, color: String, width: Double)]
    let rows: [[Int]]

    init(panel: Panel, width: Double) {
        entries = zip(panel.series, panel.seriesColors).compactMap { series, color in
            series.label.map { (series, color, PanelRenderer.legendSample + 6 + SVGCanvas.width($0, size: PanelRenderer.legendFont) + 18) }
        }
        var rows: [[Int]] = [], current: [Int] = [], used = 0.0
        for (index, entry) in entries.enumerated() {
            if !current.isEmpty, used + entry.width > width { rows.append(current); current = []; used = 0 }
            current.append(index)
            used += entry.width
        }
        if !current.isEmpty { rows.append(current) }
        self.rows = rows
    }

    var height: Double { Double(rows.count) * PanelRenderer.legendRow + 6 }

    func draw(centre: Double, top: Double, on canvas: inout SVGCanvas) {
        canvas.beginGroup(class: "legend shared")
        defer { canvas.endGroup() }
        for (r, row) in rows.enumerated() {
            let total = row.reduce(0) { $0 + entries[$1].width } - 18
            var x = centre - total / 2
            let cy = top + 3 + (Double(r) + 0.5) * PanelRenderer.legendRow
            for index in row {
                let (series, color, width) = entries[index]
                PanelRenderer.drawLegendSample(series, color: color, x: x, y: cy, on: &canvas)
                canvas.text(series.label!, x + PanelRenderer.legendSample + 6, cy + 3.2, size: PanelRenderer.legendFont, anchor: .start)
                x += width
            }
        }
    }
}
