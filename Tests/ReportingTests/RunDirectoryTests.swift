import Foundation
import Testing
@testable import Reporting

/// The output transaction: a directory holds the complete set of one run, whatever happens to the next.
@Suite struct RunDirectoryTests {
    struct Injected: Error {}

    static func temporary() -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("rundir-\(UUID().uuidString)", isDirectory: true)
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    static func names(_ directory: URL) -> Set<String> {
        Set((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? [])
    }

    static func text(_ url: URL) -> String? { try? String(contentsOf: url, encoding: .utf8) }

    /// One run writing `files` (name → content) through the transaction.
    @discardableResult
    static func run(_ directory: URL, _ files: [String: String]) throws -> [URL] {
        try RunDirectory.write(into: directory) { staging in
            try files.keys.sorted().map { name in
                let url = staging.appendingPathComponent(name)
                try AtomicFile.write(files[name]!, to: url)
                return url
            }
        }
    }

    @Test func aRunReplacesThePreviousSetAndKeepsTheUsersFiles() throws {
        let directory = Self.temporary()
        defer { try? FileManager.default.removeItem(at: directory) }
        try Self.run(directory, ["result.json": "1", "learning_curve.svg": "1", "overlaps.svg": "1"])
        try AtomicFile.write("mine", to: directory.appendingPathComponent("notes.txt"))
        let files = try Self.run(directory, ["result.json": "2", "learning_curve.svg": "2"])
        #expect(files.map(\.lastPathComponent) == ["learning_curve.svg", "result.json"])
        #expect(files.allSatisfy { $0.deletingLastPathComponent().standardizedFileURL.path == directory.standardizedFileURL.path })
        // The stale figure of the first run is gone; the user's file stays; nothing else is left behind.
        #expect(Self.names(directory) == ["result.json", "learning_curve.svg", "notes.txt", RunDirectory.manifestName])
        #expect(Self.text(directory.appendingPathComponent("result.json")) == "2")
        #expect(Self.text(directory.appendingPathComponent("notes.txt")) == "mine")
        let manifest = try RunDirectory.files(in: directory.appendingPathComponent(RunDirectory.manifestName))
        #expect(manifest == ["learning_curve.svg", "result.json"])
    }

    @Test func aFailedRunKeepsThePreviousSet() throws {
        let directory = Self.temporary()
        defer { try? FileManager.default.removeItem(at: directory) }
        try Self.run(directory, ["result.json": "1", "figure.svg": "1"])
        let before = Self.names(directory)
        // A failure after some files were written (the injected error stands for ENOSPC or a crash of the figure code).
        #expect(throws: Injected.self) {
            try RunDirectory.write(into: directory) { staging in
                try AtomicFile.write("2", to: staging.appendingPathComponent("result.json"))
                throw Injected()
            }
        }
        // A real I/O error: a name longer than the file system allows. The message names the requested file.
        let error = #expect(throws: OutputError.self) {
            try RunDirectory.write(into: directory) { staging in
                try AtomicFile.write("2", to: staging.appendingPathComponent("result.json"))
                try AtomicFile.write("2", to: staging.appendingPathComponent(String(repeating: "x", count: 300)))
                return []
            }
        }
        #expect(error?.description.contains(directory.standardizedFileURL.path + "/xxx") == true, "\(String(describing: error))")
        #expect(error?.description.contains(RunDirectory.stagingName) == false)
        #expect(Self.names(directory) == before)
        #expect(Self.text(directory.appendingPathComponent("result.json")) == "1")
        #expect(Self.text(directory.appendingPathComponent("figure.svg")) == "1")
    }

    @Test func aDirectoryInTheWayFailsBeforeAnythingMoves() throws {
        let directory = Self.temporary()
        defer { try? FileManager.default.removeItem(at: directory) }
        try Self.run(directory, ["result.json": "1"])
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("figure.svg"), withIntermediateDirectories: false)
        #expect(throws: OutputError.self) { try Self.run(directory, ["result.json": "2", "figure.svg": "2"]) }
        #expect(Self.text(directory.appendingPathComponent("result.json")) == "1")
        #expect(!Self.names(directory).contains(RunDirectory.stagingName))
    }

    @Test func aFailedRunIntoANewDirectoryLeavesNoDirectory() throws {
        let root = Self.temporary()
        defer { try? FileManager.default.removeItem(at: root) }
        let directory = root.appendingPathComponent("new/deeper", isDirectory: true)
        #expect(throws: Injected.self) { try RunDirectory.write(into: directory) { _ in throw Injected() } }
        #expect(Self.names(root).isEmpty)
        try Self.run(directory, ["a.csv": "1"])
        #expect(Self.names(directory) == ["a.csv", RunDirectory.manifestName])
    }

    @Test func aSecondRunIntoALockedDirectoryIsRefused() throws {
        let directory = Self.temporary()
        defer { try? FileManager.default.removeItem(at: directory) }
        let first = try RunDirectory(directory)
        do {
            _ = try RunDirectory(directory)
            Issue.record("the second run was not refused")
        } catch let error as OutputError {
            #expect(error.description.contains("another statphys run is writing into"))
        }
        try AtomicFile.write("1", to: first.staging.appendingPathComponent("a.csv"))
        try first.commit()
        // The lock is gone with the run.
        try Self.run(directory, ["b.csv": "1"])
        #expect(Self.names(directory) == ["b.csv", RunDirectory.manifestName])
    }

    @Test func theNextRunCompletesACommitThatWasKilledHalfway() throws {
        let directory = Self.temporary()
        defer { try? FileManager.default.removeItem(at: directory) }
        try Self.run(directory, ["result.json": "1", "old.svg": "1"])
        // What a run killed (SIGKILL) during its commit leaves: the journal, one file moved, one still staged.
        let staging = directory.appendingPathComponent(RunDirectory.stagingName, isDirectory: true)
        try FileManager.default.createDirectory(at: staging, withIntermediateDirectories: false)
        try AtomicFile.write(try RunDirectory.manifest(["new.csv", "result.json"]), to: staging.appendingPathComponent(RunDirectory.manifestName))
        try AtomicFile.write("2", to: directory.appendingPathComponent("new.csv"))
        try AtomicFile.write("2", to: staging.appendingPathComponent("result.json"))
        let next = try RunDirectory(directory)
        #expect(Self.names(directory) == ["new.csv", "result.json", RunDirectory.manifestName, RunDirectory.stagingName])
        #expect(Self.text(directory.appendingPathComponent("result.json")) == "2")
        next.abandon()
        #expect(Self.names(directory) == ["new.csv", "result.json", RunDirectory.manifestName])
    }

    @Test func aStagingDirectoryWithoutJournalIsDiscarded() throws {
        let directory = Self.temporary()
        defer { try? FileManager.default.removeItem(at: directory) }
        try Self.run(directory, ["result.json": "1"])
        let staging = directory.appendingPathComponent(RunDirectory.stagingName, isDirectory: true)
        try FileManager.default.createDirectory(at: staging, withIntermediateDirectories: false)
        try AtomicFile.write("half", to: staging.appendingPathComponent("result.json"))
        try AtomicFile.write("half", to: staging.appendingPathComponent(".result.png.1234.tmp"))
        try Self.run(directory, ["result.json": "2"])
        #expect(Self.names(directory) == ["result.json", RunDirectory.manifestName])
        #expect(Self.text(directory.appendingPathComponent("result.json")) == "2")
    }

    @Test func aManifestCannotNameFilesOutsideTheDirectory() throws {
        let directory = Self.temporary()
        defer { try? FileManager.default.removeItem(at: directory) }
        let manifest = directory.appendingPathComponent("m.json")
        try AtomicFile.write(try RunDirectory.manifest(["../outside", "a/b", ".", "..", "", "ok.svg"]), to: manifest)
        #expect(try RunDirectory.files(in: manifest) == ["ok.svg"])
    }

    @Test func aFileInTheWayOfTheDirectoryIsAnError() throws {
        let root = Self.temporary()
        defer { try? FileManager.default.removeItem(at: root) }
        let file = root.appendingPathComponent("plain")
        try AtomicFile.write("x", to: file)
        #expect(throws: OutputError.self) { _ = try RunDirectory(file) }
    }
}
