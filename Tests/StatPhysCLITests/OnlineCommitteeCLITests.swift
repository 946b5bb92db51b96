import Foundation
import Testing

@Suite struct OnlineCommitteeCLITests {
    @Test func simulatedRunWritesMatricesOverTime() throws {
        let directory = CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let output = try CLIRunner.run([
            "online", "committee", "--K", "2", "--M", "1", "--activation", "relu", "--lr", "0.5", "--second-layer", "trained",
            "--lr2", "0.2", "--noise", "0.01", "--q0", "0.5", "--r0", "0.2", "--t-max", "1", "--points", "6",
            "--d", "100", "--seeds", "2", "--quiet", "--output", directory.path,
        ])
        #expect(output.status == 0, "\(output.stderr)")
        let json = try CLIRunner.result(in: directory)
        #expect((json["t"] as? [Double])?.count == 6)
        let theory = try #require(json["theory"] as? [String: Any])
        let q = try #require(theory["Q"] as? [[[Double]]])
        let r = try #require(theory["R"] as? [[[Double]]])
        #expect(q.count == 6 && q[0].count == 2 && q[0][0].count == 2)
        #expect(r.count == 6 && r[0].count == 2 && r[0][0].count == 1)
        #expect(abs(q[0][0][0] - 0.5) < 1e-12 && abs(r[0][0][0] - 0.2) < 1e-12 && abs(r[0][1][0]) < 1e-12)
        #expect((theory["v"] as? [[Double]])?.count == 6)
        #expect((theory["eg"] as? [Double])?.count == 6)
        let simulation = try #require(json["simulation"] as? [String: Any])
        for part in ["mean", "stderr"] {
            let block = try #require(simulation[part] as? [String: Any])
            #expect((block["Q"] as? [[[Double]]])?.count == 6)
            #expect((block["R"] as? [[[Double]]])?.first?.count == 2)
            #expect((block["eg"] as? [Double])?.count == 6)
        }
        for file in ["learning_curve.svg", "overlaps.svg", "learning_curve.csv", "overlaps.py"] {
            #expect(FileManager.default.fileExists(atPath: directory.appendingPathComponent(file).path), "\(file)")
        }
    }

