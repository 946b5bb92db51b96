import ArgumentParser
import Foundation
import StatPhysSGD

/// `statphys online committee`: a run (the default) or the projected phase portrait.
struct OnlineCommitteeGroup: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "committee",
        abstract: "Online SGD for two-layer committee machines (Saad–Solla / Goldt): any K, M and activation.",
        discussion: DefaultSubcommandHelp.discussion(
            "`statphys online committee [options]` runs `statphys online committee run`; `statphys online committee portrait` draws the (R_diag, R_off) phase portrait with the plateau and the specialised fixed point.",
            defaultSubcommand: OnlineCommittee.self, invocation: "statphys online committee run"),
        subcommands: [OnlineCommittee.self, CommitteePortraitCommand.self],
        defaultSubcommand: OnlineCommittee.self)
}

struct OnlineCommittee: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Online SGD for two-layer committee machines (Saad–Solla / Goldt): any K, M and activation.",
        discussion: """
            Model: student φ(x) = Σ_k v_k g(w_k·x/√d) with K units, teacher φ*(x) = Σ_n v*_n g*(w*_n·x/√d) with M \
            units, y = φ*(x) + σζ with noise variance σ² (--noise). Step: w_k ← (1 − lr·reg/d) w_k \
            + (lr/√d) v_k g'(λ_k) Δ x, Δ = y − φ(x); with --second-layer trained also v_k ← v_k + (lr2/d) g(λ_k) Δ; \
            with --batch B both updates are averaged over B fresh samples (the lr² terms get 1/B). Time t = steps/d. Q = w wᵀ/d (K×K), R = w w*ᵀ/d (K×M), T = w* w*ᵀ/d; eg = ½E[(φ − φ*)²]. \
            Default v = v* = 1 (soft committee, no 1/K), T = I, second layer fixed. \
            Biases: --bias fixed|trained shifts the student's fields, λ_k = w_k·x/√d + b_k (from --b0; trained: \
            b_k ← b_k + (lr-bias/d) v_k g'(λ_k) Δ), --teacher-bias the teacher's; with biases erf and ReLU integrals use \
            quadrature over the shifted Gaussian.

            Initial conditions: --q0 X --r0 Y give Q(0) = X·I, R(0)_in = Y·δ_in (students built with exactly these \
            overlaps); --init FILE reads {"Q": [[…]], "R": [[…]], "v": […]}; otherwise students are random with \
            variance --init-variance and the theory starts from their measured overlaps (mean over seeds; with \
            --theory-only, one random student drawn at --d with --seed). For plateau studies prefer --q0/--r0, so \
            that theory and every seed start from the same overlaps. \
            --teacher orthonormal (T = I exactly), random (i.i.d. Gaussian, measured T), or FILE with {"T": [[…]]}.

            result.json keys: model, conventions, settings (with lr_schedule, batch, rtol, atol), t, samples (t·B, also a CSV column), theory {Q, R, v, b (with biases), eg, eg_resolution, lr} (Q, R as \
            lists over t of nested K×K, K×M lists; eg is null where below eg_resolution, the floor down to which it is accurate to 1e-3: rounding, or the plain form's measured floor), theory_initial {Q, R, T, v, v_star, b, b_star}, simulation {d, seeds, seed, t, T, \
            mean {Q, R, v, b, eg}, stderr {Q, R, v, b, eg}, alignment}; settings also bias, b0, teacher_bias, lr_bias, comparison, agreement, divergence, warnings. Also \
            learning_curve.csv and figures. Unit indices are 1-based everywhere (R12: student unit 1, teacher unit 2; \
            CSV R12_theory; the first row of a JSON matrix is unit 1).

            Before averaging, each seed's hidden units are relabelled (a permutation, and sign flips for odd activations \
            with a trained second layer) to match the theory's final state; simulation.alignment records it per seed \
            (--no-align keeps the raw labels). Every observable gets a verdict (agrees / disagrees / not comparable; \
            Student-t per point with seeds − 1 degrees of freedom, Bonferroni over points and observables, α = 0.01); \
            comparisons outside the theory's reach (e.g. --r0 below 1/√d: finite-size plateau escape) are warned about \
            on stderr and in result.json "warnings".

            --stability linearises the ODE at the perfect-learning fixed point (K = M; erf, linear, tanh, sigmoid; \
            not ReLU, whose ODE has a kink there) and prints lr_max (largest \
            stable learning rate), lr_opt (fastest asymptotic convergence) and rate_opt; with --output also \
            writes DIR/stability.json (settings with batch: the Jacobian's lr² part is divided by B). It is refused with --noise, --teacher random and the options it would \
            ignore (--q0, --r0, --init, --init-variance, --v0, --heatmap-times, --log-grid, --lr-schedule).
            """)

    @OptionGroup var model: CommitteeModelOptions
    @OptionGroup(title: "Optimiser") var optimiser: OptimiserOptions
    @Option(help: "Label-noise variance σ².") var noise = 0.0
    @Option(help: "Final time t = steps/d.") var tMax = 100.0
    @Option(help: "Number of output times.") var points = 201
    @Flag(help: "Logarithmically spaced output times (from t-max/1000).") var logGrid = false
    @Option(help: "Times of the R and Q heatmaps, comma-separated (default: 0, t/4, t/2, t).") var heatmapTimes: String?
    @Flag(help: "Report the maximal and optimal learning rates from the linearised ODE.") var stability = false
    @Flag(help: "Do not relabel the seeds' hidden units to match the theory before averaging.") var noAlign = false
    @OptionGroup var simulation: SimulationOptions
    @OptionGroup(title: "ODE integrator") var integrator: ToleranceOptions
    @Option(help: "Output directory (required except with --stability).") var output: String?
    @Flag(help: "Do not print progress on stderr.") var quiet = false
    @OptionGroup var figures: FigureOptions
    @OptionGroup var resources: ResourceOptions

    func validate() throws {
        guard tMax.isFinite else { throw ValidationError("--t-max must be a finite number, got \(tMax)") }
        guard tMax > 0 else { throw ValidationError("--t-max must be positive, got \(tMax)") }
        guard noise.isFinite else { throw ValidationError("--noise must be a finite number, got \(noise)") }
        guard noise >= 0 else { throw ValidationError("--noise is a variance and must be ≥ 0, got \(noise)") }
        guard points >= 3 else { throw ValidationError("--points must be at least 3, got \(points)") }
        guard stability || output != nil else { throw ValidationError("missing --output DIR") }
        if let output { _ = try outputDirectory(output) }
        if let heatmapTimes { _ = try parseTimes(heatmapTimes) }
        if stability {
            // The analysis linearises the noise-free ODE at perfect learning Q = R = T, v = v*: no initial state, no
            // time grid, no simulation, and a teacher whose T is known exactly.
            guard noise == 0 else {
                throw ValidationError("--stability linearises the noise-free dynamics at perfect learning (with noise, Q = R = T is not a fixed point); drop --noise")
            }
            guard model.teacher != "random" else {
                throw ValidationError("--stability needs a teacher with a known T (orthonormal or a file); a random teacher's T is only measured in a simulation")
            }
            guard model.bias == "none", model.teacherBias == nil else {
                throw ValidationError("--stability linearises the dynamics at perfect learning Q = R = T without biases; drop --bias and --teacher-bias")
            }
            guard optimiser.momentumScaled == nil else {
                throw ValidationError("--stability linearises the (Q, R) dynamics; with --momentum-scaled the velocity overlaps are part of the state (not implemented)")
            }
            let unused = [("--q0", model.q0 != nil), ("--r0", model.r0 != nil), ("--init", model.`init` != nil),
                          ("--init-variance", model.initVariance != nil), ("--v0", model.v0 != nil),
                          ("--heatmap-times", heatmapTimes != nil), ("--log-grid", logGrid),
                          ("--lr-schedule", optimiser.lrSchedule != "constant")].filter(\.1).map(\.0)
            guard unused.isEmpty else {
                throw ValidationError("\(unused.joined(separator: ", ")) \(unused.count == 1 ? "has" : "have") no effect with --stability, which starts at perfect learning and scans the learning rate")
            }
        }
        try simulation.refuseUnused(drawsInitialStudent: model.q0 == nil && model.`init` == nil)
    }

    func run() throws {
        let student = try Activation.named(model.activation)
        let teacher = try model.teacherActivation.map(Activation.named) ?? student
        // Built first, so that a rate or batch size out of its domain is reported as such (64), not as a cost.
        let optimiser = try self.optimiser.optimiser()
        if stability {
            try resources.check(CommitteeResources.stability(
                studentUnits: model.studentUnits, teacherUnits: model.teacherUnits, student: student, teacher: teacher,
                quadratureOrder: model.quadratureOrder), what: "the stability analysis")
            return try runStability(try model.scenario(optimiser: optimiser, noise: noise))
        }
        try resources.check(CommitteeResources.experiment(
            studentUnits: model.studentUnits, teacherUnits: model.teacherUnits, student: student, teacher: teacher,
            learningRate: optimiser.peakRate(upTo: tMax), batchSize: optimiser.batchSize, weightDecay: model.reg, tMax: tMax, points: points, quadratureOrder: model.quadratureOrder,
            simulation: simulation.settings,
            initialDimension: simulation.dimension, breakpoints: optimiser.schedule.breakpointCount(upTo: tMax),
            theorySolves: ComputedScheduleCost.theorySolves(
                greedy: self.optimiser.isGreedy, optimal: self.optimiser.isOptimal,
                stateDimension: CommitteeResources.stateSize(studentUnits: model.studentUnits, teacherUnits: model.teacherUnits),
                evaluationsPerSolve: CommitteeResources.evaluations(learningRate: optimiser.peakRate(upTo: tMax), weightDecay: model.reg, tMax: tMax)),
            hasBiases: try model.hasBiases(), velocityRate: 2 * (optimiser.scaledMomentum ?? 0)), what: "this run")
        var scenario = try model.scenario(optimiser: optimiser, noise: noise)
        if self.optimiser.computedSchedule != nil {
            var theory = CommitteeTheory(scenario: scenario)
            theory.quadratureOrder = model.quadratureOrder
            scenario.optimiser.schedule = try self.optimiser.computedSchedule(of: theory, tEnd: tMax, quiet: quiet) ?? scenario.optimiser.schedule
        }
        let directory = try outputDirectory(output!)
        var experiment = CommitteeExperiment(
            scenario: scenario, tMax: tMax, points: points, logarithmicGrid: logGrid,
            simulation: simulation.settings)
        experiment.initialDimension = simulation.dimension
        experiment.initialSeed = simulation.seed
        experiment.quadratureOrder = model.quadratureOrder
        experiment.alignsUnits = !noAlign
        experiment.initFile = model.`init`.map { URL(fileURLWithPath: $0).standardizedFileURL.path }
        experiment.teacherFile = ["orthonormal", "random"].contains(model.teacher) ? nil
            : URL(fileURLWithPath: model.teacher).standardizedFileURL.path
        experiment.tolerance = try integrator.tolerance(defaults: CommitteeTheory.defaultTolerance)
        let heatmaps = try heatmapTimes.map(parseTimes) ?? [0, tMax / 4, tMax / 2, tMax]
        var finished: CommitteeExperimentResult?
        let files = try RunDirectory.write(into: directory) { staging in
            let progress = ProgressReporter(label: "simulating", enabled: !quiet)
            let solving = ProgressReporter(label: "solving the ODEs", enabled: !quiet)
            let result = try experiment.run(progress: { progress.update($0) }, theoryProgress: { fraction in
                progress.finish()
                solving.update(fraction)
            })
            progress.finish()
            solving.finish()
            finished = result
            return try Rasterizer.convertingTogether { try result.write(to: staging, heatmapTimes: heatmaps) }
        }
        guard let result = finished else { return }
        print(result.summaryTable().text, terminator: "")
        if !result.alignments.isEmpty {
            let relabelled = result.alignments.filter { !$0.alignment.isIdentity }
            print("alignment: \(relabelled.count) of \(result.alignments.count) seeds relabelled to match the theory's units"
                  + relabelled.map { a in
                      " (stream \(a.seed): units \(a.alignment.permutation.map { String($0 + 1) }.joined(separator: ",")))" }.joined())
        }
        let snapped = result.snappedHeatmapTimes(heatmaps)
        if !snapped.isEmpty {
            print("heatmaps: " + snapped.map { "t = \(TextTable.format($0.requested)) shown at the nearest output time t = \(TextTable.format($0.shown))" }
                .joined(separator: "; ") + " (--points and --log-grid set the output times)")
        }
        reportComparison(result.comparisonSummary, warnings: result.warnings, all: false)
        try conclude(written: files, divergence: result.divergence)
    }

    func parseTimes(_ text: String) throws -> [Double] {
        try text.split(separator: ",").map {
            guard let t = Double($0.trimmingCharacters(in: .whitespaces)), t >= 0, t <= tMax else {
                throw ValidationError("--heatmap-times must be numbers in [0, t-max], got '\($0)'")
            }
            return t
        }
    }

    func runStability(_ scenario: CommitteeScenario) throws {
        var analysis = CommitteeStability(scenario: scenario)
        analysis.quadratureOrder = model.quadratureOrder
        let result = try analysis.analyse()
        print("lr_max   = \(TextTable.format(result.lrMax, digits: 6))   (largest learning rate with a stable perfect-learning fixed point)")
        print("lr_opt   = \(TextTable.format(result.lrOpt, digits: 6))   (fastest asymptotic convergence)")
        print("rate_opt = \(TextTable.format(result.rateOpt, digits: 6))   (asymptotically ε_g ∝ exp(−rate_opt·t) at lr_opt)")
        if let output {
            reportWritten(try RunDirectory.write(into: try outputDirectory(output)) { staging in
                let file = staging.appendingPathComponent("stability.json")
                try AtomicFile.write(result.json(scenario: scenario).serialized() + "\n", to: file)
                return [file]
            })
        }
    }
}

