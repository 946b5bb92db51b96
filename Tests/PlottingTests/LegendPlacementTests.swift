import Foundation
@testable import Plotting
import Testing

@Suite struct LegendPlacementTests {
    typealias Segment = LegendPlacement.Segment
    typealias Box = LegendPlacement.Box

    @Test func segmentsMeetBoxesExactlyWhenTheyCrossThem() {
        let box = Box(x: 10, y: 10, width: 20, height: 10)
        #expect(LegendPlacement.crosses(Segment(x0: 0, y0: 15, x1: 40, y1: 15), box))    // straight through
        #expect(LegendPlacement.crosses(Segment(x0: 15, y0: 12, x1: 16, y1: 13), box))   // inside
        #expect(LegendPlacement.crosses(Segment(x0: 0, y0: 0, x1: 40, y1: 30), box))     // diagonal
        #expect(!LegendPlacement.crosses(Segment(x0: 0, y0: 0, x1: 40, y1: 0), box))     // above
        #expect(!LegendPlacement.crosses(Segment(x0: 0, y0: 40, x1: 9, y1: 0), box))     // passes left of the corner
        #expect(!LegendPlacement.crosses(Segment(x0: 35, y0: 15, x1: 50, y1: 15), box))  // beyond the right edge
    }

    /// A curve in the upper right sends the legend elsewhere; one everywhere sends it outside.
    @Test func theLegendAvoidsTheData() {
        let frame = Box(x: 0, y: 0, width: 300, height: 200)
        let upperRight = [Segment(x0: 150, y0: 5, x1: 295, y1: 60)]
        guard case .inside(let box) = LegendPlacement.choose(width: 80, height: 30, frame: frame, segments: upperRight) else {
            Issue.record("a free corner exists"); return
        }
        #expect(box.x < 100 && box.y < 100)   // upper left, matplotlib's second choice
        let everywhere = stride(from: 0.0, to: 300, by: 20).map { Segment(x0: $0, y0: 0, x1: $0, y1: 200) }
        #expect(LegendPlacement.choose(width: 80, height: 30, frame: frame, segments: everywhere) == .outside)
        #expect(LegendPlacement.choose(width: 400, height: 30, frame: frame, segments: []) == .outside)
    }

    /// Random data in a rendered panel: an inside legend covers no drawn point, checked independently by sampling
    /// points along every segment; a legend sent outside sits right of the narrowed axes.
    @Test(arguments: 0..<12)
    func renderedLegendsCoverNoData(_ seed: Int) {
        var state = UInt64(seed + 1) &* 0x9E37_79B9_7F4A_7C15
        func uniform() -> Double { state = state &* 6364136223846793005 &+ 1442695040888963407; return Double(state >> 11) / Double(1 << 53) }
        let x = (0..<60).map(Double.init)
        let wiggle = 0.2 + 2 * uniform()
        let series: [Series] = [
            .line("theory", x: x, y: x.map { sin(wiggle * $0 / 10) + 0.3 * uniform() }),
            .points("simulation", x: x, y: x.map { sin(wiggle * $0 / 10) }, yError: x.map { _ in 0.05 }),
        ]
        let renderer = PanelRenderer(panel: Panel(series: series), x: 0, y: 0, width: 380, height: 290, id: "p")
        let (xMap, yMap) = renderer.maps
        let size = renderer.legendSize!
        let frame = Box(x: renderer.left, y: renderer.top, width: renderer.right - renderer.left, height: renderer.bottom - renderer.top)
        let segments = renderer.dataSegments(xMap: xMap, yMap: yMap)
        switch LegendPlacement.choose(width: size.width, height: size.height, frame: frame, segments: segments) {
        case .inside(let box):
            for s in segments {
                for k in 0...50 {
                    let u = Double(k) / 50, px = s.x0 + u * (s.x1 - s.x0), py = s.y0 + u * (s.y1 - s.y0)
                    #expect(!(px > box.x && px < box.x + box.width && py > box.y && py < box.y + box.height))
                }
            }
        case .outside:
            let narrowed = PanelRenderer(makingRoomForLegendOf: renderer, size: size)
            #expect(narrowed.outsideLegend!.x > narrowed.right && narrowed.right < renderer.right)
        }
    }

