import ArgumentParser
import Foundation
import StatPhysSGD

/// Parses the relaxation criterion `delta:0.05` or `m:0.9`.
func parseCriterion(_ text: String) throws -> RelaxationCriterion {
    let parts = text.split(separator: ":")
    guard parts.count == 2, let value = Double(parts[1]), value.isFinite else {
        throw ValidationError("--criterion must be 'delta:X' or 'm:X', got '\(text)'")
    }
    switch parts[0] {
    case "delta": return RelaxationCriterion(observable: .delta, threshold: value)
    case "m": return RelaxationCriterion(observable: .overlap, threshold: value)
    default: throw ValidationError("--criterion must be 'delta:X' or 'm:X', got '\(text)'")
    }
}

struct DMFTCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dmft",
        abstract: "DMFT of GD and mini-batch SGD for Kamali–Urbani signal recovery, with its finite-N simulation.",
        discussion: DefaultSubcommandHelp.discussion(
            "`statphys dmft [options]` runs `statphys dmft run`; `statphys dmft threshold` sweeps α and b.",
            defaultSubcommand: DMFTRun.self, invocation: "statphys dmft run"),
        subcommands: [DMFTRun.self, DMFTThreshold.self],
        defaultSubcommand: DMFTRun.self)
}

struct DMFTRun: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "One (α, η, b) run: DMFT, optionally with the finite-N simulation.",
        discussion: """
            Model: x* with |x*|² = N, P = αN samples y_μ = (1/N) Σ_{i<j} J^μ_ij x*_i x*_j, J ~ N(0, 1); \
            H(x) = ½ Σ_μ (v_μ(x) − y_μ)². GD: x ← x − lr ∂H/∂x; SGD: each sample enters a step with probability \
            --batch b and the step is divided by b (b = 1 is GD). x(0) = m0 x* + √(c0 − m0²) z, z ⟂ x*. \
            --spherical projects every step back to |x|² = N: x ← √N x̃/|x̃|. Time t = step·lr. m = x·x*/N, Ctt = |x|²/N, Delta = 1 − 2m + Ctt, e = H/N.

            result.json keys: model, conventions, settings, step, t, theory {m, Ctt, Delta, e}, simulation {N, seeds, \
            seed, precision, couplings_on_the_fly, mean {m, Ctt, Delta, e}, stderr {…}}, relaxation {criterion, \
            theory_step, simulation_step, seed_steps}, divergence {theory, simulation: null or {step, t, reason}}, warnings; with \
            --simulate also comparison and agreement (a verdict per observable: Student-t per step with seeds − 1 \
            degrees of freedom, Bonferroni, α = 0.01). Also dynamics.csv, dynamics.svg and correlation.svg (C(t,s) heatmap).

            --max-memory bounds the whole run (the DMFT stores four (T+1)²/2 triangles); the simulation stores \
            its couplings only when those of the seeds running at once fit in it, and regenerates them each \
            step otherwise (couplings_on_the_fly). --N, --seeds, --seed and --precision need --simulate.
            """)

    @Option(help: "Sample complexity α = P/N.") var alpha = 3.0
    @Option(help: "Learning rate η.") var lr = 0.1
    @Option(help: "Batch fraction b ∈ (0, 1]; 1 is full-batch GD.") var batch = 1.0
    @Option(help: "Initial overlap m(0) ∈ [0, √c0].") var m0 = 0.1
    @Option(help: "Initial norm C(0,0).") var c0 = 1.0
    @Option(help: "Number of steps T.") var steps = 2000
    @Flag(help: "Spherical variant: renormalise x to |x|² = N after every step (C(t,t) = 1; needs c0 = 1).") var spherical = false
    @Flag(help: "Also run the finite-N simulation.") var simulate = false
    @Option(name: .customLong("N"), help: "Simulation dimension N (with --simulate; default 200).") var dimensionOption: Int?
    @Option(name: [.customLong("seeds"), .customLong("samples")],
            help: "Number of independent seeds (disorder realisations; with --simulate; default 8).") var seedsOption: Int?
    @Option(name: .customLong("seed"), help: "Base random seed (with --simulate; default 1).") var seedOption: UInt64?
    @Option(name: .customLong("precision"), help: "Simulation precision: double or float (with --simulate; default double).") var precisionOption: String?
    @OptionGroup var figures: FigureOptions
    @OptionGroup var resources: ResourceOptions
    @Option(help: "Relaxation criterion: delta:X (first Δ(t) ≤ X) or m:X (first m(t) ≥ X).") var criterion = "delta:0.05"
    @Flag(help: "Stop the DMFT at its relaxation step (--steps stays the horizon; the simulation runs to the same step).")
    var stopAtRelaxation = false
    @Option(help: "Output directory.") var output: String
    @Flag(help: "Do not print progress on stderr.") var quiet = false

    var dimension: Int { dimensionOption ?? 200 }
    var seeds: Int { seedsOption ?? 8 }
    var seed: UInt64 { seedOption ?? 1 }
    var precision: String { precisionOption ?? "double" }

    func validate() throws {
        guard ["double", "float"].contains(precision) else { throw ValidationError("--precision must be 'double' or 'float', got '\(precision)'") }
        _ = try parseCriterion(criterion)
        let unused = [("--N", dimensionOption != nil), ("--seeds", seedsOption != nil), ("--seed", seedOption != nil),
                      ("--precision", precisionOption != nil)].filter(\.1).map(\.0)
        guard simulate || unused.isEmpty else {
            throw ValidationError("\(unused.joined(separator: ", ")) \(unused.count == 1 ? "sets" : "set") the finite-N simulation; add --simulate")
        }
        guard dimension >= 2 else { throw ValidationError("--N must be at least 2, got \(dimension)") }
        guard seeds >= 1 else { throw ValidationError("--seeds must be a positive integer, got \(seeds)") }
        _ = try outputDirectory(output)
    }

    func run() throws {
        let problem = try SignalRecoveryProblem(alpha: alpha, learningRate: lr, batchFraction: batch, initialOverlap: m0,
                                                initialNorm: c0, steps: steps, spherical: spherical)
        let directory = try outputDirectory(output)
        var experiment = DMFTExperiment(
            problem: problem,
            simulation: simulate ? .init(dimension: dimension, seeds: seeds, seed: seed, precision: precision == "float" ? .float : .double,
                                         maxMemoryBytes: try resources.bytes()) : nil,
            criterion: try parseCriterion(criterion))
        experiment.stopsAtRelaxation = stopAtRelaxation
        try resources.check(experiment.resourceEstimate, what: simulate ? "the DMFT and its simulation" : "the DMFT")
        if simulate { _ = try SignalRecoverySimulator(problem: problem, dimension: dimension, seeds: seeds, seed: seed) }
        var finished: DMFTExperimentResult?
        let files = try RunDirectory.write(into: directory) { staging in
            let theoryProgress = ProgressReporter(label: "DMFT", enabled: !quiet)
            let simulationProgress = ProgressReporter(label: "simulating", enabled: !quiet)
            let result = try experiment.run(progress: { phase, fraction in
                phase == "DMFT" ? theoryProgress.update(fraction) : simulationProgress.update(fraction)
            })
            theoryProgress.finish()
            simulationProgress.finish()
            finished = result
            return try Rasterizer.convertingTogether { try result.write(to: staging) }
        }
        guard let result = finished else { return }
        let t = result.theory
        print(result.summaryTable().text, terminator: "")
        print(result.relaxationSummary)
        reportComparison(result.comparisonSummary, warnings: result.warnings, all: true)
        reportWritten(files)
        let diverged = [(t.divergence, t.divergenceReason, "DMFT"),
                        (result.simulation?.divergence, result.simulation?.divergenceReason, "simulation")]
            .compactMap { step, reason, what in step.map { ($0, reason ?? "diverged", what) } }
            .min { $0.0 < $1.0 }
        if let (step, reason, what) = diverged {
            FileHandle.standardError.write(Data("error: the \(what) diverged at step \(step) (t = \(Double(step) * lr)): \(reason)\n".utf8))
            throw divergedExitCode
        }
    }
}