struct OnlineCommitteeSweep: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "committee-sweep",
        abstract: "Final generalisation error of committee machines (ODE) over learning rates and noise variances.",
        discussion: """
            A short-hand for a sweep (`statphys sweep run`) of `online committee --theory-only` with every other \
            option as given, over the axes noise and lr, with the summary "final-error": each point is that command's \
            own complete run in DIR/points (in parallel, resumable — run the same command again after an interruption \
            and only the missing points run —, a lock on DIR), DIR/sweep.json records the equivalent sweep file, \
            DIR/table.csv lists every point, and DIR/final_error.json: {model, settings, t_max, lr, noise, final_eg: \
            [[…]] (rows: noise, columns: lr; null unless solved), status: [[…]] (null, {diverged: {time, reason}}, \
            {failed: why}, {below_resolution: …} or {missing: …})}, with the figure final_error.svg. Initial \
            overlaps are required (--q0/--r0 or --init). A point that diverges or fails does not stop the others; \
            the exit status is 1 when some point failed. With --slurm the points run as Slurm array tasks \
            (`statphys sweep slurm`) and the merge job writes the same files.
            """)

    @OptionGroup var model: CommitteeModelOptions
    @Option(help: "Learning rates: start:stop:step, log:start:stop:count or comma-separated.") var lr = "0.1:1.0:0.1"
    @Option(help: "Noise variances: comma-separated (or a range).") var noise = "0,0.01,0.1"
    @Option(help: ArgumentHelp("Learning-rate schedule η(t) = lr·f(t) of every point (as in `online committee`; greedy and optimal are not swept).",
                               valueName: "spec"))
    var lrSchedule = "constant"
    @Option(help: "Mini-batch size B ≥ 1 of every point (the η² terms get 1/B).") var batch = 1
    @Option(help: ArgumentHelp("Heavy-ball momentum β in [0, 1) of every point (theory: SGD at η/(1 − β)).", valueName: "β"))
    var momentum: Double?
    @Option(help: "Final time.") var tMax = 1000.0
    @Option(help: "Output directory (the sweep's).") var output: String
    @Option(help: "Points to run at once (default: the number of cores).") var jobs: Int?
    @Flag(help: "Do not print progress on stderr.") var quiet = false
    @OptionGroup(title: "ODE integrator") var integrator: ToleranceOptions
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
        guard tMax.isFinite else { throw ValidationError("--t-max must be a finite number, got \(tMax)") }
        guard tMax > 0 else { throw ValidationError("--t-max must be positive, got \(tMax)") }
        guard model.q0 != nil || model.`init` != nil else {
            throw ValidationError("committee-sweep needs the initial overlaps: give --q0 and --r0, or --init FILE")
        }
        guard model.initVariance == nil else {
            throw ValidationError("--init-variance has no effect in committee-sweep, which starts every point from --q0/--r0 or --init")
        }
        _ = try baseOptimiser()
        _ = try integrator.tolerance(defaults: CommitteeTheory.defaultTolerance)
    }

    /// The optimiser every point shares, at rate 1 (each point sets its own lr; the schedule multiplies it).
    func baseOptimiser() throws -> Optimiser {
        let name = lrSchedule.trimmingCharacters(in: .whitespaces).lowercased()
        guard name != "greedy" && name != "optimal" else {
            throw ValidationError("--lr-schedule \(name) is computed per run from the ODEs; committee-sweep takes fixed schedules (\(LearningRateSchedule.syntax))")
        }
        if let momentum, !momentum.isFinite { throw ValidationError("--momentum must be a finite number, got \(momentum)") }
        let schedule: LearningRateSchedule
        do { schedule = try LearningRateSchedule(parsing: lrSchedule) } catch { throw ValidationError("--lr-schedule: \(error)") }
        do {
            return try Optimiser(learningRate: 1, schedule: schedule, batchSize: batch, momentum: momentum ?? 0)
        } catch let error as ScenarioError {
            let option = "\(error)".contains("batch") ? "--batch" : "--momentum"
            throw ValidationError("\(option): \(error)")
        }
    }

    /// The sweep: `online committee --theory-only` with the other options as given, over noise (rows) and lr.
    func specification() throws -> SweepSpecification {
        let forwarded = SweepExecution.forwardedArguments(
            after: Self.configuration.commandName!, removing: SlurmSubmitOptions.valueNames.union(["--lr", "--noise", "--output", "--jobs"]),
            flags: ["--quiet", "--slurm", "--dry-run", "--theory-only"])
        let axes = [try SweepAxis(name: "noise", commandLine: noise), try SweepAxis(name: "lr", commandLine: lr)]
        try axes[0].require("a noise variance", "≥ 0") { $0 >= 0 }
        try axes[1].require("a learning rate", "positive") { $0 > 0 }
        return try SweepSpecification(command: ["online", "committee", "--theory-only"] + forwarded, axes: axes, summary: .finalError)
    }

    func run() throws {
        try SweepExecution.run(shortHand: specification, output: output, jobs: jobs, quiet: quiet, slurm: slurm, submission: submission,
                               resources: resources)
    }
}

