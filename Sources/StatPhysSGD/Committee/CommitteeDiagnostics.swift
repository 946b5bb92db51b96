import OnlineSimulation
import Reporting
import Scenarios

extension CommitteeExperimentResult {
    /// The symmetry breaking of an initial state between the student units: max_n (max_i R_in − min_i R_in), the
    /// largest spread of a teacher unit's overlaps over the student units (0 when every student unit sees the
    /// teachers alike, the symmetric subspace the plateau lives in). nil for K = 1 or M = 1 (no specialisation).
    public static func symmetryBreaking(_ state: CommitteeOrderParameters) -> Double? {
        let k = state.studentUnits, m = state.teacherUnits
        guard k >= 2, m >= 2 else { return nil }
        return (0..<m).map { n in
            let column = (0..<k).map { state.r[$0 * m + n] }
            return column.max()! - column.min()!
        }.max()!
    }

    /// Each seed's deviation from `mean` of one matrix of its initial state: `result[seed][e] = state[e] − mean[e]`, the
    /// one loop behind the random-teacher spread and the initial scatter.
    static func deviations(_ states: [CommitteeOrderParameters], _ path: KeyPath<CommitteeOrderParameters, [Double]>,
                           from mean: [Double]) -> [[Double]] {
        states.map { state in zip(state[keyPath: path], mean).map { $0 - $1 } }
    }

    /// Warnings for comparisons outside the d → ∞ theory's reach (besides `ComparisonDiagnostics`'):
    /// - **finite-size plateau escape** (K, M ≥ 2): the start's symmetry breaking is below the O(1/√d) fluctuations
    ///   of the finite network, or seeds specialised to another assignment than their (common) initial overlaps
    ///   favour. The fluctuations, not the initial overlaps, then end each seed's symmetric plateau, earlier and
    ///   at scattered times, while the theory stays on it until its own tiny symmetry breaking has grown.
    /// - **random teacher** differing between seeds by more than 0.1 per row (Σ_m |T_nm − T̄_nm|, about
    ///   (M − 1)·0.8/√d): the theory uses the mean teacher, not each seed's.
    /// - **initial scatter**: random students whose initial overlaps differ between seeds by more than 0.1
    ///   (standard deviation of an entry of Q or R, relative to max(1, |Q_ii|)): the theory starts from their
    ///   mean, which describes none of them.
    public var warnings: [RunWarning] {
        guard let simulation, let raw = unalignedSimulation, let sim = experiment.simulation, let summary = comparisonSummary else {
            return []
        }
        let s = experiment.scenario, k = s.studentUnits, m = s.teacherUnits, d = Double(sim.dimension)
        var out = ComparisonDiagnostics.warnings(
            summary: summary, seeds: sim.seeds, requestedPoints: experiment.points, times: times,
            theoryCurves: [("eg", theory.generalisationError)]
                + (0..<(k * m)).map { e in (CommitteeIndexLabel.label("R", e / m, e % m, k: k, m: m), theory.states.map { $0.r[e] }) },
            theoryDivergence: theory.divergence?.time, simulationDivergence: simulation.divergence?.time)
        guard !raw.states.isEmpty, raw.states.allSatisfy({ !$0.isEmpty }) else { return out }
        let initial = raw.states.map { $0[0] }
        let fluctuation = 1 / d.squareRoot()
        let specified = s.specifiedInitialState != nil
        let relabelled = alignments.filter { a in
            let before = initial[a.seed], after = a.alignment.apply(before)
            return zip(before.r, after.r).contains { abs($0 - $1) > 1e-9 * max(1, abs($0)) }
        }
        if let breaking = Self.symmetryBreaking(theoryStart) {
            let weak = breaking < fluctuation
            if weak || (specified && !relabelled.isEmpty) {
                let amount = TextTable.format(breaking, digits: 3), scale = TextTable.format(fluctuation, digits: 3)
                let relation = weak ? "below" : "not far above"
                var message: String = "the theory starts from overlaps whose symmetry breaking between student units, "
                message += "max_n (max_i R_in - min_i R_in) = \(amount), is \(relation) the O(1/√d) = \(scale) fluctuations "
                message += "of the d = \(sim.dimension) network"
                if specified, !relabelled.isEmpty {
                    message += "; \(relabelled.count) of \(sim.seeds) seeds specialised to another assignment of teacher units than "
                        + "their initial overlaps favour (aligned before averaging, see simulation.alignment)"
                }
                let suggestion = TextTable.format(5 * fluctuation, digits: 2)
                message += ". Finite-size fluctuations, not the initial overlaps, then end each seed's symmetric plateau, "
                message += "earlier and at scattered times, while the d → ∞ theory stays on it until its own symmetry breaking has grown: "
                message += "the plateau and its escape are outside the theory's reach. Compare with a symmetry breaking well above "
                message += "1/√d (e.g. --r0 ≥ \(suggestion) at this d), or raise d"
                out.append(RunWarning(kind: "finite-size-plateau-escape", message))
            }
        }
        if case .random = s.teacher, m >= 2 {
            // max over seeds and rows n of Σ_j |T_nj − T̄_nj|, T̄ the theory's (mean) teacher.
            let spread = Self.deviations(initial, \.t, from: theoryStart.t).map { seed in
                (0..<m).map { n in (0..<m).reduce(0) { $0 + abs(seed[n * m + $1]) } }.max() ?? 0
            }.max() ?? 0
            if spread > 0.1 {
                let amount = TextTable.format(spread, digits: 3)
                var message: String = "the seeds' random teachers differ from their mean, which the theory uses, by up to "
                message += "\(amount) per row of T (M = \(m) units at d = \(sim.dimension): the off-diagonal T_nm ~ 1/√d add up over M); "
                message += "the theory describes the mean teacher, not each seed's. Use --teacher orthonormal, or d ≫ M²"
                out.append(RunWarning(kind: "random-teacher", message))
            }
        }
        if !specified, initial.count >= 2 {
            let scale = max(1, (0..<k).map { abs(theoryStart.q[$0 * k + $0]) }.max() ?? 1)
            // max over entries of the standard deviation over seeds.
            func scatter(_ path: KeyPath<CommitteeOrderParameters, [Double]>) -> Double {
                let count = initial[0][keyPath: path].count, seeds = Double(initial.count)
                let mean = (0..<count).map { e in initial.map { $0[keyPath: path][e] }.reduce(0, +) / seeds }
                let deviations = Self.deviations(initial, path, from: mean)
                return (0..<count).map { e in
                    (deviations.reduce(0) { $0 + $1[e] * $1[e] } / (seeds - 1)).squareRoot()
                }.max() ?? 0
            }
            let spread = max(scatter(\.q), scatter(\.r)) / scale
            if spread > 0.1 {
                let amount = TextTable.format(spread, digits: 3)
                var message: String = "the random initial students' overlaps scatter by \(amount) between seeds "
                message += "(d = \(sim.dimension) is small); the theory starts from their mean and describes none of them closely. "
                message += "Raise d or give the initial overlaps (--q0/--r0 or --init)"
                out.append(RunWarning(kind: "initial-scatter", message))
            }
        }
        return out
    }
}
