import Foundation
import Testing

/// The README's example commands that compare theory with simulation, scaled down to debug-build sizes (smaller d,
/// shorter horizons, with --r0 kept well above 1/√d as the README requires): each must pass its own agreement
/// criterion and carry no warning that the comparison is outside the theory's reach.
@Suite struct ReadmeExamplesCLITests {
    static let examples: [[String]] = [
        ["demo"],
        ["online", "linear", "--lr", "0.5", "--noise", "0.1", "--reg", "0.01", "--rho", "1", "--m0", "0", "--q0", "0.1", "--t-max", "10",
         "--d", "1000", "--seeds", "5", "--seed", "1"],
        ["online", "classifier", "--loss", "logistic", "--lr", "0.5", "--noise", "0", "--flip", "0.1", "--reg", "0", "--rho", "1",
         "--m0", "0", "--q0", "0.1", "--t-max", "20", "--d", "500", "--seeds", "5"],
        ["online", "classifier", "--loss", "perceptron", "--lr", "0.5", "--q0", "0.1", "--t-max", "20", "--log-grid", "--d", "500", "--seeds", "5"],
        ["online", "committee", "--K", "2", "--M", "2", "--activation", "erf", "--lr", "0.5", "--noise", "0.1", "--t-max", "30",
         "--q0", "0.2", "--r0", "0.3", "--d", "300", "--seeds", "5", "--points", "41", "--log-grid"],
        ["online", "committee", "--K", "2", "--M", "2", "--activation", "relu", "--lr", "0.5", "--noise", "0.1", "--t-max", "10",
         "--q0", "0.2", "--r0", "0.3", "--d", "300", "--seeds", "5", "--points", "21"],
        ["dmft", "--alpha", "3", "--lr", "0.1", "--batch", "0.3", "--m0", "0.1", "--steps", "60", "--simulate", "--N", "100", "--seeds", "8"],
    ]

    @Test(arguments: examples) func exampleAgreesWithinTheTheorysReach(arguments: [String]) throws {
        let directory = CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let output = try CLIRunner.run(arguments + ["--quiet", "--output", directory.path])
        #expect(output.status == 0, "\(arguments): \(output.stderr)")
        let json = try CLIRunner.result(in: directory)
        let agreement = try #require(json["agreement"] as? [String: Any], "\(arguments)")
        #expect(agreement["verdict"] as? String == "agrees", "\(arguments): \(json["comparison"] ?? "")")
        #expect((agreement["criterion"] as? String)?.contains("Student-t") == true)
        #expect(output.stdout.contains("agreement: agrees"))
        let warnings = try #require(json["warnings"] as? [[String: Any]])
        let outOfReach = ["finite-size-plateau-escape", "random-teacher", "initial-scatter", "simulation-diverged", "theory-diverged", "too-few-seeds"]
        #expect(!warnings.contains { outOfReach.contains($0["kind"] as? String ?? "") }, "\(arguments): \(warnings)")
        let comparison = try #require(json["comparison"] as? [String: [String: Any]])
        for (name, entry) in comparison {
            #expect(entry["verdict"] as? String == "agrees", "\(name)")
            #expect((entry["critical_z"] as? Double).map { $0 > 2 } == true, "\(name)")
        }
    }

    /// The former README committee example's class (r0 ≪ 1/√d), scaled down: it is warned about, on stderr and in
    /// result.json, and the 1-based index convention holds in the comparison keys and the CSV header.
    @Test func plateauBelowTheFluctuationsIsWarnedAbout() throws {
        let directory = CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let output = try CLIRunner.run([
            "online", "committee", "--K", "2", "--M", "2", "--lr", "1", "--q0", "0.2", "--r0", "0.0001", "--t-max", "30",
            "--points", "11", "--d", "200", "--seeds", "4", "--quiet", "--output", directory.path,
        ])
        #expect(output.status == 0, "\(output.stderr)")
        #expect(output.stderr.contains("[finite-size-plateau-escape]"))
        let json = try CLIRunner.result(in: directory)
        let warnings = try #require(json["warnings"] as? [[String: Any]])
        #expect(warnings.contains { $0["kind"] as? String == "finite-size-plateau-escape" })
        let comparison = try #require(json["comparison"] as? [String: Any])
        #expect(Set(comparison.keys) == ["eg", "R11", "R12", "R21", "R22", "Q11", "Q12", "Q22"])
        #expect((json["conventions"] as? String)?.contains("numbered from 1") == true)
        let header = try String(contentsOf: directory.appendingPathComponent("learning_curve.csv"), encoding: .utf8)
            .split(separator: "\n").first.map(String.init) ?? ""
        #expect(header.contains("R11_theory") && header.contains("Q22_theory") && !header.contains("R00"))
        let alignment = try #require((json["simulation"] as? [String: Any])?["alignment"] as? [[String: Any]])
        #expect(alignment.count == 4)
        #expect(alignment.allSatisfy { Set(($0["permutation"] as? [Int]) ?? []) == [1, 2] })
    }
}
