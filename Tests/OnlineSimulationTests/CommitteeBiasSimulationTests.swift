import Foundation
import GaussianIntegrals
import Testing
import OnlineSimulation
import OnlineTheory
import Scenarios

/// Committees with biases: the finite-d simulation against the ODEs (fields shifted by b and b*, trained biases).
@Suite struct CommitteeBiasSimulationTests {
    /// K = 2 students (K = 1 for ReLU, whose kinked quadrature is the slowest), M = 1 teacher: every integral at most
    /// three-dimensional, so the debug-build theory is quick; the K = M = 2 right-hand side is checked against Monte
    /// Carlo in `CommitteeBiasTests`.
    static func scenario(_ g: Activation, trainsSecondLayer: Bool) throws -> CommitteeScenario {
        let k = g.isPiecewise ? 1 : 2
        return try CommitteeScenario(
            studentUnits: k, teacherUnits: 1, studentActivation: g, learningRate: 0.5,
            secondLayerLearningRate: trainsSecondLayer ? 0.3 : nil, noiseVariance: 0.01,
            initialSecondLayer: [Double](repeating: 0.6, count: k),
            initialStudent: .diagonal(q0: 0.5, r0: 0.3, studentUnits: k, teacherUnits: 1),
            biasLearningRate: 0.5, initialBiases: Array([0.2, -0.1].prefix(k)), teacherBiases: [0.6])
    }

    static var observables: [(String, KeyPath<CommitteeOrderParameters, [Double]>)] {
        CommitteeObservables.overlaps + [("b", \.b)]
    }

    /// erf with a trained second layer and ReLU with a fixed one, d = 500, 8 seeds, t ≤ 3: R, Q, b (and v) within a
    /// few standard errors of the theory, and the biases moved visibly.
    @Test(arguments: [(Activation.erf, true), (.relu, false)])
    func simulationFollowsTheBiasTheory(g: Activation, trainsSecondLayer: Bool) throws {
        let scenario = try Self.scenario(g, trainsSecondLayer: trainsSecondLayer)
        let simulated = try CommitteeSimulator(scenario: scenario, dimension: 500, seeds: 8, seed: 41)
            .run(times: (0...6).map { Double($0) * 0.5 })
        #expect(simulated.divergence == nil)
        let start = try #require(simulated.meanInitialState)
        #expect(zip(start.b, [0.2, -0.1]).allSatisfy { abs($0 - $1) < 1e-15 } && start.bStar == [0.6])
        let curve = try CommitteeTheory(scenario: scenario).solve(times: simulated.grid.times, from: start)
        let observables = Self.observables + (trainsSecondLayer ? [("v", \CommitteeOrderParameters.v)] : [])
        expectCommitteeAgreement(simulated, curve, observables, sigmas: 5, slack: 2e-3, label: "\(g): ")
        let moved = zip(curve.states.last!.b, scenario.initialBiases).map { abs($0 - $1) }.max()!
        #expect(moved > 0.02, "b = \(curve.states.last!.b)")
    }

    /// The gap between the seed mean and the theory shrinks with d: at d = 250 and 2000 (16 seeds, erf, t ≤ 2) the
    /// root-mean-square deviation of R, Q, b over the grid falls by more than 2 (√8 ≈ 2.8 expected).
    @Test func gapShrinksWithDimension() throws {
        let scenario = try Self.scenario(.erf, trainsSecondLayer: false)
        func gap(_ d: Int) throws -> Double {
            let simulated = try CommitteeSimulator(scenario: scenario, dimension: d, seeds: 16, seed: 43)
                .run(times: (0...4).map { Double($0) * 0.5 })
            let start = try #require(simulated.meanInitialState)
            let curve = try CommitteeTheory(scenario: scenario).solve(times: simulated.grid.times, from: start)
            var sum = 0.0, count = 0.0
            for (_, path) in Self.observables {
                let stats = simulated.entryStatistics(of: path)
                for k in 1..<curve.times.count {
                    for e in stats.indices {
                        let deviation = stats[e].mean[k] - curve.states[k][keyPath: path][e]
                        sum += deviation * deviation; count += 1
                    }
                }
            }
            return (sum / count).squareRoot()
        }
        let small = try gap(250), large = try gap(2000)
        #expect(large < small / 2, "rms gap \(small) at d = 250, \(large) at d = 2000")
    }
}
