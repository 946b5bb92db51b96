import Foundation
import Testing

@Suite struct PhaseDiagramCLITests {
    /// The dashed boundary's points (column, row) in the heatmap's cell coordinates, from the figure's data.
    func boundary(in directory: URL) throws -> (x: [Double], y: [Double]) {
        let data = try Data(contentsOf: directory.appendingPathComponent("phase_diagram.figure.json"))
        let figure = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let panel = try #require((figure["panels"] as? [[String: Any]])?.first)
        #expect(panel["heatmap"] != nil)
        let series = try #require((panel["series"] as? [[String: Any]])?.first)
        func numbers(_ key: String) -> [Double] { (series[key] as? [Any] ?? []).map { ($0 as? Double) ?? .nan } }
        return (numbers("x"), numbers("y"))
    }

    /// Linear regression over lr × reg: the drawn boundary is η_c = 2(1 + λ) and the points past it are exactly the
    /// diverged ones.
    @Test func linearRegressionBoundaryIsTheCriticalRate() throws {
        let directory = CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let output = try CLIRunner.run([
            "phase-diagram", "--command", "online linear --theory-only --t-max 40 --points 11 --no-png", "--x", "lr=0.25:2.75:0.5",
            "--y", "reg=0,0.25", "--no-png", "--quiet", "--output", directory.path,
        ])
        #expect(output.status == 0, "\(output.stderr)")
        // Rows from the top: reg = 0.25 (η_c = 2.5), reg = 0 (η_c = 2); columns lr = 0.25 + 0.5 k.
        let curve = try boundary(in: directory)
        #expect(curve.y == [0, 1])
        #expect(abs(curve.x[0] - 4.5) < 1e-12 && abs(curve.x[1] - 3.5) < 1e-12, "\(curve)")
        let table = try String(contentsOf: directory.appendingPathComponent("table.csv"), encoding: .utf8)
        let rows = table.split(separator: "\n").dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        let header = table.split(separator: "\n")[0].split(separator: ",").map(String.init)
        let lr = header.firstIndex(of: "lr")!, reg = header.firstIndex(of: "reg")!, outcome = header.firstIndex(of: "outcome")!
        #expect(rows.count == 12)
        for row in rows {
            let critical = 2 * (1 + Double(row[reg])!)
            #expect((row[outcome] == "diverged") == (Double(row[lr])! > critical), "\(row)")
        }
        #expect(FileManager.default.fileExists(atPath: directory.appendingPathComponent("phase_diagram.svg").path))
    }

    /// An erf committee over lr × batch: the boundary is η_max of the linearised ODE, the value `--stability` prints at
    /// B = 1, and B·η_max(1) at batch B (J(η) = ηJ₁ + (η²/B)J₂).
    @Test func committeeBoundaryIsTheLinearisedMaximalRate() throws {
        let directory = CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let stability = try CLIRunner.run(["online", "committee", "--stability"])
        let line = try #require(stability.stdout.split(separator: "\n").first { $0.hasPrefix("lr_max") })
        let lrMax = try #require(Double(line.split(separator: "=")[1].split(separator: " ")[0]))
        let output = try CLIRunner.run([
            "phase-diagram", "--command", "online committee --theory-only --t-max 2 --q0 0.5 --r0 0.3 --points 5 --no-png",
            "--x", "lr=1,2,3,4,5,6", "--y", "batch=1,2", "--no-png", "--quiet", "--output", directory.path,
        ])
        #expect(output.status == 0, "\(output.stderr)")
        // Rows from the top: B = 2, B = 1; columns lr = 1 + k.
        let curve = try boundary(in: directory)
        #expect(curve.y == [0, 1])
        // (lr_max is printed to six digits.)
        #expect(abs(curve.x[1] - (lrMax - 1)) < 1e-4 && abs(curve.x[0] - (2 * lrMax - 1)) < 2e-4, "\(curve), lr_max = \(lrMax)")
    }

    /// DMFT over (α, b): the relaxation step by default, shorter at larger α, dotted (not blank) where the run does not
    /// relax within its steps (α = 1.5 is below the threshold).
    @Test func dmftRelaxationOverAlphaAndBatch() throws {
        let directory = CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let output = try CLIRunner.run(["phase-diagram", "--command", "dmft --steps 120 --lr 0.1 --m0 0.1 --no-png", "--x", "alpha=1.5,2.5,4",
                                        "--y", "batch=0.5,1", "--no-png", "--quiet", "--output", directory.path])
        #expect(output.status == 0, "\(output.stderr)")
        let data = try Data(contentsOf: directory.appendingPathComponent("phase_diagram.figure.json"))
        let figure = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect((figure["title"] as? String)?.hasPrefix("relaxation step over sample complexity α × batch fraction b") == true)
        let heatmap = try #require((figure["panels"] as? [[String: Any]])?.first?["heatmap"] as? [String: Any])
        // Rows from the top: b = 1, b = 0.5; columns α = 1.5, 2.5, 4.
        let cells = (heatmap["values"] as? [Any] ?? []).map { ($0 as? Double) ?? .nan }
        #expect(cells.count == 6 && cells[0].isNaN && cells[3].isNaN, "\(cells)")
        #expect(cells[1] > cells[2] && cells[4] > cells[5], "\(cells)")
        #expect((figure["title"] as? String)?.contains("2 cells not relaxed within the horizon: grey dots") == true)
        let dots = (figure["panels"] as? [[String: Any]])?.first?["series"] as? [[String: Any]]
        #expect(dots?.first { $0["kind"] as? String == "points" }?["x"] as? [Double] == [0, 0])
    }

    @Test(arguments: [
        (["--x", "lr", "--y", "reg=0,1"], "NAME=VALUES"),
        (["--x", "lr=1,2", "--y", "lr=1,2"], "different"),
        (["--x", "lr=1,2", "--y", "reg=0,1", "--dry-run"], "--slurm"),
        (["--x", "lr=1,2", "--y", "reg=0,1", "--seeds", "0"], "--seeds"),
    ])
    func badDiagramsAreRefused(arguments: [String], mention: String) throws {
        let directory = CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let output = try CLIRunner.run(["phase-diagram", "--command", "online linear --theory-only"] + arguments + ["--output", directory.path])
        #expect(output.status == 64, "\(output.stderr)")
        #expect(output.stderr.contains(mention), "\(output.stderr)")
    }
}
