import Foundation
import GaussianIntegrals
@testable import OnlineSimulation
import OnlineTheory
import Randomness
import Scenarios
import Testing

/// Mini-batches at finite d: every simulator averages the gradient over B fresh samples per step, and the ODEs
/// (noise coefficient η²/B) follow it.
@Suite struct MiniBatchSimulationTests {
    static func linear(lr: Double = 1, batch: Int, noise: Double = 0.5, reg: Double = 0) throws -> LinearRegressionScenario {
        try LinearRegressionScenario(optimiser: try Optimiser(learningRate: lr, batchSize: batch), noiseVariance: noise, weightDecay: reg,
                                     initialOverlap: 0.1, initialSelfOverlap: 0.2)
    }

    /// Per seed, the RMS distance of e_g from the ODE started at that seed's own measured state.
    static func rmsDeviation(_ simulated: LinearSimulationResult, _ scenario: LinearRegressionScenario) throws -> Double {
        var total = 0.0
        for seed in 0..<simulated.m.count {
            let start = LinearOrderParameters(m: simulated.m[seed][0], q: simulated.q[seed][0], rho: simulated.rho[seed])
            let own = try LinearRegressionTheory(scenario: scenario).solve(
                times: simulated.ensemble.grid.times, from: start, initialError: simulated.generalisationError[seed][0])
            let squares = zip(simulated.generalisationError[seed], own.generalisationError).reduce(0) { $0 + pow($1.0 - $1.1, 2) }
            total += (squares / Double(own.times.count)).squareRoot()
        }
        return total / Double(simulated.m.count)
    }

    /// Noisy linear regression, τ = 1, σ² = 0.5, t ≤ 1: e_g(t) of the ODE against the simulation at B = 4 at d = 500
    /// (6 seeds) and 2000 (4 seeds), and at B = 1, unchanged, at d = 500, within a few standard errors at every time
    /// (6, or 8 for 3 degrees of freedom); the per-seed distance from the ODE shrinks with d; and the B = 4 curve is
    /// far (in standard errors) from the B = 1 ODE, so the agreement tests the 1/B. (Late times: the next test.)
    @Test func linearRegressionWithBatchesFollowsTheODE() throws {
        let times = (0...8).map { Double($0) * 0.125 }
        var deviations: [Int: Double] = [:]
        for (batch, d, seeds) in [(1, 500, 6), (4, 500, 6), (4, 2000, 4)] {
            let scenario = try Self.linear(batch: batch)
            let simulated = try LinearRegressionSimulator(scenario: scenario, dimension: d, seeds: seeds, seed: 41).run(times: times)
            #expect(simulated.divergence == nil)
            let theory = try LinearRegressionTheory(scenario: scenario).solve(
                times: simulated.ensemble.grid.times, from: simulated.ensemble.meanInitialState, initialError: simulated.ensemble.meanInitialError)
            let stats = simulated.statistics(of: \.generalisationError)
            for k in 1..<theory.times.count {
                let z = abs(stats.mean[k] - theory.generalisationError[k]) / stats.standardError[k]
                #expect(z < (seeds > 4 ? 6 : 8), "B = \(batch), d = \(d), t = \(theory.times[k]): z = \(z)")
            }
            if batch == 4 {
                deviations[d] = try Self.rmsDeviation(simulated, scenario)
                let unbatched = try LinearRegressionTheory(scenario: Self.linear(batch: 1)).solve(
                    times: simulated.ensemble.grid.times, from: simulated.ensemble.meanInitialState, initialError: simulated.ensemble.meanInitialError)
                let late = theory.times.count - 1
                #expect(abs(stats.mean[late] - unbatched.generalisationError[late]) > 20 * stats.standardError[late])
            }
        }
        let ratio = deviations[2000]! / deviations[500]!
        #expect(ratio < 0.75, "deviations \(deviations): 1/√d predicts a ratio 0.5")
    }

