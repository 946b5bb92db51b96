import DMFT
import OnlineSimulation
import Reporting

extension DMFTExperimentResult {
    /// DMFT vs the finite-N simulation for m, C(t,t), Δ and e at every step, with verdicts (`AgreementCriterion`,
    /// over seeds); nil without a simulation. The DMFT is discrete in time and compared
    /// at every step, so there is no grid to be too coarse.
    public var comparisonSummary: ComparisonSummary? {
        guard let simulation, let sim = experiment.simulation else { return nil }
        let stats = statistics(simulation), eta = problem.learningRate
        return ComparisonSummary(
            [("m", theory.m, stats.m), ("Ctt", theory.ctt, stats.ctt), ("Delta", theory.delta, stats.delta),
             ("e", theory.energy, stats.energy)],
            seeds: sim.seeds, times: theory.steps.map { Double($0) * eta },
            theoryDiverged: theory.divergence.map { Double($0) * eta }, simulationDiverged: simulation.divergence.map { Double($0) * eta })
    }

    /// What the user must know to read the comparison (`ComparisonDiagnostics`: too few seeds, one-sided divergence).
    public var warnings: [RunWarning] {
        guard let summary = comparisonSummary, let sim = experiment.simulation else { return [] }
        let eta = problem.learningRate
        var out = ComparisonDiagnostics.warnings(
            summary: summary, seeds: sim.seeds, requestedPoints: theory.steps.count, times: theory.steps.map { Double($0) * eta },
            theoryCurves: [], theoryDivergence: theory.divergence.map { Double($0) * eta },
            simulationDivergence: simulation?.divergence.map { Double($0) * eta })
        if let split = seedSplitWarning { out.append(split) }
        return out
    }

    /// Each seed's relaxation step under the experiment's criterion (`nil` for a seed that never met it); empty
    /// without a simulation.
    public var seedRelaxationSteps: [Int?] {
        guard let simulation else { return [] }
        return zip(simulation.m, simulation.delta).map { experiment.criterion.relaxationStep(m: $0, delta: $1) }
    }

    /// When the seeds split into those that relaxed and those that did not (at finite N a seed can stay near m ≈ 0
    /// or in a spurious minimum where the N → ∞ dynamics recovers), the seed mean is a mixture of two outcomes: its
    /// standard error, not the theory, decides the comparison, and the mean curve follows neither population.
    var seedSplitWarning: RunWarning? {
        let steps = seedRelaxationSteps
        let stuck = steps.filter { $0 == nil }.count
        guard stuck > 0, stuck < steps.count else { return nil }
        let relaxed = steps.compactMap { $0 }
        let theoryText = relaxationStep.map { "the DMFT relaxes at step \($0)" } ?? "the DMFT does not relax by T"
        let n = experiment.simulation?.dimension ?? 0
        return RunWarning(kind: "seeds-split",
            "\(stuck) of \(steps.count) seeds did not relax within the run (criterion: \(experiment.criterion.description)), the others did (steps "
            + "\(relaxed.min()!)–\(relaxed.max()!)), while \(theoryText): at N = \(n) a finite system can stay away from "
            + "the signal (m ≈ 0, or a spurious minimum) where the N → ∞ dynamics recovers, so the seed mean mixes two "
            + "outcomes and its large standard error, not the theory, decides the verdict; see relaxation.seed_steps, and "
            + "use a larger --N or a larger --m0")
    }
}
