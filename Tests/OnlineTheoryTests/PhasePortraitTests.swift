import Foundation
import Testing
@testable import OnlineTheory
import Scenarios

/// A planar flow given by a closure, for the analysis's own tests.
struct ClosureFlow: PlanarFlow {
    let f: @Sendable (Double, Double) -> (Double, Double)
    var physical: @Sendable (Double, Double) -> Bool = { _, _ in true }
    func velocity(at p: PlanarPoint) -> PlanarPoint { let v = f(p.x, p.y); return PlanarPoint(x: v.0, y: v.1) }
    func isPhysical(_ p: PlanarPoint) -> Bool { physical(p.x, p.y) }
}

@Suite struct PhasePlaneAnalysisTests {
    static let square = PlanarWindow(x: -2...2, y: -2...2)

    @Test func stabilityFollowsTraceAndDeterminant() {
        #expect(FixedPointStability(jacobian: [-1, 0, 0, -2]) == .stableNode)
        #expect(FixedPointStability(jacobian: [0, 1, -1, -0.2]) == .stableFocus)
        #expect(FixedPointStability(jacobian: [0, 1, -1, 0.2]) == .unstableFocus)
        #expect(FixedPointStability(jacobian: [1, 0, 0, 3]) == .unstableNode)
        #expect(FixedPointStability(jacobian: [1, 0, 0, -1]) == .saddle)
        #expect(FixedPointStability(jacobian: [0, 1, -1, 0]) == .centre)
        #expect(FixedPointStability(jacobian: [0, 1, 0, -1]) == .nonHyperbolic)
        let focus = PlanarFixedPoint(point: PlanarPoint(x: 0, y: 0), jacobian: [0, 1, -1, -0.2])
        #expect(abs(focus.eigenvalues[0].real + 0.1) < 1e-15 && abs(focus.eigenvalues[0].imaginary - (1 - 0.01).squareRoot()) < 1e-15)
        let node = PlanarFixedPoint(point: PlanarPoint(x: 0, y: 0), jacobian: [-1, 5, 0, -1e-9])
        // The small eigenvalue from det/λ_big, without cancellation.
        #expect(node.eigenvalues[0].real == -1e-9 && node.eigenvalues[1].real == -1)
    }

    /// f = x² − 1, g = −y: a saddle at (1, 0) and a stable node at (−1, 0), both found from the grid of starts.
    @Test func everyFixedPointIsFoundAndClassified() {
        let flow = ClosureFlow { x, y in (x * x - 1, -y) }
        let points = flow.fixedPoints(in: Self.square)
        #expect(points.count == 2)
        #expect(abs(points[0].point.x + 1) < 1e-10 && abs(points[0].point.y) < 1e-10 && points[0].stability == .stableNode)
        #expect(abs(points[1].point.x - 1) < 1e-10 && points[1].stability == .saddle)
        #expect(abs(points[1].eigenvalues[0].real - 2) < 1e-8 && abs(points[1].eigenvalues[1].real + 1) < 1e-8)
        // Outside the physical region nothing is reported.
        let half = ClosureFlow(f: { x, y in (x * x - 1, -y) }, physical: { x, _ in x > 0 })
        #expect(half.fixedPoints(in: Self.square).map(\.stability) == [.saddle])
        // A flow without zeros has none.
        #expect(ClosureFlow { _, y in (1, y) }.fixedPoints(in: Self.square).isEmpty)
    }

    /// The nullcline of f = x² + y² − 1 is the unit circle: one closed polyline on it to the grid's interpolation error,
    /// and g = x − y's is the diagonal, exact (linear interpolation of a linear function).
    @Test func nullclinesAreTheZeroSets() {
        let flow = ClosureFlow { x, y in (x * x + y * y - 1, x - y) }
        let (circle, diagonal) = flow.nullclines(in: Self.square, grid: 81)
        #expect(circle.count == 1)
        let loop = circle[0]
        #expect(loop.first == loop.last && loop.count > 100)
        #expect(loop.allSatisfy { abs(($0.x * $0.x + $0.y * $0.y).squareRoot() - 1) < 2e-3 })
        #expect(diagonal.count == 1 && diagonal[0].allSatisfy { abs($0.x - $0.y) < 1e-14 })
        let ends = [diagonal[0].first!, diagonal[0].last!].map(\.x).sorted()
        #expect(abs(ends[0] + 2) < 1e-12 && abs(ends[1] - 2) < 1e-12)
    }

