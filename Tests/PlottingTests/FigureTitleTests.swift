import Foundation
import Testing
@testable import Plotting

/// Titles that reproduce a run wrap instead of being clipped, and panels are lettered (a), (b), ….
@Suite struct FigureTitleTests {
    static let settings = "Committee machine K = 2, M = 2, erf (teacher relu): η = 0.5 × inverse:10, B = 4, β = 0.9, σ² = 0.1, λ = 0.01, "
        + "v trained at η_v = 0.1, b* = (0.5, −0.3), b(0) = (0, 0) trained at η_b = 0.5"

    /// Every line fits, breaks fall between settings (after a comma), and the lines give back the title.
    @Test func longTitlesWrapBetweenSettings() {
        let width = 500.0
        let lines = Figure.wrap(Self.settings, width: width, size: Figure.titleFont)
        #expect(lines.count >= 2)
        #expect(lines.allSatisfy { SVGCanvas.width($0, size: Figure.titleFont) <= width }, "\(lines)")
        #expect(lines.dropLast().allSatisfy { $0.hasSuffix(",") }, "\(lines)")
        #expect(lines.joined(separator: " ") == Self.settings)
        #expect(Figure.wrap("short", width: width, size: 13) == ["short"])
        // A single setting wider than the line breaks at its spaces.
        let long = Array(repeating: "word", count: 60).joined(separator: " ")
        let pieces = Figure.wrap(long, width: 200, size: 13)
        #expect(pieces.count > 3 && pieces.joined(separator: " ") == long)
        // Inside a too-wide setting, "name = value" stays on one line.
        let threshold = "Recovery threshold vs batch fraction (b = 1: GD; η = 0.1, m_0 = 0.1, T = 400)"
        for width in stride(from: 120.0, through: 400, by: 20) {
            let lines = Figure.wrap(threshold, width: width, size: 13)
            #expect(lines.joined(separator: " ") == threshold)
            #expect(!lines.contains { $0.hasSuffix("=") || $0.hasPrefix("=") || $0.hasPrefix("0.1") }, "\(lines)")
        }
    }

    /// In the SVG the title's lines are all drawn and the figure grows to hold them; a multi-panel figure letters its
    /// panels in the SVG and in the matplotlib script, a single panel is not lettered.
    @Test func svgWrapsTheTitleAndLettersPanels() throws {
        let panel = Panel(xLabel: "t", yLabel: "y", legend: .none, series: [.line("a", x: [0, 1], y: [1, 2])])
        let one = Figure(panels: [panel], title: "short")
        let three = Figure(panels: [panel, panel, panel], columns: 3, title: Self.settings)
        let short = one.svg(), long = three.svg()
        #expect(!short.contains(">(a)<"))
        for letter in ["(a)", "(b)", "(c)"] { #expect(long.contains(">\(letter)</text>"), "\(letter)") }
        // Two lines at 3 × 380 px: the figure is 12 + 2 × 17 px taller than its panels.
        let lines = Figure.wrap(Self.settings, width: 3 * 380 - 40, size: Figure.titleFont)
        #expect(lines.count == 2, "\(lines)")
        #expect(long.contains("height=\"\(SVGCanvas.n(290 + 12 + 17 * Double(lines.count)))\""))
        #expect(long.components(separatedBy: "font-size=\"13.00\"").count - 1 == lines.count)
        #expect(three.panelLetter(1) == "(b)" && three.panelLetter(27) == "(28)" && one.panelLetter(0) == nil)
        let script = MatplotlibScript.text(dataFile: "figure.json", output: "figure.png")
        #expect(script.contains("loc=\"left\"") && script.contains("wrap=True"))
    }
}
