import Randomness
@_exported import Statistics
import Scenarios

/// One seed of online SGD for a linear student w with teacher w*, shared by regression and classification:
/// every step draws B = `optimiser.batchSize` samples x_b ~ N(0, I_d), forms their fields λ_b = w·x_b/√d and
/// ν_b = w*·x_b/√d, asks `slope(λ_b, ν_b, &rng)` for the loss derivative g_b = ∂ℓ/∂λ (drawing label noise from
/// `rng`), and applies the mean of their gradients, all taken at the weights before the step,
///
///     w ← (1 − τλ_reg/d) w − (τ/√d)(1/B) Σ_b g_b x_b,
///
/// with τ = τ(n/d) at step n from the optimiser (`Optimiser.rate(atStep:dimension:)`). For B > 1 the sum Σ_b g_b x_b
/// is accumulated in one preallocated vector; B = 1 updates w directly from x, as before. With momentum
/// (`Optimiser.hasVelocity`) a velocity v (v(0) = 0, one buffer allocated per seed) carries the (batch-mean) gradient:
///
///     v ← β v + ⟨g x⟩/√d + (λ_reg/d) w,     w ← w − κ v,
///
/// (β, κ) = `Optimiser.velocityUpdate(atStep:dimension:)`: (β, τ) at fixed β, (1 − γ/d, τγ/d) for scaled momentum;
/// then a = v·w*/d, b = v·w/d and c = |v|²/d are recorded too. Plain SGD allocates no velocity.
/// m = w·w*/d and q = |w|²/d are recorded at the grid's steps, and with them, as sums of squares of differences (no
/// cancellation near perfect learning), e = ½|w − w*|²/d = ½(ρ − 2m + q) and s = |w − (m/ρ)w*|²/d = q − m²/ρ
/// (ρ = |w*|²/d), the student's squared distance from the teacher's direction. The run stops, with the time, when g is non-finite
/// or when `exceeds(m, q)` returns a reason (checked at recorded steps). The initial point is always recorded, even
/// when it is the one that diverged (a start that is already non-finite), so every run has a t = 0 point.
struct LinearStudentRun {
    var m: [Double] = []
    var q: [Double] = []
    var e: [Double] = []
    var s: [Double] = []
    /// The velocity overlaps v·w*/d, v·w/d, |v|²/d at the recorded steps (empty without momentum).
    var a: [Double] = [], b: [Double] = [], c: [Double] = []
    var divergence: Divergence?

