import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
@testable import Plotting
import Testing

@Suite struct TickTests {
    @Test(arguments: [(0.0, 1.0), (-3.2, 7.9), (0.0013, 0.0021), (1e3, 5.5e4), (-1.0, -0.2)])
    func linearTicksAreNiceAndCoverTheRange(lo: Double, hi: Double) {
        let ticks = Ticks.linear(lo: lo, hi: hi)
        #expect(ticks.count >= 3 && ticks.count <= 11)
        #expect(ticks.allSatisfy { $0 >= lo - 1e-12 && $0 <= hi + 1e-12 })
        let step = ticks[1] - ticks[0]
        let mantissa = step / pow(10, floor(log10(step)))
        #expect([1, 2, 2.5, 5].contains { abs($0 - mantissa) < 1e-6 })
        // Ticks are evenly spaced and span most of the range.
        for (a, b) in zip(ticks, ticks.dropFirst()) { #expect(abs((b - a) - step) < 1e-9 * max(1, abs(step))) }
        #expect(ticks.last! - ticks.first! >= 0.5 * (hi - lo))
    }

    @Test func logDecadesAndMinorTicks() {
        #expect(Ticks.logDecades(lo: 0.003, hi: 20) == [-2, -1, 0, 1])
        #expect(Ticks.logDecades(lo: 1e-12, hi: 1e12).count <= 9)
        let minor = Ticks.logMinor(lo: 1, hi: 100)
        #expect(minor.count == 16)
        #expect(minor.contains(2) && minor.contains(90))
    }

    @Test func labels() {
        #expect(Ticks.label(0.25, step: 0.25).text == "0.25")
        #expect(Ticks.label(2, step: 0.5).text == "2.0")
        #expect(Ticks.label(-1.5, step: 0.5).text == "−1.5")
        #expect(Ticks.label(10, step: 5).text == "10")
        #expect(Ticks.label(0, step: 0.1).text == "0")
        let small = Ticks.label(2e-4, step: 1e-4)
        #expect(small.exponent == -4 && small.text == "2×")
    }

    @Test func axisMapping() throws {
        let linear = AxisMap(scale: .linear, lo: 0, hi: 10, start: 100, end: 200)
        #expect(linear.pixel(5) == 150)
        #expect(linear.pixel(.nan) == nil)
        let log = AxisMap(scale: .log, lo: 1, hi: 100, start: 300, end: 100)
        #expect(abs(try #require(log.pixel(10)) - 200) < 1e-9)
        #expect(log.pixel(0) == nil && log.pixel(-1) == nil)
        let (lo, hi) = AxisMap.limits(of: [0, 1, .nan], scale: .linear, fixed: nil)
        #expect(abs(lo + 0.05) < 1e-12 && abs(hi - 1.05) < 1e-12)
        #expect(AxisMap.limits(of: [1, 2], scale: .linear, fixed: try AxisRange(-1, 3)) == (-1, 3))
    }
}

@Suite struct FigureTests {
    static var sample: Figure {
        let t = (0...50).map { Double($0) * 0.2 }
        let y = t.map { exp(-$0) }
        var noisy = y
        noisy[3] = .nan
        noisy[4] = -1  // not drawable on a log axis
        return Figure(panels: [
            Panel(title: "curve", xLabel: "t", yLabel: "e\\_g <& \"x\">", yScale: .log, series: [
                .line("theory", x: t, y: y),
                .points("simulation", x: t, y: noisy, yError: t.map { _ in 0.01 }),
                .band("band", x: t, lower: y.map { $0 * 0.9 }, upper: y.map { $0 * 1.1 }),
                .line(nil, x: [0, 10], y: [0.01, 0.01], dash: .dashed),
            ]),
            .heatmap(Heatmap(values: [1, -0.5, 0.2, 0.7], rows: 2, columns: 2, colormap: .redBlue, colorbarLabel: "R")),
        ], columns: 2, title: "Sample")
    }

    final class XMLCheck: NSObject, XMLParserDelegate {
        var elements: [String: Int] = [:]
        var texts: [String] = []
        func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
            elements[name, default: 0] += 1
        }
        func parser(_ parser: XMLParser, foundCharacters string: String) { texts.append(string) }
    }