/// The committee model: architecture, activations, teacher, second layer and initial condition.
struct CommitteeModelOptions: ParsableArguments {
    @Option(name: .customLong("K"), help: "Student hidden units K.") var studentUnits = 2
    @Option(name: .customLong("M"), help: "Teacher hidden units M.") var teacherUnits = 2
    @Option(help: "Student activation: erf (= erf(x/√2)), relu, linear, tanh, sigmoid.") var activation = "erf"
    @Option(help: "Teacher activation (default: the student's).") var teacherActivation: String?
    @Option(help: "Second layer: fixed or trained.") var secondLayer = "fixed"
    @Option(help: "Second-layer learning rate (with --second-layer trained; default: the first-layer one).") var lr2: Double?
    @Option(help: "First-layer weight decay λ.") var reg = 0.0
    @Option(help: "Teacher first layer: orthonormal, random, or a JSON file with \"T\".") var teacher = "orthonormal"
    @Option(help: "Initial Q(0) = q0·I (with --r0).") var q0: Double?
    @Option(help: "Initial R(0)_in = r0·δ_in (with --q0).") var r0: Double?
    @Option(help: "JSON file with the initial \"Q\", \"R\" (and optionally \"v\").") var `init`: String?
    @Option(help: "Variance of a random initial student's weights (default 1; without --q0/--r0 and --init).") var initVariance: Double?
    @Option(help: "Initial student second-layer weights, all equal (default 1; an --init file's \"v\" replaces it).") var v0: Double?
    @Option(help: "Student biases b_k (λ_k = w_k·x/√d + b_k): none, fixed (at --b0) or trained (from --b0, rate --lr-bias).") var bias = "none"
    @Option(help: "Initial student biases: one value for every unit or K comma-separated values (default 0; needs --bias).") var b0: String?
    @Option(help: "Teacher biases b*_n: one value or M comma-separated values (default 0).") var teacherBias: String?
    @Option(help: "Learning rate of the biases, scaled like the second layer's (1/d per step; with --bias trained; default: the first-layer one).") var lrBias: Double?
    @Flag(help: "Drop the η² terms (small-learning-rate limit), for comparison.") var smallLr = false
    @Option(name: .customLong("quadrature-order"), help: "Nodes per dimension of the 4-D integrals I4 without a closed form (and of the 3-D I3 for a custom activation without g''; I2, J2 and, by Stein's lemma, I3 are 2-D integrals with at least 64 nodes) (trapezoid rule when tanh is involved, Gauss–Hermite for sigmoid and other activations; default \(CommitteeIntegrals.defaultQuadratureOrder)); refused when every integral has a closed form (student and teacher both erf, both relu or both linear, without biases). See the README for the accuracy.") var requestedQuadratureOrder: Int?

