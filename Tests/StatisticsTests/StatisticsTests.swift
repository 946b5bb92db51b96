import Foundation
import Statistics
import Testing

@Suite struct EnsembleStatisticsTests {
    /// Mean and s/√n with the unbiased s, by hand: values 1, 3, 5 have s² = 4, so s/√3 = √(4/3).
    @Test func meanAndStandardError() {
        let stats = EnsembleStatistics(seeds: [[1, 2], [3, 2], [5, 2]])
        #expect(stats.mean == [3, 2])
        #expect(abs(stats.standardError[0] - (4.0 / 3).squareRoot()) < 1e-15)
        #expect(stats.standardError[1] == 0)
        #expect(stats.count == 2)
    }

    /// One seed has no spread; rows are cut to the shortest (a seed that diverged early).
    @Test func oneSeedAndRaggedRows() {
        #expect(EnsembleStatistics(seeds: [[2, 4]]).standardError == [0, 0])
        let ragged = EnsembleStatistics(seeds: [[1, 2, 3], [3, 4]])
        #expect(ragged.mean == [2, 3])
        #expect(EnsembleStatistics(seeds: []).count == 0)
    }

    /// `SeedEnsemble.statistics(of:)` is the statistics of the named per-seed trajectory.
    @Test func seedEnsembleStatistics() {
        struct Runs: SeedEnsemble {
            let x: [[Double]]
            var seedCount: Int { x.count }
        }
        let runs = Runs(x: [[0, 1], [2, 5]])
        #expect(runs.statistics(of: \.x) == EnsembleStatistics(seeds: runs.x))
        #expect(runs.statistics(of: \.x).mean == [1, 3])
        #expect(runs.statistics(of: \.x).standardError == [1, 2])
    }
}

@Suite struct StudentTTests {
    /// ν = 1 (Cauchy) and ν = 2 have elementary tails; ν → ∞ is the normal law.
    @Test func tailMatchesClosedForms() {
        for t in [0.0, 0.3, 1.0, 2.5, 10.0, 300.0] {
            #expect(abs(StudentT.twoSidedTail(t, degreesOfFreedom: 1) - (1 - 2 / Double.pi * atan(t))) < 1e-12, "ν = 1, t = \(t)")
            #expect(abs(StudentT.twoSidedTail(t, degreesOfFreedom: 2) - (1 - t / (2 + t * t).squareRoot())) < 1e-12, "ν = 2, t = \(t)")
            let normal = erfc(t / 2.0.squareRoot())
            #expect(abs(StudentT.twoSidedTail(t, degreesOfFreedom: 1e7) - normal) < 1e-5 * max(normal, 1e-10) + 1e-12, "ν → ∞, t = \(t)")
        }
    }

    /// Table values (two-sided 1% and 5%) and the inverse of the tail.
    @Test func criticalValuesMatchTables() {
        #expect(abs(StudentT.criticalValue(twoSidedTail: 0.01, degreesOfFreedom: 4) - 4.604095) < 1e-5)
        #expect(abs(StudentT.criticalValue(twoSidedTail: 0.05, degreesOfFreedom: 9) - 2.262157) < 1e-5)
        #expect(abs(StudentT.criticalValue(twoSidedTail: 0.01, degreesOfFreedom: 1) - 63.65674) < 1e-4)
        // ν = ∞: the normal law (predicted standard errors), 2.575829 at 1%, and the tail's value at 1e-7's root.
        #expect(abs(StudentT.criticalValue(twoSidedTail: 0.01, degreesOfFreedom: .infinity) - 2.575829) < 1e-5)
        #expect(abs(StudentT.twoSidedTail(2, degreesOfFreedom: .infinity) - 0.04550026389635842) < 1e-15)
        for nu in [1.0, 3, 4, 19] {
            for p in [0.5, 1e-3, 1e-7] {
                let t = StudentT.criticalValue(twoSidedTail: p, degreesOfFreedom: nu)
                #expect(abs(StudentT.twoSidedTail(t, degreesOfFreedom: nu) / p - 1) < 1e-9, "ν = \(nu), p = \(p)")
            }
        }
    }
}