    /// tanh has no closed forms: `--quadrature-order` reaches the four-dimensional integrals, recorded in the
    /// settings; high orders agree with each other and a very low one does not.
    @Test func quadratureOrderReachesTheIntegrals() throws {
        func eg(order: Int) throws -> [Double] {
            let directory = CLIRunner.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: directory) }
            let output = try CLIRunner.run([
                "online", "committee", "--K", "1", "--M", "1", "--activation", "tanh", "--q0", "1", "--r0", "0.5",
                "--t-max", "2", "--points", "3", "--theory-only", "--quadrature-order", String(order), "--quiet", "--output", directory.path,
            ])
            #expect(output.status == 0, "\(output.stderr)")
            let json = try CLIRunner.result(in: directory)
            #expect((json["settings"] as? [String: Any])?["quadrature_order"] as? Int == order)
            #expect((json["settings"] as? [String: Any])?["quadrature_rule"] as? String == "trapezoid")
            return try #require((json["theory"] as? [String: Any])?["eg"] as? [Double])
        }
        // ε_g itself is a two-dimensional integral (at least 64 nodes whatever the order); the dynamics uses I4.
        let low = try eg(order: 3), high = try eg(order: 40), higher = try eg(order: 50)
        #expect(abs(low[0] - higher[0]) < 1e-12)
        for t in 1..<3 { #expect(abs(high[t] - higher[t]) < 1e-4 * higher[t], "t index \(t): \(high[t]) vs \(higher[t])") }
        #expect(abs(low[2] - higher[2]) > 1e-3 * higher[2])
    }

    @Test func initialStateAndTeacherFromFiles() throws {
        let directory = CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let initFile = directory.appendingPathComponent("init.json"), teacherFile = directory.appendingPathComponent("teacher.json")
        try #"{"Q": [[0.3, 0.05], [0.05, 0.4]], "R": [[0.1, 0.0], [0.0, 0.2]], "v": [0.8, 1.2]}"#.write(to: initFile, atomically: true, encoding: .utf8)
        try #"{"T": [[1.0, 0.2], [0.2, 1.0]]}"#.write(to: teacherFile, atomically: true, encoding: .utf8)
        let output = try CLIRunner.run([
            "online", "committee", "--init", initFile.path, "--teacher", teacherFile.path, "--theory-only", "--t-max", "2",
            "--quiet", "--output", directory.appendingPathComponent("out").path,
        ])
        #expect(output.status == 0, "\(output.stderr)")
        let json = try CLIRunner.result(in: directory.appendingPathComponent("out"))
        let initial = try #require(json["theory_initial"] as? [String: Any])
        #expect((initial["T"] as? [[Double]]) == [[1, 0.2], [0.2, 1]])
        #expect((initial["v"] as? [Double]) == [0.8, 1.2])
    }

    @Test func theoryOnlyRandomStudentStartsFromADrawnStudent() throws {
        let directory = CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let output = try CLIRunner.run(["online", "committee", "--theory-only", "--d", "500", "--init-variance", "0.5",
                                        "--t-max", "5", "--quiet", "--output", directory.path])
        #expect(output.status == 0, "\(output.stderr)")
        let initial = try #require(try CLIRunner.result(in: directory)["theory_initial"] as? [String: Any])
        let q = try #require(initial["Q"] as? [[Double]]), r = try #require(initial["R"] as? [[Double]])
        #expect(abs(q[0][0] - 0.5) < 0.1 && abs(q[0][1]) < 0.1)
        #expect(r.flatMap { $0 }.allSatisfy { abs($0) < 0.2 } && r[0][0] != r[1][1])
    }

    @Test func stabilityReportsLearningRates() throws {
        let directory = CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let output = try CLIRunner.run(["online", "committee", "--K", "1", "--M", "1", "--activation", "linear", "--stability", "--output", directory.path])
        #expect(output.status == 0, "\(output.stderr)")
        #expect(output.stdout.contains("lr_max"))
        let data = try Data(contentsOf: directory.appendingPathComponent("stability.json"))
        let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(abs((json["lr_max"] as? Double ?? 0) - 2) < 1e-6)
        #expect(abs((json["lr_opt"] as? Double ?? 0) - 1) < 1e-4)
        #expect(abs((json["rate_opt"] as? Double ?? 0) - 1) < 1e-6)
    }

    /// Over-parameterised student with label noise: the asymptotic error grows with η and σ² (Goldt et al. 2019).
    @Test func finalErrorSweepGrowsWithLearningRateAndNoise() throws {
        let directory = CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let output = try CLIRunner.run([
            "online", "committee-sweep", "--K", "3", "--M", "2", "--q0", "0.5", "--r0", "0.2", "--lr", "0.4,0.8,1.2",
            "--noise", "0.01,0.1", "--t-max", "200", "--quiet", "--output", directory.path,
        ])
        #expect(output.status == 0, "\(output.stderr)")
        let data = try Data(contentsOf: directory.appendingPathComponent("final_error.json"))
        let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let grid = try #require(json["final_eg"] as? [[Double]])
        #expect(grid.count == 2 && grid[0].count == 3)
        for row in grid { #expect(row[0] < row[1] && row[1] < row[2], "\(row)") }
        for j in 0..<3 { #expect(grid[0][j] < grid[1][j]) }
        #expect(FileManager.default.fileExists(atPath: directory.appendingPathComponent("final_error.svg").path))
        #expect(json["lr_max"] is NSNull, "K ≠ M: no linearisation at perfect learning")
        // One sweep engine: the sweep file the short-hand recorded runs with `sweep run` to the same final_error.json.
        let record = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: directory.appendingPathComponent("sweep.json"))) as? [String: Any])
        let file = directory.appendingPathComponent("equivalent.json"), again = CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: again) }
        try (record["file"] as? String ?? "").write(to: file, atomically: true, encoding: .utf8)
        let rerun = try CLIRunner.run(["sweep", "run", file.path, "--quiet", "--output", again.path])
        #expect(rerun.status == 0, "\(rerun.stderr)")
        #expect(try Data(contentsOf: again.appendingPathComponent("final_error.json")) == data)
        // Each point is its own `online committee --theory-only` run.
        let point = try CLIRunner.result(in: directory.appendingPathComponent("points/00004"))
        let settings = try #require(point["settings"] as? [String: Any])
        #expect(settings["lr"] as? Double == 0.8 && settings["noise"] as? Double == 0.1 && settings["theory_only"] as? Bool == true)
        #expect(((point["theory"] as? [String: Any])?["eg"] as? [Double])?.last == grid[1][1])
    }

    /// A run that read its initial student and teacher from files records their paths, so that it can be rerun.
    @Test func inputFilesAreRecordedInTheSettings() throws {
        let directory = CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let initFile = directory.appendingPathComponent("init.json"), teacherFile = directory.appendingPathComponent("T.json")
        try #"{"Q": [[0.5, 0], [0, 0.5]], "R": [[0.2, 0], [0, 0.2]]}"#.write(to: initFile, atomically: true, encoding: .utf8)
        try #"{"T": [[1, 0.1], [0.1, 1]]}"#.write(to: teacherFile, atomically: true, encoding: .utf8)
        let output = try CLIRunner.run(["online", "committee", "--K", "2", "--M", "2", "--t-max", "1", "--points", "3", "--theory-only",
                                        "--init", initFile.path, "--teacher", teacherFile.path, "--no-png", "--quiet",
                                        "--output", directory.appendingPathComponent("run").path])
        #expect(output.status == 0, "\(output.stderr)")
        let settings = try #require(try CLIRunner.result(in: directory.appendingPathComponent("run"))["settings"] as? [String: Any])
        #expect(settings["init_file"] as? String == initFile.standardizedFileURL.path)
        #expect(settings["teacher_file"] as? String == teacherFile.standardizedFileURL.path)
    }

    /// The final-error figure marks the theory's η_max: for K = M = 1 erf the linearisation at perfect learning gives
    /// η_max = π√15/3 in closed form (MiniBatchTheoryTests), recorded as `lr_max` and drawn as a line.
    @Test func finalErrorSweepMarksTheCriticalRate() throws {
        let directory = CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let output = try CLIRunner.run([
            "online", "committee-sweep", "--K", "1", "--M", "1", "--q0", "0.5", "--r0", "0.2", "--lr", "1,2,3",
            "--noise", "0,0.01", "--t-max", "5", "--no-png", "--quiet", "--output", directory.path,
        ])
        #expect(output.status == 0, "\(output.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: directory.appendingPathComponent("final_error.json"))) as? [String: Any])
        let critical = try #require(json["lr_max"] as? [String: Any])
        let value = try #require(critical["value"] as? Double)
        #expect(abs(value - Double.pi * 15.0.squareRoot() / 3) < 1e-4, "\(value)")
        let svg = try String(contentsOf: directory.appendingPathComponent("final_error.svg"), encoding: .utf8)
        #expect(svg.contains("perfect learning"), "the η_max line is labelled")
    }

    @Test(arguments: [
        (["--K", "0"], "K"),
        (["--activation", "swish"], "unknown activation"),
        (["--teacher", "/nonexistent/T.json"], "cannot read"),
        (["--K", "2", "--M", "2", "--init", "/nonexistent/init.json"], "cannot read"),
        (["--q0", "0.1"], "--q0 and --r0"),
        (["--q0", "0.1", "--r0", "0.9"], "not realisable"),
        (["--second-layer", "sometimes"], "--second-layer"),
        (["--quadrature-order", "1"], "--quadrature-order"),
    ])
    func badInputGivesAMessage(extra: [String], mention: String) throws {
        let directory = CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let output = try CLIRunner.run(["online", "committee", "--theory-only", "--quiet", "--output", directory.path] + extra)
        #expect(output.status != 0)
        #expect(output.stderr.contains(mention), "stderr: \(output.stderr)")
    }

    @Test func nonPositiveDefiniteTeacherIsRejected() throws {
        let directory = CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let teacher = directory.appendingPathComponent("T.json")
        try #"{"T": [[1, 2], [2, 1]]}"#.write(to: teacher, atomically: true, encoding: .utf8)
        let output = try CLIRunner.run(["online", "committee", "--teacher", teacher.path, "--q0", "0.1", "--r0", "0", "--theory-only", "--quiet", "--output", directory.path])
        #expect(output.status == 1)
        #expect(output.stderr.contains("positive definite"))
    }
}

