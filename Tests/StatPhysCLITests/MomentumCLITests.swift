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

    /// A committee with scaled momentum writes its velocity overlaps A, B, C (zero at t = 0) in `theory.velocity`.
    @Test func committeeWritesItsVelocityOverlaps() throws {
        let directory = CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let output = try CLIRunner.run(["online", "committee", "--K", "2", "--M", "1", "--q0", "0.5", "--r0", "0.2", "--lr", "0.5",
                                        "--momentum-scaled", "2", "--t-max", "2", "--points", "5", "--theory-only", "--quiet",
                                        "--output", directory.path])
        #expect(output.status == 0, "\(output.stderr)")
        let theory = try #require(try CLIRunner.result(in: directory)["theory"] as? [String: Any])
        // A fixed second layer without biases has no scalar velocities: only the matrices.
        let velocity = try #require(theory["velocity"] as? [String: [[[Double]]]])
        #expect(Set(velocity.keys) == ["A", "B", "C"])
        #expect(velocity["A"]?.count == 5 && velocity["A"]?[0] == [[0], [0]] && velocity["A"]?[4][0][0] != 0)
        #expect(velocity["B"]?[4].count == 2 && velocity["C"]?[4][0][1] == velocity["C"]?[4][1][0])
    }

    @Test func committeeWritesItsScalarVelocities() throws {
        let directory = CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let output = try CLIRunner.run(["online", "committee", "--K", "2", "--M", "2", "--activation", "linear", "--q0", "0.5", "--r0", "0.2",
                                        "--lr", "0.5", "--second-layer", "trained", "--lr2", "0.5", "--bias", "trained", "--teacher-bias", "0.5", "--momentum-scaled", "2",
                                        "--t-max", "2", "--points", "5", "--theory-only", "--quiet", "--output", directory.path])
        #expect(output.status == 0, "\(output.stderr)")
        let theory = try #require(try CLIRunner.result(in: directory)["theory"] as? [String: Any])
        let velocity = try #require(theory["velocity"] as? [String: Any])
        let sigma = try #require(velocity["v"] as? [[Double]]), rho = try #require(velocity["b"] as? [[Double]])
        // σ = s/d and ρ = r/d start at rest and move: the second layer and the biases are driven from t = 0.
        #expect(sigma.count == 5 && sigma[0] == [0, 0] && sigma[4].allSatisfy { $0 != 0 })
        #expect(rho.count == 5 && rho[0] == [0, 0] && rho[4].allSatisfy { $0 != 0 })
    }
}