    /// An outside legend with labels wider than half the axes wraps them and stays inside its panel's cell, off the
    /// panel beside it; every word of every label is still drawn.
    @Test func aWideOutsideLegendWrapsInsideItsCell() {
        let x = (0..<40).map(Double.init)
        let label = "plateau: saddle (1 unstable direction), leading eigenvalue 0.0316, closest approach 0.069"
        let series: [Series] = [.line(label, x: x, y: x), .line("short", x: x, y: x.map { 40 - $0 })]
        let renderer = PanelRenderer(panel: Panel(legend: .outside, series: series), x: 0, y: 0, width: 380, height: 290, id: "p")
        let narrowed = PanelRenderer(makingRoomForLegendOf: renderer, size: renderer.legendSize!)
        let box = narrowed.outsideLegend!
        #expect(box.x > narrowed.right && box.x + box.width <= renderer.right + 16)
        let lines = PanelRenderer.legendLines(label, textWidth: narrowed.legendTextWidth)
        #expect(lines.count > 1 && lines.joined(separator: " ").split(separator: " ") == label.split(separator: " "))
        #expect(box.height >= Double(lines.count + 1) * PanelRenderer.legendRow)
        var canvas = SVGCanvas()
        narrowed.draw(on: &canvas)
        for line in lines { #expect(canvas.body.contains(">" + SVGCanvas.escape(line) + "<"), "\(line)") }
    }
}

@Suite struct CoincidentLineTests {
    /// R₂₂ on R₁₁ is dashed and labelled "R22 = R11"; a curve 1e-4 away (of a unit range) "≈"; a distinct one untouched.
    @Test func linesOnEarlierLinesAreDashedAndNamed() {
        let x = (0..<20).map(Double.init), y = x.map { $0 / 19 }
        let panel = Panel(series: [
            .line("R11", x: x, y: y), .line("R12", x: x, y: y.map { 1 - $0 }),
            .line("R22", x: x, y: y), .line("R21", x: x, y: y.map { 1 - $0 + 1e-4 }),
            .line("other", x: x, y: y.map { $0 * $0 }), .points("sim", x: x, y: y),
        ]).distinguishingCoincidentLines()
        #expect(panel.series.map(\.label) == ["R11", "R12", "R22 = R11", "R21 ≈ R12", "other", "sim"])
        #expect(panel.series.map(\.dash) == [.solid, .solid, .dashed, .dashed, .solid, .solid])
    }

    /// Simulation markers are open circles in the SVG unless asked to be filled.
    @Test func markersAreOpen() {
        let svg = Figure(panels: [Panel(series: [.points("sim", x: [0, 1], y: [0, 1], yError: [0.1, 0.1])])]).svg()
        #expect(svg.contains("fill=\"none\" stroke="))
    }
}

@Suite struct MathTextTests {
    @Test func scriptsAreParsed() {
        #expect(MathText("ε_g").runs == [.init(text: "ε", level: 0), .init(text: "g", level: -1)])
        #expect(MathText("R_{12} = σ^2").runs == [.init(text: "R", level: 0), .init(text: "12", level: -1),
                                                  .init(text: " = σ", level: 0), .init(text: "2", level: 1)])
        #expect(MathText("a\\_b").runs == [.init(text: "a_b", level: 0)] && !MathText("t = steps/d").hasScripts)
        #expect(MathText("x_").runs == [.init(text: "x_", level: 0)])   // a trailing _ is literal
        #expect(MathText("R_{12}").width(size: 10) < SVGCanvas.width("R12", size: 10))
    }

    /// In the SVG a script is a smaller, shifted tspan and the baseline comes back after it.
    @Test func scriptsBecomeShiftedTspans() {
        let markup = SVGCanvas.markup(MathText("ε_g (t)"), size: 10)
        #expect(markup == "ε<tspan dy=\"2.50\" font-size=\"7.20\">g</tspan><tspan xml:space=\"preserve\" dy=\"-2.50\"> (t)</tspan>")
        #expect(SVGCanvas.markup(MathText("plain & <text>"), size: 10) == "plain &amp; &lt;text&gt;")
    }
}

@Suite struct SharedLegendTests {
    static func panel(_ extra: Series? = nil) -> Panel {
        let x = (0..<20).map(Double.init)
        return Panel(series: [.line("theory", x: x, y: x), .points("simulation", x: x, y: x, yError: x.map { _ in 0.1 })] + (extra.map { [$0] } ?? []))
    }

    /// Panels that repeat one legend get it once, under the title, in the SVG and in the saved figure's JSON (which the
    /// matplotlib script reads); panels whose entries differ keep their own.
    @Test func repeatedLegendsAreDrawnOnce() throws {
        let figure = Figure(panels: [Self.panel(), Self.panel(), Self.panel()], title: "three")
        #expect(figure.repeatsOneLegend)
        let svg = figure.svg()
        #expect(svg.components(separatedBy: ">theory<").count - 1 == 1 && svg.components(separatedBy: ">simulation<").count - 1 == 1)
        let shared = figure.sharingRepeatedLegends()
        #expect(shared.sharedLegend == true && shared.panels.allSatisfy { $0.legend == .none })
        let decoded = try Figure(jsonData: shared.jsonData())
        #expect(decoded.sharedLegend == true && decoded.svg() == svg)

        let x = [0.0, 1]
        let different = Figure(panels: [Self.panel(), Self.panel(.line("fit", x: x, y: x))])
        #expect(!different.repeatsOneLegend && different.sharingRepeatedLegends().sharedLegend == nil)
        #expect(different.svg().components(separatedBy: ">theory<").count - 1 == 2)
        #expect(!Figure(panels: [Self.panel()]).repeatsOneLegend)
        var recoloured = Self.panel()
        recoloured.series[0].color = Color(hex: "#ff0000")
        #expect(!Figure(panels: [Self.panel(), recoloured]).repeatsOneLegend)
    }
}
