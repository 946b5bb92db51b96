import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// A run's files are one consistent set: the transaction, the lock, interruptions, `--output ""`, and figures of
/// diverged runs, through the built executable.
@Suite(.serialized) struct OutputDirectoryCLITests {
    /// A started `statphys` process.
    final class Spawned {
        let process = Process()
        let out = Pipe(), err = Pipe()

        init(_ arguments: [String], environment: [String: String] = [:]) throws {
            process.executableURL = CLIRunner.executable
            process.arguments = arguments
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
            process.standardOutput = out
            process.standardError = err
            try process.run()
        }

        /// Waits for the end; returns how it ended and what it printed on stderr.
        func finish() -> (reason: Process.TerminationReason, status: Int32, stderr: String) {
            let stderr = err.fileHandleForReading.readDataToEndOfFile()
            _ = out.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            return (process.terminationReason, process.terminationStatus, String(decoding: stderr, as: UTF8.self))
        }
    }

    /// A stand-in for `rsvg-convert` that records its pid and blocks until `release` exists, then fails (so the
    /// run goes on without PNG): a run that is deterministically in the middle of writing its figures.
    struct SlowConverter {
        let folder = CLIRunner.temporaryDirectory()
        var pids: URL { folder.appendingPathComponent("pids") }
        var release: URL { folder.appendingPathComponent("release") }

        init() throws {
            let script = folder.appendingPathComponent("rsvg-convert")
            try """
                #!/bin/sh
                echo $$ >> "\(folder.path)/pids"
                while [ ! -e "\(folder.path)/release" ]; do sleep 0.02; done
                exit 1

                """.write(to: script, atomically: true, encoding: .utf8)
            chmod(script.path, 0o755)
        }

        var environment: [String: String] { ["PATH": "\(folder.path):/usr/bin:/bin"] }

        /// Waits until the converter was started (at most 120 s); its pid.
        func started() throws -> pid_t {
            for _ in 0..<6000 {
                if let text = try? String(contentsOf: pids, encoding: .utf8), let first = text.split(separator: "\n").first,
                   let pid = pid_t(first) { return pid }
                usleep(20_000)
            }
            throw CocoaError(.fileNoSuchFile)
        }

        func remove() { try? FileManager.default.removeItem(at: folder) }
    }

    /// No converter at all (PNG skipped), whatever is installed.
    static let noConverter = ["PATH": "/nonexistent"]

