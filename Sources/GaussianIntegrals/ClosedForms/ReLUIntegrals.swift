import RealModule

/// Gaussian integrals for g(x) = max(0, x), g'(x) = θ(x).
///
/// I2, J2, I3 in closed form; I4 = E[θ(u₁)θ(u₂)θ(u₃)u₃θ(u₄)u₄] by repeated Gaussian integration by parts
/// (Stein: E[u_m h(u)] = Σⱼ C_mj E[∂ⱼh]), where ∂θ = δ turns into conditioning on a zero field. This
/// reduces everything to orthant probabilities: closed forms up to three variables and, for four,
/// Plackett's identity ∂P/∂ρᵢⱼ = φ₂(0,0; ρᵢⱼ) P₂(· | uᵢ = uⱼ = 0) integrated from the identity along
/// R(s) = I + s(R − I) by Gauss–Legendre (after s = 1 − (1−x)², which removes the endpoint singularity).
/// Identical or opposite fields (singular covariances, e.g. I4(i, i, …)) are merged exactly first.
public enum ReLUIntegrals {
    /// I2 = E[relu(u₁)relu(u₂)] = [√(C₁₁C₂₂ − C₁₂²) + C₁₂(π/2 + arcsin r₁₂)]/(2π).
    @inlinable
    public static func i2(c11: Double, c12: Double, c22: Double) -> Double {
        let r = clamp(c12 / (c11 * c22).squareRoot())
        return (max(0, c11 * c22 - c12 * c12).squareRoot() + c12 * (Double.pi / 2 + Double.asin(r))) / (2 * Double.pi)
    }

    /// J2 = E[θ(u₁)θ(u₂)] = 1/4 + arcsin(r₁₂)/(2π).
    @inlinable
    public static func j2(c11: Double, c12: Double, c22: Double) -> Double {
        0.25 + Double.asin(clamp(c12 / (c11 * c22).squareRoot())) / (2 * Double.pi)
    }

    /// I3 = E[θ(u₁) u₂ relu(u₃)] = C₂₃(1/4 + arcsin(r₁₃)/(2π)) + C₁₂√(C₁₁C₃₃ − C₁₃²)/(2πC₁₁).
    @inlinable
    public static func i3(c11: Double, c12: Double, c13: Double, c23: Double, c33: Double) -> Double {
        let r = clamp(c13 / (c11 * c33).squareRoot())
        return c23 * (0.25 + Double.asin(r) / (2 * Double.pi)) + c12 * max(0, c11 * c33 - c13 * c13).squareRoot() / (2 * Double.pi * c11)
    }

    /// I4 = E[θ(u₁)θ(u₂)relu(u₃)relu(u₄)] for the 4×4 covariance `c` (row-major).
    ///
    /// The four-variate orthant probability it needs depends only on the set of fields, not their order: give
    /// the fields' indices and an `OrthantCache` to share it between the I4 of one covariance matrix.
    public static func i4(_ c: SIMD16<Double>, fields: SIMD4<Int>? = nil, cache: OrthantCache? = nil) -> Double {
        var state = OrthantState(c: c, active: 0b1111)
        if let fields, let cache { state.fields = fields; state.cache = cache }
        return state.moment(theta: 0b1111, first: 2, second: 3)
    }

    /// E[Πᵢ θ(uᵢ) for i in `theta` × u_first × u_second] (−1 for an absent linear factor): the general
    /// form behind I2…I4, exposed for tests.
    public static func moment(_ c: SIMD16<Double>, dimension: Int, theta: UInt8, first: Int, second: Int) -> Double {
        var state = OrthantState(c: c, active: UInt8((1 << dimension) - 1))
        return state.moment(theta: theta, first: first, second: second)
    }

