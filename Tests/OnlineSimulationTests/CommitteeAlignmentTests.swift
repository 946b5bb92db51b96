import Foundation
import GaussianIntegrals
import OnlineSimulation
import OnlineTheory
import Randomness
import Scenarios
import Testing

@Suite struct CommitteeAlignmentTests {
    /// The Hungarian method finds the cheapest assignment: the same total as trying every permutation.
    @Test func assignmentMatchesBruteForce() {
        func permutations(_ n: Int) -> [[Int]] {
            if n == 0 { return [[]] }
            return permutations(n - 1).flatMap { p in (0...p.count).map { i in var q = p; q.insert(n - 1, at: i); return q } }
        }
        var rng = Xoshiro256(seed: 3)
        for n in 1...6 {
            for _ in 0..<20 {
                let cost = (0..<(n * n)).map { _ in rng.nextGaussian() + (rng.nextUniform() < 0.2 ? 5 : 0) }
                let found = CommitteeAlignment.assignment(cost: cost, size: n)
                #expect(Set(found) == Set(0..<n))
                let total = (0..<n).reduce(0.0) { $0 + cost[$1 * n + found[$1]] }
                let best = permutations(n).map { p in (0..<n).reduce(0.0) { $0 + cost[$1 * n + p[$1]] } }.min()!
                #expect(abs(total - best) < 1e-12, "n = \(n): \(total) vs \(best)")
            }
        }
    }