    @inline(__always)
    init(pair: inout TeacherStudentPair, grid: OutputGrid, optimiser: Optimiser, weightDecay: Double, rng: inout Xoshiro256,
         counter: ProgressCounter?, slope: (Double, Double, inout Xoshiro256) -> Double, exceeds: (Double, Double) -> String?) {
        let d = grid.dimension, dd = Double(d)
        let invSqrtD = 1 / dd.squareRoot()
        var x = [Double](repeating: 0, count: d)
        let batch = optimiser.batchSize
        var batchSum = [Double](repeating: 0, count: batch > 1 ? d : 0)
        m.reserveCapacity(grid.steps.count); q.reserveCapacity(grid.steps.count)
        e.reserveCapacity(grid.steps.count); s.reserveCapacity(grid.steps.count)
        var m = self.m, q = self.q, e = self.e, s = self.s, divergence: Divergence?
        var velocity = [Double](repeating: 0, count: optimiser.hasVelocity ? d : 0)
        var a = self.a, b = self.b, c = self.c
        if optimiser.hasVelocity { a.reserveCapacity(grid.steps.count); b.reserveCapacity(grid.steps.count); c.reserveCapacity(grid.steps.count) }
        pair.teacher.withUnsafeBufferPointer { wStar in
            pair.student.withUnsafeMutableBufferPointer { w in
                x.withUnsafeMutableBufferPointer { x in batchSum.withUnsafeMutableBufferPointer { batchSum in
                  velocity.withUnsafeMutableBufferPointer { velocity in
                    // nil for plain SGD (an empty array's buffer may still have a base address).
                    let v = optimiser.hasVelocity ? velocity.baseAddress : nil
                    let rho = VectorKernels.dot(wStar.baseAddress!, wStar.baseAddress!, count: d) / dd
                    var step = 0, previous = 0
                    for target in grid.steps {
                        while step < target {
                            let tau = optimiser.rate(atStep: step, dimension: d), shrink = 1 - tau * weightDecay / dd
                            var g1 = 0.0
                            for b in 0..<batch {
                                rng.fillGaussian(x)
                                let (ws, ts) = VectorKernels.dots(w.baseAddress!, wStar.baseAddress!, with: x.baseAddress!, count: d)
                                let g = slope(ws * invSqrtD, ts * invSqrtD, &rng)
                                guard g.isFinite else {
                                    divergence = Divergence(time: Double(step) / dd, reason: "the loss gradient became non-finite (\(g)): the weights overflowed")
                                    return
                                }
                                if batch == 1 {
                                    g1 = g
                                } else if b == 0 {
                                    VectorKernels.assign(batchSum.baseAddress!, x.baseAddress!, scaledBy: g, count: d)
                                } else {
                                    VectorKernels.scaleAdd(batchSum.baseAddress!, 1, x.baseAddress!, g, count: d)
                                }
                            }
                            // The (batch-mean) gradient is coefficient × direction + (λ_reg/d) w.
                            let direction = batch == 1 ? x.baseAddress! : batchSum.baseAddress!
                            let coefficient = batch == 1 ? g1 * invSqrtD : invSqrtD / Double(batch)
                            if let v {
                                let update = optimiser.velocityUpdate(atStep: step, dimension: d)
                                VectorKernels.scaleAdd(v, update.decay, direction, coefficient, count: d)
                                if weightDecay != 0 { VectorKernels.scaleAdd(v, 1, w.baseAddress!, weightDecay / dd, count: d) }
                                VectorKernels.scaleAdd(w.baseAddress!, 1, v, -update.step, count: d)
                            } else if batch == 1 {
                                VectorKernels.scaleAdd(w.baseAddress!, shrink, x.baseAddress!, -tau * g1 * invSqrtD, count: d)
                            } else {
                                VectorKernels.scaleAdd(w.baseAddress!, shrink, batchSum.baseAddress!, -tau * invSqrtD / Double(batch), count: d)
                            }
                            step += 1
                        }
                        let mk = VectorKernels.dot(w.baseAddress!, wStar.baseAddress!, count: d) / dd
                        let qk = VectorKernels.dot(w.baseAddress!, w.baseAddress!, count: d) / dd
                        let ek = 0.5 * VectorKernels.distanceSquared(w.baseAddress!, wStar.baseAddress!, count: d) / dd
                        let sk = rho > 0 ? VectorKernels.distanceSquared(w.baseAddress!, wStar.baseAddress!, scaledBy: mk / rho, count: d) / dd : qk
                        func record() {
                            m.append(mk); q.append(qk); e.append(ek); s.append(sk)
                            if let v {
                                a.append(VectorKernels.dot(v, wStar.baseAddress!, count: d) / dd)
                                b.append(VectorKernels.dot(v, w.baseAddress!, count: d) / dd)
                                c.append(VectorKernels.dot(v, v, count: d) / dd)
                            }
                        }
                        if let reason = exceeds(mk, qk) {
                            if m.isEmpty { record() }
                            divergence = Divergence(time: Double(step) / dd, reason: reason)
                            return
                        }
                        record()
                        counter?.add(target - previous)
                        previous = target
                    }
                } } }
            }
        }
        self.m = m; self.q = q; self.e = e; self.s = s; self.a = a; self.b = b; self.c = c; self.divergence = divergence
    }
}

/// One seed's trajectory of a linear student: m, q on the grid, the drawn teacher's ρ̂, and where it diverged.
struct LinearStudentSeed: Sendable {
    var m: [Double]
    var q: [Double]
    /// ½|w − w*|²/d at each recorded step (`LinearStudentRun.e`).
    var e: [Double]
    /// |w − (m/ρ̂)w*|²/d = q − m²/ρ̂ at each recorded step (`LinearStudentRun.s`).
    var s: [Double]
    /// The velocity overlaps (`LinearStudentRun.a`, `b`, `c`; empty without momentum).
    var a: [Double], b: [Double], c: [Double]
    var rho: Double
    var divergence: Divergence?

    init(run: LinearStudentRun, rho: Double, divergence: Divergence?) {
        m = run.m; q = run.q; e = run.e; s = run.s; a = run.a; b = run.b; c = run.c; self.rho = rho; self.divergence = divergence
    }
}

/// The trajectories of a linear student over seeds, shared by regression and classification results: m and q per
/// seed on the output grid (`m[seed][k]`), truncated at the first divergence of any seed, and each seed's ρ̂.
public struct LinearStudentEnsemble: Sendable, SeedEnsemble {
    /// The SGD steps and times at which every seed recorded its state.
    public let grid: OutputGrid
    /// m = w·w*/d per seed, `m[seed][k]`.
    public let m: [[Double]]
    /// q = |w|²/d per seed.
    public let q: [[Double]]
    /// e = ½|w − w*|²/d = ½(ρ̂ − 2m + q) per seed, measured from the vectors (no cancellation near perfect learning).
    public let e: [[Double]]
    /// s = |w − (m/ρ̂)w*|²/d = q − m²/ρ̂ per seed, measured from the vectors: ε_g = atan2(√(ρ̂ s), m)/π.
    public let s: [[Double]]
    /// With momentum, the velocity overlaps a = v·w*/d, b = v·w/d, c = |v|²/d per seed (`a[seed][k]`); empty rows without.
    public let a: [[Double]], b: [[Double]], c: [[Double]]
    /// The measured teacher norm ρ̂ = |w*|²/d of each seed.
    public let rho: [Double]
    /// The earliest divergence among seeds, if any.
    public let divergence: Divergence?

