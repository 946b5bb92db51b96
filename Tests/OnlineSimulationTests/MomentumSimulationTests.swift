import Foundation
import Testing
import GaussianIntegrals
@testable import OnlineSimulation
import OnlineTheory
import Scenarios

/// Heavy-ball momentum at finite d against its d → ∞ limits (`Optimiser`, `LinearRegressionMomentumODE`).
@Suite struct MomentumSimulationTests {
    static func linear(_ optimiser: Optimiser, noise: Double = 0.25, m0: Double = 0, q0: Double = 0) throws -> LinearRegressionScenario {
        try LinearRegressionScenario(optimiser: optimiser, noiseVariance: noise, weightDecay: 0.05, initialOverlap: m0, initialSelfOverlap: q0)
    }

    /// The mean over seeds of each seed's RMS distance of (m, q) from the theory started at its own initial state.
    static func meanRMSDeviation(m: [[Double]], q: [[Double]], theory: (Int) throws -> (m: [Double], q: [Double])) rethrows -> Double {
        var total = 0.0
        for seed in 0..<m.count {
            let own = try theory(seed)
            let squares = zip(m[seed], own.m).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }
                + zip(q[seed], own.q).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }
            total += (squares / Double(2 * own.m.count)).squareRoot()
        }
        return total / Double(m.count)
    }

    /// max over the grid (t > 0) of |mean − theory|/stderr.
    static func worstZ(_ stats: EnsembleStatistics, _ curve: [Double]) -> Double {
        (1..<curve.count).map { abs(stats.mean[$0] - curve[$0]) / stats.standardError[$0] }.max()!
    }

    /// Fixed β: the learning curve of plain SGD at η_eff = η/(1 − β) = 0.5 (the derived limit), for β = 0.5 and 0.9,
    /// at d = 1000 within a few standard errors, and in absolute terms within O(1/√d).
    @Test(arguments: [0.5, 0.9])
    func fixedMomentumFollowsSGDAtTheEffectiveRate(beta: Double) throws {
        let scenario = try Self.linear(try Optimiser(learningRate: 0.5 * (1 - beta), momentum: beta))
        let simulated = try LinearRegressionSimulator(scenario: scenario, dimension: 1000, seeds: 8, seed: 31)
            .run(times: (0...8).map { Double($0) * 0.25 })
        #expect(simulated.divergence == nil)
        let plain = try Self.linear(try Optimiser(learningRate: 0.5))
        let theory = try LinearRegressionTheory(scenario: plain).solve(times: simulated.ensemble.grid.times, from: simulated.ensemble.meanInitialState)
        for (stats, curve) in [(simulated.statistics(of: \.m), theory.m), (simulated.statistics(of: \.q), theory.q),
                               (simulated.statistics(of: \.generalisationError), theory.generalisationError)] {
            #expect(Self.worstZ(stats, curve) < 5)
            #expect(zip(stats.mean, curve).map { abs($0 - $1) }.max()! < 0.03)
        }
        // And the velocity is what the limit says: E|v|² → E r²/(1 − β²) (the memory window's sum), at the last point.
        let last = simulated.ensemble.grid.times.count - 1
        let residual = 2 * theory.generalisationError[last] + scenario.noiseVariance
        let c = EnsembleStatistics(seeds: simulated.ensemble.c).mean[last] * 1000  // c = |v|²/d, and |v|² = O(1) at fixed β
        #expect(abs(c * (1 - beta * beta) / residual - 1) < 0.1, "c(1 − β²)/E r² = \(c * (1 - beta * beta) / residual)")
    }

    /// The finite-d correction at fixed β = 0.9 (memory 1/(1 − β) = 10 steps) is visible at small d: at d = 50 the early
    /// transient (t = 0.25, 0.5, 1; 384 seeds) lies above the η_eff-limit by ≈ 0.03 in e_g, many standard errors, while
    /// plain SGD at the same η_eff = 0.5 and d agrees. (The velocity responds with a lag of order β/((1 − β)d) in t;
    /// at d = 200 the excess is ≈ 4× smaller, like 1/d; the stationary e_g* shows no such excess beyond plain SGD's
    /// own O(1/d) correction.)
    @Test func fixedMomentumFiniteDCorrectionIsVisibleAtSmallD() throws {
        let times = [0, 0.25, 0.5, 1]
        let plain = try Self.linear(try Optimiser(learningRate: 0.5))
        var excess: [(mean: Double, error: Double)] = []
        for beta in [0.0, 0.9] {
            let scenario = try Self.linear(try Optimiser(learningRate: 0.5 * (1 - beta), momentum: beta))
            let simulated = try LinearRegressionSimulator(scenario: scenario, dimension: 50, seeds: 384, seed: 9).run(times: times)
            let theory = try LinearRegressionTheory(scenario: plain).solve(times: times, from: simulated.ensemble.meanInitialState)
            let perSeed = simulated.generalisationError.map { e in (1..<times.count).map { e[$0] - theory.generalisationError[$0] }.reduce(0, +) / 3 }
            let mean = perSeed.reduce(0, +) / Double(perSeed.count)
            let variance = perSeed.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(perSeed.count - 1)
            excess.append((mean, (variance / Double(perSeed.count)).squareRoot()))
        }
        print("finite-d excess of e_g over the η_eff limit at d = 50 (mean over t = 0.25, 0.5, 1): plain \(excess[0]), β = 0.9 \(excess[1])")
        #expect(abs(excess[0].mean) < 4 * excess[0].error)
        #expect(excess[1].mean > 5 * excess[1].error)
    }

    /// Scaled momentum γ = 2 (β = 1 − 2/d, step ηγ/d): m, q, e_g and the velocity overlaps a, b, c follow
    /// `LinearRegressionMomentumODE` within a few standard errors at d = 1000, a curve far from plain SGD's at η; the
    /// per-seed RMS distance of (m, q) from the ODE shrinks from d = 250 to 1000 by about the 1/√d factor ½.
    @Test func scaledMomentumFollowsItsODE() throws {
        let scenario = try Self.linear(try Optimiser(learningRate: 0.5, scaledMomentum: 2))
        let times = (0...12).map { Double($0) * 0.25 }
        var deviations: [Double] = []
        for d in [250, 1000] {
            let simulated = try LinearRegressionSimulator(scenario: scenario, dimension: d, seeds: 8, seed: 17).run(times: times)
            #expect(simulated.divergence == nil)
            let model = LinearRegressionTheory(scenario: scenario)
            deviations.append(try MomentumSimulationTests.meanRMSDeviation(m: simulated.m, q: simulated.q) { seed in
                let own = try model.solve(times: times, from: LinearOrderParameters(m: simulated.m[seed][0], q: simulated.q[seed][0], rho: simulated.rho[seed]))
                return (own.m, own.q)
            })
            guard d == 1000 else { continue }
            let theory = try model.solve(times: times, from: simulated.ensemble.meanInitialState)
            let velocity = try #require(theory.velocity)
            let pairs: [(String, EnsembleStatistics, [Double])] = [
                ("m", simulated.statistics(of: \.m), theory.m), ("q", simulated.statistics(of: \.q), theory.q),
                ("e", simulated.statistics(of: \.generalisationError), theory.generalisationError),
                ("a", EnsembleStatistics(seeds: simulated.ensemble.a), velocity.a), ("b", EnsembleStatistics(seeds: simulated.ensemble.b), velocity.b),
                ("c", EnsembleStatistics(seeds: simulated.ensemble.c), velocity.c),
            ]
            for (name, stats, curve) in pairs { #expect(Self.worstZ(stats, curve) < 5, "\(name)") }
            let sgd = try LinearRegressionTheory(scenario: try Self.linear(try Optimiser(learningRate: 0.5))).solve(times: times)
            let e = simulated.statistics(of: \.generalisationError)
            let separation: Double = (1..<times.count).map { (k: Int) -> Double in abs(e.mean[k] - sgd.generalisationError[k]) / e.standardError[k] }.max()!
            #expect(separation > 10)
        }
        print("scaled momentum γ = 2: RMS deviation of (m, q) from the ODE at d = 250, 1000: \(deviations)")
        let ratio = deviations[1] / deviations[0]
        #expect(ratio < 0.75 && ratio > 0.2)
    }
}

