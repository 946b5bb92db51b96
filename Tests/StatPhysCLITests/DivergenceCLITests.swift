import Foundation
import Testing

/// Divergence through the command line: decided by the dynamics, written with its time (also at t = 0) and exit 3;
/// sweeps finish every point; a damaged shard is refused by name.
@Suite struct DivergenceCLITests {
    private func run(_ arguments: [String], in directory: URL) throws -> CLIRunner.Output {
        try CLIRunner.run(arguments + ["--quiet", "--output", directory.path])
    }

    @Test func hugeNoiseIsNotADivergence() throws {
        let directory = CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let output = try run(["online", "linear", "--noise", "1e7", "--d", "100", "--seeds", "2", "--t-max", "5"], in: directory)
        #expect(output.status == 0, "\(output.stderr)")
        let divergence = try #require(try CLIRunner.result(in: directory)["divergence"] as? [String: Any])
        #expect(divergence["theory"] is NSNull && divergence["simulation"] is NSNull)
    }

    /// One divergence format: {t, reason} from every command (the DMFT's adds its step), so that a sweep's table reads
    /// `divergence_time` from any of them (it read online results only, when the DMFT's wrote `t` and the others `time`).
    @Test func everyCommandWritesOneDivergenceFormat() throws {
        for (arguments, extra) in [(["online", "linear", "--lr", "14", "--t-max", "10", "--theory-only"], [String]()),
                                   (["online", "classifier", "--loss", "square", "--lr", "14", "--t-max", "10", "--theory-only"], []),
                                   (["dmft", "--lr", "1e3", "--steps", "20"], ["step"])] {
            let directory = CLIRunner.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: directory) }
            let output = try run(arguments + ["--no-png"], in: directory)
            #expect(output.status == 3, "\(arguments): \(output.stderr)")
            let theory = try #require((try CLIRunner.result(in: directory)["divergence"] as? [String: Any])?["theory"] as? [String: Any])
            #expect(Set(theory.keys) == Set(["t", "reason"] + extra), "\(arguments): \(theory.keys)")
            #expect((theory["t"] as? Double).map { $0 > 0 } == true)
        }
    }

    @Test func aDivergenceAtTheFirstStepWritesTheResultsAndExitsThree() throws {
        for arguments in [["online", "linear", "--lr", "1e300", "--d", "50", "--seeds", "2", "--t-max", "1"],
                          ["online", "committee", "--lr", "1e300", "--d", "50", "--seeds", "2", "--t-max", "2", "--points", "3"]] {
            let directory = CLIRunner.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: directory) }
            let output = try run(arguments, in: directory)
            #expect(output.status == 3, "\(arguments): \(output.stderr)")
            #expect(output.stderr.contains("diverged at t = 0"))
            let json = try CLIRunner.result(in: directory)
            let divergence = try #require(json["divergence"] as? [String: Any])
            let theory = try #require(divergence["theory"] as? [String: Any])
            #expect(theory["t"] as? Double == 0 && (theory["reason"] as? String)?.isEmpty == false)
            #expect((json["t"] as? [Double])?.first == 0)
        }
    }

    @Test func theDMFTSaysWhatDivergedAndKeepsItsFirstStep() throws {
        let directory = CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let output = try run(["dmft", "--lr", "1e200", "--steps", "20"], in: directory)
        #expect(output.status == 3)
        #expect(output.stderr.contains("the DMFT diverged at step 1") && !output.stderr.contains("lower --lr"), "\(output.stderr)")
        let json = try CLIRunner.result(in: directory)
        let theory = try #require((json["divergence"] as? [String: Any])?["theory"] as? [String: Any])
        #expect(theory["step"] as? Int == 1 && theory["reason"] is String)
        let e = try #require((json["theory"] as? [String: Any])?["e"] as? [Any])
        #expect(e.first is Double)
    }

    @Test func sweepsWithExtremePointsFinishTheOthers() throws {
        let committee = CLIRunner.temporaryDirectory(), threshold = CLIRunner.temporaryDirectory()
        defer { for url in [committee, threshold] { try? FileManager.default.removeItem(at: url) } }
        var output = try run(["online", "committee-sweep", "--q0", "0.5", "--r0", "0.1", "--lr", "0.1,1e6", "--noise", "0",
                              "--t-max", "5"], in: committee)
        #expect(output.status == 0, "\(output.stderr)")
        #expect(output.stderr.contains("1 of 2 points diverged"))
        let final = try JSONSerialization.jsonObject(with: Data(contentsOf: committee.appendingPathComponent("final_error.json"))) as? [String: Any]
        let row = try #require((final?["final_eg"] as? [[Any]])?.first)
        #expect(row[0] is Double && row[1] is NSNull)
        let status = try #require((final?["status"] as? [[Any]])?.first)
        #expect(status[0] is NSNull && ((status[1] as? [String: Any])?["diverged"] as? [String: Any])?["reason"] is String)

        output = try run(["dmft", "threshold", "--batch", "1", "--alpha", "3,1e300", "--steps", "100", "--m0", "0.1"], in: threshold)
        #expect(output.status == 0, "\(output.stderr)")
        let entries = try JSONSerialization.jsonObject(with: Data(contentsOf: threshold.appendingPathComponent("threshold.json"))) as? [[String: Any]]
        let points = try #require(entries?.first?["points"] as? [[String: Any]])
        #expect(points[0]["diverged"] as? Bool == false && points[1]["diverged"] as? Bool == true && points[1]["reason"] is String)
    }

    /// A short-hand's sweep resumes like any sweep: a damaged point's result is found and only that point rerun, and
    /// the summary comes out the same.
    @Test func aDamagedPointIsRecomputedAndTheSummaryIsTheSame() throws {
        let directory = CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let sweep = ["dmft", "threshold", "--batch", "1", "--alpha", "2.8,3", "--steps", "40", "--no-png"]
        #expect(try run(sweep, in: directory).status == 0)
        let summary = try Data(contentsOf: directory.appendingPathComponent("threshold.json"))
        let file = directory.appendingPathComponent("points/00001/result.json")
        let text = try String(contentsOf: file, encoding: .utf8)
        try String(text.prefix(text.count / 2)).write(to: file, atomically: true, encoding: .utf8)
        let untouched = try Data(contentsOf: directory.appendingPathComponent("points/00000/result.json"))
        let output = try run(sweep, in: directory)
        #expect(output.status == 0, "\(output.stderr)")
        #expect(output.stdout.contains("2 points: 1 completed; 1 already complete (skipped)"), "\(output.stdout)")
        #expect(try Data(contentsOf: directory.appendingPathComponent("points/00000/result.json")) == untouched)
        #expect(try String(contentsOf: file, encoding: .utf8) == text)
        #expect(try Data(contentsOf: directory.appendingPathComponent("threshold.json")) == summary)
    }
}
