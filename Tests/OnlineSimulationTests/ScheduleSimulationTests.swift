import Foundation
import GaussianIntegrals
import Testing
@testable import OnlineSimulation
import OnlineTheory
import Scenarios

/// With a learning-rate schedule the simulator uses η(n/d) at step n, the ODE η(t) and η(t)²: the two agree within a
/// few standard errors, for each model (small runs: d = 500, t ≤ 6–8).
@Suite struct ScheduleSimulationTests {
    static func expectAgreement(_ name: String, mean: [Double], error: [Double], theory: [Double], times: [Double], floor: Double = 0) {
        for k in 1..<theory.count {
            let z = abs(mean[k] - theory[k]) / (error[k] + floor)
            #expect(z < 5, "\(name) at t = \(times[k]): sim \(mean[k]) ± \(error[k]), theory \(theory[k])")
        }
    }

    /// Linear regression with inverse:1 from η₀ = 1.5: the rate falls to 0.2 by t = 6.5, through the noisy regime.
    @Test func linearRegressionWithAnInverseSchedule() throws {
        let scenario = try LinearRegressionScenario(
            optimiser: try Optimiser(learningRate: 1.5, schedule: .inverse(timeScale: 1)), noiseVariance: 0.3, weightDecay: 0.05,
            initialSelfOverlap: 0.2)
        let simulated = try LinearRegressionSimulator(scenario: scenario, dimension: 500, seeds: 10, seed: 77)
            .run(times: (0...26).map { Double($0) * 0.25 })
        #expect(simulated.divergence == nil)
        let theory = try LinearRegressionTheory(scenario: scenario).solve(times: simulated.ensemble.grid.times, from: simulated.ensemble.meanInitialState,
                                                                          initialError: simulated.ensemble.meanInitialError)
        Self.expectAgreement("m", mean: simulated.statistics(of: \.m).mean, error: simulated.statistics(of: \.m).standardError, theory: theory.m, times: theory.times)
        Self.expectAgreement("q", mean: simulated.statistics(of: \.q).mean, error: simulated.statistics(of: \.q).standardError, theory: theory.q, times: theory.times)
        let eg = simulated.statistics(of: \.generalisationError)
        Self.expectAgreement("eg", mean: eg.mean, error: eg.standardError, theory: theory.generalisationError, times: theory.times)
        // The schedule matters: the constant rate 1.5 ends elsewhere (its e_g* = 0.23 against ≈ 0.04 here).
        #expect(theory.generalisationError.last! < 0.5 * (try LinearRegressionScenario(learningRate: 1.5, noiseVariance: 0.3, weightDecay: 0.05)
            .steadyStateGeneralisationError(rho: 1)!))
    }

    /// A logistic classifier with cosine:6 (η falls to 0 at t = 6, then the student stops).
    @Test func classifierWithACosineSchedule() throws {
        let scenario = try ClassifierScenario(
            loss: .logistic, optimiser: try Optimiser(learningRate: 1.2, schedule: .cosine(end: 6)), noiseVariance: 0.1,
            weightDecay: 0.01, initialOverlap: 0.05, initialSelfOverlap: 0.1)
        let simulated = try ClassifierSimulator(scenario: scenario, dimension: 500, seeds: 12, seed: 78)
            .run(times: (0...16).map { Double($0) * 0.5 })
        #expect(simulated.divergence == nil)
        let theory = try ClassifierTheory(scenario: scenario).solve(times: simulated.ensemble.grid.times, from: simulated.ensemble.meanInitialState)
        Self.expectAgreement("m", mean: simulated.statistics(of: \.m).mean, error: simulated.statistics(of: \.m).standardError, theory: theory.m, times: theory.times)
        Self.expectAgreement("q", mean: simulated.statistics(of: \.q).mean, error: simulated.statistics(of: \.q).standardError, theory: theory.q, times: theory.times)
        let eg = simulated.statistics(of: \.classificationError)
        Self.expectAgreement("eg", mean: eg.mean, error: eg.standardError, theory: theory.classificationError, times: theory.times)
        // After TEND nothing moves, in either.
        let n = theory.m.count
        #expect(theory.m[n - 1] == theory.m[n - 4] && simulated.statistics(of: \.m).mean[n - 1] == simulated.statistics(of: \.m).mean[n - 4])
    }

    /// A K = M = 2 erf committee with a trained second layer and inverse:2 (both layers follow the schedule).
    @Test func committeeWithAnInverseSchedule() throws {
        let scenario = try CommitteeScenario(
            studentUnits: 2, teacherUnits: 2, optimiser: try Optimiser(learningRate: 1.5, schedule: .inverse(timeScale: 2)),
            secondLayerLearningRate: 0.5, noiseVariance: 0.05,
            initialStudent: .diagonal(q0: 0.5, r0: 0.3, studentUnits: 2, teacherUnits: 2))
        let simulated = try CommitteeSimulator(scenario: scenario, dimension: 500, seeds: 8, seed: 79)
            .run(times: (0...16).map { Double($0) * 0.5 })
        #expect(simulated.divergence == nil)
        let theory = try CommitteeTheory(scenario: scenario).solve(times: simulated.grid.times)
        let r = simulated.entryStatistics(of: \.r), q = simulated.entryStatistics(of: \.q), v = simulated.entryStatistics(of: \.v)
        for (name, stats, path) in [("R", r, \CommitteeOrderParameters.r), ("Q", q, \.q), ("v", v, \.v)] {
            for entry in 0..<stats.count {
                Self.expectAgreement("\(name)[\(entry)]", mean: stats[entry].mean, error: stats[entry].standardError,
                                     theory: theory.states.map { $0[keyPath: path][entry] }, times: theory.times, floor: 2e-3)
            }
        }
    }
}
