import ArgumentParser
import Foundation
import StatPhysSGD

/// Options every run shares: where results go and whether to show progress.
struct OutputOptions: ParsableArguments {
    @Option(name: .long, help: "Directory for result.json, CSV, figures and plot.py (created if missing; locked during the run, which replaces the previous run's files in it as one set).")
    var output: String

    @Flag(name: .long, help: "Do not print progress on stderr.")
    var quiet = false

    var directory: URL { URL(fileURLWithPath: output, isDirectory: true) }

    func validate() throws { _ = try outputDirectory(output) }
}

/// The directory `--output` names; an empty or blank path is refused (exit 64) rather than taken as the current
/// directory.
func outputDirectory(_ text: String) throws -> URL {
    guard !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
        throw ValidationError("--output needs a directory path, got '\(text)'")
    }
    return URL(fileURLWithPath: text, isDirectory: true)
}

/// Finite-d simulation options.
struct SimulationOptions: ParsableArguments {
    @Option(name: .customLong("d"), help: "Input dimension d of the simulation.")
    var dimension = 1000

    @Option(help: "Number of independent seeds (teacher, initial student and data differ).")
    var seeds = 5

    @Option(help: "Base random seed; seed k uses stream k of it, so results do not depend on thread count.")
    var seed: UInt64 = 1

    @Flag(help: "Solve the ODE only; no simulation.")
    var theoryOnly = false

    func validate() throws {
        guard dimension > 0 else { throw ValidationError("--d must be a positive integer, got \(dimension)") }
        guard seeds > 0 else { throw ValidationError("--seeds must be a positive integer, got \(seeds)") }
    }
}

/// The exit status for a run that diverged (results up to the divergence are written).
let divergedExitCode = ExitCode(3)

/// Prints the verdict of a theory-vs-simulation comparison (every observable's when `all`, else those that did not
/// agree) on stdout and each warning on stderr.
func reportComparison(_ summary: ComparisonSummary?, warnings: [RunWarning], all: Bool) {
    if let summary { for line in summary.lines(all: all) { print(line) } }
    for warning in warnings { FileHandle.standardError.write(Data("warning: \(warning.message) [\(warning.kind)]\n".utf8)) }
}

func reportWritten(_ files: [URL]) {
    for file in files { print("wrote \(file.path)") }
}

/// Writes "note: …" to stderr.
func noteOnStderr(_ text: String) {
    FileHandle.standardError.write(Data("note: \(text)\n".utf8))
}

/// Lists the files written; on divergence reports its time on stderr and exits with status 3.
func conclude(written files: [URL], divergence: Divergence?) throws {
    reportWritten(files)
    if let divergence {
        FileHandle.standardError.write(Data("error: \(divergence)\n".utf8))
        throw divergedExitCode
    }
}

/// Running a sweep as shards, merging them, or writing the Slurm scripts that do both.
struct ClusterOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Solve only shard i of n (points p with p mod n = i) and write DIR/shards/; merge with --merge.",
                               valueName: "i/n"))
    var shard: String?

    @Flag(help: "Assemble the results of all shards in DIR/shards/ (same options as the shards) instead of solving.")
    var merge = false

    @Option(help: ArgumentHelp("Write Slurm scripts to DIR/slurm/ for an array of n shard jobs and a merge job, instead of solving.",
                               valueName: "n"))
    var slurm: Int?

    @Option(help: "Cores per Slurm task (with --slurm).")
    var slurmCpus = 1

    @Option(help: ArgumentHelp("An extra sbatch option for both jobs, e.g. --slurm-option=--time=02:00:00 (repeatable).",
                               valueName: "flag"))
    var slurmOption: [String] = []

    func validate() throws {
        guard [shard != nil, merge, slurm != nil].filter({ $0 }).count <= 1 else {
            throw ValidationError("give at most one of --shard, --merge and --slurm")
        }
        if let shard { _ = try SweepShard(parsing: shard) }
        if let slurm { guard slurm >= 1 else { throw ValidationError("--slurm needs at least 1 shard, got \(slurm)") } }
        guard slurmCpus >= 1 else { throw ValidationError("--slurm-cpus must be at least 1, got \(slurmCpus)") }
    }

    /// Runs `sweep` the way these options say: locally (then `finish` writes the results into the staging directory
    /// it is given and returns them), as one shard, by merging the shards (then `finish`), or by writing the Slurm
    /// scripts. Local runs and merges are one `RunDirectory` transaction on `directory` (locked for the whole run);
    /// shards take no lock, since the tasks of an array write into the same directory at once, and each shard
    /// file is written atomically into `directory/shards/`.
    func run<Sweep: ParameterSweep>(_ sweep: Sweep, name: String, directory: URL, quiet: Bool,
                                    finish: (Sweep.Output, _ staging: URL) throws -> [URL]) throws {
        if let count = slurm {
            try writeSlurmScripts(name: name, shards: count, points: sweep.pointCount, directory: directory)
        } else if let shard {
            let progress = ProgressReporter(label: "shard \(shard)", enabled: !quiet)
            let file = try sweep.run(shard: try SweepShard(parsing: shard), directory: directory, progress: { progress.update($0) })
            progress.finish()
            reportWritten([file])
        } else if merge {
            reportWritten(try RunDirectory.write(into: directory) { staging in try finish(try sweep.merge(directory: directory), staging) })
        } else {
            reportWritten(try RunDirectory.write(into: directory) { staging in
                let progress = ProgressReporter(label: "solving", enabled: !quiet)
                let result = try sweep.run(progress: { progress.update($0) })
                progress.finish()
                return try finish(result, staging)
            })
        }
    }

    private func writeSlurmScripts(name: String, shards: Int, points: Int, directory: URL) throws {
        let arguments = CommandLine.arguments
        var executable = arguments[0]
        if executable.contains("/") { executable = URL(fileURLWithPath: executable).standardizedFileURL.path }
        let forwarded = SlurmArrayJob.arguments(Array(arguments.dropFirst()), removing: ["--slurm", "--slurm-cpus", "--slurm-option"])
        let job = try SlurmArrayJob(name: name, command: [executable] + forwarded, shards: shards,
                                    workingDirectory: FileManager.default.currentDirectoryPath, cpusPerTask: slurmCpus,
                                    options: slurmOption)
        let folder = directory.appendingPathComponent("slurm", isDirectory: true)
        let logs = folder.appendingPathComponent("logs", isDirectory: true)
        // The scripts (which name the final logs folder) as one transaction; the folder after the commit, so that a
        // failed or interrupted run leaves no empty folders (submit.sh creates it too).
        let files = try RunDirectory.write(into: folder) { staging in try job.write(to: staging, logs: logs) }
        try AtomicFile.prepareDirectory(logs)
        reportWritten(files)
        if shards > points {
            FileHandle.standardError.write(Data("note: \(shards) shards for \(points) points; \(shards - points) tasks will have nothing to do\n".utf8))
        }
        print("submit with: sh " + SlurmArrayJob.quoted([folder.appendingPathComponent("submit.sh").path]))
    }
}