/// Biases on the command line: settings, theory and simulation keys, the CSV columns and the bias panel.
@Suite struct CommitteeBiasCLITests {
    @Test func biasedRunRecordsBiasesEverywhere() throws {
        let directory = CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let output = try CLIRunner.run([
            "online", "committee", "--K", "2", "--M", "1", "--lr", "0.5", "--bias", "trained", "--b0", "0.1,-0.2",
            "--teacher-bias", "0.4", "--lr-bias", "0.3", "--q0", "0.5", "--r0", "0.3", "--t-max", "1", "--points", "5",
            "--d", "200", "--seeds", "2", "--quiet", "--output", directory.path,
        ])
        #expect(output.status == 0, "\(output.stderr)")
        let json = try CLIRunner.result(in: directory)
        let settings = try #require(json["settings"] as? [String: Any])
        #expect(settings["bias"] as? String == "trained")
        #expect(settings["b0"] as? [Double] == [0.1, -0.2] && settings["teacher_bias"] as? [Double] == [0.4])
        #expect(settings["lr_bias"] as? Double == 0.3)
        let theory = try #require(json["theory"] as? [String: Any])
        let b = try #require(theory["b"] as? [[Double]])
        #expect(b.count == 5 && b[0] == [0.1, -0.2] && b[4] != b[0])
        let simulation = try #require(json["simulation"] as? [String: Any])
        let mean = try #require(simulation["mean"] as? [String: Any])
        #expect((mean["b"] as? [[Double]])?.count == 5)
        let csv = try String(contentsOf: directory.appendingPathComponent("learning_curve.csv"), encoding: .utf8)
        #expect(csv.hasPrefix("t,") && csv.contains("b1_theory") && csv.contains("b2_sim_mean"))
        let figure = try String(contentsOf: directory.appendingPathComponent("learning_curve.svg"), encoding: .utf8)
        #expect(figure.contains("bias b"))
    }
}

