import Scenarios

/// Fixed points of a committee's ODE anywhere in its state space (the symmetric plateau's saddle, the specialised
/// fixed point with noise, …): Newton's method on the plain right-hand side F(y) of `CommitteeODE`, with its Jacobian
/// by central differences, and the fixed point's spectrum. Perfect learning itself (Q = R = T) sits on the boundary
/// of the semidefinite cone, where central differences leave it: `CommitteeStability` linearises there.
public struct CommitteeFixedPointSearch: Sendable {
    /// The committee ODE at the scenario's constant base rate (schedule `.constant`), whose F(y) the search uses.
    public let ode: CommitteeODE

    /// The ODE of `scenario` with what the state does not hold (T, v*, fixed v) from `initial`; at its constant base rate.
    public init(scenario: CommitteeScenario, initial: CommitteeOrderParameters) {
        var constant = scenario
        constant.optimiser.schedule = .constant
        ode = CommitteeODE(scenario: constant, initial: initial)
    }

    /// F(y).
    public func velocity(_ y: [Double]) -> [Double] {
        var dy = [Double](repeating: 0, count: y.count)
        y.withUnsafeBufferPointer { state in dy.withUnsafeMutableBufferPointer { ode.evaluate(time: 0, state: state, derivative: $0) } }
        return dy
    }

    /// J = ∂F/∂y at `y` (row-major n × n), central differences with step `h` (error O(h²) for the smooth right-hand side).
    public func jacobian(at y: [Double], step h: Double = 1e-6) -> [Double] {
        let n = y.count
        var j = [Double](repeating: 0, count: n * n)
        for column in 0..<n {
            var plus = y, minus = y
            plus[column] += h
            minus[column] -= h
            let fp = velocity(plus), fm = velocity(minus)
            for row in 0..<n { j[row * n + column] = (fp[row] - fm[row]) / (2 * h) }
        }
        return j
    }

    /// Newton's method with step halving from `start` until max |F| ≤ `tolerance`; `nil` if it does not get there in
    /// 50 iterations (a singular Jacobian, or a step that leaves the region where F is finite).
    public func newton(from start: [Double], tolerance: Double = 1e-12) -> [Double]? {
        func residual(_ y: [Double]) -> Double {
            velocity(y).reduce(0) { $1.isFinite ? max($0, abs($1)) : .infinity }
        }
        var y = start, r = residual(y)
        for _ in 0..<50 {
            if r <= tolerance { return y }
            guard let step = Self.solve(jacobian(at: y), velocity(y), n: y.count) else { return nil }
            var lambda = 1.0, accepted = false
            for _ in 0..<30 {
                let trial = zip(y, step).map { $0 - lambda * $1 }
                let rTrial = residual(trial)
                if rTrial < r { y = trial; r = rTrial; accepted = true; break }
                lambda /= 2
            }
            guard accepted else { return r <= tolerance ? y : nil }
        }
        return r <= tolerance ? y : nil
    }

    /// The eigenvalues (re, im) of J at `y`.
    public func eigenvalues(at y: [Double]) throws -> [(re: Double, im: Double)] {
        try RealEigenvalues.compute(jacobian(at: y), dimension: y.count)
    }

    /// x with A x = b (n × n, row-major) by Gaussian elimination with partial pivoting; `nil` if A is singular.
    static func solve(_ a: [Double], _ b: [Double], n: Int) -> [Double]? {
        var m = a, x = b
        for column in 0..<n {
            let pivot = (column..<n).max { abs(m[$0 * n + column]) < abs(m[$1 * n + column]) }!
            guard m[pivot * n + column] != 0, m[pivot * n + column].isFinite else { return nil }
            if pivot != column {
                for k in 0..<n { m.swapAt(pivot * n + k, column * n + k) }
                x.swapAt(pivot, column)
            }
            for row in (column + 1)..<n {
                let factor = m[row * n + column] / m[column * n + column]
                guard factor != 0 else { continue }
                for k in column..<n { m[row * n + k] -= factor * m[column * n + k] }
                x[row] -= factor * x[column]
            }
        }
        for row in stride(from: n - 1, through: 0, by: -1) {
            var sum = x[row]
            for k in (row + 1)..<n { sum -= m[row * n + k] * x[k] }
            x[row] = sum / m[row * n + row]
        }
        return x.allSatisfy(\.isFinite) ? x : nil
    }
}

/// A fixed point's kind from its spectrum: stable (every Re μ < 0), a saddle with `unstableDirections` > 0, or
/// unstable (every Re μ > 0); `marginal` when an eigenvalue's real part is 0 to `tolerance` × the largest |μ|.
public struct SpectrumKind: Sendable, Hashable, CustomStringConvertible {
    /// The number of eigenvalues with Re μ > `tolerance` × the spectrum's scale (its largest max(|Re μ|, |Im μ|)).
    public let unstableDirections: Int
    /// The number of eigenvalues (the dimension of the state space).
    public let dimension: Int
    /// Whether some eigenvalue has |Re μ| ≤ `tolerance` × the scale: linearisation does not decide stability.
    public let marginal: Bool

    /// The kind of the spectrum `eigenvalues` (re, im); |Re μ| ≤ `tolerance` × its scale counts as marginal.
    public init(_ eigenvalues: [(re: Double, im: Double)], tolerance: Double = 1e-9) {
        let scale = eigenvalues.map { max(abs($0.re), abs($0.im)) }.max() ?? 0
        unstableDirections = eigenvalues.filter { $0.re > tolerance * scale }.count
        marginal = eigenvalues.contains { abs($0.re) <= tolerance * scale }
        dimension = eigenvalues.count
    }

    /// Every Re μ < 0, none marginal.
    public var isStable: Bool { unstableDirections == 0 && !marginal }

    /// "marginal", "stable", "unstable" or "saddle (n unstable directions)".
    public var description: String {
        if marginal { return "marginal" }
        if unstableDirections == 0 { return "stable" }
        if unstableDirections == dimension { return "unstable" }
        return "saddle (\(unstableDirections) unstable direction\(unstableDirections == 1 ? "" : "s"))"
    }
}
