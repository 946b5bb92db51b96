import Dispatch
import Randomness
import RealModule
@_exported import Statistics
import Synchronization

/// Floating-point precision of a simulation's couplings and vectors.
public enum SimulationPrecision: String, Sendable, CaseIterable {
    /// `Double` or `Float` for the couplings J, the iterate x, the pair vector and the gradient (`float` halves J's
    /// memory); the labels and the observables m, C, e are accumulated in `Double` either way.
    case double, float
}

/// Finite-N simulation of GD/SGD on the Kamali–Urbani problem, several independent seeds (disorder realisations:
/// signal, couplings, initial point and batches) in parallel.
///
/// The couplings of data sample μ are stored as one row of a P × N(N−1)/2 matrix, so that the fields are one
/// matrix–vector product with the pair vector p = vec_{i<j}(x xᵀ): v_μ = J_μ·p/N, and the gradient is
/// ∂H/∂x_k = Σ_{j≠k} A_kj x_j with A = vec⁻¹(Σ_μ s_μ r_μ J_μ)/N (÷ b for SGD) — one pass over J per step.
/// When the matrix would exceed `maxMemoryBytes`, each row is regenerated every step from its own seeded
/// stream instead (the same numbers either way). Seed k uses `Xoshiro256(seed: seed, stream: k)` for the
/// signal, initial point and batch masks, so results do not depend on the number of threads.
public struct SignalRecoverySimulator: Sendable {
    /// The problem simulated (α, η, b, m0, c0, T, spherical).
    public let problem: SignalRecoveryProblem
    /// Dimension N (of the signal x*).
    public let dimension: Int
    /// Number of independent seeds (each draws its own signal, couplings, initial point and batches).
    public let seeds: Int
    /// Base seed; seed k uses the stream `Xoshiro256(seed: seed, stream: k)`.
    public let seed: UInt64
    /// Precision of the couplings and vectors (`SimulationPrecision`); `.double` by default.
    public var precision: SimulationPrecision = .double
    /// Above this, rows of J are generated on the fly.
    public var maxMemoryBytes = 4 << 30
    /// Steps s at which the two-time correlation C(t, s), t ≥ s, is recorded.
    public var anchors: [Int] = []
    /// A seed counts as diverged once m(t) or C(t,t) is non-finite or C(t,t) exceeds this multiple of the problem's
    /// scale max(|x*|²/N = 1, c0), as in `DMFTSolver`.
    public var divergenceFactor = 1e8

    /// A simulator of `seeds` seeds at dimension N; throws `DMFTError` unless 2 ≤ N ≤ `maximumDimension`, `seeds` ≥ 1
    /// and 1 ≤ P = round(αN) ≤ 10¹⁵.
    public init(problem: SignalRecoveryProblem, dimension: Int, seeds: Int, seed: UInt64 = 1) throws {
        guard dimension >= 2 else { throw DMFTError.invalidParameter("dimension N must be at least 2, got \(dimension)") }
        // N(N−1)/2 pairs must be countable without overflow.
        guard dimension <= Self.maximumDimension else {
            throw DMFTError.invalidParameter("dimension N must be at most \(Self.maximumDimension), got \(dimension)")
        }
        guard seeds >= 1 else { throw DMFTError.invalidParameter("number of seeds must be positive, got \(seeds)") }
        let p = (problem.alpha * Double(dimension)).rounded()
        guard p >= 1 else {
            throw DMFTError.inconsistent("alpha·N must give at least one sample, got alpha = \(problem.alpha), N = \(dimension)")
        }
        guard p <= 1e15 else {
            throw DMFTError.inconsistent("alpha·N = \(p) samples is too many to simulate (at most 10^15)")
        }
        self.problem = problem
        self.dimension = dimension
        self.seeds = seeds
        self.seed = seed
    }

    /// The largest N: N(N−1) then still fits a 64-bit integer.
    public static let maximumDimension = 3_037_000_499

    /// P = round(αN).
    public var sampleCount: Int { Int((problem.alpha * Double(dimension)).rounded()) }
    /// N(N−1)/2.
    public var pairCount: Int { dimension * (dimension - 1) / 2 }
    /// Whether J is regenerated each step rather than stored.
    public var generatesCouplingsOnTheFly: Bool {
        Self.couplingsExceed(maxMemoryBytes, problem: problem, dimension: dimension, precision: precision)
    }

