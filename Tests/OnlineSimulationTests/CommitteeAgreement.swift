import OnlineSimulation
import OnlineTheory
import Scenarios
import Testing

/// The committee observables the simulation tests compare, by name.
enum CommitteeObservables {
    static var overlaps: [(String, KeyPath<CommitteeOrderParameters, [Double]>)] { [("R", \.r), ("Q", \.q)] }
    static var overlapsAndSecondLayer: [(String, KeyPath<CommitteeOrderParameters, [Double]>)] { overlaps + [("v", \.v)] }
}

/// Expects every entry of every observable's seed mean within `sigmas` standard errors + `slack` of the theory curve,
/// at every grid time after the start (the curve solved on the simulation's grid).
func expectCommitteeAgreement(_ simulated: CommitteeSimulationResult, _ curve: CommitteeTheoryResult,
                              _ observables: [(String, KeyPath<CommitteeOrderParameters, [Double]>)],
                              sigmas: Double, slack: Double, label: String = "", sourceLocation: SourceLocation = #_sourceLocation) {
    for (name, path) in observables {
        let stats = simulated.entryStatistics(of: path)
        for k in 1..<curve.times.count {
            for e in stats.indices {
                let deviation = abs(stats[e].mean[k] - curve.states[k][keyPath: path][e])
                #expect(deviation < sigmas * stats[e].standardError[k] + slack, "\(label)\(name)[\(e)] at t = \(curve.times[k])",
                        sourceLocation: sourceLocation)
            }
        }
    }
}
