import Foundation
import Testing
@testable import OnlineTheory
import ODEIntegration
import Scenarios

@Suite struct MatrixExponentialTests {
    @Test func rotationGenerator() {
        let theta = 2.7
        let e = matrixExponential([0, -theta, theta, 0], dimension: 2)
        #expect(abs(e[0] - cos(theta)) < 1e-14 && abs(e[1] + sin(theta)) < 1e-14)
        #expect(abs(e[2] - sin(theta)) < 1e-14 && abs(e[3] - cos(theta)) < 1e-14)
    }

    @Test func diagonalAndNilpotent() {
        let d = matrixExponential([-3, 0, 0, 0, 1.5, 0, 0, 0, 0], dimension: 3)
        #expect(abs(d[0] - exp(-3)) < 1e-15 && abs(d[4] - exp(1.5)) < 1e-13 && d[8] == 1)
        // exp([[0,1],[0,0]] t) = [[1,t],[0,1]]
        let n = matrixExponential([0, 5, 0, 0], dimension: 2)
        #expect(abs(n[1] - 5) < 1e-14 && abs(n[0] - 1) < 1e-15 && n[2] == 0)
    }
}

@Suite struct LinearRegressionTheoryTests {
    static let scenarios: [LinearRegressionScenario] = [
        try! LinearRegressionScenario(learningRate: 0.5, noiseVariance: 0.1, weightDecay: 0.01, teacherNorm: 1, initialOverlap: 0, initialSelfOverlap: 0.1),
        try! LinearRegressionScenario(learningRate: 1.3, noiseVariance: 0.5, weightDecay: 0.3, teacherNorm: 2, initialOverlap: 0.4, initialSelfOverlap: 0.5),
        // τ = 1 + λ: the generator's two eigenvalues coincide.
        try! LinearRegressionScenario(learningRate: 1.2, noiseVariance: 0.2, weightDecay: 0.2, teacherNorm: 1, initialOverlap: 0.1, initialSelfOverlap: 0.3),
        // τ = τ_c: the generator is singular (no fixed point, q grows linearly).
        try! LinearRegressionScenario(learningRate: 2.2, noiseVariance: 0.1, weightDecay: 0.1, teacherNorm: 1, initialOverlap: 0, initialSelfOverlap: 0.2),
    ]

    @Test(arguments: scenarios)
    func integratorMatchesTheMatrixExponential(_ scenario: LinearRegressionScenario) throws {
        let theory = LinearRegressionTheory(scenario: scenario)
        let times = (0...50).map { Double($0) * 0.2 }
        let solved = try theory.solve(times: times)
        #expect(solved.divergence == nil)
        for (k, t) in times.enumerated() {
            let exact = theory.exactSolution(at: t, from: theory.specifiedInitialState)
            #expect(abs(solved.m[k] - exact.m) < 1e-9 * max(1, abs(exact.m)))
            #expect(abs(solved.q[k] - exact.q) < 1e-9 * max(1, abs(exact.q)))
        }
    }

    @Test func exactSolutionSatisfiesTheODE() throws {
        // d/dt of the matrix-exponential solution (central difference) equals the right-hand side.
        let scenario = Self.scenarios[1]
        let theory = LinearRegressionTheory(scenario: scenario)
        let ode = LinearRegressionODE(scenario: scenario)
        let start = theory.specifiedInitialState
        for t in [0.3, 1.0, 4.0] {
            let h = 1e-5
            let plus = theory.exactSolution(at: t + h, from: start), minus = theory.exactSolution(at: t - h, from: start)
            let here = theory.exactSolution(at: t, from: start)
            var derivative = [0.0, 0.0]
            [here.m, here.q].withUnsafeBufferPointer { y in
                derivative.withUnsafeMutableBufferPointer { ode.evaluate(time: t, state: y, derivative: $0) }
            }
            #expect(abs((plus.m - minus.m) / (2 * h) - derivative[0]) < 1e-7)
            #expect(abs((plus.q - minus.q) / (2 * h) - derivative[1]) < 1e-7)
        }
    }

    @Test func steadyStateIsTheLongTimeLimitAndAFixedPoint() throws {
        for scenario in Self.scenarios.prefix(3) {
            let theory = LinearRegressionTheory(scenario: scenario)
            let fixed = try #require(theory.steadyState())
            #expect(abs(fixed.m - scenario.teacherNorm / (1 + scenario.weightDecay)) < 1e-15)
            let late = try theory.solve(times: [0, 400]).q.last!
            #expect(abs(late - fixed.q) < 1e-9)
            var derivative = [1.0, 1.0]
            [fixed.m, fixed.q].withUnsafeBufferPointer { y in
                derivative.withUnsafeMutableBufferPointer {
                    LinearRegressionODE(scenario: scenario).evaluate(time: 0, state: y, derivative: $0)
                }
            }
            #expect(abs(derivative[0]) < 1e-14 && abs(derivative[1]) < 1e-14)
        }
    }

    @Test func criticalLearningRateIsTwoTimesOnePlusLambda() throws {
        // With λ = 0.5: τ_c = 3, not 2/(1+λ) ≈ 1.33. τ = 2.9 converges, τ = 3.1 diverges.
        let lambda = 0.5
        let stable = try LinearRegressionScenario(learningRate: 2.9, noiseVariance: 0.1, weightDecay: lambda, initialSelfOverlap: 0.1)
        #expect(stable.criticalLearningRate == 3)
        let theory = LinearRegressionTheory(scenario: stable)
        #expect(try #require(theory.relaxationRate) > 0)
        let converged = try theory.solve(times: [0, 3000])
        #expect(converged.divergence == nil)
        #expect(abs(converged.q.last! - theory.steadyState()!.q) < 1e-6)
        // The slowest generator eigenvalue changes sign exactly at τ_c.
        let unstable = LinearRegressionTheory(scenario: try LinearRegressionScenario(learningRate: 3.1, noiseVariance: 0.1, weightDecay: lambda))
        #expect(try #require(unstable.relaxationRate) < 0)
        #expect(unstable.steadyState() == nil)
    }

    @Test func divergenceIsReportedWithItsTime() throws {
        let scenario = try LinearRegressionScenario(learningRate: 2.5, noiseVariance: 0.1, weightDecay: 0, initialSelfOverlap: 0.1)
        let theory = LinearRegressionTheory(scenario: scenario)
        let times = (0...200).map { Double($0) * 0.5 }
        let result = try theory.solve(times: times)
        let divergence = try #require(result.divergence)
        #expect(result.m.allSatisfy(\.isFinite) && result.q.allSatisfy(\.isFinite))
        #expect(result.times.last! <= divergence.time && result.times.count < times.count)
        // The exact solution crosses the bound at the reported time.
        let start = theory.specifiedInitialState
        let bound = theory.divergenceBound(from: start).limit
        let atEvent = theory.exactSolution(at: divergence.time, from: start).generalisationError
        #expect(abs(atEvent / bound - 1) < 1e-6)
    }

    @Test func invalidScenariosAreRejected() {
        #expect(throws: ScenarioError.self) { try LinearRegressionScenario(learningRate: 0) }
        #expect(throws: ScenarioError.self) { try LinearRegressionScenario(learningRate: 0.5, noiseVariance: -1) }
        #expect(throws: ScenarioError.self) { try LinearRegressionScenario(learningRate: .nan) }
        #expect(throws: ScenarioError.self) { try LinearRegressionScenario(learningRate: 0.5, teacherNorm: 0) }
        #expect(throws: ScenarioError.self) { try LinearRegressionScenario(learningRate: 0.5, initialOverlap: 1, initialSelfOverlap: 0.5) }
    }
}
