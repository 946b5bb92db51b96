import Foundation
import Testing

/// `--lr-schedule` for every online model: recorded in settings (`lr_schedule`), η(t) on the grid (`theory.lr`), an
/// `lr` column in the CSV, an η(t) panel in the figure; the closed-form steady state is null with a schedule.
@Suite struct ScheduleCLITests {
    @Test(arguments: [
        ["online", "linear", "--noise", "0.1"],
        ["online", "classifier", "--loss", "logistic"],
        ["online", "committee", "--q0", "0.5", "--r0", "0.2"],
    ])
    func everyModelReportsItsSchedule(_ command: [String]) throws {
        let directory = CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let output = try CLIRunner.run(command + [
            "--lr", "0.8", "--lr-schedule", "step:0.5:0.5", "--t-max", "2", "--points", "9", "--theory-only", "--quiet", "--output", directory.path,
        ])
        #expect(output.status == 0, "\(output.stderr)")
        let json = try CLIRunner.result(in: directory)
        let settings = try #require(json["settings"] as? [String: Any])
        #expect(settings["lr_schedule"] as? String == "step:0.5:0.5" && settings["lr"] as? Double == 0.8)
        let t = try #require(json["t"] as? [Double])
        let lr = try #require((json["theory"] as? [String: Any])?["lr"] as? [Double])
        // η(t) = 0.8 · 0.5^⌊t/0.5⌋ on the grid t = 0, 0.25, …, 2 (the new value from each step time on).
        #expect(lr == t.map { 0.8 * pow(0.5, ($0 / 0.5).rounded(.down)) })
        let csv = try String(contentsOf: directory.appendingPathComponent("learning_curve.csv"), encoding: .utf8)
        let rows = csv.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false) }
        let column = try #require(rows[0].firstIndex(of: "lr"))
        #expect(rows.dropFirst().map { Double($0[column])! } == lr)
        let figure = try String(contentsOf: directory.appendingPathComponent("learning_curve.figure.json"), encoding: .utf8)
        #expect(figure.contains("learning rate η(t)"))
        if command[1] == "linear" { #expect(json["steady_state"] is NSNull) }
    }
}