/// Scaled momentum for a linear classifier (`ClassifierMomentumODE`) against finite-d simulation.
@Suite struct ClassifierMomentumSimulationTests {
    /// Logistic loss with label noise and weight decay, γ = 2 (β = 1 − 2/d, step τγ/d), from w = 0: m, q, ε_g and the
    /// velocity overlaps a, b, c follow the ODE within a few standard errors at d = 1000, a curve far from plain SGD's
    /// at τ; the per-seed RMS distance of (m, q) from the ODE shrinks from d = 250 to 1000 by about the 1/√d factor ½.
    @Test func scaledMomentumFollowsItsODE() throws {
        let scenario = try ClassifierScenario(loss: .logistic, optimiser: try Optimiser(learningRate: 1, scaledMomentum: 2),
                                              noiseVariance: 0.1, weightDecay: 0.05)
        let times = (0...12).map { Double($0) * 0.25 }
        var deviations: [Double] = []
        let model = ClassifierTheory(scenario: scenario)
        for d in [250, 1000] {
            let simulated = try ClassifierSimulator(scenario: scenario, dimension: d, seeds: 8, seed: 23).run(times: times)
            #expect(simulated.divergence == nil)
            deviations.append(try MomentumSimulationTests.meanRMSDeviation(m: simulated.m, q: simulated.q) { seed in
                let own = try model.solve(times: times, from: LinearOrderParameters(m: simulated.m[seed][0], q: simulated.q[seed][0], rho: simulated.rho[seed]))
                return (own.m, own.q)
            })
            guard d == 1000 else { continue }
            let theory = try model.solve(times: times, from: simulated.ensemble.meanInitialState, initialOrthogonal: simulated.ensemble.meanInitialOrthogonal)
            let velocity = try #require(theory.velocity)
            let pairs: [(String, EnsembleStatistics, [Double])] = [
                ("m", simulated.statistics(of: \.m), theory.m), ("q", simulated.statistics(of: \.q), theory.q),
                ("eg", simulated.statistics(of: \.classificationError), theory.classificationError),
                ("a", EnsembleStatistics(seeds: simulated.ensemble.a), velocity.a), ("b", EnsembleStatistics(seeds: simulated.ensemble.b), velocity.b),
                ("c", EnsembleStatistics(seeds: simulated.ensemble.c), velocity.c),
            ]
            for (name, stats, curve) in pairs { #expect(MomentumSimulationTests.worstZ(stats, curve) < 5, "\(name)") }
            var plain = scenario
            plain.optimiser = try Optimiser(learningRate: 1)
            let sgd = try ClassifierTheory(scenario: plain).solve(times: times)
            let q = simulated.statistics(of: \.q)
            let separation = (1..<times.count).map { abs(q.mean[$0] - sgd.q[$0]) / q.standardError[$0] }.max()!
            #expect(separation > 10)
        }
        print("classifier scaled momentum γ = 2: RMS deviation of (m, q) from the ODE at d = 250, 1000: \(deviations)")
        let ratio = deviations[1] / deviations[0]
        #expect(ratio < 0.75 && ratio > 0.2)
    }
}

/// Scaled momentum for a committee machine (`CommitteeODE` with velocity overlaps) against finite-d simulation.
@Suite struct CommitteeScaledMomentumSimulationTests {
    static func scenario(_ optimiser: Optimiser, activation: Activation = .erf) throws -> CommitteeScenario {
        try CommitteeScenario(studentUnits: 2, teacherUnits: 2, studentActivation: activation, optimiser: optimiser, noiseVariance: 0.05,
                              weightDecay: 0.02, initialStudent: .diagonal(q0: 0.5, r0: 0.2, studentUnits: 2, teacherUnits: 2))
    }

