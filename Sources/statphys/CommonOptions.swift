import ArgumentParser
import Foundation
import StatPhysSGD

/// Options every run shares: where results go and whether to show progress.
struct OutputOptions: ParsableArguments {
    @Option(name: .long, help: "Directory for result.json, CSV tables and figures, each figure with its data (NAME.figure.json) and matplotlib script (NAME.py) (created if missing; locked during the run, which replaces the previous run's files in it as one set).")
    var output: String

    @Flag(name: .long, help: "Do not print progress on stderr.")
    var quiet = false

    var directory: URL { URL(fileURLWithPath: output, isDirectory: true) }

    func validate() throws { _ = try outputDirectory(output) }
}

/// `--no-png`, for every command that draws figures (`DrawsFigures`).
struct FigureOptions: ParsableArguments {
    @Flag(name: .customLong("no-png"), help: "Write the SVG figures (with their data and matplotlib scripts) but no PNG copies.")
    var noPNG = false
}

/// A command whose figures `--no-png` turns the PNG copies off for (`StatPhys.execute` runs it with
/// `Rasterizer.isEnabled` set accordingly).
protocol DrawsFigures {
    var figures: FigureOptions { get }
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
/// The optimiser of an online command (`online linear`, `classifier`, `committee`): the options that become the one
/// `Optimiser` its scenario carries, which the ODEs and the simulator read and result.json records.
struct OptimiserOptions: ParsableArguments {
    @Option(help: "Learning rate η (a committee's first-layer rate).") var lr = 0.5
    @Option(help: ArgumentHelp(
        "Learning-rate schedule η(t) = lr·f(t), multiplying every rate of the model: constant, inverse:T0 (f = 1/(1 + t/T0)), "
            + "power:T0:P (f = (1 + t/T0)^-P), step:EVERY:FACTOR (f = FACTOR^⌊t/EVERY⌋), cosine:TEND (f = ½(1 + cos(πt/TEND)) up to TEND, 0 after), "
            + "greedy (at each t the rate in [lr-min, lr-max] that makes dε_g/dt most negative, computed from the ODEs; the simulation runs with it), "
            + "or optimal (greedy, then corrected on 12 pieces to minimise ε_g at t-max by projected gradient descent on the ODE solution).",
        valueName: "spec"))
    var lrSchedule = "constant"
    @Option(help: "Mini-batch size B ≥ 1: each step averages the gradient over B fresh samples (the η² noise terms get 1/B; t stays steps/d).")
    var batch = 1

    @Option(help: ArgumentHelp(
        "Heavy-ball momentum β in [0, 1): v ← βv + g, w ← w − η v (g the per-sample gradient with weight decay; a committee's "
            + "second layer has its own velocity). The d → ∞ theory is SGD at η/(1 − β); critical rate 2B(1 − β)(1 + λ) (default 0: plain SGD).",
        valueName: "β"))
    var momentum: Double?

    @Option(help: ArgumentHelp(
        "Scaled momentum γ > 0: β = 1 − γ/d and w ← w − (ηγ/d) v, so the velocity remembers O(d) steps and its overlaps are order "
            + "parameters (every online model, batch 1; not with --stability or greedy/optimal schedules). Excludes --momentum.", valueName: "γ"))
    var momentumScaled: Double?

    // Bounds of a computed schedule (only with --lr-schedule greedy or optimal).
    @Option(help: "Smallest rate of the greedy or optimal schedule (default 1e-3·lr; only with --lr-schedule greedy|optimal).") var lrMin: Double?
    @Option(help: "Largest rate of the greedy or optimal schedule (default lr; only with --lr-schedule greedy|optimal).") var lrMax: Double?

    /// The schedule --lr-schedule asks the command to compute from its model's ODEs: `greedy` or `optimal`, else nil.
    var computedSchedule: String? {
        let name = lrSchedule.trimmingCharacters(in: .whitespaces).lowercased()
        return name == "greedy" || name == "optimal" ? name : nil
    }
    var isGreedy: Bool { computedSchedule != nil }
    var isOptimal: Bool { computedSchedule == "optimal" }

    /// [lr-min, lr-max] of the computed schedule (defaults 1e-3·lr, at most lr-max, and lr); `nil` without one.
    var greedyBounds: ClosedRange<Double>? {
        guard isGreedy else { return nil }
        let upper = lrMax ?? lr, lower = lrMin ?? min(1e-3 * lr, upper)
        return lower <= upper ? lower...upper : nil
    }

    func validate() throws {
        for (name, value) in [("--lr-min", lrMin), ("--lr-max", lrMax)] {
            if let value, !(value > 0 && value.isFinite) { throw ValidationError("\(name) must be a positive finite rate, got \(value)") }
        }
        if !isGreedy, lrMin != nil || lrMax != nil {
            throw ValidationError("--lr-min and --lr-max bound a computed schedule and have no effect without --lr-schedule greedy or optimal")
        }
        if isGreedy, greedyBounds == nil {
            throw ValidationError("--lr-min \(lrMin ?? 0) exceeds --lr-max \(lrMax ?? lr)")
        }
    }

