import OnlineSimulation
import OnlineTheory
import Reporting

/// The velocity overlaps of scaled momentum in the output files, the same for every model that has them (linear
/// regression, the classifiers).
extension VelocityOverlaps {
    /// `theory.velocity` in `result.json`: {`a`, `b`, `c`} = v·w*/d, v·w/d, |v|²/d.
    var json: JSONValue { .object([("a", .numbers(a)), ("b", .numbers(b)), ("c", .numbers(c))]) }

    /// The CSV columns `a_theory`, `b_theory`, `c_theory`, padded to `rows`.
    func columns(rows: Int) -> [(String, [Double])] {
        [("a_theory", a.padded(to: rows)), ("b_theory", b.padded(to: rows)), ("c_theory", c.padded(to: rows))]
    }
}

extension LinearStudentEnsemble {
    /// `simulation.velocity` in `result.json`: {`mean` {`a`, `b`, `c`}, `stderr` {…}} over the seeds.
    var velocityJSON: JSONValue {
        let stats = [("a", a), ("b", b), ("c", c)].map { ($0.0, EnsembleStatistics(seeds: $0.1)) }
        return .object([("mean", .object(stats.map { ($0.0, .numbers($0.1.mean)) })),
                        ("stderr", .object(stats.map { ($0.0, .numbers($0.1.standardError)) }))])
    }
}
