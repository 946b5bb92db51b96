import Dispatch
#if canImport(Glibc)
import Glibc
#endif
import RealModule

/// The discrete-time dynamical mean-field theory of GD and mini-batch SGD on the Kamali–Urbani problem,
/// solved by causal forward marching (N → ∞ at fixed α, η, b).
///
/// With ξ(q) = q²/2 (the covariance of the fields v_μ), at each step t the sample side gives
///
///     Σ_C(t,s) = ξ(C(t,s)) − ξ(m(t)) − ξ(m(s)) + ξ(1),          Σ̃(t,u) = ξ'(C(t,u)) R(t,u)   (u < t)
///     Ḡ(t,t) = 1,   Ḡ(t,s) = −η Σ_{u=s}^{t−1} Σ̃(t,u) Ḡ(u,s)
///     W(s,t) = Σ_{v≤s} Ḡ(s,v) Σ_C(v,t)
///     Y(t,s) = W(s,t) − η Σ_{u<t} Σ̃(t,u) Y(u,s)   (s < t),   Y(t,t) = Q(t)/b
///     Q(t)   = Σ_C(t,t) − 2η Σ_{u<t} Σ̃(t,u) W(u,t) + η² Σ_{u,v<t} Σ̃(t,u) Σ̃(t,v) Y(u,v)
///
/// and the single-coordinate side, with K(t,s) = αξ'(C)Ḡ(t,s) − ηαξ''(C) Y(t,s) R(t,s), S(t) = αξ'(m(t)) Σ_s Ḡ(t,s):
///
///     m(t+1)   = m(t) − η Σ_s K(t,s) m(s) + η S(t)
///     R(t+1,t) = 1,   R(t+1,s) = R(t,s) − η Σ_{u=s+1}^{t} K(t,u) R(u,s)
///     C(t+1,s) = C(t,s) − η Σ_u K(t,u) C(u,s) + η S(t) m(s) + η² α Σ_{u<s} R(s,u) ξ'(C(t,u)) Y(t,u)   (s ≤ t+1)
///
/// In the spherical variant these give the row of the unnormalised step x̃(t+1); dividing m(t+1), C(t+1,s ≤ t)
/// and R(t+1,·) by λ(t) = √C̃(t+1,t+1) gives that of x(t+1) = x̃(t+1)/λ(t), and C(t+1,t+1) = 1.
///
/// Observables: e(t) = (α/2) Q(t) (loss per coordinate), Δ(t) = 1 − 2m(t) + C(t,t).
/// Storage: C, R, Ḡ, Y as packed lower triangles (C and Y are symmetric), T(T+1)/2 doubles each, on huge pages.
/// Each step is two passes over the stored rows, each reading every entry it needs once: Ḡ with Y (the new row
/// Ḡ(t,·), W(s,t), Σ_u Σ̃(t,u)Y(u,s)), then R with C (the new row R(t+1,·), the noise term, Σ_u K(t,u)C(u,s)).
/// A pass is cut into fixed pieces with private accumulators added in a fixed order, so the result does not
/// depend on the number of threads. Responses Ḡ(t,s), R(t,s) decay with t − s once the dynamics relaxes, and
/// terms below `negligible` × the largest one of their sum (far below double rounding) are skipped: a step
/// reads O(t · window) numbers, O(t²) while the dynamics ages. Long runs are limited by memory bandwidth.
public struct DMFTSolver: Sendable {
    /// The problem whose DMFT is marched (α, η, b, m0, c0, T, spherical).
    public let problem: SignalRecoveryProblem
    /// Stop (the dynamics diverged) when C(t,t), m(t) or Q(t) is non-finite, or C(t,t) exceeds this multiple of the
    /// problem's scale max(|x*|²/N = 1, c0) (`divergenceLimit`). Convergent runs keep C(t,t) of order that scale.
    public var divergenceFactor = 1e8
    /// Rows shorter than this are not split over threads.
    public var parallelThreshold = 384
    /// Relative size below which a term of a causal sum is dropped (0 keeps every term).
    public var negligible = 1e-17

    /// A solver for `problem` with the default `divergenceFactor`, `parallelThreshold` and `negligible`.
    public init(problem: SignalRecoveryProblem) { self.problem = problem }

    /// divergenceFactor × max(1, c0): the C(t,t) past which a run counts as diverged.
    public var divergenceLimit: Double { divergenceFactor * max(1, problem.initialNorm) }