    /// K = M = 2, γ = 2 (erf and ReLU): R and ε_g follow the ODE within a few standard errors at d = 1000, where plain
    /// SGD's curve at η lies more than 10 standard errors away, and the RMS distance of the seeds' mean R from the ODE
    /// shrinks from d = 250 to 1000.
    @Test(arguments: [Activation.erf, .relu])
    func scaledMomentumFollowsItsODE(activation: Activation) throws {
        let scenario = try Self.scenario(try Optimiser(learningRate: 0.8, scaledMomentum: 2), activation: activation)
        let times = (0...8).map { Double($0) * 0.5 }
        let model = CommitteeTheory(scenario: scenario)
        let theory = try model.solve(times: times)
        var gaps: [Double] = []
        var finest: EnsembleStatistics?
        for d in [250, 1000] {
            let simulated = try CommitteeSimulator(scenario: scenario, dimension: d, seeds: 8, seed: 29).run(times: times)
            #expect(simulated.divergence == nil)
            let r = simulated.entryStatistics(of: \.r), eg = simulated.statistics { model.generalisationError($0) }
            var squares = 0.0, count = 0.0
            for index in 1..<times.count {
                for entry in 0..<4 {
                    let difference = r[entry].mean[index] - theory.states[index].r[entry]
                    squares += difference * difference
                    count += 1
                    if d == 1000 { #expect(abs(difference) < 5 * r[entry].standardError[index] + 1e-3, "R[\(entry)] at t = \(times[index])") }
                }
                if d == 1000 {
                    #expect(abs(eg.mean[index] - theory.generalisationError[index]) < 5 * eg.standardError[index], "ε_g at t = \(times[index])")
                }
            }
            gaps.append((squares / count).squareRoot())
            finest = eg
        }
        print("committee scaled momentum γ = 2 (\(activation.name)): RMS gap of mean R from the ODE at d = 250, 1000: \(gaps)")
        #expect(gaps[1] < 0.75 * gaps[0])
        var plain = scenario
        plain.optimiser = try Optimiser(learningRate: 0.8)
        let sgd = try CommitteeTheory(scenario: plain).solve(times: times)
        let eg = try #require(finest)
        let separation = (1..<times.count).map { abs(eg.mean[$0] - sgd.generalisationError[$0]) / eg.standardError[$0] }.max()!
        #expect(separation > 10, "plain SGD's ε_g is \(separation) standard errors from the simulation")
    }

    /// A trained second layer (η_v = 0.5, its own scalar velocities): R, v and ε_g within a few standard errors at
    /// d = 1000, and v moves by many of them.
    @Test func trainedSecondLayerFollowsItsODE() throws {
        let scenario = try CommitteeScenario(studentUnits: 2, teacherUnits: 2, optimiser: try Optimiser(learningRate: 0.8, scaledMomentum: 2),
                                             secondLayerLearningRate: 0.5, noiseVariance: 0.05, initialSecondLayer: [0.6, 0.6],
                                             initialStudent: .diagonal(q0: 0.5, r0: 0.2, studentUnits: 2, teacherUnits: 2))
        let times = (0...8).map { Double($0) * 0.5 }
        let model = CommitteeTheory(scenario: scenario)
        let theory = try model.solve(times: times)
        let simulated = try CommitteeSimulator(scenario: scenario, dimension: 1000, seeds: 8, seed: 31).run(times: times)
        let r = simulated.entryStatistics(of: \.r), v = simulated.entryStatistics(of: \.v), eg = simulated.statistics { model.generalisationError($0) }
        for index in 1..<times.count {
            for entry in 0..<4 {
                #expect(abs(r[entry].mean[index] - theory.states[index].r[entry]) < 5 * r[entry].standardError[index] + 1e-3, "R[\(entry)]")
            }
            for unit in 0..<2 {
                #expect(abs(v[unit].mean[index] - theory.states[index].v[unit]) < 5 * v[unit].standardError[index] + 1e-3, "v[\(unit)] at \(times[index])")
            }
            #expect(abs(eg.mean[index] - theory.generalisationError[index]) < 5 * eg.standardError[index], "ε_g at t = \(times[index])")
        }
        let last = times.count - 1
        #expect(abs(v[0].mean[last] - 0.6) > 10 * v[0].standardError[last], "v moved: \(v.map { $0.mean[last] })")
    }

    /// γ → ∞ recovers plain SGD at rate η: the largest distance of ε_g from SGD's falls like 1/γ.
    @Test func largeScaledMomentumRecoversSGD() throws {
        let times = (0...8).map { Double($0) * 0.5 }
        let sgd = try CommitteeTheory(scenario: try Self.scenario(try Optimiser(learningRate: 0.8))).solve(times: times)
        var gaps: [Double] = []
        for gamma in [25.0, 100] {
            let scaled = try CommitteeTheory(scenario: try Self.scenario(try Optimiser(learningRate: 0.8, scaledMomentum: gamma))).solve(times: times)
            gaps.append(zip(scaled.generalisationError, sgd.generalisationError).map { abs($0 - $1) }.max()!)
        }
        #expect(gaps[1] < 0.05 * sgd.generalisationError[4] && abs(gaps[0] / gaps[1] - 4) < 0.8, "gaps \(gaps)")
    }

    /// Trained biases (linear units, teacher biases 0.5, −0.3, η_b = 0.5) with their own scalar velocities: R, b and
    /// ε_g within a few standard errors at d = 1000, and b moves by many of them.
    @Test func trainedBiasesFollowTheirODE() throws {
        let scenario = try CommitteeScenario(studentUnits: 2, teacherUnits: 2, studentActivation: .linear,
                                             optimiser: try Optimiser(learningRate: 0.5, scaledMomentum: 2), noiseVariance: 0.05,
                                             initialStudent: .diagonal(q0: 0.5, r0: 0.2, studentUnits: 2, teacherUnits: 2),
                                             biasLearningRate: 0.5, teacherBiases: [0.5, -0.3])
        let times = (0...8).map { Double($0) * 0.5 }
        let model = CommitteeTheory(scenario: scenario)
        let theory = try model.solve(times: times)
        let simulated = try CommitteeSimulator(scenario: scenario, dimension: 1000, seeds: 8, seed: 37).run(times: times)
        let r = simulated.entryStatistics(of: \.r), b = simulated.entryStatistics(of: \.b), eg = simulated.statistics { model.generalisationError($0) }
        for index in 1..<times.count {
            for entry in 0..<4 {
                #expect(abs(r[entry].mean[index] - theory.states[index].r[entry]) < 5 * r[entry].standardError[index] + 1e-3, "R[\(entry)]")
            }
            for unit in 0..<2 {
                #expect(abs(b[unit].mean[index] - theory.states[index].b[unit]) < 5 * b[unit].standardError[index] + 1e-3, "b[\(unit)] at \(times[index])")
            }
            #expect(abs(eg.mean[index] - theory.generalisationError[index]) < 5 * eg.standardError[index] + 1e-4, "ε_g at t = \(times[index])")
        }
        let last = times.count - 1
        #expect(abs(b[0].mean[last]) > 10 * b[0].standardError[last] + 0.02, "b moved: \(b.map { $0.mean[last] })")
    }

    /// --stability and computed schedules refuse scaled momentum (out of range).
    @Test func unsupportedCombinationsAreRefused() throws {
        let scaled = try Optimiser(learningRate: 0.5, scaledMomentum: 2)
        let scenario = try Self.scenario(scaled)
        #expect(throws: ScenarioError.self) { _ = try CommitteeStability(scenario: scenario).jacobian(learningRate: 0.5) }
        #expect(throws: ScenarioError.self) { _ = try CommitteeTheory(scenario: scenario).greedySchedule(rateBounds: 0.01...0.5, tEnd: 1) }
    }
}
