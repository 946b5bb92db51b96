import Foundation
import Testing

/// `--momentum-scaled` for linear regression and the classifiers: the velocity overlaps a, b, c are in result.json
/// (theory and simulation) and in the CSV.
@Suite struct MomentumCLITests {
    @Test(arguments: [["online", "linear", "--noise", "0.2"], ["online", "classifier", "--loss", "logistic", "--flip", "0.1"]])
    func scaledMomentumWritesTheVelocity(_ command: [String]) throws {
        let directory = CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let output = try CLIRunner.run(command + ["--lr", "0.8", "--momentum-scaled", "2", "--t-max", "1", "--points", "5", "--d", "200",
                                                  "--seeds", "3", "--quiet", "--output", directory.path])
        #expect(output.status == 0, "\(output.stderr)")
        let json = try CLIRunner.result(in: directory)
        #expect((json["settings"] as? [String: Any])?["momentum_scaled"] as? Double == 2)
        let velocity = try #require((json["theory"] as? [String: Any])?["velocity"] as? [String: [Double]])
        #expect(velocity.keys.sorted() == ["a", "b", "c"] && velocity.values.allSatisfy { $0.count == 5 && $0[0] == 0 && $0[4] != 0 })
        let simulated = try #require((json["simulation"] as? [String: Any])?["velocity"] as? [String: [String: [Double]]])
        #expect(simulated["mean"]?.keys.sorted() == ["a", "b", "c"] && simulated["stderr"]?["c"]?.count == 5)
        let csv = try String(contentsOf: directory.appendingPathComponent("learning_curve.csv"), encoding: .utf8)
        #expect(csv.split(separator: "\n").first?.contains("a_theory,b_theory,c_theory") == true)
    }
}
