import ArgumentParser
import Foundation
import StatPhysSGD

/// Options every run shares: where results go and whether to show progress.
struct OutputOptions: ParsableArguments {
    @Option(name: .long, help: "Directory for result.json, CSV, figures and plot.py (created if missing).")
    var output: String

    @Flag(name: .long, help: "Do not print progress on stderr.")
    var quiet = false

    var directory: URL { URL(fileURLWithPath: output, isDirectory: true) }
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

func reportWritten(_ files: [URL]) {
    for file in files { print("wrote \(file.path)") }
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

    /// Runs `sweep` the way these options say: locally (then `finish` writes the results), as one shard, by merging
    /// the shards (then `finish`), or by writing the Slurm scripts.
    func run<Sweep: ParameterSweep>(_ sweep: Sweep, name: String, directory: URL, quiet: Bool,
                                    finish: (Sweep.Output) throws -> Void) throws {
        try AtomicFile.prepareDirectory(directory)
        if let count = slurm {
            try writeSlurmScripts(name: name, shards: count, points: sweep.pointCount, directory: directory)
        } else if let shard {
            let progress = ProgressReporter(label: "shard \(shard)", enabled: !quiet)
            let file = try sweep.run(shard: try SweepShard(parsing: shard), directory: directory, progress: { progress.update($0) })
            progress.finish()
            reportWritten([file])
        } else if merge {
            try finish(try sweep.merge(directory: directory))
        } else {
            let progress = ProgressReporter(label: "solving", enabled: !quiet)
            let result = try sweep.run(progress: { progress.update($0) })
            progress.finish()
            try finish(result)
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
        reportWritten(try job.write(to: folder))
        if shards > points {
            FileHandle.standardError.write(Data("note: \(shards) shards for \(points) points; \(shards - points) tasks will have nothing to do\n".utf8))
        }
        print("submit with: sh \(folder.appendingPathComponent("submit.sh").path)")
    }
}

/// `--rtol`/`--atol` of the adaptive ODE integrator (each command has its own defaults, recorded in result.json).
struct ToleranceOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Relative tolerance of the ODE integrator (default: the command's, recorded in result.json settings as rtol).",
                               valueName: "rtol"))
    var rtol: Double?

    @Option(help: ArgumentHelp("Absolute tolerance of the ODE integrator (default: the command's, recorded as atol).", valueName: "atol"))
    var atol: Double?

    func validate() throws { _ = try tolerance(defaults: (1e-10, 1e-12)) }

    /// The tolerances to use, each defaulting to `defaults`; nil when neither option is given.
    func tolerance(defaults: (relative: Double, absolute: Double)) throws -> IntegrationTolerance? {
        guard rtol != nil || atol != nil else { return nil }
        do {
            return try IntegrationTolerance(relative: rtol ?? defaults.relative, absolute: atol ?? defaults.absolute)
        } catch let error as ODEError {
            throw ValidationError("--rtol/--atol: \(error.description.replacingOccurrences(of: "invalid integrator settings: ", with: ""))")
        }
    }
}