    /// Whether the P × N(N−1)/2 couplings (P = round(αN)) in `precision` need more than `bytes`.
    public static func couplingsExceed(_ bytes: Int, problem: SignalRecoveryProblem, dimension n: Int, precision: SimulationPrecision) -> Bool {
        let p = (problem.alpha * Double(n)).rounded()
        return p * (Double(n) * Double(n - 1) / 2) * Double(precision == .double ? 8 : 4) > Double(bytes)
    }

    /// Runs every seed (in parallel); `progress` receives the fraction of steps done.
    public func run(progress: (@Sendable (Double) -> Void)? = nil) -> SignalRecoverySimulationResult {
        let done = Mutex(0)
        let total = seeds * problem.steps
        let runs = Mutex<[SeedTrajectory?]>(Array(repeating: nil, count: seeds))
        DispatchQueue.concurrentPerform(iterations: seeds) { seed in
            let tick: (Int) -> Void = { count in
                let value = done.withLock { $0 += count; return $0 }
                progress?(Double(value) / Double(max(total, 1)))
            }
            let trajectory = precision == .double
                ? runSeed(seed, as: Double.self, tick: tick) : runSeed(seed, as: Float.self, tick: tick)
            runs.withLock { $0[seed] = trajectory }
        }
        return SignalRecoverySimulationResult(problem: problem, dimension: dimension, anchors: anchors,
                                              trajectories: runs.withLock { $0.map { $0! } })
    }

    /// The couplings' generator for row μ of seed k: independent of storage and thread count.
    func rowGenerator(seed index: Int, row: Int) -> Xoshiro256 {
        Xoshiro256(seed: seed ^ 0x5DEE_CE66_D1CE_4E5B, stream: UInt64(index) << 32 | UInt64(row))
    }

