import Foundation
import GaussianIntegrals
import ODEIntegration
@testable import OnlineTheory
import Scenarios
import Testing

/// A K = M state whose student j is σ_j × teacher unit π(j) plus α u_j, built exactly in R^{2K}: the teacher is the first
/// K unit vectors, u_j = (parallel part) + (orthogonal part), the parallel part scaled by `parallel`.
func nearPerfect(units k: Int, alpha: Double, sign: [Double], partner: [Int], parallel: Double = 1) -> CommitteeOrderParameters {
    let dim = 2 * k
    func direction(_ j: Int, _ c: Int) -> Double {
        let angle: Double = 1.3 * Double(j) + 0.7 * Double(c) + 0.4
        return (c < k ? parallel : 1.0) * 0.5 * sin(angle)
    }
    func entry(_ j: Int, _ c: Int) -> Double { (c == partner[j] ? sign[j] : 0.0) + alpha * direction(j, c) }
    let student: [[Double]] = (0..<k).map { j in (0..<dim).map { c in entry(j, c) } }
    func dot(_ a: [Double], _ b: [Double]) -> Double { zip(a, b).reduce(0) { $0 + $1.0 * $1.1 } }
    let teacher = (0..<k).map { n in (0..<dim).map { $0 == n ? 1.0 : 0 } }
    let q = (0..<(k * k)).map { dot(student[$0 / k], student[$0 % k]) }
    let r = (0..<(k * k)).map { dot(student[$0 / k], teacher[$0 % k]) }
    var t = [Double](repeating: 0, count: k * k)
    for n in 0..<k { t[n * k + n] = 1 }
    return CommitteeOrderParameters(studentUnits: k, teacherUnits: k, q: q, r: r, t: t, v: sign, vStar: [Double](repeating: 1, count: k))
}

func erfScenario(_ k: Int, lr: Double = 0.5) throws -> CommitteeScenario {
    try CommitteeScenario(studentUnits: k, teacherUnits: k, studentActivation: .erf, learningRate: lr,
                          initialStudent: .diagonal(q0: 0.5, r0: 0.05, studentUnits: k, teacherUnits: k))
}

#if arch(x86_64) && !os(Windows)
/// The plain erf right-hand side (`CommitteeODE`, η² terms included, σ² = λ = 0, fixed v) in 80-bit precision on the
/// same double state: an independent reference for the difference form.
func extendedErfRightHandSide(_ p: CommitteeOrderParameters, lr: Double) -> [Float80] {
    let k = p.studentUnits, m = p.teacherUnits, n = k + m
    let c = p.fieldCovariance.map { Float80($0) }
    let s = (p.v.map { -$0 } + p.vStar).map { Float80($0) }
    let eta = Float80(lr), pi = Float80.pi
    func e(_ a: Int, _ b: Int) -> Float80 { c[a * n + b] }
    func i3(_ a: Int, _ b: Int, _ f: Int) -> Float80 {
        let c11 = e(a, a), c12 = e(a, b), c13 = e(a, f), c23 = e(b, f), c33 = e(f, f)
        let l3 = (1 + c11) * (1 + c33) - c13 * c13
        return 2 / pi * (c23 * (1 + c11) - c12 * c13) / ((1 + c11) * l3.squareRoot())
    }
    func i4(_ i: Int, _ j: Int, _ p3: Int, _ p4: Int) -> Float80 {
        let c11 = e(i, i), c12 = e(i, j), c13 = e(i, p3), c14 = e(i, p4), c22 = e(j, j), c23 = e(j, p3), c24 = e(j, p4)
        let c33 = e(p3, p3), c34 = e(p3, p4), c44 = e(p4, p4)
        let a = 1 + c11, b = 1 + c22, l4 = a * b - c12 * c12
        let l0 = l4 * c34 - c23 * c24 * a - c13 * c14 * b + c12 * c13 * c24 + c12 * c14 * c23
        let l1 = l4 * (1 + c33) - c23 * c23 * a - c13 * c13 * b + 2 * c12 * c13 * c23
        let l2 = l4 * (1 + c44) - c24 * c24 * a - c14 * c14 * b + 2 * c12 * c14 * c24
        return 4 / (pi * pi) / l4.squareRoot() * asinl(l0 / (l1 * l2).squareRoot())
    }
    let layout = CommitteeStateLayout(studentUnits: k, teacherUnits: m, trainsSecondLayer: false)
    var dy = [Float80](repeating: 0, count: layout.dimension)
    func drive(_ i: Int, _ b: Int) -> Float80 { (0..<n).reduce(0) { $0 + s[$1] * i3(i, b, $1) } }
    for i in 0..<k {
        for a in 0..<m { dy[layout.rIndex(i, a)] = eta * s[i] * -1 * drive(i, k + a) }
        for j in i..<k {
            var bracket: Float80 = 0
            for a in 0..<n { for b in 0..<n { bracket += s[a] * s[b] * i4(i, j, a, b) } }
            dy[layout.qIndex(i, j)] = eta * (-s[i] * drive(i, j) - s[j] * drive(j, i)) + eta * eta * s[i] * s[j] * bracket
        }
    }
    return dy
}
#endif

