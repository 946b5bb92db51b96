import Foundation
import Randomness
import Scenarios

/// Finite-d online SGD for `LinearRegressionScenario`: every seed draws its own teacher w* ~ N(0, ρ I),
/// an initial student with exactly the scenario's m(0) and q(0) (given the drawn teacher), and then B (the batch
/// size) fresh samples x_b ~ N(0, I_d), ξ_b ~ N(0, 1) per step, applying (`LinearStudentRun`)
///
///     w ← (1 − τλ/d) w − (τ/√d)(1/B) Σ_b (ŷ_b − y_b) x_b,   ŷ − y = (w − w*)·x/√d − σ ξ,
///
/// or, with momentum, the heavy-ball step of `LinearStudentRun` with the same (batch-mean) gradient.
public struct LinearRegressionSimulator: Sendable {
    /// The problem simulated: teacher norm ρ, label noise σ², weight decay λ, optimiser and m(0), q(0).
    public let scenario: LinearRegressionScenario
    /// Input dimension d.
    public let dimension: Int
    /// Number of independent seeds (teacher, initial student and data all differ between seeds).
    public let seeds: Int
    /// Base seed; seed k uses the stream `Xoshiro256(seed: seed, stream: k)`.
    public let seed: UInt64
    /// A seed counts as diverged once its e_g is non-finite or exceeds this multiple of the problem's scale
    /// (`LinearRegressionScenario.divergenceBound`, from the seed's measured ρ̂, m(0), q(0), e_g(0) and the steady state).
    public var divergenceFactor = DivergenceBound.defaultFactor

    /// A simulator of `seeds` seeds at dimension d; throws unless d > 0, `seeds` > 0 and the optimiser's scaled
    /// momentum fits d (γ ≤ d).
    public init(scenario: LinearRegressionScenario, dimension: Int, seeds: Int, seed: UInt64 = 1) throws {
        try ScenarioError.requirePositive("dimension d", dimension)
        try ScenarioError.requirePositive("number of seeds", seeds)
        try scenario.optimiser.requireScaledMomentumFits(dimension: dimension)
        self.scenario = scenario
        self.dimension = dimension
        self.seeds = seeds
        self.seed = seed
    }

    /// Runs all seeds in parallel, recording m, q at the grid's steps. `progress` gets the fraction done.
    public func run(times: [Double], progress: (@Sendable (Double) -> Void)? = nil) throws -> LinearSimulationResult {
        let grid = try OutputGrid(times: times, dimension: dimension)
        let counter = progress.map { ProgressCounter(total: grid.totalSteps * seeds, report: $0) }
        let runs = forEachSeed(seeds) { seed in runSeed(seed, grid: grid, counter: counter) }
        return LinearSimulationResult(grid: grid, runs: runs)
    }

    func runSeed(_ seed: Int, grid: OutputGrid, counter: ProgressCounter?) -> LinearStudentSeed {
        var rng = Xoshiro256(seed: self.seed, stream: UInt64(seed))
        var pair = TeacherStudentPair(dimension: dimension, teacherNorm: scenario.teacherNorm, initialOverlap: scenario.initialOverlap,
                                      initialSelfOverlap: scenario.initialSelfOverlap, rng: &rng)
        let rho = pair.rho
        let sigma = scenario.noiseVariance.squareRoot()
        var bound: DivergenceBound?
        let factor = divergenceFactor
        // With a schedule, the peak η(t) of the run against τ_c.
        let tEnd = grid.times.last ?? 0
        let unstable = scenario.optimiser.peakRate(upTo: tEnd) >= scenario.criticalLearningRate
        let rate = scenario.optimiser.rateDescription(upTo: tEnd)
        let run = LinearStudentRun(
            pair: &pair, grid: grid, optimiser: scenario.optimiser, weightDecay: scenario.weightDecay, rng: &rng, counter: counter,
            slope: { lambda, nu, rng in lambda - nu - sigma * rng.nextGaussian() },  // ŷ − y
            exceeds: { m, q in
                let eg = 0.5 * (rho - 2 * m + q)
                let limit = bound ?? scenario.divergenceBound(from: LinearOrderParameters(m: m, q: q, rho: rho), factor: factor)
                bound = limit
                guard limit.isExceeded(by: eg) || !m.isFinite || !q.isFinite else { return nil }
                let reason = limit.reason("e_g", value: eg)
                return reason + (unstable
                    ? ": \(rate) ≥ critical \(DivergenceBound.format(scenario.criticalLearningRate))"
                    : " at finite d, although the \(rate) is below the d → ∞ critical "
                      + "\(DivergenceBound.format(scenario.criticalLearningRate))")
            })
        // An overflow of the gradient says what overflowed; add whether the rate is past the critical one.
        let divergence = run.divergence.map { d in
            d.reason.contains("critical") ? d : Divergence(time: d.time, reason: d.reason + (unstable
                ? "; \(rate) ≥ critical \(DivergenceBound.format(scenario.criticalLearningRate))"
                : "; the \(rate) is below the critical \(DivergenceBound.format(scenario.criticalLearningRate))"))
        }
        return LinearStudentSeed(run: run, rho: rho, divergence: divergence)
    }
}

/// Order parameters of every seed on the output grid (`ensemble`: m, q, ρ̂, times), with the regression's
/// generalisation error; statistics through `statistics(of:)`, e.g. `result.statistics(of: \.generalisationError)`.
public struct LinearSimulationResult: Sendable, LinearStudentSimulation {
    /// The trajectories of every seed: m, q, e, s, ρ̂, times and divergence.
    public let ensemble: LinearStudentEnsemble

    init(grid: OutputGrid, runs: [LinearStudentSeed]) {
        ensemble = LinearStudentEnsemble(grid: grid, runs: runs)
    }

    /// The result of the seeds in `ensemble`.
    public init(ensemble: LinearStudentEnsemble) { self.ensemble = ensemble }

    /// e_g = ½(ρ̂ − 2m + q) = ½|w − w*|²/d per seed, measured from the vectors as a sum of squares of differences
    /// (`LinearStudentEnsemble.e`): from m and q it would cancel to ≈ 1e-16 near perfect learning.
    public var generalisationError: [[Double]] { ensemble.e }
}
