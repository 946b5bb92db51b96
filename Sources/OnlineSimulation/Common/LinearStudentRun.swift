import Randomness
import Scenarios

/// One seed of online SGD for a linear student w with teacher w*, shared by regression and classification:
/// every step draws B = `optimiser.batchSize` samples x_b ~ N(0, I_d), forms their fields λ_b = w·x_b/√d and
/// ν_b = w*·x_b/√d, asks `slope(λ_b, ν_b, &rng)` for the loss derivative g_b = ∂ℓ/∂λ (drawing label noise from
/// `rng`), and applies the mean of their gradients, all taken at the weights before the step,
///
///     w ← (1 − τλ_reg/d) w − (τ/√d)(1/B) Σ_b g_b x_b,
///
/// with τ = τ(n/d) at step n from the optimiser (`Optimiser.rate(atStep:dimension:)`). For B > 1 the sum Σ_b g_b x_b
/// is accumulated in one preallocated vector; B = 1 updates w directly from x, as before.
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
        pair.teacher.withUnsafeBufferPointer { wStar in
            pair.student.withUnsafeMutableBufferPointer { w in
                x.withUnsafeMutableBufferPointer { x in batchSum.withUnsafeMutableBufferPointer { batchSum in
                    let rho = VectorKernels.dot(wStar.baseAddress!, wStar.baseAddress!, count: d) / dd
                    var step = 0, previous = 0
                    for target in grid.steps {
                        while step < target {
                            let tau = optimiser.rate(atStep: step, dimension: d), shrink = 1 - tau * weightDecay / dd
                            for b in 0..<batch {
                                rng.fillGaussian(x)
                                let (ws, ts) = VectorKernels.dots(w.baseAddress!, wStar.baseAddress!, with: x.baseAddress!, count: d)
                                let g = slope(ws * invSqrtD, ts * invSqrtD, &rng)
                                guard g.isFinite else {
                                    divergence = Divergence(time: Double(step) / dd, reason: "the loss gradient became non-finite (\(g)): the weights overflowed")
                                    return
                                }
                                if batch == 1 {
                                    VectorKernels.scaleAdd(w.baseAddress!, shrink, x.baseAddress!, -tau * g * invSqrtD, count: d)
                                } else if b == 0 {
                                    VectorKernels.assign(batchSum.baseAddress!, x.baseAddress!, scaledBy: g, count: d)
                                } else {
                                    VectorKernels.scaleAdd(batchSum.baseAddress!, 1, x.baseAddress!, g, count: d)
                                }
                            }
                            if batch > 1 {
                                VectorKernels.scaleAdd(w.baseAddress!, shrink, batchSum.baseAddress!, -tau * invSqrtD / Double(batch), count: d)
                            }
                            step += 1
                        }
                        let mk = VectorKernels.dot(w.baseAddress!, wStar.baseAddress!, count: d) / dd
                        let qk = VectorKernels.dot(w.baseAddress!, w.baseAddress!, count: d) / dd
                        let ek = 0.5 * VectorKernels.distanceSquared(w.baseAddress!, wStar.baseAddress!, count: d) / dd
                        let sk = rho > 0 ? VectorKernels.distanceSquared(w.baseAddress!, wStar.baseAddress!, scaledBy: mk / rho, count: d) / dd : qk
                        if let reason = exceeds(mk, qk) {
                            if m.isEmpty { m.append(mk); q.append(qk); e.append(ek); s.append(sk) }
                            divergence = Divergence(time: Double(step) / dd, reason: reason)
                            return
                        }
                        m.append(mk); q.append(qk); e.append(ek); s.append(sk)
                        counter?.add(target - previous)
                        previous = target
                    }
                } }
            }
        }
        self.m = m; self.q = q; self.e = e; self.s = s; self.divergence = divergence
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
    var rho: Double
    var divergence: Divergence?

    init(run: LinearStudentRun, rho: Double, divergence: Divergence?) {
        m = run.m; q = run.q; e = run.e; s = run.s; self.rho = rho; self.divergence = divergence
    }
}

/// The trajectories of a linear student over seeds, shared by regression and classification results: m and q per
/// seed on the output grid (`m[seed][k]`), truncated at the first divergence of any seed, and each seed's ρ̂.
public struct LinearStudentEnsemble: Sendable {
    public let grid: OutputGrid
    public let m: [[Double]]
    public let q: [[Double]]
    /// e = ½|w − w*|²/d = ½(ρ̂ − 2m + q) per seed, measured from the vectors (no cancellation near perfect learning).
    public let e: [[Double]]
    /// s = |w − (m/ρ̂)w*|²/d = q − m²/ρ̂ per seed, measured from the vectors: ε_g = atan2(√(ρ̂ s), m)/π.
    public let s: [[Double]]
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
        rho = runs.map(\.rho)
        divergence = runs.compactMap(\.divergence).min { $0.time < $1.time }
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

    public var statisticsM: EnsembleStatistics { EnsembleStatistics(samples: m) }
    public var statisticsQ: EnsembleStatistics { EnsembleStatistics(samples: q) }
}