    /// The greedy or optimal schedule of `theory` within `greedyBounds` up to `tEnd`, or `nil` when --lr-schedule asks
    /// for neither (then the optimiser's own schedule stands).
    /// The optimal schedule's sweeps are shown on stderr unless `quiet`.
    func computedSchedule(of theory: some ScheduleOptimisable, tEnd: Double, quiet: Bool) throws -> LearningRateSchedule? {
        guard let bounds = greedyBounds else { return nil }
        guard isOptimal else { return try theory.greedySchedule(rateBounds: bounds, tEnd: tEnd) }
        let search = OptimalLearningRate()
        let progress = ProgressReporter(label: "optimal schedule", enabled: !quiet)
        defer { progress.finish() }
        return try theory.optimalSchedule(rateBounds: bounds, tEnd: tEnd, optimiser: search) {
            progress.update(Double($0.index) / Double(search.maximumIterations))
        }
    }

    /// The optimiser these options describe; a rate, schedule, batch size or momentum outside its domain, or both
    /// momenta, is out of range (status 64). With `greedy` or `optimal` the schedule is constant here: the command
    /// replaces it by its model theory's `greedySchedule` or `optimalSchedule`.
    func optimiser() throws -> Optimiser {
        if momentum != nil && momentumScaled != nil { throw ValidationError("--momentum and --momentum-scaled exclude each other: give one") }
        let schedule = isGreedy ? LearningRateSchedule.constant : try LearningRateSchedule(parsing: lrSchedule)
        return try Optimiser(learningRate: lr, schedule: schedule, batchSize: batch,
                             momentum: momentum ?? 0, scaledMomentum: momentumScaled)
    }
}

struct SimulationOptions: ParsableArguments {
    @Option(name: .customLong("d"), help: "Input dimension d of the simulation (default 1000).")
    var dimensionOption: Int?

    @Option(name: .customLong("seeds"), help: "Number of independent seeds (teacher, initial student and data differ; default 5).")
    var seedsOption: Int?

    @Option(name: .customLong("seed"), help: "Base random seed; seed k uses stream k of it, so results do not depend on thread count (default 1).")
    var seedOption: UInt64?

    var dimension: Int { dimensionOption ?? 1000 }
    var seeds: Int { seedsOption ?? 5 }
    var seed: UInt64 { seedOption ?? 1 }

    @Flag(help: "Solve the ODE only; no simulation.")
    var theoryOnly = false

    /// The simulation these options ask for; `nil` with `--theory-only`.
    var settings: SimulationSettings? { theoryOnly ? nil : SimulationSettings(dimension: dimension, seeds: seeds, seed: seed) }

    func validate() throws {
        guard dimension > 0 else { throw ValidationError("--d must be a positive integer, got \(dimension)") }
        guard seeds > 0 else { throw ValidationError("--seeds must be a positive integer, got \(seeds)") }
    }

    /// Refuses simulation options that `--theory-only` would silently ignore. `drawsInitialStudent`: the theory
    /// draws one random student at `--d` with `--seed` (committee without given overlaps), so those two count;
    /// `usesDimension`: the theory reads `--d` (the dimension of a fluctuation prediction).
    func refuseUnused(drawsInitialStudent: Bool = false, usesDimension: Bool = false) throws {
        guard theoryOnly else { return }
        let unused = [("--seeds", seedsOption != nil), ("--d", dimensionOption != nil && !drawsInitialStudent && !usesDimension),
                      ("--seed", seedOption != nil && !drawsInitialStudent)].filter(\.1).map(\.0)
        guard unused.isEmpty else {
            throw ValidationError("\(unused.joined(separator: ", ")) \(unused.count == 1 ? "has" : "have") no effect with --theory-only (no simulation is run)")
        }
    }
}

/// The memory budget every command honours (`--max-memory`), and the one check of a run's estimate against it.
struct ResourceOptions: ParsableArguments {
    @Option(help: ArgumentHelp(
        "Memory the run may use: a byte count or a size with K, M, G or T (binary), e.g. 512M, 4G (default: half the physical memory). "
            + "A run estimated to need more is refused before it starts (exit 64).", valueName: "size"))
    var maxMemory: String?

    func validate() throws {
        do { _ = try budget() } catch { throw ValidationError("\(error)") }
    }

    /// The budget: `--max-memory`, or half the physical memory.
    func budget() throws -> ResourceBudget {
        ResourceBudget(maximumBytes: try maxMemory.map(ResourceBudget.parseBytes) ?? ResourceBudget.defaultMaximumBytes)
    }