    /// P(uᵢ > 0 for all i) for a 4×4 correlation matrix, by Plackett's identity.
    ///
    /// The integrand of pair (i, j) has a near-singularity of width ~√(1 − |ρᵢⱼ|) at s = 1; the rule is
    /// chosen accordingly: 12 Gauss–Legendre nodes for |ρ| < 0.5, 20 for |ρ| < 0.95, and beyond that a
    /// composite rule on intervals halving towards x = 1 down to that width.
    public static func orthant4(_ r: SIMD16<Double>) -> Double {
        var total = 1.0 / 16
        let pairs = [(0, 1, 2, 3), (0, 2, 1, 3), (0, 3, 1, 2), (1, 2, 0, 3), (1, 3, 0, 2), (2, 3, 0, 1)]
        for (i, j, k, l) in pairs {
            let rij = r[i * 4 + j]
            guard rij != 0 else { continue }
            func integrand(_ x: Double) -> Double {
                let s = 1 - (1 - x) * (1 - x), ds = 2 * (1 - x)
                let a = s * rij, det = 1 - a * a
                guard det > 0 else { return 0 }
                let phi = 1 / (2 * Double.pi * det.squareRoot())
                let ki = s * r[k * 4 + i], kj = s * r[k * 4 + j], li = s * r[l * 4 + i], lj = s * r[l * 4 + j]
                // b_kᵀ [[1, a], [a, 1]]⁻¹ b_l.
                func form(_ p: Double, _ q: Double, _ u: Double, _ v: Double) -> Double { (p * u - a * (p * v + q * u) + q * v) / det }
                let skk = 1 - form(ki, kj, ki, kj), sll = 1 - form(li, lj, li, lj), skl = s * r[k * 4 + l] - form(ki, kj, li, lj)
                let p2 = 0.25 + Double.asin(clamp(skl / max(skk * sll, 1e-300).squareRoot())) / (2 * Double.pi)
                return ds * phi * p2
            }
            let gap = 1 - abs(rij)
            var integral = 0.0
            if gap > 0.5 {
                for (x, w) in zip(legendre12.nodes, legendre12.weights) { integral += w * integrand(x) }
            } else if gap > 0.05 {
                for (x, w) in zip(legendre20.nodes, legendre20.weights) { integral += w * integrand(x) }
            } else {
                // Intervals [1 − 2^{−m}, 1 − 2^{−m−1}] until their width is below √gap/8, then the rest.
                let width = max(gap, 1e-300).squareRoot() / 8
                var lower = 0.0, size = 0.5
                while true {
                    let upper = size < width ? 1 : lower + size
                    for (x, w) in zip(legendre12.nodes, legendre12.weights) {
                        integral += (upper - lower) * w * integrand(lower + (upper - lower) * x)
                    }
                    if upper == 1 { break }
                    lower = upper
                    size *= 0.5
                }
            }
            total += rij * integral
        }
        return total
    }

    static let legendre12 = GaussLegendre.rule(order: 12)
    static let legendre20 = GaussLegendre.rule(order: 20)

    @inlinable
    static func clamp(_ x: Double) -> Double { x.isNaN ? 0 : min(1, max(-1, x)) }
}

/// Four-variate orthant probabilities of one covariance matrix of local fields, keyed by the set of fields.
/// Use one cache per covariance matrix (e.g. per ODE right-hand-side evaluation); not thread-safe.
public final class OrthantCache {
    var values: [UInt64: Double] = [:]
    /// An empty cache.
    public init() {}
}

/// A Gaussian vector of up to four fields (some conditioned away) for the ReLU moment recursion.
struct OrthantState {
    var c: SIMD16<Double>
    var active: UInt8
    var factor = 1.0
    /// The original fields' indices, with `cache`, while no field has been merged, flipped or conditioned away.
    var fields: SIMD4<Int>?
    var cache: OrthantCache?

    subscript(_ i: Int, _ j: Int) -> Double {
        get { c[i * 4 + j] }
        set { c[i * 4 + j] = newValue }
    }

    func has(_ mask: UInt8, _ i: Int) -> Bool { mask & (1 << i) != 0 }

    mutating func flip(_ b: Int) {
        fields = nil
        for x in 0..<4 where x != b { self[b, x] = -self[b, x]; self[x, b] = -self[x, b] }
    }

