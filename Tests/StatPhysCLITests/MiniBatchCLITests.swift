import Foundation
import Testing

/// `--batch B` on the command line: recorded in every online model's settings, the sample count t·B next to t in
/// result.json and in the CSV, the batched critical rate in linear regression's output and divergence message, and
/// B in the committee stability analysis.
@Suite struct MiniBatchCLITests {
    static func csvHeader(in directory: URL) throws -> [String] {
        let text = try String(contentsOf: directory.appendingPathComponent("learning_curve.csv"), encoding: .utf8)
        return (text.split(separator: "\n").first ?? "").split(separator: ",").map(String.init)
    }

    @Test(arguments: [
        ["online", "linear", "--t-max", "1", "--points", "5", "--d", "50", "--seeds", "2"],
        ["online", "classifier", "--t-max", "1", "--points", "5", "--d", "50", "--seeds", "2"],
        ["online", "committee", "--t-max", "1", "--points", "5", "--d", "50", "--seeds", "2", "--q0", "0.5", "--r0", "0.2"],
    ])
    func batchAndSampleCountAreRecorded(_ command: [String]) throws {
        let directory = CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let output = try CLIRunner.run(command + ["--batch", "3", "--quiet", "--output", directory.path])
        #expect(output.status == 0, "\(output.stderr)")
        let json = try CLIRunner.result(in: directory)
        let settings = try #require(json["settings"] as? [String: Any])
        #expect(settings["batch"] as? Int == 3)
        let t = try #require(json["t"] as? [Double]), samples = try #require(json["samples"] as? [Double])
        #expect(samples.count == t.count && zip(t, samples).allSatisfy { abs($1 - 3 * $0) < 1e-12 })
        let header = try Self.csvHeader(in: directory)
        #expect(header.prefix(2) == ["t", "samples"], "\(header)")
    }

    /// τ_c = 2B(1 + λ) = 5 for B = 2, λ = 0.25: critical_lr says so, 4.9 runs, 5.1 diverges (status 3) quoting it.
    @Test func linearCriticalRateCarriesTheBatch() throws {
        let base = ["online", "linear", "--batch", "2", "--reg", "0.25", "--noise", "0.1", "--t-max", "200", "--theory-only", "--quiet"]
        let stable = CLIRunner.temporaryDirectory(), unstable = CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: stable); try? FileManager.default.removeItem(at: unstable) }
        let below = try CLIRunner.run(base + ["--lr", "4.9", "--output", stable.path])
        #expect(below.status == 0, "\(below.stderr)")
        #expect(try CLIRunner.result(in: stable)["critical_lr"] as? Double == 5)
        let above = try CLIRunner.run(base + ["--lr", "5.1", "--output", unstable.path])
        #expect(above.status == 3, "\(above.stderr)")
        #expect(above.stderr.contains("critical 5 = 2B(1 + λ) with batch B = 2"), "\(above.stderr)")
    }

    @Test func committeeStabilityRecordsTheBatch() throws {
        let directory = CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let output = try CLIRunner.run(["online", "committee", "--K", "1", "--M", "1", "--stability", "--batch", "2", "--output", directory.path])
        #expect(output.status == 0, "\(output.stderr)")
        let data = try Data(contentsOf: directory.appendingPathComponent("stability.json"))
        let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect((json["settings"] as? [String: Any])?["batch"] as? Int == 2)
        // lr_max = Bπ√15/3 for K = M = 1 erf (MiniBatchTheoryTests).
        let lrMax = try #require(json["lr_max"] as? Double)
        #expect(abs(lrMax - 2 * Double.pi * 15.0.squareRoot() / 3) < 1e-4, "\(lrMax)")
    }
}
