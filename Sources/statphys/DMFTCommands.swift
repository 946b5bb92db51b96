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
        discussion: "`statphys dmft [options]` runs `statphys dmft run`; `statphys dmft threshold` sweeps α and b.",
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

            result.json keys: model, conventions, settings, step, t, theory {m, Ctt, Delta, e}, simulation {N, samples, \
            seed, precision, couplings_on_the_fly, mean {m, Ctt, Delta, e}, stderr {…}}, relaxation {criterion, \
            theory_step, simulation_step}, divergence {theory, simulation: null or {step, t, reason}}, warnings; with \
            --simulate also comparison and agreement (a verdict per observable: Student-t per step with samples − 1 \
            degrees of freedom, Bonferroni, α = 0.01). Also dynamics.csv, dynamics.svg and correlation.svg (C(t,s) heatmap).

            --max-memory bounds the whole run (the DMFT stores four (T+1)²/2 triangles); the simulation stores \
            its couplings only when those of the samples running at once fit in it, and regenerates them each \
            step otherwise (couplings_on_the_fly). --N, --samples, --seed and --precision need --simulate.
            """)

    @Option(help: "Sample complexity α = P/N.") var alpha = 3.0
    @Option(help: "Learning rate η.") var lr = 0.1
    @Option(help: "Batch fraction b ∈ (0, 1]; 1 is full-batch GD.") var batch = 1.0
    @Option(help: "Initial overlap m(0) ∈ [0, √c0].") var m0 = 0.1
    @Option(help: "Initial norm C(0,0).") var c0 = 1.0
    @Option(help: "Number of steps T.") var steps = 2000
    @Flag(help: "Spherical variant: renormalise x to |x|² = N after every step (C(t,t) = 1; needs c0 = 1).") var spherical = false
    @Flag(help: "Also run the finite-N simulation.") var simulate = false
    @Option(name: .customLong("N"), help: "Simulation dimension N (with --simulate; default 200).") var sizeOption: Int?
    @Option(name: .customLong("samples"), help: "Number of disorder samples (with --simulate; default 8).") var samplesOption: Int?
    @Option(name: .customLong("seed"), help: "Base random seed (with --simulate; default 1).") var seedOption: UInt64?
    @Option(name: .customLong("precision"), help: "Simulation precision: double or float (with --simulate; default double).") var precisionOption: String?
    @OptionGroup var figures: FigureOptions
    @OptionGroup var resources: ResourceOptions
    @Option(help: "Relaxation criterion: delta:X (first Δ(t) ≤ X) or m:X (first m(t) ≥ X).") var criterion = "delta:0.05"
    @Option(help: "Output directory.") var output: String
    @Flag(help: "Do not print progress on stderr.") var quiet = false

    var size: Int { sizeOption ?? 200 }
    var samples: Int { samplesOption ?? 8 }
    var seed: UInt64 { seedOption ?? 1 }
    var precision: String { precisionOption ?? "double" }

    func validate() throws {
        guard ["double", "float"].contains(precision) else { throw ValidationError("--precision must be 'double' or 'float', got '\(precision)'") }
        _ = try parseCriterion(criterion)
        let unused = [("--N", sizeOption != nil), ("--samples", samplesOption != nil), ("--seed", seedOption != nil),
                      ("--precision", precisionOption != nil)].filter(\.1).map(\.0)
        guard simulate || unused.isEmpty else {
            throw ValidationError("\(unused.joined(separator: ", ")) \(unused.count == 1 ? "sets" : "set") the finite-N simulation; add --simulate")
        }
        guard size >= 2 else { throw ValidationError("--N must be at least 2, got \(size)") }
        guard samples >= 1 else { throw ValidationError("--samples must be a positive integer, got \(samples)") }
        _ = try outputDirectory(output)
    }

    func run() throws {
        let problem = try SignalRecoveryProblem(alpha: alpha, learningRate: lr, batchFraction: batch, initialOverlap: m0,
                                                initialNorm: c0, steps: steps, spherical: spherical)
        let directory = try outputDirectory(output)
        let experiment = DMFTExperiment(
            problem: problem,
            simulation: simulate ? .init(size: size, samples: samples, seed: seed, precision: precision == "float" ? .float : .double,
                                         maxMemoryBytes: try resources.bytes()) : nil,
            criterion: try parseCriterion(criterion))
        try resources.check(experiment.resourceEstimate, what: simulate ? "the DMFT and its simulation" : "the DMFT")
        if simulate { _ = try SignalRecoverySimulator(problem: problem, size: size, samples: samples, seed: seed) }
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
            return try result.write(to: staging)
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
            For each b and α: τ = first step meeting --criterion within --steps (null if never). Fit per b: \
            τ = τ0 (α − α*)^(−ν) by least squares in log τ, errors from the Gauss–Newton covariance (needs ≥ 4 \
            relaxed points for errors, ≥ 3 for a fit). α* depends on the horizon (--steps), on m0 and on lr.

            threshold.json: a list, one entry per b: [{batch, alpha_star, alpha_star_error, nu, nu_error, tau0, \
            points: [{alpha, relaxation_steps, diverged, reason}], settings {model, lr, m0, c0, steps, spherical, criterion, fit}}]. Figures relaxation.svg (τ vs α) and threshold.svg (α* vs b).

            On a cluster: --slurm n writes DIR/slurm/{sweep.sbatch, merge.sbatch, submit.sh}; `sh DIR/slurm/submit.sh`             runs the points as n array tasks (--shard i/n each, results in DIR/shards/) and then --merge, which writes             the files above. The merged result is identical to a local run.
            """)

    @Option(help: "Batch fractions, comma-separated (1 = GD).") var batch = "1,0.3,0.1"
    @Option(help: "Sample complexities: start:stop:step or a comma-separated list.") var alpha = "2.0:3.5:0.1"
    @Option(help: "Learning rate η.") var lr = 0.1
    @Option(help: "Initial overlap m(0).") var m0 = 0.01
    @Option(help: "Initial norm C(0,0).") var c0 = 1.0
    @Option(help: "Horizon T (steps).") var steps = 3000
    @Flag(help: "Spherical variant: renormalise x to |x|² = N after every step (needs c0 = 1).") var spherical = false
    @Option(help: "Relaxation criterion: delta:X or m:X.") var criterion = "delta:0.05"
    @Option(help: "Output directory.") var output: String
    @Flag(help: "Do not print progress on stderr.") var quiet = false
    @OptionGroup(title: "Cluster") var cluster: ClusterOptions
    @OptionGroup var figures: FigureOptions
    @OptionGroup var resources: ResourceOptions

    func validate() throws { _ = try outputDirectory(output) }

    func run() throws {
        let batches = try NumberGrid(parsing: batch, name: "--batch"), alphas = try NumberGrid(parsing: alpha, name: "--alpha")
        let (points, overflow) = batches.count.multipliedReportingOverflow(by: alphas.count)
        guard !overflow else { throw ValidationError("the grid of --batch × --alpha has more points than can be counted") }
        // The horizon's own range first: the estimate of an out-of-range T would only be a huge number.
        _ = try SignalRecoveryProblem(alpha: 1, learningRate: 1, initialOverlap: 0, steps: steps)
        try resources.check(DMFTResources.thresholdSweep(points: cluster.pointsSolved(of: points), steps: steps),
                            what: "this sweep (\(points) points)")
        let sweep = try ThresholdSweep(
            batches: batches.values, alphas: alphas.values,
            learningRate: lr, initialOverlap: m0, initialNorm: c0, steps: steps, spherical: spherical,
            criterion: try parseCriterion(criterion))
        try cluster.run(sweep, name: "statphys-threshold", directory: try outputDirectory(output), quiet: quiet) { result, staging in
            print(result.table.text, terminator: "")
            let files = try result.write(to: staging)
            let points = result.curves.flatMap { curve in curve.points }
            for point in points where point.reason?.hasPrefix("failed: ") == true {
                noteOnStderr("b = \(point.batch), alpha = \(point.alpha) \(point.reason!)")
            }
            let diverged = points.filter(\.diverged).count
            if diverged > 0 { noteOnStderr("\(diverged) of \(points.count) points diverged (threshold.json gives each one's reason)") }
            return files
        }
    }
}

extension DMFTRun: DrawsFigures {}

extension DMFTThreshold: DrawsFigures {}