    /// Marches the equations to step T, or until `stopWhen` is met (then `reached` is that step).
    /// `progress` receives the fraction of the work done.
    public func solve(stopWhen criterion: RelaxationCriterion? = nil, progress: ((Double) -> Void)? = nil) -> DMFTSolution {
        let steps = problem.steps, d = steps + 1
        let eta = problem.learningRate, alpha = problem.alpha, b = problem.batchFraction
        // The four matrices as packed lower triangles (row t holds s = 0…t, rows back to back, so a pass over rows is
        // one contiguous stream), on huge pages where the system allows.
        let packed = PackedTriangle.count(rows: d)
        let matrices = MatrixStorage(elements: packed, count: 4)
        defer { matrices.deallocate() }
        let C = matrices[0], R = matrices[1], G = matrices[2], Y = matrices[3]
        var m = [Double](repeating: 0, count: d), q = m, qResolution = m
        m[0] = problem.initialOverlap
        C[0] = problem.initialNorm
        var reached = steps
        var divergence: Int?, divergenceReason: String?
        let limit = divergenceLimit
        // Work vectors (length d each) and one scratch row per piece of a row pass.
        let work = WorkVectors(length: d, count: 8 + 2 * Self.pieces)
        defer { work.deallocate() }
        let sig = work[0], sigmaC = work[1], w = work[2], z = work[3], kernel = work[4], acc = work[5], qv = work[6]
        let noise = work[7], scratch = work[8]
        // First column of each row of Ḡ and R that is not negligible (the responses decay with t − s).
        var startG = [Int](repeating: 0, count: d), startR = startG
        let totalWork = Double(d) * Double(d) * Double(d)

        for t in 0...steps {
            let row = PackedTriangle.rowStart(t)
            // Sample side.
            for u in 0..<t { sig[u] = C[row + u] * R[row + u] }
            for v in 0...t { sigmaC[v] = 0.5 * (C[row + v] * C[row + v] - m[t] * m[t] - m[v] * m[v] + 1) }
            // One pass over the rows u < t of Ḡ and Y: Σ_u Σ̃(t,u) Ḡ(u,s) for the new row Ḡ(t,·), W(u,t) =
            // Σ_v Ḡ(u,v) Σ_C(v,t), and z(s) = Σ_u Σ̃(t,u) Y(u,s) from the lower triangle of Y.
            let sigStart = firstSignificant(sig, count: t)
            startG.withUnsafeBufferPointer { first in
                fusedPass(rows: t, band: G, range: { (first[$0], $0 + 1) }, dot: sigmaC, dots: w, bandWidth: t, into: acc,
                          symmetric: Y, symmetricWidth: t, into: z, coefficients: sig, from: sigStart, scratch: scratch, scratchStride: d)
            }
            for s in 0..<t { G[row + s] = -eta * acc[s] }
            G[row + t] = 1
            startG[t] = firstSignificant(G + row, count: t + 1)
            w[t] = Kernels.dot(G + row, sigmaC, from: startG[t], to: t + 1)
            // Y(t, s < t) and Q(t).
            for s in 0..<t {
                let value = w[s] - eta * z[s]
                Y[row + s] = value
            }
            var sigW = 0.0, sigZ = 0.0, sizeW = 0.0, sizeZ = 0.0
            for u in 0..<t {
                sigW += sig[u] * w[u]; sigZ += sig[u] * z[u]
                sizeW += abs(sig[u] * w[u]); sizeZ += abs(sig[u] * z[u])
            }
            // η·(η·x), not η²·x: for a huge η, η² overflows and ∞·0 would make Q(0) NaN.
            q[t] = sigmaC[t] - 2 * eta * sigW + eta * (eta * sigZ)
            // Rounding of this cancellation (and of Σ_C's): a bound on |Q_computed − Q| from the sizes of its terms.
            let sizeC = 0.5 * (C[row + t] * C[row + t] + 2 * m[t] * m[t] + 1)
            qResolution[t] = DMFTSolution.roundingBound(terms: t + 4, size: sizeC + 2 * eta * sizeW + eta * (eta * sizeZ))
            Y[row + t] = q[t] / b
            if let criterion, criterion.isMet(m: m[t], delta: 1 - 2 * m[t] + C[row + t]) {
                reached = t
                break
            }
            guard t < steps else { break }

            // Single-coordinate side: kernel, drift, then m, R, C at t + 1.
            var gSum = 0.0
            for s in 0...t {
                kernel[s] = alpha * C[row + s] * G[row + s] - eta * alpha * Y[row + s] * R[row + s]
                gSum += G[row + s]
            }
            let drift = alpha * m[t] * gSum
            var km = 0.0
            for s in 0...t { km += kernel[s] * m[s] }
            m[t + 1] = m[t] - eta * km + eta * drift
            let next = PackedTriangle.rowStart(t + 1)
            // One pass over the rows u ≤ t of R and C: Σ_u K(t,u) R(u,s) for R(t+1, s < t) (R(u,s) = 0 for s ≥ u), the
            // noise Σ_{v<u} R(u,v) αξ'(C(t,v)) Y(t,v) of C(t+1, u), and Σ_u K(t,u) C(u,s) from the lower triangle of C.
            for u in 0...t { qv[u] = alpha * C[row + u] * Y[row + u] }
            let kernelStart = firstSignificant(kernel, count: t + 1)
            startR.withUnsafeBufferPointer { first in
                fusedPass(rows: t + 1, band: R, range: { (first[$0], $0) }, dot: qv, dots: noise, bandWidth: t, into: z,
                          symmetric: C, symmetricWidth: t + 1, into: acc, coefficients: kernel, from: kernelStart,
                          scratch: scratch, scratchStride: d)
            }
            for s in 0..<t { R[next + s] = R[row + s] - eta * z[s] }
            R[next + t] = 1
            startR[t + 1] = firstSignificant(R + next, count: t + 1)
            for s in 0...t {
                let value = C[row + s] - eta * acc[s] + eta * drift * m[s] + eta * (eta * noise[s])
                C[next + s] = value
            }
            // C(t+1, t+1), from the row just computed.
            var kc = 0.0
            for u in 0...t { kc += kernel[u] * C[next + u] }
            let noiseDiagonal = Kernels.dot(R + next, qv, from: startR[t + 1], to: t + 1)
            let diagonal = C[next + t] - eta * kc + eta * drift * m[t + 1] + eta * (eta * noiseDiagonal)
            C[next + t + 1] = diagonal
            if problem.spherical, diagonal > 0 {
                // x(t+1) = x̃(t+1)/λ with λ² = C̃(t+1,t+1): the row just computed is that of x̃(t+1), and a kick at
                // x̃(s+1) reaches x(t+1) divided by λ too, so m, C(t+1,·) and R(t+1,·) all scale by 1/λ.
                let scale = 1 / diagonal.squareRoot()
                m[t + 1] *= scale
                for s in 0...t {
                    C[next + s] *= scale
                    R[next + s] *= scale
                }
                C[next + t + 1] = 1
            }
            if !diagonal.isFinite || abs(diagonal) > limit || !m[t + 1].isFinite || !q[t].isFinite || (problem.spherical && !(diagonal > 0)) {
                divergence = q[t].isFinite ? t + 1 : t
                divergenceReason = Self.divergenceReason(diagonal: diagonal, m: m[t + 1], q: q[t], limit: limit, factor: divergenceFactor,
                                                         spherical: problem.spherical, step: divergence!)
                reached = t
                break
            }
            if let progress, t % 16 == 0 {
                let done = Double(t + 1)
                progress(done * done * done / totalWork)
            }
        }
        progress?(1)
        return DMFTSolution(problem: problem, reached: reached, m: Array(m[0...reached]),
                            q: Array(q[0...reached]), qResolution: Array(qResolution[0...reached]), correlations: Array(UnsafeBufferPointer(start: C, count: packed)),
                            responses: Array(UnsafeBufferPointer(start: R, count: packed)), divergence: divergence,
                            divergenceReason: divergenceReason)
    }

