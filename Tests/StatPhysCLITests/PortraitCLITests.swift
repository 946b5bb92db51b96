import Foundation
import Testing

@Suite struct PortraitCLITests {
    /// Linear regression's portrait with the simulation: the fixed point is the closed form's stable node, every
    /// trajectory ends near it and its simulation agrees with its ODE, and the files are one set.
    @Test func linearPortraitWithSimulation() throws {
        let directory = CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let output = try CLIRunner.run([
            "online", "linear", "portrait", "--lr", "0.8", "--noise", "0.2", "--reg", "0.1", "--t-max", "4", "--points", "21",
            "--d", "400", "--seeds", "4", "--no-png", "--quiet", "--output", directory.path,
        ])
        #expect(output.status == 0, "\(output.stderr)")
        #expect(output.stdout.contains("stable node"))
        let json = try CLIRunner.result(in: directory)
        #expect(json["model"] as? String == "online-linear-portrait")
        let points = try #require(json["fixed_points"] as? [[String: Any]])
        #expect(points.count == 1)
        // m* = ρ/(1 + λ), q* = [τ(ρ − 2m* + σ²) + 2m*]/(2(1 + λ) − τ).
        let mStar = 1 / 1.1, qStar = (0.8 * (1 - 2 * mStar + 0.2) + 2 * mStar) / (2.2 - 0.8)
        #expect(abs((points[0]["m"] as? Double ?? 0) - mStar) < 1e-9 && abs((points[0]["q"] as? Double ?? 0) - qStar) < 1e-9)
        #expect(points[0]["stability"] as? String == "stable node")
        let eigenvalues = try #require(points[0]["eigenvalues"] as? [[String: Double]])
        #expect(abs(eigenvalues[0]["re"]! + 0.8 * 1.1) < 1e-6 && abs(eigenvalues[1]["re"]! - (0.64 - 1.6 * 1.1)) < 1e-6)
        let exact = try #require(json["exact_fixed_point"] as? [String: Any])
        #expect((exact["found_within"] as? Double ?? 1) < 1e-9)
        let trajectories = try #require(json["trajectories"] as? [[String: Any]])
        #expect(trajectories.count == 5)
        for trajectory in trajectories {
            let agreement = try #require(trajectory["agreement"] as? [String: Any])
            #expect(agreement["verdict"] as? String == "agrees", "\(trajectory["start"] ?? "")")
            let simulation = try #require(trajectory["simulation"] as? [String: Any])
            #expect((simulation["mean"] as? [String: [Double]])?["q"]?.count == 21)
        }
        let settings = try #require(json["settings"] as? [String: Any])
        #expect((settings["starts"] as? [[Double]])?.count == 5 && settings["d"] as? Int == 400)
        for file in ["trajectories.csv", "portrait.svg", "portrait.figure.json", "portrait.py"] {
            #expect(FileManager.default.fileExists(atPath: directory.appendingPathComponent(file).path), "\(file)")
        }
        #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("portrait.png").path))
        let svg = try String(contentsOf: directory.appendingPathComponent("portrait.svg"), encoding: .utf8)
        for label in ["nullcline", "flow direction", "stable node", "unreachable", "simulation, d = 400"] { #expect(svg.contains(label), "\(label)") }
        let csv = try String(contentsOf: directory.appendingPathComponent("trajectories.csv"), encoding: .utf8)
        #expect(csv.hasPrefix("m0,q0,t,m_theory,q_theory,m_sim_mean"))
    }

    /// The square loss's fixed point by Newton equals its closed form; the logistic loss without ridge has none, and
    /// says so; user starts are honoured.
    @Test func classifierPortraits() throws {
        let directory = CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let square = try CLIRunner.run(["online", "classifier", "portrait", "--loss", "square", "--lr", "0.6", "--theory-only", "--nullcline-grid", "31",
                                        "--starts", "0:0,0.5:1,-0.5:0.5", "--no-png", "--quiet", "--output", directory.path])
        #expect(square.status == 0, "\(square.stderr)")
        let json = try CLIRunner.result(in: directory)
        let exact = try #require(json["exact_fixed_point"] as? [String: Any])
        #expect((exact["found_within"] as? Double ?? 1) < 1e-8)
        #expect((json["fixed_points"] as? [[String: Any]])?.first?["stability"] as? String == "stable node")
        #expect((json["trajectories"] as? [Any])?.count == 3)

        // (A coarser nullcline grid: the classifier's flow is a Gaussian quadrature, slow in a debug build.)
        let logistic = try CLIRunner.run(["online", "classifier", "portrait", "--theory-only", "--t-max", "5", "--nullcline-grid", "31",
                                          "--no-png", "--quiet", "--output", directory.path])
        #expect(logistic.status == 0, "\(logistic.stderr)")
        #expect(logistic.stdout.contains("no fixed point in the window"))
        #expect((try CLIRunner.result(in: directory)["fixed_points"] as? [Any])?.isEmpty == true)
    }

    @Test(arguments: [
        (["online", "linear", "portrait", "--lr-schedule", "inverse:10"], "constant learning rate"),
        (["online", "linear", "portrait", "--momentum-scaled", "1"], "scaled momentum"),
        (["online", "classifier", "portrait", "--momentum-scaled", "1"], "scaled momentum"),
        // Valid numbers that do not go together: status 1, before any trajectory runs.
        (["online", "linear", "portrait", "--starts", "0:0,2:1"], "m0"),
        (["online", "linear", "portrait", "--starts", "0:0,abc"], "--starts"),
        (["online", "linear", "portrait", "--starts", ""], "--starts"),
        (["online", "linear", "portrait", "--arrows", "2"], "--arrows"),
        (["online", "linear", "portrait", "--nullcline-grid", "5"], "--nullcline-grid"),
        (["online", "classifier", "portrait", "--loss", "perceptron", "--starts", "0:0"], "q0 > 0"),
        (["online", "linear", "portrait", "--t-max", "0"], "--t-max"),
    ])
    func badPortraitsAreRefused(arguments: [String], mention: String) throws {
        let directory = CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let output = try CLIRunner.run(arguments + ["--theory-only", "--quiet", "--output", directory.path])
        let combination = arguments.contains("0:0,2:1") || arguments.contains("perceptron")
        #expect(output.status == (combination ? 1 : 64), "\(output.stderr)")
        #expect(output.stderr.contains(mention), "\(output.stderr)")
    }

    /// Past τ_c the trajectories diverge: exit 3 with the portrait written, the divergence named by its start.
    @Test func divergingPortraitExitsThreeWithItsFiles() throws {
        let directory = CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let output = try CLIRunner.run(["online", "linear", "portrait", "--lr", "2.5", "--t-max", "50", "--theory-only", "--no-png",
                                        "--quiet", "--output", directory.path])
        #expect(output.status == 3, "\(output.stderr)")
        #expect(output.stderr.contains("from (m0, q0)"))
        let json = try CLIRunner.result(in: directory)
        #expect(json["divergence"] is [String: Any])
        #expect(FileManager.default.fileExists(atPath: directory.appendingPathComponent("portrait.svg").path))
    }
}

@Suite struct CommitteePortraitCLITests {
    @Test func committeePortraitFindsThePlateauAndPerfectLearning() throws {
        let directory = CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let output = try CLIRunner.run(["online", "committee", "portrait", "--lr", "1", "--r0s", "0.001,0.1", "--t-max", "60", "--points", "61",
                                        "--theory-only", "--no-png", "--quiet", "--output", directory.path])
        #expect(output.status == 0, "\(output.stderr)")
        let json = try CLIRunner.result(in: directory)
        #expect(json["model"] as? String == "online-committee-portrait")
        let points = try #require(json["fixed_points"] as? [[String: Any]])
        let plateau = try #require(points.first { $0["name"] as? String == "plateau" })
        #expect(plateau["unstable_directions"] as? Int == 1)
        #expect(abs((plateau["R_diag"] as? Double ?? 0) - (plateau["R_off"] as? Double ?? 1)) < 1e-9)
        let perfect = try #require(points.first { $0["name"] as? String == "perfect learning" })
        #expect(perfect["kind"] as? String == "stable" && perfect["R_diag"] as? Double == 1 && perfect["R_off"] as? Double == 0)
        #expect((json["trajectories"] as? [Any])?.count == 2)
        #expect(FileManager.default.fileExists(atPath: directory.appendingPathComponent("portrait.svg").path))
        let refused = try CLIRunner.run(["online", "committee", "portrait", "--q0", "0.5", "--r0", "0.1", "--theory-only", "--output", directory.path])
        #expect(refused.status == 64 && refused.stderr.contains("--r0s"))
    }