struct DMFTThreshold: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "threshold",
        abstract: "Relaxation times τ(α) from the DMFT and the fitted recovery threshold α*(b) for several batch fractions.",
        discussion: """
            A short-hand for a sweep (`statphys sweep run`) of `dmft --stop-at-relaxation` with the other options as \
            given, over the axes batch and alpha, with the summary "threshold": each point is that command's own \
            complete run in DIR/points (in parallel, resumable — run the same command again after an interruption and \
            only the missing points run —, a lock on DIR); DIR/sweep.json records the equivalent sweep file and \
            DIR/table.csv lists every point. For each b and α: τ = the first step meeting --criterion within --steps \
            (null if never). Fit per b: τ = τ0 (α − α*)^(−ν) by least squares in log τ, errors from the Gauss–Newton \
            covariance, with at least 4 relaxed α (one degree of freedom; otherwise no fit, and fit_note says why). \
            α* depends on the horizon (--steps), on m0 and on lr.

            threshold.json: a list, one entry per b: [{batch, alpha_star, alpha_star_error, nu, nu_error, tau0, \
            fit_note, points: [{alpha, relaxation_steps, diverged, reason}], settings {model, lr, m0, c0, steps, \
            spherical, criterion, fit}}]. Figures relaxation.svg (τ vs α with the fits over the fitted range, the \
            horizon T and the points not relaxed by T) and threshold.svg (α* vs b). The exit status is 1 when some \
            point failed. With --slurm the points run as Slurm array tasks (`statphys sweep slurm`) and the merge job \
            writes the same files.
            """)

    @Option(help: "Batch fractions: comma-separated (1 = GD) or a range.") var batch = "1,0.3,0.1"
    @Option(help: "Sample complexities: start:stop:step, log:start:stop:count or a comma-separated list.") var alpha = "2.0:3.5:0.1"
    @Option(help: "Learning rate η.") var lr = 0.1
    @Option(help: "Initial overlap m(0).") var m0 = 0.01
    @Option(help: "Initial norm C(0,0).") var c0 = 1.0
    @Option(help: "Horizon T (steps).") var steps = 3000
    @Flag(help: "Spherical variant: renormalise x to |x|² = N after every step (needs c0 = 1).") var spherical = false
    @Option(help: "Relaxation criterion: delta:X or m:X.") var criterion = "delta:0.05"
    @Option(help: "Output directory (the sweep's).") var output: String
    @Option(help: "Points to run at once (default: the number of cores).") var jobs: Int?
    @Flag(help: "Do not print progress on stderr.") var quiet = false
    @Flag(help: "Submit the points to Slurm instead of running them here (`statphys sweep slurm`).") var slurm = false
    @OptionGroup(title: "Slurm (with --slurm)") var submission: SlurmSubmitOptions
    @OptionGroup var retired: RetiredClusterOptions
    @OptionGroup var figures: FigureOptions
    @OptionGroup var resources: ResourceOptions

    func validate() throws {
        _ = try outputDirectory(output)
        try retired.refuse()
        try submission.refuseUnlessSubmitting(slurm)
        if let jobs, !(1...4096).contains(jobs) { throw ValidationError("--jobs must be from 1 to 4096, got \(jobs)") }
        _ = try parseCriterion(criterion)
    }

    /// The sweep: `dmft --stop-at-relaxation` with the other options as given, over batch (rows) and alpha.
    func specification() throws -> SweepSpecification {
        let forwarded = SweepExecution.forwardedArguments(
            after: Self.configuration.commandName!, removing: SlurmSubmitOptions.valueNames.union(["--batch", "--alpha", "--output", "--jobs"]),
            flags: ["--quiet", "--slurm", "--dry-run", "--stop-at-relaxation"])
        let axes = [try SweepAxis(name: "batch", commandLine: batch), try SweepAxis(name: "alpha", commandLine: alpha)]
        try axes[0].require("a batch fraction", "in (0, 1]") { $0 > 0 && $0 <= 1 }
        try axes[1].require("a sample complexity", "positive") { $0 > 0 }
        return try SweepSpecification(command: ["dmft", "--stop-at-relaxation"] + forwarded, axes: axes, summary: .threshold)
    }

    func run() throws {
        // The horizon's and the settings' own ranges first, as one point would see them.
        _ = try SignalRecoveryProblem(alpha: 1, learningRate: lr, initialOverlap: m0, initialNorm: c0, steps: steps, spherical: spherical)
        try SweepExecution.run(shortHand: specification, output: output, jobs: jobs, quiet: quiet, slurm: slurm, submission: submission,
                               resources: resources)
    }
}

extension DMFTRun: DrawsFigures {}

extension DMFTThreshold: DrawsFigures {}
