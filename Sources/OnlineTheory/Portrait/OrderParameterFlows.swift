import Scenarios

/// The (m, q) flow of a constant optimiser: phase portraits need an autonomous plane. A schedule makes the flow depend
/// on t, and scaled momentum adds the velocity's overlaps to the state (its (m, q) plane is a projection, not a flow).
func requirePlanar(_ optimiser: Optimiser) throws {
    guard optimiser.isConstant else {
        throw ScenarioError.outOfRange("a phase portrait needs a constant learning rate: with the schedule \(optimiser.schedule) the flow changes with t")
    }
    guard optimiser.scaledMomentum == nil else {
        throw ScenarioError.outOfRange("a phase portrait of the (m, q) plane needs plain SGD or fixed momentum: scaled momentum adds the velocity's overlaps to the state, so (m, q) alone is not a flow")
    }
}

/// Linear regression's (m, q) plane: the ODE of `LinearRegressionODE`, dm/dt = τ(ρ − m) − τλm,
/// dq/dt = (τ²/B)(ρ − 2m + q + σ²) + 2τ(m − q) − 2τλq, on the physical region q ≥ m²/ρ.
public struct LinearRegressionFlow: PlanarFlow {
    /// The (m, q) ODE, evaluated at t = 0 (the optimiser is constant).
    public let system: LinearRegressionODE

    /// Throws (out of range) for a scheduled rate or scaled momentum (`requirePlanar`).
    public init(scenario: LinearRegressionScenario, rho: Double? = nil) throws {
        try requirePlanar(scenario.optimiser)
        system = LinearRegressionODE(scenario: scenario, rho: rho)
    }

    /// (dm/dt, dq/dt) at (x, y) = (m, q).
    public func velocity(at point: PlanarPoint) -> PlanarPoint {
        let state = [point.x, point.y]
        var derivative = [0.0, 0.0]
        state.withUnsafeBufferPointer { s in derivative.withUnsafeMutableBufferPointer { system.evaluate(time: 0, state: s, derivative: $0) } }
        return PlanarPoint(x: derivative[0], y: derivative[1])
    }

    /// Whether q ≥ m²/ρ (Cauchy–Schwarz), with relative slack 1e-12 for points on the boundary.
    public func isPhysical(_ point: PlanarPoint) -> Bool { point.x * point.x <= point.y * system.rho * (1 + 1e-12) }

    /// The fixed point −A⁻¹b of the linear system dy/dt = A y + b (`LinearRegressionODE.generator`), whatever its
    /// stability; `nil` at τ = τ_c, where A is singular.
    public var exactFixedPoint: PlanarPoint? {
        let (a, b) = system.generator
        return solveLinear(a, b)
    }
}

/// A linear classifier's (m, q) plane: the ODE of `ClassifierODE` at s = q − m²/ρ, on the physical region s ≥ 0.
public struct ClassifierFlow: PlanarFlow {
    /// The (m, q, s) ODE, evaluated at s = q − m²/ρ and t = 0 (the optimiser is constant).
    public let system: ClassifierODE

    /// Throws (out of range) for a scheduled rate or scaled momentum (`requirePlanar`).
    public init(scenario: ClassifierScenario, rho: Double? = nil) throws {
        try requirePlanar(scenario.optimiser)
        system = ClassifierODE(scenario: scenario, rho: rho)
    }

    /// (dm/dt, dq/dt) at (x, y) = (m, q), with s = q − m²/ρ.
    public func velocity(at point: PlanarPoint) -> PlanarPoint {
        let state = [point.x, point.y, point.y - point.x * point.x / system.rho]
        var derivative = [0.0, 0.0, 0.0]
        state.withUnsafeBufferPointer { s in derivative.withUnsafeMutableBufferPointer { system.evaluate(time: 0, state: s, derivative: $0) } }
        return PlanarPoint(x: derivative[0], y: derivative[1])
    }

    /// Whether q ≥ 0 and q ≥ m²/ρ (s ≥ 0), with relative slack 1e-12 for points on the boundary.
    public func isPhysical(_ point: PlanarPoint) -> Bool { point.y >= 0 && point.x * point.x <= point.y * system.rho * (1 + 1e-12) }

    /// For the square loss, the fixed point of its linear system (the square loss is linear regression onto the labels
    /// y = ±1, a = E[yν]): A = [[−τ(1+λ), 0], [2(τ − n)a/ρ, n − 2τ(1+λ)]], b = (τa, n), n = τ²/B; `nil` for the other
    /// losses (no closed form) and at τ = τ_c.
    public var exactFixedPoint: PlanarPoint? {
        let scenario = system.scenario
        guard scenario.loss == .square else { return nil }
        let tau = scenario.optimiser.effectiveLearningRate, noise = scenario.optimiser.noise(rate: tau), lambda = scenario.weightDecay
        // With q = 0 the student's field vanishes and ℓ' = −y: E[ℓ'ν] = −E[yν].
        let a = -scenario.integrals.expectations(m: 0, q: 0, rho: system.rho).slopeTimesTeacher, rho = system.rho
        return solveLinear([-tau * (1 + lambda), 0, 2 * (tau - noise) * a / rho, noise - 2 * tau * (1 + lambda)], [tau * a, noise])
    }
}

/// y* with A y* + b = 0 for a 2 × 2 A (row-major); `nil` if A is singular.
func solveLinear(_ a: [Double], _ b: [Double]) -> PlanarPoint? {
    let determinant = a[0] * a[3] - a[1] * a[2]
    guard determinant != 0, determinant.isFinite else { return nil }
    return PlanarPoint(x: -(a[3] * b[0] - a[1] * b[1]) / determinant, y: -(a[0] * b[1] - a[2] * b[0]) / determinant)
}
