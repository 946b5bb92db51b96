import Foundation
import GaussianIntegrals
import Testing
@testable import OnlineSimulation
import OnlineTheory
import Scenarios

@Suite struct CommitteeSimulationTests {
    static func diagonal(_ k: Int, _ m: Int, q0: Double, r0: Double) -> StudentInitialisation {
        .diagonal(q0: q0, r0: r0, studentUnits: k, teacherUnits: m)
    }

    @Test(arguments: [TeacherSpecification.orthonormal, .overlap([1, 0.3, 0.3, 0.8]), .random])
    func studentsAreBuiltWithTheRequestedOverlaps(teacher: TeacherSpecification) throws {
        let q = [0.5, 0.1, 0.1, 0.4], r = [0.2, 0.05, -0.1, 0.3]
        let scenario = try CommitteeScenario(
            studentUnits: 2, teacherUnits: 2, learningRate: 0.5, teacher: teacher, initialStudent: .overlaps(q: q, r: r))
        let result = try CommitteeSimulator(scenario: scenario, dimension: 400, seeds: 2).run(times: [0, 0.01])
        for seed in 0..<2 {
            let start = result.states[seed][0]
            for (a, b) in zip(start.q, q) { #expect(abs(a - b) < 1e-10) }
            for (a, b) in zip(start.r, r) { #expect(abs(a - b) < 1e-10) }
            if case .random = teacher {
                #expect(abs(start.t[0] - 1) < 0.3 && abs(start.t[1]) < 0.3)
            } else {
                for (a, b) in zip(start.t, teacher.expectedOverlap(units: 2)) { #expect(abs(a - b) < 1e-10) }
            }
        }
    }

    @Test func randomStudentHasTheRequestedVariance() throws {
        let scenario = try CommitteeScenario(studentUnits: 3, teacherUnits: 2, learningRate: 0.5, initialStudent: .random(variance: 0.25))
        let result = try CommitteeSimulator(scenario: scenario, dimension: 2000, seeds: 1).run(times: [0])
        let start = result.states[0][0]
        for i in 0..<3 { #expect(abs(start.q[i * 3 + i] - 0.25) < 0.03) }
        for value in start.r { #expect(abs(value) < 0.1) }
    }

    @Test func resultsDoNotDependOnThreadsOrOrder() throws {
        let scenario = try CommitteeScenario(
            studentUnits: 2, teacherUnits: 2, learningRate: 0.8, secondLayerLearningRate: 0.3, noiseVariance: 0.01,
            initialStudent: Self.diagonal(2, 2, q0: 0.2, r0: 0.1))
        let sim = try CommitteeSimulator(scenario: scenario, dimension: 100, seeds: 3, seed: 5)
        let grid = try OutputGrid(times: [0, 0.5, 1], dimension: 100)
        let parallel = try sim.run(times: [0, 0.5, 1])
        for seed in [2, 0, 1] {
            let alone = try sim.runSeed(seed, grid: grid, counter: nil)
            #expect(alone.states == parallel.states[seed])
        }
        #expect(parallel.states[0][2] != parallel.states[1][2])
        #expect(parallel.states[0][2].v != [1, 1])
    }

    /// A linear committee with K = M = 1 and v = v* = 1 is linear regression with τ = η, m = R, q = Q, ρ = T:
    /// its simulation must follow the linear-regression ODE (an independent theory).
    @Test func linearUnitFollowsTheLinearRegressionODE() throws {
        let scenario = try CommitteeScenario(
            studentUnits: 1, teacherUnits: 1, studentActivation: .linear, learningRate: 0.6, noiseVariance: 0.05,
            weightDecay: 0.02, initialStudent: .overlaps(q: [0.3], r: [0.1]))
        let simulated = try CommitteeSimulator(scenario: scenario, dimension: 800, seeds: 8, seed: 11)
            .run(times: (0...20).map { Double($0) * 0.4 })
        #expect(simulated.divergence == nil)
        let linear = try LinearRegressionScenario(
            learningRate: 0.6, noiseVariance: 0.05, weightDecay: 0.02, initialOverlap: 0.1, initialSelfOverlap: 0.3)
        let theory = try LinearRegressionTheory(scenario: linear).solve(times: simulated.grid.times)
        let r = simulated.entryStatistics(of: \.r), q = simulated.entryStatistics(of: \.q)
        for k in 1..<theory.times.count {
            #expect(abs(r[0].mean[k] - theory.m[k]) < 5 * r[0].standardError[k] + 1e-3, "R at t = \(theory.times[k])")
            #expect(abs(q[0].mean[k] - theory.q[k]) < 5 * q[0].standardError[k] + 1e-3, "Q at t = \(theory.times[k])")
        }
    }

    @Test func divergenceIsReportedWithItsTime() throws {
        let scenario = try CommitteeScenario(
            studentUnits: 1, teacherUnits: 1, studentActivation: .linear, learningRate: 3,
            initialStudent: .overlaps(q: [0.5], r: [0]))
        let result = try CommitteeSimulator(scenario: scenario, dimension: 200, seeds: 2).run(times: (0...40).map { Double($0) })
        let divergence = try #require(result.divergence)
        #expect(divergence.time > 0 && divergence.time < 40)
        #expect(result.times.count < 41)
        #expect(result.states.allSatisfy { $0.allSatisfy { $0.q.allSatisfy(\.isFinite) } })
    }

    @Test func badInputIsRejected() throws {
        #expect(throws: ScenarioError.self) { try CommitteeScenario(studentUnits: 0, teacherUnits: 1, learningRate: 0.5) }
        #expect(throws: ScenarioError.self) {
            try CommitteeScenario(studentUnits: 2, teacherUnits: 2, learningRate: 0.5, teacher: .overlap([1, 2, 2, 1]))
        }
        #expect(throws: ScenarioError.self) {
            try CommitteeScenario(studentUnits: 1, teacherUnits: 1, learningRate: 0.5, initialStudent: .overlaps(q: [0.1], r: [0.9]))
        }
        #expect(throws: ActivationError.self) { try Activation.named("softplus2") }
        let scenario = try CommitteeScenario(studentUnits: 3, teacherUnits: 3, learningRate: 0.5)
        #expect(throws: ScenarioError.self) { try CommitteeSimulator(scenario: scenario, dimension: 5, seeds: 1) }
        #expect(throws: ScenarioError.self) { try CommitteeSimulator(scenario: scenario, dimension: 50, seeds: 0) }
    }
}

@Suite struct CommitteeSimulationVersusTheoryTests {
    static func scenario(_ activation: Activation) throws -> CommitteeScenario {
        try CommitteeScenario(
            studentUnits: 2, teacherUnits: 2, studentActivation: activation, learningRate: 0.5, noiseVariance: 0.01,
            initialStudent: .diagonal(q0: 0.5, r0: 0.3, studentUnits: 2, teacherUnits: 2))
    }

    /// K = M = 2 at d = 1000 (8 seeds, t ≤ 10): R, Q and ε_g within a few standard errors of the ODE.
    /// (The release-mode validation at d = 2000 up to t = 40 is `Benchmarks`' `validate-committee`.)
    @Test(arguments: ["erf", "relu"])
    func simulationFollowsTheODE(activation: String) throws {
        let scenario = try Self.scenario(try Activation.named(activation))
        let simulated = try CommitteeSimulator(scenario: scenario, dimension: 1000, seeds: 8, seed: 3)
            .run(times: (0...20).map { Double($0) * 0.5 })
        let theory = CommitteeTheory(scenario: scenario)
        let curve = try theory.solve(times: simulated.grid.times, from: simulated.meanInitialState)
        let eg = simulated.statistics { theory.generalisationError($0) }
        expectCommitteeAgreement(simulated, curve, CommitteeObservables.overlaps, sigmas: 5, slack: 2e-3, label: "\(activation) ")
        for k in 1..<curve.times.count {
            #expect(abs(eg.mean[k] - curve.generalisationError[k]) < 5 * eg.standardError[k] + 1e-3)
        }
    }

    /// The per-seed distance to the ODE shrinks like d^(−1/2).
    @Test func deviationShrinksWithDimension() throws {
        let scenario = try Self.scenario(.erf)
        var deviations: [Double] = []
        let dimensions = [200, 800, 3200]
        for d in dimensions {
            let simulated = try CommitteeSimulator(scenario: scenario, dimension: d, seeds: 6, seed: 17).run(times: [0, 0.5, 1, 1.5, 2])
            let curve = try CommitteeTheory(scenario: scenario).solve(times: simulated.grid.times)
            var total = 0.0
            for run in simulated.states {
                for k in 1..<curve.times.count {
                    for e in 0..<4 { total += pow(run[k].r[e] - curve.states[k].r[e], 2) + pow(run[k].q[e] - curve.states[k].q[e], 2) }
                }
            }
            deviations.append((total / Double(simulated.states.count * 8 * (curve.times.count - 1))).squareRoot())
        }
        let slope = log(deviations[2] / deviations[0]) / log(Double(dimensions[2]) / Double(dimensions[0]))
        #expect(slope > -0.75 && slope < -0.3, "deviations \(deviations), slope \(slope)")
    }
}

/// A student that already is its teacher (Q = R = T, perfect learning) has a vanishing Schur complement
/// Q − R T⁻¹ Rᵀ; rounding must not make the simulator reject it.
@Suite struct PerfectLearningStartTests {
    @Test(arguments: [TeacherSpecification.orthonormal, .overlap([1, 0.3, 0.3, 0.8])])
    func perfectStudentIsBuiltExactly(teacher: TeacherSpecification) throws {
        let t = teacher.expectedOverlap(units: 2)
        let scenario = try CommitteeScenario(
            studentUnits: 2, teacherUnits: 2, learningRate: 0.5, teacher: teacher, initialStudent: .overlaps(q: t, r: t))
        let result = try CommitteeSimulator(scenario: scenario, dimension: 200, seeds: 2).run(times: [0, 0.05])
        for seed in 0..<2 {
            let start = result.states[seed][0]
            for (a, b) in zip(start.q, t) { #expect(abs(a - b) < 1e-10) }
            for (a, b) in zip(start.r, t) { #expect(abs(a - b) < 1e-10) }
        }
        // Noise-free, a perfect student stays perfect: the error Δ = φ* − φ is zero at every step.
        let last = result.states[0].last!
        for (a, b) in zip(last.q, t) { #expect(abs(a - b) < 1e-10) }
    }

    /// One unit learned (Q_00 = R_00 = 1), the other not: a partly singular complement.
    @Test func partlyPerfectStudentIsBuiltExactly() throws {
        let q = [1, 0, 0, 0.5], r = [1, 0, 0, 0.1]
        let scenario = try CommitteeScenario(studentUnits: 2, teacherUnits: 2, learningRate: 0.5, initialStudent: .overlaps(q: q, r: r))
        let start = try CommitteeSimulator(scenario: scenario, dimension: 200, seeds: 1).run(times: [0]).states[0][0]
        for (a, b) in zip(start.q, q) { #expect(abs(a - b) < 1e-10) }
        for (a, b) in zip(start.r, r) { #expect(abs(a - b) < 1e-10) }
    }

    /// Overlaps no student can have are still rejected (Q_11 below R_11²).
    @Test func unrealisableStudentIsRejected() {
        #expect(throws: ScenarioError.self) {
            try CommitteeScenario(studentUnits: 2, teacherUnits: 2, learningRate: 0.5,
                                  initialStudent: .overlaps(q: [1, 0, 0, 0.5], r: [1, 0, 0, 0.9]))
        }
    }
}