    init(grid: OutputGrid, runs: [LinearStudentSeed]) {
        self.grid = grid
        let length = runs.map(\.m.count).min() ?? 0
        m = runs.map { Array($0.m.prefix(length)) }
        q = runs.map { Array($0.q.prefix(length)) }
        e = runs.map { Array($0.e.prefix(length)) }
        s = runs.map { Array($0.s.prefix(length)) }
        a = runs.map { Array($0.a.prefix(length)) }
        b = runs.map { Array($0.b.prefix(length)) }
        c = runs.map { Array($0.c.prefix(length)) }
        rho = runs.map(\.rho)
        divergence = runs.compactMap(\.divergence).min { $0.time < $1.time }
    }

    /// Seeds given by their trajectories on `grid` (`m[seed][k]`, and `q`, `e`, `s` likewise), their velocity
    /// overlaps (`[]`, the default, for none: then one empty row per seed, as without momentum), each seed's ρ̂ and
    /// the earliest divergence. Every per-seed array must have one entry per seed.
    public init(grid: OutputGrid, m: [[Double]], q: [[Double]], e: [[Double]], s: [[Double]],
                a: [[Double]] = [], b: [[Double]] = [], c: [[Double]] = [], rho: [Double], divergence: Divergence?) {
        let seeds = m.count
        func rows(_ velocity: [[Double]]) -> [[Double]] {
            velocity.isEmpty ? Array(repeating: [], count: seeds) : velocity
        }
        let (a, b, c) = (rows(a), rows(b), rows(c))
        precondition([q.count, e.count, s.count, a.count, b.count, c.count, rho.count].allSatisfy { $0 == seeds },
                     "m, q, e, s, a, b, c and rho must have one entry per seed")
        self.grid = grid; self.m = m; self.q = q; self.e = e; self.s = s
        self.a = a; self.b = b; self.c = c; self.rho = rho; self.divergence = divergence
    }

    /// Times reached by every seed.
    public var times: [Double] { Array(grid.times.prefix(m.first?.count ?? 0)) }

    /// The mean measured initial state: the theory's starting point in a comparison.
    public var meanInitialState: LinearOrderParameters {
        // Σ x/n rather than (Σ x)/n, so that means of values near the largest double do not overflow.
        let n = Double(m.count)
        return LinearOrderParameters(
            m: m.reduce(0) { $0 + ($1.first ?? .nan) / n },
            q: q.reduce(0) { $0 + ($1.first ?? .nan) / n },
            rho: rho.reduce(0) { $0 + $1 / n })
    }

    /// The mean measured initial e_g = ½|w − w*|²/d (the theory's e_g(0) in a comparison: without the cancellation of
    /// ½(ρ̂ − 2m + q) from the mean overlaps).
    public var meanInitialError: Double {
        let n = Double(e.count)
        return e.reduce(0) { $0 + ($1.first ?? .nan) / n }
    }

    /// The mean measured initial s = |w − (m/ρ̂)w*|²/d (the classifier theory's s(0) in a comparison: without the
    /// cancellation of q − m²/ρ̂ from the mean overlaps).
    public var meanInitialOrthogonal: Double {
        let n = Double(s.count)
        return s.reduce(0) { $0 + ($1.first ?? .nan) / n }
    }

    /// The number of seeds.
    public var seedCount: Int { m.count }
}

/// A simulation of a linear student (regression or classifier): its seeds' trajectories `ensemble`, and the
/// quantities every such result reads from it. Statistics over seeds come from `statistics(of:)` with a per-seed
/// trajectory of the result (`\.m`, `\.q`, or the model's own, such as `\.generalisationError`).
public protocol LinearStudentSimulation: SeedEnsemble {
    /// The trajectories of every seed.
    var ensemble: LinearStudentEnsemble { get }
}

extension LinearStudentSimulation {
    /// The number of seeds.
    public var seedCount: Int { ensemble.seedCount }
    /// Times reached by every seed.
    public var times: [Double] { ensemble.times }
    /// m = w·w*/d per seed, `m[seed][k]`.
    public var m: [[Double]] { ensemble.m }
    /// q = |w|²/d per seed.
    public var q: [[Double]] { ensemble.q }
    /// The measured teacher norm ρ̂ = |w*|²/d of each seed.
    public var rho: [Double] { ensemble.rho }
    /// The earliest divergence among seeds, if any.
    public var divergence: Divergence? { ensemble.divergence }
}
