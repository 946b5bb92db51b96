import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
@testable import Plotting
import Testing

/// The plotting code is total: any data gives finite ticks and a valid SVG document (or a panel saying that there
/// is nothing to draw), never a trap.
@Suite struct PlottingRobustnessTests {
    static let big = Double.greatestFiniteMagnitude, tiny = Double.leastNonzeroMagnitude

    /// Extreme ranges: zero width, one ulp, subnormal, the whole Double line, non-finite, reversed.
    static let ranges: [(Double, Double)] = [
        (0, 0), (1, 1), (-5, -5), (1, 1 + 2.220446049250313e-16), (1e-300, 1e300), (-1e300, 1e300), (-big, big),
        (big / 2, big), (0, tiny), (tiny, 2 * tiny), (-tiny, tiny), (1e-320, 1e-310), (1e15, 1e15 + 2), (.nan, 1),
        (0, .infinity), (-.infinity, .infinity), (.nan, .nan), (3, 2), (1e308, 1.7e308), (-1e-300, 1e-300),
    ]

    @Test(arguments: ranges)
    func linearTicksAreFiniteSortedAndInside(lo: Double, hi: Double) {
        let ticks = Ticks.linear(lo: lo, hi: hi)
        #expect(ticks.count <= 1001)
        #expect(ticks.allSatisfy { $0.isFinite })
        #expect(zip(ticks, ticks.dropFirst()).allSatisfy { $0 < $1 })
        // Inside the range, up to a billionth of the step (0 is a tick of 1e-300…1e300).
        let tolerance = ticks.count > 1 ? (ticks[1] - ticks[0]) * 1e-9 : 0
        if hi > lo { #expect(ticks.allSatisfy { $0 >= lo - tolerance && $0 <= hi + tolerance }) }
        for tick in ticks {
            let step = ticks.count > 1 ? ticks[1] - ticks[0] : abs(tick)
            let label = Ticks.label(tick, step: step)
            #expect(!label.text.contains("nan") && !label.text.contains("inf"), "\(tick): \(label)")
        }
    }

    @Test(arguments: ranges)
    func axisLimitsAreAlwaysAUsableRange(lo: Double, hi: Double) {
        for scale in [AxisScale.linear, .log] {
            for fixed in [nil, try? AxisRange(lo, hi)] {
                let (a, b) = AxisMap.limits(of: [lo, hi, .nan, -.infinity], scale: scale, fixed: fixed)
                #expect(a.isFinite && b.isFinite && a < b, "\(scale) \(lo)…\(hi) gave \(a)…\(b)")
                if scale == .log { #expect(a > 0) }
                // Every usable value of the data maps to a finite pixel.
                let map = AxisMap(scale: scale, lo: a, hi: b, start: 10, end: 300)
                for v in [lo, hi, a, b] where v.isFinite && (scale == .linear || v > 0) {
                    #expect(map.pixel(v).map(\.isFinite) == true, "\(scale) \(v) on \(a)…\(b)")
                }
                // Log ticks from the range: finite exponents, no trap.
                if scale == .log {
                    #expect(Ticks.logDecades(lo: a, hi: b).allSatisfy { (-330...310).contains($0) })
                    #expect(Ticks.logMinor(lo: a, hi: b).allSatisfy { $0.isFinite })
                    #expect(Ticks.logLabelled(lo: a, hi: b).allSatisfy { $0.isFinite })
                }
            }
        }
    }

    @Test func logTicksRefuseNonFiniteAndNonPositiveRanges() {
        for (lo, hi) in [(0.0, 1.0), (-1.0, 10.0), (1.0, .infinity), (.nan, 10.0), (10.0, 1.0), (1.0, .nan)] {
            #expect(Ticks.logDecades(lo: lo, hi: hi).isEmpty)
            #expect(Ticks.logMinor(lo: lo, hi: hi).isEmpty)
            #expect(Ticks.logLabelled(lo: lo, hi: hi).isEmpty)
        }
        #expect(Ticks.logDecades(lo: 1, hi: 1e10, maximum: 0).count == 1)
        #expect(Ticks.logDecades(lo: 1, hi: 1e10, maximum: 11).count == 11)
        #expect(Ticks.logDecades(lo: 1e-300, hi: 1e300).count <= 9)
    }

    @Test func labelsOfExtremeValues() {
        #expect(Ticks.label(1.5e308, step: 5e307) == ("1.5×", 308))
        #expect(Ticks.label(5e-324, step: 5e-324).exponent == -324)
        #expect(Ticks.label(-2e-310, step: 1e-310) == ("−2×", -310))
        #expect(Ticks.label(1e-300, step: 0).exponent == -300)
        #expect(Ticks.label(3, step: .nan).text == "3")
        #expect(Ticks.label(.infinity, step: 1).text == "∞")
        #expect(Ticks.label(.nan, step: 1).text == "NaN")
        // Rounding that carries into the exponent is shown normalised.
        #expect(Ticks.label(9.9999e5, step: 1e5) == ("", 6))
        #expect(Ticks.niceStep(0) == 0 && Ticks.niceStep(.nan) == 0 && Ticks.niceStep(-1) == 0)
        #expect(Ticks.niceStep(1.5e308).isFinite)
    }

    /// Parses `svg` as XML and returns its text content; fails the test when the document is not well formed or
    /// holds a non-finite number.
    static func validate(_ figure: Figure, sourceLocation: SourceLocation = #_sourceLocation) -> String {
        let svg = figure.svg()
        final class Texts: NSObject, XMLParserDelegate {
            var text = ""
            func parser(_ parser: XMLParser, foundCharacters string: String) { text += string }
        }
        let texts = Texts()
        let parser = XMLParser(data: Data(svg.utf8))
        parser.delegate = texts
        #expect(parser.parse(), "\(parser.parserError.map { "\($0)" } ?? "")", sourceLocation: sourceLocation)
        let attributes = svg.split(separator: "\"").enumerated().filter { $0.offset % 2 == 1 }.map(\.element)
        #expect(!attributes.contains { $0.lowercased().contains("nan") || $0.lowercased().contains("inf") },
                "non-finite attribute", sourceLocation: sourceLocation)
        return texts.text
    }

    static func panel(_ x: [Double], _ y: [Double], xScale: AxisScale = .linear, yScale: AxisScale = .linear,
                      xRange: AxisRange? = nil, yRange: AxisRange? = nil) -> Figure {
        Figure(panels: [Panel(xLabel: "x", yLabel: "y", xScale: xScale, yScale: yScale, xRange: xRange, yRange: yRange, series: [
            .line("line", x: x, y: y), .points("points", x: x, y: y, yError: y.map { abs($0) }),
            .band("band", x: x, lower: y.map { $0 / 2 }, upper: y.map { $0 * 2 }),
        ])])
    }

    @Test(arguments: ranges)
    func seriesOverAnyRangeRenderAValidFigure(lo: Double, hi: Double) {
        let y = [lo, hi, (lo + hi) / 2, .nan]
        for xScale in [AxisScale.linear, .log] {
            for yScale in [AxisScale.linear, .log] {
                _ = Self.validate(Self.panel([0, 1, 2, 3], y, xScale: xScale, yScale: yScale))
                _ = Self.validate(Self.panel(y, [1, 2, 3, 4], xScale: xScale, yScale: yScale, xRange: try? AxisRange(lo, hi), yRange: try? AxisRange(hi, lo)))
            }
        }
    }

    /// A bad range is an error where it is made (reversed, empty, non-finite) or where the figure is written (≤ 0 on
    /// a log axis), never silently ignored; a good one is kept and encoded as [lower, upper].
    @Test func axisRangesAreValidated() throws {
        #expect(throws: PlotError.self) { try AxisRange(2, 1) }
        #expect(throws: PlotError.self) { try AxisRange(1, 1) }
        #expect(throws: PlotError.self) { try AxisRange(0, .infinity) }
        #expect(throws: PlotError.self) { try AxisRange(.nan, 1) }
        #expect(throws: PlotError.self) { try AxisRange(1, 1 + 1e-15) }
        let range = try AxisRange(0...2)
        #expect(range.lower == 0 && range.upper == 2 && range.fits(.linear) && !range.fits(.log))
        let logPanel = Panel(yScale: .log, yRange: range, series: [.line("l", x: [1, 2], y: [1, 2])])
        #expect(throws: PlotError.self) { try logPanel.validate() }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("axis-range-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        #expect(throws: PlotError.self) { try Figure(panels: [logPanel]).write(to: directory, name: "bad") }
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).isEmpty)
        // The figure JSON keeps the matplotlib form, and decoding validates.
        let good = Figure(panels: [Panel(xRange: try AxisRange(-1, 3), series: [.line("l", x: [0, 1], y: [0, 1])])])
        let json = String(decoding: try good.jsonData(), as: UTF8.self)
        #expect(json.contains("\"xRange\":[-1,3]"), "\(json)")
        let decoded = try Figure(jsonData: try good.jsonData())
        #expect(decoded.panels[0].xRange == (try AxisRange(-1, 3)))
        let reversed = Data(json.replacingOccurrences(of: "[-1,3]", with: "[3,-1]").utf8)
        #expect(throws: DecodingError.self) { try Figure(jsonData: reversed) }
    }

    /// Values a log axis cannot show are noted in the panel, not dropped silently; t = 0 on a log time axis is named.
    @Test func valuesHiddenByALogAxisAreNoted() {
        let partly = Self.validate(Self.panel([0, 1, 2, 3], [1, 0, 0.1, -1], yScale: .log))
        #expect(partly.contains("4 values ≤ 0 not shown (log y axis)"), "the line's and the points' 0 and −1")
        let time = Figure(panels: [Panel(xLabel: "t = steps/d", xScale: .log, series: [.line("ε", x: [0, 1, 10], y: [1, 0.5, 0.1])])]).svg()
        #expect(time.contains("t = 0 not shown (log time axis)"))
        let clean = Self.validate(Self.panel([1, 2, 3], [1, 0.5, 0.1], yScale: .log))
        #expect(!clean.contains("not shown"))
    }

    @Test func aPanelWithNothingToDrawSaysSo() {
        let allNaN = Self.validate(Self.panel([0, 1, 2], [.nan, .nan, .nan]))
        #expect(allNaN.contains("no finite data"))
        let negativeOnLog = Self.validate(Self.panel([0, 1, 2], [0, -1, -2], yScale: .log))
        #expect(negativeOnLog.contains("no data > 0 for the log axis") && !negativeOnLog.contains("no finite data"))
        let zeroTimeOnLog = Self.validate(Self.panel([0, 0], [1, 2], xScale: .log))
        #expect(zeroTimeOnLog.contains("no data > 0 for the log axis"))
        let empty = Self.validate(Figure(panels: [Panel(series: [])]))
        #expect(empty.contains("no finite data"))
        // A single finite point is data: drawn (a dot for the line), no notice.
        let single = Self.validate(Self.panel([0, 1], [1, .nan]))
        #expect(!single.contains("no finite data"))
        let mixed = Self.validate(Self.panel([0, 1, 2, 3], [0, -1, 1e-3, .infinity], yScale: .log))
        #expect(!mixed.contains("no finite data"))
    }

    @Test func mismatchedSeriesLengthsAreDrawnToTheShorter() {
        let figure = Figure(panels: [Panel(series: [
            .line("a", x: [0, 1, 2, 3, 4], y: [1, 2]), .points("b", x: [0], y: [1, 2, 3], yError: [0.1, 0.2, 0.3, 0.4, 0.5]),
            Series(kind: .band, label: "c", x: [0, 1, 2], y: [], yError: nil, lower: [0], upper: nil, color: nil, dash: .solid,
                   lineWidth: 0, markerSize: 0, opacity: 0.2),
        ])])
        _ = Self.validate(figure)
    }

    @Test func heatmapsOfAnyValuesRenderAValidFigure() throws {
        let cases: [Heatmap] = [
            Heatmap(values: [.nan, .nan, .nan, .nan], rows: 2, columns: 2),
            Heatmap(values: [.infinity, -.infinity, 1, .nan], rows: 2, columns: 2, colormap: .redBlue),
            Heatmap(values: [Self.big, -Self.big, 0, 1], rows: 2, columns: 2, colormap: .redBlue, range: [-.infinity, .infinity]),
            Heatmap(values: [5, 5, 5, 5], rows: 2, columns: 2, range: [1, 1]),
            Heatmap(values: [1e308, 1e308], rows: 1, columns: 2),
            Heatmap(values: [1, 2, 3], rows: 2, columns: 2, xExtent: [.nan, 1], yExtent: [2, 2]),
            Heatmap(values: [1, 2], rows: -1, columns: 3, rowLabels: ["a"]),
        ]
        for heatmap in cases {
            _ = Self.validate(Figure(panels: [.heatmap(heatmap, title: "h")]))
        }
        #expect(Self.validate(Figure(panels: [.heatmap(cases[0])])).contains("no finite data"))
        #expect(!Self.validate(Figure(panels: [.heatmap(cases[1])])).contains("no finite data"))
        let scale = cases[2].scale
        #expect(scale.lo.isFinite && scale.hi.isFinite && scale.lo < scale.hi)
        #expect(cases[2].colorFraction(Self.big).map { abs($0 - 1) < 1e-12 } == true)
    }

    @Test func aDecodedFigureWithANonsenseLayoutStillRenders() throws {
        var figure = Self.panel([0, 1], [1, 2])
        figure.columns = 0
        figure.panelWidth = .nan
        figure.panelHeight = -4
        let decoded = try Figure(jsonData: try figure.jsonData())
        _ = Self.validate(decoded)
        #expect(decoded.rows == 1)
        // Non-finite styles.
        var styled = Self.panel([0, 1], [1, 2])
        styled.panels[0].series[0].color = Color(r: .nan, g: .infinity, b: -1)
        styled.panels[0].series[0].lineWidth = .nan
        styled.panels[0].series[1].markerSize = .infinity
        styled.panels[0].series[2].opacity = .nan
        _ = Self.validate(try Figure(jsonData: try styled.jsonData()))
        #expect(Color(r: .nan, g: .infinity, b: -1).hex == "#000000")
    }
}