    /// A saddle cell (corners alternating in sign) of f = xy is split by the centre's sign: the zero set x = 0 ∪ y = 0
    /// becomes four arms, none crossing a quadrant.
    @Test func saddleCellsAreResolvedByTheCentre() {
        let flow = ClosureFlow { x, y in (x * y + 0.001, 1) }
        let (lines, none) = flow.nullclines(in: PlanarWindow(x: -1...1, y: -1...1), grid: 20)
        #expect(none.isEmpty)
        #expect(lines.count == 2)
        // xy = −0.001: every point in the second or fourth quadrant.
        #expect(lines.allSatisfy { $0.allSatisfy { $0.x * $0.y < 0 } })
    }
}

@Suite struct OrderParameterFlowTests {
    static let linearScenarios: [LinearRegressionScenario] = [
        try! LinearRegressionScenario(learningRate: 0.5, noiseVariance: 0.1, weightDecay: 0.01, teacherNorm: 1),
        try! LinearRegressionScenario(optimiser: try! Optimiser(learningRate: 1.3, batchSize: 3, momentum: 0.2), noiseVariance: 0.5,
                                      weightDecay: 0.3, teacherNorm: 2),
        try! LinearRegressionScenario(learningRate: 1.8, noiseVariance: 0, weightDecay: 0, teacherNorm: 1),
    ]