    /// The stationary e_g of the simulation (time average over t ∈ [3, 6] per seed, then over seeds) at B = 4, λ = 0.2
    /// is e_g* = [½(τ/B)σ² + λ²ρ/(1+λ)]/(2(1+λ) − τ/B) (ρ the seed's measured teacher norm), not the B = 1 value.
    @Test func stationaryErrorWithBatchesMatchesItsClosedForm() throws {
        let scenario = try Self.linear(batch: 4, reg: 0.2)
        let times = (0...24).map { Double($0) * 0.25 }
        let simulated = try LinearRegressionSimulator(scenario: scenario, dimension: 400, seeds: 4, seed: 8).run(times: times)
        let late = simulated.ensemble.grid.times.indices.filter { simulated.ensemble.grid.times[$0] >= 3 }
        var differences: [Double] = []
        for seed in 0..<4 {
            let average = late.reduce(0) { $0 + simulated.generalisationError[seed][$1] } / Double(late.count)
            differences.append(average - scenario.steadyStateGeneralisationError(rho: simulated.rho[seed])!)
        }
        let mean = differences.reduce(0, +) / 4
        let standardError = (differences.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / 3 / 4).squareRoot()
        let eStar = scenario.steadyStateGeneralisationError(rho: 1)!
        #expect(abs(mean) < 4 * standardError + 0.02 * eStar, "mean difference \(mean) ± \(standardError), e* = \(eStar)")
        let unbatched = try Self.linear(batch: 1, reg: 0.2).steadyStateGeneralisationError(rho: 1)!
        #expect(abs(eStar + mean - unbatched) > 0.5 * unbatched)
    }

    /// τ_c = 2B(1 + λ) = 5 for B = 2, λ = 0.25: the simulation stays bounded at 0.9 τ_c (where B = 1 diverges) and
    /// diverges at 1.1 τ_c, quoting the batched critical rate.
    @Test func simulationIsStableBelowAndDivergesAboveTwoBOnePlusLambda() throws {
        let times = (0...30).map { Double($0) }
        let below = try LinearRegressionSimulator(scenario: Self.linear(lr: 4.5, batch: 2, noise: 0.1, reg: 0.25), dimension: 200, seeds: 2)
            .run(times: times)
        #expect(below.divergence == nil, "\(String(describing: below.divergence))")
        let unbatched = try LinearRegressionSimulator(scenario: Self.linear(lr: 4.5, batch: 1, noise: 0.1, reg: 0.25), dimension: 200, seeds: 2)
            .run(times: times)
        #expect(unbatched.divergence != nil)
        let above = try LinearRegressionSimulator(scenario: Self.linear(lr: 5.5, batch: 2, noise: 0.1, reg: 0.25), dimension: 200, seeds: 2)
            .run(times: times)
        let divergence = try #require(above.divergence)
        #expect(divergence.reason.contains("≥ critical 5"), "\(divergence.reason)")
    }

    /// The logistic classifier with B = 2 against its ODE (d = 500, 6 seeds, t ≤ 4), and measurably away from the
    /// B = 1 ODE in q (the η² term E[ℓ'²]/B drives the norm's growth).
    @Test func logisticClassifierWithBatchesFollowsTheODE() throws {
        func scenario(_ batch: Int) throws -> ClassifierScenario {
            try ClassifierScenario(loss: .logistic, optimiser: try Optimiser(learningRate: 2, batchSize: batch), noiseVariance: 0.1,
                                   initialSelfOverlap: 0.1)
        }
        let simulated = try ClassifierSimulator(scenario: scenario(2), dimension: 500, seeds: 6, seed: 5)
            .run(times: (0...8).map { Double($0) * 0.5 })
        let theory = try ClassifierTheory(scenario: scenario(2)).solve(times: simulated.ensemble.grid.times, from: simulated.ensemble.meanInitialState)
        let unbatched = try ClassifierTheory(scenario: scenario(1)).solve(times: simulated.ensemble.grid.times, from: simulated.ensemble.meanInitialState)
        for (name, stats, curve) in [("m", simulated.statistics(of: \.m), theory.m), ("q", simulated.statistics(of: \.q), theory.q),
                                     ("eg", simulated.statistics(of: \.classificationError), theory.classificationError)] {
            for k in 1..<curve.count {
                let z = abs(stats.mean[k] - curve[k]) / stats.standardError[k]
                #expect(z < 6, "\(name) at t = \(theory.times[k]): z = \(z)")
            }
        }
        let late = theory.times.count - 1
        #expect(abs(simulated.statistics(of: \.q).mean[late] - unbatched.q[late]) > 20 * simulated.statistics(of: \.q).standardError[late])
    }

