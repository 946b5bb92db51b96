import ArgumentParser
import Foundation
import StatPhysSGD
import Sweeps

/// `statphys sweep plan|run|table`: a sweep of any command over a grid of option values.
struct SweepCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sweep",
        abstract: "Sweep any command over a grid of option values, in parallel, with resume.",
        discussion: """
            A sweep file (JSON) names a command exactly as on the command line and the axes whose values are added \
            to it as options, one point per combination (the last axis varies fastest):

              {"command": "online linear --theory-only --t-max 5",
               "axes": {"lr": [0.5, 1.0, 1.5], "noise": "0:0.2:0.1"},
               "seeds": 3}

            An axis is an option name without its dashes and a list of numbers, strings or booleans (true adds the \
            flag, false leaves it out), a range "start:stop:step", or a logarithmic range "log:start:stop:count". \
            "seeds" (a count n, seeds 1…n, or a list) adds the axis --seed. The command must not set --output or \
            an axis's option. At most 10^6 points. "summary" (optional) assembles the points besides the table: \
            "final-error" (an online command over lr, and noise: final_error.json and final_error.svg, as `online \
            committee-sweep` writes) or "threshold" (dmft over alpha, and batch: threshold.json, relaxation.svg and \
            threshold.svg, as `dmft threshold` writes); `sweep run`, `sweep table` and the Slurm merge job write it.
            """,
        subcommands: [SweepPlanCommand.self, SweepRunCommand.self, SweepTableCommand.self, SweepPlotCommand.self, SweepSlurmCommand.self,
                      SweepPointCommand.self])
}

/// The sweep file named on the command line, read and expanded.
struct SweepFileArgument: ParsableArguments {
    @Argument(help: "The sweep file (JSON).") var file: String

    func load() throws -> (text: String, grid: SweepGrid) {
        // An unreadable file exits 1 (an input file that cannot be used), a malformed one 64.
        let text = String(decoding: try InputFile.read(URL(fileURLWithPath: file)), as: UTF8.self)
        do { return (text, try SweepSpecification(json: text).grid()) } catch let error as SweepError {
            throw error.isOutOfRange ? ValidationError("\(file): \(error.description)") : error
        }
    }
}

/// The points' estimates, from a sample of at most `limit` points run in-process up to their resource check.
struct SweepCost {
    var sampled: [Int]
    /// The largest peak memory of one point, and the summed operations scaled to the whole grid.
    var peakBytes: Double
    var operations: Double
    /// The sampled points the command refuses before its estimate, with its message: they will fail when run (and be
    /// recorded as failed) without stopping the others.
    var refused: [(index: Int, message: String)]

    /// Estimates the grid; throws (64, or 1 for a failure that is not about a value) when every sampled point is
    /// refused: then the command itself is wrong (an unknown option, a typo), not one of its values.
    static func estimate(_ grid: SweepGrid, limit: Int = 50) throws -> SweepCost {
        let sampled = grid.sample(limit: limit)
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("statphys-sweep-plan-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: scratch) }
        var peak = 0.0, operations = 0.0, refused: [(Int, String)] = [], status: Int32 = 1
        for index in sampled {
            switch StatPhys.estimate(grid.arguments(index, output: scratch)) {
            case .success(let estimate):
                peak = max(peak, estimate.bytes)
                operations += estimate.operations
            case .failure(let failure):
                refused.append((index, Self.essence(failure.message)))
                status = failure.status
            }
        }
        if refused.count == sampled.count, let (index, message) = refused.first {
            // When the command refuses even without the axes' options, the command is what is wrong.
            var text = "every point is refused; point \(index) (\(grid.point(index).label)): \(message)"
            let command = grid.specification.command
            if case .failure(let bare) = StatPhys.estimate(command + ["--output", scratch.path]) {
                var reason = Self.essence(bare.message)
                // Not a command with --output at all: the parser's complaint about the words themselves says more.
                if reason.contains("'--output'"), case .failure(let alone) = StatPhys.estimate(command) { reason = Self.essence(alone.message) }
                text = "the sweep's command is refused (statphys \(command.joined(separator: " "))): \(reason)"
            }
            if status == 64 { throw ValidationError(text) }
            throw SweepError(text)
        }
        let estimated = Double(sampled.count - refused.count)
        return SweepCost(sampled: sampled, peakBytes: peak, operations: operations * Double(grid.count) / estimated, refused: refused)
    }

    /// A command's refusal without its "Error: " prefix and usage lines, to quote inside another message.
    static func essence(_ message: String) -> String {
        let lines = message.split(separator: "\n").map(String.init).filter { !$0.hasPrefix("Usage:") && !$0.trimmingCharacters(in: .whitespaces).hasPrefix("See '") }
        let text = lines.joined(separator: " ").trimmingCharacters(in: .whitespaces)
        return text.hasPrefix("Error: ") ? String(text.dropFirst("Error: ".count)) : text
    }

    /// One line per refused point, for stderr.
    func warnings(_ grid: SweepGrid) -> String {
        refused.map { "warning: point \($0.index) (\(grid.point($0.index).label)) is refused and will fail: \($0.message)\n" }.joined()
    }

    func seconds(jobs: Int) -> Double {
        ResourceEstimate(bytes: peakBytes, operations: operations, detail: "").seconds(cores: jobs)
    }
}

struct SweepPlanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan", abstract: "Print a sweep's grid, its size and its estimated cost, without running it.")

