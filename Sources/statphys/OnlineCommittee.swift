import ArgumentParser
import Foundation
import StatPhysSGD

struct OnlineCommittee: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "committee",
        abstract: "Online SGD for two-layer committee machines (Saad–Solla / Goldt): any K, M and activation.",
        discussion: """
            Model: student φ(x) = Σ_k v_k g(w_k·x/√d) with K units, teacher φ*(x) = Σ_n v*_n g*(w*_n·x/√d) with M \
            units, y = φ*(x) + σζ with noise variance σ² (--noise). Step: w_k ← (1 − lr·reg/d) w_k \
            + (lr/√d) v_k g'(λ_k) Δ x, Δ = y − φ(x); with --second-layer trained also v_k ← v_k + (lr2/d) g(λ_k) Δ. \
            Time t = steps/d. Q = w wᵀ/d (K×K), R = w w*ᵀ/d (K×M), T = w* w*ᵀ/d; eg = ½E[(φ − φ*)²]. \
            Default v = v* = 1 (soft committee, no 1/K), T = I, second layer fixed.

            Initial conditions: --q0 X --r0 Y give Q(0) = X·I, R(0)_in = Y·δ_in (students built with exactly these \
            overlaps); --init FILE reads {"Q": [[…]], "R": [[…]], "v": […]}; otherwise students are random with \
            variance --init-variance and the theory starts from their measured overlaps (mean over seeds; with \
            --theory-only, one random student drawn at --d with --seed). For plateau studies prefer --q0/--r0, so \
            that theory and every seed start from the same overlaps. \
            --teacher orthonormal (T = I exactly), random (i.i.d. Gaussian, measured T), or FILE with {"T": [[…]]}.

            result.json keys: model, conventions, settings, t, theory {Q, R, v, eg} (Q, R as lists over t of \
            nested K×K, K×M lists), theory_initial {Q, R, T, v, v_star}, simulation {d, seeds, seed, t, T, \
            mean {Q, R, v, eg}, stderr {Q, R, v, eg}}, comparison, divergence. Also learning_curve.csv and figures.

            --stability linearises the ODE at the perfect-learning fixed point (K = M; erf, linear, tanh, sigmoid; \
            not ReLU, whose ODE has a kink there) and prints lr_max (largest \
            stable learning rate), lr_opt (fastest asymptotic convergence) and rate_opt; with --output also \
            writes DIR/stability.json.
            """)

    @OptionGroup var model: CommitteeModelOptions
    @Option(help: "First-layer learning rate η.") var lr = 0.5
    @Option(help: "Label-noise variance σ².") var noise = 0.0
    @Option(help: "Final time t = steps/d.") var tMax = 100.0
    @Option(help: "Number of output times.") var points = 201
    @Flag(help: "Logarithmically spaced output times (from t-max/1000).") var logGrid = false
    @Option(help: "Times of the R and Q heatmaps, comma-separated (default: 0, t/4, t/2, t).") var heatmapTimes: String?
    @Flag(help: "Report the maximal and optimal learning rates from the linearised ODE.") var stability = false
    @OptionGroup var simulation: SimulationOptions
    @Option(help: "Output directory (required except with --stability).") var output: String?
    @Flag(help: "Do not print progress on stderr.") var quiet = false

    func validate() throws {
        guard tMax > 0, tMax.isFinite else { throw ValidationError("--t-max must be positive, got \(tMax)") }
        guard noise >= 0 else { throw ValidationError("--noise is a variance and must be ≥ 0, got \(noise)") }
        guard points >= 3 else { throw ValidationError("--points must be at least 3, got \(points)") }
        guard stability || output != nil else { throw ValidationError("missing --output DIR") }
    }

    func run() throws {
        let scenario = try model.scenario(lr: lr, noise: noise)
        if stability { return try runStability(scenario) }
        let directory = URL(fileURLWithPath: output!, isDirectory: true)
        try AtomicFile.prepareDirectory(directory)
        var experiment = CommitteeExperiment(
            scenario: scenario, tMax: tMax, points: points, logarithmicGrid: logGrid,
            simulation: simulation.theoryOnly ? nil : SimulationSettings(
                dimension: simulation.dimension, seeds: simulation.seeds, seed: simulation.seed))
        experiment.initialDimension = simulation.dimension
        experiment.initialSeed = simulation.seed
        experiment.quadratureOrder = model.quadratureOrder
        let progress = ProgressReporter(label: simulation.theoryOnly ? "solving" : "simulating", enabled: !quiet)
        let result = try experiment.run(progress: { progress.update($0) })
        progress.finish()
        let heatmaps = try heatmapTimes.map(parseTimes) ?? [0, tMax / 4, tMax / 2, tMax]
        let files = try result.write(to: directory, heatmapTimes: heatmaps)
        print(result.summaryTable().text, terminator: "")
        if let worst = result.comparisons.max(by: { $0.maxAbsZScore < $1.maxAbsZScore }) {
            print("largest deviation: \(worst.name), max |z| = \(TextTable.format(worst.maxAbsZScore, digits: 3)); "
                  + "eg max |sim − theory| = \(TextTable.format(result.comparisons[0].maxAbsDeviation, digits: 3))")
        }
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
            let directory = URL(fileURLWithPath: output, isDirectory: true)
            try AtomicFile.prepareDirectory(directory)
            let file = directory.appendingPathComponent("stability.json")
            try AtomicFile.write(result.json(scenario: scenario).serialized() + "\n", to: file)
            reportWritten([file])
        }
    }
}

