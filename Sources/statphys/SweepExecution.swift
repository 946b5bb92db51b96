import ArgumentParser
import Foundation
import StatPhysSGD
import Sweeps

/// How a sweep's points go to Slurm: `sweep slurm`, `phase-diagram --slurm` and the short-hands' `--slurm`.
struct SlurmSubmitOptions: ParsableArguments {
    @Option(help: "Slurm partition (sbatch --partition).") var partition: String?
    @Option(help: "Time limit per task (sbatch --time), e.g. 02:00:00.") var time: String?
    @Option(help: "Cores per task (sbatch --cpus-per-task).") var cpusPerTask: Int?
    @Option(help: "Tasks per array job at most (the cluster's MaxArraySize; Slurm's default is 1001).") var maxArray: Int?
    @Option(name: .customLong("sbatch-option"), help: "Another sbatch option for every job, e.g. --sbatch-option=--account=abc (repeatable).")
    var sbatchOptions: [String] = []
    @Flag(help: "Write the Slurm scripts and print what would be submitted, without submitting.") var dryRun = false

    func validate() throws {
        if let cpusPerTask, !(1...4096).contains(cpusPerTask) { throw ValidationError("--cpus-per-task must be from 1 to 4096, got \(cpusPerTask)") }
        if let maxArray, !(1...10_000_000).contains(maxArray) { throw ValidationError("--max-array must be from 1 to 10^7, got \(maxArray)") }
    }

    /// The options that take a value (what a short-hand does not pass on to its points).
    static let valueNames: Set<String> = ["--partition", "--time", "--cpus-per-task", "--max-array", "--sbatch-option"]

    /// The options given, for a command where they need `--slurm`.
    var given: [String] {
        [("--partition", partition != nil), ("--time", time != nil), ("--cpus-per-task", cpusPerTask != nil), ("--max-array", maxArray != nil),
         ("--sbatch-option", !sbatchOptions.isEmpty), ("--dry-run", dryRun)].filter(\.1).map(\.0)
    }

    /// Refuses Slurm options without `--slurm` (they would be ignored).
    func refuseUnlessSubmitting(_ submitting: Bool) throws {
        let given = self.given
        guard submitting || given.isEmpty else {
            throw ValidationError("\(given.joined(separator: ", ")) \(given.count == 1 ? "goes" : "go") with --slurm")
        }
    }
}

/// Runs a sweep — a sweep file's, a phase diagram's or a short-hand's — the one way every command does: its points in
/// parallel here, or as Slurm array tasks; then its table and its summary.
enum SweepExecution {
    /// The statphys executable that runs every point: this one, or, when this process is another program that runs
    /// the command line in-process (a test runner), the `statphys` beside it.
    static var executable: URL {
        let link = URL(fileURLWithPath: "/proc/self/exe")
        let own = FileManager.default.fileExists(atPath: link.path) ? link.resolvingSymlinksInPath()
            : (Bundle.main.executableURL ?? URL(fileURLWithPath: CommandLine.arguments[0]))
        guard own.lastPathComponent != "statphys" else { return own }
        var directory = own.deletingLastPathComponent()
        // A test bundle's executable sits inside it (…/X.xctest/…): look beside the bundle.
        while directory.path.contains(".xctest"), directory.path != "/" { directory.deleteLastPathComponent() }
        let beside = directory.appendingPathComponent("statphys")
        return FileManager.default.isExecutableFile(atPath: beside.path) ? beside : own
    }