    func runSeed<S: Real & BinaryFloatingPoint>(_ index: Int, as: S.Type, tick: (Int) -> Void) -> SeedTrajectory {
        let n = dimension, p = sampleCount, pairs = pairCount, steps = problem.steps
        let eta = problem.learningRate, b = problem.batchFraction, nn = Double(n)
        var rng = Xoshiro256(seed: seed, stream: UInt64(index))
        // Signal with |x*|² = N, and x(0) = m0 x* + √(c0 − m0²) z, z ⟂ x*, |z|² = N.
        var signal = [Double](repeating: 0, count: n), z = signal
        rng.fillGaussian(&signal)
        let scale = (nn / signal.reduce(0) { $0 + $1 * $1 }).squareRoot()
        for i in 0..<n { signal[i] *= scale }
        rng.fillGaussian(&z)
        let projection = zip(z, signal).reduce(0) { $0 + $1.0 * $1.1 } / nn
        for i in 0..<n { z[i] -= projection * signal[i] }
        let zScale = (nn / z.reduce(0) { $0 + $1 * $1 }).squareRoot()
        let m0 = problem.initialOverlap, spread = max(0, problem.initialNorm - m0 * m0).squareRoot()
        var x = (0..<n).map { S(m0 * signal[$0] + spread * zScale * z[$0]) }

        // Couplings (stored, or regenerated per step) and labels y_μ = J_μ·vec(x* x*ᵀ)/N.
        let onTheFly = generatesCouplingsOnTheFly
        var stored = onTheFly ? [] : [S](repeating: 0, count: p * pairs)
        var row = [S](repeating: 0, count: pairs)
        func fillRow(_ mu: Int, into buffer: UnsafeMutablePointer<S>) {
            var generator = rowGenerator(seed: index, row: mu)
            for e in 0..<pairs { buffer[e] = S(generator.nextGaussian()) }
        }
        var signalPairs = [Double](repeating: 0, count: pairs)
        var e = 0
        for i in 0..<n { for j in (i + 1)..<n { signalPairs[e] = signal[i] * signal[j]; e += 1 } }
        var labels = [Double](repeating: 0, count: p)
        stored.withUnsafeMutableBufferPointer { storage in
            row.withUnsafeMutableBufferPointer { rowBuffer in
                for mu in 0..<p {
                    let target = onTheFly ? rowBuffer.baseAddress! : storage.baseAddress! + mu * pairs
                    fillRow(mu, into: target)
                    var s = 0.0
                    for e in 0..<pairs { s += Double(target[e]) * signalPairs[e] }
                    labels[mu] = s / nn
                }
            }
        }

        var trajectory = SeedTrajectory(anchors: anchors)
        var pairBuffer = [S](repeating: 0, count: pairs), a = pairBuffer
        var gradient = [S](repeating: 0, count: n)
        var anchorVectors: [[S]] = []
        for t in 0...steps {
            // Observables at x(t).
            var overlap = 0.0, norm = 0.0
            for i in 0..<n { overlap += Double(x[i]) * signal[i]; norm += Double(x[i]) * Double(x[i]) }
            let mt = overlap / nn, ct = norm / nn
            if anchors.contains(t) { anchorVectors.append(x) }
            let twoTime = anchorVectors.map { v in zip(v, x).reduce(0.0) { $0 + Double($1.0) * Double($1.1) } / nn }
            let limit = divergenceFactor * max(1, problem.initialNorm)
            let diverged = !ct.isFinite || !mt.isFinite || ct > limit
            if diverged {
                trajectory.divergence = t
                trajectory.divergenceReason = ct.isFinite && mt.isFinite
                    ? "C(t,t) = |x|²/N grew to \(ct) at step \(t) (≥ \(divergenceFactor) × the problem's scale max(|x*|²/N = 1, c0) = \(limit / divergenceFactor))"
                    : "\(ct.isFinite ? "m(t)" : "C(t,t) = |x|²/N") became non-finite at step \(t)"
                // The initial point is kept even when it is the one that diverged, so every seed has step 0.
                guard t == 0 else { break }
            }
            // Pair vector, fields, residuals and A = Σ_μ c_μ J_μ in one pass over J.
            var loss = 0.0
            pairBuffer.withUnsafeMutableBufferPointer { pb in
            a.withUnsafeMutableBufferPointer { ab in
            stored.withUnsafeMutableBufferPointer { storage in
            row.withUnsafeMutableBufferPointer { rowBuffer in
                var e = 0
                for i in 0..<n { for j in (i + 1)..<n { pb[e] = x[i] * x[j]; e += 1 } }
                for e in 0..<pairs { ab[e] = 0 }
                for mu in 0..<p {
                    let coupling: UnsafeMutablePointer<S>
                    if onTheFly { fillRow(mu, into: rowBuffer.baseAddress!); coupling = rowBuffer.baseAddress! } else {
                        coupling = storage.baseAddress! + mu * pairs
                    }
                    var s = S.zero
                    for e in 0..<pairs { s = Relaxed.multiplyAdd(coupling[e], pb[e], s) }
                    let residual = Double(s) / nn - labels[mu]
                    loss += 0.5 * residual * residual
                    var selected = true
                    if b < 1 { selected = rng.nextUniform() < b }
                    guard selected, t < steps else { continue }
                    let c = S(residual / nn / b)
                    for e in 0..<pairs { ab[e] = Relaxed.multiplyAdd(c, coupling[e], ab[e]) }
                }
            }}}}
            trajectory.append(m: mt, ctt: ct, energy: loss / nn, twoTime: twoTime)
            guard t < steps, !diverged else { break }
            // ∂H/∂x_k = Σ_{j≠k} A_kj x_j, then the step.
            for k in 0..<n { gradient[k] = 0 }
            var e = 0
            for i in 0..<n {
                var gi = S.zero
                let xi = x[i]
                for j in (i + 1)..<n {
                    gi = Relaxed.multiplyAdd(a[e], x[j], gi)
                    gradient[j] = Relaxed.multiplyAdd(a[e], xi, gradient[j])
                    e += 1
                }
                gradient[i] += gi
            }
            let step = S(eta)
            for k in 0..<n { x[k] -= step * gradient[k] }
            if problem.spherical {
                let norm = x.reduce(0.0) { $0 + Double($1) * Double($1) }
                let scale = S((nn / norm).squareRoot())
                for k in 0..<n { x[k] *= scale }
            }
            tick(1)
        }
        return trajectory
    }
}

