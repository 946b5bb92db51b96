import Foundation
import Testing

/// A noise-free linear-regression run deep into perfect learning through the CLI: result.json carries no zero or
/// negative e_g, in the theory or the simulation, and the theory's curve is the exact exponential.
@Suite struct LinearPrecisionCLITests {
    @Test func noiseFreeRunToTinyErrorsPrintsOnlyPositiveErrors() throws {
        let directory = CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let output = try CLIRunner.run([
            "online", "linear", "--lr", "1", "--noise", "0", "--reg", "0", "--q0", "0.3", "--t-max", "34",
            "--points", "18", "--d", "50", "--seeds", "2", "--quiet", "--output", directory.path,
        ])
        #expect(output.status == 0, "\(output.stderr)")
        let json = try CLIRunner.result(in: directory)
        let t = try #require(json["t"] as? [Double])
        let theory = try #require(json["theory"] as? [String: [Double]])
        let eg = try #require(theory["eg"])
        #expect(eg.count == t.count)
        let start = try #require(json["theory_initial"] as? [String: Double])
        let e0 = 0.5 * (start["rho"]! - 2 * start["m"]! + start["q"]!)
        for (time, e) in zip(t, eg) {
            #expect(e > 0, "theory e_g(\(time)) = \(e)")
            #expect(abs(e / (e0 * exp(-time)) - 1) < 1e-3, "theory e_g(\(time)) = \(e) vs \(e0 * exp(-time))")
        }
        #expect(eg.last! < 1e-14)
        let simulation = try #require(json["simulation"] as? [String: Any])
        let mean = try #require((simulation["mean"] as? [String: [Double]])?["eg"])
        #expect(mean.allSatisfy { $0 > 0 }, "\(mean)")
        #expect(mean.last! < 1e-12)
        let steady = try #require(json["steady_state"] as? [String: Double])
        #expect(steady["eg"] == 0)
    }

    @Test func aRunPastTheDoubleRangeSaysSoAndPrintsNoNegativeError() throws {
        let directory = CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let output = try CLIRunner.run([
            "online", "linear", "--theory-only", "--noise", "0", "--reg", "0", "--lr", "0.5", "--t-max", "1500",
            "--points", "16", "--quiet", "--output", directory.path,
        ])
        #expect(output.status == 0, "\(output.stderr)")
        #expect(output.stderr.contains("eg-underflow"))
        let json = try CLIRunner.result(in: directory)
        let eg = try #require((json["theory"] as? [String: [Double]])?["eg"])
        #expect(eg.allSatisfy { $0 >= 0 })
        #expect(eg[8] > 0 && abs(eg[8] / (0.5 * exp(-0.75 * 800)) - 1) < 1e-3)
        let warnings = try #require(json["warnings"] as? [[String: String]])
        #expect(warnings.contains { $0["kind"] == "eg-underflow" })
    }
}
