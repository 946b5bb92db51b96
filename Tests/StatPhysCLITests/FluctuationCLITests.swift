import Foundation
import Testing

/// `online linear --fluctuations`: the predicted finite-d spread in result.json, the CSV and the figure.
@Suite struct FluctuationCLITests {
    @Test func simulatedRunRecordsThePredictedSpread() throws {
        let directory = CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let output = try CLIRunner.run([
            "online", "linear", "--lr", "0.8", "--noise", "0.3", "--t-max", "2", "--points", "5", "--d", "300", "--seeds", "40",
            "--fluctuations", "--no-png", "--quiet", "--output", directory.path,
        ])
        #expect(output.status == 0, "\(output.stderr)")
        let json = try CLIRunner.result(in: directory)
        let std = try #require(json["theory_std"] as? [String: Any])
        let stderr = try #require(json["theory_stderr"] as? [String: Any])
        #expect(std["d"] as? Int == 300 && stderr["seeds"] as? Int == 40)
        let eg = try #require(std["eg"] as? [Double]), egError = try #require(stderr["eg"] as? [Double])
        #expect(eg.count == 5 && egError.count == 5)
        // At t = 0 only the drawn teacher's norm varies: e_g(0) = ½ρ̂ + const, σ = ρ/√(2d) at the seeds' mean ρ̂.
        let rho = try #require((json["theory_initial"] as? [String: Double])?["rho"])
        #expect(abs(eg[0] - rho / (600.0).squareRoot()) < 1e-12)
        // The standard error of the mean about the theory, which starts at the seeds' mean state: 0 at t = 0, then
        // below the per-seed spread over √seeds (the teacher norms' spread is not part of it).
        #expect(egError[0] == 0)
        for k in 1..<5 { #expect(egError[k] > 0 && egError[k] < eg[k] / (40.0).squareRoot()) }
        // The comparison's z-scores use it: a normal law, and "predicted" in the JSON and on the console.
        let comparison = try #require(json["comparison"] as? [String: [String: Any]])
        for name in ["m", "q", "eg"] {
            #expect(comparison[name]?["standard_error"] as? String == "predicted")
            #expect(comparison[name]?["verdict"] as? String == "agrees")
        }
        #expect(output.stdout.contains("predicted s.e., normal"))
        let csv = try String(contentsOf: directory.appendingPathComponent("learning_curve.csv"), encoding: .utf8)
        #expect(csv.hasPrefix("t,samples,lr,m_theory,q_theory,eg_theory,m_theory_std,q_theory_std,eg_theory_std,"))
        let svg = try String(contentsOf: directory.appendingPathComponent("learning_curve.svg"), encoding: .utf8)
        #expect(svg.contains("ODE ± 2 predicted s.e. (40 seeds, d = 300)"))
    }

    @Test func theoryOnlyPredictsAtTheGivenDimension() throws {
        let directory = CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let output = try CLIRunner.run(["online", "linear", "--theory-only", "--d", "200", "--fluctuations", "--t-max", "1", "--points", "3",
                                        "--no-png", "--quiet", "--output", directory.path])
        #expect(output.status == 0, "\(output.stderr)")
        let json = try CLIRunner.result(in: directory)
        let std = try #require(json["theory_std"] as? [String: Any])
        #expect(std["d"] as? Int == 200 && json["theory_stderr"] == nil)
        // Without --fluctuations, --d still has no effect with --theory-only.
        let refused = try CLIRunner.run(["online", "linear", "--theory-only", "--d", "200", "--quiet", "--output", directory.path + "-x"])
        #expect(refused.status == 64)
    }

    @Test func momentumIsRefusedWithAReason() throws {
        let directory = CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let output = try CLIRunner.run(["online", "linear", "--momentum", "0.5", "--fluctuations", "--d", "100", "--quiet", "--output", directory.path])
        #expect(output.status == 1)
        #expect(output.stderr.contains("without momentum"))
        #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("result.json").path))
    }
}
