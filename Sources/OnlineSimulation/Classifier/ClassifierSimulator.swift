import GaussianIntegrals
import Randomness
import Scenarios

/// Finite-d online SGD for `ClassifierScenario`: every seed draws its own teacher w* ~ N(0, ρ I), a student with
/// exactly the scenario's m(0), q(0), and then one fresh sample per step: x ~ N(0, I_d), the label
/// y = sign(w*·x/√d + σζ) flipped with probability p, and
///
///     w ← (1 − τλ_reg/d) w − (τ/√d) y L'(y λ) x,   λ = w·x/√d.
public struct ClassifierSimulator: Sendable {
    public let scenario: ClassifierScenario
    /// Input dimension d.
    public let dimension: Int
    /// Number of independent seeds (teacher, initial student and data all differ between seeds).
    public let seeds: Int
    /// Base seed; seed k uses the stream `Xoshiro256(seed: baseSeed, stream: k)`.
    public let baseSeed: UInt64
    /// A seed counts as diverged once q exceeds this multiple of max(1, ρ, q(0)).
    public var divergenceFactor = 1e6

    public init(scenario: ClassifierScenario, dimension: Int, seeds: Int, baseSeed: UInt64 = 1) throws {
        try ScenarioError.requirePositive("dimension d", dimension)
        try ScenarioError.requirePositive("number of seeds", seeds)
        self.scenario = scenario; self.dimension = dimension; self.seeds = seeds; self.baseSeed = baseSeed
    }

    /// Runs all seeds in parallel, recording m, q at the grid's steps. `progress` gets the fraction done.
    public func run(times: [Double], progress: (@Sendable (Double) -> Void)? = nil) throws -> ClassifierSimulationResult {
        let grid = try OutputGrid(times: times, dimension: dimension)
        let counter = progress.map { ProgressCounter(total: grid.totalSteps * seeds, report: $0) }
        let runs = forEachSeed(seeds) { seed in runSeed(seed, grid: grid, counter: counter) }
        return ClassifierSimulationResult(scenario: scenario, grid: grid, runs: runs)
    }

    func runSeed(_ seed: Int, grid: OutputGrid, counter: ProgressCounter?) -> LinearStudentSeed {
        var rng = Xoshiro256(seed: baseSeed, stream: UInt64(seed))
        var pair = TeacherStudentPair(dimension: dimension, teacherNorm: scenario.teacherNorm, initialOverlap: scenario.initialOverlap,
                                      initialSelfOverlap: scenario.initialSelfOverlap, rng: &rng)
        let rho = pair.rho, loss = scenario.loss
        let sigma = scenario.noiseVariance.squareRoot(), flip = scenario.flipProbability
        let bound = divergenceFactor * max(1, rho, scenario.initialSelfOverlap)
        let run = LinearStudentRun(
            pair: &pair, grid: grid, learningRate: scenario.learningRate, weightDecay: scenario.weightDecay, rng: &rng, counter: counter,
            slope: { lambda, nu, rng in
                var y: Double = (sigma > 0 ? nu + sigma * rng.nextGaussian() : nu) >= 0 ? 1 : -1
                if flip > 0, rng.nextUniform() < flip { y = -y }
                return y * loss.slope(margin: y * lambda)
            },
            exceeds: { _, q in q.isFinite && q <= bound ? nil : "q exceeded \(bound)" })
        return .init(m: run.m, q: run.q, rho: rho, divergence: run.divergence)
    }
}

/// Order parameters of every seed on the output grid, with ensemble statistics.
public struct ClassifierSimulationResult: Sendable {
    public let grid: OutputGrid
    /// m and q per seed (`m[seed][k]`), truncated at the first divergence of any seed.
    public let m: [[Double]]
    public let q: [[Double]]
    /// The measured teacher norm ρ̂ = |w*|²/d of each seed.
    public let rho: [Double]
    /// ε_g = arccos(m/√(qρ̂))/π per seed: the exact classification error of that network.
    public let classificationError: [[Double]]
    /// The exact population loss of each seed's network, a function of its (m, q, ρ̂).
    public let loss: [[Double]]
    /// The earliest divergence among seeds, if any.
    public let divergence: Divergence?

    init(scenario: ClassifierScenario, grid: OutputGrid, runs: [LinearStudentSeed]) {
        self.grid = grid
        let length = runs.map(\.m.count).min() ?? 0
        m = runs.map { Array($0.m.prefix(length)) }
        q = runs.map { Array($0.q.prefix(length)) }
        rho = runs.map(\.rho)
        divergence = runs.compactMap(\.divergence).min { $0.time < $1.time }
        let integrals = scenario.integrals
        var errors: [[Double]] = [], losses: [[Double]] = []
        for (seed, rho) in rho.enumerated() {
            errors.append(zip(m[seed], q[seed]).map { ClassifierIntegrals.classificationError(m: $0, q: $1, rho: rho) })
            losses.append(zip(m[seed], q[seed]).map { integrals.expectations(m: $0, q: $1, rho: rho).loss })
        }
        classificationError = errors
        loss = losses
    }

    /// Times reached by every seed.
    public var times: [Double] { Array(grid.times.prefix(m.first?.count ?? 0)) }

    /// The mean measured initial state: the theory's starting point in a comparison.
    public var meanInitialState: LinearOrderParameters {
        let n = Double(m.count)
        return LinearOrderParameters(m: m.reduce(0) { $0 + ($1.first ?? .nan) } / n, q: q.reduce(0) { $0 + ($1.first ?? .nan) } / n,
                                     rho: rho.reduce(0, +) / n)
    }

    public var statisticsM: EnsembleStatistics { EnsembleStatistics(samples: m) }
    public var statisticsQ: EnsembleStatistics { EnsembleStatistics(samples: q) }
    public var statisticsClassificationError: EnsembleStatistics { EnsembleStatistics(samples: classificationError) }
    public var statisticsLoss: EnsembleStatistics { EnsembleStatistics(samples: loss) }
}