    /// Runs the pending points of `grid` into `output`, `jobs` at a time (default: the cores), after checking that
    /// `jobs` of its largest point fit `--max-memory`; writes the table and the summary. Throws `ExitCode(1)` after
    /// writing them when a point failed.
    static func runLocally(file text: String, grid: SweepGrid, output: URL, jobs: Int?, quiet: Bool, resources: ResourceOptions) throws {
        let jobs = min(jobs ?? ProcessInfo.processInfo.activeProcessorCount, grid.count)
        // Every point is a process of its own with its own budget; the sweep checks that `jobs` of the largest fit.
        let cost = try SweepCost.estimate(grid)
        if !quiet { FileHandle.standardError.write(Data(cost.warnings(grid).utf8)) }
        try resources.check(ResourceEstimate(bytes: cost.peakBytes * Double(jobs), operations: cost.operations,
                                             detail: "\(jobs) points at once, each up to \(ResourceEstimate.formatBytes(cost.peakBytes))"),
                            what: "this sweep")
        let run = SweepRun(grid: grid, file: text, output: output, executable: executable, jobs: jobs)
        let progress = ProgressReporter(label: "sweep of \(grid.count) points", enabled: !quiet)
        let summary = try run.run(progress: { progress.update($0) },
                                  note: { line in FileHandle.standardError.write(Data(("\n" + line + "\n").utf8)) })
        progress.finish()
        var line = "\(summary.points) points: \(summary.completed) completed"
        if summary.diverged > 0 { line += ", \(summary.diverged) diverged" }
        if !summary.failed.isEmpty { line += ", \(summary.failed.count) failed" }
        if summary.skipped > 0 { line += "; \(summary.skipped) already complete (skipped)" }
        print(line)
        _ = try writeTable(run.directory.url)
        if !summary.failed.isEmpty {
            for failure in summary.failed.prefix(10) { print("failed: point \(run.directory.name(failure.index)) (\(failure.label)): \(failure.message)") }
            if summary.failed.count > 10 { print("… and \(summary.failed.count - 10) more (DIR/status)") }
            throw ExitCode(1)
        }
    }

    /// Writes `DIR/table.csv`, `DIR/table.json` and the sweep's summary (its table on stdout, its notes on stderr);
    /// returns the table.
    @discardableResult
    static func writeTable(_ url: URL, target: Double? = nil, paths: [ResultPath] = [], printTable: Bool = false) throws -> SweepTable {
        let results = try SweepResults(url)
        let table = try SweepTable.collect(results, target: target, paths: paths)
        if printTable { print(text(of: table), terminator: "") }
        let files = [url.appendingPathComponent("table.csv"), url.appendingPathComponent("table.json")]
        try AtomicFile.write(table.csv, to: files[0])
        try AtomicFile.write(table.json.serialized() + "\n", to: files[1])
        let boundary = results.specification.summary == .finalError
            ? CommitteeRateBoundary.make(command: results.specification.command, x: "lr", y: "noise") : nil
        var summary: (files: [URL], table: TextTable, notes: [String])?
        // The summary's figures converted to PNG together.
        let summaryFiles = try Rasterizer.convertingTogether {
            summary = try SweepSummaries.write(results, into: url, rateBoundary: boundary)
            return summary?.files ?? []
        }
        if let summary {
            print(summary.table.text, terminator: "")
            for note in summary.notes { noteOnStderr(note) }
            reportWritten(files + summaryFiles)
        } else {
            reportWritten(files)
        }
        return table
    }

    /// The first 40 rows of `table` as text.
    static func text(of table: SweepTable) -> String {
        var text = TextTable(header: table.columns)
        for row in table.rows.prefix(40) {
            text.append(row.map { cell in
                switch cell {
                case .null: "—"
                case .string(let s): s
                default: cell.doubleValue.map { TextTable.format($0) } ?? cell.serialized(indent: 0)
                }
            })
        }
        return text.text + (table.rows.count > 40 ? "… \(table.rows.count - 40) more rows in table.csv\n" : "")
    }

