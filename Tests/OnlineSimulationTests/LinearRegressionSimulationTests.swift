import Foundation
import Testing
@testable import OnlineSimulation
import OnlineTheory
import Scenarios

@Suite struct LinearRegressionSimulationTests {
    static let scenario = try! LinearRegressionScenario(
        learningRate: 0.5, noiseVariance: 0.1, weightDecay: 0.01, teacherNorm: 1, initialOverlap: 0.2, initialSelfOverlap: 0.3)

    @Test func initialStudentHasTheScenarioOverlapsExactly() throws {
        let sim = try LinearRegressionSimulator(scenario: Self.scenario, dimension: 300, seeds: 3)
        let result = try sim.run(times: [0, 0.1])
        for seed in 0..<3 {
            #expect(abs(result.m[seed][0] - 0.2) < 1e-12)
            #expect(abs(result.q[seed][0] - 0.3) < 1e-12)
            #expect(abs(result.rho[seed] - 1) < 0.3)
        }
    }

    @Test func resultsDoNotDependOnThreadsOrOrder() throws {
        let sim = try LinearRegressionSimulator(scenario: Self.scenario, dimension: 200, seeds: 4, seed: 99)
        let grid = try OutputGrid(times: [0, 0.5, 1], dimension: 200)
        let parallel = try sim.run(times: [0, 0.5, 1])
        for seed in [3, 0, 2, 1] {
            let alone = sim.runSeed(seed, grid: grid, counter: nil)
            #expect(alone.m == parallel.m[seed] && alone.q == parallel.q[seed])
        }
        #expect(parallel.m[0] != parallel.m[1])
    }

    @Test func simulationAgreesWithTheODEWithinStandardErrors() throws {
        // d = 1000, 10 seeds, t ≤ 10: every order parameter within a few standard errors on the whole grid.
        let sim = try LinearRegressionSimulator(scenario: Self.scenario, dimension: 1000, seeds: 10, seed: 2024)
        let simulated = try sim.run(times: (0...50).map { Double($0) * 0.2 })
        #expect(simulated.divergence == nil)
        let theory = try LinearRegressionTheory(scenario: Self.scenario).solve(times: simulated.ensemble.grid.times, from: simulated.ensemble.meanInitialState)
        let pairs: [(EnsembleStatistics, [Double])] = [
            (simulated.statistics(of: \.m), theory.m), (simulated.statistics(of: \.q), theory.q),
            (simulated.statistics(of: \.generalisationError), theory.generalisationError),
        ]
        for (stats, curve) in pairs {
            for k in 1..<curve.count {
                let z = abs(stats.mean[k] - curve[k]) / stats.standardError[k]
                #expect(z < 5, "point \(k): z = \(z)")
            }
            // And the curves are genuinely close in absolute terms (O(1/√d)).
            #expect(zip(stats.mean, curve).map { abs($0 - $1) }.max()! < 0.05)
        }
    }

    @Test func deviationFromTheoryShrinksLikeOneOverRootD() throws {
        // Per-seed RMS distance to the ODE over the grid, averaged over seeds, at d = 250 … 4000.
        var deviations: [Double] = []
        let dimensions = [250, 1000, 4000]
        for d in dimensions {
            let sim = try LinearRegressionSimulator(scenario: Self.scenario, dimension: d, seeds: 6, seed: 7)
            let simulated = try sim.run(times: (0...10).map { Double($0) * 0.1 })
            let theory = try LinearRegressionTheory(scenario: Self.scenario).solve(times: simulated.ensemble.grid.times, from: simulated.ensemble.meanInitialState)
            var total = 0.0
            for seed in 0..<6 {
                let rho = simulated.rho[seed]
                let start = LinearOrderParameters(m: simulated.m[seed][0], q: simulated.q[seed][0], rho: rho)
                let own = try LinearRegressionTheory(scenario: Self.scenario).solve(times: simulated.ensemble.grid.times, from: start)
                let sq = zip(simulated.q[seed], own.q).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }
                    + zip(simulated.m[seed], own.m).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }
                total += (sq / Double(2 * own.q.count)).squareRoot()
            }
            _ = theory
            deviations.append(total / 6)
        }
        // 1/√d predicts a factor 2 per step of 4× in d.
        let slope = log(deviations[2] / deviations[0]) / log(Double(dimensions[2]) / Double(dimensions[0]))
        #expect(slope < -0.3 && slope > -0.75, "log-log slope \(slope), deviations \(deviations)")
    }

    @Test func divergenceAboveTheCriticalRateIsReported() throws {
        let scenario = try LinearRegressionScenario(learningRate: 2.6, noiseVariance: 0.1, initialSelfOverlap: 0.1)
        let sim = try LinearRegressionSimulator(scenario: scenario, dimension: 200, seeds: 2)
        let result = try sim.run(times: (0...100).map { Double($0) })
        let divergence = try #require(result.divergence)
        #expect(divergence.time > 0 && divergence.time < 100)
        #expect(result.m.allSatisfy { $0.allSatisfy(\.isFinite) })
        #expect(result.times.count < 101)
    }

    @Test func badInputIsRejected() {
        #expect(throws: ScenarioError.self) { try LinearRegressionSimulator(scenario: Self.scenario, dimension: 0, seeds: 1) }
        #expect(throws: ScenarioError.self) { try LinearRegressionSimulator(scenario: Self.scenario, dimension: -5, seeds: 1) }
        #expect(throws: ScenarioError.self) { try LinearRegressionSimulator(scenario: Self.scenario, dimension: 10, seeds: 0) }
        #expect(throws: ScenarioError.self) { try OutputGrid(times: [0, -1], dimension: 10) }
    }
}
