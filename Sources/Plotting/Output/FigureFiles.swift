import Foundation
import Reporting

extension Figure {
    /// Writes `<name>.svg`, `<name>.figure.json` (this figure's data), `<name>.py` (a matplotlib script that
    /// redraws it from the JSON) and, when `rsvg-convert` is installed (and `Rasterizer.isEnabled`), `<name>.png` (150 dpi),
    /// all atomically.
    /// A failed rasterisation is not an error: the SVG is the figure. Returns the files written.
    /// Coincident lines are made visible first (`distinguishingCoincidentLines`). Throws `PlotError` first when a
    /// panel's fixed range does not fit its axis (`Panel.validate()`).
    public func write(to directory: URL, name: String) throws -> [URL] {
        for panel in panels { try panel.validate() }
        let figure = distinguishingCoincidentLines().sharingRepeatedLegends()
        let svgFile = directory.appendingPathComponent("\(name).svg")
        let dataFile = directory.appendingPathComponent("\(name).figure.json")
        let scriptFile = directory.appendingPathComponent("\(name).py")
        try AtomicFile.write(figure.svg(), to: svgFile)
        try AtomicFile.write(try figure.jsonData(), to: dataFile)
        try AtomicFile.write(MatplotlibScript.text(dataFile: dataFile.lastPathComponent, output: "\(name)_mpl.pdf"), to: scriptFile)
        var files = [svgFile, dataFile, scriptFile]
        if let png = Rasterizer.png(from: svgFile) { files.append(png) }
        return files
    }

    /// The figure as JSON (non-finite numbers as the strings "nan", "inf", "-inf").
    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return try encoder.encode(self)
    }

    /// Decodes a figure written by `jsonData()`.
    public init(jsonData: Data) throws {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        self = try decoder.decode(Figure.self, from: jsonData)
    }
}

/// SVG → PNG with `rsvg-convert` when it is on the PATH.
public enum Rasterizer {
    /// Whether figures get their PNG: a task-local, so that one invocation's `--no-png` (`withValue(false)`) never
    /// reaches another running in the same process.
    @TaskLocal public static var isEnabled = true

    /// The path of `rsvg-convert`, if installed.
    public static var converter: URL? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for directory in path.split(separator: ":") {
            let candidate = URL(fileURLWithPath: String(directory)).appendingPathComponent("rsvg-convert")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        return nil
    }

    /// Converts `svg` to a PNG beside it (written to a temporary name, then renamed); `nil` if not possible. Inside
    /// `convertingTogether(_:)` the converter only starts here, and the PNG is in place when that returns.
    public static func png(from svg: URL, dpi: Int = 150) -> URL? {
        guard isEnabled, let converter else { return nil }
        let target = svg.deletingPathExtension().appendingPathExtension("png")
        let temporary = svg.deletingLastPathComponent().appendingPathComponent(".\(target.lastPathComponent).\(UUID().uuidString).tmp")
        let process = Process()
        process.executableURL = converter
        process.arguments = ["--dpi-x", "\(dpi)", "--dpi-y", "\(dpi)", "--zoom", "\(Double(dpi) / 96)", "-f", "png", "-o", temporary.path, svg.path]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        // An interrupted run kills the converter and removes its temporary file (`Interruption`).
        let conversion = Conversion(process: process, temporary: temporary, target: target,
                                    token: Interruption.register(path: temporary.path))
        do {
            guard try Interruption.run(process) else { conversion.discard(); return nil }
        } catch { conversion.discard(); return nil }
        if let batch { batch.add(conversion); return target }
        return conversion.complete() ? target : nil
    }

    /// Runs `body`, which writes figures and returns the files it wrote, with every PNG conversion it starts running
    /// at the same time (one `rsvg-convert` per figure, all at once, instead of one after the other); waits for them
    /// and returns `body`'s files less the PNGs that failed.
    public static func convertingTogether(_ body: () throws -> [URL]) throws -> [URL] {
        let batch = Batch()
        let files: [URL]
        do {
            files = try $batch.withValue(batch) { try body() }
        } catch {
            _ = batch.finish()
            throw error
        }
        let failed = Set(batch.finish().map(\.path))
        return files.filter { !failed.contains($0.path) }
    }

    /// The batch `png(from:)` adds its conversions to, inside `convertingTogether(_:)`.
    @TaskLocal static var batch: Batch?

    /// A started converter and its files.
    struct Conversion: @unchecked Sendable {
        let process: Process
        let temporary: URL, target: URL
        let token: Int

        /// Waits for the converter and moves its PNG into place; false (and no temporary file left) on failure.
        func complete() -> Bool {
            defer { Interruption.unregister(token) }
            process.waitUntilExit()
            Interruption.finished(process)
            guard process.terminationStatus == 0, rename(temporary.path, target.path) == 0 else {
                try? FileManager.default.removeItem(at: temporary)
                return false
            }
            return true
        }

        /// A converter that never started: forget its temporary file.
        func discard() { Interruption.unregister(token) }
    }

    /// The conversions of one `convertingTogether(_:)`.
    final class Batch: @unchecked Sendable {
        private let lock = NSLock()
        private var conversions: [Conversion] = []

        func add(_ conversion: Conversion) { lock.lock(); conversions.append(conversion); lock.unlock() }

        /// Completes every conversion; returns the targets that failed.
        func finish() -> [URL] {
            lock.lock(); let all = conversions; conversions = []; lock.unlock()
            return all.filter { !$0.complete() }.map(\.target)
        }
    }
}