    /// Merges identical (or opposite) fields and drops degenerate ones. Returns false if the moment is 0.
    mutating func simplify(theta: inout UInt8, first: inout Int, second: inout Int) -> Bool {
        var changed = true
        while changed {
            changed = false
            for b in 0..<4 where has(active, b) {
                if self[b, b] <= 1e-300 {
                    // u_b ≡ 0: a linear factor kills the moment; θ(0) counts as 1/2 (a null set anyway).
                    if first == b || second == b { return false }
                    if has(theta, b) { factor *= 0.5; theta &= ~(1 << b) }
                    active &= ~(1 << b)
                    changed = true
                    continue
                }
                for a in 0..<b where has(active, a) {
                    let corr = self[a, b] / (self[a, a] * self[b, b]).squareRoot()
                    guard abs(corr) > 1 - 1e-10 else { continue }
                    if corr < 0 {
                        if !has(theta, b) {
                            flip(b)
                            if first == b { factor = -factor }
                            if second == b { factor = -factor }
                        } else if !has(theta, a) {
                            flip(a)
                            if first == a { factor = -factor }
                            if second == a { factor = -factor }
                        } else {
                            return false  // θ(u)θ(−u) = 0
                        }
                    }
                    // Now u_b = s u_a with s > 0.
                    let s = (self[b, b] / self[a, a]).squareRoot()
                    if has(theta, b) { theta = (theta & ~(1 << b)) | (1 << a) }
                    if first == b { first = a; factor *= s }
                    if second == b { second = a; factor *= s }
                    active &= ~(1 << b)
                    changed = true
                    break
                }
                if changed { break }
            }
        }
        return true
    }

    /// Conditions on u_j = 0: C' = C − C_{·j} C_{j·} / C_jj (entries of inactive fields are don't-cares).
    func conditioned(on j: Int) -> OrthantState {
        let cjj = c[j * 4 + j]
        let column = SIMD16<Double>(
            c[j], c[j], c[j], c[j], c[4 + j], c[4 + j], c[4 + j], c[4 + j],
            c[8 + j], c[8 + j], c[8 + j], c[8 + j], c[12 + j], c[12 + j], c[12 + j], c[12 + j])
        let row = SIMD4<Double>(c[j * 4], c[j * 4 + 1], c[j * 4 + 2], c[j * 4 + 3])
        let rows = SIMD16<Double>(lowHalf: SIMD8(lowHalf: row, highHalf: row), highHalf: SIMD8(lowHalf: row, highHalf: row))
        return OrthantState(c: c - column * rows / cjj, active: active & ~(1 << j))
    }

    mutating func moment(theta: UInt8, first: Int, second: Int) -> Double {
        var theta = theta & active, first = first, second = second
        guard simplify(theta: &theta, first: &first, second: &second) else { return 0 }
        let scale = factor
        if first < 0 && second < 0 { return scale * orthant(theta) }
        // Integrate by parts on the last linear factor m; `rest` is the other one (or −1).
        let (m, rest) = second >= 0 ? (second, first) : (first, -1)
        var total = 0.0
        for j in 0..<4 where has(active, j) && self[m, j] != 0 {
            if j == rest {
                var copy = self
                copy.factor = 1
                total += self[m, j] * copy.moment(theta: theta, first: -1, second: -1)
            } else if has(theta, j) {
                var next = conditioned(on: j)
                let density = 1 / (2 * Double.pi * self[j, j]).squareRoot()
                total += self[m, j] * density * next.moment(theta: theta & ~(1 << j), first: rest, second: -1)
            }
        }
        return scale * total
    }

    /// P(u_i > 0 for i in `theta`).
    func orthant(_ theta: UInt8) -> Double {
        var indices = SIMD4<Int>(repeating: 0), count = 0
        for i in 0..<4 where has(theta, i) { indices[count] = i; count += 1 }
        func r(_ a: Int, _ b: Int) -> Double { ReLUIntegrals.clamp(self[a, b] / (self[a, a] * self[b, b]).squareRoot()) }
        switch count {
        case 0: return 1
        case 1: return 0.5
        case 2: return 0.25 + Double.asin(r(indices[0], indices[1])) / (2 * Double.pi)
        case 3:
            let (a, b, d) = (indices[0], indices[1], indices[2])
            return 0.125 + (Double.asin(r(a, b)) + Double.asin(r(a, d)) + Double.asin(r(b, d))) / (4 * Double.pi)
        default:
            var key: UInt64 = 0
            if let fields, active == 0b1111 { for a in 0..<4 { key |= 1 << UInt64(fields[a]) } }
            if key != 0, key.nonzeroBitCount == 4, let known = cache?.values[key] { return known }
            var correlation = SIMD16<Double>(repeating: 0)
            for a in 0..<4 { for b in 0..<4 { correlation[a * 4 + b] = a == b ? 1 : r(a, b) } }
            let value = ReLUIntegrals.orthant4(correlation)
            if key != 0, key.nonzeroBitCount == 4 { cache?.values[key] = value }
            return value
        }
    }
}
