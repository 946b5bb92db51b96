import ArgumentParser
import Foundation
import OnlineTheory
import Reporting
import StatPhysSGD
import Sweeps

/// `statphys phase-diagram`: a sweep of a command over two axes, drawn as a heatmap of one measure with the
/// theory's stability boundary over it.
struct PhaseDiagramCommand: ParsableCommand, DrawsFigures {
    static let configuration = CommandConfiguration(
        commandName: "phase-diagram",
        abstract: "A measure over two parameters of any command (a sweep), as a heatmap with the theory's stability boundary.",
        discussion: """
            Sweeps --command over --x and --y (NAME=VALUES, an option name without dashes and a list a,b,c, a range \
            start:stop:step or a log range log:start:stop:count; --seeds n adds seeds 1…n, averaged) exactly as \
            `statphys sweep run` does — each point its own complete run in DIR/points, in parallel, resumable, a lock on \
            DIR — then draws DIR/phase_diagram.svg: --measure (a column of the sweep's table: eg_final, the default for \
            online models; relaxation_step, the default for DMFT; time_to_target with --target; diverged; \
            divergence_time; …) over the two axes, with a colour bar. Over a heatmap whose axes include lr, the \
            boundary the theory knows is drawn dashed: the critical rate 2B(1 + λ)(1 − β) of linear regression and of \
            the square-loss classifier, and for committees (K = M, noise-free, no biases, smooth activation) η_max of \
            the ODE linearised at perfect learning, computed at each value of the other axis. With --slurm the points \
            go to Slurm (`statphys sweep slurm`); run the same command again when the jobs are done: complete points \
            are skipped and the diagram is drawn. DIR/table.csv and table.json list every point.
            """)

    @Option(help: ArgumentHelp("The command to sweep, as on the command line without --output, e.g. \"online linear --theory-only --t-max 20\".",
                               valueName: "command"))
    var command: String
    @Option(help: ArgumentHelp("The x axis: NAME=VALUES, e.g. lr=0.2:4:0.2.", valueName: "name=values")) var x: String
    @Option(help: ArgumentHelp("The y axis: NAME=VALUES, e.g. reg=0:1:0.1.", valueName: "name=values")) var y: String
    @Option(help: "Seeds per point (adds --seed 1…n; the measure is averaged).") var seeds: Int?
    @Option(help: "The table column to draw (default: eg_final, else relaxation_step).") var measure: String?
    @Option(help: "Target ε_g (DMFT: Δ): adds the column time_to_target.") var target: Double?
    @Option(help: "Directory of the sweep and the diagram (created if missing).") var output: String
    @Option(help: "Points to run at once (default: the number of cores).") var jobs: Int?
    @Flag(help: "Submit the points to Slurm instead of running them here (then run the same command again to draw).") var slurm = false
    @OptionGroup(title: "Slurm (with --slurm)") var submission: SlurmSubmitOptions
    @Flag(inversion: .prefixedNo, help: "Logarithmic colour scale (default: when the measure is positive and spans two decades).") var logMeasure: Bool?
    @Flag(help: "Do not print progress on stderr.") var quiet = false
    @OptionGroup var figures: FigureOptions
    @OptionGroup var resources: ResourceOptions

    func validate() throws {
        _ = try outputDirectory(output)
        let axes = try axes()
        guard axes[0].name != axes[1].name else { throw ValidationError("--x and --y must be different options, both are '\(axes[0].name)'") }
        if let seeds, !(1...10_000).contains(seeds) { throw ValidationError("--seeds must be from 1 to 10000, got \(seeds)") }
        if let target, !(target.isFinite && target > 0) { throw ValidationError("--target must be a positive number, got \(target)") }
        try submission.refuseUnlessSubmitting(slurm)
    }

