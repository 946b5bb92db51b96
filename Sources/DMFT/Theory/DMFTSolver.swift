import Dispatch
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
/// Observables: e(t) = (α/2) Q(t) (loss per coordinate), Δ(t) = 1 − 2m(t) + C(t,t).
/// Storage: four (T+1)² row-major matrices (C, R, Ḡ, Y); each step is a handful of O(t²) row sweeps,
/// vectorised and split over cores by columns (each column summed by one thread in a fixed order, so the
/// result does not depend on the number of threads). O(T²) memory; O(T³) time at worst, but responses
/// Ḡ(t,s), R(t,s) decay with t − s once the dynamics relaxes, and terms below `negligible` × the largest
/// one of their sum (far below double rounding) are skipped, which makes long runs O(T² · memory time).
public struct DMFTSolver: Sendable {
    public let problem: SignalRecoveryProblem
    /// Stop when |C(t,t)| exceeds this (the dynamics diverged).
    public var divergenceBound = 1e8
    /// Rows shorter than this are not split over threads.
    public var parallelThreshold = 384
    /// Relative size below which a term of a causal sum is dropped (0 keeps every term).
    public var negligible = 1e-17

    public init(problem: SignalRecoveryProblem) { self.problem = problem }

    /// Marches the equations to step T, or until `stopWhen` is met (then `reached` is that step).
    /// `progress` receives the fraction of the work done.
    public func solve(stopWhen criterion: RelaxationCriterion? = nil, progress: ((Double) -> Void)? = nil) -> DMFTSolution {
        let steps = problem.steps, d = steps + 1
        let eta = problem.learningRate, alpha = problem.alpha, b = problem.batchFraction
        var c = [Double](repeating: 0, count: d * d), r = c, g = c, y = c
        var m = [Double](repeating: 0, count: d), q = m
        m[0] = problem.initialOverlap
        c[0] = problem.initialNorm
        var reached = steps
        var divergence: Int?
        // Work vectors.
        var sig = [Double](repeating: 0, count: d), sigmaC = sig, w = sig, z = sig, kernel = sig, acc = sig, qv = sig, noise = sig
        // First column of each row of Ḡ and R that is not negligible (the responses decay with t − s).
        var startG = [Int](repeating: 0, count: d), startR = startG
        let totalWork = Double(d) * Double(d) * Double(d)

        c.withUnsafeMutableBufferPointer { cb in
        r.withUnsafeMutableBufferPointer { rb in
        g.withUnsafeMutableBufferPointer { gb in
        y.withUnsafeMutableBufferPointer { yb in
        let C = cb.baseAddress!, R = rb.baseAddress!, G = gb.baseAddress!, Y = yb.baseAddress!
        for t in 0...steps {
            let row = t * d
            // Sample side.
            for u in 0..<t { sig[u] = C[row + u] * R[row + u] }
            for v in 0...t { sigmaC[v] = 0.5 * (C[row + v] * C[row + v] - m[t] * m[t] - m[v] * m[v] + 1) }
            // Ḡ(t, s < t).
            sweep(rows: t, columns: t, into: &acc) { u in (sig[u], G + u * d, startG[u], u + 1) }
            for s in 0..<t { G[row + s] = -eta * acc[s] }
            G[row + t] = 1
            startG[t] = firstSignificant(G + row, count: t + 1)
            // W(s, t) for s ≤ t.
            w.withUnsafeMutableBufferPointer { out in
                let o = out.baseAddress!
                parallelFor(count: t + 1) { s in o[s] = Kernels.dot(G + s * d, sigmaC, from: startG[s], to: s + 1) }
            }
            // Y(t, s < t) and Q(t).
            sweep(rows: t, columns: t, into: &z) { u in (sig[u], Y + u * d, 0, t) }
            for s in 0..<t {
                let value = w[s] - eta * z[s]
                Y[row + s] = value
                Y[s * d + t] = value
            }
            var sigW = 0.0, sigZ = 0.0
            for u in 0..<t { sigW += sig[u] * w[u]; sigZ += sig[u] * z[u] }
            q[t] = sigmaC[t] - 2 * eta * sigW + eta * eta * sigZ
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
            let next = (t + 1) * d
            // R(t+1, s < t): Σ_{u=s+1}^{t} K(t,u) R(u,s) = Σ_u K(t,u) R(u, s) over rows u ≤ t (R(u,s) = 0 for s ≥ u).
            sweep(rows: t + 1, columns: t, into: &acc) { u in (kernel[u], R + u * d, startR[u], u) }
            for s in 0..<t { R[next + s] = R[row + s] - eta * acc[s] }
            R[next + t] = 1
            startR[t + 1] = firstSignificant(R + next, count: t + 1)
            // C(t+1, s ≤ t).
            for u in 0...t { qv[u] = alpha * C[row + u] * Y[row + u] }
            sweep(rows: t + 1, columns: t + 1, into: &acc) { u in (kernel[u], C + u * d, 0, t + 1) }
            noise.withUnsafeMutableBufferPointer { out in
                let o = out.baseAddress!
                parallelFor(count: t + 1) { s in o[s] = Kernels.dot(R + s * d, qv, from: startR[s], to: s) }
            }
            for s in 0...t {
                let value = C[row + s] - eta * acc[s] + eta * drift * m[s] + eta * eta * noise[s]
                C[next + s] = value
                C[s * d + t + 1] = value
            }
            // C(t+1, t+1), from the row just computed.
            var kc = 0.0
            for u in 0...t { kc += kernel[u] * C[next + u] }
            let noiseDiagonal = Kernels.dot(R + next, qv, from: startR[t + 1], to: t + 1)
            let diagonal = C[next + t] - eta * kc + eta * drift * m[t + 1] + eta * eta * noiseDiagonal
            C[next + t + 1] = diagonal
            if !diagonal.isFinite || abs(diagonal) > divergenceBound || !m[t + 1].isFinite {
                divergence = t + 1
                reached = t
                break
            }
            if let progress, t % 16 == 0 {
                let done = Double(t + 1)
                progress(done * done * done / totalWork)
            }
        }
        }}}}
        progress?(1)
        return DMFTSolution(problem: problem, reached: reached, dimension: d, m: Array(m[0...reached]),
                            q: Array(q[0...reached]), correlations: c, responses: r, divergence: divergence)
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

    /// body(i) for i in 0..<count, split over threads in contiguous chunks when `count` is large; each i is
    /// computed by exactly one thread, so the result does not depend on the split.
    private func parallelFor(count: Int, _ body: (Int) -> Void) {
        guard count >= parallelThreshold else { for i in 0..<count { body(i) }; return }
        let chunks = min(8, max(2, count / 192))
        withoutActuallyEscaping(body) { body in
            let work = UncheckedSendable(body)
            DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
                for i in (chunk * count / chunks)..<((chunk + 1) * count / chunks) { work.value(i) }
            }
        }
    }

