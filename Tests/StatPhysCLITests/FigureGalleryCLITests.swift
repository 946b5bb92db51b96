import Foundation
import Testing

/// Every figure type, from the real runs of `scripts/gallery.commands` (the README gallery's), checked from the SVG
/// files alone (`FigureStructure`): well-formed, no legend over data, axis labels on every panel with data, a colour
/// bar on every heatmap figure.
@Suite(.serialized) struct FigureGalleryCLITests {
    struct Entry: CustomStringConvertible, Sendable {
        let name, figure: String
        let arguments: [String]
        var description: String { name }
    }

    /// The lines of scripts/gallery.commands, with their test arguments where given.
    static let entries: [Entry] = {
        let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../scripts/gallery.commands")
        let text = (try? String(contentsOf: file, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { line in
            guard !line.hasPrefix("#") else { return nil }
            let fields = line.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
            guard fields.count >= 3 else { return nil }
            let test = fields.count > 3 && !fields[3].isEmpty ? fields[3] : fields[2]
            return Entry(name: fields[0], figure: fields[1], arguments: shellWords(test))
        }
    }()

    /// Words of a command line, with "double-quoted" words kept whole.
    static func shellWords(_ line: String) -> [String] {
        var words: [String] = [], current = "", quoted = false, started = false
        for character in line {
            if character == "\"" { quoted.toggle(); started = true } else if character == " " && !quoted {
                if started { words.append(current) }
                current = ""; started = false
            } else { current.append(character); started = true }
        }
        if started { words.append(current) }
        return words
    }

    @Test func theGalleryListsEveryFigureType() {
        let figures = Set(Self.entries.map(\.figure))
        #expect(Self.entries.count >= 12)
        for figure in ["learning_curve", "overlaps", "portrait", "dynamics", "correlation", "final_error", "threshold",
                       "relaxation", "phase_diagram"] {
            #expect(figures.contains(figure), "\(figure) missing from scripts/gallery.commands")
        }
    }

    @Test(arguments: entries)
    func everyFigureOfTheRunIsWellBuilt(_ entry: Entry) throws {
        let directory = CLIRunner.temporaryDirectory().appendingPathComponent(entry.name)
        defer { try? FileManager.default.removeItem(at: directory.deletingLastPathComponent()) }
        let run = try CLIRunner.run(entry.arguments + ["--no-png", "--quiet", "--output", directory.path])
        // 3: the run diverged, and its figures show where.
        try #require(run.status == 0 || run.status == 3, "\(entry.arguments.joined(separator: " ")): \(run.stderr)")
        let main = directory.appendingPathComponent("\(entry.figure).svg")
        #expect(FileManager.default.fileExists(atPath: main.path), "\(entry.figure).svg")
        let enumerator = FileManager.default.enumerator(at: directory, includingPropertiesForKeys: nil)
        let svgs = (enumerator?.allObjects as? [URL] ?? []).filter { $0.pathExtension == "svg" }
        #expect(!svgs.isEmpty)
        for svg in svgs {
            let name = svg.path.replacingOccurrences(of: directory.path + "/", with: "")
            let structure = try FigureStructure(svg: svg)
            #expect(structure.wellFormed, "\(name) is not well-formed XML")
            #expect(structure.dataUnderLegends.isEmpty, "\(entry.name)/\(name): \(structure.dataUnderLegends)")
            #expect(structure.xLabels >= 1 && structure.yLabels >= 1, "\(name): axis labels")
            #expect(structure.segments.count > 0 || structure.colorBars > 0, "\(name): nothing drawn")
            if ["correlation", "overlaps", "phase_diagram"].contains(svg.deletingPathExtension().lastPathComponent) {
                #expect(structure.colorBars >= 1, "\(name): a heatmap without a colour bar")
            }
        }
    }

    /// `sweep plot`'s curves (one line per value of the other axes) and heatmaps, from a real sweep.
    @Test func sweepPlotsAreWellBuilt() throws {
        let scratch = CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let file = scratch.appendingPathComponent("sweep.json")
        try #"{"command": "online linear --theory-only --t-max 5 --points 11 --no-png", "axes": {"lr": [0.5, 1, 1.5, 2.5], "noise": [0, 0.1]}}"#
            .write(to: file, atomically: true, encoding: .utf8)
        let directory = scratch.appendingPathComponent("sweep")
        let run = try CLIRunner.run(["sweep", "run", file.path, "--quiet", "--output", directory.path])
        try #require(run.status == 0, "\(run.stderr)")
        for arguments in [["--x", "lr"], ["--x", "lr", "--y", "noise", "--measure", "eg_final"]] {
            let plot = try CLIRunner.run(["sweep", "plot", directory.path] + arguments)
            #expect(plot.status == 0, "\(plot.stderr)")
        }
        let svgs = try FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: nil).filter {
            $0.pathExtension == "svg" && $0.lastPathComponent.hasPrefix("sweep_")
        }
        #expect(svgs.count >= 2, "\(svgs.map(\.lastPathComponent))")
        for svg in svgs {
            let structure = try FigureStructure(svg: svg)
            #expect(structure.wellFormed && structure.dataUnderLegends.isEmpty && structure.xLabels >= 1, "\(svg.lastPathComponent)")
        }
    }

    /// The checker itself finds a legend put on data.
    @Test func theCheckerSeesALegendOnData() throws {
        let directory = CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let svg = """
            <svg xmlns="http://www.w3.org/2000/svg"><clipPath id="c"><rect x="0" y="0" width="100" height="100"/></clipPath>
            <g class="data" clip-path="url(#c)"><path d="M0 50L100 50"/></g>
            <g class="legend"><rect x="40" y="40" width="30" height="20"/></g>
            <g class="xlabel"><text>x</text></g><g class="ylabel"><text>y</text></g></svg>
            """
        let file = directory.appendingPathComponent("bad.svg")
        try svg.write(to: file, atomically: true, encoding: .utf8)
        let structure = try FigureStructure(svg: file)
        #expect(structure.wellFormed && structure.legends.count == 1 && !structure.dataUnderLegends.isEmpty)
        // Data clipped away under an outside legend is not visible, so not a defect.
        let clipped = svg.replacingOccurrences(of: "width=\"100\" height=\"100\"", with: "width=\"30\" height=\"100\"")
        try clipped.write(to: file, atomically: true, encoding: .utf8)
        #expect(try FigureStructure(svg: file).dataUnderLegends.isEmpty)
    }
}