    /// The two axes as (name, JSON values): a range or log range as its string, a list as numbers (or strings).
    func axes() throws -> [(name: String, values: JSONValue)] {
        try [("--x", x), ("--y", y)].map { flag, text in
            let parts = text.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                throw ValidationError("\(flag) must be NAME=VALUES (e.g. lr=0.2:4:0.2 or reg=0,0.1,0.5), got '\(text)'")
            }
            let values = parts[1]
            if values.contains(":") { return (parts[0], .string(values)) }
            return (parts[0], .array(values.split(separator: ",", omittingEmptySubsequences: false).map { item in
                let word = item.trimmingCharacters(in: .whitespaces)
                return Double(word).map(JSONValue.number) ?? .string(word)
            }))
        }
    }

    /// The sweep file of the diagram.
    func sweepFile() throws -> String {
        let axes = try axes()
        var members: [(String, JSONValue)] = [("command", .string(command)), ("axes", .object(axes.map { ($0.name, $0.values) }))]
        if let seeds { members.append(("seeds", .integer(seeds))) }
        return JSONValue.object(members).serialized() + "\n"
    }

    func run() throws {
        let text = try sweepFile()
        let specification: SweepSpecification
        do { specification = try SweepSpecification(json: text) } catch let error as SweepError where error.isOutOfRange {
            throw ValidationError(error.description)
        }
        let directory = try outputDirectory(output)
        let grid: SweepGrid
        do { grid = try specification.grid() } catch let error as SweepError where error.isOutOfRange { throw ValidationError(error.description) }
        if slurm {
            // Drawn only once every point is complete (a re-run after the jobs).
            guard try SweepExecution.submit(file: text, grid: grid, output: directory, slurm: submission) else { return }
            try SweepExecution.writeTable(directory)
        } else {
            do {
                try SweepExecution.runLocally(file: text, grid: grid, output: directory, jobs: jobs, quiet: quiet, resources: resources)
            } catch let exit as ExitCode where exit == ExitCode(1) {
                // Failed points are listed; the diagram shows the others (blank cells).
                noteOnStderr("some points failed; the diagram leaves their cells blank")
            }
        }
        try draw(specification: specification, directory: directory)
    }

    func draw(specification: SweepSpecification, directory: URL) throws {
        let table = try SweepTable.collect(directory, target: target)
        let names = specification.axes.map(\.name).filter { $0 != "seed" }
        let boundary = CommitteeRateBoundary.make(command: specification.command, x: names[0], y: names[1])
        let plot: SweepPlot
        do {
            plot = try SweepPlot(table: table, axes: specification.axes, command: specification.command, measure: measure,
                                 x: names[0], y: names[1], logMeasure: logMeasure, boundary: boundary)
        } catch let error as SweepError where error.isOutOfRange {
            throw ValidationError(error.description)
        }
        for file in try plot.figure.write(to: directory, name: "phase_diagram") { print("wrote \(file.path)") }
    }
}

/// η_max of a committee's ODE linearised at perfect learning (`CommitteeStability`), as the boundary of a heatmap over
/// `lr` and another option: at each value of that option, the committee command parsed with it and analysed. Only where
/// the analysis applies (K = M, noise-free, no biases, a smooth activation, no scaled momentum); elsewhere no boundary.
enum CommitteeRateBoundary {
    static func make(command: [String], x: String, y: String) -> RateBoundary? {
        guard command.count >= 2, command[0] == "online", command[1] == "committee", x == "lr" || y == "lr" else { return nil }
        let other = x == "lr" ? y : x
        let options = Array(command.dropFirst(2))
        // Label noise and weight decay move the fixed point away from perfect learning: no boundary there.
        let displacing = ["noise", "reg"]
        guard displacing.allSatisfy({ (RateBoundary.option($0, in: options).flatMap(Double.init) ?? 0) == 0 || other == $0 }) else { return nil }
        return RateBoundary(description: "η_{max} of the ODE linearised at perfect learning", x: x, y: y) { values in
            guard let value = values[other], !displacing.contains(other) || value == 0 else { return nil }
            let arguments = options + ["--\(other)", SweepValue.format(value), "--output", "/dev/null/unused"]
            guard let parsed = try? OnlineCommittee.parse(arguments), let optimiser = try? parsed.optimiser.optimiser(),
                  let scenario = try? parsed.model.scenario(optimiser: optimiser, noise: 0) else { return nil }
            var analysis = CommitteeStability(scenario: scenario)
            analysis.quadratureOrder = parsed.model.quadratureOrder
            return try? analysis.analyse().lrMax
        }
    }
}