    /// The fixed points do not depend on the simulation: the search runs on the scenario's nominal T, not on each
    /// trajectory's measured one (which differs by O(1/√d) between trajectories and used to give one plateau each).
    /// --plane picks the axes; every fixed point gives each trajectory's closest approach.
    @Test func fixedPointsUseTheNominalOverlapsAndThePlaneIsChosen() throws {
        func run(_ extra: [String]) throws -> [String: Any] {
            let directory = CLIRunner.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: directory) }
            let output = try CLIRunner.run(["online", "committee", "portrait", "--lr", "1", "--r0s", "0.001,0.3", "--t-max", "60",
                                            "--points", "61", "--plane", "Q_diag:R12", "--no-png", "--quiet", "--output", directory.path] + extra)
            #expect(output.status == 0, "\(output.stderr)")
            return try CLIRunner.result(in: directory)
        }
        let theory = try run(["--theory-only"]), simulated = try run(["--d", "200", "--seeds", "2"])
        let settings = try #require(theory["settings"] as? [String: Any])
        #expect(settings["plane"] as? [String] == ["Q_diag", "R12"])
        let expected = try #require(theory["fixed_points"] as? [[String: Any]])
        let found = try #require(simulated["fixed_points"] as? [[String: Any]])
        #expect(expected.map { $0["name"] as? String } == found.map { $0["name"] as? String })
        #expect(expected.filter { $0["name"] as? String == "plateau" }.count == 1)
        for (a, b) in zip(expected, found) {
            for (x, y) in zip(a["Q"] as? [Double] ?? [], b["Q"] as? [Double] ?? [.nan]) { #expect(abs(x - y) < 1e-9) }
            #expect((a["closest_approach"] as? [Double])?.count == 2)
            let q = a["Q"] as? [Double] ?? [], r = a["R"] as? [Double] ?? []
            #expect(abs((a["Q_diag"] as? Double ?? .nan) - (q[0] + q[3]) / 2) < 1e-12 && a["R12"] as? Double == r[1])
        }
        let trajectory = try #require((simulated["trajectories"] as? [[String: Any]])?.first)
        let sim = try #require(trajectory["simulation"] as? [String: Any])
        #expect(sim["Q_diag"] is [Double] && sim["R12_stderr"] is [Double] && sim["R_diag"] is [Double])
        #expect((trajectory["theory"] as? [String: Any])?["R12"] is [Double])
    }
}
