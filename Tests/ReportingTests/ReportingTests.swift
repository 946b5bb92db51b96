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
