import Foundation
import GaussianIntegrals
import ODEIntegration
@testable import OnlineTheory
import Randomness
import Scenarios
import Testing

/// A K = M = 2 state away from any symmetry: every field correlated.
func generic2x2(v: [Double] = [1, 1]) -> CommitteeOrderParameters {
    CommitteeOrderParameters(studentUnits: 2, teacherUnits: 2, q: [0.8, 0.2, 0.2, 0.6], r: [0.3, 0.1, -0.05, 0.25],
                             t: [1, 0.1, 0.1, 0.9], v: v, vStar: [1, 0.8])
}

func rhs(_ ode: CommitteeODE, _ state: CommitteeOrderParameters) -> [Double] {
    let y = ode.layout.state(of: state)
    var dy = [Double](repeating: 0, count: y.count)
    y.withUnsafeBufferPointer { yb in dy.withUnsafeMutableBufferPointer { ode.evaluate(time: 0, state: yb, derivative: $0) } }
    return dy
}

@Suite struct CommitteeTheoryTests {
    /// The right-hand side is the expected one-step change × d: sample the local fields from [[Q, R], [Rᵀ, T]]
    /// and average the exact SGD increments of R, Q (with the η² and noise terms) and v (Monte Carlo).
    @Test(arguments: ["erf", "relu", "tanh"])
    func rightHandSideIsTheExpectedIncrement(activation: String) throws {
        let g = try Activation.named(activation)
        let eta = 0.7, etaV = 0.4, noise = 0.05, lambda = 0.02
        let scenario = try CommitteeScenario(
            studentUnits: 2, teacherUnits: 2, studentActivation: g, learningRate: eta, secondLayerLearningRate: etaV,
            noiseVariance: noise, weightDecay: lambda, teacher: .overlap([1, 0.1, 0.1, 0.9]),
            teacherSecondLayer: [1, 0.8], initialSecondLayer: [0.9, 1.1], initialStudent: .overlaps(q: [0.8, 0.2, 0.2, 0.6], r: [0.3, 0.1, -0.05, 0.25]))
        let state = generic2x2(v: [0.9, 1.1])
        let ode = CommitteeODE(scenario: scenario, initial: state, quadratureOrder: 20)
        let dy = rhs(ode, state)
        let layout = ode.layout
        let c = state.fieldCovariance
        let l = try #require(Cholesky.factor(c, dimension: 4))
        var rng = Xoshiro256(seed: 42, stream: 0)
        let samples = 200_000
        var sum = [Double](repeating: 0, count: layout.dimension), sumSquares = sum
        var u = [Double](repeating: 0, count: 4), z = u
        for _ in 0..<samples {
            for a in 0..<4 { z[a] = rng.nextGaussian() }
            for a in 0..<4 { var s = 0.0; for b in 0...a { s += l[a * 4 + b] * z[b] }; u[a] = s }
            let phi = state.v[0] * g.function(u[0]) + state.v[1] * g.function(u[1])
            let target = state.vStar[0] * g.function(u[2]) + state.vStar[1] * g.function(u[3])
            let delta = target + noise.squareRoot() * rng.nextGaussian() - phi
            var increment = [Double](repeating: 0, count: layout.dimension)
            for i in 0..<2 {
                let ci = eta * state.v[i] * g.derivative(u[i]) * delta
                for n in 0..<2 { increment[layout.rIndex(i, n)] = ci * u[2 + n] - eta * lambda * state.r[i * 2 + n] }
                for k in i..<2 {
                    let ck = eta * state.v[k] * g.derivative(u[k]) * delta
                    increment[layout.qIndex(i, k)] = ci * u[k] + ck * u[i] + ci * ck - 2 * eta * lambda * state.q[i * 2 + k]
                }
                increment[layout.vIndex(i)] = etaV * g.function(u[i]) * delta
            }
            for e in increment.indices { sum[e] += increment[e]; sumSquares[e] += increment[e] * increment[e] }
        }
        for e in 0..<layout.dimension {
            let mean = sum[e] / Double(samples)
            let error = ((sumSquares[e] / Double(samples) - mean * mean) / Double(samples)).squareRoot()
            #expect(abs(dy[e] - mean) < 5 * error + 1e-9, "\(activation) component \(e): ODE \(dy[e]), MC \(mean) ± \(error)")
        }
    }

