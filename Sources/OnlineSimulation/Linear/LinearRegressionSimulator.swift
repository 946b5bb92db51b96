import Foundation
import Randomness
import Scenarios

/// Finite-d online SGD for `LinearRegressionScenario`: every seed draws its own teacher w* ~ N(0, ρ I),
/// an initial student with exactly the scenario's m(0) and q(0) (given the drawn teacher), and then one
/// fresh sample x ~ N(0, I_d), ξ ~ N(0, 1) per step, applying
///
///     w ← (1 − τλ/d) w − (τ/√d)(ŷ − y) x,   ŷ − y = (w − w*)·x/√d − σ ξ.
public struct LinearRegressionSimulator: Sendable {
    public let scenario: LinearRegressionScenario
    /// Input dimension d.
    public let dimension: Int
    /// Number of independent seeds (teacher, initial student and data all differ between seeds).
    public let seeds: Int
    /// Base seed; seed k uses the stream `Xoshiro256(seed: baseSeed, stream: k)`.
    public let baseSeed: UInt64
    /// A seed counts as diverged once e_g exceeds this multiple of max(1, ρ, e_g(0)).
    public var divergenceFactor = 1e6

    public init(scenario: LinearRegressionScenario, dimension: Int, seeds: Int, baseSeed: UInt64 = 1) throws {
        try ScenarioError.requirePositive("dimension d", dimension)
        try ScenarioError.requirePositive("number of seeds", seeds)
        self.scenario = scenario
        self.dimension = dimension
        self.seeds = seeds
        self.baseSeed = baseSeed
    }

    /// Runs all seeds in parallel, recording m, q at the grid's steps. `progress` gets the fraction done.
    public func run(times: [Double], progress: (@Sendable (Double) -> Void)? = nil) throws -> LinearSimulationResult {
        let grid = try OutputGrid(times: times, dimension: dimension)
        let counter = progress.map { ProgressCounter(total: grid.totalSteps * seeds, report: $0) }
        let runs = forEachSeed(seeds) { seed in runSeed(seed, grid: grid, counter: counter) }
        return LinearSimulationResult(grid: grid, runs: runs)
    }

    /// One seed's trajectory.
    struct SeedRun: Sendable {
        var m: [Double]
        var q: [Double]
        var rho: Double
        var divergence: Divergence?
    }