    @OptionGroup var sweep: SweepFileArgument
    @Option(help: "Points to run at once (for the time estimate; default: the number of cores).") var jobs: Int?

    func validate() throws {
        if let jobs, jobs < 1 { throw ValidationError("--jobs must be at least 1, got \(jobs)") }
    }

    func run() throws {
        let (_, grid) = try sweep.load()
        let specification = grid.specification
        print("command: statphys \(specification.command.joined(separator: " "))")
        for axis in specification.axes {
            let shown = axis.values.count <= 8 ? axis.values.map(\.description).joined(separator: ", ")
                : (axis.values.prefix(4).map(\.description) + ["…"] + axis.values.suffix(2).map(\.description)).joined(separator: ", ")
            print("axis --\(axis.name): \(axis.values.count) value\(axis.values.count == 1 ? "" : "s"): \(shown)")
        }
        print("\(grid.count) point\(grid.count == 1 ? "" : "s")")
        let directory = SweepDirectory(URL(fileURLWithPath: "DIR"), count: grid.count)
        let listed = grid.count <= 30 ? Array(0..<grid.count) : Array(0..<20) + Array((grid.count - 5)..<grid.count)
        for (position, index) in listed.enumerated() {
            if position > 0, listed[position - 1] != index - 1 { print("  …") }
            print("  \(directory.name(index))  \(grid.point(index).label)")
        }
        let cost = try SweepCost.estimate(grid)
        FileHandle.standardError.write(Data(cost.warnings(grid).utf8))
        let jobs = jobs ?? ProcessInfo.processInfo.activeProcessorCount
        let basis = cost.sampled.count == grid.count ? "every point" : "\(cost.sampled.count) sampled points, scaled to the grid"
        print("estimated cost (from \(basis)): peak memory per point \(ResourceEstimate.formatBytes(cost.peakBytes)), "
              + "~\(String(format: "%.1e", cost.operations)) operations, about \(cost.seconds(jobs: jobs) < 1 ? "a second or less" : ResourceEstimate.formatSeconds(cost.seconds(jobs: jobs))) "
              + "with \(jobs) point\(jobs == 1 ? "" : "s") at a time")
    }
}