    /// The budget in bytes, as an `Int`.
    func bytes() throws -> Int { Int(min(try budget().maximumBytes, Double(Int.max / 2))) }

    /// Refuses `estimate` (exit 64 with the estimate) when it does not fit the budget; warns on stderr when it
    /// fits but is estimated to take longer than ten minutes. Every command calls this before it starts.
    func check(_ estimate: ResourceEstimate, what: String) throws {
        if let sink = Self.estimateSink {
            sink.record(estimate)
            throw EstimateRecorded()
        }
        if let warning = try budget().check(estimate, what: what) {
            FileHandle.standardError.write(Data((warning + "\n").utf8))
        }
    }
}

extension ResourceOptions {
    /// Set by `StatPhys.estimate(_:)`: `check` records the command's estimate here and stops the command before it
    /// does any work (a task-local, so that concurrent in-process invocations never see each other's).
    @TaskLocal static var estimateSink: EstimateSink?
}

/// Collects the estimate a command reports to `ResourceOptions.check`.
final class EstimateSink: @unchecked Sendable {
    private let lock = NSLock()
    private var recorded: ResourceEstimate?
    func record(_ estimate: ResourceEstimate) { lock.withLock { if recorded == nil { recorded = estimate } } }
    var estimate: ResourceEstimate? { lock.withLock { recorded } }
}

/// Thrown by `ResourceOptions.check` once the estimate is recorded (`StatPhys.estimate(_:)`).
struct EstimateRecorded: Error {}

/// A grid of numbers given as `start:stop:step` or `a,b,c`. Counted before it is built, so that a grid too large
/// for memory is refused by the resource check instead of aborting in malloc.
struct NumberGrid {
    let name: String
    /// The number of values.
    let count: Int
    private let range: (start: Double, stop: Double, step: Double)?
    private let list: [Double]

    /// Throws `ValidationError` for text that is neither form, a range with step ≤ 0, stop < start or non-finite
    /// ends, and a range of more than 10¹⁵ values.
    init(parsing text: String, name: String) throws {
        self.name = name
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        if parts.count == 3 {
            guard let a = Double(parts[0]), let b = Double(parts[1]), let step = Double(parts[2]),
                  a.isFinite, b.isFinite, step.isFinite else {
                throw ValidationError("\(name) range must be start:stop:step with finite numbers, got '\(text)'")
            }
            guard step > 0, b >= a else { throw ValidationError("\(name) range must be start:stop:step with step > 0 and stop ≥ start, got '\(text)'") }
            let steps = ((b - a) / step + 1e-9).rounded(.down)
            guard steps.isFinite, steps < 1e15 else {
                throw ValidationError("\(name) range '\(text)' has about \(String(format: "%.1e", steps)) values; a grid may have at most 10^15")
            }
            range = (a, b, step)
            count = Int(steps) + 1
            list = []
            return
        }
        let pieces = text.split(separator: ",", omittingEmptySubsequences: false)
        let values = pieces.compactMap { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard !text.isEmpty, values.count == pieces.count else {
            throw ValidationError("\(name) must be start:stop:step or a comma-separated list of numbers, got '\(text)'")
        }
        range = nil
        list = values
        count = values.count
    }

    /// The values (rounded to 12 decimals for ranges, so that 0.1:1:0.1 gives 0.3, not 0.30000000000000004).
    var values: [Double] {
        guard let range else { return list }
        return (0..<count).map { index in
            let x = range.start + Double(index) * range.step
            let rounded = (x * 1e12).rounded() / 1e12
            return rounded.isFinite ? rounded : x
        }
    }

    /// The largest value, without building the grid.
    var maximum: Double { range.map { $0.start + Double(count - 1) * $0.step } ?? (list.max() ?? 0) }
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

/// The cluster options of the short-hands before they ran on the sweep engine (`--shard i/n`, `--merge`, `--slurm n`
/// with `--slurm-cpus`, `--slurm-option`): hidden, and refused with what replaces them.
struct RetiredClusterOptions: ParsableArguments {
    @Option(help: .hidden) var shard: String?
    @Flag(help: .hidden) var merge = false
    @Option(name: .customLong("slurm-cpus"), help: .hidden) var slurmCpus: String?
    @Option(name: .customLong("slurm-option"), help: .hidden) var slurmOption: [String] = []

    func refuse() throws {
        if shard != nil || merge {
            throw ValidationError("--shard and --merge are gone: the points run on the sweep engine, in parallel here (--jobs N, resumable: "
                                  + "run the same command again to finish an interrupted sweep) or with --slurm as Slurm array tasks "
                                  + "whose merge job writes the results")
        }
        if slurmCpus != nil || !slurmOption.isEmpty {
            throw ValidationError("--slurm-cpus and --slurm-option are now --cpus-per-task and --sbatch-option (with --slurm)")
        }
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