    /// Newton's fixed point and the Jacobian's eigenvalues against the closed forms: (m*, q*) of
    /// `LinearRegressionScenario.steadyState` and the generator's eigenvalues −τ(1 + λ), n − 2τ(1 + λ), n = τ²/B.
    @Test(arguments: linearScenarios)
    func linearRegressionFixedPointIsTheClosedForm(_ scenario: LinearRegressionScenario) throws {
        let flow = try LinearRegressionFlow(scenario: scenario)
        let exact = try #require(scenario.steadyState(rho: scenario.teacherNorm))
        let window = PlanarWindow(x: -1...3, y: 0...6)
        let found = flow.fixedPoints(in: window)
        #expect(found.count == 1)
        let point = try #require(found.first)
        #expect(abs(point.point.x - exact.m) < 1e-9 && abs(point.point.y - exact.q) < 1e-9)
        #expect(abs(flow.exactFixedPoint!.x - exact.m) < 1e-12 && abs(flow.exactFixedPoint!.y - exact.q) < 1e-12)
        let tau = scenario.optimiser.effectiveLearningRate, n = scenario.optimiser.noise(rate: tau), lambda = scenario.weightDecay
        let expected = [-tau * (1 + lambda), n - 2 * tau * (1 + lambda)].sorted(by: >)
        #expect(point.stability == .stableNode)
        for (value, reference) in zip(point.eigenvalues.map(\.real), expected) { #expect(abs(value - reference) < 1e-7 * abs(reference)) }
    }

    /// Past τ_c = 2B(1 + λ) the fixed point is a saddle (q's direction unstable); here it is unphysical (q* < 0), so the
    /// portrait's search, restricted to q ≥ m²/ρ, finds nothing, while the unconstrained flow's search finds the saddle.
    @Test func pastTheCriticalRateTheFixedPointIsASaddle() throws {
        let scenario = try LinearRegressionScenario(learningRate: 2.5, noiseVariance: 0.3, weightDecay: 0, teacherNorm: 1)
        let flow = try LinearRegressionFlow(scenario: scenario)
        let exact = try #require(flow.exactFixedPoint)
        // q* = [τ(ρ − 2m* + σ²) + 2m*] / (2 − τ) with m* = ρ: (0.75 + 2)/(−0.5) < 0, unphysical.
        #expect(abs(exact.x - 1) < 1e-14 && abs(exact.y - (2.5 * (1 - 2 + 0.3) + 2) / (2 - 2.5)) < 1e-12)
        #expect(!flow.isPhysical(exact))
        #expect(flow.fixedPoints(in: PlanarWindow(x: -2...2, y: -8...4)).isEmpty)
        let unconstrained = ClosureFlow { m, q in let v = flow.velocity(at: PlanarPoint(x: m, y: q)); return (v.x, v.y) }
        #expect(unconstrained.fixedPoints(in: PlanarWindow(x: -2...2, y: -8...4)).map(\.stability) == [.saddle])
    }

    /// The nullclines of the linear flow are exact lines: dm/dt = 0 is m = ρ/(1 + λ).
    @Test func linearRegressionNullclines() throws {
        let scenario = Self.linearScenarios[0]
        let flow = try LinearRegressionFlow(scenario: scenario)
        let window = PlanarWindow(x: -1...2, y: 0...3)
        let (dm, dq) = flow.nullclines(in: window, grid: 41)
        let mStar = scenario.teacherNorm / (1 + scenario.weightDecay)
        #expect(!dm.isEmpty && dm.allSatisfy { $0.allSatisfy { abs($0.x - mStar) < 1e-12 } })
        #expect(!dq.isEmpty && dq.joined().allSatisfy { abs(flow.velocity(at: $0).y) < 1e-12 })
        // Only the physical part, q ≥ m²/ρ.
        #expect((dm + dq).joined().allSatisfy { $0.x * $0.x <= $0.y * scenario.teacherNorm + 1e-9 })
    }

    /// The square loss's fixed point by Newton against two closed forms: its linear system's, and the scenario's
    /// q* = `squareLossSteadySelfOverlap` with m* = a/(1 + λ), a = E[yν] = (1 − 2p)ρ√(2/π)/√(ρ + σ²) — and its
    /// eigenvalues against −τ(1 + λ), n − 2τ(1 + λ).
    @Test(arguments: [(0.7, 0.0, 0.0, 0.0), (1.2, 0.2, 0.1, 0.3), (0.4, 0.5, 0.05, 0.0)])
    func squareLossFixedPointIsTheClosedForm(tau: Double, noise: Double, flip: Double, lambda: Double) throws {
        let scenario = try ClassifierScenario(loss: .square, learningRate: tau, noiseVariance: noise, flipProbability: flip,
                                              weightDecay: lambda, teacherNorm: 1.5, initialSelfOverlap: 0.1)
        let flow = try ClassifierFlow(scenario: scenario)
        let exact = try #require(flow.exactFixedPoint)
        // a = E[y ν] for y = sign(ν + σζ) flipped with probability p: (1 − 2p)·ρ·√(2/π)/√(ρ + σ²).
        let a = (1 - 2 * flip) * 1.5 * (2 / Double.pi).squareRoot() / (1.5 + noise).squareRoot()
        #expect(abs(exact.x - a / (1 + lambda)) < 1e-12)
        #expect(abs(exact.y - scenario.squareLossSteadySelfOverlap(rho: 1.5)!) < 1e-12)
        let found = flow.fixedPoints(in: PlanarWindow(x: -1...2, y: 0...3))
        #expect(found.count == 1)
        let point = try #require(found.first)
        #expect(abs(point.point.x - exact.x) < 1e-8 && abs(point.point.y - exact.y) < 1e-8)
        let n = scenario.optimiser.noise(rate: tau)
        let expected = [-tau * (1 + lambda), n - 2 * tau * (1 + lambda)].sorted(by: >)
        #expect(point.stability == .stableNode)
        for (value, reference) in zip(point.eigenvalues.map(\.real), expected) { #expect(abs(value - reference) < 1e-5 * abs(reference)) }
    }

    /// The logistic loss with ridge: no closed form, so Newton's fixed point is checked against the ODE's long-time limit
    /// (an independent route: the adaptive integrator from a far start); without ridge there is none (|w| grows).
    @Test func logisticFixedPointIsTheLongTimeLimit() throws {
        let scenario = try ClassifierScenario(loss: .logistic, learningRate: 0.5, weightDecay: 0.2, initialOverlap: 0, initialSelfOverlap: 0.5)
        let flow = try ClassifierFlow(scenario: scenario)
        #expect(flow.exactFixedPoint == nil)
        let found = flow.fixedPoints(in: PlanarWindow(x: -1...4, y: 0...8))
        #expect(found.count == 1 && found[0].stability.isStable)
        let solved = try ClassifierTheory(scenario: scenario).solve(times: [0, 200])
        #expect(abs(solved.m.last! - found[0].point.x) < 1e-7 && abs(solved.q.last! - found[0].point.y) < 1e-7)
        let free = try ClassifierFlow(scenario: ClassifierScenario(loss: .logistic, learningRate: 0.5, initialSelfOverlap: 0.5))
        #expect(free.fixedPoints(in: PlanarWindow(x: -1...4, y: 0...8)).isEmpty)
    }

    @Test func nonAutonomousOptimisersAreRefused() throws {
        var optimiser = try Optimiser(learningRate: 0.5)
        optimiser.schedule = try LearningRateSchedule(parsing: "inverse:10")
        #expect(throws: ScenarioError.self) { try LinearRegressionFlow(scenario: LinearRegressionScenario(optimiser: optimiser)) }
        let scaled = try Optimiser(learningRate: 0.5, scaledMomentum: 1)
        #expect(throws: ScenarioError.self) { try ClassifierFlow(scenario: ClassifierScenario(loss: .square, optimiser: scaled)) }
    }
}
