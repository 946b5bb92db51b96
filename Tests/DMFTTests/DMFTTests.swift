import Foundation
@testable import DMFT
import Testing

@Suite struct DMFTTheoryTests {
    /// m(1) = m0[1 + ηα(1 − c0)],
    /// C(1,1) = (1 − ηαc0)²c0 + 2(1 − ηαc0)ηαm0² + η²α²m0² + η²αc0 Q(0)/b,  Q(0) = (c0² − 2m0² + 1)/2.
    @Test(arguments: [(3.0, 0.1, 1.0, 0.1, 1.0), (2.2, 0.05, 0.3, 0.5, 0.8), (5.0, 0.2, 0.1, 0.0, 1.5), (1.0, 0.3, 0.7, 0.9, 1.0)])
    func firstStepClosedForms(alpha: Double, eta: Double, b: Double, m0: Double, c0: Double) throws {
        let problem = try SignalRecoveryProblem(alpha: alpha, learningRate: eta, batchFraction: b, initialOverlap: m0, initialNorm: c0, steps: 3)
        let solution = DMFTSolver(problem: problem).solve()
        let a = eta * alpha
        #expect(abs(solution.m[1] - m0 * (1 + a * (1 - c0))) < 1e-12)
        let q0 = (c0 * c0 - 2 * m0 * m0 + 1) / 2
        let c11 = (1 - a * c0) * (1 - a * c0) * c0 + 2 * (1 - a * c0) * a * m0 * m0 + a * a * m0 * m0 + eta * eta * alpha * c0 * q0 / b
        #expect(abs(solution.ctt[1] - c11) < 1e-12)
        #expect(abs(solution.energy[0] - alpha / 2 * q0) < 1e-12)
        #expect(abs(solution.delta[0] - (1 - 2 * m0 + c0)) < 1e-12)
    }

    @Test func resultDoesNotDependOnTheThreadSplit() throws {
        let problem = try SignalRecoveryProblem(alpha: 3, learningRate: 0.1, batchFraction: 0.5, initialOverlap: 0.1, steps: 120)
        var serial = DMFTSolver(problem: problem)
        serial.parallelThreshold = .max
        var split = DMFTSolver(problem: problem)
        split.parallelThreshold = 1
        let a = serial.solve(), b = split.solve()
        #expect(a.m == b.m && a.ctt == b.ctt && a.q == b.q)
    }

    /// Spherical variant, first step: the unnormalised step has m̃(1) = m0 (c0 = 1) and C̃(1,1) from the closed
    /// form above, and x(1) = x̃(1)/√C̃(1,1); C(t,t) stays 1.
    @Test(arguments: [(3.0, 0.1, 1.0, 0.1), (2.2, 0.2, 0.3, 0.5), (5.0, 0.05, 0.1, 0.9)])
    func sphericalFirstStepAndNorm(alpha: Double, eta: Double, b: Double, m0: Double) throws {
        let problem = try SignalRecoveryProblem(alpha: alpha, learningRate: eta, batchFraction: b, initialOverlap: m0, steps: 30, spherical: true)
        let solution = DMFTSolver(problem: problem).solve()
        let a = eta * alpha, q0 = 1 - m0 * m0
        let c11 = (1 - a) * (1 - a) + 2 * (1 - a) * a * m0 * m0 + a * a * m0 * m0 + eta * a * q0 / b
        #expect(abs(solution.m[1] - m0 / c11.squareRoot()) < 1e-12)
        #expect(solution.ctt.allSatisfy { abs($0 - 1) < 1e-14 })
        #expect(solution.m.allSatisfy { abs($0) <= 1 + 1e-12 })
        #expect(abs(solution.response(1, 0) - 1 / c11.squareRoot()) < 1e-12)
    }

    /// Dropping the terms below `negligible` × the largest of their sum (the responses decay exponentially
    /// with t − s) leaves the trajectory unchanged to rounding: compare with the full O(T³) sums.
    @Test func skippingNegligibleTermsKeepsTheTrajectory() throws {
        let steps = 400
        let problem = try SignalRecoveryProblem(alpha: 3, learningRate: 0.3, batchFraction: 0.5, initialOverlap: 0.1, steps: steps)
        var full = DMFTSolver(problem: problem)
        full.negligible = 0
        let exact = full.solve(), fast = DMFTSolver(problem: problem).solve()
        try #require(exact.reached == steps && fast.reached == steps)
        // The responses have decayed past the cut-off, so terms were skipped.
        #expect(abs(exact.response(steps, steps / 2)) < 1e-17 * abs(exact.response(steps, steps - 1)))
        var largest = 0.0
        for t in 0...steps {
            largest = max(largest, abs(exact.m[t] - fast.m[t]), abs(exact.q[t] - fast.q[t]))
            for s in 0...t { largest = max(largest, abs(exact.correlation(t, s) - fast.correlation(t, s))) }
        }
        #expect(largest < 1e-13, "max deviation \(largest)")
    }