    @Test(arguments: ["erf", "relu", "linear", "sigmoid"])
    func generalisationErrorMatchesMonteCarlo(activation: String) throws {
        let g = try Activation.named(activation)
        let scenario = try CommitteeScenario(studentUnits: 2, teacherUnits: 2, studentActivation: g, learningRate: 0.5)
        let state = generic2x2(v: [0.9, 1.2])
        let eg = CommitteeTheory(scenario: scenario).generalisationError(state)
        let l = try #require(Cholesky.factor(state.fieldCovariance, dimension: 4))
        var rng = Xoshiro256(seed: 8, stream: 1)
        var sum = 0.0, sumSquares = 0.0
        let samples = 200_000
        for _ in 0..<samples {
            let z = (0..<4).map { _ in rng.nextGaussian() }
            let u = (0..<4).map { a in (0...a).reduce(0) { $0 + l[a * 4 + $1] * z[$1] } }
            let diff = 0.9 * g.function(u[0]) + 1.2 * g.function(u[1]) - g.function(u[2]) - 0.8 * g.function(u[3])
            sum += 0.5 * diff * diff; sumSquares += 0.25 * diff * diff * diff * diff
        }
        let mean = sum / Double(samples), error = ((sumSquares / Double(samples) - mean * mean) / Double(samples)).squareRoot()
        #expect(abs(eg - mean) < 5 * error, "\(activation): \(eg) vs \(mean) ± \(error)")
    }

    /// The η → 0 symmetric plateau of Saad & Solla for K = M, T = I, v = v* = 1, erf:
    /// Q_ii = Q_ik = 1/(2K − 1), R_in = 1/√(K(2K − 1)), ε_g = K/6 − (K²/π) arcsin(1/(2K)).
    @Test(arguments: [2, 3])
    func symmetricPlateauIsAFixedPointOfTheSmallLearningRateODE(k: Int) throws {
        let scenario = try CommitteeScenario(studentUnits: k, teacherUnits: k, learningRate: 0.1, dropsSecondOrderTerms: true)
        let q = 1 / Double(2 * k - 1), r = 1 / (Double(k) * Double(2 * k - 1)).squareRoot()
        let plateau = CommitteeOrderParameters(
            studentUnits: k, teacherUnits: k, q: Array(repeating: q, count: k * k), r: Array(repeating: r, count: k * k),
            t: (0..<(k * k)).map { $0 / k == $0 % k ? 1 : 0 }, v: Array(repeating: 1, count: k), vStar: Array(repeating: 1, count: k))
        let dy = rhs(CommitteeODE(scenario: scenario, initial: plateau), plateau)
        #expect(dy.allSatisfy { abs($0) < 1e-13 }, "\(dy)")
        let eg = CommitteeTheory(scenario: scenario).generalisationError(plateau)
        #expect(abs(eg - (Double(k) / 6 - Double(k * k) / Double.pi * asin(1 / Double(2 * k)))) < 1e-13)
        // Off the plateau the flow does not vanish.
        var moved = plateau
        moved.r[0] += 0.01
        #expect(rhs(CommitteeODE(scenario: scenario, initial: moved), moved).contains { abs($0) > 1e-5 })
    }

    @Test(arguments: ["erf", "relu", "tanh"])
    func perfectLearningIsAFixedPoint(activation: String) throws {
        let scenario = try CommitteeScenario(studentUnits: 3, teacherUnits: 3, studentActivation: try Activation.named(activation), learningRate: 0.8)
        let perfect = CommitteeStability(scenario: scenario).fixedPoint
        let dy = rhs(CommitteeODE(scenario: scenario, initial: perfect, quadratureOrder: 20), perfect)
        #expect(dy.allSatisfy { abs($0) < 1e-9 }, "\(dy)")
        #expect(CommitteeTheory(scenario: scenario).generalisationError(perfect) < 1e-12)
    }

    /// A linear committee with K = M = 1 is linear regression: the ODEs coincide (R ↔ m, Q ↔ q, T ↔ ρ).
    @Test func linearUnitReducesToLinearRegression() throws {
        let scenario = try CommitteeScenario(
            studentUnits: 1, teacherUnits: 1, studentActivation: .linear, learningRate: 0.6, noiseVariance: 0.1,
            weightDecay: 0.05, teacher: .overlap([1.3]), initialStudent: .overlaps(q: [0.4], r: [0.2]))
        let times = (0...20).map { Double($0) * 0.5 }
        let committee = try CommitteeTheory(scenario: scenario).solve(times: times)
        let linear = try LinearRegressionTheory(scenario: LinearRegressionScenario(
            learningRate: 0.6, noiseVariance: 0.1, weightDecay: 0.05, teacherNorm: 1.3, initialOverlap: 0.2, initialSelfOverlap: 0.4))
            .solve(times: times)
        for k in times.indices {
            #expect(abs(committee.states[k].r[0] - linear.m[k]) < 1e-8)
            #expect(abs(committee.states[k].q[0] - linear.q[k]) < 1e-8)
            #expect(abs(committee.generalisationError[k] - linear.generalisationError[k]) < 1e-8)
        }
    }