@Suite struct CommitteeDeviationTests {
    /// The difference-form right-hand side agrees with the plain one evaluated in 80-bit precision on the same state,
    /// component by component and, where it matters, in the cancelling combinations d/dt Var(λ_j − σ_jρ_π(j)) =
    /// dQ_jj/dt − 2σ_j dR_jπ(j)/dt (O(α²) out of O(α) terms); for K = M = 3 the plain double right-hand side misses the latter by > 10% at α = 1e-7.
    @Test(arguments: [
        (2, [1.0, 1], [0, 1]), (2, [-1.0, -1], [0, 1]), (2, [1.0, 1], [1, 0]), (3, [1.0, -1, 1], [2, 0, 1]),
    ])
    func erfRightHandSideMatchesExtendedPrecision(_ k: Int, _ sign: [Double], _ partner: [Int]) throws {
        #if arch(x86_64) && !os(Windows)
        let scenario = try erfScenario(k)
        for alpha in [1e-4, 1e-5, 1e-6, 1e-7] {
            // At α = 1e-7 the combination is ~1e-16 and the 80-bit reference itself is only good to ~1e-3.
            let tolerance = alpha < 1e-6 ? 1e-2 : 1e-3
            let state = nearPerfect(units: k, alpha: alpha, sign: sign, partner: partner)
            let ode = CommitteeODE(scenario: scenario, initial: state)
            let anchor = try #require(CommitteePerfectLearningAnchor.of(state, scenario: scenario))
            #expect(anchor.partner == partner && anchor.sign == sign)
            let deviationODE = CommitteeDeviationODE(plain: ode, anchor: anchor)
            let y = ode.layout.state(of: state), delta = deviationODE.deviation(of: y)
            var fast = [Double](repeating: 0, count: y.count), plain = fast
            delta.withUnsafeBufferPointer { d in fast.withUnsafeMutableBufferPointer { deviationODE.evaluate(time: 0, state: d, derivative: $0) } }
            y.withUnsafeBufferPointer { d in plain.withUnsafeMutableBufferPointer { ode.evaluate(time: 0, state: d, derivative: $0) } }
            let reference = extendedErfRightHandSide(state, lr: scenario.learningRate)
            let size = reference.map { abs(Double($0)) }.max()!
            for x in y.indices {
                #expect(abs(fast[x] - Double(reference[x])) <= 1e-9 * size, "α = \(alpha) component \(x): \(fast[x]) vs \(reference[x])")
            }
            var plainMisses = false
            for j in 0..<k {
                let qi = ode.layout.qIndex(j, j), ri = ode.layout.rIndex(j, partner[j])
                let exact = Double(reference[qi] - 2 * Float80(sign[j]) * reference[ri])
                let viaDeviation = fast[qi] - 2 * sign[j] * fast[ri], viaPlain = plain[qi] - 2 * sign[j] * plain[ri]
                #expect(abs(viaDeviation - exact) <= tolerance * abs(exact), "α = \(alpha) unit \(j): \(viaDeviation) vs \(exact)")
                if abs(viaPlain - exact) > 0.1 * abs(exact) { plainMisses = true }
            }
            if alpha == 1e-7 && k == 3 { #expect(plainMisses, "the test can fail: the plain double form is off by > 10% at α = 1e-7") }
        }
        #endif
    }
}

/// erf(x/√2) as a user-supplied activation: no closed form is known to the library, so every committee integral, and
/// the deviation form's drift, go through quadrature. An independent route to the closed-form erf results.
let erfByQuadrature = Activation(
    name: "erf-by-quadrature", function: { Foundation.erf($0 / 2.0.squareRoot()) },
    derivative: { (2 / Double.pi).squareRoot() * exp(-0.5 * $0 * $0) },
    secondDerivative: { -$0 * (2 / Double.pi).squareRoot() * exp(-0.5 * $0 * $0) })

extension CommitteeDeviationTests {
    /// The quadrature path of the difference form (`quadratureDrift`, used for tanh, sigmoid and custom activations)
    /// reproduces the closed-form path (validated above against 80-bit arithmetic) for erf written as a custom
    /// activation: every component, and the cancelling combinations dQ_jj/dt − 2σ_j dR_jπ(j)/dt, to 1e-5 relative (4e-6
    /// at the default 24 trapezoid nodes per ρ direction)
    /// at every distance α from perfect learning down to 1e-6 (below, a state built in plain O(1) coordinates
    /// no longer carries Var d_j ~ α² exactly), where the plain quadrature right-hand side misses the combination.
    @Test(arguments: [(2, [1.0, 1], [0, 1]), (2, [-1.0, 1], [1, 0]), (1, [1.0], [0])])
    func quadraturePathMatchesClosedFormForErf(_ k: Int, _ sign: [Double], _ partner: [Int]) throws {
        let closed = try erfScenario(k)
        let custom = try CommitteeScenario(studentUnits: k, teacherUnits: k, studentActivation: erfByQuadrature, learningRate: 0.5,
                                           initialStudent: .diagonal(q0: 0.5, r0: 0.05, studentUnits: k, teacherUnits: k))
        var plainMisses = false
        for alpha in [1e-2, 1e-3, 1e-4, 1e-5, 1e-6] {
            let state = nearPerfect(units: k, alpha: alpha, sign: sign, partner: partner)
            var results: [[Double]] = []
            var plainCombination: [Double] = []
            for scenario in [closed, custom] {
                let ode = CommitteeODE(scenario: scenario, initial: state)
                let anchor = try #require(CommitteePerfectLearningAnchor.of(state, scenario: scenario))
                #expect(anchor.partner == partner && anchor.sign == sign)
                let deviationODE = CommitteeDeviationODE(plain: ode, anchor: anchor)
                let y = ode.layout.state(of: state), delta = deviationODE.deviation(of: y)
                var dy = [Double](repeating: 0, count: y.count)
                delta.withUnsafeBufferPointer { d in dy.withUnsafeMutableBufferPointer { deviationODE.evaluate(time: 0, state: d, derivative: $0) } }
                results.append(dy)
                if scenario.studentActivation.family == .other {
                    var plain = [Double](repeating: 0, count: y.count)
                    y.withUnsafeBufferPointer { d in plain.withUnsafeMutableBufferPointer { ode.evaluate(time: 0, state: d, derivative: $0) } }
                    plainCombination = (0..<k).map { j in plain[ode.layout.qIndex(j, j)] - 2 * sign[j] * plain[ode.layout.rIndex(j, partner[j])] }
                }
            }
            let (reference, quadrature) = (results[0], results[1])
            let size = reference.map(abs).max()!
            #expect(size > 0)
            for x in reference.indices {
                #expect(abs(quadrature[x] - reference[x]) <= 1e-5 * size, "α = \(alpha) component \(x): \(quadrature[x]) vs \(reference[x])")
            }
            let layout = CommitteeStateLayout(studentUnits: k, teacherUnits: k, trainsSecondLayer: false)
            for j in 0..<k {
                let qi = layout.qIndex(j, j), ri = layout.rIndex(j, partner[j])
                let exact = reference[qi] - 2 * sign[j] * reference[ri], viaQuadrature = quadrature[qi] - 2 * sign[j] * quadrature[ri]
                #expect(abs(viaQuadrature - exact) <= 1e-5 * abs(exact), "α = \(alpha) unit \(j): \(viaQuadrature) vs \(exact)")
                if alpha == 1e-6 && abs(plainCombination[j] - exact) > 0.1 * abs(exact) { plainMisses = true }
            }
        }
        #expect(plainMisses, "the test can fail: the plain quadrature form misses the combination by > 10% at α = 1e-6")
    }
}

/// dδ/dt = Jδ for a constant n×n matrix J (row-major): the linearised flow.
struct LinearFlow: ODESystem {
    let matrix: [Double]
    var dimension: Int { Int(Double(matrix.count).squareRoot().rounded()) }
    func evaluate(time: Double, state y: UnsafeBufferPointer<Double>, derivative dy: UnsafeMutableBufferPointer<Double>) {
        let n = dimension
        for i in 0..<n { dy[i] = (0..<n).reduce(0) { $0 + matrix[i * n + $1] * y[$1] } }
    }
}

extension CommitteeDeviationTests {
    /// The late trajectory against the linearisation at the perfect-learning fixed point, an independent route:
    /// `CommitteeStability`'s Jacobian J of the plain right-hand side at Q = R = T (one-sided differences into the
    /// cone). From the theory's late state δ(t₁) (|δ| ~ 1e-5), the linear flow e^{J(t₂ − t₁)}δ(t₁) reproduces the
    /// theory's δ(t₂) at t₂ = t₁ + 4/μ₁ to 3e-4 of |δ(t₂)| (the O(|δ|) nonlinear terms and the
    /// theory's quadrature error over four e-folds), for the closed forms and for tanh (quadrature path). For tanh, ε_g itself then
    /// decays at 2μ₁ (μ₁ the slowest rate; the next rate of the spectrum lies far above 2μ₁) to 1e-3 (what is left of the faster modes): the plain
    /// form's tanh curve (lr 0.5 from q0 = 0.5, r0 = 0.3), 70× too high at t = 500 (1.5e-12 against 2.1e-14), could not.
    @Test(arguments: [("erf", 2, 0.5), ("tanh", 2, 0.5), ("erf", 3, 0.8)])
    func lateTrajectoryFollowsTheLinearisation(_ name: String, _ k: Int, _ lr: Double) throws {
        let g = try Activation.named(name)
        let scenario = try CommitteeScenario(studentUnits: k, teacherUnits: k, studentActivation: g, learningRate: lr,
                                             initialStudent: .diagonal(q0: 0.5, r0: 0.3, studentUnits: k, teacherUnits: k))
        var stability = CommitteeStability(scenario: scenario)
        stability.quadratureOrder = 30  // the Jacobian converged (at the default 15, tanh's μ₁ is 2.4e-5 low)
        let jacobian = try stability.jacobian(learningRate: lr), mu = try stability.slowestRate(learningRate: lr)
        // From a specialised start (correlation ≈ 0.999, deviation form at once) to |δ| ≈ 1e-5 (t₁) and 4/μ on (t₂).
        let start = nearPerfect(units: k, alpha: 0.05, sign: [Double](repeating: 1, count: k), partner: Array(0..<k))
        let t0 = log(5e3) / mu - 1.5 / mu, t1 = log(5e3) / mu, t2 = t1 + 4 / mu
        let solution = try CommitteeTheory(scenario: scenario).solve(times: [0, t0, t1, t2], from: start)
        let layout = CommitteeStateLayout(studentUnits: k, teacherUnits: k, trainsSecondLayer: false)
        let anchor = layout.state(of: stability.fixedPoint)
        let delta = solution.states.map { state in zip(layout.state(of: state), anchor).map { $0 - $1 } }
        let size1 = delta[2].map(abs).max()!, size2 = delta[3].map(abs).max()!
        #expect(size1 < 1e-4 && size1 > 1e-7, "\(name): |δ(\(t1))| = \(size1)")
        let flow = try DormandPrince54(relativeTolerance: 1e-12, absoluteTolerance: 1e-14 * size1)
            .solve(LinearFlow(matrix: jacobian), initialState: delta[2], outputTimes: [t1, t2])
        let linear = Array(flow.states[layout.dimension...])
        let gap = zip(linear, delta[3]).map { abs($0 - $1) }.max()!
        #expect(gap <= 3e-4 * size2, "\(name) K = \(k): |δ(\(t2)) − e^{JΔt}δ(\(t1))| = \(gap), |δ| = \(size2)")
        if name == "tanh" {
            let eg = solution.resolvedGeneralisationError
            let rate = log(eg[1] / eg[2]) / (t1 - t0)
            #expect(abs(rate - 2 * mu) <= 1e-3 * 2 * mu, "tanh: −d ln ε_g/dt = \(rate), 2μ₁ = \(2 * mu); ε_g = \(eg)")
        }
    }

