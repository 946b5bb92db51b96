import Foundation
import Testing
@testable import OnlineSimulation
import GaussianIntegrals
import Randomness
import Scenarios

/// The simulation's e_g = ½|w − w*|²/d and s = |w − (m/ρ)w*|²/d are measured from the vectors, so a noise-free run
/// that reaches e_g ≈ 1e-13 still records them to full relative accuracy (checked against an extended-precision
/// recomputation from the final weights), never as the zero or negative noise of ½(ρ − 2m + q).
@Suite struct LinearPrecisionSimulationTests {
    @Test(arguments: [(1.0, 60, 30.0), (0.6, 40, 45.0)])
    func measuredErrorMatchesAnExtendedPrecisionRecomputation(tau: Double, d: Int, horizon: Double) throws {
        var rng = Xoshiro256(seed: 17, stream: UInt64(d))
        var pair = TeacherStudentPair(dimension: d, teacherNorm: 1, initialOverlap: 0.1, initialSelfOverlap: 0.4, rng: &rng)
        let grid = try OutputGrid(times: (0...30).map { Double($0) * horizon / 30 }, dimension: d)
        let run = LinearStudentRun(pair: &pair, grid: grid, optimiser: try Optimiser(learningRate: tau), weightDecay: 0, rng: &rng, counter: nil,
                                   slope: { lambda, nu, _ in lambda - nu }, exceeds: { _, _ in nil })
        #expect(run.divergence == nil && run.e.count == grid.steps.count)
        #expect(run.e.allSatisfy { $0 > 0 } && run.s.allSatisfy { $0 > 0 })
        #expect(run.e.last! < 1e-12, "the run must reach deep into the cancellation regime: e_g = \(run.e.last!)")
        #if arch(x86_64) && !os(Windows)
        let w = pair.student.map { Float80($0) }, wStar = pair.teacher.map { Float80($0) }, dd = Float80(d)
        let e = zip(w, wStar).reduce(Float80(0)) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) } / (2 * dd)
        let m = zip(w, wStar).reduce(Float80(0)) { $0 + $1.0 * $1.1 } / dd
        let rho = wStar.reduce(Float80(0)) { $0 + $1 * $1 } / dd
        let c = m / rho
        let s = zip(w, wStar).reduce(Float80(0)) { $0 + ($1.0 - c * $1.1) * ($1.0 - c * $1.1) } / dd
        #expect(abs(Float80(run.e.last!) / e - 1) < 1e-12, "e_g \(run.e.last!) vs extended \(e)")
        // The residual w − c·w* of O(√s) carries the O(ε·|w|) rounding of c·w*: relative ε/√s ≈ 1e-9 here.
        #expect(abs(Float80(run.s.last!) / s - 1) < 1e-8, "s \(run.s.last!) vs extended \(s)")
        // And the classification error from s keeps its digits where arccos(m/√(qρ)) has lost them.
        let angle = Double(atan2(Double((rho * s).squareRoot()), Double(m))) / Double.pi
        #expect(abs(ClassifierIntegrals.classificationError(m: run.m.last!, orthogonal: run.s.last!, rho: Double(rho)) / angle - 1) < 1e-9)
        #endif
        // The same run through the simulator: every recorded e_g is positive and it falls below 1e-12.
        let scenario = try LinearRegressionScenario(learningRate: tau, noiseVariance: 0, weightDecay: 0, initialOverlap: 0.1, initialSelfOverlap: 0.4)
        let simulated = try LinearRegressionSimulator(scenario: scenario, dimension: d, seeds: 3, seed: 5).run(times: grid.times)
        #expect(simulated.generalisationError.allSatisfy { $0.allSatisfy { $0 > 0 } })
        #expect(simulated.generalisationError.allSatisfy { $0.last! < 1e-11 })
        #expect(simulated.statistics(of: \.generalisationError).mean.allSatisfy { $0 > 0 })
    }

    @Test func classificationErrorFromTheOrthogonalPartAgreesWithArccosWhereBothAreAccurate() {
        for (m, q, rho) in [(0.3, 0.5, 1.0), (-0.7, 1.2, 0.8), (0.0, 0.4, 1.0), (1.9, 4.0, 1.0)] {
            let s = q - m * m / rho
            let viaS = ClassifierIntegrals.classificationError(m: m, orthogonal: s, rho: rho)
            #expect(abs(viaS - ClassifierIntegrals.classificationError(m: m, q: q, rho: rho)) < 1e-12)
        }
        // A student at angle θ = 1e-9 from the teacher: ε_g = θ/π, which arccos(m/√(qρ)) rounds to 0.
        let theta = 1e-9, rho = 1.0
        let m = cos(theta), s = sin(theta) * sin(theta)
        #expect(abs(ClassifierIntegrals.classificationError(m: m, orthogonal: s, rho: rho) / (theta / .pi) - 1) < 1e-12)
        #expect(ClassifierIntegrals.classificationError(m: 0, orthogonal: 0, rho: 1) == 0.5)
    }
}
