import ArgumentParser
import Foundation
import StatPhysSGD

/// A value, or "< resolution" where it is below the rounding of its own cancellation (`DMFTSolution.resolvedDelta`).
func resolved(_ value: Double, _ resolution: Double) -> String {
    value.isFinite ? TextTable.format(value) : "< " + TextTable.format(resolution, digits: 2)
}

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
            theory_step, simulation_step}, divergence {theory, simulation}. Also dynamics.csv, dynamics.svg and \
            correlation.svg (C(t,s) heatmap).
            """)

    @Option(help: "Sample complexity α = P/N.") var alpha = 3.0
    @Option(help: "Learning rate η.") var lr = 0.1
    @Option(help: "Batch fraction b ∈ (0, 1]; 1 is full-batch GD.") var batch = 1.0
    @Option(help: "Initial overlap m(0) ∈ [0, √c0].") var m0 = 0.1
    @Option(help: "Initial norm C(0,0).") var c0 = 1.0
    @Option(help: "Number of steps T.") var steps = 2000
    @Flag(help: "Spherical variant: renormalise x to |x|² = N after every step (C(t,t) = 1; needs c0 = 1).") var spherical = false
    @Flag(help: "Also run the finite-N simulation.") var simulate = false
    @Option(name: .customLong("N"), help: "Simulation dimension N.") var size = 200
    @Option(help: "Number of disorder samples.") var samples = 8
    @Option(help: "Base random seed.") var seed: UInt64 = 1
    @Option(help: "Simulation precision: double or float.") var precision = "double"
    @Option(help: "Memory for the couplings, e.g. 4G or 512M; above it rows are regenerated each step.") var maxMemory = "4G"
    @Option(help: "Relaxation criterion: delta:X (first Δ(t) ≤ X) or m:X (first m(t) ≥ X).") var criterion = "delta:0.05"
    @Option(help: "Output directory.") var output: String
    @Flag(help: "Do not print progress on stderr.") var quiet = false

    func validate() throws {
        guard ["double", "float"].contains(precision) else { throw ValidationError("--precision must be 'double' or 'float'") }
        _ = try parseMemory(maxMemory)
        _ = try parseCriterion(criterion)
    }

    func parseMemory(_ text: String) throws -> Int {
        let units: [Character: Double] = ["K": 1024, "M": 1_048_576, "G": 1_073_741_824]
        var number = text.uppercased(), factor = 1.0
        if let last = number.last, let unit = units[last] { factor = unit; number.removeLast() }
        guard let value = Double(number), value >= 0 else { throw ValidationError("--max-memory must be like 4G, 512M or a byte count, got '\(text)'") }
        return Int(value * factor)
    }

    func run() throws {
        let problem = try SignalRecoveryProblem(alpha: alpha, learningRate: lr, batchFraction: batch, initialOverlap: m0,
                                                initialNorm: c0, steps: steps, spherical: spherical)
        let directory = URL(fileURLWithPath: output, isDirectory: true)
        try AtomicFile.prepareDirectory(directory)
        let experiment = DMFTExperiment(
            problem: problem,
            simulation: simulate ? .init(size: size, samples: samples, seed: seed, precision: precision == "float" ? .float : .double,
                                         maxMemoryBytes: try parseMemory(maxMemory)) : nil,
            criterion: try parseCriterion(criterion))
        let theoryProgress = ProgressReporter(label: "DMFT", enabled: !quiet)
        let simulationProgress = ProgressReporter(label: "simulating", enabled: !quiet)
        let result = try experiment.run(progress: { phase, fraction in
            phase == "DMFT" ? theoryProgress.update(fraction) : simulationProgress.update(fraction)
        })
        theoryProgress.finish()
        simulationProgress.finish()
        let files = try result.write(to: directory)
        let t = result.theory
        var table = TextTable(header: ["step", "m", "Ctt", "Delta", "e"])
        for step in Array(Set((0..<6).map { $0 * t.reached / 5 })).sorted() {
            table.append([String(step), TextTable.format(t.m[step]), TextTable.format(t.ctt[step]),
                          resolved(t.resolvedDelta[step], t.deltaResolution[step]), resolved(t.resolvedEnergy[step], t.energyResolution[step])])
        }
        print(table.text, terminator: "")
        print("relaxation (\(experiment.criterion.description)): " + (result.relaxationStep.map { "step \($0)" } ?? "not within \(steps) steps"))
        reportWritten(files)
        if let step = t.divergence ?? result.simulation?.divergence {
            FileHandle.standardError.write(Data("error: diverged at step \(step) (t = \(Double(step) * lr)); lower --lr\n".utf8))
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
            points: [{alpha, relaxation_steps, diverged}], settings {model, lr, m0, c0, steps, spherical, criterion, fit}}]. Figures relaxation.svg (τ vs α) and threshold.svg (α* vs b).

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

    static func parseList(_ text: String, name: String) throws -> [Double] {
        let parts = text.split(separator: ":")
        if parts.count == 3, let a = Double(parts[0]), let b = Double(parts[1]), let step = Double(parts[2]) {
            guard step > 0, b >= a else { throw ValidationError("\(name) range must be start:stop:step with step > 0 and stop ≥ start") }
            let count = Int(((b - a) / step + 1e-9).rounded(.down))
            return (0...count).map { (a + Double($0) * step) * 1e12 }.map { $0.rounded() / 1e12 }
        }
        let values = text.split(separator: ",").compactMap { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard !values.isEmpty, values.count == text.split(separator: ",").count else {
            throw ValidationError("\(name) must be start:stop:step or a comma-separated list of numbers, got '\(text)'")
        }
        return values
    }

    func run() throws {
        let sweep = try ThresholdSweep(
            batches: try Self.parseList(batch, name: "--batch"), alphas: try Self.parseList(alpha, name: "--alpha"),
            learningRate: lr, initialOverlap: m0, initialNorm: c0, steps: steps, spherical: spherical,
            criterion: try parseCriterion(criterion))
        let directory = URL(fileURLWithPath: output, isDirectory: true)
        try cluster.run(sweep, name: "statphys-threshold", directory: directory, quiet: quiet) { result in
            print(result.table.text, terminator: "")
            reportWritten(try result.write(to: directory))
        }
    }
}