/// committee-sweep takes the optimiser of every point: schedule, batch and momentum.
@Suite struct CommitteeSweepOptimiserCLITests {
    /// A point of the sweep is the single run with the same settings: ε_g(t_max) from `online committee --theory-only`
    /// with --lr-schedule inverse:10 --batch 4 --momentum 0.5 equals the sweep's entry at that (lr, noise), and the
    /// settings record the optimiser; greedy and optimal schedules are refused (64).
    @Test func sweepPointsUseTheOptimiser() throws {
        let common = ["--K", "1", "--M", "1", "--q0", "0.5", "--r0", "0.3", "--lr-schedule", "inverse:10", "--batch", "4",
                      "--momentum", "0.5", "--t-max", "20", "--quiet"]
        let sweepDirectory = CLIRunner.temporaryDirectory(), runDirectory = CLIRunner.temporaryDirectory()
        defer { for d in [sweepDirectory, runDirectory] { try? FileManager.default.removeItem(at: d) } }
        let sweep = try CLIRunner.run(["online", "committee-sweep"] + common + ["--lr", "0.4,0.8", "--noise", "0.1", "--output", sweepDirectory.path])
        #expect(sweep.status == 0, "\(sweep.stderr)")
        let run = try CLIRunner.run(["online", "committee"] + common + ["--lr", "0.8", "--noise", "0.1", "--theory-only", "--points", "3",
                                                                        "--output", runDirectory.path])
        #expect(run.status == 0, "\(run.stderr)")
        let table = try JSONSerialization.jsonObject(with: Data(contentsOf: sweepDirectory.appendingPathComponent("final_error.json"))) as? [String: Any]
        let finalError = try #require(table?["final_eg"] as? [[Double]])
        let settings = try #require(table?["settings"] as? [String: Any])
        #expect(settings["lr_schedule"] as? String == "inverse:10" && settings["batch"] as? Int == 4 && settings["momentum"] as? Double == 0.5)
        let theory = try #require(try CLIRunner.result(in: runDirectory)["theory"] as? [String: Any])
        let eg = try #require((theory["eg"] as? [Double])?.last)
        #expect(abs(finalError[0][1] - eg) <= 1e-9 * eg, "sweep \(finalError[0][1]), run \(eg)")
        #expect(abs(finalError[0][0] - eg) > 1e-3 * eg)
        for schedule in ["greedy", "optimal"] {
            let refused = try CLIRunner.run(["online", "committee-sweep", "--q0", "0.5", "--r0", "0.3", "--lr-schedule", schedule,
                                             "--output", sweepDirectory.path])
            #expect(refused.status == 64 && refused.stderr.contains("fixed schedules"), "\(refused.stderr)")
        }
    }

    /// settings record what reruns the initial condition and the heatmap times.
    @Test func settingsRecordTheInitialConditionAndHeatmapTimes() throws {
        let directory = CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let plateau = try CLIRunner.run(["online", "committee", "--q0", "0.5", "--r0", "0.1", "--t-max", "2", "--points", "5", "--theory-only",
                                         "--heatmap-times", "0,1", "--quiet", "--output", directory.path])
        #expect(plateau.status == 0, "\(plateau.stderr)")
        let settings = try #require(try CLIRunner.result(in: directory)["settings"] as? [String: Any])
        #expect(settings["q0"] as? Double == 0.5 && settings["r0"] as? Double == 0.1)
        #expect(settings["Q0"] as? [[Double]] == [[0.5, 0], [0, 0.5]] && settings["R0"] as? [[Double]] == [[0.1, 0], [0, 0.1]])
        #expect(settings["heatmap_times"] as? [Double] == [0, 1] && settings["init_variance"] == nil)
        let random = directory.appendingPathComponent("random")
        let run = try CLIRunner.run(["online", "committee", "--init-variance", "0.25", "--t-max", "1", "--points", "3", "--d", "50", "--seeds", "2",
                                     "--quiet", "--output", random.path])
        #expect([0, 3].contains(run.status), "\(run.stderr)")
        let randomSettings = try #require(try CLIRunner.result(in: random)["settings"] as? [String: Any])
        #expect(randomSettings["init_variance"] as? Double == 0.25 && randomSettings["q0"] == nil)
    }
}
