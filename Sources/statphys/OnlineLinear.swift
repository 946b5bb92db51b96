import ArgumentParser
import Foundation
import StatPhysSGD

/// The linear-regression model's options, shared by `online linear` and `online linear portrait`.
struct LinearRegressionOptions: ParsableArguments {
    @OptionGroup(title: "Optimiser") var optimiser: OptimiserOptions
    @Option(help: "Label-noise variance σ².") var noise = 0.0
    @Option(help: "L2 regularisation λ (penalty (λ/2d)|w|²).") var reg = 0.0
    @Option(help: "Teacher norm ρ = |w*|²/d.") var rho = 1.0

    func validate() throws {
        guard noise.isFinite else { throw ValidationError("--noise must be a finite number, got \(noise)") }
        guard noise >= 0 else { throw ValidationError("--noise is a variance and must be ≥ 0, got \(noise)") }
    }

    func scenario(m0: Double, q0: Double) throws -> LinearRegressionScenario {
        try LinearRegressionScenario(optimiser: try optimiser.optimiser(), noiseVariance: noise, weightDecay: reg, teacherNorm: rho,
                                     initialOverlap: m0, initialSelfOverlap: q0)
    }
}

/// `statphys online linear`: a run (the default) or the (m, q) phase portrait.
struct OnlineLinearGroup: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "linear",
        abstract: "Online SGD for noisy linear regression with L2 regularisation.",
        discussion: DefaultSubcommandHelp.discussion(
            "`statphys online linear [options]` runs `statphys online linear run`; `statphys online linear portrait` draws the (m, q) phase portrait.",
            defaultSubcommand: OnlineLinear.self, invocation: "statphys online linear run"),
        subcommands: [OnlineLinear.self, LinearPortraitCommand.self],
        defaultSubcommand: OnlineLinear.self)
}

struct OnlineLinear: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Online SGD for noisy linear regression with L2 regularisation.",
        discussion: """
            Model: x ~ N(0, I_d), y = w*·x/√d + σξ with noise variance σ² (--noise), teacher norm ρ = |w*|²/d (--rho). \
            Step: w ← w − lr·[(ŷ − y) x/√d + (reg/d) w] with the gradient averaged over --batch B fresh samples (default 1), \
            t = steps/d; the lr² (noise) terms of the ODE get 1/B. \
            Order parameters m = w·w*/d, q = |w|²/d; generalisation error eg = ½(ρ − 2m + q), \
            computed without cancellation (the theory integrates eg itself; the simulation measures ½|w − w*|²/d), \
            so noise-free runs stay accurate and positive down to eg ≈ 1e-14 and below. \
            Stable iff lr < 2B(1 + reg) (with a schedule: iff η(t) stays below it).
            With --lr-schedule SPEC the rate is η(t) = lr·f(t) (constant; inverse:T0, f = 1/(1 + t/T0); power:T0:P; \
            step:EVERY:FACTOR; cosine:TEND; see the README), in the ODE and at every simulated step.

            result.json keys: model, conventions, settings (with lr, lr_schedule, batch), t, samples (t·B, also a CSV column), \
            theory {m, q, eg, lr}, theory_initial, critical_lr, with --fluctuations theory_std {d, m, q, eg} and theory_stderr {seeds, m, q, eg}, \
            steady_state (null with a schedule), simulation {d, seeds, seed, t, rho, mean {m, q, eg}, stderr {m, q, eg}}, comparison, \
            agreement, divergence {theory, simulation}, warnings. Also learning_curve.csv, learning_curve.svg (+ .png), its data learning_curve.figure.json and matplotlib script learning_curve.py. \
            Each observable gets a verdict (agrees / disagrees / not comparable): Student-t per point with seeds − 1 \
            degrees of freedom, Bonferroni over points and observables, α = 0.01.
            """)

    @OptionGroup var model: LinearRegressionOptions
    var optimiser: OptimiserOptions { model.optimiser }
    @Option(help: "Initial overlap m(0) = w·w*/d.") var m0 = 0.0
    @Option(help: "Initial self-overlap q(0) = |w|²/d.") var q0 = 0.0
    @Option(help: "Final time t = steps/d.") var tMax = 10.0
    @Option(help: "Number of output times from 0 to t-max.") var points = 101
    @OptionGroup var simulation: SimulationOptions
    @Flag(help: ArgumentHelp(
        "Predict the finite-d spread (linear-noise theory): theory_std (per-seed standard deviations at --d) and theory_stderr "
            + "(for the run's seeds) in result.json, *_theory_std in the CSV, a band in the figure. SGD without momentum."))
    var fluctuations = false
    @OptionGroup(title: "ODE integrator") var integrator: ToleranceOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var figures: FigureOptions
    @OptionGroup var resources: ResourceOptions

    func validate() throws {
        try validateTrajectoryGrid(tMax: tMax, points: points)
        try simulation.refuseUnused(usesDimension: fluctuations)
    }

    func run() throws {
        let scenario = try model.scenario(m0: m0, q0: q0)
        var experiment = LinearExperiment(
            scenario: scenario, tMax: tMax, points: points,
            simulation: simulation.settings)
        experiment.fluctuationDimension = fluctuations ? simulation.dimension : nil
        experiment.tolerance = try integrator.tolerance(defaults: LinearRegressionTheory.defaultTolerance)
        // Checked before a greedy or optimal schedule is computed, so that a run that cannot fit is refused at once.
        try resources.check(experiment.resourceEstimate, what: "this run")
        if optimiser.computedSchedule != nil {
            var theory = LinearRegressionTheory(scenario: experiment.scenario)
            if let tolerance = try integrator.tolerance(defaults: LinearRegressionTheory.defaultTolerance) { theory.integrator = DormandPrince54(tolerance: tolerance) }
            experiment.scenario.optimiser.schedule = try optimiser.computedSchedule(of: theory, tEnd: tMax, quiet: output.quiet) ?? experiment.scenario.optimiser.schedule
            // Again with the computed schedule's breakpoints.
            try resources.check(experiment.resourceEstimate, what: "this run")
        }
        try runOnline(output: output) { try experiment.run(progress: $0) }
    }
}