    func runSeed(_ seed: Int, grid: OutputGrid, counter: ProgressCounter?) -> SeedRun {
        let d = dimension, dd = Double(d)
        var rng = Xoshiro256(seed: baseSeed, stream: UInt64(seed))
        var teacher = [Double](repeating: 0, count: d)
        var student = [Double](repeating: 0, count: d)
        var x = [Double](repeating: 0, count: d)
        rng.fillGaussian(&teacher)
        let sqrtRho = scenario.teacherNorm.squareRoot()
        for i in 0..<d { teacher[i] *= sqrtRho }
        let rho = teacher.reduce(0) { $0 + $1 * $1 } / dd

        // z ⟂ w*, |z|² = d; then w = (m0/ρ̂) w* + √(q0 − m0²/ρ̂) z has m(0) = m0 and q(0) = q0 exactly.
        rng.fillGaussian(&student)
        let projection = zip(student, teacher).reduce(0) { $0 + $1.0 * $1.1 } / (rho * dd)
        for i in 0..<d { student[i] -= projection * teacher[i] }
        let zNorm = (student.reduce(0) { $0 + $1 * $1 } / dd).squareRoot()
        let m0 = scenario.initialOverlap
        let a = m0 / rho, b = max(0, scenario.initialSelfOverlap - m0 * m0 / rho).squareRoot() / zNorm
        for i in 0..<d { student[i] = a * teacher[i] + b * student[i] }

        let tau = scenario.learningRate, sigma = scenario.noiseVariance.squareRoot()
        let shrink = 1 - tau * scenario.weightDecay / dd, invSqrtD = 1 / dd.squareRoot()
        var m = [Double](), q = [Double]()
        m.reserveCapacity(grid.steps.count); q.reserveCapacity(grid.steps.count)
        var divergence: Divergence?
        var bound = Double.infinity

        teacher.withUnsafeBufferPointer { wStar in
            student.withUnsafeMutableBufferPointer { w in
                x.withUnsafeMutableBufferPointer { x in
                    var step = 0, previous = 0
                    for target in grid.steps {
                        while step < target {
                            rng.fillGaussian(x)
                            let (ws, ts) = VectorKernels.dots(w.baseAddress!, wStar.baseAddress!, with: x.baseAddress!, count: d)
                            let error = (ws - ts) * invSqrtD - sigma * rng.nextGaussian()
                            guard abs(error) < 1e150 else {
                                divergence = Divergence(time: Double(step) / dd, reason: "the prediction error overflowed")
                                return
                            }
                            VectorKernels.scaleAdd(w.baseAddress!, shrink, x.baseAddress!, -tau * error * invSqrtD, count: d)
                            step += 1
                        }
                        let mk = VectorKernels.dot(w.baseAddress!, wStar.baseAddress!, count: d) / dd
                        let qk = VectorKernels.dot(w.baseAddress!, w.baseAddress!, count: d) / dd
                        let eg = 0.5 * (rho - 2 * mk + qk)
                        if m.isEmpty { bound = divergenceFactor * max(1, rho, eg) }
                        guard eg.isFinite, eg <= bound else {
                            divergence = Divergence(time: Double(step) / dd, reason: "e_g exceeded \(bound)")
                            return
                        }
                        m.append(mk); q.append(qk)
                        counter?.add(target - previous)
                        previous = target
                    }
                }
            }
        }
        return SeedRun(m: m, q: q, rho: rho, divergence: divergence)
    }
}

/// Order parameters of every seed on the output grid, with ensemble statistics.
public struct LinearSimulationResult: Sendable {
    public let grid: OutputGrid
    /// m and q per seed (`m[seed][k]`), truncated at the first divergence of any seed.
    public let m: [[Double]]
    public let q: [[Double]]
    /// The measured teacher norm ρ̂ = |w*|²/d of each seed.
    public let rho: [Double]
    /// The earliest divergence among seeds, if any.
    public let divergence: Divergence?

    init(grid: OutputGrid, runs: [LinearRegressionSimulator.SeedRun]) {
        self.grid = grid
        let length = runs.map(\.m.count).min() ?? 0
        m = runs.map { Array($0.m.prefix(length)) }
        q = runs.map { Array($0.q.prefix(length)) }
        rho = runs.map(\.rho)
        divergence = runs.compactMap(\.divergence).min { $0.time < $1.time }
    }

    /// Times reached by every seed.
    public var times: [Double] { Array(grid.times.prefix(m.first?.count ?? 0)) }

    /// e_g = ½(ρ̂ − 2m + q) per seed.
    public var generalisationError: [[Double]] {
        zip(zip(m, q), rho).map { pair, rho in zip(pair.0, pair.1).map { 0.5 * (rho - 2 * $0 + $1) } }
    }

    /// The mean measured initial state: the theory's starting point in a comparison.
    public var meanInitialState: LinearOrderParameters {
        let n = Double(m.count)
        return LinearOrderParameters(
            m: m.reduce(0) { $0 + ($1.first ?? .nan) } / n,
            q: q.reduce(0) { $0 + ($1.first ?? .nan) } / n,
            rho: rho.reduce(0, +) / n)
    }

    public var statisticsM: EnsembleStatistics { EnsembleStatistics(samples: m) }
    public var statisticsQ: EnsembleStatistics { EnsembleStatistics(samples: q) }
    public var statisticsGeneralisationError: EnsembleStatistics { EnsembleStatistics(samples: generalisationError) }
}
