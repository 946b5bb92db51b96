import Foundation
import Testing
@testable import Reporting

@Suite struct JSONValueTests {
    @Test func serialisesOrderedObjectsAndParsesBack() throws {
        let value: JSONValue = .object([
            ("settings", .object([("lr", 0.5), ("d", 1000), ("name", "linear \"x\"\n")])),
            ("t", .numbers([0, 0.1, 1e-300, .nan, .infinity])),
            ("nested", .array([.numbers([1, 2]), .numbers([3, 4])])),
            ("flag", true), ("nothing", .null),
        ])
        let text = value.serialized()
        #expect(text.firstRange(of: "settings")!.lowerBound < text.firstRange(of: "nested")!.lowerBound)
        let parsed = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        let settings = try #require(parsed["settings"] as? [String: Any])
        #expect(settings["name"] as? String == "linear \"x\"\n")
        #expect((settings["d"] as? NSNumber)?.intValue == 1000)
        let t = try #require(parsed["t"] as? [Any])
        #expect((t[2] as? NSNumber)?.doubleValue == 1e-300)
        #expect(t[3] is NSNull && t[4] is NSNull)
        #expect(!text.contains("nan") && !text.contains("inf"))
    }

    @Test func doublesRoundTripExactly() throws {
        let xs = [0.1, 1.0 / 3, 2.5e-17, -123456.789, 1e22]
        let text = JSONValue.numbers(xs).serialized(indent: 0)
        let parsed = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [NSNumber])
        #expect(parsed.map(\.doubleValue) == xs)
    }

    @Test func matrixRowsFromRowMajorStorage() {
        let m = JSONValue.matrix([1, 2, 3, 4, 5, 6][...], rows: 2, columns: 3)
        #expect(m.serialized(indent: 0) == "[[1,2,3],[4,5,6]]")
    }

    @Test func controlCharactersAreEscaped() {
        #expect(JSONValue.string("a\u{1}b").serialized() == "\"a\\u0001b\"")
    }
}

@Suite struct FileOutputTests {
    func temporaryDirectory() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("statphys-tests-\(UUID().uuidString)")
    }

    @Test func atomicWriteReplacesAndLeavesNoTemporaryFiles() throws {
        let dir = temporaryDirectory()
        try AtomicFile.prepareDirectory(dir)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("result.json")
        try AtomicFile.write("first", to: file)
        try AtomicFile.write("second", to: file)
        #expect(try String(contentsOf: file, encoding: .utf8) == "second")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["result.json"])
    }

    @Test func unwritableDestinationsGiveClearErrors() throws {
        let dir = temporaryDirectory()
        try AtomicFile.prepareDirectory(dir)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("plain")
        try AtomicFile.write("x", to: file)
        #expect(throws: OutputError.self) { try AtomicFile.prepareDirectory(file) }
        #expect(throws: OutputError.self) { try AtomicFile.write("y", to: file.appendingPathComponent("inside")) }
    }

    @Test func csvHasHeaderRowsAndEmptyCellsForNonFinite() {
        let table = CSVTable([("t", [0, 1]), ("m", [0.5, .nan]), ("q", [1, 2, 3])])
        #expect(table.text == "t,m,q\n0.0,0.5,1.0\n1.0,,2.0\n")
    }

    @Test func textTableAlignsColumns() {
        var table = TextTable(header: ["t", "theory"])
        table.append(["0", TextTable.format(0.123456789)])
        table.append(["10", TextTable.format(.nan)])
        let lines = table.text.split(separator: "\n")
        #expect(lines.count == 4)
        #expect(Set(lines.map(\.count)).count == 1)
        #expect(lines[2].hasSuffix("0.12346"))
    }

    @Test func progressRendering() {
        let line = ProgressReporter.render(label: "sim", fraction: 0.5, elapsed: 2)
        #expect(line.contains("50%") && line.contains("###############---------------"))
    }

    /// On a terminal the line is redrawn in place (\r) and ended by `finish`; in a log (stderr not a terminal) every
    /// report is its own line, and `finish` adds a 100% line only when the last one was not.
    @Test func progressInATerminalAndInALog() {
        final class Sink: @unchecked Sendable { var text = ""; let lock = NSLock()
            func append(_ s: String) { lock.lock(); text += s; lock.unlock() } }
        for interactive in [true, false] {
            let sink = Sink()
            let progress = ProgressReporter(label: "run", delay: 0, interactive: interactive, interval: 0) { sink.append($0) }
            for fraction in [0.25, 0.5] { progress.update(fraction) }
            progress.finish()
            progress.finish()  // once only
            progress.update(0.75)
            let lines = sink.text.split(separator: "\n", omittingEmptySubsequences: false)
            if interactive {
                let redraws = sink.text.components(separatedBy: "\r")
                #expect(sink.text.hasPrefix("\r") && redraws.count == 4 && sink.text.hasSuffix("\n") && lines.count == 2)
                #expect(redraws[1].contains("25%") && redraws[2].contains("50%") && redraws[3].contains("100%"))
            } else {
                #expect(!sink.text.contains("\r") && lines.count == 4 && lines[3].isEmpty, "\(sink.text)")
                #expect(lines[0].contains("25%") && lines[1].contains("50%") && lines[2].contains("100%"))
            }
        }
        // A log whose last report was 100% gets no extra line from `finish`.
        let sink = Sink()
        let done = ProgressReporter(label: "run", delay: 0, interactive: false, interval: 0) { sink.append($0) }
        done.update(1)
        done.finish()
        #expect(sink.text.split(separator: "\n").count == 1)
    }
}

@Suite struct InputFileTests {
    @Test func fileTypesAreNamedBeforeReading() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("statphys-input-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let fifo = folder.appendingPathComponent("fifo")
        #expect(mkfifo(fifo.path, 0o600) == 0)
        let file = folder.appendingPathComponent("a.json")
        try Data("{}".utf8).write(to: file)
        #expect(try InputFile.read(file) == Data("{}".utf8))
        for (url, word) in [(fifo, "FIFO"), (folder, "directory"), (folder.appendingPathComponent("missing"), "no such file")] {
            do {
                _ = try InputFile.read(url)
                Issue.record("\(url.path) was read")
            } catch let error as InputFile.Failure {
                #expect(error.description.contains(word), "\(error)")
            }
        }
    }

    @Test func unsignedIntegersAreWrittenExactly() {
        #expect(JSONValue.unsigned(UInt64.max).serialized() == "18446744073709551615")
        #expect(JSONValue.object([("seed", .unsigned(9_223_372_036_854_775_808))]).serialized(indent: 0) == #"{"seed":9223372036854775808}"#)
    }
}

@Suite struct CSVIntegerColumnTests {
    /// Integer columns are written as integers; other columns keep Swift's shortest round-trip form.
    @Test func integerColumnsHaveNoDecimalPoint() {
        let table = CSVTable([("step", [0, 1, 2]), ("x", [0, 0.5, .nan])], integers: ["step"])
        #expect(table.text == "step,x\n0,0.0\n1,0.5\n2,\n")
    }
}