    /// What grew, in words: "C(t,t) grew to 3.1e9 at step 12 (≥ 1e8 × the problem's scale max(|x*|²/N = 1, c0) = 1)".
    static func divergenceReason(diagonal: Double, m: Double, q: Double, limit: Double, factor: Double, spherical: Bool,
                                 step: Int) -> String {
        if !q.isFinite { return "the residual variance Q(t) (the loss) became non-finite (\(q)) at step \(step)" }
        if !diagonal.isFinite { return "C(t,t) = |x|²/N became non-finite (\(diagonal)) at step \(step)" }
        if !m.isFinite { return "m(t) became non-finite (\(m)) at step \(step)" }
        if spherical && !(diagonal > 0) {
            return "the unnormalised C(t,t) = \(diagonal) at step \(step) is not positive, so the step cannot be projected onto the sphere"
        }
        return "C(t,t) = |x|²/N grew to \(diagonal) at step \(step) (≥ \(factor) × the problem's scale max(|x*|²/N = 1, c0) = \(limit / factor))"
    }

    /// Pieces a row pass is split into: fixed, so that the rounding does not depend on the thread count.
    static let pieces = 8

    /// One pass over the rows r < `rows` of a lower-triangular band matrix B and a symmetric matrix S, reading each
    /// stored entry once. With [lo, hi) = range(r) and a = coefficients:
    ///
    ///     dots[r] = Σ_{v∈[lo,hi)} B(r,v) x[v],      bandOut[s] = Σ_{r≥k0} a[r] B(r,s)    (s < bandWidth),
    ///     symmetricOut[s] = Σ_{u∈[k0,rows)} a[u] S(u,s)   (s < symmetricWidth, S read from its lower triangle:
    ///                        row r adds a[r] S(r,v) to v < r and Σ_{v∈[k0,r]} a[v] S(r,v) to r).
    ///
    /// The rows are split into `pieces` runs of about equal work, each accumulating into its own scratch rows (the
    /// runs in parallel from `parallelThreshold` rows on), added in a fixed order: the rounding does not depend on
    /// the number of threads.
    private func fusedPass(
        rows: Int, band: UnsafeMutablePointer<Double>, range: (Int) -> (Int, Int), dot x: UnsafeMutablePointer<Double>,
        dots: UnsafeMutablePointer<Double>, bandWidth: Int, into bandOut: UnsafeMutablePointer<Double>,
        symmetric: UnsafeMutablePointer<Double>, symmetricWidth: Int, into symmetricOut: UnsafeMutablePointer<Double>,
        coefficients a: UnsafeMutablePointer<Double>, from k0: Int, scratch: UnsafeMutablePointer<Double>, scratchStride d: Int
    ) {
        for s in 0..<bandWidth { bandOut[s] = 0 }
        for s in 0..<symmetricWidth { symmetricOut[s] = 0 }
        guard rows > 0 else { return }
        func weight(_ r: Int) -> Int { let (lo, hi) = range(r); return 1 + (hi - lo) + (r >= k0 ? r : 0) }
        let count = rows >= 64 ? Self.pieces : 1
        var bounds = [Int](repeating: rows, count: count + 1)
        bounds[0] = 0
        if count > 1 {
            var total = 0
            for r in 0..<rows { total += weight(r) }
            var done = 0, piece = 1
            for r in 0..<rows where piece < count {
                done += weight(r)
                while piece < count && done * count >= total * piece { bounds[piece] = r + 1; piece += 1 }
            }
        }
        withoutActuallyEscaping(range) { range in
            let run = { (piece: Int) in
                let bandBuffer = scratch + 2 * piece * d, symmetricBuffer = bandBuffer + d
                for s in 0..<bandWidth { bandBuffer[s] = 0 }
                for s in 0..<symmetricWidth { symmetricBuffer[s] = 0 }
                for r in bounds[piece]..<bounds[piece + 1] {
                    let (lo, hi) = range(r)
                    let axpyEnd = r >= k0 ? max(lo, min(hi, bandWidth)) : lo
                    dots[r] = Kernels.axpyDot(band + PackedTriangle.rowStart(r), a[r], x, from: lo, axpyTo: axpyEnd, to: hi, into: bandBuffer)
                    if r >= k0 { symmetricBuffer[r] += Kernels.symmetricRow(symmetric + PackedTriangle.rowStart(r), a, from: k0, row: r, into: symmetricBuffer) }
                }
            }
            if count > 1 && rows >= parallelThreshold {
                let shared = UncheckedSendable(run)
                DispatchQueue.concurrentPerform(iterations: count) { shared.value($0) }
            } else {
                for piece in 0..<count { run(piece) }
            }
        }
        for piece in 0..<count {
            let bandBuffer = scratch + 2 * piece * d, symmetricBuffer = bandBuffer + d
            for s in 0..<bandWidth { bandOut[s] += bandBuffer[s] }
            for s in 0..<symmetricWidth { symmetricOut[s] += symmetricBuffer[s] }
        }
    }

