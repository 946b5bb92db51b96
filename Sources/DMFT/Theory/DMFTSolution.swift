/// The DMFT trajectory of a `SignalRecoveryProblem`, indexed by step t = 0…T (time t·η).
public struct DMFTSolution: Sendable {
    /// The problem solved (α, η, b, m0, c0, T, spherical).
    public let problem: SignalRecoveryProblem
    /// The last step computed (T, or the last finite one before a divergence).
    public let reached: Int
    /// m(t) = x(t)·x*/N.
    public let m: [Double]
    /// Q(t): the residual variance; the loss per coordinate is e(t) = (α/2) Q(t).
    public let q: [Double]
    /// A bound on the rounding error of each Q(t), whose terms cancel as the signal is recovered (`roundingBound`).
    public let qResolution: [Double]
    /// C and R as packed lower triangles (`PackedTriangle`).
    let correlations: [Double]
    let responses: [Double]
    /// The step at which the run diverged (C(t,t) past the bound, or m(t), C(t,t) or Q(t) non-finite), if it did.
    public let divergence: Int?
    /// What diverged (which observable grew past which bound, or became non-finite), when it did.
    public let divergenceReason: String?

    /// A solution of `problem` up to step `reached`: m, Q and Q's rounding bound at steps 0…reached, and C and R as
    /// packed lower triangles, entry (t, s ≤ t) at t(t+1)/2 + s for t = 0…reached (R(t, s) is read only for s < t).
    public init(problem: SignalRecoveryProblem, reached: Int, m: [Double], q: [Double], qResolution: [Double],
                correlations: [Double], responses: [Double], divergence: Int?, divergenceReason: String?) {
        self.problem = problem; self.reached = reached; self.m = m; self.q = q; self.qResolution = qResolution
        self.correlations = correlations; self.responses = responses
        self.divergence = divergence; self.divergenceReason = divergenceReason
    }

    /// The steps 0…reached.
    public var steps: [Int] { Array(0...reached) }
    /// C(t,t) = |x(t)|²/N.
    public var ctt: [Double] { (0...reached).map { correlation($0, $0) } }
    /// Δ(t) = 1 − 2m(t) + C(t,t) = |x(t) − x*|²/N.
    public var delta: [Double] { zip(m, ctt).map { 1 - 2 * $0 + $1 } }
    /// e(t) = H/N = (α/2) Q(t).
    public var energy: [Double] { q.map { 0.5 * problem.alpha * $0 } }

    /// Near perfect recovery Δ and e are differences of O(1) numbers and their computed values (even negative
    /// ones, −2.2e-16) are rounding: these bound that rounding. Δ = 1 − 2m + C(t,t) has at most
    /// `roundingBound(terms: 3, size: 1 + 2|m| + |C|)`; e = (α/2)Q that of Q (`qResolution`).
    public var deltaResolution: [Double] { zip(m, ctt).map { Self.roundingBound(terms: 3, size: 1 + 2 * abs($0) + abs($1)) } }
    /// The rounding bound of each e(t): (α/2) times that of Q(t) (`qResolution`).
    public var energyResolution: [Double] { qResolution.map { 0.5 * problem.alpha * $0 } }

    /// Δ(t) where it exceeds its resolution, NaN (written as null, printed as "< resolution") where it does not: then
    /// the true Δ, which is non-negative, lies in [0, resolution).
    public var resolvedDelta: [Double] { Self.resolved(delta, deltaResolution) }
    /// e(t) likewise.
    public var resolvedEnergy: [Double] { Self.resolved(energy, energyResolution) }

    static func resolved(_ values: [Double], _ resolution: [Double]) -> [Double] {
        zip(values, resolution).map { $0 > $1 ? $0 : .nan }
    }

    /// Rounding bound of a sum of `terms` terms whose absolute values add up to `size`: 2·√terms·ε_mach·size (the
    /// statistical bound of accumulated rounding, with a factor 2 to spare; the worst case terms·ε is far larger).
    public static func roundingBound(terms: Int, size: Double) -> Double {
        2 * Double(max(terms, 1)).squareRoot() * Double.ulpOfOne * size
    }

    /// C(t,s) = x(t)·x(s)/N.
    public func correlation(_ t: Int, _ s: Int) -> Double {
        t >= s ? correlations[PackedTriangle.index(t, s)] : correlations[PackedTriangle.index(s, t)]
    }
    /// R(t,s): response of x(t) to a kick at step s (zero unless s < t).
    public func response(_ t: Int, _ s: Int) -> Double { s < t ? responses[PackedTriangle.index(t, s)] : 0 }

    /// C(t,s) on a grid of at most `size`×`size` steps (row-major), with the steps used.
    public func correlationMatrix(size: Int) -> (values: [Double], steps: [Int]) {
        let n = min(size, reached + 1)
        let picks = (0..<n).map { n == 1 ? 0 : $0 * reached / (n - 1) }
        return (picks.flatMap { t in picks.map { correlation(t, $0) } }, picks)
    }
}

/// Lower-triangular matrices stored row after row: entry (t, s ≤ t) at t(t+1)/2 + s.
enum PackedTriangle {
    /// Where row t starts.
    @inline(__always)
    static func rowStart(_ t: Int) -> Int { t * (t + 1) / 2 }

    @inline(__always)
    static func index(_ t: Int, _ s: Int) -> Int { rowStart(t) + s }

    /// Entries of a triangle with rows 0..<rows.
    static func count(rows: Int) -> Int { rowStart(rows) }
}