    /// The quadrature order used: the requested one or the default.
    var quadratureOrder: Int { requestedQuadratureOrder ?? CommitteeIntegrals.defaultQuadratureOrder }

    func validate() throws {
        guard ["fixed", "trained"].contains(secondLayer) else {
            throw ValidationError("--second-layer must be 'fixed' or 'trained', got '\(secondLayer)'")
        }
        guard (q0 == nil) == (r0 == nil) else { throw ValidationError("--q0 and --r0 go together") }
        guard q0 == nil || `init` == nil else { throw ValidationError("give either --q0/--r0 or --init, not both") }
        guard (2...200).contains(quadratureOrder) else {
            throw ValidationError("--quadrature-order must be between 2 and 200, got \(quadratureOrder)")
        }
        guard studentUnits >= 1 else { throw ValidationError("--K must be a positive integer, got \(studentUnits)") }
        guard teacherUnits >= 1 else { throw ValidationError("--M must be a positive integer, got \(teacherUnits)") }
        let student: Activation, teacherUnit: Activation?
        do { student = try Activation.named(activation) } catch { throw ValidationError("--activation: \(error)") }
        do { teacherUnit = try teacherActivation.map(Activation.named) } catch { throw ValidationError("--teacher-activation: \(error)") }
        guard ["none", "fixed", "trained"].contains(bias) else {
            throw ValidationError("--bias must be 'none', 'fixed' or 'trained', got '\(bias)'")
        }
        guard b0 == nil || bias != "none" else {
            throw ValidationError("--b0 sets the student's initial biases; it needs --bias fixed or --bias trained")
        }
        guard lrBias == nil || bias == "trained" else {
            throw ValidationError("--lr-bias is the biases' learning rate; it needs --bias trained")
        }
        if let lrBias {
            guard lrBias.isFinite else { throw ValidationError("--lr-bias must be a finite number, got \(lrBias)") }
            guard lrBias > 0 else { throw ValidationError("--lr-bias must be positive, got \(lrBias)") }
        }
        let shifted = try hasBiases()
        if requestedQuadratureOrder != nil,
           CommitteeIntegrals.quadratureRule(student: student, teacher: teacherUnit ?? student, hasShifts: shifted) == nil {
            throw ValidationError("--quadrature-order has no effect: with \(activation) student and \(teacherActivation ?? activation) teacher "
                                  + "units (and no biases) every integral has a closed form")
        }
        guard lr2 == nil || secondLayer == "trained" else {
            throw ValidationError("--lr2 is the second layer's learning rate; it needs --second-layer trained (the second layer is fixed)")
        }
        guard initVariance == nil || (q0 == nil && `init` == nil) else {
            throw ValidationError("--init-variance sets a random initial student; it has no effect with --q0/--r0 or --init")
        }
        for (name, value) in [("--reg", reg), ("--q0", q0), ("--r0", r0), ("--init-variance", initVariance), ("--v0", v0), ("--lr2", lr2)] {
            if let value, !value.isFinite { throw ValidationError("\(name) must be a finite number, got \(value)") }
        }
    }

