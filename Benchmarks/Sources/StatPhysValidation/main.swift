import Foundation
import StatPhysSGD

// Theory vs simulation at sizes too large for the debug test suite (release build).
// Prints, for growing d or N, the largest deviation and the largest |z| over the grid.
// Usage: statphys-validation [committee|dmft] (default: both).

let only = CommandLine.arguments.dropFirst().first

func report(_ label: String, _ deviation: Double, _ z: Double) {
    print(label.padding(toLength: 44, withPad: " ", startingAt: 0), String(format: "max |sim − theory| = %.2e   max |z| = %.1f", deviation, z))
}

// Committee machines, K = M = 2, t ≤ 40, 8 seeds, d = 500 … 8000.
for activation in [Activation.erf, .relu] where only == nil || only == "committee" {
    let scenario = try CommitteeScenario(
        studentUnits: 2, teacherUnits: 2, studentActivation: activation, learningRate: 0.5, noiseVariance: 0.01,
        initialStudent: .diagonal(q0: 0.5, r0: 0.3, studentUnits: 2, teacherUnits: 2))
    for d in [500, 2000, 8000] {
        let result = try CommitteeExperiment(scenario: scenario, tMax: 40, points: 41,
                                             simulation: SimulationSettings(dimension: d, seeds: 8, seed: 3)).run()
        let deviation = result.comparisons.map(\.maxAbsDeviation).max() ?? .nan
        let z = result.comparisons.map(\.maxAbsZScore).max() ?? .nan
        report("committee K = M = 2 \(activation.name), d = \(d)", deviation, z)
    }
}

// DMFT vs simulation over 60 steps, GD and SGD (b = 0.3), α = 3, η = 0.1, m0 = 0.3; and the spherical variant
// (x renormalised every step) at η = 0.2, m0 = 0.2, over 40 steps.
let dmftCases: [(b: Double, spherical: Bool)] = [(1, false), (0.3, false), (1, true), (0.3, true)]
for (b, spherical) in dmftCases where only == nil || only == "dmft" {
    let problem = spherical
        ? try SignalRecoveryProblem(alpha: 3, learningRate: 0.2, batchFraction: b, initialOverlap: 0.2, steps: 40, spherical: true)
        : try SignalRecoveryProblem(alpha: 3, learningRate: 0.1, batchFraction: b, initialOverlap: 0.3, steps: 60)
    let theory = DMFTSolver(problem: problem).solve()
    for n in [100, 200, 400] {
        let simulated = try SignalRecoverySimulator(problem: problem, dimension: n, seeds: n == 400 ? 4 : 8, seed: 5).run()
        var deviation = 0.0, z = 0.0
        for (values, curve) in [(simulated.m, theory.m), (simulated.ctt, theory.ctt), (simulated.energy, theory.energy)] {
            let stats = EnsembleStatistics(seeds: values)
            for t in 1...problem.steps {
                deviation = max(deviation, abs(stats.mean[t] - curve[t]))
                if stats.standardError[t] > 0 { z = max(z, abs(stats.mean[t] - curve[t]) / stats.standardError[t]) }
            }
        }
        report("DMFT\(spherical ? " spherical" : "") b = \(b), N = \(n)", deviation, z)
    }
}