    static func isRunning(_ pid: pid_t) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return kill(pid, 0) == 0 }
        // State after the parenthesised command name; a zombie has ended.
        guard let close = stat.lastIndex(of: ")") else { return true }
        return !stat[close...].dropFirst(2).hasPrefix("Z")
    }

    static func listing(_ directory: URL) -> [String: Data] {
        var files: [String: Data] = [:]
        for name in (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? [] {
            files[name] = (try? Data(contentsOf: directory.appendingPathComponent(name))) ?? Data()
        }
        return files
    }

    static let quickRun = ["online", "linear", "--theory-only", "--quiet"]

    @Test func aRunRemovesTheStaleFilesOfThePreviousRunAndKeepsTheUsers() throws {
        let directory = CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let committee = try Spawned(["online", "committee", "--theory-only", "--t-max", "5", "--points", "5", "--quiet",
                                     "--output", directory.path], environment: Self.noConverter).finish()
        #expect(committee.status == 0, "\(committee.stderr)")
        #expect(FileManager.default.fileExists(atPath: directory.appendingPathComponent("overlaps.svg").path))
        try "my notes".write(to: directory.appendingPathComponent("notes.txt"), atomically: true, encoding: .utf8)
        let linear = try Spawned(Self.quickRun + ["--output", directory.path], environment: Self.noConverter).finish()
        #expect(linear.status == 0, "\(linear.stderr)")
        let names = Set(Self.listing(directory).keys)
        #expect(names == ["result.json", "learning_curve.csv", "learning_curve.svg", "learning_curve.figure.json",
                          "learning_curve.py", "notes.txt", ".statphys-run.json"])
        #expect(try CLIRunner.result(in: directory)["model"] as? String == "online-linear")
    }

    @Test func aFailedWriteKeepsThePreviousSet() throws {
        let directory = CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        #expect(try Spawned(Self.quickRun + ["--output", directory.path], environment: Self.noConverter).finish().status == 0)
        let before = Self.listing(directory)
        // A directory where the figure must go: the new run fails while writing, after computing.
        try FileManager.default.removeItem(at: directory.appendingPathComponent("learning_curve.svg"))
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("learning_curve.svg"), withIntermediateDirectories: false)
        let failed = try Spawned(Self.quickRun + ["--lr", "0.3", "--output", directory.path], environment: Self.noConverter).finish()
        #expect(failed.reason == .exit && failed.status == 1)
        #expect(failed.stderr.contains("learning_curve.svg"), "\(failed.stderr)")
        var after = Self.listing(directory)
        after["learning_curve.svg"] = nil
        var expected = before
        expected["learning_curve.svg"] = nil
        #expect(after == expected)
    }

    @Test func aSecondConcurrentRunIsRefusedAndTheFirstCompletes() throws {
        let directory = CLIRunner.temporaryDirectory(), converter = try SlowConverter()
        defer { try? FileManager.default.removeItem(at: directory); converter.remove() }
        let first = try Spawned(Self.quickRun + ["--lr", "0.3", "--output", directory.path], environment: converter.environment)
        _ = try converter.started()  // the first run holds the lock and is writing its figures
        let start = Date()
        let second = try Spawned(Self.quickRun + ["--lr", "0.7", "--output", directory.path], environment: Self.noConverter).finish()
        #expect(Date().timeIntervalSince(start) < 30)
        #expect(second.reason == .exit && second.status == 1)
        #expect(second.stderr.contains("another statphys run is writing into"), "\(second.stderr)")
        try Data().write(to: converter.release)
        let done = first.finish()
        #expect(done.reason == .exit && done.status == 0, "\(done.stderr)")
        let settings = try CLIRunner.result(in: directory)["settings"] as? [String: Any]
        #expect(settings?["lr"] as? Double == 0.3)
        #expect(!Self.listing(directory).keys.contains(".statphys-staging"))
    }

    @Test func twoRunsStartedTogetherNeverMixTheirFiles() throws {
        for trial in 0..<4 {
            let directory = CLIRunner.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: directory) }
            let runs = try ["0.3", "0.7"].map { try Spawned(Self.quickRun + ["--lr", $0, "--output", directory.path], environment: Self.noConverter) }
            let ends = runs.map { $0.finish() }
            #expect(ends.contains { $0.status == 0 }, "trial \(trial)")
            for end in ends where end.status != 0 { #expect(end.stderr.contains("another statphys run"), "\(end.stderr)") }
            // The figure's data and result.json come from the same run.
            let lr = try #require((try CLIRunner.result(in: directory)["settings"] as? [String: Any])?["lr"] as? Double)
            let figure = try String(contentsOf: directory.appendingPathComponent("learning_curve.figure.json"), encoding: .utf8)
            #expect(figure.contains("τ = \(lr)"), "trial \(trial)")
        }
    }

    @Test(arguments: [SIGINT, SIGTERM, SIGHUP])
    func anInterruptedRunLeavesNoDebrisAndNoConverter(signal number: Int32) throws {
        let directory = CLIRunner.temporaryDirectory(), converter = try SlowConverter()
        defer { try? FileManager.default.removeItem(at: directory); converter.remove() }
        #expect(try Spawned(Self.quickRun + ["--output", directory.path], environment: Self.noConverter).finish().status == 0)
        let before = Self.listing(directory)
        let run = try Spawned(Self.quickRun + ["--lr", "0.3", "--output", directory.path], environment: converter.environment)
        let child = try converter.started()
        kill(run.process.processIdentifier, number)
        let end = run.finish()
        #expect(end.reason == .uncaughtSignal && end.status == number, "\(end.reason) \(end.status) \(end.stderr)")
        #expect(!Self.isRunning(child), "the converter \(child) is still running")
        #expect(Self.listing(directory) == before)
        try Data().write(to: converter.release)
    }

    /// Signals at arbitrary moments (computing, writing, converting, committing): afterwards the directory holds
    /// one consistent set (result.json and the figure's data from the same run, exactly the recorded files) and
    /// nothing else. The delays vary; the property must hold for every one of them.
    @Test func anInterruptionAtAnyMomentLeavesOneConsistentSet() throws {
        let directory = CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = ["PATH": "/usr/bin:/bin"]  // the real converter, when installed
        #expect(try Spawned(Self.quickRun + ["--output", directory.path], environment: path).finish().status == 0)
        var state: UInt64 = 12345
        func next(_ n: UInt64) -> UInt64 { state = state &* 6364136223846793005 &+ 1442695040888963407; return (state >> 33) % n }
        for trial in 0..<16 {
            let lr = "0.\(next(9) + 1)", signal = [SIGINT, SIGTERM, SIGHUP][Int(next(3))]
            let run = try Spawned(Self.quickRun + ["--lr", lr, "--output", directory.path], environment: path)
            usleep(useconds_t(next(300_000)))
            kill(run.process.processIdentifier, signal)
            let end = run.finish()
            #expect(end.reason == .uncaughtSignal && end.status == signal || end.reason == .exit && end.status == 0,
                    "trial \(trial): \(end.reason) \(end.status) \(end.stderr)")
            let names = Set(Self.listing(directory).keys)
            let recorded = try JSONSerialization.jsonObject(with: Data(contentsOf: directory.appendingPathComponent(".statphys-run.json")))
            #expect(Set((recorded as? [String: Any])?["files"] as? [String] ?? []).union([".statphys-run.json"]) == names, "trial \(trial): \(names)")
            let settings = try CLIRunner.result(in: directory)["settings"] as? [String: Any]
            let shown = try #require(settings?["lr"] as? Double)
            let figure = try String(contentsOf: directory.appendingPathComponent("learning_curve.figure.json"), encoding: .utf8)
            #expect(figure.contains("τ = \(shown)"), "trial \(trial): result.json and the figure come from different runs")
        }
    }

    @Test func aRunInterruptedWhileComputingLeavesNoDirectory() throws {
        let root = CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let directory = root.appendingPathComponent("new/run")
        let run = try Spawned(["online", "committee", "--d", "500", "--t-max", "200", "--seeds", "2", "--quiet",
                               "--output", directory.path], environment: Self.noConverter)
        usleep(1_000_000)
        #expect(run.process.isRunning, "the run ended before it could be interrupted")
        kill(run.process.processIdentifier, SIGTERM)
        let end = run.finish()
        #expect(end.reason == .uncaughtSignal && end.status == SIGTERM)
        #expect(Self.listing(root).isEmpty)
    }

    @Test(arguments: [
        ["online", "linear"], ["online", "classifier"], ["online", "committee"], ["online", "committee", "--stability"],
        ["online", "committee-sweep"], ["demo"], ["dmft"], ["dmft", "threshold"],
    ])
    func anEmptyOutputPathIsRefused(command: [String]) throws {
        for path in ["", "  ", "\t"] {
            let output = try CLIRunner.run(command + ["--output", path])
            #expect(output.status == 64, "\(command) --output '\(path)': \(output.status) \(output.stderr)")
            #expect(output.stderr.contains("--output needs a directory path"))
        }
    }

    /// A short-hand's Slurm tasks run at once into one directory (each `sweep point` takes a shared lock), and the
    /// merge job's `sweep table` writes the summary beside the points; the scripts never name a staging folder.
    @Test func slurmTasksOfOneShortHandRunAtOnceIntoOneDirectory() throws {
        let root = CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let directory = root.appendingPathComponent("sweep")
        let sweep = ["dmft", "threshold", "--batch", "1", "--alpha", "2.6,2.8,3.0,3.2", "--steps", "60", "--quiet", "--output", directory.path]
        let submit = try Spawned(sweep + ["--slurm", "--dry-run"], environment: Self.noConverter).finish()
        #expect(submit.status == 0, "\(submit.stderr)")
        let tasks = try (0..<4).map { try Spawned(["sweep", "point", directory.path, "--index", "\($0)"], environment: Self.noConverter) }
        for (index, end) in tasks.map({ $0.finish() }).enumerated() { #expect(end.status == 0, "task \(index): \(end.stderr)") }
        #expect(Set(Self.listing(directory.appendingPathComponent("points")).keys) == ["00000", "00001", "00002", "00003"])
        let merge = try Spawned(["sweep", "table", directory.path], environment: Self.noConverter).finish()
        #expect(merge.status == 0, "\(merge.stderr)")
        #expect(Set(Self.listing(directory).keys).isSuperset(of: ["threshold.json", "relaxation.svg", "table.csv", "sweep.json", "slurm"]))
        let script = try String(contentsOf: directory.appendingPathComponent("slurm/submission-1/array-0.sbatch"), encoding: .utf8)
        #expect(script.contains(directory.appendingPathComponent("slurm/submission-1/logs").path) && !script.contains(".statphys-staging"))
    }

    /// Runs whose simulation outlasts a diverged theory (or whose values are extreme) write complete figures.
    @Test(arguments: [
        (["online", "linear", "--lr", "14", "--t-max", "10", "--d", "200"], Int32(3)),
        (["online", "classifier", "--loss", "square", "--lr", "14", "--d", "200"], Int32(3)),
        (["online", "committee", "--activation", "relu", "--lr", "8", "--d", "100", "--t-max", "20", "--seeds", "2"], Int32(3)),
        (["dmft", "--c0", "1e308", "--steps", "20"], Int32(3)),
        (["online", "classifier", "--log-grid", "--t-max", "1e-300", "--d", "200"], Int32(0)),
    ])
    func divergedAndExtremeRunsWriteValidFigures(arguments: [String], status: Int32) throws {
        let directory = CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let end = try Spawned(arguments + ["--quiet", "--output", directory.path], environment: Self.noConverter).finish()
        #expect(end.reason == .exit && end.status == status, "\(end.status) \(end.stderr)")
        let files = Self.listing(directory)
        let figures = files.keys.filter { $0.hasSuffix(".svg") }
        #expect(!figures.isEmpty)
        for name in figures {
            let svg = String(decoding: files[name]!, as: UTF8.self)
            #expect(svg.hasSuffix("</svg>\n") || svg.hasSuffix("</svg>"), "\(name) is truncated")
            #expect(!svg.contains("nan") && !svg.contains("\"inf"), "\(name) holds non-finite coordinates")
        }
        // The CSV keeps every time either side reached: as many rows as the longer of theory and simulation.
        if let csvName = files.keys.first(where: { $0.hasSuffix(".csv") }), arguments[0] == "online" {
            let result = try CLIRunner.result(in: directory)
            let theoryTimes = (result["t"] as? [Any])?.count ?? 0
            let simulationTimes = ((result["simulation"] as? [String: Any])?["t"] as? [Any])?.count ?? 0
            let rows = String(decoding: files[csvName]!, as: UTF8.self).split(separator: "\n").count - 1
            #expect(rows == max(theoryTimes, simulationTimes))
        }
    }
}
