import Foundation
import StatPhysSGD
import Testing

@Suite struct CommitteeAlignmentRunTests {
    /// A real run whose seeds specialise differently: K = M = 2 erf from R(0) = 10⁻⁴ I at d = 100, where the O(1/√d)
    /// fluctuations, not r0, decide each seed's assignment. Some seeds are relabelled and some are not; after
    /// alignment the mean R is specialised (R11, R22 ≫ R12, R21) where the unaligned mean mixes the assignments;
    /// ε_g of every seed is unchanged; Q, R, v of each seed are transformed by one permutation at every time;
    /// and the finite-size plateau escape is warned about.
    @Test func seedsThatSpecialiseDifferentlyAreAligned() throws {
        let scenario = try CommitteeScenario(
            studentUnits: 2, teacherUnits: 2, learningRate: 1, initialStudent: .diagonal(q0: 0.2, r0: 1e-4, studentUnits: 2, teacherUnits: 2))
        let experiment = CommitteeExperiment(scenario: scenario, tMax: 150, points: 31, simulation: SimulationSettings(dimension: 100, seeds: 8))
        let result = try experiment.run()
        let relabelled = result.alignments.filter { !$0.alignment.isIdentity }
        #expect(!relabelled.isEmpty && relabelled.count < 8, "\(relabelled.count) of 8 seeds relabelled")
        let aligned = try #require(result.simulation), raw = try #require(result.unalignedSimulation)
        let last = aligned.states[0].count - 1
        let mean = aligned.entryStatistics(of: \.r).map { $0.mean[last] }, rawMean = raw.entryStatistics(of: \.r).map { $0.mean[last] }
        #expect(mean[0] - mean[1] > 0.4 && mean[3] - mean[2] > 0.4, "aligned mean R = \(mean)")
        #expect(abs(rawMean[0] - rawMean[1]) < mean[0] - mean[1] - 0.2, "unaligned mean R = \(rawMean)")
        let model = CommitteeTheory(scenario: scenario)
        for seed in 0..<8 {
            let a = result.alignments[seed].alignment
            for time in [0, last / 2, last] {
                let before = raw.states[seed][time], after = aligned.states[seed][time]
                #expect(abs(model.generalisationError(before) - model.generalisationError(after)) < 1e-12)
                for i in 0..<2 {
                    for j in 0..<2 { #expect(after.q[i * 2 + j] == before.q[a.permutation[i] * 2 + a.permutation[j]]) }
                    for n in 0..<2 { #expect(after.r[i * 2 + n] == before.r[a.permutation[i] * 2 + n]) }
                }
            }
            #expect(result.alignments[seed].decidedAt == aligned.times.last)
        }
        #expect(result.warnings.contains { $0.kind == "finite-size-plateau-escape" && $0.message.contains("of 8 seeds specialised") })
        let json = result.json.serialized()
        #expect(json.contains("\"alignment\"") && json.contains("\"permutation\": [2, 1]"))
    }

    /// A random teacher and random students at d = 20: the seeds' teachers and initial overlaps differ, and the two
    /// warnings report the amounts computed here independently from the seeds' initial states: max over seeds and
    /// rows of Σ_j |T_nj − T̄_nj| (T̄ the theory's teacher), and the largest standard deviation over seeds of an
    /// entry of Q or R, relative to max(1, max_i |Q_ii|).
    @Test func randomTeachersAndStudentsReportTheirSpread() throws {
        let scenario = try CommitteeScenario(studentUnits: 2, teacherUnits: 3, learningRate: 0.5, teacher: .random)
        let experiment = CommitteeExperiment(scenario: scenario, tMax: 1, points: 5, simulation: SimulationSettings(dimension: 20, seeds: 4))
        let result = try experiment.run()
        let raw = try #require(result.unalignedSimulation), start = result.theoryStart
        let initial = raw.states.map { $0[0] }
        var teacherSpread = 0.0
        for state in initial {
            for n in 0..<3 { teacherSpread = max(teacherSpread, (0..<3).map { abs(state.t[n * 3 + $0] - start.t[n * 3 + $0]) }.reduce(0, +)) }
        }
        var scatter = 0.0
        for path in [\CommitteeOrderParameters.q, \.r] {
            for e in initial[0][keyPath: path].indices {
                let values = initial.map { $0[keyPath: path][e] }, mu = values.reduce(0, +) / 4
                scatter = max(scatter, (values.map { ($0 - mu) * ($0 - mu) }.reduce(0, +) / 3).squareRoot())
            }
        }
        scatter /= max(1, abs(start.q[0]), abs(start.q[3]))
        let teacher = try #require(result.warnings.first { $0.kind == "random-teacher" })
        #expect(teacher.message.contains("by up to \(TextTable.format(teacherSpread, digits: 3)) per row"), "\(teacher.message) vs \(teacherSpread)")
        let students = try #require(result.warnings.first { $0.kind == "initial-scatter" })
        #expect(students.message.contains("scatter by \(TextTable.format(scatter, digits: 3)) between"), "\(students.message) vs \(scatter)")
    }

    /// The same scenario with r0 well above 1/√d: no seed is relabelled, no plateau warning, and the run agrees.
    @Test func aStrongStartNeedsNoAlignment() throws {
        let scenario = try CommitteeScenario(
            studentUnits: 2, teacherUnits: 2, learningRate: 1, initialStudent: .diagonal(q0: 0.3, r0: 0.5, studentUnits: 2, teacherUnits: 2))
        let experiment = CommitteeExperiment(scenario: scenario, tMax: 20, points: 21, simulation: SimulationSettings(dimension: 100, seeds: 6))
        let result = try experiment.run()
        #expect(result.alignments.allSatisfy { $0.alignment.isIdentity })
        #expect(!result.warnings.contains { $0.kind == "finite-size-plateau-escape" })
        #expect(result.comparisonSummary?.verdict == .agrees)
    }
}
