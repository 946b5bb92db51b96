import Randomness
import Scenarios

/// One seed of online SGD for a linear student w with teacher w*, shared by regression and classification:
/// every step draws x ~ N(0, I_d), forms the fields λ = w·x/√d and ν = w*·x/√d, asks `slope(λ, ν, &rng)` for the
/// loss derivative g = ∂ℓ/∂λ (drawing label noise from `rng`), and applies
///
///     w ← (1 − τλ_reg/d) w − (τ/√d) g x.
///
/// m = w·w*/d and q = |w|²/d are recorded at the grid's steps. The run stops, with the time, when g is non-finite
/// or when `exceeds(m, q)` returns a reason (checked at recorded steps). The initial point is always recorded, even
/// when it is the one that diverged (a start that is already non-finite), so every run has a t = 0 point.
struct LinearStudentRun {
    var m: [Double] = []
    var q: [Double] = []
    var divergence: Divergence?

    @inline(__always)
    init(pair: inout TeacherStudentPair, grid: OutputGrid, learningRate tau: Double, weightDecay: Double, rng: inout Xoshiro256,
         counter: ProgressCounter?, slope: (Double, Double, inout Xoshiro256) -> Double, exceeds: (Double, Double) -> String?) {
        let d = grid.dimension, dd = Double(d)
        let shrink = 1 - tau * weightDecay / dd, invSqrtD = 1 / dd.squareRoot()
        var x = [Double](repeating: 0, count: d)
        m.reserveCapacity(grid.steps.count); q.reserveCapacity(grid.steps.count)
        var m = self.m, q = self.q, divergence: Divergence?
        pair.teacher.withUnsafeBufferPointer { wStar in
            pair.student.withUnsafeMutableBufferPointer { w in
                x.withUnsafeMutableBufferPointer { x in
                    var step = 0, previous = 0
                    for target in grid.steps {
                        while step < target {
                            rng.fillGaussian(x)
                            let (ws, ts) = VectorKernels.dots(w.baseAddress!, wStar.baseAddress!, with: x.baseAddress!, count: d)
                            let g = slope(ws * invSqrtD, ts * invSqrtD, &rng)
                            guard g.isFinite else {
                                divergence = Divergence(time: Double(step) / dd, reason: "the loss gradient became non-finite (\(g)): the weights overflowed")
                                return
                            }
                            VectorKernels.scaleAdd(w.baseAddress!, shrink, x.baseAddress!, -tau * g * invSqrtD, count: d)
                            step += 1
                        }
                        let mk = VectorKernels.dot(w.baseAddress!, wStar.baseAddress!, count: d) / dd
                        let qk = VectorKernels.dot(w.baseAddress!, w.baseAddress!, count: d) / dd
                        if let reason = exceeds(mk, qk) {
                            if m.isEmpty { m.append(mk); q.append(qk) }
                            divergence = Divergence(time: Double(step) / dd, reason: reason)
                            return
                        }
                        m.append(mk); q.append(qk)
                        counter?.add(target - previous)
                        previous = target
                    }
                }
            }
        }
        self.m = m; self.q = q; self.divergence = divergence
    }
}

/// One seed's trajectory of a linear student: m, q on the grid, the drawn teacher's ρ̂, and where it diverged.
struct LinearStudentSeed: Sendable {
    var m: [Double]
    var q: [Double]
    var rho: Double
    var divergence: Divergence?
}

/// The trajectories of a linear student over seeds, shared by regression and classification results: m and q per
/// seed on the output grid (`m[seed][k]`), truncated at the first divergence of any seed, and each seed's ρ̂.
public struct LinearStudentEnsemble: Sendable {
    public let grid: OutputGrid
    public let m: [[Double]]
    public let q: [[Double]]
    /// The measured teacher norm ρ̂ = |w*|²/d of each seed.
    public let rho: [Double]
    /// The earliest divergence among seeds, if any.
    public let divergence: Divergence?

    init(grid: OutputGrid, runs: [LinearStudentSeed]) {
        self.grid = grid
        let length = runs.map(\.m.count).min() ?? 0
        m = runs.map { Array($0.m.prefix(length)) }
        q = runs.map { Array($0.q.prefix(length)) }
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

    public var statisticsM: EnsembleStatistics { EnsembleStatistics(samples: m) }
    public var statisticsQ: EnsembleStatistics { EnsembleStatistics(samples: q) }
}
