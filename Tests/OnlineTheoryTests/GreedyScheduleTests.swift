import Foundation
import Testing
@testable import OnlineTheory
import Scenarios

/// `--lr-schedule greedy`: the drift/noise split of the ODEs, the greedy rate against its closed form for linear
/// regression, the exact greedy learning curve (λ = 0), and the greedy run against scans of constant and inverse-time
/// schedules (linear regression and a K = M = 2 committee).
@Suite struct GreedyScheduleTests {
    /// The parabola f A + f² B on [lower, upper]: the vertex inside, clamped, or the better end point when concave.
    @Test func minimiserOfTheParabola() {
        typealias G = GreedyLearningRate<LinearRegressionErrorODE>
        #expect(G.minimiser(drift: -1, noise: 1, bounds: 0.1...2) == 0.5)
        #expect(G.minimiser(drift: -1, noise: 0.1, bounds: 0.1...2) == 2)       // vertex 5 clamped
        #expect(G.minimiser(drift: 1, noise: 1, bounds: 0.1...2) == 0.1)        // ε_g rises at every rate: the floor
        #expect(G.minimiser(drift: -1, noise: 0, bounds: 0.1...2) == 2)
        #expect(G.minimiser(drift: -1, noise: -1, bounds: 0.1...2) == 2)
        #expect(G.minimiser(drift: 3, noise: -1, bounds: 0.1...4) == 4)         // concave: g(4) = −4 < g(0.1)
        #expect(G.minimiser(drift: .nan, noise: 1, bounds: 0.1...2) == 0.1)
    }

    static func scenario(lr: Double, noise: Double, decay: Double = 0, schedule: LearningRateSchedule = .constant, q0: Double = 0) throws -> LinearRegressionScenario {
        try LinearRegressionScenario(optimiser: try Optimiser(learningRate: lr, schedule: schedule), noiseVariance: noise,
                                     weightDecay: decay, initialSelfOverlap: q0)
    }

    /// With weight decay the tabulated greedy rate is the closed-form vertex τ* = [2(1+λ)e − λ(ρ − m)]/(2e + σ²)
    /// (where it lies inside the bounds) along the trajectory the theory then integrates with that schedule.
    @Test func linearRegressionGreedyRateIsTheClosedFormVertex() throws {
        let (noise, decay) = (0.3, 0.2)
        var scenario = try Self.scenario(lr: 2, noise: noise, decay: decay, q0: 0.5)
        let schedule = try LinearRegressionTheory(scenario: scenario).greedySchedule(rateBounds: 0.01...2, tEnd: 20)
        scenario.optimiser.schedule = schedule
        let times = (0...40).map { Double($0) * 0.5 }
        let solved = try LinearRegressionTheory(scenario: scenario).solve(times: times)
        var inside = 0
        for (k, t) in solved.times.enumerated() {
            let e = solved.generalisationError[k], m = solved.m[k]
            let vertex = (2 * (1 + decay) * e - decay * (1 - m)) / (2 * e + noise)
            let expected = min(max(vertex, 0.01), 2)
            #expect(abs(scenario.optimiser.rate(at: t) - expected) < 1e-5 * max(1, expected), "t = \(t)")
            if vertex > 0.01 && vertex < 2 { inside += 1 }
        }
        #expect(inside > 30)
    }