    /// Records the sweep in `output` and submits its pending points to Slurm (`SweepSlurm`): array jobs and a merge job
    /// that writes the table and the summary. Returns true when every point is already complete (nothing submitted).
    @discardableResult
    static func submit(file text: String, grid: SweepGrid, output: URL, slurm options: SlurmSubmitOptions) throws -> Bool {
        let cost = try SweepCost.estimate(grid)
        FileHandle.standardError.write(Data(cost.warnings(grid).utf8))
        let run = SweepRun(grid: grid, file: text, output: output, executable: executable, jobs: 1)
        let sbatch = (options.partition.map { ["--partition=\($0)"] } ?? []) + (options.time.map { ["--time=\($0)"] } ?? []) + options.sbatchOptions
        let slurm: SweepSlurm
        do {
            slurm = try SweepSlurm(directory: run.directory, executable: executable, workingDirectory: FileManager.default.currentDirectoryPath,
                                   cpusPerTask: options.cpusPerTask ?? 1, maxArray: options.maxArray ?? 1001, options: sbatch)
        } catch let error as SweepError where error.isOutOfRange { throw ValidationError(error.description) }
        let pending = try run.pendingPoints()
        guard !pending.isEmpty else {
            print("every point of the sweep is complete: nothing to submit")
            print(SweepTable.summary(of: try SweepTable.collect(run.directory.url)))
            return true
        }
        let submission = try slurm.write(pending: pending)
        print("\(pending.count) of \(grid.count) points to run, in \(submission.arrays.count) array job\(submission.arrays.count == 1 ? "" : "s") "
              + "(\(submission.sizes.map(String.init).joined(separator: " + ")) task\(pending.count == 1 ? "" : "s")) and a merge job")
        for url in submission.arrays + [submission.merge, submission.submit] { print("wrote \(url.path)") }
        if options.dryRun {
            print("dry run: nothing submitted; submit with: sh " + SlurmScript.quoted([submission.submit.path]))
            return false
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = [submission.submit.path]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let said = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        print(said, terminator: said.hasSuffix("\n") || said.isEmpty ? "" : "\n")
        guard process.terminationStatus == 0 else {
            throw SweepError("submitting failed (sh \(submission.submit.path) exited \(process.terminationStatus))"
                             + (said.contains("not found") ? "; is Slurm's sbatch installed? (--dry-run writes the scripts only)" : ""))
        }
        return false
    }

    /// Runs a short-hand's sweep here (`jobs` at a time) or, with `slurm`, submits it with `submission`.
    static func run(shortHand specification: () throws -> SweepSpecification, output: String, jobs: Int?, quiet: Bool,
                    slurm: Bool, submission: SlurmSubmitOptions, resources: ResourceOptions) throws {
        let (text, grid) = try shortHand(specification)
        let directory = try outputDirectory(output)
        if slurm {
            try submit(file: text, grid: grid, output: directory, slurm: submission)
        } else {
            try runLocally(file: text, grid: grid, output: directory, jobs: jobs, quiet: quiet, resources: resources)
        }
    }

    /// A short-hand's sweep: its specification checked (out-of-range → 64) and its file text.
    static func shortHand(_ specification: () throws -> SweepSpecification) throws -> (text: String, grid: SweepGrid) {
        do {
            let specification = try specification()
            return (specification.fileText, try specification.grid())
        } catch let error as SweepError where error.isOutOfRange {
            throw ValidationError(error.description)
        }
    }

    /// The arguments this invocation gave after `command` (the subcommand's name), without the options in `values`
    /// (each with its value, `--name v` or `--name=v`) and the flags in `flags`: what a short-hand passes on to every point.
    static func forwardedArguments(after command: String, removing values: Set<String>, flags: Set<String>) -> [String] {
        let arguments = StatPhys.invocation
        let start = arguments.firstIndex(of: command).map { $0 + 1 } ?? arguments.endIndex
        var kept: [String] = []
        var index = start
        while index < arguments.endIndex {
            let argument = arguments[index]
            let name = String(argument.split(separator: "=", maxSplits: 1).first ?? "")
            if flags.contains(argument) {
                index += 1
            } else if values.contains(name) {
                index += argument.contains("=") ? 1 : 2
            } else {
                kept.append(argument)
                index += 1
            }
        }
        return kept
    }
}
