import Dispatch
import Randomness
import RealModule
import Synchronization

/// Floating-point precision of a simulation's couplings and vectors.
public enum SimulationPrecision: String, Sendable, CaseIterable {
    case double, float
}

/// Finite-N simulation of GD/SGD on the Kamali–Urbani problem, several disorder samples in parallel.
///
/// The couplings of sample μ are stored as one row of a P × N(N−1)/2 matrix, so that the fields are one
/// matrix–vector product with the pair vector p = vec_{i<j}(x xᵀ): v_μ = J_μ·p/N, and the gradient is
/// ∂H/∂x_k = Σ_{j≠k} A_kj x_j with A = vec⁻¹(Σ_μ s_μ r_μ J_μ)/N (÷ b for SGD) — one pass over J per step.
/// When the matrix would exceed `maxMemoryBytes`, each row is regenerated every step from its own seeded
/// stream instead (the same numbers either way). Sample k uses `Xoshiro256(seed: seed, stream: k)` for the
/// signal, initial point and batch masks, so results do not depend on the number of threads.
public struct SignalRecoverySimulator: Sendable {
    public let problem: SignalRecoveryProblem
    /// Dimension N.
    public let size: Int
    /// Number of independent disorder samples.
    public let samples: Int
    public let seed: UInt64
    public var precision: SimulationPrecision = .double
    /// Above this, rows of J are generated on the fly.
    public var maxMemoryBytes = 4 << 30
    /// Steps s at which the two-time correlation C(t, s), t ≥ s, is recorded.
    public var anchors: [Int] = []
    /// A sample counts as diverged once m(t) or C(t,t) is non-finite or C(t,t) exceeds this multiple of the problem's
    /// scale max(|x*|²/N = 1, c0), as in `DMFTSolver`.
    public var divergenceFactor = 1e8

    public init(problem: SignalRecoveryProblem, size: Int, samples: Int, seed: UInt64 = 1) throws {
        guard size >= 2 else { throw DMFTError.invalidParameter("dimension N must be at least 2, got \(size)") }
        // N(N−1)/2 pairs must be countable without overflow.
        guard size <= Self.maximumSize else {
            throw DMFTError.invalidParameter("dimension N must be at most \(Self.maximumSize), got \(size)")
        }
        guard samples >= 1 else { throw DMFTError.invalidParameter("number of samples must be positive, got \(samples)") }
        let p = (problem.alpha * Double(size)).rounded()
        guard p >= 1 else {
            throw DMFTError.inconsistent("alpha·N must give at least one sample, got alpha = \(problem.alpha), N = \(size)")
        }
        guard p <= 1e15 else {
            throw DMFTError.inconsistent("alpha·N = \(p) samples is too many to simulate (at most 10^15)")
        }
        self.problem = problem
        self.size = size
        self.samples = samples
        self.seed = seed
    }

    /// The largest N: N(N−1) then still fits a 64-bit integer.
    public static let maximumSize = 3_037_000_499

    /// P = round(αN).
    public var sampleCount: Int { Int((problem.alpha * Double(size)).rounded()) }
    /// N(N−1)/2.
    public var pairCount: Int { size * (size - 1) / 2 }
    /// Whether J is regenerated each step rather than stored.
    public var generatesCouplingsOnTheFly: Bool {
        Self.couplingsExceed(maxMemoryBytes, problem: problem, size: size, precision: precision)
    }

    /// Whether the P × N(N−1)/2 couplings (P = round(αN)) in `precision` need more than `bytes`.
    public static func couplingsExceed(_ bytes: Int, problem: SignalRecoveryProblem, size n: Int, precision: SimulationPrecision) -> Bool {
        let p = (problem.alpha * Double(n)).rounded()
        return p * (Double(n) * Double(n - 1) / 2) * Double(precision == .double ? 8 : 4) > Double(bytes)
    }

