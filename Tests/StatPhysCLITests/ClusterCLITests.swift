import Foundation
import Testing

/// The short-hands on Slurm: the same sweep engine as `sweep slurm` (array tasks run `sweep point`, the merge job
/// `sweep table`, which writes the short-hand's summary), run here by bash as Slurm would.
@Suite struct ClusterCLITests {
    /// Runs `bash script` with extra environment variables.
    private func bash(_ script: URL, environment: [String: String] = [:]) throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [script.path]
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// The array tasks and then the merge job give the local run's final_error.json, byte for byte; before the merge
    /// there is no summary, and a resubmission of a complete sweep submits nothing.
    @Test func slurmArrayThenMergeReproducesTheLocalSweep() throws {
        let local = CLIRunner.temporaryDirectory(), cluster = CLIRunner.temporaryDirectory()
        defer { for url in [local, cluster] { try? FileManager.default.removeItem(at: url) } }
        let sweep = ["online", "committee-sweep", "--K", "2", "--M", "2", "--q0", "0.5", "--r0", "0.1", "--lr", "0.2:1.0:0.4",
                     "--noise", "0,0.01", "--t-max", "30", "--no-png", "--quiet"]
        let run = try CLIRunner.run(sweep + ["--output", local.path])
        #expect(run.status == 0, "\(run.stderr)")

        let scripts = try CLIRunner.run(sweep + ["--output", cluster.path, "--slurm", "--dry-run", "--max-array", "4", "--time", "00:05:00"])
        #expect(scripts.status == 0, "\(scripts.stderr)")
        #expect(scripts.stdout.contains("6 of 6 points to run, in 2 array jobs (4 + 2 tasks)") && scripts.stdout.contains("dry run"), "\(scripts.stdout)")
        let folder = cluster.appendingPathComponent("slurm/submission-1")
        let first = try String(contentsOf: folder.appendingPathComponent("array-0.sbatch"), encoding: .utf8)
        #expect(first.contains("#SBATCH --array=0-3\n") && first.contains("#SBATCH --time=00:05:00\n"))

        // What Slurm would do: each array task, then the merge.
        for (array, size) in [(0, 4), (1, 2)] {
            for task in 0..<size {
                #expect(try bash(folder.appendingPathComponent("array-\(array).sbatch"), environment: ["SLURM_ARRAY_TASK_ID": "\(task)"]) == 0)
            }
        }
        #expect(!FileManager.default.fileExists(atPath: cluster.appendingPathComponent("final_error.json").path))
        #expect(try bash(folder.appendingPathComponent("merge.sbatch")) == 0)
        let merged = try Data(contentsOf: cluster.appendingPathComponent("final_error.json"))
        #expect(merged == (try Data(contentsOf: local.appendingPathComponent("final_error.json"))))
        let again = try CLIRunner.run(sweep + ["--output", cluster.path, "--slurm", "--dry-run"])
        #expect(again.status == 0 && again.stdout.contains("nothing to submit"), "\(again.stdout)")
    }

    @Test(arguments: [
        (["--merge"], "--shard and --merge are gone"), (["--shard", "0/3"], "--shard and --merge are gone"),
        (["--slurm", "--slurm-cpus", "2"], "--cpus-per-task"), (["--partition", "cpu"], "goes with --slurm"),
        (["--slurm", "--cpus-per-task", "0"], "--cpus-per-task must be"), (["--jobs", "0"], "--jobs must be"),
        (["--alpha=-1,2"], "positive"), (["--batch", "0,1"], "in (0, 1]"), (["--alpha", "2:3:1e-12"], "at most"),
    ])
    func badClusterOptionsGiveAMessage(extra: [String], mention: String) throws {
        let directory = CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let output = try CLIRunner.run(["dmft", "threshold", "--alpha", "2.8,3", "--steps", "50", "--quiet",
                                        "--output", directory.path] + extra)
        #expect(output.status == 64)
        #expect(output.stderr.contains(mention), "stderr: \(output.stderr)")
    }
}
