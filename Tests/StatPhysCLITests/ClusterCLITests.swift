import Foundation
import Testing

@Suite struct ClusterCLITests {
    /// Runs `bash script` with extra environment variables.
    private func bash(_ script: URL, environment: [String: String] = [:]) throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [script.path]
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus
    }

    @Test func slurmArrayThenMergeReproducesTheLocalSweep() throws {
        let local = CLIRunner.temporaryDirectory(), cluster = CLIRunner.temporaryDirectory()
        defer { for url in [local, cluster] { try? FileManager.default.removeItem(at: url) } }
        let sweep = ["online", "committee-sweep", "--K", "2", "--M", "2", "--q0", "0.5", "--r0", "0.1", "--lr", "0.2:1.0:0.2",
                     "--noise", "0,0.01", "--t-max", "30", "--quiet"]
        let run = try CLIRunner.run(sweep + ["--output", local.path])
        #expect(run.status == 0, "\(run.stderr)")

        let scripts = try CLIRunner.run(sweep + ["--output", cluster.path, "--slurm", "3", "--slurm-option=--time=00:05:00"])
        #expect(scripts.status == 0, "\(scripts.stderr)")
        #expect(scripts.stdout.contains("submit with: sh"))
        let folder = cluster.appendingPathComponent("slurm")
        let array = try String(contentsOf: folder.appendingPathComponent("sweep.sbatch"), encoding: .utf8)
        #expect(array.contains("#SBATCH --array=0-2\n") && array.contains("#SBATCH --time=00:05:00\n"))
        #expect(!array.contains("'--slurm"))

        // What Slurm would do: each array task, then the merge.
        for task in 0..<3 {
            #expect(try bash(folder.appendingPathComponent("sweep.sbatch"), environment: ["SLURM_ARRAY_TASK_ID": "\(task)"]) == 0)
        }
        #expect(!FileManager.default.fileExists(atPath: cluster.appendingPathComponent("final_error.json").path))
        #expect(try bash(folder.appendingPathComponent("merge.sbatch")) == 0)
        let merged = try Data(contentsOf: cluster.appendingPathComponent("final_error.json"))
        #expect(merged == (try Data(contentsOf: local.appendingPathComponent("final_error.json"))))
    }

    @Test(arguments: [
        (["--merge"], "no shard results"), (["--shard", "3/3"], "shard index"), (["--shard", "1"], "i/n"),
        (["--shard", "0/2", "--merge"], "at most one"), (["--slurm", "0"], "at least 1"),
    ])
    func badClusterOptionsGiveAMessage(extra: [String], mention: String) throws {
        let directory = CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let output = try CLIRunner.run(["dmft", "threshold", "--alpha", "2.8,3", "--steps", "50", "--quiet",
                                        "--output", directory.path] + extra)
        #expect(output.status != 0)
        #expect(output.stderr.contains(mention), "stderr: \(output.stderr)")
    }
}
