import Foundation
import Reporting

/// The batch scripts that run a sweep's pending points on a Slurm cluster, one array task per point:
///
///     DIR/slurm/submission-N/points.txt      the pending point indices, one per line
///     DIR/slurm/submission-N/array-K.sbatch  task t runs the point on line OFFSET_K + t (`statphys sweep point`)
///     DIR/slurm/submission-N/merge.sbatch    `statphys sweep table DIR`: the table and the points still missing
///     DIR/slurm/submission-N/submit.sh       submits the arrays, then the merge with --dependency=afterany on all
///     DIR/slurm/submission-N/logs/           the jobs' output
///
/// Arrays hold at most `maxArray` tasks (Slurm's MaxArraySize, default 1001, bounds the task ids), so a larger grid
/// is split into several arrays. Completion is decided by the points' results (`SweepDirectory.completedStatus`),
/// never by a job's state: a resubmission (the same command again) writes the next submission with just the
/// points that are still missing.
public struct SweepSlurm: Sendable {
    /// The sweep directory whose points the tasks run (`DIR`).
    public let directory: SweepDirectory
    /// The statphys executable the tasks run (a path the compute nodes see).
    public let executable: URL
    /// Where the jobs start: the directory the sweep was submitted from.
    public let workingDirectory: String
    /// `--cpus-per-task` of each array task (the merge job takes 1).
    public var cpusPerTask: Int
    /// At most this many tasks per array job.
    public var maxArray: Int
    /// sbatch options, one flag each (`--partition=cpu`, `--time=02:00:00`, …).
    public var options: [String]

    /// The scripts' settings. Throws `SweepError` when `cpusPerTask` or `maxArray` is below 1, when an option is not
    /// one flag, or when a path or an option holds a control character (which a script cannot carry).
    public init(directory: SweepDirectory, executable: URL, workingDirectory: String, cpusPerTask: Int = 1, maxArray: Int = 1001,
                options: [String] = []) throws {
        guard cpusPerTask >= 1 else { throw SweepError.invalid("--cpus-per-task must be at least 1, got \(cpusPerTask)") }
        guard maxArray >= 1 else { throw SweepError.invalid("--max-array must be at least 1, got \(maxArray)") }
        try SlurmScript.checkCarried([("the sweep directory", directory.url.path), ("the executable", executable.path),
                                      ("the working directory", workingDirectory)], options: options)
        self.directory = directory; self.executable = executable; self.workingDirectory = workingDirectory
        self.cpusPerTask = cpusPerTask; self.maxArray = maxArray; self.options = options
    }

    /// The files of one submission.
    public struct Submission: Sendable {
        /// `DIR/slurm/submission-N/`.
        public let folder: URL
        /// The array scripts `array-K.sbatch`, in order.
        public let arrays: [URL]
        /// `merge.sbatch`, which writes the sweep's table when every task has ended.
        public let merge: URL
        /// `submit.sh`, which submits the arrays and then the merge.
        public let submit: URL
        /// Points per array, in order.
        public let sizes: [Int]
    }

    /// Writes the next `submission-N` folder for `pending` (not empty).
    public func write(pending: [Int]) throws -> Submission {
        precondition(!pending.isEmpty, "a submission needs at least one point")
        let root = directory.url.appendingPathComponent("slurm", isDirectory: true)
        var number = 1
        while FileManager.default.fileExists(atPath: root.appendingPathComponent("submission-\(number)").path) { number += 1 }
        let folder = root.appendingPathComponent("submission-\(number)", isDirectory: true)
        let logs = folder.appendingPathComponent("logs", isDirectory: true)
        // Before anything is created: a refused path leaves no folders behind.
        try SlurmScript.checkLogDirectory(logs.path)
        try FileManager.default.createDirectory(at: logs, withIntermediateDirectories: true)
        let list = folder.appendingPathComponent("points.txt")
        try AtomicFile.write(pending.map(String.init).joined(separator: "\n") + "\n", to: list)
        let logPattern = SlurmScript.fileNamePattern(literal: logs.path)
        var arrays: [URL] = [], sizes: [Int] = []
        for (k, offset) in stride(from: 0, to: pending.count, by: maxArray).enumerated() {
            let size = min(maxArray, pending.count - offset)
            let run = SlurmScript.quoted([executable.path, "sweep", "point", directory.url.path, "--list", list.path, "--line"])
                + " \"$(( \(offset) + SLURM_ARRAY_TASK_ID ))\""
            let text = SlurmScript.script(
                directives: ["--job-name=statphys-sweep", "--array=0-\(size - 1)", "--cpus-per-task=\(cpusPerTask)",
                             "--output=" + SlurmScript.directiveValue(logPattern + "/%x-%A_%a.out")],
                options: options, workingDirectory: workingDirectory, run: run)
            let url = folder.appendingPathComponent("array-\(k).sbatch")
            try AtomicFile.write(text, to: url)
            arrays.append(url)
            sizes.append(size)
        }
        let merge = folder.appendingPathComponent("merge.sbatch")
        try AtomicFile.write(SlurmScript.script(
            directives: ["--job-name=statphys-sweep-merge", "--cpus-per-task=1", "--output=" + SlurmScript.directiveValue(logPattern + "/%x-%j.out")],
            options: options, workingDirectory: workingDirectory,
            run: SlurmScript.quoted([executable.path, "sweep", "table", directory.url.path])), to: merge)
        var submit = """
            #!/bin/sh
            # Submits \(pending.count) point\(pending.count == 1 ? "" : "s") of the sweep in \(arrays.count) array job\(arrays.count == 1 ? "" : "s"), \
            then the merge, which runs when every task has ended (afterany) and lists the points still missing.
            set -e
            cd "$(dirname "$0")"
            jobs=""

            """
        for array in arrays {
            submit += "id=$(sbatch --parsable \(SlurmScript.quoted([array.lastPathComponent]))); id=${id%%;*}; jobs=\"$jobs:$id\"; echo \"array job $id\"\n"
        }
        submit += "merge=$(sbatch --parsable --dependency=afterany$jobs merge.sbatch); echo \"merge job ${merge%%;*}\"\n"
        let submitURL = folder.appendingPathComponent("submit.sh")
        try AtomicFile.write(submit, to: submitURL)
        for url in arrays + [merge, submitURL] { _ = chmod(url.path, 0o755) }
        return Submission(folder: folder, arrays: arrays, merge: merge, submit: submitURL, sizes: sizes)
    }
}
