import RealModule

/// Expectations over correlated Gaussian fields of products of piecewise-smooth factors, integrated exactly at
/// their kinks:
///
///     E[f₀(u_{s₀}) f₁(u_{s₁}) f₂(u_{s₂}) f₃(u_{s₃})],   u ~ N(0, C),   u = L z,   z ~ N(0, I),
///
/// where a factor may have kinks (points where it or its derivative jumps, e.g. ReLU and its step θ at 0).
/// A smooth rule run across a kink converges only algebraically (ReLU × tanh: I3 off by 3.7 % with 15 nodes);
/// here the kinked fields come first in the Cholesky order, so that level ℓ of the nested product rule sees
/// field m as u_m = a_m + L_mℓ z_ℓ + Σ_{j>ℓ} L_mj z_j with a_m fixed by the outer levels. Each level is split at
///
/// - z* = (k − a_m)/L_mℓ for every kink k of every kinked field m with L_mℓ ≠ 0: the exact kink when the row of m
///   ends at ℓ (then the integrand is smooth on each piece), otherwise the centre of the kink smoothed by the
///   inner levels over the width w = ‖L_m,>ℓ‖/|L_mℓ|; for strongly correlated kinked fields (w ≪ 1) also at
///   z* ± w·4^j (j = 0, 1, … while below 1), a mesh graded towards that narrow transition;
///
/// and integrated piece by piece: the two unbounded end pieces by the half-range Gauss–Hermite rule shifted to
/// the outermost breakpoint (exact on polynomials times φ; 0 is added as a breakpoint if needed so that the shift
/// never exceeds ½ against the Gaussian's decay), the finite pieces by Gauss–Legendre on sub-intervals of length
/// ≤ 2 with weight φ(z). Levels without a kinked field use the smooth rule (`smooth`, Gauss–Hermite or trapezoid),
/// and a zero Cholesky column (a repeated field) a single node, as in `GaussianQuadrature`.
public struct KinkedGaussianQuadrature: Sendable {
    /// The full-line rule of the smooth levels.
    public let smooth: QuadratureRule
    /// The half-range rule of the end pieces (weights sum to ½) and the Gauss–Legendre rule on [0, 1] of the
    /// finite pieces.
    let tail: QuadratureRule
    let piece: QuadratureRule
    /// Breakpoints beyond ±`span` (Gaussian tail mass < 1e-19) are dropped.
    static let span = 9.0
    /// Finite pieces are cut into sub-intervals of at most this length.
    static let pieceLength = 2.0

    /// Kinked levels get ⌈2n/3⌉ nodes per end piece and ⌈n/2⌉ per finite piece (n = `order`, the node count of
    /// the smooth rule unless given): for ReLU at 15 nodes that is 10 + 10 at the first kinked level, accurate to
    /// ~1e-9 on analytic pieces.
    public init(smooth: QuadratureRule, order: Int? = nil) {
        let n = max(order ?? smooth.nodes.count, 4)
        self.smooth = smooth
        tail = HalfRangeHermite.rule(order: min(80, (2 * n + 2) / 3))
        piece = GaussLegendre.rule(order: (n + 1) / 2)
    }

    /// A factor: its function and the kinks of that function (empty when smooth).
    public typealias Factor = (function: (Double) -> Double, kinks: [Double])