    @Test func erfLearningEscapesThePlateauAndConverges() throws {
        // Classic plateau study: tiny initial symmetry breaking, K = M = 2, η = 0.5.
        let scenario = try CommitteeScenario(
            studentUnits: 2, teacherUnits: 2, learningRate: 0.5,
            initialStudent: .overlaps(q: [0.2, 0, 0, 0.2], r: [1e-3, 0, 0, 2e-3]))
        let times = (0...400).map { Double($0) }
        let result = try CommitteeTheory(scenario: scenario).solve(times: times)
        #expect(result.divergence == nil)
        let eg = result.generalisationError
        // A long plateau near the symmetric value, then specialisation: R_11 → 1 and ε_g → 0.
        let plateauValue = 2.0 / 6 - 4 / Double.pi * asin(0.25)
        #expect(eg[30] > 0.5 * plateauValue && eg[30] < 2 * plateauValue)
        #expect(eg.last! < 1e-4)
        #expect(abs(result.states.last!.r[0] - 1) < 1e-2 && abs(result.states.last!.r[1]) < 1e-2)
    }

    @Test func divergenceIsReportedAboveTheMaximalLearningRate() throws {
        let scenario = try CommitteeScenario(
            studentUnits: 1, teacherUnits: 1, studentActivation: .linear, learningRate: 2.5, initialStudent: .overlaps(q: [0.5], r: [0]))
        let result = try CommitteeTheory(scenario: scenario).solve(times: (0...100).map { Double($0) })
        let divergence = try #require(result.divergence)
        #expect(divergence.time > 1 && divergence.time < 100)
        #expect(result.generalisationError.allSatisfy { $0.isFinite })
    }

    @Test func stabilityOfTheLinearUnitIsKnownExactly() throws {
        // Jacobian eigenvalues −η and η² − 2η: lr_max = 2, lr_opt = 1, rate 1.
        let scenario = try CommitteeScenario(studentUnits: 1, teacherUnits: 1, studentActivation: .linear, learningRate: 0.5)
        let result = try CommitteeStability(scenario: scenario).analyse()
        #expect(abs(result.lrMax - 2) < 1e-6)
        #expect(abs(result.lrOpt - 1) < 1e-4)
        #expect(abs(result.rateOpt - 1) < 1e-6)
    }

    @Test func stabilityOfTheErfCommittee() throws {
        let scenario = try CommitteeScenario(studentUnits: 2, teacherUnits: 2, learningRate: 0.5)
        let analysis = CommitteeStability(scenario: scenario)
        let result = try analysis.analyse()
        #expect(result.lrOpt > 0 && result.lrOpt < result.lrMax)
        #expect(try analysis.slowestRate(learningRate: 0.99 * result.lrMax) > 0)
        #expect(try analysis.slowestRate(learningRate: 1.01 * result.lrMax) < 0)
        #expect(try analysis.slowestRate(learningRate: 0.8 * result.lrOpt) < result.rateOpt)
        // An ODE run at lr_opt decays at the predicted rate: ε_g is linear in the order parameters near
        // perfect learning, so ε_g ∝ exp(−rate·t).
        var s = scenario
        s.learningRate = result.lrOpt
        s.initialStudent = .overlaps(q: [1.02, 0.01, 0.01, 0.98], r: [0.99, 0.01, -0.01, 1.0])
        let curve = try CommitteeTheory(scenario: s).solve(times: [0, 60, 100])
        let measured = log(curve.generalisationError[1] / curve.generalisationError[2]) / 40
        #expect(abs(measured - result.rateOpt) < 0.03 * result.rateOpt, "measured \(measured), predicted \(result.rateOpt)")
    }

    @Test func eigenvaluesOfKnownMatrices() throws {
        // Companion matrix of (x − 1)(x + 2)(x − 3)(x² + 1) = x⁵ − 2x⁴ − 4x³ + 4x² − 5x + 6.
        let coefficients = [-2.0, -4, 4, -5, 6]
        var companion = [Double](repeating: 0, count: 25)
        for j in 0..<5 { companion[j] = -coefficients[j] }
        for i in 1..<5 { companion[i * 5 + i - 1] = 1 }
        let values = try RealEigenvalues.compute(companion, dimension: 5).sorted { ($0.re, $0.im) < ($1.re, $1.im) }
        let expected: [(Double, Double)] = [(-2, 0), (0, -1), (0, 1), (1, 0), (3, 0)]
        for (value, want) in zip(values, expected) {
            #expect(abs(value.re - want.0) < 1e-9 && abs(value.im - want.1) < 1e-9, "\(value)")
        }
        let triangular = [2.0, 5, 7, 0, -1, 3, 0, 0, 4]
        #expect(try RealEigenvalues.compute(triangular, dimension: 3).map(\.re).sorted() == [-1, 2, 4])
    }

    @Test func badInputIsRejected() throws {
        let random = try CommitteeScenario(studentUnits: 2, teacherUnits: 2, learningRate: 0.5)
        #expect(throws: ScenarioError.self) { try CommitteeTheory(scenario: random).solve(times: [0, 1]) }
        let unequal = try CommitteeScenario(studentUnits: 3, teacherUnits: 2, learningRate: 0.5)
        #expect(throws: ScenarioError.self) { try CommitteeStability(scenario: unequal).analyse() }
        #expect(throws: ScenarioError.self) {
            try CommitteeScenario(studentUnits: 2, teacherUnits: 2, learningRate: 0.5, teacher: .overlap([1, 0, 0, -1]))
        }
    }
}
