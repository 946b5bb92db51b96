import Foundation
import Testing

@Suite struct DMFTCLITests {
    @Test func runWritesTheoryAndSimulation() throws {
        let directory = CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let output = try CLIRunner.run([
            "dmft", "--alpha", "3", "--lr", "0.1", "--batch", "0.3", "--m0", "0.2", "--steps", "20",
            "--simulate", "--N", "20", "--seeds", "2", "--precision", "float", "--quiet", "--output", directory.path,
        ])
        #expect(output.status == 0, "\(output.stderr)")
        let json = try CLIRunner.result(in: directory)
        #expect((json["step"] as? [Int])?.count == 21)
        let t = try #require(json["t"] as? [Double])
        #expect(abs(t[20] - 2) < 1e-12)
        let theory = try #require(json["theory"] as? [String: [Double]])
        for key in ["m", "Ctt", "Delta", "e"] { #expect(theory[key]?.count == 21, "\(key)") }
        #expect(abs(theory["m"]![1] - 0.2 * (1 + 0.3 * 0)) < 1e-12)
        let simulation = try #require(json["simulation"] as? [String: Any])
        #expect(simulation["precision"] as? String == "float")
        for part in ["mean", "stderr"] {
            let block = try #require(simulation[part] as? [String: [Double]])
            for key in ["m", "Ctt", "Delta", "e"] { #expect(block[key]?.count == 21) }
        }
        for file in ["dynamics.svg", "correlation.svg", "dynamics.csv"] {
            #expect(FileManager.default.fileExists(atPath: directory.appendingPathComponent(file).path))
        }
        // Integer steps in the CSV, as in result.json.
        let csv = try String(contentsOf: directory.appendingPathComponent("dynamics.csv"), encoding: .utf8).split(separator: "\n")
        #expect(csv[1].hasPrefix("0,") && csv[2].hasPrefix("1,") && csv.last?.hasPrefix("20,") == true, "\(csv.prefix(3))")
        // stdout puts the simulation beside the theory: its columns, and its relaxation step beside the DMFT's.
        let header = try #require(output.stdout.split(separator: "\n").first)
        #expect(header.contains("m sim") && header.contains("Delta sim"), "\(output.stdout)")
        let relaxation = try #require((json["relaxation"] as? [String: Any]))
        let line = try #require(output.stdout.split(separator: "\n").first { $0.hasPrefix("relaxation") })
        #expect(line.contains("DMFT ") && line.contains(", simulation "), "\(line)")
        if let step = relaxation["simulation_step"] as? Int { #expect(line.contains("simulation step \(step)")) }
    }

    @Test func sphericalRunKeepsTheNorm() throws {
        let directory = CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let output = try CLIRunner.run([
            "dmft", "--spherical", "--alpha", "3", "--lr", "0.2", "--m0", "0.3", "--steps", "10",
            "--simulate", "--N", "20", "--samples", "2", "--quiet", "--output", directory.path,
        ])
        #expect(output.status == 0, "\(output.stderr)")
        let json = try CLIRunner.result(in: directory)
        #expect((json["settings"] as? [String: Any])?["spherical"] as? Bool == true)
        let theory = try #require(json["theory"] as? [String: [Double]])
        #expect(theory["Ctt"]!.allSatisfy { abs($0 - 1) < 1e-12 })
        let mean = try #require((json["simulation"] as? [String: Any])?["mean"] as? [String: [Double]])
        #expect(mean["Ctt"]!.allSatisfy { abs($0 - 1) < 1e-12 })
        #expect(theory["m"]![10] > theory["m"]![0])
    }

    /// --stop-at-relaxation ends the DMFT at its relaxation step with the same values as the full run, records it, and
    /// the simulation runs to the same step.
    @Test func stopAtRelaxationEndsAtTheRelaxationStep() throws {
        let full = CLIRunner.temporaryDirectory(), stopped = CLIRunner.temporaryDirectory()
        defer { for url in [full, stopped] { try? FileManager.default.removeItem(at: url) } }
        let common = ["dmft", "--alpha", "3", "--m0", "0.1", "--steps", "80", "--no-png", "--quiet"]
        #expect(try CLIRunner.run(common + ["--output", full.path]).status == 0)
        let run = try CLIRunner.run(common + ["--stop-at-relaxation", "--simulate", "--N", "60", "--seeds", "2", "--output", stopped.path])
        #expect(run.status == 0, "\(run.stderr)")
        let a = try CLIRunner.result(in: full), b = try CLIRunner.result(in: stopped)
        let tau = try #require((a["relaxation"] as? [String: Any])?["theory_step"] as? Int)
        #expect(tau > 5 && tau < 80 && (b["relaxation"] as? [String: Any])?["theory_step"] as? Int == tau)
        #expect((b["step"] as? [Int])?.count == tau + 1 && (a["step"] as? [Int])?.count == 81)
        let mA = try #require((a["theory"] as? [String: Any])?["m"] as? [Double]), mB = try #require((b["theory"] as? [String: Any])?["m"] as? [Double])
        #expect(Array(mA.prefix(tau + 1)) == mB)
        let settings = try #require(b["settings"] as? [String: Any])
        #expect(settings["stop_at_relaxation"] as? Bool == true && settings["steps"] as? Int == 80)
        let simulated = try #require(((b["simulation"] as? [String: Any])?["mean"] as? [String: Any])?["m"] as? [Double])
        #expect(simulated.count == tau + 1)
    }

    /// Dynamics early in a long horizon get a logarithmic time axis (from t = η); dynamics that fill it keep a linear one.
    @Test func earlyDynamicsGetALogTimeAxis() throws {
        func scale(_ steps: String) throws -> (String?, String?) {
            let directory = CLIRunner.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: directory) }
            let run = try CLIRunner.run(["dmft", "--alpha", "3", "--m0", "0.1", "--steps", steps, "--no-png", "--quiet", "--output", directory.path])
            #expect(run.status == 0, "\(run.stderr)")
            let figure = try JSONSerialization.jsonObject(with: Data(contentsOf: directory.appendingPathComponent("dynamics.figure.json"))) as? [String: Any]
            let panel = (figure?["panels"] as? [[String: Any]])?.first
            return (panel?["xScale"] as? String, panel?["xLabel"] as? String)
        }
        // Relaxation at step ~31: early in 600 steps, not in 40.
        let (long, label) = try scale("600")
        #expect(long == "log" && label?.contains("from t = η") == true)
        #expect(try scale("40").0 == "linear")
    }

    @Test func thresholdFitsEachBatchFraction() throws {
        let directory = CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let output = try CLIRunner.run([
            "dmft", "threshold", "--batch", "1,0.5", "--alpha", "2.6:3.4:0.2", "--lr", "0.1", "--m0", "0.1", "--steps", "300",
            "--quiet", "--output", directory.path,
        ])
        #expect(output.status == 0, "\(output.stderr)")
        #expect(output.stdout.contains("alpha*"))
        let data = try Data(contentsOf: directory.appendingPathComponent("threshold.json"))
        // A list with one entry per batch fraction, as the issue specifies.
        let thresholds = try #require(try JSONSerialization.jsonObject(with: data) as? [[String: Any]])
        #expect(thresholds.count == 2)
        for entry in thresholds {
            let points = try #require(entry["points"] as? [[String: Any]])
            #expect(points.count == 5)
            let star = try #require(entry["alpha_star"] as? Double)
            #expect(star < 2.6 && star > 1)
            #expect((entry["nu"] as? Double ?? 0) > 0)
            let settings = try #require(entry["settings"] as? [String: Any])
            #expect(settings["steps"] as? Int == 300 && settings["spherical"] as? Bool == false)
        }
        #expect(thresholds.map { $0["batch"] as? Double } == [1, 0.5])
        // The figures' titles typeset the criterion (JSON keeps its ASCII form).
        let figure = try String(contentsOf: directory.appendingPathComponent("threshold.figure.json"), encoding: .utf8)
        #expect(figure.contains("Δ(t) ≤ 0.05") && !figure.contains("Delta(t) <="), "the title's criterion")
    }

    @Test(arguments: [
        (["--alpha=-1"], "alpha"), (["--batch", "1.5"], "batch"), (["--lr", "0"], "learning rate"),
        (["--m0", "2"], "m0"), (["--precision", "half"], "--precision"), (["--max-memory", "lots"], "--max-memory"),
        (["--spherical", "--c0", "2"], "c0 must be 1"),
    ])
    func badInputGivesAMessage(extra: [String], mention: String) throws {
        let directory = CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let output = try CLIRunner.run(["dmft", "--steps", "5", "--quiet", "--output", directory.path] + extra)
        #expect(output.status != 0)
        #expect(output.stderr.contains(mention), "stderr: \(output.stderr)")
    }

    @Test func thresholdNeedsValidRanges() throws {
        let output = try CLIRunner.run(["dmft", "threshold", "--alpha", "3:2:0.1", "--output", "/tmp/statphys-unused"])
        #expect(output.status != 0)
        #expect(output.stderr.contains("--alpha"))
    }
}

/// A group whose default subcommand runs without its name shows that subcommand's options in its own help.
@Suite struct DefaultSubcommandHelpCLITests {
    @Test(arguments: [(["dmft"], ["--alpha", "--simulate", "--seeds"]), (["online", "committee"], ["--K", "--activation", "--stability"]),
                      (["online", "linear"], ["--lr", "--noise"]), (["online", "classifier"], ["--loss", "--flip"])])
    func groupHelpShowsTheDefaultSubcommandsOptions(_ command: [String], _ options: [String]) throws {
        let output = try CLIRunner.run(command + ["--help"])
        #expect(output.status == 0)
        for option in options { #expect(output.stdout.contains(option), "\(command) --help lacks \(option)") }
        #expect(output.stdout.contains("(the default, so also accepted"))
    }
}
