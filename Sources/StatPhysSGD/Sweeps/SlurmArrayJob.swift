import Foundation
import Sweeps
import Reporting

/// The batch scripts that run a sweep on a Slurm cluster: an array job whose task i runs shard i/n of the
/// command, a merge job that assembles the shards once every task succeeded, and `submit.sh`, which submits both
/// (`sbatch --dependency=afterok:<array>` for the merge).
///
/// The scripts are plain bash with `#SBATCH` directives, so a task can also be run by hand:
/// `SLURM_ARRAY_TASK_ID=3 bash sweep.sbatch`.
public struct SlurmArrayJob: Sendable {
    /// The job name (`--job-name`).
    public var name: String
    /// The executable and its arguments, as given for a local run (no shard, merge or Slurm options).
    public var command: [String]
    public var shards: Int
    /// Where the jobs start, so that relative paths in `command` mean what they meant when the scripts were made.
    public var workingDirectory: String
    /// Cores per task; a task solves its points in parallel over them.
    public var cpusPerTask: Int
    /// Further `sbatch` options, one per directive, e.g. `--time=02:00:00`, `--partition=cpu`, `--account=abc`.
    public var options: [String]

    /// Throws for an empty command, fewer than one shard or core, an option that is not an sbatch flag, and any
    /// control character (newline, tab, …) in the name, the command, the working directory or an option: no quoting
    /// carries a newline through an `#SBATCH` line, and a path with one is almost certainly a mistake.
    public init(name: String, command: [String], shards: Int, workingDirectory: String, cpusPerTask: Int = 1,
                options: [String] = []) throws {
        guard !command.isEmpty else { throw SweepError("a Slurm job needs a command") }
        guard shards >= 1 else { throw SweepError("--slurm needs at least 1 shard, got \(shards)") }
        guard cpusPerTask >= 1 else { throw SweepError("--slurm-cpus must be at least 1, got \(cpusPerTask)") }
        try SlurmScript.checkCarried([("the job name", name), ("the working directory", workingDirectory)] + command.map { ("the command argument", $0) },
                                     options: options)
        self.name = name; self.command = command; self.shards = shards; self.workingDirectory = workingDirectory
        self.cpusPerTask = cpusPerTask; self.options = options
    }

    /// The array job: task i runs `command --shard i/n --quiet`.
    public func arrayScript(logs: String) -> String {
        script(directives: ["--job-name=" + SlurmScript.directiveValue(name), "--array=0-\(shards - 1)", "--cpus-per-task=\(cpusPerTask)",
                            "--output=" + SlurmScript.directiveValue(SlurmScript.fileNamePattern(literal: logs) + "/%x-%A_%a.out")],
               run: SlurmScript.quoted(command + ["--quiet", "--shard"]) + " \"${SLURM_ARRAY_TASK_ID}/\(shards)\"")
    }

    /// The merge job: `command --merge`, which writes the sweep's usual files.
    public func mergeScript(logs: String) -> String {
        script(directives: ["--job-name=" + SlurmScript.directiveValue(name + "-merge"), "--cpus-per-task=1",
                            "--output=" + SlurmScript.directiveValue(SlurmScript.fileNamePattern(literal: logs) + "/%x-%j.out")],
               run: SlurmScript.quoted(command + ["--quiet", "--merge"]))
    }

    /// Submits the array, then the merge with a dependency on every task's success.
    public var submitScript: String {
        """
        #!/bin/sh
        # Submits the \(shards)-task array job and the merge that runs after all tasks succeed.
        set -e
        cd "$(dirname "$0")"
        mkdir -p logs
        array=$(sbatch --parsable sweep.sbatch)
        array=${array%%;*}
        merge=$(sbatch --parsable --dependency=afterok:"$array" merge.sbatch)
        echo "submitted array job $array (\(shards) tasks) and merge job ${merge%%;*}"

        """
    }

    /// Writes `sweep.sbatch`, `merge.sbatch` and `submit.sh` into `directory`, with the job output going to `logs`:
    /// by default `directory/logs/` (created); when `directory` is a staging directory, pass the final folder, which
    /// the caller creates after the commit (`submit.sh` also creates it).
    public func write(to directory: URL, logs: URL? = nil) throws -> [URL] {
        let createsLogs = logs == nil
        let logs = logs ?? directory.appendingPathComponent("logs", isDirectory: true)
        try SlurmScript.checkLogDirectory(logs.path)
        if createsLogs { try AtomicFile.prepareDirectory(logs) }
        let files = [("sweep.sbatch", arrayScript(logs: logs.path)), ("merge.sbatch", mergeScript(logs: logs.path)),
                     ("submit.sh", submitScript)]
        return try files.map { name, text in
            let url = directory.appendingPathComponent(name)
            try AtomicFile.write(text, to: url)
            _ = chmod(url.path, 0o755)
            return url
        }
    }

    private func script(directives: [String], run: String) -> String {
        SlurmScript.script(directives: directives, options: options, workingDirectory: workingDirectory, run: run)
    }

    /// `arguments` without the options named in `names` and their values (`--name value` or `--name=value`), and
    /// without `--quiet`: what a shard or merge job passes on from the command that made the scripts.
    public static func arguments(_ arguments: [String], removing names: Set<String>) -> [String] {
        var kept: [String] = []
        var index = arguments.startIndex
        while index < arguments.endIndex {
            let argument = arguments[index]
            let name = String(argument.split(separator: "=", maxSplits: 1).first ?? "")
            if argument == "--quiet" {
                index += 1
            } else if names.contains(name) {
                index += argument.contains("=") ? 1 : 2
            } else {
                kept.append(argument)
                index += 1
            }
        }
        return kept
    }
}
