import Foundation
import Testing

/// `--lr-schedule greedy` for every online model: recorded as `lr_schedule` = greedy with its bounds `lr_min`, `lr_max`;
/// η*(t) on the grid (`theory.lr`) stays within them and, for linear regression, is the closed form 2e_g/(2e_g + σ²).
@Suite struct GreedyCLITests {
    @Test(arguments: [
        ["online", "linear", "--noise", "0.5"],
        ["online", "classifier", "--loss", "logistic", "--m0", "0.1", "--q0", "0.2"],
        ["online", "committee", "--q0", "0.5", "--r0", "0.2", "--noise", "0.05"],
    ])
    func everyModelRunsGreedy(_ command: [String]) throws {
        let directory = CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let output = try CLIRunner.run(command + [
            "--lr", "1", "--lr-schedule", "greedy", "--lr-min", "0.01", "--t-max", "4", "--points", "9", "--theory-only", "--quiet",
            "--output", directory.path,
        ])
        #expect(output.status == 0, "\(output.stderr)")
        let json = try CLIRunner.result(in: directory)
        let settings = try #require(json["settings"] as? [String: Any])
        #expect(settings["lr_schedule"] as? String == "greedy")
        #expect(settings["lr_min"] as? Double == 0.01 && settings["lr_max"] as? Double == 1)
        let theory = try #require(json["theory"] as? [String: Any])
        let lr = try #require(theory["lr"] as? [Double])
        #expect(lr.count == 9 && lr.allSatisfy { $0 >= 0.01 - 1e-12 && $0 <= 1 + 1e-12 })
        #expect(Set(lr).count > 2, "the greedy rate moves: \(lr)")
        if command[1] == "linear" {
            let eg = try #require(theory["eg"] as? [Double])
            for (rate, e) in zip(lr, eg) { #expect(abs(rate - min(1, 2 * e / (2 * e + 0.5))) < 1e-5) }
        }
    }

    /// `--lr-schedule optimal` records its sweeps and the minimum principle's residual, and reaches an ε_g(t_max) at
    /// least as low as greedy's (linear regression with weight decay, where greedy is not optimal).
    @Test func optimalRecordsItsConvergenceAndBeatsGreedy() throws {
        var final: [String: Double] = [:]
        for schedule in ["greedy", "optimal"] {
            let directory = CLIRunner.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: directory) }
            let output = try CLIRunner.run([
                "online", "linear", "--noise", "0.5", "--reg", "0.3", "--lr", "1", "--lr-schedule", schedule, "--lr-min", "0.01",
                "--t-max", "8", "--points", "9", "--theory-only", "--quiet", "--output", directory.path,
            ])
            #expect(output.status == 0, "\(output.stderr)")
            let json = try CLIRunner.result(in: directory)
            let settings = try #require(json["settings"] as? [String: Any])
            #expect(settings["lr_schedule"] as? String == schedule)
            if schedule == "optimal" {
                let sweeps = try #require(settings["lr_schedule_sweeps"] as? Int), residual = try #require(settings["lr_schedule_residual"] as? Double)
                #expect(sweeps >= 1 && residual < 1e-2, "\(sweeps) sweeps, residual \(residual)")
            } else {
                #expect(settings["lr_schedule_sweeps"] == nil)
            }
            final[schedule] = try #require(((json["theory"] as? [String: Any])?["eg"] as? [Double])?.last)
        }
        let (greedy, optimal) = (try #require(final["greedy"]), try #require(final["optimal"]))
        #expect(optimal <= greedy * (1 + 1e-9), "optimal \(optimal), greedy \(greedy)")
    }
}
