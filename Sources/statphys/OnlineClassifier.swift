import ArgumentParser
import Foundation
import StatPhysSGD

/// The classifier model's options, shared by `online classifier` and `online classifier portrait`.
struct ClassifierOptions: ParsableArguments {
    @Option(help: "Loss: logistic, hinge, perceptron, square.") var loss = "logistic"
    @OptionGroup(title: "Optimiser") var optimiser: OptimiserOptions
    @Option(help: "Variance σ² of the noise on the teacher's field before the sign.") var noise = 0.0
    @Option(help: "Probability that a label is flipped, in [0, 0.5].") var flip = 0.0
    @Option(help: "L2 regularisation λ (penalty (λ/2d)|w|²).") var reg = 0.0
    @Option(help: "Teacher norm ρ = |w*|²/d.") var rho = 1.0

    func validate() throws {
        do { _ = try ClassificationLoss.named(loss) } catch { throw ValidationError("--loss: \(error)") }
        guard noise.isFinite else { throw ValidationError("--noise must be a finite number, got \(noise)") }
        guard noise >= 0 else { throw ValidationError("--noise is a variance and must be ≥ 0, got \(noise)") }
    }

    func scenario(m0: Double, q0: Double) throws -> ClassifierScenario {
        try ClassifierScenario(loss: try ClassificationLoss.named(loss), optimiser: try optimiser.optimiser(), noiseVariance: noise,
                               flipProbability: flip, weightDecay: reg, teacherNorm: rho, initialOverlap: m0, initialSelfOverlap: q0)
    }
}

/// `statphys online classifier`: a run (the default) or the (m, q) phase portrait.
struct OnlineClassifierGroup: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "classifier",
        abstract: "Online SGD for a linear classifier (logistic, hinge, perceptron or square loss) learning a sign teacher.",
        discussion: DefaultSubcommandHelp.discussion(
            "`statphys online classifier [options]` runs `statphys online classifier run`; `statphys online classifier portrait` draws the (m, q) phase portrait.",
            defaultSubcommand: OnlineClassifier.self, invocation: "statphys online classifier run"),
        subcommands: [OnlineClassifier.self, ClassifierPortraitCommand.self],
        defaultSubcommand: OnlineClassifier.self)
}

struct OnlineClassifier: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Online SGD for a linear classifier (logistic, hinge, perceptron or square loss) learning a sign teacher.",
        discussion: """
            Model: x ~ N(0, I_d), label y = sign(w*·x/√d + σζ) with noise variance σ² (--noise), flipped with probability \
            --flip; student field λ = w·x/√d, prediction sign(λ). Loss ℓ(y, λ) = L(yλ): logistic log(1 + e^(−z)), hinge \
            max(0, 1 − z), perceptron max(0, −z), square ½(1 − z)². Step: w ← w − lr·[ℓ'(y, λ) x/√d + (reg/d) w] with the \
            gradient averaged over --batch B fresh samples (default 1; the lr² terms get 1/B), t = steps/d. Order parameters m = w·w*/d, q = |w|²/d; \
            eg = arccos(m/√(qρ))/π = atan2(√(ρs), m)/π with s = q − m²/ρ integrated (theory) or measured (simulation) without cancellation, the \
            error against the noise-free teacher; loss = the population loss E[ℓ]. The square loss diverges for \
            lr ≥ 2B(1 + reg); the others cannot.

            result.json keys: model, conventions, settings (with lr, lr_schedule, batch), t, samples (t·B, also a CSV column), \
            theory {m, q, eg, loss, lr}, theory_initial, critical_lr, \
            simulation {d, seeds, seed, t, rho, mean {m, q, eg, loss}, stderr {…}}, comparison, divergence {theory, \
            simulation}, agreement, warnings. Also learning_curve.csv, learning_curve.svg (+ .png) and its plot script. \
            Each observable gets a verdict (agrees / disagrees / not comparable), as for `online linear`.
            """)

    @OptionGroup var model: ClassifierOptions
    var optimiser: OptimiserOptions { model.optimiser }
    @Option(help: "Initial overlap m(0) = w·w*/d.") var m0 = 0.0
    @Option(help: "Initial self-overlap q(0) = |w|²/d (the perceptron loss needs q0 > 0: a zero student never errs by margin).") var q0 = 0.1
    @Option(help: "Final time t = steps/d.") var tMax = 20.0
    @Option(help: "Number of output times from 0 to t-max.") var points = 101
    @Flag(help: "Logarithmically spaced output times (from t-max/1000), with a logarithmic time axis.") var logGrid = false
    @OptionGroup var simulation: SimulationOptions
    @OptionGroup(title: "ODE integrator") var integrator: ToleranceOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var figures: FigureOptions
    @OptionGroup var resources: ResourceOptions

    func validate() throws {
        try validateTrajectoryGrid(tMax: tMax, points: points)
        try simulation.refuseUnused()
        if logGrid, points < 3 { throw ValidationError("--points must be at least 3, got \(points)") }
    }

    func run() throws {
        let scenario = try model.scenario(m0: m0, q0: q0)
        var experiment = ClassifierExperiment(
            scenario: scenario, tMax: tMax, points: points,
            simulation: simulation.settings)
        experiment.logarithmicGrid = logGrid
        experiment.tolerance = try integrator.tolerance(defaults: ClassifierTheory.defaultTolerance)
        // Checked before a greedy or optimal schedule is computed, so that a run that cannot fit is refused at once.
        try resources.check(experiment.resourceEstimate, what: "this run")
        if optimiser.computedSchedule != nil {
            var theory = ClassifierTheory(scenario: experiment.scenario)
            if let tolerance = try integrator.tolerance(defaults: ClassifierTheory.defaultTolerance) { theory.integrator = DormandPrince54(tolerance: tolerance) }
            experiment.scenario.optimiser.schedule = try optimiser.computedSchedule(of: theory, tEnd: tMax, quiet: output.quiet) ?? experiment.scenario.optimiser.schedule
            // Again with the computed schedule's breakpoints.
            try resources.check(experiment.resourceEstimate, what: "this run")
        }
        try runOnline(output: output) { try experiment.run(progress: $0) }
    }
}

extension OnlineClassifier: DrawsFigures {}
