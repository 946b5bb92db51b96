import Foundation
import Testing
@testable import OnlineTheory
import Scenarios

@Suite struct CommitteeFixedPointTests {
    static let scenario = try! CommitteeScenario(studentUnits: 2, teacherUnits: 2, learningRate: 1,
                                                 initialStudent: .diagonal(q0: 0.5, r0: 1e-8, studentUnits: 2, teacherUnits: 2))

    /// The symmetric plateau of K = M = 2 erf at η = 1, by Newton from the trajectory's plateau: R_in all equal, Q
    /// symmetric, a saddle with one unstable direction whose eigenvalue is the rate at which the symmetry breaking
    /// R₁₁ − R₁₂ of a trajectory from r0 = 1e-8 grows there — an independent route, measured from the ODE's solution
    /// (d ln(R₁₁ − R₁₂)/dt over t ∈ [200, 250], 0.0589 against 0.0591).
    @Test func plateauIsASaddleWhoseUnstableRateIsTheEscapeRate() throws {
        let solution = try CommitteeTheory(scenario: Self.scenario).solve(times: [0, 200, 250])
        let start = solution.states[0]
        let search = CommitteeFixedPointSearch(scenario: Self.scenario, initial: start)
        let layout = search.ode.layout
        let root = try #require(search.newton(from: layout.state(of: solution.states[1])))
        let p = layout.parameters(root[...], fixed: start)
        #expect(p.r.allSatisfy { abs($0 - p.r[0]) < 1e-9 } && abs(p.q[0] - p.q[3]) < 1e-9, "R = \(p.r), Q = \(p.q)")
        #expect(search.velocity(root).allSatisfy { abs($0) <= 1e-12 })
        let mu = try search.eigenvalues(at: root)
        let kind = SpectrumKind(mu)
        #expect(kind.unstableDirections == 1 && kind.description.hasPrefix("saddle"), "\(mu)")
        let gap = solution.states.map { $0.r[0] - $0.r[1] }
        let measured = log(gap[2] / gap[1]) / 50
        let leading = mu.map(\.re).max()!
        #expect(abs(measured / leading - 1) < 0.01, "measured \(measured), eigenvalue \(leading)")
    }

    /// At perfect learning (on the boundary of the cone) erf's closed forms are analytic across it, so central
    /// differences there give `CommitteeStability`'s spectrum (one-sided differences into the cone): the two routes agree.
    @Test func perfectLearningSpectrumMatchesTheStabilityAnalysis() throws {
        let stability = CommitteeStability(scenario: Self.scenario)
        let reference = try stability.eigenvalues(learningRate: 1).map(\.re).sorted()
        let search = CommitteeFixedPointSearch(scenario: Self.scenario, initial: stability.fixedPoint)
        let central = try search.eigenvalues(at: search.ode.layout.state(of: stability.fixedPoint)).map(\.re).sorted()
        #expect(central.count == reference.count)
        for (a, b) in zip(central, reference) { #expect(abs(a - b) < 1e-6, "\(central) vs \(reference)") }
        #expect(SpectrumKind(central.map { ($0, 0) }).isStable)
    }

    @Test func linearSolveMatchesAKnownSystem() throws {
        // A permutation-heavy 3 × 3 system: pivoting needed (a zero on the diagonal).
        let a = [0.0, 2, 1, 1, 1, 1, 2, 1, 0], x = [1.0, -2, 3]
        let b = (0..<3).map { i in (0..<3).reduce(0.0) { $0 + a[i * 3 + $1] * x[$1] } }
        let solved = try #require(CommitteeFixedPointSearch.solve(a, b, n: 3))
        for (u, v) in zip(solved, x) { #expect(abs(u - v) < 1e-14) }
        #expect(CommitteeFixedPointSearch.solve([1, 2, 2, 4], [1, 1], n: 2) == nil)
    }
}