/// One seed's observables over steps.
struct SeedTrajectory: Sendable {
    var m: [Double] = []
    var ctt: [Double] = []
    var energy: [Double] = []
    /// twoTime[a][t]: C(t, anchors[a]) (NaN before the anchor).
    var twoTime: [[Double]]
    var divergence: Int?
    var divergenceReason: String?

    init(anchors: [Int]) { twoTime = anchors.map { _ in [] } }

    mutating func append(m: Double, ctt: Double, energy: Double, twoTime values: [Double]) {
        self.m.append(m); self.ctt.append(ctt); self.energy.append(energy)
        for a in twoTime.indices { twoTime[a].append(a < values.count ? values[a] : .nan) }
    }
}

/// The simulated trajectories of every seed (`values[seed][step]`), with their statistics through
/// `statistics(of:)`, e.g. `result.statistics(of: \.delta)`.
public struct SignalRecoverySimulationResult: Sendable, SeedEnsemble {
    /// The simulated problem.
    public let problem: SignalRecoveryProblem
    /// Dimension N.
    public let dimension: Int
    /// Steps s at which C(t, s) was recorded (`SignalRecoverySimulator.anchors`).
    public let anchors: [Int]
    let trajectories: [SeedTrajectory]

    /// The number of seeds.
    public var seedCount: Int { trajectories.count }
    /// The first divergence step among seeds, if any.
    public var divergence: Int? { trajectories.compactMap(\.divergence).min() }
    /// Why the first diverging seed diverged.
    public var divergenceReason: String? {
        trajectories.filter { $0.divergence != nil }.min { $0.divergence! < $1.divergence! }?.divergenceReason
    }
    /// m(t) per seed.
    public var m: [[Double]] { trajectories.map(\.m) }
    /// C(t,t) per seed.
    public var ctt: [[Double]] { trajectories.map(\.ctt) }
    /// Δ(t) = 1 − 2m + C(t,t) per seed.
    public var delta: [[Double]] { trajectories.map { zip($0.m, $0.ctt).map { 1 - 2 * $0 + $1 } } }
    /// e(t) = H/N per seed (full loss, also for SGD).
    public var energy: [[Double]] { trajectories.map(\.energy) }
    /// C(t, anchors[a]) per seed: `twoTime[seed][a][t]`.
    public var twoTime: [[[Double]]] { trajectories.map(\.twoTime) }

    /// The trajectories as `SignalRecoverySimulator.run` assembles them.
    init(problem: SignalRecoveryProblem, dimension: Int, anchors: [Int], trajectories: [SeedTrajectory]) {
        self.problem = problem; self.dimension = dimension; self.anchors = anchors; self.trajectories = trajectories
    }

    /// Seeds given by their per-seed trajectories: `m[seed][step]`, `ctt` and `energy` likewise,
    /// `twoTime[seed][a][step]` = C(step, anchors[a]) (NaN before the anchor), and each seed's divergence step and
    /// reason (`nil` if it did not diverge; `divergence` and `divergenceReason` are the earliest seed's). Every
    /// per-seed array must have one entry per seed.
    public init(problem: SignalRecoveryProblem, dimension: Int, anchors: [Int], m: [[Double]], ctt: [[Double]],
                energy: [[Double]], twoTime: [[[Double]]], divergenceSteps: [Int?], divergenceReasons: [String?]) {
        let seeds = m.count
        let counts = [ctt.count, energy.count, twoTime.count, divergenceSteps.count, divergenceReasons.count]
        precondition(counts.allSatisfy { $0 == seeds },
                     "m, ctt, energy, twoTime, divergenceSteps and divergenceReasons must have one entry per seed")
        let trajectories = (0..<seeds).map { seed in
            var trajectory = SeedTrajectory(anchors: anchors)
            trajectory.m = m[seed]; trajectory.ctt = ctt[seed]; trajectory.energy = energy[seed]
            trajectory.twoTime = twoTime[seed]
            trajectory.divergence = divergenceSteps[seed]; trajectory.divergenceReason = divergenceReasons[seed]
            return trajectory
        }
        self.init(problem: problem, dimension: dimension, anchors: anchors, trajectories: trajectories)
    }
}
