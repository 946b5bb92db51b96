import DMFT
import Testing

/// DMFT and its simulation call a run diverged when C(t,t), m or Q is non-finite or C(t,t) passes 10⁸ × max(1, c0),
/// the problem's own scale, not a fixed 10⁸.
@Suite struct DMFTDivergenceTests {
    @Test func aLargeButStableInitialNormIsNotDiverged() throws {
        // c0 = 10⁹ with a learning rate small enough that a step changes C by ~ηαC² ≈ 3e-2: stable for these steps.
        let problem = try SignalRecoveryProblem(alpha: 3, learningRate: 1e-20, initialOverlap: 0, initialNorm: 1e9, steps: 20)
        let solution = DMFTSolver(problem: problem).solve()
        #expect(solution.divergence == nil)
        #expect(solution.reached == 20)
        #expect(abs(solution.ctt.last! / 1e9 - 1) < 1e-3)
        let simulated = try SignalRecoverySimulator(problem: try SignalRecoveryProblem(
            alpha: 3, learningRate: 1e-20, initialOverlap: 0, initialNorm: 1e9, steps: 3), dimension: 12, seeds: 2).run()
        #expect(simulated.divergence == nil)
        #expect(simulated.ctt.allSatisfy { $0.count == 4 })
    }

    @Test func aHugeLearningRateDivergesAtTheFirstStepWithAFiniteStart() throws {
        let problem = try SignalRecoveryProblem(alpha: 3, learningRate: 1e200, initialOverlap: 0.1, steps: 20)
        let solution = DMFTSolver(problem: problem).solve()
        #expect(solution.divergence == 1)
        #expect(solution.reached == 0)
        #expect(solution.energy.count == 1 && solution.energy[0].isFinite && solution.energy[0] > 0)  // no η²·0 = NaN
        #expect(solution.divergenceReason?.contains("step 1") == true)
    }

    @Test func anUnstableRateSaysWhatGrew() throws {
        let solution = DMFTSolver(problem: try SignalRecoveryProblem(alpha: 3, learningRate: 3, initialOverlap: 0.1, steps: 200)).solve()
        let step = try #require(solution.divergence)
        let reason = try #require(solution.divergenceReason)
        #expect(reason.contains("C(t,t)") && reason.contains("step \(step)"))
    }

    @Test func aSimulatedStartBeyondTheScaleKeepsStepZero() throws {
        // c0 = 10³⁰⁰: C(0,0) is finite but x·x overflows nothing; the loss does, and the first step diverges.
        let problem = try SignalRecoveryProblem(alpha: 3, learningRate: 0.1, initialOverlap: 0, initialNorm: 1e300, steps: 5)
        let simulated = try SignalRecoverySimulator(problem: problem, dimension: 12, seeds: 2).run()
        let step = try #require(simulated.divergence)
        #expect(step <= 1)
        #expect(simulated.m.allSatisfy { !$0.isEmpty })
        #expect(simulated.divergenceReason != nil)
    }
}