    /// The first index of `row[0..<count]` whose magnitude exceeds `negligible` × the row's largest.
    private func firstSignificant(_ row: UnsafeMutablePointer<Double>, count: Int) -> Int {
        guard negligible > 0 else { return 0 }
        var largest = 0.0
        for i in 0..<count { largest = max(largest, abs(row[i])) }
        let cutoff = negligible * largest
        var i = 0
        while i < count && abs(row[i]) <= cutoff { i += 1 }
        return min(i, count)
    }
}

/// `count` zeroed arrays of `elements` doubles, each 2 MB-aligned and advised as huge pages on Linux, so that
/// streaming the history does not miss the TLB on every 4 KB page.
struct MatrixStorage {
    let base: UnsafeMutableRawPointer
    /// Bytes per matrix, rounded up to the alignment.
    let matrixBytes: Int

    init(elements: Int, count: Int) {
        let alignment = 2 << 20
        matrixBytes = (elements * MemoryLayout<Double>.stride + alignment - 1) / alignment * alignment
        base = .allocate(byteCount: matrixBytes * count, alignment: alignment)
        #if os(Linux)
        _ = madvise(base, matrixBytes * count, MADV_HUGEPAGE)
        #endif
        base.initializeMemory(as: UInt8.self, repeating: 0, count: matrixBytes * count)
    }