struct SweepRunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a sweep's points in parallel, each into its own complete output directory; a re-run resumes.",
        discussion: """
            DIR/points/NNNNN holds each point's usual files (written atomically by the command), DIR/status/NNNNN.json \
            how it ended (completed, diverged, failed with the reason), DIR/logs/NNNNN.log its output, DIR/sweep.json \
            the sweep. A re-run skips complete points (a result.json that parses and has the recorded checksum, with \
            every file of its run) and runs the others: never run, failed, interrupted, corrupt or partial. A failed \
            point does not stop the others. DIR is locked while the sweep runs. At the end DIR/table.csv and \
            DIR/table.json list every point (see `sweep table`). Exit status 0 when every point has a result \
            (diverged ones included), 1 when some point failed.
            """)

    @OptionGroup var sweep: SweepFileArgument
    @Option(help: "Directory of the sweep (created if missing).") var output: String
    @Option(help: "Points to run at once (default: the number of cores).") var jobs: Int?
    @Flag(help: "Do not print progress on stderr.") var quiet = false
    @OptionGroup var resources: ResourceOptions

    func validate() throws {
        _ = try outputDirectory(output)
        if let jobs, jobs < 1 || jobs > 4096 { throw ValidationError("--jobs must be from 1 to 4096, got \(jobs)") }
    }

    func run() throws {
        let (text, grid) = try sweep.load()
        try SweepExecution.runLocally(file: text, grid: grid, output: try outputDirectory(output), jobs: jobs, quiet: quiet, resources: resources)
    }
}

struct SweepTableCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "table",
        abstract: "Collect a sweep's points into DIR/table.csv and DIR/table.json: settings and scalar results.",
        discussion: """
            One row per point: its index and axis values, its outcome (completed, diverged, failed, pending), t_final, \
            eg_final and eg_final_simulation (online models), m_final, Delta_final, e_final and relaxation_step (DMFT), \
            divergence_time, agreement; with --target the first time ε_g (DMFT: Δ) reaches it (time_to_target); and \
            every --value path, e.g. --value 'theory.R[-1][0][0]' (members by name, indices from 0 or negative from \
            the end).
            """)

    @OptionGroup var source: SweepTableOptions

    func run() throws {
        let url = try outputDirectory(source.directory)
        let table = try SweepExecution.writeTable(url, target: source.target, paths: try source.values.map(ResultPath.init), printTable: true)
        print(SweepTable.summary(of: table))
    }
}

struct SweepPlotCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plot",
        abstract: "Draw a sweep's measure as curves over one axis, or as a heatmap over two (DIR/sweep_<measure>_<x>.svg).",
        discussion: """
            The measure is a numeric column of the sweep's table (default eg_final, else relaxation_step; see `sweep \
            table`, --target and --value add columns). Curves: over --x (default: the first numeric axis that varies), \
            one per value of the other varying axes (at most 10). Heatmap: --x and --y, with a colour bar (log₁₀ when \
            the values span two decades). The seed axis is averaged over (error bars: the standard error); another \
            varying axis that is not plotted is refused. Points without the measure are left out and counted in the \
            title. Also writes the figure's data, a matplotlib script and a PNG (with rsvg-convert).
            """)

    @OptionGroup var source: SweepTableOptions
    @OptionGroup var figures: FigureOptions
    @Option(help: "The table column to plot (default: eg_final, else relaxation_step).") var measure: String?
    @Option(help: "The axis along x.") var x: String?
    @Option(help: "A second axis: draw a heatmap over x and y.") var y: String?
    @Flag(inversion: .prefixedNo, help: "Logarithmic x axis (default: when the axis is positive and spans two decades).") var logX: Bool?
    @Flag(inversion: .prefixedNo, help: "Logarithmic measure (default: when it is positive and spans two decades).") var logMeasure: Bool?

    func run() throws {
        let (url, table) = try source.table()
        let specification = try SweepTable.specification(url)
        let plot: SweepPlot
        do {
            let boundary = x.flatMap { x in y.flatMap { CommitteeRateBoundary.make(command: specification.command, x: x, y: $0) } }
            plot = try SweepPlot(table: table, axes: specification.axes, command: specification.command, measure: measure, x: x, y: y,
                                 logX: logX, logMeasure: logMeasure, boundary: boundary)
        } catch let error as SweepError where error.isOutOfRange {
            throw ValidationError(error.description)
        }
        for file in try plot.figure.write(to: url, name: plot.name) { print("wrote \(file.path)") }
    }
}

/// The sweep directory that `sweep table` and `sweep plot` read, and the measures they add to its table.
struct SweepTableOptions: ParsableArguments {
    @Argument(help: "The sweep's directory (its --output).") var directory: String
    @Option(help: "Target ε_g (DMFT: Δ): adds the column time_to_target.") var target: Double?
    @Option(name: .customLong("value"), help: "A result.json path to add as a column (repeatable), e.g. 'theory.R[-1][0][0]'.")
    var values: [String] = []