/// What `runOnline` reports of an experiment's result.
protocol OnlineExperimentResult {
    func summaryTable(rows: Int) -> TextTable
    var comparisonSummary: ComparisonSummary? { get }
    var warnings: [RunWarning] { get }
    func write(to directory: URL) throws -> [URL]
    var divergence: Divergence? { get }
}

extension LinearExperimentResult: OnlineExperimentResult {}
extension ClassifierExperimentResult: OnlineExperimentResult {}

/// Runs an experiment (`run` gets the progress callback) with progress on stderr, writes its files, prints the
/// summary table and each observable's distance from its theory, and lists the files; on divergence reports its
/// time on stderr and exits with status 3.
func runOnline<Result: OnlineExperimentResult>(
    output: OutputOptions, _ run: (@escaping @Sendable (Double) -> Void) throws -> Result
) throws {
    try runWriting(output: output, label: "simulating", run, write: { try $0.write(to: $1) }, divergence: \.divergence) { result in
        print(result.summaryTable(rows: 6).text, terminator: "")
        reportComparison(result.comparisonSummary, warnings: result.warnings, all: true)
    }
}

/// Runs `run` with progress labelled `label` on stderr, writes its files (`write`) into `--output` as one set,
/// `report`s the result on stdout, lists the files and, on divergence, reports its time and exits with status 3.
func runWriting<Result>(
    output: OutputOptions, label: String, _ run: (@escaping @Sendable (Double) -> Void) throws -> Result,
    write: (Result, URL) throws -> [URL], divergence: (Result) -> Divergence?, report: (Result) -> Void
) throws {
    var finished: Result?
    let files = try RunDirectory.write(into: output.directory) { staging in
        let progress = ProgressReporter(label: label, enabled: !output.quiet)
        let result = try run { progress.update($0) }
        progress.finish()
        finished = result
        // All of the run's PNG conversions at once.
        return try Rasterizer.convertingTogether { try write(result, staging) }
    }
    guard let result = finished else { return }
    report(result)
    try conclude(written: files, divergence: divergence(result))
}

extension OnlineLinear: DrawsFigures {}