    static func committee(batch: Int) throws -> CommitteeScenario {
        try CommitteeScenario(studentUnits: 2, teacherUnits: 2, optimiser: try Optimiser(learningRate: 1.5, batchSize: batch),
                              noiseVariance: 0.2, initialStudent: .diagonal(q0: 0.5, r0: 0.3, studentUnits: 2, teacherUnits: 2))
    }

    /// K = M = 2 erf with noise σ² = 0.2, η = 1.5 and B = 3: R, Q and ε_g of the simulation (d = 400, 5 seeds, t ≤ 3)
    /// follow the ODE within a few standard errors, and ε_g is far from the B = 1 ODE.
    @Test func committeeWithBatchesFollowsTheODE() throws {
        let scenario = try Self.committee(batch: 3)
        let simulated = try CommitteeSimulator(scenario: scenario, dimension: 400, seeds: 5, seed: 12).run(times: (0...6).map { Double($0) * 0.5 })
        #expect(simulated.divergence == nil)
        let theory = CommitteeTheory(scenario: scenario)
        let curve = try theory.solve(times: simulated.grid.times, from: simulated.meanInitialState)
        let eg = simulated.statistics { theory.generalisationError($0) }
        expectCommitteeAgreement(simulated, curve, CommitteeObservables.overlaps, sigmas: 6, slack: 2e-3)
        for k in 1..<curve.times.count {
            #expect(abs(eg.mean[k] - curve.generalisationError[k]) < 6 * eg.standardError[k] + 1e-3, "ε_g at t = \(curve.times[k])")
        }
        let unbatched = try CommitteeTheory(scenario: Self.committee(batch: 1)).solve(times: simulated.grid.times, from: simulated.meanInitialState)
        let late = curve.times.count - 1
        #expect(abs(eg.mean[late] - unbatched.generalisationError[late]) > 20 * eg.standardError[late])
    }

