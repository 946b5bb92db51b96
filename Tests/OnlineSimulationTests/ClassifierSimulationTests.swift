import Foundation
import GaussianIntegrals
import Testing
@testable import OnlineSimulation
import OnlineTheory
import Scenarios

@Suite struct ClassifierSimulationTests {
    /// Logistic regression on labels with both kinds of noise, weight decay, from a small random student.
    static let scenario = try! ClassifierScenario(
        loss: .logistic, learningRate: 0.8, noiseVariance: 0.2, flipProbability: 0.05, weightDecay: 0.01,
        teacherNorm: 1, initialOverlap: 0.05, initialSelfOverlap: 0.1)

    @Test func resultsDoNotDependOnThreadsOrOrder() throws {
        let sim = try ClassifierSimulator(scenario: Self.scenario, dimension: 200, seeds: 4, seed: 5)
        let grid = try OutputGrid(times: [0, 0.5, 1], dimension: 200)
        let parallel = try sim.run(times: [0, 0.5, 1])
        for seed in [2, 0, 3, 1] {
            let alone = sim.runSeed(seed, grid: grid, counter: nil)
            #expect(alone.m == parallel.m[seed] && alone.q == parallel.q[seed])
        }
        #expect(abs(parallel.m[0][0] - 0.05) < 1e-12 && abs(parallel.q[0][0] - 0.1) < 1e-12)
    }

    /// A custom margin loss, the squared hinge L(z) = max(0, 1 − z)² (L' = −2 max(0, 1 − z), L'' jumps at 1).
    static let squaredHinge = ClassificationLoss(name: "squared-hinge", value: { max(0, 1 - $0) * max(0, 1 - $0) },
                                                 slope: { -2 * max(0, 1 - $0) }, kinks: [1])

    @Test(arguments: [ClassificationLoss.logistic, .hinge, .perceptron, .square, squaredHinge])
    func simulationAgreesWithTheODEWithinStandardErrors(loss: ClassificationLoss) throws {
        var scenario = Self.scenario
        scenario.loss = loss
        if loss == .square { scenario.learningRate = 0.5 }
        if loss == Self.squaredHinge { scenario.learningRate = 0.25 }
        let sim = try ClassifierSimulator(scenario: scenario, dimension: 500, seeds: 16, seed: 2025)
        let simulated = try sim.run(times: (0...15).map { Double($0) * 0.4 })
        #expect(simulated.divergence == nil)
        let theory = try ClassifierTheory(scenario: scenario).solve(times: simulated.ensemble.grid.times, from: simulated.ensemble.meanInitialState)
        let pairs: [(String, EnsembleStatistics, [Double])] = [
            ("m", simulated.statistics(of: \.m), theory.m), ("q", simulated.statistics(of: \.q), theory.q),
            ("eg", simulated.statistics(of: \.classificationError), theory.classificationError), ("loss", simulated.statistics(of: \.loss), theory.loss),
        ]
        for (name, stats, curve) in pairs {
            for k in 1..<curve.count {
                let z = abs(stats.mean[k] - curve[k]) / stats.standardError[k]
                #expect(z < 5, "\(loss) \(name) at t = \(theory.times[k]): z = \(z)")
            }
        }
        // The student learns: the error falls well below ½.
        #expect(theory.classificationError.last! < 0.35)
    }

    @Test func deviationFromTheoryShrinksLikeOneOverRootD() throws {
        // Per-seed RMS distance to the ODE started from that seed's own overlaps, at d = 200, 800, 3200.
        let scenario = try ClassifierScenario(loss: .hinge, learningRate: 0.5, flipProbability: 0.1, initialSelfOverlap: 0.2)
        let dimensions = [200, 800, 3200]
        var deviations: [Double] = []
        for d in dimensions {
            let sim = try ClassifierSimulator(scenario: scenario, dimension: d, seeds: 6, seed: 8)
            let simulated = try sim.run(times: (0...10).map { Double($0) * 0.12 })
            var total = 0.0
            for seed in 0..<6 {
                let start = LinearOrderParameters(m: simulated.m[seed][0], q: simulated.q[seed][0], rho: simulated.rho[seed])
                let own = try ClassifierTheory(scenario: scenario).solve(times: simulated.ensemble.grid.times, from: start)
                let sq = zip(simulated.q[seed], own.q).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }
                    + zip(simulated.m[seed], own.m).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }
                total += (sq / Double(2 * own.q.count)).squareRoot()
            }
            deviations.append(total / 6)
        }
        let slope = log(deviations[2] / deviations[0]) / log(Double(dimensions[2]) / Double(dimensions[0]))
        #expect(slope < -0.3 && slope > -0.75, "log-log slope \(slope), deviations \(deviations)")
    }

    @Test func squareLossDivergesAboveTheCriticalRate() throws {
        let scenario = try ClassifierScenario(loss: .square, learningRate: 2.5, initialSelfOverlap: 0.1)
        #expect(scenario.criticalLearningRate == 2)
        let theory = try ClassifierTheory(scenario: scenario).solve(times: (0...100).map { Double($0) })
        let time = try #require(theory.divergence?.time)
        #expect(time > 1 && time < 100)
        let simulated = try ClassifierSimulator(scenario: scenario, dimension: 200, seeds: 2).run(times: (0...100).map { Double($0) })
        #expect(simulated.divergence != nil)
        // Below it, nothing diverges.
        let stable = try ClassifierScenario(loss: .square, learningRate: 1.5, initialSelfOverlap: 0.1)
        #expect(try ClassifierTheory(scenario: stable).solve(times: [0, 100]).divergence == nil)
    }

    /// The logistic loss written as a custom loss runs through the same quadrature: the same theory to 1e-10, and
    /// the same simulation bit for bit (the same slopes on the same draws).
    @Test func customLossEqualsTheBuiltInItWrites() throws {
        let custom = ClassificationLoss(name: "my-logistic", value: { ClassificationLoss.logistic.value(margin: $0) },
                                        slope: { ClassificationLoss.logistic.slope(margin: $0) })
        #expect(custom != .logistic && custom.family == .custom && custom.description == "my-logistic")
        var builtIn = Self.scenario, mine = Self.scenario
        builtIn.loss = .logistic; mine.loss = custom
        let times = [0.0, 1, 2, 4]
        let a = try ClassifierTheory(scenario: builtIn).solve(times: times), b = try ClassifierTheory(scenario: mine).solve(times: times)
        for k in times.indices {
            #expect(abs(a.m[k] - b.m[k]) < 1e-10 && abs(a.q[k] - b.q[k]) < 1e-10 && abs(a.loss[k] - b.loss[k]) < 1e-10)
        }
        let simA = try ClassifierSimulator(scenario: builtIn, dimension: 100, seeds: 2, seed: 3).run(times: times)
        let simB = try ClassifierSimulator(scenario: mine, dimension: 100, seeds: 2, seed: 3).run(times: times)
        #expect(simA.m == simB.m && simA.q == simB.q)
    }
}
