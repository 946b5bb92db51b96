import Foundation
import ODEIntegration
import Scenarios

/// The greedy learning-rate schedule of an online ODE: at each time the schedule factor f that makes dε_g/dt most
/// negative, within bounds [f_min, f_max].
///
/// Every online ODE is quadratic in the factor f of the rates (`Optimiser.coefficients(at:)`: drift terms carry η f,
/// gradient-noise terms η² f²),
///
///     dφ/dt = f a(φ) + f² b(φ),   so   dε_g/dt = f A(φ) + f² B(φ),   A = ∇ε_g·a,  B = ∇ε_g·b.
///
/// The two parts come from the ODE's own right-hand side at f = 1 and f = 2, F₁ = a + b and F₂ = 2a + 4b:
/// b = (F₂ − 2F₁)/2, a = F₁ − b. A and B are directional derivatives of ε_g, central differences
/// [ε_g(φ + h v) − ε_g(φ − h v)]/(2h) along v = a and v = b (exact to rounding when ε_g is a linear function of the
/// state, as linear regression's e_g). The greedy factor is the minimiser of the parabola g(f) = fA + f²B on
/// [f_min, f_max]: the vertex f = −A/(2B) when B > 0 (clamped to the bounds); otherwise (B ≤ 0, g concave or linear)
/// the better end point, which is f_max whenever A < 0 (ε_g decreasing).
///
/// `schedule` integrates dφ/dt = f*(φ) a + f*(φ)² b from the initial state and tabulates f*(t) at `nodes` + 1 times
/// equally spaced in log(1 + t) (dense early, where ε_g moves fastest): a `LearningRateSchedule.tabulated` schedule
/// that the theory and the simulator then both run with, so the simulator checks the greedy protocol at finite d.
public struct GreedyLearningRate<System: ODESystem & Sendable>: Sendable {
    /// The ODE at schedule factor 1 and at factor 2 (same scenario otherwise).
    public let unit: System
    /// The same ODE at factor 2, F₂ = 2a + 4b.
    public let doubled: System
    /// ε_g of a state vector.
    public let error: @Sendable ([Double]) -> Double
    /// [f_min, f_max] = [η_min, η_max]/η.
    public let factorBounds: ClosedRange<Double>
    /// The step h (in units of t at f = 1) of the central differences along a and b.
    public var differenceStep = 1e-5

    /// The split of `unit` and `doubled` (the ODE at f = 1 and f = 2), with ε_g of a state `error` and
    /// [f_min, f_max] = `factorBounds`.
    public init(unit: System, doubled: System, factorBounds: ClosedRange<Double>, error: @escaping @Sendable ([Double]) -> Double) {
        self.unit = unit; self.doubled = doubled; self.factorBounds = factorBounds; self.error = error
    }

    /// The drift part a(φ) and the noise part b(φ) of the right-hand side, F = f a + f² b.
    public func parts(_ state: [Double]) -> (drift: [Double], noise: [Double]) {
        let f1 = Self.rightHandSide(unit, state), f2 = Self.rightHandSide(doubled, state)
        let noise = zip(f1, f2).map { 0.5 * ($1 - 2 * $0) }
        return (zip(f1, noise).map { $0 - $1 }, noise)
    }

    /// (A, B): dε_g/dt = f A + f² B at `state`.
    public func errorSlopes(_ state: [Double]) -> (drift: Double, noise: Double) {
        let (a, b) = parts(state)
        return (directionalDerivative(state, a), directionalDerivative(state, b))
    }

    /// f*(φ): the minimiser of f A + f² B on `factorBounds`.
    public func factor(_ state: [Double]) -> Double {
        let (a, b) = errorSlopes(state)
        return Self.minimiser(drift: a, noise: b, bounds: factorBounds)
    }

    /// The minimiser of g(f) = f A + f² B on [lower, upper] (the lower end on a tie or a non-finite slope).
    public static func minimiser(drift a: Double, noise b: Double, bounds: ClosedRange<Double>) -> Double {
        guard a.isFinite, b.isFinite else { return bounds.lowerBound }
        let g = { (f: Double) in f * a + f * f * b }
        var best = bounds.lowerBound
        if g(bounds.upperBound) < g(best) { best = bounds.upperBound }
        if b > 0 {
            let vertex = min(max(-a / (2 * b), bounds.lowerBound), bounds.upperBound)
            if g(vertex) < g(best) { best = vertex }
        }
        return best
    }

    /// Integrates the greedy dynamics from `initialState` to `tEnd` and tabulates f*(t) (see the type's comment).
    /// `rateBounds` and `name` are recorded in the schedule.
    public func schedule(
        initialState: [Double], tEnd: Double, nodes: Int = 2000, integrator: DormandPrince54, name: String = "greedy",
        rateBounds: ClosedRange<Double>
    ) throws -> LearningRateSchedule {
        precondition(tEnd > 0 && nodes >= 1)
        let top = Foundation.log1p(tEnd)
        var times = (0...nodes).map { Foundation.expm1(top * Double($0) / Double(nodes)) }
        times[nodes] = tEnd
        let system = GreedySystem(greedy: self)
        let solution = try integrator.solve(system, initialState: initialState, outputTimes: times)
        let factors = (0..<solution.times.count).map { factor(solution.state(at: $0)) }
        return try .tabulated(name: name, times: solution.times, factors: factors, rateBounds: rateBounds)
    }

    func directionalDerivative(_ state: [Double], _ direction: [Double]) -> Double {
        let h = differenceStep
        let plus = zip(state, direction).map { $0 + h * $1 }, minus = zip(state, direction).map { $0 - h * $1 }
        return (error(plus) - error(minus)) / (2 * h)
    }

    static func rightHandSide(_ system: System, _ state: [Double]) -> [Double] {
        var derivative = [Double](repeating: 0, count: system.dimension)
        state.withUnsafeBufferPointer { y in
            derivative.withUnsafeMutableBufferPointer { system.evaluate(time: 0, state: y, derivative: $0) }
        }
        return derivative
    }
}

/// dφ/dt = f*(φ) a(φ) + f*(φ)² b(φ): the ODE driven at the greedy factor (not allocation-free; integrated once).
struct GreedySystem<System: ODESystem & Sendable>: ODESystem, Sendable {
    let greedy: GreedyLearningRate<System>
    var dimension: Int { greedy.unit.dimension }

    func evaluate(time: Double, state: UnsafeBufferPointer<Double>, derivative: UnsafeMutableBufferPointer<Double>) {
        let y = Array(state)
        let (a, b) = greedy.parts(y)
        let (slopeA, slopeB) = (greedy.directionalDerivative(y, a), greedy.directionalDerivative(y, b))
        let f = GreedyLearningRate<System>.minimiser(drift: slopeA, noise: slopeB, bounds: greedy.factorBounds)
        for i in 0..<y.count { derivative[i] = f * a[i] + f * f * b[i] }
    }
}

extension LearningRateSchedule {
    /// f ≡ 2 (the second evaluation of a right-hand side that splits it into drift and noise parts).
    static let doubled = LearningRateSchedule.custom(name: "×2") { _ in 2 }
}