    /// An independent Monte Carlo of one SGD step at d = 500 (K = M = 2 erf, Q = 0.8 I + 0.1 offdiagonal, R = 0.4 I + 0.1,
    /// v = v* = 1, σ² = 0.2, η = 1.5): over many batches of B fresh samples, the mean of d·ΔQ_ik is the ODE's dQ_ik/dt,
    /// and the mean of its second-order part Δw_i·Δw_k (Δw_k = (η/√d)(1/B) Σ_b g'(λ_kb) Δ_b x_b) is the ODE's η²/B term,
    /// for B = 1 and 3, so that it shrinks by the factor 3 to within the O(B/d) cross terms.
    @Test func oneStepIncrementOfQMatchesTheODEsNoiseTermPerBatch() throws {
        let d = 500, k = 2, eta = 1.5, sigma2 = 0.2
        let q = [0.8, 0.1, 0.1, 0.8], r = [0.4, 0.1, 0.1, 0.4]
        var noiseTerms: [Int: (mc: Double, se: Double, ode: Double)] = [:]
        for batch in [1, 3] {
            let scenario = try CommitteeScenario(
                studentUnits: k, teacherUnits: k, optimiser: try Optimiser(learningRate: eta, batchSize: batch), noiseVariance: sigma2,
                initialStudent: .overlaps(q: q, r: r))
            var rng = Xoshiro256(seed: 77, stream: UInt64(batch))
            let networks = try CommitteeNetworks(scenario: scenario, dimension: d, rng: &rng)
            let state = CommitteeOrderParameters(studentUnits: k, teacherUnits: k, q: q, r: r, t: networks.teacherOverlap,
                                                 v: [1, 1], vStar: [1, 1])
            // dQ/dt of the ODE, and its η²/B part (the full right-hand side minus the small-learning-rate one).
            func rightHandSide(dropping: Bool) -> [Double] {
                var s = scenario
                s.dropsSecondOrderTerms = dropping
                let ode = CommitteeODE(scenario: s, initial: state)
                let y = ode.layout.state(of: state)
                var dy = [Double](repeating: 0, count: y.count)
                y.withUnsafeBufferPointer { yb in dy.withUnsafeMutableBufferPointer { ode.evaluate(time: 0, state: yb, derivative: $0) } }
                return [ode.layout.qIndex(0, 0), ode.layout.qIndex(0, 1)].map { dy[$0] }
            }
            let full = rightHandSide(dropping: false), drift = rightHandSide(dropping: true)
            // Monte Carlo over batches: entries (0, 0) and (0, 1) of d·ΔQ and of Δw_i·Δw_k.
            let batches = 3000
            var x = [Double](repeating: 0, count: d), update = [Double](repeating: 0, count: k * d)
            var sums = [Double](repeating: 0, count: 4), squares = [Double](repeating: 0, count: 4)
            let w = networks.student, wStar = networks.teacher, scale = 1 / Double(d).squareRoot()
            for _ in 0..<batches {
                for i in update.indices { update[i] = 0 }
                for _ in 0..<batch {
                    rng.fillGaussian(&x)
                    var lambda = [0.0, 0.0], nu = [0.0, 0.0]
                    for i in 0..<k {
                        for s in 0..<d { lambda[i] += w[i * d + s] * x[s]; nu[i] += wStar[i * d + s] * x[s] }
                        lambda[i] *= scale; nu[i] *= scale
                    }
                    let g = Activation.erf.function, gPrime = Activation.erf.derivative
                    let delta = g(nu[0]) + g(nu[1]) + sigma2.squareRoot() * rng.nextGaussian() - g(lambda[0]) - g(lambda[1])
                    for i in 0..<k {
                        let c = eta * scale * gPrime(lambda[i]) * delta / Double(batch)
                        for s in 0..<d { update[i * d + s] += c * x[s] }
                    }
                }
                // d·ΔQ_ik = w_i·Δw_k + Δw_i·w_k + Δw_i·Δw_k (ΔQ = that / d).
                var cross = [0.0, 0.0, 0.0], second = [0.0, 0.0]
                for s in 0..<d {
                    cross[0] += w[s] * update[s]
                    cross[1] += w[s] * update[d + s]
                    cross[2] += update[s] * w[d + s]
                    second[0] += update[s] * update[s]
                    second[1] += update[s] * update[d + s]
                }
                let samples = [2 * cross[0] + second[0], cross[1] + cross[2] + second[1], second[0], second[1]]
                for e in 0..<4 { sums[e] += samples[e]; squares[e] += samples[e] * samples[e] }
            }
            let n = Double(batches)
            let means = sums.map { $0 / n }
            let errors = (0..<4).map { ((squares[$0] / n - means[$0] * means[$0]) / (n - 1)).squareRoot() }
            for e in 0..<2 {
                #expect(abs(means[e] - full[e]) < 4 * errors[e] + 0.01 * abs(full[e]), "B = \(batch) d·ΔQ[\(e)]: \(means[e]) ± \(errors[e]) vs \(full[e])")
                let noise = full[e] - drift[e]
                #expect(abs(means[2 + e] - noise) < 4 * errors[2 + e] + 0.02 * abs(noise),
                        "B = \(batch) η² term[\(e)]: \(means[2 + e]) ± \(errors[2 + e]) vs \(noise)")
            }
            noiseTerms[batch] = (means[2], errors[2], full[0] - drift[0])
        }
        let one = noiseTerms[1]!, three = noiseTerms[3]!
        #expect(abs(one.ode / three.ode - 3) < 1e-10)
        let ratio = one.mc / three.mc
        let ratioError = ratio * ((one.se / one.mc) * (one.se / one.mc) + (three.se / three.mc) * (three.se / three.mc)).squareRoot()
        #expect(abs(ratio - 3) < 4 * ratioError + 0.05, "Monte Carlo ratio \(ratio) ± \(ratioError)")
    }
}
