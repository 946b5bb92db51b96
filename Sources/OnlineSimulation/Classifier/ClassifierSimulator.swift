import GaussianIntegrals
import Randomness
import Scenarios

/// Finite-d online SGD for `ClassifierScenario`: every seed draws its own teacher w* ~ N(0, ρ I), a student with
/// exactly the scenario's m(0), q(0), and then B (the batch size) fresh samples per step: x_b ~ N(0, I_d), the
/// label y_b = sign(w*·x_b/√d + σζ_b) flipped with probability p, and (`LinearStudentRun`)
///
///     w ← (1 − τλ_reg/d) w − (τ/√d)(1/B) Σ_b y_b L'(y_b λ_b) x_b,   λ_b = w·x_b/√d.
public struct ClassifierSimulator: Sendable {
    /// The problem simulated: teacher norm ρ, label noise σ² and flips p, loss L, λ_reg, optimiser and m(0), q(0).
    public let scenario: ClassifierScenario
    /// Input dimension d.
    public let dimension: Int
    /// Number of independent seeds (teacher, initial student and data all differ between seeds).
    public let seeds: Int
    /// Base seed; seed k uses the stream `Xoshiro256(seed: seed, stream: k)`.
    public let seed: UInt64
    /// A seed counts as diverged once m or q is non-finite or, for the square loss, once q exceeds this multiple of
    /// the problem's scale (`ClassifierScenario.divergenceBound`, from the seed's measured ρ̂ and initial state). The
    /// other losses have |L'| ≤ 1 and cannot diverge.
    public var divergenceFactor = DivergenceBound.defaultFactor

    /// A simulator of `seeds` seeds at dimension d; throws unless d > 0, `seeds` > 0 and the optimiser's scaled
    /// momentum fits d (γ ≤ d).
    public init(scenario: ClassifierScenario, dimension: Int, seeds: Int, seed: UInt64 = 1) throws {
        try ScenarioError.requirePositive("dimension d", dimension)
        try ScenarioError.requirePositive("number of seeds", seeds)
        try scenario.optimiser.requireScaledMomentumFits(dimension: dimension)
        self.scenario = scenario; self.dimension = dimension; self.seeds = seeds; self.seed = seed
    }

    /// Runs all seeds in parallel, recording m, q at the grid's steps. `progress` gets the fraction done.
    public func run(times: [Double], progress: (@Sendable (Double) -> Void)? = nil) throws -> ClassifierSimulationResult {
        let grid = try OutputGrid(times: times, dimension: dimension)
        let counter = progress.map { ProgressCounter(total: grid.totalSteps * seeds, report: $0) }
        let runs = forEachSeed(seeds) { seed in runSeed(seed, grid: grid, counter: counter) }
        return ClassifierSimulationResult(scenario: scenario, grid: grid, runs: runs)
    }