    /// Once δ is resolved to rounding (max|δ_i| < `smallestDeviation`, ε_g ~ 1e-30) the deviation phase stops instead of
    /// stalling on the noise of so small a drift (a tanh K = M = 2 run to t = 3000 never finished): the later output
    /// times keep the last state, with ε_g null and a resolution that bounds it from above (below 1e-20 here), and every
    /// resolved ε_g before is positive and decreasing.
    @Test func deviationPhaseStopsOnceResolvedToRounding() throws {
        let scenario = try CommitteeScenario(studentUnits: 1, teacherUnits: 1, learningRate: 1,
                                             initialStudent: .diagonal(q0: 0.9, r0: 0.85, studentUnits: 1, teacherUnits: 1))
        let times = (0...8).map { Double($0) * 50 }
        let curve = try CommitteeTheory(scenario: scenario).solve(times: times)
        #expect(curve.times == times && curve.divergence == nil)
        let resolved = curve.resolvedGeneralisationError
        #expect(resolved.last!.isNaN, "ε_g = \(resolved)")
        #expect(curve.generalisationErrorResolution.last! > 0 && curve.generalisationErrorResolution.last! < 1e-20)
        let values = resolved.filter { !$0.isNaN }
        #expect(values.count >= 2 && zip(values, values.dropFirst()).allSatisfy { $1 < $0 && $1 > 0 })
        #expect(abs(curve.states.last!.r[0] - 1) < 1e-14 && abs(curve.states.last!.q[0] - 1) < 1e-14)
    }
}
