import Foundation
import Testing
@testable import OnlineSimulation
import OnlineTheory
import Scenarios

/// The simulator runs with the tabulated greedy schedule η*(n/d) computed from the ODEs, so it checks the greedy
/// protocol at finite d: linear regression at d = 500 agrees with the theory within a few standard errors.
@Suite struct GreedySimulationTests {
    @Test func linearRegressionWithTheGreedySchedule() throws {
        var scenario = try LinearRegressionScenario(
            optimiser: try Optimiser(learningRate: 1.2), noiseVariance: 0.3, weightDecay: 0.05, initialSelfOverlap: 0.2)
        scenario.optimiser.schedule = try LinearRegressionTheory(scenario: scenario).greedySchedule(rateBounds: 0.01...1.2, tEnd: 6)
        // The rate really moves: from 2(1 + λ)e₀/(2e₀ + σ²) = 0.84 down to ≈ 0.2 by t = 6.
        #expect(scenario.optimiser.rate(at: 0) > 0.8 && scenario.optimiser.rate(at: 6) < 0.3, "\(scenario.optimiser.rate(at: 0)), \(scenario.optimiser.rate(at: 6))")
        let simulated = try LinearRegressionSimulator(scenario: scenario, dimension: 500, seeds: 10, seed: 91)
            .run(times: (0...24).map { Double($0) * 0.25 })
        #expect(simulated.divergence == nil)
        let theory = try LinearRegressionTheory(scenario: scenario).solve(times: simulated.ensemble.grid.times, from: simulated.ensemble.meanInitialState,
                                                                          initialError: simulated.ensemble.meanInitialError)
        let eg = simulated.statistics(of: \.generalisationError)
        for (name, mean, error, exact) in [("m", simulated.statistics(of: \.m).mean, simulated.statistics(of: \.m).standardError, theory.m),
                                           ("q", simulated.statistics(of: \.q).mean, simulated.statistics(of: \.q).standardError, theory.q),
                                           ("eg", eg.mean, eg.standardError, theory.generalisationError)] {
            for k in 1..<exact.count {
                #expect(abs(mean[k] - exact[k]) < 5 * error[k], "\(name) at t = \(theory.times[k]): sim \(mean[k]) ± \(error[k]), theory \(exact[k])")
            }
        }
    }
}
