import Foundation
import Testing
@testable import OnlineSimulation
import OnlineTheory
import Scenarios

/// A committee with heavy-ball momentum at fixed β (first layer and the trained second layer each with a velocity).
@Suite struct CommitteeMomentumSimulationTests {
    static func scenario(_ optimiser: Optimiser, secondLayerRate: Double) throws -> CommitteeScenario {
        try CommitteeScenario(
            studentUnits: 2, teacherUnits: 2, studentActivation: .erf, optimiser: optimiser, secondLayerLearningRate: secondLayerRate,
            noiseVariance: 0.01, initialSecondLayer: [0.5, 0.5], initialStudent: .diagonal(q0: 0.5, r0: 0.3, studentUnits: 2, teacherUnits: 2))
    }

    /// The theory at β = 0.5 is the plain ODE at η/(1 − β) and η_v/(1 − β) (both layers' gains), and the simulation at
    /// d = 500 (8 seeds, t ≤ 3) follows it: R, Q, v within a few standard errors.
    @Test func fixedMomentumCommitteeFollowsSGDAtTheEffectiveRates() throws {
        let scenario = try Self.scenario(try Optimiser(learningRate: 0.25, momentum: 0.5), secondLayerRate: 0.25)
        let plain = try Self.scenario(try Optimiser(learningRate: 0.5), secondLayerRate: 0.5)
        let simulated = try CommitteeSimulator(scenario: scenario, dimension: 500, seeds: 8, seed: 23).run(times: (0...6).map { Double($0) * 0.5 })
        #expect(simulated.divergence == nil)
        let start = try #require(simulated.meanInitialState)
        let curve = try CommitteeTheory(scenario: scenario).solve(times: simulated.grid.times, from: start)
        let reference = try CommitteeTheory(scenario: plain).solve(times: simulated.grid.times, from: start)
        for k in curve.times.indices {
            #expect(zip(curve.states[k].q + curve.states[k].v, reference.states[k].q + reference.states[k].v).allSatisfy { abs($0 - $1) < 1e-8 })
        }
        expectCommitteeAgreement(simulated, curve, CommitteeObservables.overlapsAndSecondLayer, sigmas: 5, slack: 2e-3)
        // The second layer genuinely moved (so its velocity was exercised).
        #expect(abs(curve.states.last!.v[0] - 0.5) > 0.05)
    }

    /// Momentum with mini-batches: the velocity accumulates the batch-mean gradient, and the d → ∞ theory is SGD at
    /// η/(1 − β) with noise (η/(1 − β))²/B. At B = 4, β = 0.5 the simulation (d = 500, 8 seeds) follows that theory
    /// within a few standard errors, and lies closer to it than to the B = 1 theory (which differs visibly here).
    @Test func momentumWithMiniBatchesFollowsTheBatchTheory() throws {
        func scenario(batch: Int) throws -> CommitteeScenario {
            try CommitteeScenario(
                studentUnits: 2, teacherUnits: 2, studentActivation: .erf, optimiser: try Optimiser(learningRate: 0.6, batchSize: batch, momentum: 0.5),
                secondLayerLearningRate: 0.3, noiseVariance: 0.25, initialSecondLayer: [0.5, 0.5],
                initialStudent: .diagonal(q0: 0.5, r0: 0.3, studentUnits: 2, teacherUnits: 2))
        }
        let batched = try scenario(batch: 4)
        let simulated = try CommitteeSimulator(scenario: batched, dimension: 500, seeds: 8, seed: 31).run(times: (0...6).map { Double($0) * 0.5 })
        #expect(simulated.divergence == nil)
        let start = try #require(simulated.meanInitialState)
        let curve = try CommitteeTheory(scenario: batched).solve(times: simulated.grid.times, from: start)
        let single = try CommitteeTheory(scenario: try scenario(batch: 1)).solve(times: simulated.grid.times, from: start)
        expectCommitteeAgreement(simulated, curve, CommitteeObservables.overlapsAndSecondLayer, sigmas: 5, slack: 2e-3)
        var toBatch = 0.0, toSingle = 0.0, separation = 0.0
        for (_, path) in CommitteeObservables.overlapsAndSecondLayer {
            let stats = simulated.entryStatistics(of: path)
            for k in 1..<curve.times.count {
                for e in stats.indices {
                    let error = max(stats[e].standardError[k], 1e-6)
                    let deviation = stats[e].mean[k] - curve.states[k][keyPath: path][e]
                    toBatch += (deviation / error) * (deviation / error)
                    let other = (stats[e].mean[k] - single.states[k][keyPath: path][e]) / error
                    toSingle += other * other
                    separation = max(separation, abs(curve.states[k][keyPath: path][e] - single.states[k][keyPath: path][e]) / error)
                }
            }
        }
        #expect(separation > 3, "the B = 1 and B = 4 theories must differ by more than the error bars (\(separation))")
        #expect(toBatch < toSingle, "χ² to the B = 4 theory \(toBatch), to the B = 1 theory \(toSingle)")
    }
}