    @Test func svgIsWellFormedAndComplete() throws {
        let svg = Self.sample.svg()
        let check = XMLCheck()
        let parser = XMLParser(data: Data(svg.utf8))
        parser.delegate = check
        #expect(parser.parse(), "\(parser.parserError.map { "\($0)" } ?? "")")
        #expect(!svg.lowercased().contains("nan"))
        #expect(!svg.contains("inf\""))
        let text = check.texts.joined()
        for legend in ["theory", "simulation", "band", "Sample", "curve", "e_g <& \"x\">"] { #expect(text.contains(legend)) }
        // 51 points minus the NaN and the negative one, each a circle; 4 heatmap cells + 64 colour-bar rectangles.
        #expect(check.elements["circle", default: 0] == 49 + 1)  // + the legend marker
        #expect(check.elements["rect", default: 0] >= 4 + 64)
        #expect(check.elements["clipPath"] == 2)  // the series' axes, and the heatmap's overlay
    }

    @Test func colormapEndpoints() {
        #expect(Colormap.viridis.color(at: 0).hex == "#440154")
        #expect(Colormap.viridis.color(at: 1).hex == "#fde725")
        #expect(Colormap.redBlue.color(at: 0.5).hex == "#f7f7f7")
        #expect(Colormap.redBlue.color(at: -3).hex == "#053061")
        #expect(Color(hex: "#1f77b4").hex == "#1f77b4")
        let h = Heatmap(values: [-2, 1], rows: 1, columns: 2, colormap: .redBlue)
        #expect(h.scale == (-2, 2))
    }

    @Test func jsonRoundTripKeepsNonFiniteValues() throws {
        let figure = Self.sample
        let decoded = try Figure(jsonData: try figure.jsonData())
        #expect(decoded.panels.count == 2)
        #expect(decoded.panels[0].series[1].y[3].isNaN)
        #expect(decoded.panels[0].series[0].y == figure.panels[0].series[0].y)
        #expect(decoded.svg() == figure.svg())
    }

    @Test func writeCreatesTheFilesAndNoTemporaries() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("plot-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let files = try Self.sample.write(to: directory, name: "curve")
        let names = Set(try FileManager.default.contentsOfDirectory(atPath: directory.path))
        #expect(names.isSuperset(of: ["curve.svg", "curve.figure.json", "curve.py"]))
        #expect(!names.contains { $0.hasSuffix(".tmp") })
        #expect(files.count == names.count)
        if Rasterizer.converter != nil { #expect(names.contains("curve.png")) }
    }

    @Test func matplotlibScriptIsValidPython() throws {
        let python = ["/usr/bin/python3", "/usr/local/bin/python3"].first { FileManager.default.isExecutableFile(atPath: $0) }
        guard let python else { return }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("plot-\(UUID().uuidString).py")
        try MatplotlibScript.text(dataFile: "x.figure.json", output: "x.pdf").write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = ["-c", "import ast, sys; ast.parse(open(sys.argv[1]).read())", file.path]
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
    }
}

/// A run's PNG conversions run together (`Rasterizer.convertingTogether`): every PNG is in place when it returns, no
/// temporary file is left, and a conversion that fails is not listed as written.
@Suite struct ConcurrentPNGTests {
    @Test func conversionsRunTogetherAndFailuresAreNotListed() throws {
        guard Rasterizer.converter != nil else { return }   // rsvg-convert not installed: nothing to convert
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("png-batch-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let figure = Figure(panels: [Panel(xLabel: "x", yLabel: "y", series: [.line("a", x: [0, 1, 2], y: [1, 0, 1])])])
        let broken = directory.appendingPathComponent("broken.svg")
        let files = try Rasterizer.convertingTogether {
            var written: [URL] = []
            for name in ["one", "two", "three"] { written += try figure.write(to: directory, name: name) }
            try "<svg not really".write(to: broken, atomically: true, encoding: .utf8)
            if let png = Rasterizer.png(from: broken) { written.append(png) }
            return written
        }
        let names = Set(files.map(\.lastPathComponent))
        for name in ["one", "two", "three"] {
            #expect(names.contains("\(name).png"))
            #expect(FileManager.default.fileExists(atPath: directory.appendingPathComponent("\(name).png").path))
        }
        #expect(!names.contains("broken.png"))
        let left = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        #expect(!left.contains { $0.hasSuffix(".tmp") || $0 == "broken.png" }, "\(left)")
    }
}