struct OnlineCommitteeSweep: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "committee-sweep",
        abstract: "Final generalisation error of committee machines (ODE) over learning rates and noise variances.",
        discussion: """
            Solves the committee ODEs to --t-max for every (lr, noise) pair, all other settings as in \
            `statphys online committee` (initial overlaps required: --q0/--r0 or --init). Typical use: over-parameterised \
            students (K > M) with label noise, whose asymptotic error grows with lr and noise. \
            final_error.json: {settings, t_max, lr, noise, final_eg: [[…]] (rows: noise, columns: lr; null = diverged)}; \
            figure final_error.svg. \
            On a cluster: --slurm n writes DIR/slurm/ scripts that run n shards (--shard i/n) as a Slurm array and then \
            --merge; see `statphys dmft threshold --help`.
            """)

    @OptionGroup var model: CommitteeModelOptions
    @Option(help: "Learning rates: start:stop:step or comma-separated.") var lr = "0.1:1.0:0.1"
    @Option(help: "Noise variances, comma-separated.") var noise = "0,0.01,0.1"
    @Option(help: "Final time.") var tMax = 1000.0
    @Option(help: "Output directory.") var output: String
    @Flag(help: "Do not print progress on stderr.") var quiet = false
    @OptionGroup(title: "Cluster") var cluster: ClusterOptions

    func run() throws {
        let base = try model.scenario(lr: 1, noise: 0)
        var sweep = try CommitteeFinalErrorSweep(
            base: base, learningRates: try DMFTThreshold.parseList(lr, name: "--lr"),
            noiseVariances: try DMFTThreshold.parseList(noise, name: "--noise"), tMax: tMax)
        sweep.secondLayerRateFollows = model.lr2 == nil
        sweep.quadratureOrder = model.quadratureOrder
        let directory = URL(fileURLWithPath: output, isDirectory: true)
        try cluster.run(sweep, name: "statphys-committee-sweep", directory: directory, quiet: quiet) { result in
            print(result.table.text, terminator: "")
            reportWritten(try result.write(to: directory))
        }
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
    @Option(help: "Variance of a random initial student's weights.") var initVariance = 1.0
    @Option(help: "Initial student second-layer weights (all equal).") var v0 = 1.0
    @Flag(help: "Drop the η² terms (small-learning-rate limit), for comparison.") var smallLr = false
    @Option(help: "Nodes per dimension of the 3-D and 4-D integrals without a closed form (trapezoid rule when tanh is involved, Gauss–Hermite for sigmoid and other activations); see the README for the accuracy.") var quadratureOrder = CommitteeIntegrals.defaultQuadratureOrder

    func validate() throws {
        guard ["fixed", "trained"].contains(secondLayer) else {
            throw ValidationError("--second-layer must be 'fixed' or 'trained', got '\(secondLayer)'")
        }
        guard (q0 == nil) == (r0 == nil) else { throw ValidationError("--q0 and --r0 go together") }
        guard q0 == nil || `init` == nil else { throw ValidationError("give either --q0/--r0 or --init, not both") }
        guard (2...200).contains(quadratureOrder) else {
            throw ValidationError("--quadrature-order must be between 2 and 200, got \(quadratureOrder)")
        }
    }

    /// The scenario for first-layer learning rate `lr` and noise variance `noise`.
    func scenario(lr: Double, noise: Double) throws -> CommitteeScenario {
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
                throw ValidationError("\(teacher): T is \(file.units)×\(file.units) but --M is \(teacherUnits)")
            }
            teacherSpec = .overlap(file.t)
            vStar = file.vStar
        }
        var initial = StudentInitialisation.random(variance: initVariance)
        var v = [Double](repeating: v0, count: max(studentUnits, 0))
        if let q0, let r0 {
            initial = .diagonal(q0: q0, r0: r0, studentUnits: studentUnits, teacherUnits: teacherUnits)
        } else if let path = `init` {
            let file = try CommitteeInputFile.initialState(from: URL(fileURLWithPath: path))
            guard file.studentUnits == studentUnits, file.teacherUnits == teacherUnits else {
                throw ValidationError("\(path): Q, R are for K = \(file.studentUnits), M = \(file.teacherUnits) but --K \(studentUnits) --M \(teacherUnits)")
            }
            initial = .overlaps(q: file.q, r: file.r)
            if let fileV = file.v { v = fileV }
        }
        return try CommitteeScenario(
            studentUnits: studentUnits, teacherUnits: teacherUnits, studentActivation: student,
            teacherActivation: teacherActivation, learningRate: lr,
            secondLayerLearningRate: secondLayer == "trained" ? (lr2 ?? lr) : nil,
            noiseVariance: noise, weightDecay: reg, teacher: teacherSpec, teacherSecondLayer: vStar,
            initialSecondLayer: v, initialStudent: initial, dropsSecondOrderTerms: smallLr)
    }
}