    /// Runs every sample; `progress` receives the fraction of steps done.
    public func run(progress: (@Sendable (Double) -> Void)? = nil) -> SignalRecoverySimulationResult {
        let done = Mutex(0)
        let total = samples * problem.steps
        let runs = Mutex<[SampleTrajectory?]>(Array(repeating: nil, count: samples))
        DispatchQueue.concurrentPerform(iterations: samples) { sample in
            let tick: (Int) -> Void = { count in
                let value = done.withLock { $0 += count; return $0 }
                progress?(Double(value) / Double(max(total, 1)))
            }
            let trajectory = precision == .double
                ? runSample(sample, as: Double.self, tick: tick) : runSample(sample, as: Float.self, tick: tick)
            runs.withLock { $0[sample] = trajectory }
        }
        return SignalRecoverySimulationResult(problem: problem, size: size, anchors: anchors,
                                              trajectories: runs.withLock { $0.map { $0! } })
    }

    /// The couplings' generator for row μ of sample k: independent of storage and thread count.
    func rowGenerator(sample: Int, row: Int) -> Xoshiro256 {
        Xoshiro256(seed: seed ^ 0x5DEE_CE66_D1CE_4E5B, stream: UInt64(sample) << 32 | UInt64(row))
    }

    func runSample<S: Real & BinaryFloatingPoint>(_ sample: Int, as: S.Type, tick: (Int) -> Void) -> SampleTrajectory {
        let n = size, p = sampleCount, pairs = pairCount, steps = problem.steps
        let eta = problem.learningRate, b = problem.batchFraction, nn = Double(n)
        var rng = Xoshiro256(seed: seed, stream: UInt64(sample))
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
            var generator = rowGenerator(sample: sample, row: mu)
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

        var trajectory = SampleTrajectory(anchors: anchors)
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
                // The initial point is kept even when it is the one that diverged, so every sample has step 0.
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

/// One disorder sample's observables over steps.
struct SampleTrajectory: Sendable {
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

/// Mean and standard error over samples of each observable, step by step.
public struct SampleStatistics: Sendable, Hashable {
    public let mean: [Double]
    public let standardError: [Double]

    /// Statistics of `values[sample][step]` (rows truncated to the shortest).
    public init(_ values: [[Double]]) {
        let n = Double(values.count), length = values.map(\.count).min() ?? 0
        var mean = [Double](repeating: 0, count: length), error = mean
        for t in 0..<length {
            let mu = values.reduce(0) { $0 + $1[t] } / n
            mean[t] = mu
            if values.count > 1 {
                let variance = values.reduce(0) { $0 + ($1[t] - mu) * ($1[t] - mu) } / (n - 1)
                error[t] = (variance / n).squareRoot()
            }
        }
        self.mean = mean
        standardError = error
    }
}

/// The simulated trajectories of every sample, with ensemble statistics.
public struct SignalRecoverySimulationResult: Sendable {
    public let problem: SignalRecoveryProblem
    public let size: Int
    public let anchors: [Int]
    let trajectories: [SampleTrajectory]

    /// The first divergence step among samples, if any.
    public var divergence: Int? { trajectories.compactMap(\.divergence).min() }
    /// Why the first diverging sample diverged.
    public var divergenceReason: String? {
        trajectories.filter { $0.divergence != nil }.min { $0.divergence! < $1.divergence! }?.divergenceReason
    }
    /// m(t) per sample.
    public var m: [[Double]] { trajectories.map(\.m) }
    /// C(t,t) per sample.
    public var ctt: [[Double]] { trajectories.map(\.ctt) }
    /// Δ(t) = 1 − 2m + C(t,t) per sample.
    public var delta: [[Double]] { trajectories.map { zip($0.m, $0.ctt).map { 1 - 2 * $0 + $1 } } }
    /// e(t) = H/N per sample (full loss, also for SGD).
    public var energy: [[Double]] { trajectories.map(\.energy) }
    /// C(t, anchors[a]) per sample: `twoTime[sample][a][t]`.
    public var twoTime: [[[Double]]] { trajectories.map(\.twoTime) }
}