    func validate() throws {
        _ = try outputDirectory(directory)
        if let target, !(target.isFinite && target > 0) { throw ValidationError("--target must be a positive number, got \(target)") }
        for text in values {
            do { _ = try ResultPath(text) } catch let error as SweepError { throw ValidationError(error.description) }
        }
    }

    /// The directory and its table with the asked-for columns.
    func table() throws -> (URL, SweepTable) {
        let url = try outputDirectory(directory)
        return (url, try SweepTable.collect(url, target: target, paths: try values.map(ResultPath.init)))
    }
}

struct SweepSlurmCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "slurm",
        abstract: "Run a sweep's pending points on a Slurm cluster: array jobs (one task per point) and a merge job.",
        discussion: """
            Records the sweep in DIR as `sweep run` does and writes DIR/slurm/submission-N/: points.txt (the pending \
            points), array-K.sbatch (task t runs one point through `statphys sweep point`; at most --max-array tasks \
            per array, so larger grids are split), merge.sbatch (`statphys sweep table DIR`, which writes the table and \
            lists the points still missing) and submit.sh, which submits the arrays and then the merge with \
            --dependency=afterany. Then it runs submit.sh (--dry-run: prints what it would submit instead). A point is \
            complete when its result parses, never because its job ended: run the same command again to submit just \
            the points still missing. The tasks run this executable and start in the current directory; both must be \
            visible from the compute nodes.
            """)

    @OptionGroup var sweep: SweepFileArgument
    @Option(help: "Directory of the sweep (created if missing; on a file system the compute nodes share).") var output: String
    @OptionGroup(title: "Slurm") var slurm: SlurmSubmitOptions

    func validate() throws { _ = try outputDirectory(output) }

    func run() throws {
        let (text, grid) = try sweep.load()
        try SweepExecution.submit(file: text, grid: grid, output: try outputDirectory(output), slurm: slurm)
    }
}

struct SweepPointCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "point",
        abstract: "Run one point of a recorded sweep (what a Slurm task of `sweep slurm` runs).",
        discussion: """
            The point is given by --index, or by --line N of a points list (--list, one index per line, counted \
            from 0). A complete point is not run again. Exit status 0 when the point has a result (diverged included), \
            1 when it failed (its status file says why).
            """)

    @Argument(help: "The sweep's directory.") var directory: String
    @Option(help: "The point's index.") var index: Int?
    @Option(help: "A points list (one index per line).") var list: String?
    @Option(help: "The line of --list that names the point, from 0.") var line: Int?

    func validate() throws {
        _ = try outputDirectory(directory)
        guard (index != nil) != (list != nil), (list != nil) == (line != nil) else {
            throw ValidationError("give either --index I or both --list FILE and --line N")
        }
        if let line, line < 0 { throw ValidationError("--line must be ≥ 0, got \(line)") }
        if let index, index < 0 { throw ValidationError("--index must be ≥ 0, got \(index)") }
    }

    func run() throws {
        var point = index ?? 0
        if let list, let line {
            let text = String(decoding: try InputFile.read(URL(fileURLWithPath: list)), as: UTF8.self)
            let lines = text.split(separator: "\n")
            guard line < lines.count, let value = Int(lines[line].trimmingCharacters(in: .whitespaces)) else {
                throw ValidationError("\(list) has no point index on line \(line)")
            }
            point = value
        }
        let run = try SweepRun.recorded(at: try outputDirectory(directory), executable: SweepExecution.executable)
        let status: SweepPointStatus
        do { status = try run.runOne(point) } catch let error as SweepError where error.isOutOfRange { throw ValidationError(error.description) }
        print("point \(run.directory.name(point)) (\(run.grid.point(point).label)): \(status.outcome.rawValue)"
              + (status.message.map { ": \($0)" } ?? ""))
        if status.outcome == .failed { throw ExitCode(1) }
    }
}

extension SweepPlotCommand: DrawsFigures {}