    /// λ = 0: τ* = 2e/(2e + σ²) gives de/dt = −2e²/(2e + σ²), solved exactly by t = σ²/(2e) − σ²/(2e₀) + ln(e₀/e);
    /// late, e ≈ σ²/(2(t + σ²/(2e₀) − ln(e₀/e))) → σ²/(2t).
    @Test func linearRegressionGreedyCurveIsExact() throws {
        let noise = 0.5, tEnd = 200.0
        var scenario = try Self.scenario(lr: 1, noise: noise)
        scenario.optimiser.schedule = try LinearRegressionTheory(scenario: scenario).greedySchedule(rateBounds: 1e-6...1, tEnd: tEnd)
        let times = [0, 1, 5, 20, 50, 100, 200.0]
        let solved = try LinearRegressionTheory(scenario: scenario).solve(times: times)
        let e0 = solved.generalisationError[0]
        for (k, t) in times.enumerated().dropFirst() {
            let e = solved.generalisationError[k]
            let implicit = noise / (2 * e) - noise / (2 * e0) + log(e0 / e)
            #expect(abs(implicit - t) < 1e-5 * t, "t = \(t): implicit time \(implicit)")
        }
        let late = solved.generalisationError.last!
        // The leading term and its correction: 2te/σ² = 1 + 2e(ln(e₀/e) − σ²/(2e₀))/σ² exactly, ≈ 1 + ln(2te₀/σ²)/t.
        #expect(abs(2 * tEnd * late / noise - 1) < 0.05)
        #expect(abs(2 * tEnd * late / noise - (1 + 2 * late * (log(e0 / late) - noise / (2 * e0)) / noise)) < 1e-5)
    }

    /// The greedy e_g(t_max) is below that of every constant rate and every inverse-time schedule η₀/(1 + t/T₀) of a
    /// scan (greedy is globally optimal for this one-dimensional reduction).
    @Test func linearRegressionGreedyBeatsConstantAndInverseScans() throws {
        let noise = 0.2, tEnd = 30.0
        var greedy = try Self.scenario(lr: 1, noise: noise)
        greedy.optimiser.schedule = try LinearRegressionTheory(scenario: greedy).greedySchedule(rateBounds: 1e-4...1, tEnd: tEnd)
        let best = try LinearRegressionTheory(scenario: greedy).solve(times: [0, tEnd]).generalisationError[1]
        var rivals: [(String, Double)] = []
        for lr in stride(from: 0.02, through: 1.0, by: 0.02) {
            rivals.append(("constant \(lr)", try LinearRegressionTheory(scenario: try Self.scenario(lr: lr, noise: noise)).solve(times: [0, tEnd]).generalisationError[1]))
            for t0 in [0.25, 0.5, 1, 2, 4, 8] {
                let theory = LinearRegressionTheory(scenario: try Self.scenario(lr: lr, noise: noise, schedule: try .inverse(timeScale: t0)))
                rivals.append(("inverse \(lr)/(1 + t/\(t0))", try theory.solve(times: [0, tEnd]).generalisationError[1]))
            }
        }
        for (name, error) in rivals { #expect(best <= error, "\(name): \(error) < greedy \(best)") }
        // … and the best of them is close (the scan contains near-optimal 1/t schedules).
        #expect(rivals.map(\.1).min()! < 1.5 * best)
    }

    /// A K = M = 2 erf committee with label noise: the greedy ε_g(t_max) is at most the best constant rate of a scan.
    @Test func committeeGreedyBeatsConstantRates() throws {
        func scenario(_ lr: Double) throws -> CommitteeScenario {
            try CommitteeScenario(studentUnits: 2, teacherUnits: 2, learningRate: lr, noiseVariance: 0.05,
                                  initialStudent: .diagonal(q0: 0.5, r0: 0.2, studentUnits: 2, teacherUnits: 2))
        }
        let tEnd = 40.0
        var greedy = try scenario(1.5)
        greedy.optimiser.schedule = try CommitteeTheory(scenario: greedy).greedySchedule(rateBounds: 0.01...1.5, tEnd: tEnd)
        let best = try CommitteeTheory(scenario: greedy).solve(times: [0, tEnd]).generalisationError[1]
        for lr in [0.05, 0.1, 0.2, 0.4, 0.7, 1.0, 1.5] {
            let error = try CommitteeTheory(scenario: try scenario(lr)).solve(times: [0, tEnd]).generalisationError[1]
            #expect(best <= error, "constant \(lr): \(error) < greedy \(best)")
        }
    }
}
