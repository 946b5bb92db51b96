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
/// In the spherical variant these give the row of the unnormalised step x̃(t+1); dividing m(t+1), C(t+1,s ≤ t)
/// and R(t+1,·) by λ(t) = √C̃(t+1,t+1) gives that of x(t+1) = x̃(t+1)/λ(t), and C(t+1,t+1) = 1.
///
/// Observables: e(t) = (α/2) Q(t) (loss per coordinate), Δ(t) = 1 − 2m(t) + C(t,t).
/// Storage: four (T+1)² row-major matrices (C, R, Ḡ, Y; C and Y kept symmetric). Each step makes two passes
/// over the rows s ≤ t, split over cores by rows (each value summed by one thread in a fixed order, so the
/// result does not depend on the number of threads): W(s,t) and Σ_u Σ̃(t,u)Y(u,s), then Σ_u K(t,u)C(u,s) and
/// the noise term, each a contiguous dot product of a piece of row s; plus two small sweeps for the new rows
/// of Ḡ and R. Responses Ḡ(t,s), R(t,s) decay with t − s once the dynamics relaxes, and terms below
/// `negligible` × the largest one of their sum (far below double rounding) are skipped, so a step costs
/// O(t · window) reads rather than O(t²): long runs are limited by memory bandwidth.
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
            // W(s, t) for s ≤ t and z(s) = Σ_u Σ̃(t,u) Y(u,s) for s < t: one pass over the rows s of Ḡ and Y
            // (Y is stored symmetric, so Y(u,s) for the recent u is a contiguous piece of row s).
            let sigStart = firstSignificant(sig, count: t)
            w.withUnsafeMutableBufferPointer { wOut in
            z.withUnsafeMutableBufferPointer { zOut in
            sigmaC.withUnsafeBufferPointer { sigmaCIn in
            sig.withUnsafeBufferPointer { sigIn in
            startG.withUnsafeBufferPointer { startIn in
                let wo = wOut.baseAddress!, zo = zOut.baseAddress!, sc = sigmaCIn.baseAddress!, sg = sigIn.baseAddress!
                let first = startIn.baseAddress!
                parallelFor(count: t) { s in
                    wo[s] = Kernels.dot(G + s * d, sc, from: first[s], to: s + 1)
                    zo[s] = Kernels.dot(Y + s * d, sg, from: sigStart, to: t)
                }
                wo[t] = Kernels.dot(G + row, sc, from: first[t], to: t + 1)
            }}}}}
            // Y(t, s < t) and Q(t).
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
            // C(t+1, s ≤ t): Σ_u K(t,u) C(u,s) and the noise Σ_{u<s} R(s,u) αξ'(C(t,u)) Y(t,u), one pass over the
            // rows s of C (symmetric) and R.
            for u in 0...t { qv[u] = alpha * C[row + u] * Y[row + u] }
            let kernelStart = firstSignificant(kernel, count: t + 1)
            acc.withUnsafeMutableBufferPointer { accOut in
            noise.withUnsafeMutableBufferPointer { noiseOut in
            kernel.withUnsafeBufferPointer { kernelIn in
            qv.withUnsafeBufferPointer { qvIn in
            startR.withUnsafeBufferPointer { startIn in
                let ao = accOut.baseAddress!, no = noiseOut.baseAddress!, k = kernelIn.baseAddress!, nv = qvIn.baseAddress!
                let first = startIn.baseAddress!
                parallelFor(count: t + 1) { s in
                    ao[s] = Kernels.dot(C + s * d, k, from: kernelStart, to: t + 1)
                    no[s] = Kernels.dot(R + s * d, nv, from: first[s], to: s)
                }
            }}}}}
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
            if problem.spherical, diagonal > 0 {
                // x(t+1) = x̃(t+1)/λ with λ² = C̃(t+1,t+1): the row just computed is that of x̃(t+1), and a kick at
                // x̃(s+1) reaches x(t+1) divided by λ too, so m, C(t+1,·) and R(t+1,·) all scale by 1/λ.
                let scale = 1 / diagonal.squareRoot()
                m[t + 1] *= scale
                for s in 0...t {
                    C[next + s] *= scale
                    C[s * d + t + 1] = C[next + s]
                    R[next + s] *= scale
                }
                C[next + t + 1] = 1
            }
            if !diagonal.isFinite || abs(diagonal) > divergenceBound || !m[t + 1].isFinite || (problem.spherical && !(diagonal > 0)) {
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
    private func firstSignificant(_ row: [Double], count: Int) -> Int {
        row.withUnsafeBufferPointer { firstSignificant(UnsafeMutablePointer(mutating: $0.baseAddress!), count: count) }
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
        // Only columns from the earliest start on receive terms; split that range over threads.
        let first = terms.reduce(columns) { min($0, $1.start) }
        acc.withUnsafeMutableBufferPointer { out in
            let o = out.baseAddress!
            for s in 0..<columns { o[s] = 0 }
            let active = columns - first
            let chunks = active >= parallelThreshold && terms.count > 8 ? min(8, max(1, active / 96)) : 1
            let work = { (chunk: Int) in
                let lo = first + chunk * active / chunks, hi = first + (chunk + 1) * active / chunks
                func single(_ k: Int, _ from: Int, _ to: Int) {
                    let (coefficient, row, start, end) = terms[k]
                    let b = max(from, start), e = min(to, end)
                    if e > b { Kernels.axpy(o + b, coefficient, row + b, count: e - b) }
                }
                // Four terms at a time on the columns they share (a quarter of the loads and stores of
                // `acc`), the rest of each term's range on its own. Which columns are fused depends on the
                // terms only, not on the chunk, so the rounding does not depend on the thread split.
                var k = 0
                while k + 4 <= terms.count {
                    let shared = max(terms[k].start, terms[k + 1].start, terms[k + 2].start, terms[k + 3].start)
                    let sharedEnd = min(terms[k].end, terms[k + 1].end, terms[k + 2].end, terms[k + 3].end)
                    let b = max(lo, shared), e = min(hi, sharedEnd)
                    if e > b {
                        for j in k..<(k + 4) { single(j, lo, min(hi, shared)); single(j, max(lo, sharedEnd), hi) }
                        Kernels.axpy4(o, (terms[k].coefficient, terms[k + 1].coefficient, terms[k + 2].coefficient, terms[k + 3].coefficient),
                                      (terms[k].row, terms[k + 1].row, terms[k + 2].row, terms[k + 3].row), from: b, to: e)
                    } else {
                        for j in k..<(k + 4) { single(j, lo, hi) }
                    }
                    k += 4
                }
                while k < terms.count { single(k, lo, hi); k += 1 }
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
    static func dot(_ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>, from: Int, to: Int) -> Double {
        var s = 0.0
        var i = from
        while i < to { s = Relaxed.multiplyAdd(a[i], b[i], s); i += 1 }
        return s
    }

    @inline(__always)
    static func dot(_ a: UnsafePointer<Double>, _ b: [Double], from: Int, to: Int) -> Double {
        b.withUnsafeBufferPointer { dot(a, $0.baseAddress!, from: from, to: to) }
    }

    /// y[i] += a₀x₀[i] + a₁x₁[i] + a₂x₂[i] + a₃x₃[i] for i in [from, to).
    @inline(__always)
    static func axpy4(
        _ y: UnsafeMutablePointer<Double>, _ a: (Double, Double, Double, Double),
        _ x: (UnsafeMutablePointer<Double>, UnsafeMutablePointer<Double>, UnsafeMutablePointer<Double>, UnsafeMutablePointer<Double>),
        from: Int, to: Int
    ) {
        for i in from..<to {
            let s = Relaxed.multiplyAdd(a.0, x.0[i], a.1 * x.1[i]) + Relaxed.multiplyAdd(a.2, x.2[i], a.3 * x.3[i])
            y[i] += s
        }
    }

    @inline(__always)
    static func axpy(_ y: UnsafeMutablePointer<Double>, _ a: Double, _ x: UnsafeMutablePointer<Double>, count: Int) {
        for i in 0..<count { y[i] = Relaxed.multiplyAdd(a, x[i], y[i]) }
    }
}