    @Test func batchFractionOneIsTheGradientDescentLimit() throws {
        let gd = DMFTSolver(problem: try SignalRecoveryProblem(alpha: 3, learningRate: 0.1, initialOverlap: 0.2, steps: 60)).solve()
        let sgd = DMFTSolver(problem: try SignalRecoveryProblem(alpha: 3, learningRate: 0.1, batchFraction: 1 - 1e-9, initialOverlap: 0.2, steps: 60)).solve()
        for t in 0...60 { #expect(abs(gd.ctt[t] - sgd.ctt[t]) < 1e-6 && abs(gd.m[t] - sgd.m[t]) < 1e-6) }
        // Smaller batches add gradient noise: C(t,t) grows faster at first.
        let small = DMFTSolver(problem: try SignalRecoveryProblem(alpha: 3, learningRate: 0.1, batchFraction: 0.2, initialOverlap: 0.2, steps: 5)).solve()
        #expect(small.ctt[1] > gd.ctt[1])
    }

    @Test func gradientDescentRecoversTheSignalAboveThreshold() throws {
        let solution = DMFTSolver(problem: try SignalRecoveryProblem(alpha: 4, learningRate: 0.1, initialOverlap: 0.2, steps: 600)).solve()
        #expect(solution.divergence == nil)
        #expect(solution.delta.last! < 1e-3)
        #expect(abs(solution.m.last! - 1) < 1e-3)
        #expect(RelaxationCriterion().relaxationStep(solution) != nil)
        let symmetric = DMFTSolver(problem: try SignalRecoveryProblem(alpha: 4, learningRate: 0.1, initialOverlap: 0, steps: 50)).solve()
        #expect(symmetric.m.allSatisfy { $0 == 0 })
    }

    /// Near the GD threshold, small-batch SGD recovers the signal in fewer steps (the seed talk's conclusion).
    @Test func smallBatchSGDRelaxesFasterNearThreshold() throws {
        let criterion = RelaxationCriterion()
        func tau(_ b: Double) throws -> Int? {
            let problem = try SignalRecoveryProblem(alpha: 2.4, learningRate: 0.1, batchFraction: b, initialOverlap: 0.01, steps: 600)
            return criterion.relaxationStep(DMFTSolver(problem: problem).solve(stopWhen: criterion))
        }
        let gd = try #require(try tau(1)), sgd = try #require(try tau(0.1))
        #expect(sgd < gd / 2, "SGD \(sgd) vs GD \(gd) steps")
    }

    @Test func divergenceIsReportedWithItsStep() throws {
        let solution = DMFTSolver(problem: try SignalRecoveryProblem(alpha: 3, learningRate: 3, initialOverlap: 0.1, steps: 200)).solve()
        let step = try #require(solution.divergence)
        #expect(step > 0 && step <= 200)
        #expect(solution.ctt.allSatisfy { $0.isFinite })
    }

    @Test func badInputIsRejected() {
        #expect(throws: DMFTError.self) { try SignalRecoveryProblem(alpha: 0, learningRate: 0.1, initialOverlap: 0.1, steps: 10) }
        #expect(throws: DMFTError.self) { try SignalRecoveryProblem(alpha: 2, learningRate: -1, initialOverlap: 0.1, steps: 10) }
        #expect(throws: DMFTError.self) { try SignalRecoveryProblem(alpha: 2, learningRate: 0.1, batchFraction: 0, initialOverlap: 0.1, steps: 10) }
        #expect(throws: DMFTError.self) { try SignalRecoveryProblem(alpha: 2, learningRate: 0.1, batchFraction: 1.5, initialOverlap: 0.1, steps: 10) }
        #expect(throws: DMFTError.self) { try SignalRecoveryProblem(alpha: 2, learningRate: 0.1, initialOverlap: 1.2, steps: 10) }
        #expect(throws: DMFTError.self) { try SignalRecoveryProblem(alpha: 2, learningRate: 0.1, initialOverlap: -0.1, steps: 10) }
        #expect(throws: DMFTError.self) { try SignalRecoveryProblem(alpha: 2, learningRate: 0.1, initialOverlap: 0.1, steps: 0) }
        #expect(throws: DMFTError.self) {
            try SignalRecoveryProblem(alpha: 2, learningRate: 0.1, initialOverlap: 0.1, initialNorm: 1.5, steps: 10, spherical: true)
        }
        #expect(throws: DMFTError.self) {
            try SignalRecoverySimulator(problem: try SignalRecoveryProblem(alpha: 2, learningRate: 0.1, initialOverlap: 0.1, steps: 3), dimension: 1, seeds: 1)
        }
    }
}