    /// A K = 3, M = 3 erf theory trajectory with a trained second layer; seeds that are relabelled copies of it (unit
    /// permutations, and sign flips (w_i, v_i) → (−w_i, −v_i), exact symmetries of an odd activation) plus noise.
    /// Alignment undoes each relabelling on the whole trajectory, and ε_g of every state is unchanged by it.
    @Test func constructedPermutedRunIsRealigned() throws {
        let k = 3
        let r0 = [0.30, 0.05, 0.00, 0.02, 0.25, 0.04, 0.01, 0.03, 0.20]
        let scenario = try CommitteeScenario(
            studentUnits: k, teacherUnits: k, learningRate: 0.8, secondLayerLearningRate: 0.3,
            initialSecondLayer: [0.8, 1.0, 1.2], initialStudent: .overlaps(q: [0.5, 0.05, 0, 0.05, 0.5, 0, 0, 0, 0.5], r: r0))
        let theory = CommitteeTheory(scenario: scenario)
        let times = stride(from: 0.0, through: 30, by: 1.5).map { $0 }
        let solved = try theory.solve(times: times)
        let relabellings = [
            UnitAlignment(permutation: [0, 1, 2], signs: [1, 1, 1]), UnitAlignment(permutation: [2, 0, 1], signs: [1, 1, 1]),
            UnitAlignment(permutation: [1, 0, 2], signs: [-1, 1, -1]), UnitAlignment(permutation: [2, 1, 0], signs: [1, -1, 1]),
        ]
        var rng = Xoshiro256(seed: 11)
        // A seed stored as `relabelling` applied to the theory: unit i of the stored seed is s_i × theory unit π(i).
        let seeds = relabellings.map { relabelling in
            solved.states.map { state -> CommitteeOrderParameters in
                var noisy = relabelling.apply(state)
                for e in noisy.r.indices { noisy.r[e] += 0.003 * rng.nextGaussian() }
                return noisy
            }
        }
        let grid = try OutputGrid(times: times, dimension: 1000)
        let simulation = CommitteeSimulationResult(grid: grid, states: seeds, divergence: nil)
        let found = simulation.alignments(to: solved.states, rule: CommitteeAlignment(scenario: scenario))
        #expect(CommitteeAlignment(scenario: scenario).allowsSigns)
        for (a, relabelling) in zip(found, relabellings) {
            // The found alignment inverts the relabelling: applying both gives the identity.
            let undone = a.alignment.apply(relabelling.apply(solved.states.last!))
            for (x, y) in zip(undone.r + undone.q + undone.v, solved.states.last!.r + solved.states.last!.q + solved.states.last!.v) {
                #expect(abs(x - y) < 1e-12)
            }
            #expect(a.alignment.isIdentity == relabelling.isIdentity)
            #expect(a.decidedAt == grid.times.last!)
        }
        let aligned = simulation.aligned(found.map(\.alignment))
        for (seed, trajectory) in aligned.states.enumerated() {
            for (time, state) in trajectory.enumerated() {
                let reference = solved.states[time]
                for (x, y) in zip(state.r, reference.r) { #expect(abs(x - y) < 0.02, "seed \(seed) t index \(time)") }
                for (x, y) in zip(state.q + state.v, reference.q + reference.v) { #expect(abs(x - y) < 1e-12) }
                let before = theory.generalisationError(seeds[seed][time]), after = theory.generalisationError(state)
                #expect(abs(before - after) < 1e-12 * max(1, before))
            }
        }
    }

    /// With a fixed second layer, only units with equal v may be swapped, and signs are never flipped (not a
    /// symmetry); ReLU has no sign symmetry even with a trained second layer.
    @Test func onlyExactSymmetriesAreUsed() throws {
        let rule = CommitteeAlignment(allowsSigns: false, trainsSecondLayer: false)
        func state(r: [Double], v: [Double]) -> CommitteeOrderParameters {
            CommitteeOrderParameters(studentUnits: 2, teacherUnits: 2, q: [1, 0, 0, 1], r: r, t: [1, 0, 0, 1], v: v, vStar: [1, 1])
        }
        let reference = state(r: [0.9, 0, 0, 0.9], v: [1, 1])
        #expect(rule.best(state(r: [0, 0.9, 0.9, 0], v: [1, 1]), matching: reference).permutation == [1, 0])
        #expect(rule.best(state(r: [0, 0.9, 0.9, 0], v: [1, 2]), matching: state(r: [0.9, 0, 0, 0.9], v: [1, 2])).permutation == [0, 1])
        #expect(rule.best(state(r: [-0.9, 0, 0, 0.9], v: [1, 1]), matching: reference).signs == [1, 1])
        let relu = try CommitteeScenario(studentUnits: 2, teacherUnits: 2, studentActivation: .relu, learningRate: 0.5,
                                         secondLayerLearningRate: 0.5)
        #expect(!CommitteeAlignment(scenario: relu).allowsSigns)
        let erfFixed = try CommitteeScenario(studentUnits: 2, teacherUnits: 2, learningRate: 0.5)
        #expect(!CommitteeAlignment(scenario: erfFixed).allowsSigns)
        // A tie (an unspecialised state) keeps the identity.
        let symmetric = state(r: [0.4, 0.4, 0.4, 0.4], v: [1, 1])
        #expect(rule.best(symmetric, matching: symmetric).isIdentity)
    }

    /// K = 4 students, M = 2 teachers: the two extra units are told apart from the specialised ones by their R rows and
    /// norms, and the specialised ones by which teacher they match.
    @Test func extraUnitsOfAnOverparameterisedStudent() {
        let rule = CommitteeAlignment(allowsSigns: false, trainsSecondLayer: true)
        func state(_ rows: [[Double]], norms: [Double]) -> CommitteeOrderParameters {
            var q = [Double](repeating: 0, count: 16)
            for i in 0..<4 { q[i * 4 + i] = norms[i] }
            return CommitteeOrderParameters(studentUnits: 4, teacherUnits: 2, q: q, r: rows.flatMap { $0 }, t: [1, 0, 0, 1],
                                            v: [1, 1, 1, 1], vStar: [1, 1])
        }
        let reference = state([[0.9, 0], [0, 0.9], [0.1, 0.1], [0, 0]], norms: [1, 1, 0.3, 0.05])
        let seed = state([[0, 0.01], [0.11, 0.09], [0, 0.88], [0.91, 0]], norms: [0.06, 0.31, 0.98, 1.01])
        #expect(rule.best(seed, matching: reference).permutation == [3, 2, 1, 0])
    }
}