    /// A bias option's values as given: one number for every unit, or `count` comma-separated ones (all finite);
    /// nothing is allocated per unit (K may be anything until the resource check).
    static func biasValues(_ text: String?, option: String, count: Int, units: String) throws -> [Double] {
        guard let text else { return [] }
        let parts = text.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        let values = parts.map { Double($0) }
        guard values.allSatisfy({ $0 != nil }) else {
            throw ValidationError("\(option) must be a number or \(count) comma-separated numbers, got '\(text)'")
        }
        let numbers = values.map { $0! }
        guard numbers.allSatisfy(\.isFinite) else { throw ValidationError("\(option) must be finite, got '\(text)'") }
        if let large = numbers.first(where: { abs($0) > CommitteeScenario.maximumBias }) {
            throw ValidationError("\(option) must be at most \(CommitteeScenario.maximumBias) in magnitude, got \(large)")
        }
        if numbers.count == 1 { return numbers }
        guard numbers.count == count else {
            throw ValidationError("\(option) has \(numbers.count) values; give one or \(units) = \(count)")
        }
        return numbers
    }

    /// Whether the fields are shifted: trained biases, or a non-zero --b0 or --teacher-bias.
    func hasBiases() throws -> Bool {
        let given = try Self.biasValues(b0, option: "--b0", count: studentUnits, units: "K")
            + Self.biasValues(teacherBias, option: "--teacher-bias", count: teacherUnits, units: "M")
        return bias == "trained" || given.contains { $0 != 0 }
    }