@Suite struct DMFTSimulationTests {
    static let problem = try! SignalRecoveryProblem(alpha: 3, learningRate: 0.1, batchFraction: 0.5, initialOverlap: 0.3, steps: 12)

    @Test func initialConditionIsExact() throws {
        let result = try SignalRecoverySimulator(problem: Self.problem, dimension: 30, seeds: 3).run()
        for sample in 0..<3 {
            #expect(abs(result.m[sample][0] - 0.3) < 1e-12)
            #expect(abs(result.ctt[sample][0] - 1) < 1e-12)
        }
    }

    @Test func storedAndGeneratedCouplingsGiveTheSameRun() throws {
        let stored = try SignalRecoverySimulator(problem: Self.problem, dimension: 20, seeds: 2, seed: 4)
        var generated = stored
        generated.maxMemoryBytes = 0
        #expect(generated.generatesCouplingsOnTheFly && !stored.generatesCouplingsOnTheFly)
        let a = stored.run(), b = generated.run()
        #expect(a.m == b.m && a.ctt == b.ctt && a.energy == b.energy)
    }

    @Test func floatAndDoublePrecisionAgree() throws {
        let double = try SignalRecoverySimulator(problem: Self.problem, dimension: 25, seeds: 2, seed: 9)
        var float = double
        float.precision = .float
        let a = double.run(), b = float.run()
        for sample in 0..<2 {
            for t in 0...12 {
                #expect(abs(a.m[sample][t] - b.m[sample][t]) < 1e-4)
                #expect(abs(a.ctt[sample][t] - b.ctt[sample][t]) < 1e-4)
            }
        }
    }

    @Test func gradientDescentEqualsBatchFractionOne() throws {
        let gd = try SignalRecoveryProblem(alpha: 2, learningRate: 0.1, initialOverlap: 0.2, steps: 5)
        let result = try SignalRecoverySimulator(problem: gd, dimension: 20, seeds: 1, seed: 3).run()
        var half = gd
        half.batchFraction = 0.5
        let noisy = try SignalRecoverySimulator(problem: half, dimension: 20, seeds: 1, seed: 3).run()
        #expect(result.m[0][0] == noisy.m[0][0])
        #expect(result.m[0][5] != noisy.m[0][5])
    }

    @Test func anchorsRecordTwoTimeCorrelations() throws {
        var sim = try SignalRecoverySimulator(problem: Self.problem, dimension: 20, seeds: 1)
        sim.anchors = [0, 4]
        let result = sim.run()
        let twoTime = result.twoTime[0]
        #expect(abs(twoTime[0][0] - result.ctt[0][0]) < 1e-12)
        #expect(twoTime[1][3].isNaN && abs(twoTime[1][4] - result.ctt[0][4]) < 1e-12)
    }

    /// DMFT vs simulation: m, C(t,t) and e within a few standard errors, and the gap shrinking with N.
    @Test func simulationApproachesTheDMFT() throws {
        let theory = DMFTSolver(problem: Self.problem).solve()
        var gaps: [Double] = []
        for n in [24, 48, 96] {
            let result = try SignalRecoverySimulator(problem: Self.problem, dimension: n, seeds: 8, seed: 21).run()
            var gap = 0.0
            for (name, values, curve) in [("m", result.m, theory.m), ("Ctt", result.ctt, theory.ctt), ("e", result.energy, theory.energy)] {
                let stats = EnsembleStatistics(seeds: values)
                for t in 1...12 {
                    let deviation = abs(stats.mean[t] - curve[t])
                    gap = max(gap, deviation / max(1, abs(curve[t])))
                    if n == 96 {
                        #expect(deviation < 5 * stats.standardError[t] + 0.02 * abs(curve[t]), "\(name)(\(t)) at N = \(n): \(stats.mean[t]) vs \(curve[t])")
                    }
                }
            }
            gaps.append(gap)
        }
        #expect(gaps[2] < gaps[0], "gaps \(gaps)")
    }

