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