    subscript(index: Int) -> UnsafeMutablePointer<Double> {
        (base + index * matrixBytes).assumingMemoryBound(to: Double.self)
    }

    func deallocate() { base.deallocate() }
}

/// `count` zeroed vectors of `length` doubles in one allocation.
struct WorkVectors {
    let base: UnsafeMutablePointer<Double>
    let length: Int

    init(length: Int, count: Int) {
        self.length = length
        base = .allocate(capacity: length * count)
        base.initialize(repeating: 0, count: length * count)
    }

    subscript(index: Int) -> UnsafeMutablePointer<Double> { base + index * length }

    func deallocate() { base.deallocate() }
}

/// Wraps a non-Sendable closure whose captured buffers are written by disjoint index ranges.
struct UncheckedSendable<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}

/// Vectorisable kernels on contiguous buffers.
enum Kernels {
    /// Σ_{i ∈ [from, to)} a_i b_i.
    @inline(__always)
    static func dot(_ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>, from: Int, to: Int) -> Double {
        var s = 0.0
        var i = from
        while i < to { s = Relaxed.multiplyAdd(a[i], b[i], s); i += 1 }
        return s
    }

    /// out[i] += a·row[i] for i ∈ [from, axpyTo), and returns Σ_{i∈[from,to)} row[i] x[i] (axpyTo ≤ to).
    @inline(__always)
    static func axpyDot(_ row: UnsafeMutablePointer<Double>, _ a: Double, _ x: UnsafePointer<Double>, from: Int, axpyTo: Int,
                        to: Int, into out: UnsafeMutablePointer<Double>) -> Double {
        var dot = 0.0
        var i = from
        while i < axpyTo {
            let value = row[i]
            out[i] = Relaxed.multiplyAdd(a, value, out[i])
            dot = Relaxed.multiplyAdd(value, x[i], dot)
            i += 1
        }
        while i < to { dot = Relaxed.multiplyAdd(row[i], x[i], dot); i += 1 }
        return dot
    }

    /// One row r of a symmetric product from the lower triangle: out[v] += c[r]·row[v] for v < r, and returns
    /// Σ_{v∈[k0,r]} c[v]·row[v] (the terms of out[r]).
    @inline(__always)
    static func symmetricRow(_ row: UnsafeMutablePointer<Double>, _ c: UnsafePointer<Double>, from k0: Int, row r: Int,
                             into out: UnsafeMutablePointer<Double>) -> Double {
        let cr = c[r]
        var v = 0
        while v < k0 { out[v] = Relaxed.multiplyAdd(cr, row[v], out[v]); v += 1 }
        var dot = 0.0
        while v < r {
            let x = row[v]
            out[v] = Relaxed.multiplyAdd(cr, x, out[v])
            dot = Relaxed.multiplyAdd(c[v], x, dot)
            v += 1
        }
        return Relaxed.multiplyAdd(c[r], row[r], dot)
    }
}
