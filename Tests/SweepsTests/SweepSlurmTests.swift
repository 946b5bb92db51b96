import Foundation
import Sweeps
import Testing

/// The Slurm submission of a sweep: arrays split at MaxArraySize with the right offsets, every path quoted, the merge
/// after every array (afterany), resubmissions in new folders; run by bash with a stand-in sbatch.
@Suite struct SweepSlurmTests {
    static func scratch() -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("statphys-slurm-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test func arraysAreSplitAndEveryPathQuoted() throws {
        let root = Self.scratch()
        defer { try? FileManager.default.removeItem(at: root) }
        // A directory with a space, a quote, $ and %: quoted for bash, % doubled in the log pattern.
        let directory = SweepDirectory(root.appendingPathComponent("it's $HOME 5%"), count: 7)
        let slurm = try SweepSlurm(directory: directory, executable: URL(fileURLWithPath: "/opt/stat phys/statphys"), workingDirectory: "/work dir",
                                   cpusPerTask: 2, maxArray: 3, options: ["--partition=cpu", "--time=01:00:00"])
        let submission = try slurm.write(pending: [0, 2, 3, 4, 5, 6, 9])
        #expect(submission.sizes == [3, 3, 1] && submission.arrays.map(\.lastPathComponent) == ["array-0.sbatch", "array-1.sbatch", "array-2.sbatch"])
        #expect(submission.folder.lastPathComponent == "submission-1")
        let second = try String(contentsOf: submission.arrays[1], encoding: .utf8)
        #expect(second.contains("#SBATCH --array=0-2") && second.contains("#SBATCH --cpus-per-task=2") && second.contains("#SBATCH --partition=cpu"))
        #expect(second.contains("\"$(( 3 + SLURM_ARRAY_TASK_ID ))\""))
        #expect(second.contains("'/opt/stat phys/statphys' 'sweep' 'point'") && second.contains("it'\\''s $HOME 5%/slurm/submission-1/points.txt"))
        #expect(second.contains("5%%/slurm/submission-1/logs/%x-%A_%a.out") && second.contains("cd '/work dir'"))
        let list = try String(contentsOf: submission.folder.appendingPathComponent("points.txt"), encoding: .utf8)
        #expect(list == "0\n2\n3\n4\n5\n6\n9\n")
        let merge = try String(contentsOf: submission.merge, encoding: .utf8)
        #expect(merge.contains("'sweep' 'table'"))
        // A resubmission gets its own folder.
        #expect(try slurm.write(pending: [9]).folder.lastPathComponent == "submission-2")
        // Options and paths that a script cannot carry are refused.
        #expect(throws: SweepError.self) { try SweepSlurm(directory: directory, executable: URL(fileURLWithPath: "/bin/x"), workingDirectory: "/a\nb") }
        #expect(throws: SweepError.self) { try SweepSlurm(directory: directory, executable: URL(fileURLWithPath: "/bin/x"), workingDirectory: "/", options: ["cpu"]) }
        #expect(throws: SweepError.self) { try SweepSlurm(directory: directory, executable: URL(fileURLWithPath: "/bin/x"), workingDirectory: "/", maxArray: 0) }
    }

    /// submit.sh against a stand-in sbatch that records its arguments and answers job ids: the arrays are submitted
    /// in order and the merge depends on all of them with afterany.
    @Test func submitOrdersTheMergeAfterEveryArray() throws {
        let root = Self.scratch()
        defer { try? FileManager.default.removeItem(at: root) }
        let bin = root.appendingPathComponent("bin")
        try FileManager.default.createDirectory(at: bin, withIntermediateDirectories: true)
        let record = root.appendingPathComponent("calls.txt")
        let stand = bin.appendingPathComponent("sbatch")
        try """
            #!/bin/sh
            echo "$@" >> '\(record.path)'
            n=$(wc -l < '\(record.path)')
            echo "$((100 + n));cluster"
            """.write(to: stand, atomically: true, encoding: .utf8)
        _ = chmod(stand.path, 0o755)
        let slurm = try SweepSlurm(directory: SweepDirectory(root.appendingPathComponent("sweep"), count: 5), executable: URL(fileURLWithPath: "/bin/true"),
                                   workingDirectory: root.path, maxArray: 2)
        let submission = try slurm.write(pending: [0, 1, 2, 3, 4])
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = [submission.submit.path]
        process.environment = ["PATH": bin.path + ":/usr/bin:/bin"]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let calls = try String(contentsOf: record, encoding: .utf8).split(separator: "\n")
        #expect(calls == ["--parsable array-0.sbatch", "--parsable array-1.sbatch", "--parsable array-2.sbatch",
                          "--parsable --dependency=afterany:101:102:103 merge.sbatch"])
        #expect(output.contains("array job 101") && output.contains("merge job 104"))
    }
}
