import GaussianIntegrals
import Scenarios

/// Linear stability of perfect learning for K = M: the fixed point Q = R = T, v = v* (noise-free).
///
/// The Jacobian J(η) of the ODE right-hand side at the fixed point is taken by one-sided differences into the
/// semidefinite cone (`jacobian(learningRate:)`); its eigenvalues μ(η) set the asymptotic decay, δ(t) ∝ e^{μt}. The maximal learning rate is the
/// largest η with max Re μ < 0, the optimal one maximises the slowest rate min(−Re μ), and ε_g (linear in
/// the order-parameter deviations) then decays like e^{−rate·t}.
public struct CommitteeStability: Sendable {
    /// The K = M committee whose perfect-learning fixed point is analysed.
    public let scenario: CommitteeScenario
    /// Scanned learning rates run from `lrMinimum` geometrically until instability (or `lrMaximum`).
    public var lrMinimum = 1e-3
    /// The scan gives up (no instability found) once the learning rate reaches this.
    public var lrMaximum = 1e3
    /// Quadrature nodes per dimension for 3-D and 4-D integrals without a closed form (`CommitteeIntegrals`).
    public var quadratureOrder = CommitteeIntegrals.defaultQuadratureOrder

    /// The analysis of `scenario`, with the default scan range and quadrature order.
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
        let jacobian = try jacobian(learningRate: lr)
        return try RealEigenvalues.compute(jacobian, dimension: layout.dimension)
    }

    var layout: CommitteeStateLayout {
        CommitteeStateLayout(studentUnits: scenario.studentUnits, teacherUnits: scenario.teacherUnits,
                             trainsSecondLayer: scenario.trainsSecondLayer)
    }

    /// The Jacobian J = ∂F/∂y of the ODE right-hand side at the fixed point (row-major n×n).
    ///
    /// At Q = R = T the field covariance C = [[Q, R], [Rᵀ, T]] is singular (null vectors (x, −x)), on the boundary
    /// of the semidefinite cone: perturbing R_in or Q_ik (i ≠ k) either way leaves the cone, where quadrature
    /// integrals do not exist. So every derivative is taken along a direction that points into the cone,
    /// D_j = e_j + κP with P = Σ_i e_{Q_ii} and κ = 3: on a null vector (x, −x) δC(D_j) has the form
    /// xᵀ(δQ − 2δR + δT)x ≥ (κ − 2)|x|² > 0 (δR_ii contributes −2x_i², any other entry at most |x|²), by the
    /// one-sided third-order difference
    ///
    ///     ∂_D F ≈ (−11F(0) + 18F(h) − 9F(2h) + 2F(3h)) / (6h),   error O(h³),
    ///
    /// and J e_j = ∂_{D_j}F − κ ∂_P F (for quadrature integrals; closed forms keep central differences). The right-hand side is a smooth function of C up to the boundary for smooth
    /// activations (and the closed forms are analytic across it), so this is as accurate for tanh or sigmoid as for
    /// erf. h = 1e-3 balances the truncation (~h³) against rounding (~1e-16/h).
    public func jacobian(learningRate lr: Double) throws -> [Double] {
        if let gamma = scenario.optimiser.scaledMomentum {
            throw ScenarioError.outOfRange("stability analysis linearises the (Q, R) dynamics; with scaled momentum γ = \(gamma) the velocity overlaps are part of the state: not implemented")
        }
        var s = scenario
        s.learningRate = lr
        s.optimiser.schedule = .constant  // the fixed point's stability at the constant rate lr
        s.noiseVariance = 0
        let ode = CommitteeODE(scenario: s, initial: fixedPoint, quadratureOrder: quadratureOrder)
        let y0 = ode.layout.state(of: fixedPoint), n = y0.count
        let h = 1e-3, kappa = 3.0
        var inward = [Double](repeating: 0, count: n)
        for i in 0..<scenario.studentUnits { inward[ode.layout.qIndex(i, i)] = 1 }
        var f0 = [Double](repeating: 0, count: n)
        func evaluate(_ y: [Double], into f: inout [Double]) {
            y.withUnsafeBufferPointer { yb in f.withUnsafeMutableBufferPointer { ode.evaluate(time: 0, state: yb, derivative: $0) } }
        }
        evaluate(y0, into: &f0)
        var f = [Double](repeating: 0, count: n)
        /// ∂_D F by the one-sided formula above.
        func derivative(along direction: [Double]) -> [Double] {
            var result = f0.map { -11 * $0 }
            for (multiple, coefficient) in [(1.0, 18.0), (2, -9), (3, 2)] {
                var y = y0
                for i in 0..<n { y[i] += multiple * h * direction[i] }
                evaluate(y, into: &f)
                for i in 0..<n { result[i] += coefficient * f[i] }
            }
            return result.map { $0 / (6 * h) }
        }
        var jacobian = [Double](repeating: 0, count: n * n)
        if ode.integrals.quadratureRule == nil {
            // Closed forms (erf, linear) are analytic across the cone's boundary: central differences, h = 1e-5.
            let hc = 1e-5
            var plus = f, minus = f
            for j in 0..<n {
                var y = y0
                y[j] += hc
                evaluate(y, into: &plus)
                y[j] -= 2 * hc
                evaluate(y, into: &minus)
                for i in 0..<n { jacobian[i * n + j] = (plus[i] - minus[i]) / (2 * hc) }
            }
            return jacobian
        }
        let alongInward = derivative(along: inward)
        for j in 0..<n {
            var direction = inward.map { kappa * $0 }
            direction[j] += 1
            let column = derivative(along: direction)
            for i in 0..<n { jacobian[i * n + j] = column[i] - kappa * alongInward[i] }
        }
        guard jacobian.allSatisfy(\.isFinite) else {
            throw ScenarioError("the Jacobian at the fixed point is not finite (learning rate \(lr))")
        }
        return jacobian
    }

    /// The slowest decay rate min(−Re μ) at `lr` (negative when unstable).
    public func slowestRate(learningRate lr: Double) throws -> Double {
        try eigenvalues(learningRate: lr).map { -$0.re }.min() ?? 0
    }

    /// The right-hand side is a polynomial of degree 2 in η (η-terms I3 and −ηλ, η²/B-terms I4 and J2; the
    /// second layer's rate is separate), so J(η) = J₀ + ηJ₁ + η²J₂ exactly, with J₂ the noise term's Jacobian: it
    /// carries the optimiser's 1/B (B the batch size), since the Jacobians are taken of the scenario's own ODE, so
    /// J₂(B) = J₂(1)/B and lr_max, lr_opt take the batch size into account. The coefficients come from the
    /// Jacobians at η = 0, 1, 2 (Lagrange): J₀ = J(0), J₁ = (−3J(0) + 4J(1) − J(2))/2, J₂ = (J(0) − 2J(1) + J(2))/2.
    /// The scans of `analyse` then cost one eigenvalue problem per learning rate, not one Jacobian.
    public func jacobianPolynomial() throws -> (j0: [Double], j1: [Double], j2: [Double]) {
        let a = try jacobian(learningRate: 0), b = try jacobian(learningRate: 1), c = try jacobian(learningRate: 2)
        return (a, a.indices.map { (-3 * a[$0] + 4 * b[$0] - c[$0]) / 2 }, a.indices.map { (a[$0] - 2 * b[$0] + c[$0]) / 2 })
    }

    /// lr_max, lr_opt and the rate at lr_opt.
    public func analyse() throws -> CommitteeStabilityResult {
        guard !scenario.hasBiases else {
            throw ScenarioError("stability analysis linearises at perfect learning Q = R = T without biases; this scenario has biases")
        }
        guard scenario.studentUnits == scenario.teacherUnits else {
            throw ScenarioError("stability analysis needs K = M (perfect learning is then an isolated fixed point); got K = \(scenario.studentUnits), M = \(scenario.teacherUnits)")
        }
        guard scenario.studentActivation.name == scenario.teacherActivation.name else {
            throw ScenarioError("stability analysis needs the same activation for student and teacher")
        }
        guard !scenario.studentActivation.isPiecewise else {
            throw ScenarioError("the \(scenario.studentActivation.name) ODE is not differentiable at perfect learning (its kink at identical fields makes the integrals non-smooth); use erf, linear or a smooth activation such as tanh or sigmoid")
        }
        let (j0, j1, j2) = try jacobianPolynomial(), n = layout.dimension
        func eigenvalues(learningRate lr: Double) throws -> [(re: Double, im: Double)] {
            try RealEigenvalues.compute(j0.indices.map { j0[$0] + lr * (j1[$0] + lr * j2[$0]) }, dimension: n)
        }
        func slowestRate(learningRate lr: Double) throws -> Double {
            try eigenvalues(learningRate: lr).map { -$0.re }.min() ?? 0
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

    /// The rates `lrMax` and `lrOpt`, the slowest decay rate at `lrOpt`, and the Jacobian's eigenvalues there as
    /// [re, im] pairs.
    public init(lrMax: Double, lrOpt: Double, rateOpt: Double, eigenvaluesAtOptimum: [[Double]]) {
        self.lrMax = lrMax; self.lrOpt = lrOpt; self.rateOpt = rateOpt; self.eigenvaluesAtOptimum = eigenvaluesAtOptimum
    }
}
