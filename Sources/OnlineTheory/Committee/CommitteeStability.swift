import GaussianIntegrals
import Scenarios

/// Linear stability of perfect learning for K = M: the fixed point Q = R = T, v = v* (noise-free).
///
/// The Jacobian J(η) of the ODE right-hand side at the fixed point is taken by central differences;
/// its eigenvalues μ(η) set the asymptotic decay, δ(t) ∝ e^{μt}. The maximal learning rate is the
/// largest η with max Re μ < 0, the optimal one maximises the slowest rate min(−Re μ), and ε_g (linear in
/// the order-parameter deviations) then decays like e^{−rate·t}.
public struct CommitteeStability: Sendable {
    public let scenario: CommitteeScenario
    /// Scanned learning rates run from `lrMinimum` geometrically until instability (or `lrMaximum`).
    public var lrMinimum = 1e-3
    public var lrMaximum = 1e3
    /// Quadrature nodes per dimension for 3-D and 4-D integrals without a closed form (`CommitteeIntegrals`).
    public var quadratureOrder = CommitteeIntegrals.defaultQuadratureOrder

    public init(scenario: CommitteeScenario) { self.scenario = scenario }

    /// The fixed point of perfect learning.
    public var fixedPoint: CommitteeOrderParameters {
        let t = scenario.teacher.expectedOverlap(units: scenario.teacherUnits)
        return CommitteeOrderParameters(
            studentUnits: scenario.studentUnits, teacherUnits: scenario.teacherUnits, q: t, r: t, t: t,
            v: scenario.teacherSecondLayer, vStar: scenario.teacherSecondLayer)
    }

    /// The eigenvalues (re, im) of the Jacobian at the fixed point for learning rate `lr`.
    public func eigenvalues(learningRate lr: Double) throws -> [(re: Double, im: Double)] {
        var s = scenario
        s.learningRate = lr
        s.noiseVariance = 0
        let ode = CommitteeODE(scenario: s, initial: fixedPoint, quadratureOrder: quadratureOrder)
        let y0 = ode.layout.state(of: fixedPoint), n = y0.count
        var jacobian = [Double](repeating: 0, count: n * n)
        let h = 1e-5
        var plus = [Double](repeating: 0, count: n), minus = plus
        for j in 0..<n {
            var y = y0
            y[j] += h
            y.withUnsafeBufferPointer { yb in plus.withUnsafeMutableBufferPointer { ode.evaluate(time: 0, state: yb, derivative: $0) } }
            y[j] -= 2 * h
            y.withUnsafeBufferPointer { yb in minus.withUnsafeMutableBufferPointer { ode.evaluate(time: 0, state: yb, derivative: $0) } }
            for i in 0..<n { jacobian[i * n + j] = (plus[i] - minus[i]) / (2 * h) }
        }
        guard jacobian.allSatisfy(\.isFinite) else { throw ScenarioError("the Jacobian at the fixed point is not finite") }
        return try RealEigenvalues.compute(jacobian, dimension: n)
    }

    /// The slowest decay rate min(−Re μ) at `lr` (negative when unstable).
    public func slowestRate(learningRate lr: Double) throws -> Double {
        try eigenvalues(learningRate: lr).map { -$0.re }.min() ?? 0
    }

    /// lr_max, lr_opt and the rate at lr_opt.
    public func analyse() throws -> CommitteeStabilityResult {
        guard scenario.studentUnits == scenario.teacherUnits else {
            throw ScenarioError("stability analysis needs K = M (perfect learning is then an isolated fixed point); got K = \(scenario.studentUnits), M = \(scenario.teacherUnits)")
        }
        guard scenario.studentActivation.name == scenario.teacherActivation.name else {
            throw ScenarioError("stability analysis needs the same activation for student and teacher")
        }
        guard scenario.studentActivation.family != .relu else {
            throw ScenarioError("the ReLU ODE is not differentiable at perfect learning (identical fields make its integrals non-smooth); use erf, linear or a smooth activation")
        }
        // Geometric scan for the first unstable learning rate, then bisection.
        var previous = lrMinimum
        guard try slowestRate(learningRate: previous) > 0 else {
            throw ScenarioError("perfect learning is not stable even at learning rate \(lrMinimum)")
        }
        var unstable: Double?
        var lr = previous
        while lr < lrMaximum {
            lr *= 1.25
            if try slowestRate(learningRate: lr) <= 0 { unstable = lr; break }
            previous = lr
        }
        guard var hi = unstable else { throw ScenarioError("no instability found up to learning rate \(lrMaximum)") }
        var lo = previous
        for _ in 0..<60 where hi - lo > 1e-10 * hi {
            let mid = 0.5 * (lo + hi)
            if try slowestRate(learningRate: mid) > 0 { lo = mid } else { hi = mid }
        }
        let lrMax = 0.5 * (lo + hi)
        // The rate is unimodal in practice: scan, then golden-section search around the best point.
        let grid = (1...60).map { lrMax * Double($0) / 61 }
        let rates = try grid.map { try slowestRate(learningRate: $0) }
        let best = rates.indices.max { rates[$0] < rates[$1] }!
        var a = grid[max(0, best - 1)], b = best + 1 < grid.count ? grid[best + 1] : lrMax
        let ratio = (5.0.squareRoot() - 1) / 2
        for _ in 0..<80 where b - a > 1e-10 * b {
            let x1 = b - ratio * (b - a), x2 = a + ratio * (b - a)
            if try slowestRate(learningRate: x1) > slowestRate(learningRate: x2) { b = x2 } else { a = x1 }
        }
        let lrOpt = 0.5 * (a + b)
        return CommitteeStabilityResult(
            lrMax: lrMax, lrOpt: lrOpt, rateOpt: try slowestRate(learningRate: lrOpt),
            eigenvaluesAtOptimum: try eigenvalues(learningRate: lrOpt).map { [$0.re, $0.im] })
    }
}

/// Maximal and optimal learning rates from the linearised ODE.
public struct CommitteeStabilityResult: Sendable {
    /// Largest learning rate with a stable perfect-learning fixed point.
    public let lrMax: Double
    /// Learning rate of fastest asymptotic convergence.
    public let lrOpt: Double
    /// The slowest decay rate min(−Re μ) at lr_opt; order-parameter deviations and ε_g decay like e^{−rate·t}.
    public let rateOpt: Double
    /// Eigenvalues (re, im) of the Jacobian at lr_opt.
    public let eigenvaluesAtOptimum: [[Double]]

}
