import Foundation
import GaussianIntegrals
@testable import OnlineTheory
import Scenarios
import Testing

/// Mini-batches of B samples in the d → ∞ theory: only the noise (η²) coefficient changes, to η²/B.
@Suite struct MiniBatchTheoryTests {
    /// B outside 1…`maximumBatchSize` is one parameter out of its domain (status 64 on the command line), named as such.
    @Test(arguments: [0, -1, Optimiser.maximumBatchSize + 1, Int.max, Int.min])
    func aBatchSizeOutsideItsDomainIsOutOfRange(_ batch: Int) {
        #expect {
            _ = try Optimiser(learningRate: 0.5, batchSize: batch)
        } throws: { error in
            guard let error = error as? ScenarioError else { return false }
            return error.isOutOfRange && error.description.contains("batch size")
        }
    }

    /// The drift stays η, the noise becomes η²/B; B = 1 is the plain optimiser; the sample count is t·B.
    @Test func onlyTheNoiseCoefficientCarriesTheBatch() throws {
        #expect(try Optimiser(learningRate: 0.7, batchSize: 1) == Optimiser(learningRate: 0.7))
        let batched = try Optimiser(learningRate: 0.7, batchSize: 5)
        #expect(batched.coefficients(at: 3) == OptimiserCoefficients(drift: 0.7, noise: 0.7 * 0.7 / 5))
        #expect(batched.rate(atStep: 99, dimension: 10) == 0.7)
        #expect(batched.samples(at: 2.5) == 12.5)
        #expect(try Optimiser(learningRate: 1, batchSize: Optimiser.maximumBatchSize).batchSize == Optimiser.maximumBatchSize)
    }

    static func linear(lr: Double, batch: Int, noise: Double = 0.5, reg: Double = 0) throws -> LinearRegressionScenario {
        try LinearRegressionScenario(optimiser: try Optimiser(learningRate: lr, batchSize: batch), noiseVariance: noise, weightDecay: reg,
                                     initialOverlap: 0.1, initialSelfOverlap: 0.2)
    }

    /// e_g* = [½(τ/B)σ² + λ²ρ/(1+λ)]/(2(1+λ) − τ/B) and q* from de/dt = dq/dt = 0, against the ODE integrated to
    /// t = 60 (≫ the relaxation time) from a generic start: an independent route. For λ = 0 it is
    /// (½τσ²/B)/(2 − τ/B), and it differs from the B = 1 value.
    @Test(arguments: [0.0, 0.2])
    func steadyStateWithBatchesMatchesTheLongTimeODE(reg: Double) throws {
        for batch in [1, 4] {
            let scenario = try Self.linear(lr: 1, batch: batch, reg: reg)
            let theory = LinearRegressionTheory(scenario: scenario)
            let late = try theory.solve(times: [0, 30, 60])
            let eStar = try #require(scenario.steadyStateGeneralisationError(rho: 1))
            let fixed = try #require(theory.steadyState())
            #expect(abs(late.generalisationError[2] - eStar) < 1e-8 * eStar, "B = \(batch): \(late.generalisationError[2]) vs \(eStar)")
            #expect(abs(late.q[2] - fixed.q) < 1e-8 * fixed.q && abs(late.m[2] - fixed.m) < 1e-8)
            let tauOverB = 1 / Double(batch)
            let closed = (0.5 * tauOverB * 0.5 + reg * reg / (1 + reg)) / (2 * (1 + reg) - tauOverB)
            #expect(abs(eStar - closed) < 1e-14)
            let rate = try #require(theory.relaxationRate)
            let expected: Double = min(1 + reg, 2 * (1 + reg) - tauOverB)
            #expect(abs(rate - expected) < 1e-14)
        }
        let one = try #require(try Self.linear(lr: 1, batch: 1, reg: reg).steadyStateGeneralisationError(rho: 1))
        let four = try #require(try Self.linear(lr: 1, batch: 4, reg: reg).steadyStateGeneralisationError(rho: 1))
        #expect(four < 0.5 * one)
    }

    /// The exact (matrix-exponential) solutions use the batched generator: they agree with the integrated ODE.
    @Test func exactSolutionsCarryTheBatch() throws {
        let scenario = try Self.linear(lr: 2.5, batch: 3, reg: 0.1)
        let theory = LinearRegressionTheory(scenario: scenario)
        let solved = try theory.solve(times: [0, 0.7, 3])
        for (k, t) in [0.7, 3].enumerated() {
            let exact = theory.exactSolution(at: t, from: theory.specifiedInitialState)
            #expect(abs(exact.m - solved.m[k + 1]) < 1e-8 && abs(exact.q - solved.q[k + 1]) < 1e-8, "t = \(t)")
            let e = theory.exactGeneralisationError(at: t, from: theory.specifiedInitialState)
            #expect(abs(e - solved.generalisationError[k + 1]) < 1e-8 * e)
        }
    }

    /// τ_c = 2B(1 + λ): the theory is stable 1% below it and diverges (with the right critical rate quoted) 1% above;
    /// for the square-loss classifier likewise.
    @Test func criticalRateIsTwoBOnePlusLambda() throws {
        let critical = 2 * 3 * 1.25
        #expect(try Self.linear(lr: 1, batch: 3, reg: 0.25).criticalLearningRate == critical)
        let below = try LinearRegressionTheory(scenario: Self.linear(lr: 0.99 * critical, batch: 3, noise: 0.1, reg: 0.25))
            .solve(times: [0, 100, 400])
        #expect(below.divergence == nil && below.times.count == 3)
        let above = try LinearRegressionTheory(scenario: Self.linear(lr: 1.01 * critical, batch: 3, noise: 0.1, reg: 0.25))
            .solve(times: (0...40).map { Double($0) * 10 })
        let divergence = try #require(above.divergence)
        #expect(divergence.reason.contains("critical 7.5 = 2B(1 + λ) with batch B = 3"), "\(divergence.reason)")
        let square = try ClassifierScenario(loss: .square, optimiser: try Optimiser(learningRate: 1, batchSize: 3), weightDecay: 0.25)
        #expect(square.criticalLearningRate == critical)
        let unbatched = try ClassifierScenario(loss: .square, learningRate: 1, weightDecay: 0.25)
        #expect(unbatched.criticalLearningRate == 2.5)
    }

    /// The square loss's closed-form q* with B against its ODE integrated to late times.
    @Test func squareLossSteadyStateCarriesTheBatch() throws {
        let scenario = try ClassifierScenario(loss: .square, optimiser: try Optimiser(learningRate: 2, batchSize: 3),
                                              noiseVariance: 0.2, weightDecay: 0.1, initialSelfOverlap: 0.1)
        let late = try ClassifierTheory(scenario: scenario).solve(times: [0, 40, 80])
        let q = try #require(scenario.squareLossSteadySelfOverlap(rho: 1))
        #expect(abs(late.q[2] - q) < 1e-7 * q, "\(late.q[2]) vs \(q)")
    }

    /// K = M = 1 erf (T = v = v* = 1) with batches: the exact eigenvalues μ₁ = −2√3η/(9π) and
    /// μ₂ = 4η(3√5η/B − 5√3π)/(15π²) (the η² part of the B = 1 result divided by B) give lr_max = Bπ√15/3,
    /// lr_opt = 5Bπ√15/18 and rate_opt = 5√5B/27: all B times the B = 1 values.
    @Test func committeeStabilityScalesWithTheBatchForOneUnit() throws {
        let batch = 3.0
        let scenario = try CommitteeScenario(studentUnits: 1, teacherUnits: 1, optimiser: try Optimiser(learningRate: 0.5, batchSize: 3))
        let analysis = CommitteeStability(scenario: scenario)
        for eta in [2.0, 9.0] {
            let mu = try analysis.eigenvalues(learningRate: eta).map(\.re).sorted()
            let mu1 = -2 * 3.0.squareRoot() * eta / (9 * Double.pi)
            let mu2 = 4 * eta * (3 * 5.0.squareRoot() * eta / batch - 5 * 3.0.squareRoot() * Double.pi) / (15 * Double.pi * Double.pi)
            let expected = [mu1, mu2].sorted()
            #expect(abs(mu[0] - expected[0]) < 1e-6 && abs(mu[1] - expected[1]) < 1e-6, "η = \(eta): \(mu) vs \(expected)")
        }
        let result = try analysis.analyse()
        #expect(abs(result.lrMax - batch * Double.pi * 15.0.squareRoot() / 3) < 1e-5, "\(result.lrMax)")
        #expect(abs(result.lrOpt - batch * 5 * Double.pi * 15.0.squareRoot() / 18) < 1e-3, "\(result.lrOpt)")
        #expect(abs(result.rateOpt - batch * 5 * 5.0.squareRoot() / 27) < 1e-4, "\(result.rateOpt)")
    }

    /// K = M = 2 erf: J(η) = J₀ + ηJ₁ + η²J₂ with J₂(B) = J₂(1)/B and J₀, J₁ unchanged; with J₀ = 0 (no weight
    /// decay, fixed second layer) the spectrum obeys μ(η; B) = B μ(η/B; 1), so lr_max(B) = B lr_max(1).
    @Test func committeeJacobianNoiseTermIsDividedByTheBatch() throws {
        func scenario(_ batch: Int) throws -> CommitteeScenario {
            try CommitteeScenario(studentUnits: 2, teacherUnits: 2, optimiser: try Optimiser(learningRate: 0.5, batchSize: batch))
        }
        let one = try CommitteeStability(scenario: scenario(1)).jacobianPolynomial()
        let three = try CommitteeStability(scenario: scenario(3)).jacobianPolynomial()
        let scale = one.j2.map(abs).max()!
        #expect(scale > 0.01)
        for i in one.j0.indices {
            #expect(abs(three.j0[i] - one.j0[i]) < 1e-8 && abs(three.j1[i] - one.j1[i]) < 1e-7)
            #expect(abs(three.j2[i] - one.j2[i] / 3) < 1e-7, "entry \(i)")
        }
        let lrMaxOne = try CommitteeStability(scenario: scenario(1)).analyse().lrMax
        let lrMaxThree = try CommitteeStability(scenario: scenario(3)).analyse().lrMax
        #expect(abs(lrMaxThree - 3 * lrMaxOne) < 1e-6 * lrMaxThree, "\(lrMaxThree) vs 3 × \(lrMaxOne)")
    }
}
