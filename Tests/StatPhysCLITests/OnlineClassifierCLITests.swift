import Foundation
import Testing

@Suite struct OnlineClassifierCLITests {
    @Test func simulatedRunWritesACompleteResult() throws {
        let directory = CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let output = try CLIRunner.run([
            "online", "classifier", "--loss", "hinge", "--lr", "0.5", "--flip", "0.1", "--noise", "0.2", "--reg", "0.01",
            "--q0", "0.2", "--t-max", "2", "--points", "11", "--d", "200", "--seeds", "3", "--quiet", "--output", directory.path,
        ])
        #expect(output.status == 0, "\(output.stderr)")
        #expect(output.stdout.contains("eg theory"))
        let json = try CLIRunner.result(in: directory)
        #expect(json["model"] as? String == "online-classifier")
        #expect((json["t"] as? [Double])?.count == 11)
        let theory = try #require(json["theory"] as? [String: [Double]])
        for key in ["m", "q", "eg", "loss"] { #expect(theory[key]?.count == 11, "\(key)") }
        #expect(theory["eg"]!.last! < theory["eg"]!.first!)
        let simulation = try #require(json["simulation"] as? [String: Any])
        for part in ["mean", "stderr"] {
            let values = try #require(simulation[part] as? [String: [Double]])
            for key in ["m", "q", "eg", "loss"] { #expect(values[key]?.count == 11, "\(part).\(key)") }
        }
        let settings = try #require(json["settings"] as? [String: Any])
        #expect(settings["loss"] as? String == "hinge" && settings["flip"] as? Double == 0.1 && settings["d"] as? Int == 200)
        #expect(json["critical_lr"] is NSNull)
        for file in ["learning_curve.csv", "learning_curve.svg", "learning_curve.py"] {
            #expect(FileManager.default.fileExists(atPath: directory.appendingPathComponent(file).path), "\(file)")
        }
    }

    @Test func squareLossPastItsCriticalRateExitsWithStatusThree() throws {
        let directory = CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let output = try CLIRunner.run(["online", "classifier", "--loss", "square", "--lr", "2.5", "--theory-only", "--t-max", "100",
                                        "--quiet", "--output", directory.path])
        #expect(output.status == 3)
        #expect(output.stderr.contains("diverged at t ="))
        let json = try CLIRunner.result(in: directory)
        #expect(json["critical_lr"] as? Double == 2)
    }

    @Test(arguments: [
        (["--loss", "huber"], "unknown loss"), (["--flip", "0.7"], "flip probability"), (["--noise=-1"], "--noise"),
        (["--lr", "0"], "learning rate"), (["--m0", "1", "--q0", "0.1"], "not realisable"), (["--d", "0"], "--d"),
    ])
    func badInputGivesAMessage(extra: [String], mention: String) throws {
        let output = try CLIRunner.run(["online", "classifier", "--t-max", "1", "--quiet", "--output", "/tmp/statphys-unused"] + extra)
        #expect(output.status == 1 || output.status == 64)  // a rejected scenario, or a rejected option (usage)
        #expect(output.stderr.contains(mention), "stderr: \(output.stderr)")
    }
}

/// The reference lines the classifier's theory knows: the square loss's steady state (in result.json and dashed in every
/// panel) and the noise-free perceptron's t^(−1/3) asymptote (dotted in the ε_g panel).
@Suite struct ClassifierReferenceLineTests {
    func figureLabels(_ directory: URL) throws -> [[String]] {
        let data = try Data(contentsOf: directory.appendingPathComponent("learning_curve.figure.json"))
        let figure = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        return (figure["panels"] as? [[String: Any]] ?? []).map { panel in
            (panel["series"] as? [[String: Any]] ?? []).compactMap { $0["label"] as? String }
        }
    }

    @Test func squareLossSteadyStateIsDrawnAndRecorded() throws {
        let directory = CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let output = try CLIRunner.run(["online", "classifier", "--loss", "square", "--lr", "0.6", "--reg", "0.1", "--t-max", "60", "--theory-only",
                                        "--no-png", "--quiet", "--output", directory.path])
        #expect(output.status == 0, "\(output.stderr)")
        let json = try CLIRunner.result(in: directory)
        let steady = try #require(json["steady_state"] as? [String: Double])
        // m* = a/(1 + λ) with a = E[yν] = √(2/π) (ρ = 1, noise-free).
        #expect(abs(steady["m"]! - (2 / Double.pi).squareRoot() / 1.1) < 1e-12)
        let theory = try #require(json["theory"] as? [String: [Double]])
        #expect(abs(theory["m"]!.last! - steady["m"]!) < 1e-6 && abs(theory["q"]!.last! - steady["q"]!) < 1e-6)
        #expect(abs(theory["eg"]!.last! - steady["eg"]!) < 1e-6 && abs(theory["loss"]!.last! - steady["loss"]!) < 1e-6)
        #expect(try figureLabels(directory).prefix(4).allSatisfy { $0.contains("steady state") })
    }

    @Test func perceptronAsymptoteAndNoneForOtherLosses() throws {
        let directory = CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let perceptron = try CLIRunner.run(["online", "classifier", "--loss", "perceptron", "--lr", "1", "--q0", "0.1", "--t-max", "100",
                                            "--log-grid", "--theory-only", "--no-png", "--quiet", "--output", directory.path])
        #expect(perceptron.status == 0, "\(perceptron.stderr)")
        #expect(try figureLabels(directory)[2].contains { $0.contains("t^{−1/3}") })
        #expect(try CLIRunner.result(in: directory)["steady_state"] is NSNull)
        let logistic = try CLIRunner.run(["online", "classifier", "--theory-only", "--no-png", "--quiet", "--output", directory.path])
        #expect(logistic.status == 0, "\(logistic.stderr)")
        #expect(try figureLabels(directory).allSatisfy { $0.allSatisfy { !$0.contains("steady") && !$0.contains("1/3") } })
    }
}
