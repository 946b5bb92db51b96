import Foundation
import Testing
@testable import OnlineSimulation
import OnlineTheory
import Scenarios

/// The linear-noise prediction Σ(t)/d against the across-seed spread of the finite-d simulator.
@Suite struct LinearFluctuationSimulationTests {
    static func sampleCovariance(_ x: [Double], _ y: [Double]) -> Double {
        let n = Double(x.count), mx = x.reduce(0, +) / n, my = y.reduce(0, +) / n
        return zip(x, y).reduce(0) { $0 + ($1.0 - mx) * ($1.1 - my) } / (n - 1)
    }

    /// Per-seed standard deviations of m, e_g and q, and the m–e_g correlation, at d = 500 (128 seeds, B = 2, to t = 4)
    /// and d = 2000 (64 seeds, B = 1, to t = 1.5: the debug build's cost), with label noise and weight decay. A sample standard deviation of n seeds scatters by
    /// ≈ 1/√(2(n − 1)) (6% and 9%); each is required within 4 of those, and the mean ratio over the grid within 2.5.
    @Test(arguments: [(500, 128, 2, [0, 0.5, 1, 2, 3, 4.0]), (2000, 64, 1, [0, 0.5, 1, 1.5])])
    func spreadAcrossSeedsMatchesPrediction(dimension: Int, seeds: Int, batch: Int, times: [Double]) throws {
        let scenario = try LinearRegressionScenario(optimiser: try Optimiser(learningRate: 0.8, batchSize: batch), noiseVariance: 0.3,
                                                    weightDecay: 0.05, teacherNorm: 1, initialOverlap: 0.1, initialSelfOverlap: 0.2)
        let simulation = try LinearRegressionSimulator(scenario: scenario, dimension: dimension, seeds: seeds, seed: 5).run(times: times)
        let prediction = try LinearRegressionTheory(scenario: scenario).fluctuations(times: times)
        let ensemble = simulation.ensemble
        let scatter = 1 / (2 * Double(seeds - 1)).squareRoot()
        var ratios = [Double]()
        for k in times.indices {
            let m = ensemble.m.map { $0[k] }, e = ensemble.e.map { $0[k] }, q = ensemble.q.map { $0[k] }
            let std = prediction.standardDeviations(dimension: dimension)
            let checks: [(String, [Double], Double)] = [("m", m, std[0].values[k]), ("q", q, std[1].values[k]), ("e_g", e, std[2].values[k])]
            for (name, values, predicted) in checks where predicted > 0 {
                let measured = Self.sampleCovariance(values, values).squareRoot()
                #expect(abs(measured / predicted - 1) < 4 * scatter, "std \(name)(t = \(times[k])) at d = \(dimension): \(measured) vs \(predicted)")
                ratios.append(measured / predicted)
            }
            // The correlation of m and e_g (ρ̂ drives both at t = 0; m starts exact): Fisher z within 4/√(n − 3).
            let sigma = prediction.spread.covariance[k]
            if sigma[0] > 0 {
                let predicted = sigma[1] / (sigma[0] * sigma[4]).squareRoot()
                let measured = Self.sampleCovariance(m, e) / (Self.sampleCovariance(m, m) * Self.sampleCovariance(e, e)).squareRoot()
                #expect(abs(atanh(measured) - atanh(predicted)) < 4 / Double(seeds - 3).squareRoot(),
                        "corr(m, e_g)(t = \(times[k])) at d = \(dimension): \(measured) vs \(predicted)")
            }
        }
        // The conditional prediction (Σ(0) = 0): each seed's e_g about the theory started at that seed's own initial state.
        let own = try (0..<seeds).map { s -> [Double] in
            let start = LinearOrderParameters(m: ensemble.m[s][0], q: ensemble.q[s][0], rho: ensemble.rho[s])
            return try LinearRegressionTheory(scenario: scenario).solve(times: times, from: start, initialError: ensemble.e[s][0]).generalisationError
        }
        let conditional = prediction.meanStandardErrors(dimension: dimension, seeds: 1)[2].values
        for k in times.indices.dropFirst() {
            let deviations = (0..<seeds).map { ensemble.e[$0][k] - own[$0][k] }
            let measured = (deviations.reduce(0) { $0 + $1 * $1 } / Double(seeds)).squareRoot()
            #expect(abs(measured / conditional[k] - 1) < 4 * scatter, "conditional std e_g(t = \(times[k])) at d = \(dimension): \(measured) vs \(conditional[k])")
            ratios.append(measured / conditional[k])
        }
        let mean = ratios.reduce(0, +) / Double(ratios.count)
        #expect(abs(mean - 1) < 2.5 * scatter, "mean ratio \(mean)")
    }
}
