import Foundation
import Testing

/// Near perfect learning no zero or negative error is printed, nulls mean "below the resolution", and the ODE
/// tolerances are options recorded in result.json.
@Suite struct PrecisionCLITests {
    func theory(_ directory: URL) throws -> [String: [Any]] {
        try #require(try CLIRunner.result(in: directory)["theory"] as? [String: [Any]])
    }

    /// Perfect recovery: Δ and e fall to rounding (−2.2e-16 printed before); now null with a positive resolution.
    @Test func dmftNeverReportsNegativeDistanceOrLoss() throws {
        let directory = CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let output = try CLIRunner.run(["dmft", "--alpha", "3", "--lr", "0.1", "--steps", "320", "--quiet", "--output", directory.path])
        #expect(output.status == 0, "\(output.stderr)")
        let theory = try theory(directory)
        for key in ["Delta", "e"] {
            let values = try #require(theory[key]), resolution = try #require(theory[key + "_resolution"] as? [Double])
            // Δ reaches rounding at step ~270 and e at ~240: 320 steps (the DMFT costs T³) see both.
            #expect(values.count == 321 && resolution.count == 321)
            var nulls = 0
            for (value, bound) in zip(values, resolution) {
                #expect(bound > 0 && bound < 1e-12)
                if let number = value as? Double { #expect(number > bound, "\(key) = \(number) ≤ its resolution \(bound)") } else { nulls += 1 }
            }
            #expect(nulls > 0, "\(key) reached rounding within 320 steps")
            #expect((values.last as? Double) == nil)
        }
        #expect(output.stdout.contains("< "))
        #expect(!output.stdout.contains("e-16  "))
    }

    /// η² overflowed and ∞·0 made e[0] NaN (null) although the step-0 state is finite.
    @Test func hugeLearningRateKeepsTheInitialLoss() throws {
        let directory = CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let output = try CLIRunner.run(["dmft", "--lr", "1e200", "--steps", "5", "--quiet", "--output", directory.path])
        #expect(output.status == 3)
        let theory = try theory(directory)
        let e = try #require(theory["e"]?.first as? Double)
        // e(0) = (α/2)·½(c0² − 2m0² + 1) at the defaults α = 3… is whatever the settings give; it must be finite and positive.
        #expect(e.isFinite && e > 0)
    }

    /// ε_g of a committee learning its teacher perfectly: positive numbers, then null (with eg_resolution), never 0.
    @Test func committeeNeverPrintsAZeroError() throws {
        let directory = CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let output = try CLIRunner.run([
            "online", "committee", "--K", "2", "--M", "2", "--activation", "erf", "--q0", "0.5", "--r0", "0.05",
            "--t-max", "1500", "--points", "7", "--theory-only", "--rtol", "1e-10", "--atol", "1e-16", "--quiet",
            "--output", directory.path,
        ])
        #expect(output.status == 0, "\(output.stderr)")
        let json = try CLIRunner.result(in: directory)
        let settings = try #require(json["settings"] as? [String: Any])
        #expect(settings["rtol"] as? Double == 1e-10 && settings["atol"] as? Double == 1e-16)
        let theory = try theory(directory)
        let eg = try #require(theory["eg"]), resolution = try #require(theory["eg_resolution"] as? [Double])
        #expect(eg.count == 7 && resolution.count == 7)
        for value in eg { if let number = value as? Double { #expect(number > 0) } }
        #expect((eg.last as? Double) == nil, "ε_g(1500) is far below rounding")
        #expect(!output.stdout.contains(" 0\n"))
    }

    @Test(arguments: [
        ["online", "committee", "--theory-only", "--rtol", "0"], ["online", "committee", "--theory-only", "--rtol", "nan"],
        ["online", "committee", "--theory-only", "--rtol", "1e-16"], ["online", "linear", "--atol=-1"],
        ["online", "classifier", "--rtol", "0.5"], ["online", "committee-sweep", "--q0", "0.2", "--r0", "0.1", "--atol", "inf"],
    ])
    func badTolerancesAreMalformedOptions(_ arguments: [String]) throws {
        let directory = CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let output = try CLIRunner.run(arguments + ["--output", directory.path])
        #expect(output.status == 64, "\(arguments): \(output.stderr)")
        #expect(output.stderr.contains("tolerance"))
    }

    @Test func linearAndClassifierRecordTheirTolerances() throws {
        // The default atol stays 1e-300 for linear regression and classifiers: relative control of the integrated e_g, and
        // of the classifier's s = q − m²/ρ.
        for (command, atol) in [(["online", "linear"], 1e-300), (["online", "classifier"], 1e-300)] {
            let directory = CLIRunner.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: directory) }
            let output = try CLIRunner.run(command + ["--theory-only", "--rtol", "1e-8", "--quiet", "--output", directory.path])
            #expect(output.status == 0, "\(output.stderr)")
            let settings = try #require(try CLIRunner.result(in: directory)["settings"] as? [String: Any])
            #expect(settings["rtol"] as? Double == 1e-8 && settings["atol"] as? Double == atol)
        }
    }
}