    /// `values` (one or `count`) expanded to one per unit; zeros when empty.
    static func perUnit(_ values: [Double], count: Int) -> [Double] {
        values.count == count ? values : [Double](repeating: values.first ?? 0, count: count)
    }

    /// b(0) from --b0 (zeros without it), one per student unit.
    func studentBiases() throws -> [Double] {
        Self.perUnit(try Self.biasValues(b0, option: "--b0", count: studentUnits, units: "K"), count: studentUnits)
    }
    /// b* from --teacher-bias (zeros without it), one per teacher unit.
    func teacherBiases() throws -> [Double] {
        Self.perUnit(try Self.biasValues(teacherBias, option: "--teacher-bias", count: teacherUnits, units: "M"), count: teacherUnits)
    }

    /// The scenario for `optimiser` (its rate is the first layer's, and the second layer's unless --lr2) and noise
    /// variance `noise`.
    func scenario(optimiser: Optimiser, noise: Double) throws -> CommitteeScenario {
        let student = try Activation.named(activation)
        let teacherActivation = try self.teacherActivation.map(Activation.named) ?? student
        var teacherSpec = TeacherSpecification.orthonormal
        var vStar: [Double]?
        switch teacher {
        case "orthonormal": teacherSpec = .orthonormal
        case "random": teacherSpec = .random
        default:
            let file = try CommitteeInputFile.teacher(from: URL(fileURLWithPath: teacher))
            guard file.units == teacherUnits else {
                throw ScenarioError("\(teacher): T is \(file.units)×\(file.units) but --M is \(teacherUnits)")
            }
            teacherSpec = .overlap(file.t)
            vStar = file.vStar
        }
        var initial = StudentInitialisation.random(variance: initVariance ?? 1)
        var v = [Double](repeating: v0 ?? 1, count: max(studentUnits, 0))
        if let q0, let r0 {
            initial = .diagonal(q0: q0, r0: r0, studentUnits: studentUnits, teacherUnits: teacherUnits)
        } else if let path = `init` {
            let file = try CommitteeInputFile.initialState(from: URL(fileURLWithPath: path))
            guard file.studentUnits == studentUnits, file.teacherUnits == teacherUnits else {
                throw ScenarioError("\(path): Q, R are for K = \(file.studentUnits), M = \(file.teacherUnits) but --K \(studentUnits) --M \(teacherUnits)")
            }
            initial = .overlaps(q: file.q, r: file.r)
            if let fileV = file.v {
                guard v0 == nil else { throw ScenarioError("\(path) sets \"v\", so --v0 would have no effect; give one of them") }
                v = fileV
            }
        }
        return try CommitteeScenario(
            studentUnits: studentUnits, teacherUnits: teacherUnits, studentActivation: student,
            teacherActivation: teacherActivation, optimiser: optimiser,
            secondLayerLearningRate: secondLayer == "trained" ? (lr2 ?? optimiser.learningRate) : nil,
            noiseVariance: noise, weightDecay: reg, teacher: teacherSpec, teacherSecondLayer: vStar,
            initialSecondLayer: v, initialStudent: initial, dropsSecondOrderTerms: smallLr,
            biasLearningRate: bias == "trained" ? (lrBias ?? optimiser.learningRate) : nil,
            initialBiases: try studentBiases(), teacherBiases: try teacherBiases())
    }
}

extension OnlineCommittee: DrawsFigures {}

extension OnlineCommitteeSweep: DrawsFigures {}