    /// E[Πₖ fₖ(u_{sₖ})] for u ~ N(μ, C), C the leading D×D block of the row-major 4×4 `c` and μ the first D entries
    /// of `mean` (default 0; the kinks then sit at k − μ of the centred field); factor k acts on field sₖ ∈ 0..<D, or is
    /// absent when sₖ < 0. NaN if C is not positive semidefinite (beyond a relative 1e-6).
    public func productExpectation(_ c: SIMD16<Double>, dimension d: Int, fields s: SIMD4<Int>, mean: SIMD4<Double> = .zero,
                                   _ f0: Factor, _ f1: Factor, _ f2: Factor, _ f3: Factor) -> Double {
        precondition((1...4).contains(d), "quadrature supports 1 to 4 dimensions")
        let factors = [f0, f1, f2, f3]
        // Kinks of each field (the union over its factors); kinked fields first.
        var fieldKinks = [[Double]](repeating: [], count: d)
        for k in 0..<4 where s[k] >= 0 { fieldKinks[s[k]] += factors[k].kinks }
        let order = (0..<d).filter { !fieldKinks[$0].isEmpty } + (0..<d).filter { fieldKinks[$0].isEmpty }
        var position = [Int](repeating: 0, count: d)
        for (level, field) in order.enumerated() { position[field] = level }
        var permuted = SIMD16<Double>(repeating: 0)
        for a in 0..<d { for b in 0..<d { permuted[4 * a + b] = c[4 * order[a] + order[b]] } }
        guard let l = Cholesky.nearestSemidefiniteFactor(permuted, dimension: d) else { return .nan }
        let kinks = order.map { fieldKinks[$0] }
        let levelOf = (0..<4).map { s[$0] >= 0 ? position[s[$0]] : -1 }

        func integrate(level: Int, _ u: SIMD4<Double>) -> Double {
            if level == d { return 1 }
            let (nodes, weights) = rule(level: level, u, l, dimension: d, kinks: kinks)
            var total = 0.0
            for (z, w) in zip(nodes, weights) {
                var next = u
                for m in level..<d { next[m] += l[4 * m + level] * z }
                var p = w
                for k in 0..<4 where levelOf[k] == level { p *= factors[k].function(next[level]) }
                if p == 0 { continue }
                total += p * integrate(level: level + 1, next)
            }
            return total
        }
        // u_m accumulates μ_m + Σ_ℓ L_mℓ z_ℓ level by level: it starts at the (permuted) mean.
        var start = SIMD4<Double>(repeating: 0)
        for level in 0..<d { start[level] = mean[order[level]] }
        return integrate(level: 0, start)
    }

    /// The nodes and weights (for z ~ N(0, 1)) of one level, given the fields' values `u` from the outer levels.
    func rule(level: Int, _ u: SIMD4<Double>, _ l: SIMD16<Double>, dimension d: Int, kinks: [[Double]]) -> ([Double], [Double]) {
        guard (level..<d).contains(where: { l[4 * $0 + level] != 0 }) else { return ([0], [1]) }
        var points: [Double] = []
        for m in level..<d where !kinks[m].isEmpty && l[4 * m + level] != 0 {
            let slope = l[4 * m + level]
            var rest = 0.0
            for j in (level + 1)..<max(level + 1, d) { rest += l[4 * m + j] * l[4 * m + j] }
            let width = rest.squareRoot() / abs(slope)
            for k in kinks[m] {
                let centre = (k - u[m]) / slope
                guard centre.isFinite, abs(centre) < Self.span + 1 else { continue }
                points.append(centre)
                var offset = width
                while offset > 0 && offset < 1 {
                    points.append(centre - offset)
                    points.append(centre + offset)
                    offset *= 4
                }
            }
        }
        points = points.filter { abs($0) <= Self.span }.sorted()
        guard !points.isEmpty else { return (smooth.nodes, smooth.weights) }
        var breakpoints: [Double] = []
        for p in points where breakpoints.last.map({ p - $0 > 1e-12 * (1 + abs(p)) }) ?? true { breakpoints.append(p) }
        if breakpoints.first! > 0.5 || breakpoints.last! < -0.5 {
            breakpoints.append(0)
            breakpoints.sort()
        }
        var nodes: [Double] = [], weights: [Double] = []
        let count = 2 * tail.nodes.count + piece.nodes.count * (breakpoints.count - 1)
        nodes.reserveCapacity(count)
        weights.reserveCapacity(count)
        // (−∞, a]: z = a − x, φ(a − x) = φ(x) e^{a x − a²/2}; [b, ∞): z = b + x, φ(b + x) = φ(x) e^{−b x − b²/2}.
        let a = breakpoints.first!, b = breakpoints.last!
        for (x, w) in zip(tail.nodes, tail.weights) {
            nodes.append(a - x)
            weights.append(w * Double.exp(a * x - 0.5 * a * a))
            nodes.append(b + x)
            weights.append(w * Double.exp(-b * x - 0.5 * b * b))
        }
        let density = 1 / (2 * Double.pi).squareRoot()
        for (lo, hi) in zip(breakpoints, breakpoints.dropFirst()) {
            let parts = max(1, Int(((hi - lo) / Self.pieceLength).rounded(.up)))
            let length = (hi - lo) / Double(parts)
            for part in 0..<parts {
                let start = lo + Double(part) * length
                for (t, w) in zip(piece.nodes, piece.weights) {
                    let z = start + length * t
                    nodes.append(z)
                    weights.append(length * w * density * Double.exp(-0.5 * z * z))
                }
            }
        }
        return (nodes, weights)
    }
}
