import Foundation
import Testing

@Suite struct OnlineLinearCLITests {
    @Test func simulatedRunWritesACompleteResult() throws {
        let directory = CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let output = try CLIRunner.run([
            "online", "linear", "--lr", "0.5", "--noise", "0.1", "--reg", "0.01", "--q0", "0.1", "--t-max", "2",
            "--points", "11", "--d", "200", "--seeds", "3", "--quiet", "--output", directory.path,
        ])
        #expect(output.status == 0, "\(output.stderr)")
        #expect(output.stdout.contains("eg theory"))
        let json = try CLIRunner.result(in: directory)
        let t = try #require(json["t"] as? [Double])
        #expect(t.count == 11)
        #expect(abs(t.last! - 2) < 1e-12)
        let theory = try #require(json["theory"] as? [String: [Double]])
        for key in ["m", "q", "eg"] { #expect(theory[key]?.count == 11) }
        let simulation = try #require(json["simulation"] as? [String: Any])
        for part in ["mean", "stderr"] {
            let values = try #require(simulation[part] as? [String: [Double]])
            for key in ["m", "q", "eg"] { #expect(values[key]?.count == 11) }
        }
        let settings = try #require(json["settings"] as? [String: Any])
        #expect(settings["noise"] as? Double == 0.1)
        #expect(settings["d"] as? Int == 200)
        #expect(json["critical_lr"] as? Double == 2.02)
        for file in ["learning_curve.csv", "learning_curve.svg", "learning_curve.figure.json", "learning_curve.py"] {
            #expect(FileManager.default.fileExists(atPath: directory.appendingPathComponent(file).path), "\(file)")
        }
    }

    @Test func theoryOnlyRunHasNoSimulation() throws {
        let directory = CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let output = try CLIRunner.run(["online", "linear", "--theory-only", "--q0", "0.2", "--quiet", "--output", directory.path])
        #expect(output.status == 0, "\(output.stderr)")
        let json = try CLIRunner.result(in: directory)
        #expect(json["simulation"] == nil)
        let theory = try #require(json["theory"] as? [String: [Double]])
        #expect(theory["q"]?.first == 0.2)
    }

    @Test func divergenceExitsWithStatusThreeAndReportsTheTime() throws {
        let directory = CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let output = try CLIRunner.run(["online", "linear", "--lr", "2.5", "--theory-only", "--t-max", "100", "--quiet", "--output", directory.path])
        #expect(output.status == 3)
        #expect(output.stderr.contains("diverged at t ="))
        let json = try CLIRunner.result(in: directory)
        let divergence = try #require(json["divergence"] as? [String: Any])
        let theory = try #require(divergence["theory"] as? [String: Any])
        #expect((theory["t"] as? Double ?? 0) > 0)
    }

    @Test(arguments: [
        (["--d", "0"], "--d"),
        (["--seeds=-2"], "--seeds"),
        (["--noise=-1"], "--noise"),
        (["--t-max", "0"], "--t-max"),
        (["--lr=-0.1"], "learning rate"),
        (["--q0", "0.1", "--m0", "1"], "m0"),
    ])
    func badArgumentsGiveAMessageAndNonZeroStatus(extra: [String], mention: String) throws {
        let directory = CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let output = try CLIRunner.run(["online", "linear", "--quiet", "--output", directory.path] + extra)
        #expect(output.status != 0)
        #expect(output.status != 3)
        #expect(output.stderr.contains(mention), "stderr: \(output.stderr)")
        #expect(!output.stderr.contains("Fatal error"))
    }

    @Test func unknownScenarioAndUnwritableOutputAreErrors() throws {
        let unknown = try CLIRunner.run(["online", "perceptron", "--output", "/tmp/x"])
        #expect(unknown.status != 0)
        #expect(!unknown.stderr.isEmpty)
        let unwritable = try CLIRunner.run(["online", "linear", "--theory-only", "--quiet", "--output", "/proc/statphys/out"])
        #expect(unwritable.status == 1)
        #expect(unwritable.stderr.contains("/proc/statphys/out"))
    }
}
