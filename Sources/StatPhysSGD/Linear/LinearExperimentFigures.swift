import OnlineTheory
import Plotting

extension LinearExperimentResult {
    /// m, q and e_g against t: theory as lines, simulation as mean ± standard error, the steady state dashed; with a
    /// learning-rate schedule, a fourth panel shows η(t). With a fluctuation prediction, a band around the ODE: ± 2 predicted
    /// standard errors of the seeds' mean (where the simulated means should lie), or ± 1 per-seed standard deviation at d
    /// for a theory-only run; on the log e_g axis its lower edge is clipped at a tenth of the curve.
    public var learningCurveFigure: Figure {
        let t = times
        let model = LinearRegressionTheory(scenario: experiment.scenario)
        let fixedPoint = model.steadyState(rho: theoryStart.rho)
        let simulated = simulation.map { [$0.statistics(of: \.m), $0.statistics(of: \.q), $0.statistics(of: \.generalisationError)] }
        let curves = [theory.m, theory.q, theory.generalisationError]
        let labels = ["m = w·w*/d", "q = |w|²/d", "generalisation error e_g"]
        let steady = [fixedPoint?.m, fixedPoint?.q, experiment.scenario.steadyStateGeneralisationError(rho: theoryStart.rho)]
        let panels = (0..<3).map { index -> Panel in
            var series = [Series]()
            if let spread = predictedSpread {
                let width = spread.stderr.map { $0[index].values.map { 2 * $0 } } ?? spread.std[index].values
                let y = curves[index]
                let lower = zip(y, width).map { index == 2 ? max($0 - $1, $0 / 10) : $0 - $1 }
                let label = spread.seeds.map { "ODE ± 2 predicted s.e. (\($0) seeds, d = \(spread.dimension))" }
                    ?? "ODE ± predicted per-seed σ at d = \(spread.dimension)"
                series.append(.band(label, x: t, lower: lower, upper: zip(y, width).map { $0 + $1 }, color: Color.cycle[0], opacity: 0.2))
            }
            series.append(.line("ODE (d → ∞)", x: t, y: curves[index], color: Color.cycle[0]))
            if let stats = simulated?[index], let sim = experiment.simulation {
                // About 30 markers, so the theory line stays visible.
                // The simulation's own grid: it may outlast a theory that diverged (or stop before it).
                let simTimes = simulation?.times ?? []
                let picks = markerIndices(times: simTimes, mean: stats.mean, error: stats.standardError)
                series.append(.points("simulation, d = \(sim.dimension) (\(sim.seeds) seeds)", x: picks.map { simTimes[$0] },
                                      y: picks.map { stats.mean[$0] }, yError: picks.map { stats.standardError[$0] },
                                      color: Color.cycle[1], size: 2.5))
            }
            // A steady state of 0 (noise-free perfect learning) has no place on the log ε_g axis.
            if let level = steady[index], index != 2 || level > 0, let last = tableGrid(theory: t, simulation: simulation?.times).last {
                series.append(.line("steady state", x: [0, last], y: [level, level], color: Color(hex: "#7f7f7f"), dash: .dashed, width: 1))
            }
            return Panel(xLabel: "t = steps/d", yLabel: labels[index], yScale: index == 2 ? .log : .linear,
                         series: series)
        }
        let s = experiment.scenario
        let rate = s.optimiser.ratePanel(times: tableGrid(theory: t, simulation: simulation?.times))
        return Figure(
            panels: panels + (rate.map { [$0] } ?? []), columns: rate == nil ? 3 : 2,
            title: "Online SGD, linear regression: \(s.optimiser.title(rateSymbol: "τ")), σ² = \(s.noiseVariance), λ = \(s.weightDecay), "
                + "ρ = \(s.teacherNorm), m(0) = \(s.initialOverlap), q(0) = \(s.initialSelfOverlap)")
    }
}
