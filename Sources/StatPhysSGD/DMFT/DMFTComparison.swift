import DMFT
import OnlineSimulation
import Reporting

extension DMFTExperimentResult {
    /// DMFT vs the finite-N simulation for m, C(t,t), Δ and e at every step, with verdicts (`AgreementCriterion`,
    /// the samples playing the seeds' part); nil without a simulation. The DMFT is discrete in time and compared
    /// at every step, so there is no grid to be too coarse.
    public var comparisonSummary: ComparisonSummary? {
        guard let simulation, let sim = experiment.simulation else { return nil }
        let stats = statistics(simulation), eta = problem.learningRate
        func ensemble(_ s: SampleStatistics) -> EnsembleStatistics { EnsembleStatistics(mean: s.mean, standardError: s.standardError) }
        return ComparisonSummary(
            [("m", theory.m, ensemble(stats.m)), ("Ctt", theory.ctt, ensemble(stats.ctt)),
             ("Delta", theory.delta, ensemble(stats.delta)), ("e", theory.energy, ensemble(stats.energy))],
            seeds: sim.samples, times: theory.steps.map { Double($0) * eta },
            theoryDiverged: theory.divergence.map { Double($0) * eta }, simulationDiverged: simulation.divergence.map { Double($0) * eta })
    }

    /// What the user must know to read the comparison (`ComparisonDiagnostics`: too few samples, one-sided divergence).
    public var warnings: [RunWarning] {
        guard let summary = comparisonSummary, let sim = experiment.simulation else { return [] }
        let eta = problem.learningRate
        return ComparisonDiagnostics.warnings(
            summary: summary, seeds: sim.samples, requestedPoints: theory.steps.count, times: theory.steps.map { Double($0) * eta },
            theoryCurves: [], theoryDivergence: theory.divergence.map { Double($0) * eta },
            simulationDivergence: simulation?.divergence.map { Double($0) * eta })
    }
}