    func runSeed(_ seed: Int, grid: OutputGrid, counter: ProgressCounter?) -> LinearStudentSeed {
        var rng = Xoshiro256(seed: self.seed, stream: UInt64(seed))
        var pair = TeacherStudentPair(dimension: dimension, teacherNorm: scenario.teacherNorm, initialOverlap: scenario.initialOverlap,
                                      initialSelfOverlap: scenario.initialSelfOverlap, rng: &rng)
        let rho = pair.rho, loss = scenario.loss
        let sigma = scenario.noiseVariance.squareRoot(), flip = scenario.flipProbability
        let bound = scenario.divergenceBound(m0: scenario.initialOverlap, q0: scenario.initialSelfOverlap, rho: rho, factor: divergenceFactor)
        let square = scenario.loss == .square
        // With a schedule, the peak η(t) of the run against τ_c.
        let tEnd = grid.times.last ?? 0
        let unstable = scenario.criticalLearningRate.map { scenario.optimiser.peakRate(upTo: tEnd) >= $0 } ?? false
        let rate = scenario.optimiser.rateDescription(upTo: tEnd)
        let run = LinearStudentRun(
            pair: &pair, grid: grid, optimiser: scenario.optimiser, weightDecay: scenario.weightDecay, rng: &rng, counter: counter,
            slope: { lambda, nu, rng in
                var y: Double = (sigma > 0 ? nu + sigma * rng.nextGaussian() : nu) >= 0 ? 1 : -1
                if flip > 0, rng.nextUniform() < flip { y = -y }
                return y * loss.slope(margin: y * lambda)
            },
            exceeds: { m, q in
                if !m.isFinite || !q.isFinite { return bound.reason(m.isFinite ? "q" : "m", value: m.isFinite ? q : m) }
                guard square, bound.isExceeded(by: q) else { return nil }
                return bound.reason("q", value: q) + (unstable
                    ? ": \(rate) ≥ critical \(DivergenceBound.format(scenario.criticalLearningRate!))"
                    : " at finite d, although the \(rate) is below the d → ∞ critical "
                      + "\(DivergenceBound.format(scenario.criticalLearningRate!))")
            })
        let divergence = run.divergence.map { d in
            d.reason.contains("critical") || !square ? d : Divergence(time: d.time, reason: d.reason + (unstable
                ? "; \(rate) ≥ critical \(DivergenceBound.format(scenario.criticalLearningRate!))"
                : "; the \(rate) is below the critical \(DivergenceBound.format(scenario.criticalLearningRate!))"))
        }
        return .init(run: run, rho: rho, divergence: divergence)
    }
}

/// Order parameters of every seed on the output grid (`ensemble`: m, q, ρ̂, times), with each seed's classification
/// error and population loss; statistics through `statistics(of:)`, e.g. `result.statistics(of: \.classificationError)`.
public struct ClassifierSimulationResult: Sendable, LinearStudentSimulation {
    /// The trajectories of every seed: m, q, e, s, ρ̂, times and divergence.
    public let ensemble: LinearStudentEnsemble
    /// ε_g = arccos(m/√(qρ̂))/π = atan2(√(ρ̂ s), m)/π per seed, s = |w − (m/ρ̂)w*|²/d = q − m²/ρ̂ measured from the
    /// vectors (`LinearStudentEnsemble.s`), so that ε_g keeps its relative accuracy as the student aligns with the
    /// teacher: the exact classification error of that network.
    public let classificationError: [[Double]]
    /// The exact population loss of each seed's network, a function of its (m, q, s, ρ̂).
    public let loss: [[Double]]

    init(scenario: ClassifierScenario, grid: OutputGrid, runs: [LinearStudentSeed]) {
        let ensemble = LinearStudentEnsemble(grid: grid, runs: runs)
        let integrals = scenario.integrals
        var errors: [[Double]] = [], losses: [[Double]] = []
        for (seed, rho) in ensemble.rho.enumerated() {
            let (m, q, s) = (ensemble.m[seed], ensemble.q[seed], ensemble.s[seed])
            errors.append(zip(m, s).map { ClassifierIntegrals.classificationError(m: $0, orthogonal: $1, rho: rho) })
            losses.append(m.indices.map { integrals.populationLoss(m: m[$0], q: q[$0], orthogonal: s[$0], rho: rho) })
        }
        self.ensemble = ensemble
        classificationError = errors
        loss = losses
    }

    /// The result of the seeds in `ensemble`, with each seed's classification error and population loss
    /// (`classificationError[seed][k]`, `loss[seed][k]`) on the ensemble's grid.
    public init(ensemble: LinearStudentEnsemble, classificationError: [[Double]], loss: [[Double]]) {
        precondition(classificationError.count == ensemble.seedCount && loss.count == ensemble.seedCount,
                     "classificationError and loss must have one entry per seed of the ensemble")
        self.ensemble = ensemble; self.classificationError = classificationError; self.loss = loss
    }
}
