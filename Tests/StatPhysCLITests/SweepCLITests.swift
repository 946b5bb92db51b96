import Foundation
import Testing

/// `statphys sweep plan|run|table` on real commands: every point its own complete directory, resume that skips
/// finished points and redoes corrupt, failed and interrupted ones, failures and divergences recorded, the lock.
@Suite(.serialized) struct SweepCLITests {
    static func write(_ text: String, in directory: URL, name: String = "sweep.json") throws -> String {
        let url = directory.appendingPathComponent(name)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    static func table(_ directory: URL) throws -> [[String: Any]] {
        let data = try Data(contentsOf: directory.appendingPathComponent("table.json"))
        let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        return try #require(json["rows"] as? [[String: Any]])
    }

    static func status(_ directory: URL, _ name: String) throws -> [String: Any] {
        let data = try Data(contentsOf: directory.appendingPathComponent("status/\(name).json"))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    static let linear = #"{"command": "online linear --theory-only --t-max 5 --points 11 --quiet", "axes": {"lr": [0.5, 1.0], "noise": "0:0.2:0.2"}}"#

    @Test func planPrintsTheGridAndItsCost() throws {
        let scratch = CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let file = try Self.write(Self.linear, in: scratch)
        let output = try CLIRunner.run(["sweep", "plan", file])
        #expect(output.status == 0, "\(output.stderr)")
        #expect(output.stdout.contains("4 points"))
        #expect(output.stdout.contains("axis --noise: 2 values: 0, 0.2"))
        #expect(output.stdout.contains("00003  lr=1 noise=0.2"))
        #expect(output.stdout.contains("estimated cost (from every point)"))
        // A point the command refuses is named, with the command's own message, before anything runs.
        let bad = try Self.write(#"{"command": "online linear --theory-only", "axes": {"lrr": [1]}}"#, in: scratch, name: "bad.json")
        let refused = try CLIRunner.run(["sweep", "plan", bad])
        #expect(refused.status == 64)
        #expect(refused.stderr.contains("every point is refused; point 0 (lrr=1)") && refused.stderr.contains("lrr"), "\(refused.stderr)")
        // A point refused among others is a warning: it will fail alone.
        let mixed = try Self.write(#"{"command": "online linear --theory-only", "axes": {"lr": [-1, 1]}}"#, in: scratch, name: "mixed.json")
        let warned = try CLIRunner.run(["sweep", "plan", mixed])
        #expect(warned.status == 0 && warned.stderr.contains("warning: point 0 (lr=-1) is refused and will fail"), "\(warned.stderr)")
        // A command that is not one is named as such, with the parser's message once (no second "Error:", no usage).
        let nonsense = try Self.write(#"{"command": "nonsense cmd", "axes": {"lr": [1]}}"#, in: scratch, name: "nonsense.json")
        let wrong = try CLIRunner.run(["sweep", "plan", nonsense])
        #expect(wrong.status == 64 && wrong.stderr.contains("the sweep's command is refused (statphys nonsense cmd)"), "\(wrong.stderr)")
        #expect(wrong.stderr.components(separatedBy: "Error:").count == 2, "\(wrong.stderr)")
        let malformed = try Self.write(#"{"command": "online linear", "axes": {"lr": "1:0:1"}}"#, in: scratch, name: "malformed.json")
        #expect(try CLIRunner.run(["sweep", "plan", malformed]).status == 64)
        #expect(try CLIRunner.run(["sweep", "plan", scratch.appendingPathComponent("missing.json").path]).status == 1)
    }

    @Test func runWritesEveryPointAndResumes() throws {
        let scratch = CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let file = try Self.write(Self.linear, in: scratch)
        let directory = scratch.appendingPathComponent("sweep")
        let first = try CLIRunner.run(["sweep", "run", file, "--output", directory.path, "--jobs", "2", "--quiet"])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.contains("4 points: 4 completed"))
        let rows = try Self.table(directory)
        #expect(rows.count == 4)
        for (index, row) in rows.enumerated() {
            #expect(row["outcome"] as? String == "completed")
            // Each point ran with its own values: its result records them.
            let result = try CLIRunner.result(in: directory.appendingPathComponent(String(format: "points/%05d", index)))
            let settings = try #require(result["settings"] as? [String: Any])
            #expect(settings["lr"] as? Double == row["lr"] as? Double && settings["noise"] as? Double == row["noise"] as? Double)
            let eg = try #require((result["theory"] as? [String: Any])?["eg"] as? [Double])
            #expect(row["eg_final"] as? Double == eg.last)
        }
        let before = try Self.status(directory, "00002")
        // A re-run computes nothing.
        let second = try CLIRunner.run(["sweep", "run", file, "--output", directory.path, "--quiet"])
        #expect(second.status == 0 && second.stdout.contains("4 already complete (skipped)"), "\(second.stdout)")
        #expect(try Self.status(directory, "00002")["seconds"] as? Double == before["seconds"] as? Double)
        // A corrupt result and a deleted figure are found and only those points recomputed.
        try Data("{\"truncated".utf8).write(to: directory.appendingPathComponent("points/00001/result.json"))
        try FileManager.default.removeItem(at: directory.appendingPathComponent("points/00003/learning_curve.csv"))
        let third = try CLIRunner.run(["sweep", "run", file, "--output", directory.path, "--quiet"])
        #expect(third.status == 0 && third.stdout.contains("4 points: 2 completed; 2 already complete (skipped)"), "\(third.stdout)")
        #expect(FileManager.default.fileExists(atPath: directory.appendingPathComponent("points/00003/learning_curve.csv").path))
        _ = try CLIRunner.result(in: directory.appendingPathComponent("points/00001"))
        // The figures: curves of eg_final over lr per noise, and the heatmap over both.
        let curves = try CLIRunner.run(["sweep", "plot", directory.path])
        #expect(curves.status == 0 && curves.stdout.contains("sweep_eg_final_lr.svg"), "\(curves.stderr)")
        let svg = try String(contentsOf: directory.appendingPathComponent("sweep_eg_final_lr.svg"), encoding: .utf8)
        #expect(svg.contains("noise σ") && svg.contains("= 0.2"))
        let heatmap = try CLIRunner.run(["sweep", "plot", directory.path, "--x", "lr", "--y", "noise", "--measure", "m_final"])
        #expect(heatmap.status == 0 && FileManager.default.fileExists(atPath: directory.appendingPathComponent("sweep_m_final_lr_noise.svg").path),
                "\(heatmap.stderr)")
        let refused = try CLIRunner.run(["sweep", "plot", directory.path, "--x", "seed"])
        #expect(refused.status == 64 && refused.stderr.contains("no axis 'seed'"), "\(refused.stderr)")
        // Another sweep into the same directory is refused.
        let other = try Self.write(Self.linear.replacingOccurrences(of: "[0.5, 1.0]", with: "[0.5, 1.5]"), in: scratch, name: "other.json")
        let different = try CLIRunner.run(["sweep", "run", other, "--output", directory.path, "--quiet"])
        #expect(different.status == 1 && different.stderr.contains("holds a different sweep"), "\(different.stderr)")
    }

    @Test func failedAndDivergedPointsAreRecordedAndTheOthersFinish() throws {
        let scratch = CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: scratch) }
        // lr = −1 is refused by the command; lr = 14 diverges (critical rate 2); lr = 0.5 completes.
        let file = try Self.write(#"{"command": "online linear --theory-only --t-max 10 --points 21 --quiet", "axes": {"lr": [-1, 14, 0.5]}}"#, in: scratch)
        let directory = scratch.appendingPathComponent("sweep")
        let output = try CLIRunner.run(["sweep", "run", file, "--output", directory.path, "--quiet"])
        #expect(output.status == 1)
        #expect(output.stdout.contains("3 points: 1 completed, 1 diverged, 1 failed"), "\(output.stdout)")
        #expect(output.stdout.contains("failed: point 00000 (lr=-1)"))
        let rows = try Self.table(directory)
        #expect(rows.map { $0["outcome"] as? String } == ["failed", "diverged", "completed"])
        #expect((rows[1]["divergence_time"] as? Double).map { $0 > 0 && $0 < 10 } == true)
        #expect(rows[2]["divergence_time"] is NSNull)
        let failed = try Self.status(directory, "00000")
        #expect(failed["exit_status"] as? Int == 64 && (failed["message"] as? String)?.contains("lr") == true, "\(failed)")
        // The table's target column: the first time e_g reaches 0.05, between the output times that bracket it.
        let table = try CLIRunner.run(["sweep", "table", directory.path, "--target", "0.05", "--value", "theory.m[-1]"])
        #expect(table.status == 0, "\(table.stderr)")
        let row = try Self.table(directory)[2]
        let result = try CLIRunner.result(in: directory.appendingPathComponent("points/00002"))
        let t = try #require(result["t"] as? [Double]), eg = try #require((result["theory"] as? [String: Any])?["eg"] as? [Double])
        let crossing = try #require(row["time_to_target"] as? Double)
        let after = try #require(eg.firstIndex { $0 <= 0.05 })
        #expect(crossing > t[after - 1] && crossing <= t[after])
        #expect(row["theory.m[-1]"] as? Double == ((result["theory"] as? [String: Any])?["m"] as? [Double])?.last)
    }

    @Test func aLockedSweepDirectoryIsRefused() throws {
        let scratch = CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let file = try Self.write(Self.linear, in: scratch)
        let directory = scratch.appendingPathComponent("sweep")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let descriptor = open(directory.path, O_RDONLY | O_DIRECTORY)
        defer { close(descriptor) }
        #expect(flock(descriptor, LOCK_EX | LOCK_NB) == 0)
        let output = try CLIRunner.run(["sweep", "run", file, "--output", directory.path, "--quiet"])
        #expect(output.status == 1 && output.stderr.contains("another sweep is running"), "\(output.stderr)")
    }

    /// Ctrl-C (or SIGKILL) in the middle: the finished points stay finished (not recomputed), the interrupted ones leave
    /// nothing (SIGKILL cannot stop the running point, which ends on its own and, without a status, is run again), and
    /// the next run completes exactly those.
    @Test(arguments: [SIGINT, SIGKILL])
    func anInterruptedSweepResumes(signal: Int32) throws {
        let scratch = CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let file = try Self.write(#"{"command": "online linear --t-max 20 --points 21 --d 400 --seeds 2 --quiet", "axes": {"lr": "0.1:0.8:0.1"}}"#, in: scratch)
        let directory = scratch.appendingPathComponent("sweep")
        let process = Process()
        process.executableURL = CLIRunner.executable
        process.arguments = ["sweep", "run", file, "--output", directory.path, "--jobs", "1", "--quiet"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(120)
        while !FileManager.default.fileExists(atPath: directory.appendingPathComponent("status/00001.json").path), Date() < deadline { usleep(20_000) }
        kill(process.processIdentifier, signal)
        process.waitUntilExit()
        #expect(process.terminationReason == .uncaughtSignal && process.terminationStatus == signal)
        // A killed sweep's running point goes on as an orphan: wait until no process writes into the sweep.
        func writers() -> Int {
            let pids = (try? FileManager.default.contentsOfDirectory(atPath: "/proc"))?.filter { Int($0) != nil } ?? []
            return pids.filter { pid in
                (try? String(decoding: Data(contentsOf: URL(fileURLWithPath: "/proc/\(pid)/cmdline")), as: UTF8.self))?.contains(directory.path) == true
            }.count
        }
        // (Three quiet looks 0.1 s apart: a child being spawned at the moment of the kill may not show its command yet.)
        var quiet = 0
        while quiet < 3, Date() < deadline { quiet = writers() == 0 ? quiet + 1 : 0; usleep(100_000) }
        let finished = try FileManager.default.contentsOfDirectory(atPath: directory.appendingPathComponent("status").path).filter { $0.hasSuffix(".json") }
        #expect(finished.count >= 2 && finished.count < 8)
        let seconds = try finished.map { try Self.status(directory, String($0.dropLast(5)))["seconds"] as? Double }
        // No staging debris in the interrupted point.
        let next = directory.appendingPathComponent(String(format: "points/%05d", finished.count))
        #expect(!FileManager.default.fileExists(atPath: next.appendingPathComponent(".statphys-staging").path))
        let resumed = try CLIRunner.run(["sweep", "run", file, "--output", directory.path, "--quiet"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(resumed.stdout.contains("8 points: \(8 - finished.count) completed; \(finished.count) already complete (skipped)"), "\(resumed.stdout)")
        #expect(try finished.map { try Self.status(directory, String($0.dropLast(5)))["seconds"] as? Double } == seconds)
        #expect(try Self.table(directory).allSatisfy { $0["outcome"] as? String == "completed" && $0["agreement"] is String })
    }

    /// A phase diagram of linear regression over lr × weight decay, coloured by divergence, with the critical rate
    /// 2(1 + λ) drawn: the diverged points are exactly those above it.
    @Test func aPhaseDiagramShowsTheCriticalRate() throws {
        let scratch = CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let file = try Self.write(#"{"command": "online linear --theory-only --t-max 20 --points 21 --quiet", "axes": {"lr": [0.5, 1.5, 2.5, 3.5], "reg": [0, 0.5]}}"#,
                                  in: scratch)
        let directory = scratch.appendingPathComponent("phase")
        let run = try CLIRunner.run(["sweep", "run", file, "--output", directory.path, "--quiet"])
        #expect(run.status == 0, "\(run.stdout) \(run.stderr)")
        for row in try Self.table(directory) {
            let lr = try #require(row["lr"] as? Double), reg = try #require(row["reg"] as? Double)
            #expect(row["diverged"] as? Int == (lr > 2 * (1 + reg) ? 1 : 0), "lr = \(lr), λ = \(reg)")
        }
        let plot = try CLIRunner.run(["sweep", "plot", directory.path, "--x", "lr", "--y", "reg", "--measure", "diverged"])
        #expect(plot.status == 0, "\(plot.stderr)")
        let figure = try Data(contentsOf: directory.appendingPathComponent("sweep_diverged_lr_reg.figure.json"))
        let json = try #require(try JSONSerialization.jsonObject(with: figure) as? [String: Any])
        #expect((json["title"] as? String)?.contains("critical rate") == true)
        let panel = try #require((json["panels"] as? [[String: Any]])?.first)
        let boundary = try #require((panel["series"] as? [[String: Any]])?.first)
        // Rows: reg = 0.5 on top (η_c = 3, between the third and fourth columns), then reg = 0 (η_c = 2).
        #expect(boundary["x"] as? [Double] == [2.5, 1.5] && boundary["y"] as? [Double] == [0, 1])
    }
}