@Suite struct ShortLogAxisTests {
    /// A log axis within a factor of two (Δ(t) of an ageing DMFT run, 1.3 to 2.6) gets at least two labels: linear
    /// ticks when no two m × 10^k fall inside it; wider axes keep 1, 2, 5 × 10^k.
    @Test func shortLogAxesHaveAtLeastTwoLabels() {
        let short = Ticks.logLabelled(lo: 1.3, hi: 2.6)
        #expect(short.count >= 2 && short.allSatisfy { $0 >= 1.3 && $0 <= 2.6 }, "\(short)")
        let wide = Ticks.logLabelled(lo: 0.02, hi: 1), expected = [0.02, 0.05, 0.1, 0.2, 0.5, 1]
        #expect(wide.count == expected.count && zip(wide, expected).allSatisfy { abs($0 / $1 - 1) < 1e-12 }, "\(wide)")
        let figure = Figure(panels: [Panel(yScale: .log, series: [.line("Δ", x: [0, 1, 2], y: [1.3, 2.0, 2.6])])])
        let svg = figure.svg()
        // Linear ticks labelled to their spacing (0.5: "1.5", "2.0", "2.5").
        #expect(svg.contains(">1.5<") && svg.contains(">2.0<") && svg.contains(">2.5<"), "labels 1.5, 2.0, 2.5")
        // The issue's ε_g axis 0.02…1: two decade ticks inside, but under two decades wide: 1-2-5 labels, not just
        // 10⁻¹ and 10⁰.
        let eg = Figure(panels: [Panel(yScale: .log, yRange: try! AxisRange(0.02, 1),
                                       series: [.line("ε_g", x: [0, 1, 2], y: [1, 0.1, 0.02])])]).svg()
        #expect(eg.contains(">0.02<") && eg.contains(">0.05<") && eg.contains(">0.2<") && eg.contains(">0.5<"), "1-2-5 labels")
    }
}

@Suite struct HeatmapExtentTests {
    /// A descending y extent [t_max, 0] (the DMFT C(t, s) heatmap) puts 0 at the bottom: t increases upward, as in
    /// matplotlib's imshow with the same extent.
    @Test func descendingExtentIncreasesUpward() throws {
        let map = PanelRenderer.extentMap([30, 0], start: 10, end: 110)
        #expect(map.pixel(0) == 110 && map.pixel(30) == 10)
        let ascending = PanelRenderer.extentMap([0, 30], start: 10, end: 110)
        #expect(ascending.pixel(0) == 10 && ascending.pixel(30) == 110)
        var heatmap = Heatmap(values: [1, 2, 3, 4], rows: 2, columns: 2, xExtent: [0, 30], yExtent: [30, 0])
        heatmap.colorbarLabel = "C"
        #expect(Figure(panels: [.heatmap(heatmap)]).svg().contains(">30<"))
    }
}