    /// The spherical variant against simulations that renormalise x after every step. (Leaving R(t+1,·)
    /// unscaled by 1/λ, a plausible slip, moves m by ~0.2 here and fails this.)
    @Test func sphericalSimulationMatchesTheDMFT() throws {
        let problem = try SignalRecoveryProblem(alpha: 3, learningRate: 0.2, initialOverlap: 0.2, steps: 15, spherical: true)
        let theory = DMFTSolver(problem: problem).solve()
        let result = try SignalRecoverySimulator(problem: problem, dimension: 96, seeds: 8, seed: 5).run()
        #expect(result.ctt.allSatisfy { $0.allSatisfy { abs($0 - 1) < 1e-12 } })
        for (name, values, curve) in [("m", result.m, theory.m), ("e", result.energy, theory.energy)] {
            let stats = EnsembleStatistics(seeds: values)
            for t in 1...15 {
                let deviation = abs(stats.mean[t] - curve[t])
                #expect(deviation < 5 * stats.standardError[t] + 0.02 * abs(curve[t]), "\(name)(\(t)): \(stats.mean[t]) vs \(curve[t])")
            }
        }
    }
}

@Suite struct ThresholdFitTests {
    @Test func recoversAKnownPowerLaw() throws {
        let alphaStar = 2.27, nu = 1.3, tau0 = 40.0
        let alphas = stride(from: 2.4, through: 3.6, by: 0.1).map { $0 }
        // Deterministic ±2% scatter.
        let times = alphas.enumerated().map { tau0 * pow($1 - alphaStar, -nu) * (1 + 0.02 * sin(Double($0) * 2.7)) }
        let fit = try ThresholdFit(alphas: alphas, times: times)
        #expect(abs(fit.alphaStar - alphaStar) < max(4 * fit.alphaStarError, 0.02), "α* = \(fit.alphaStar) ± \(fit.alphaStarError)")
        #expect(abs(fit.nu - nu) < max(4 * fit.nuError, 0.1), "ν = \(fit.nu) ± \(fit.nuError)")
        #expect(fit.alphaStarError > 0 && fit.alphaStarError < 0.1)
        #expect(abs(fit.time(at: 3) / (tau0 * pow(0.73, -nu)) - 1) < 0.05)
    }

    @Test func exactDataIsFitExactly() throws {
        let alphas = [2.5, 2.7, 3.0, 3.4, 4.0]
        let fit = try ThresholdFit(alphas: alphas, times: alphas.map { 10 * pow($0 - 2, -0.8) })
        #expect(abs(fit.alphaStar - 2) < 1e-5 && abs(fit.nu - 0.8) < 1e-4 && abs(fit.tau0 - 10) < 1e-3)
    }

    @Test func tooFewPointsIsAnError() {
        #expect(throws: DMFTError.self) { try ThresholdFit(alphas: [2.5, 3], times: [10, 5]) }
        // Three points: the 3-parameter law passes through all of them, with no degree of freedom left.
        #expect(throws: DMFTError.self) { try ThresholdFit(alphas: [2.5, 3, 3.5], times: [10, 5, 3]) }
        #expect(throws: DMFTError.self) { try ThresholdFit(alphas: [2.5, 3, 3.5, 3.5], times: [10, 5, 3, 3]) }
        #expect(throws: Never.self) { try ThresholdFit(alphas: [2.5, 3, 3.5, 4], times: [10, 5, 3, 2.5]) }
    }

    @Test func relaxationCriterion() {
        let criterion = RelaxationCriterion(observable: .delta, threshold: 0.1)
        #expect(criterion.relaxationStep(m: [0, 0.5, 0.9], delta: [2, 0.5, 0.05]) == 2)
        #expect(criterion.relaxationStep(m: [0, 0.1], delta: [2, 1.9]) == nil)
        #expect(RelaxationCriterion(observable: .overlap, threshold: 0.8).relaxationStep(m: [0, 0.5, 0.9], delta: [1, 1, 1]) == 2)
    }
}