    /// acc[s] = Σ_{u < rows} coefficient(u) · row(u)[s] for s in [start(u), min(columns, end(u))), split over
    /// threads by columns. Terms whose coefficient is below `negligible` × the largest are skipped.
    private func sweep(
        rows: Int, columns: Int, into acc: inout [Double],
        _ term: (Int) -> (coefficient: Double, row: UnsafeMutablePointer<Double>, start: Int, end: Int)
    ) {
        guard columns > 0 else { return }
        var terms = (0..<rows).map(term)
        let largest = terms.reduce(0) { max($0, abs($1.coefficient)) }
        let cutoff = negligible * largest
        terms.removeAll { abs($0.coefficient) <= cutoff || $0.start >= min(columns, $0.end) }
        acc.withUnsafeMutableBufferPointer { out in
            let o = out.baseAddress!
            for s in 0..<columns { o[s] = 0 }
            let chunks = columns >= parallelThreshold && terms.count > 8 ? min(8, max(1, columns / 192)) : 1
            let work = { (chunk: Int) in
                let lo = chunk * columns / chunks, hi = (chunk + 1) * columns / chunks
                for (coefficient, row, start, length) in terms {
                    let begin = max(lo, start), end = min(hi, length)
                    guard end > begin else { continue }
                    Kernels.axpy(o + begin, coefficient, row + begin, count: end - begin)
                }
            }
            if chunks == 1 { work(0) } else {
                let pointer = UncheckedSendable(work)
                DispatchQueue.concurrentPerform(iterations: chunks) { pointer.value($0) }
            }
        }
    }
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
    static func dot(_ a: UnsafeMutablePointer<Double>, _ b: [Double], from: Int, to: Int) -> Double {
        b.withUnsafeBufferPointer { b in
            var s = 0.0
            var i = from
            while i < to { s = Relaxed.multiplyAdd(a[i], b[i], s); i += 1 }
            return s
        }
    }

    @inline(__always)
    static func axpy(_ y: UnsafeMutablePointer<Double>, _ a: Double, _ x: UnsafeMutablePointer<Double>, count: Int) {
        for i in 0..<count { y[i] = Relaxed.multiplyAdd(a, x[i], y[i]) }
    }
}
