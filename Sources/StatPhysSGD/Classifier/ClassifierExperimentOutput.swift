import Foundation
import GaussianIntegrals
import OnlineTheory
import Plotting
import Reporting
import Scenarios

extension ClassifierExperimentResult {
    /// The `result.json` document: `model`, `conventions`, `settings`, `t`, `samples` (t·B), `theory` {`m`, `q`, `eg`, `loss`, `lr`,
    /// and with scaled momentum `velocity` {`a`, `b`, `c`}}, `theory_initial`, `critical_lr`, `steady_state` (the square loss's, below τ_c; else null), `simulation` {`d`, `seeds`,
    /// `seed`, `t`, `rho`, `mean` {…}, `stderr` {…}, with momentum `velocity` {`mean` {`a`, `b`, `c`}, `stderr` {…}}},
    /// `comparison`, `divergence` (as linear regression's).
    public var json: JSONValue {
        let s = experiment.scenario
        var settings: [(String, JSONValue)] = [("loss", .string(s.loss.name))] + s.optimiser.settings + [
            ("noise", .number(s.noiseVariance)),
            ("flip", .number(s.flipProbability)), ("reg", .number(s.weightDecay)), ("rho", .number(s.teacherNorm)),
            ("m0", .number(s.initialOverlap)), ("q0", .number(s.initialSelfOverlap)), ("t_max", .number(experiment.tMax)),
            ("points", .integer(experiment.points)), ("log_grid", .bool(experiment.logarithmicGrid)), ("theory_only", .bool(simulation == nil)),
            ("rtol", .number(experiment.tolerance?.relative ?? ClassifierTheory.defaultTolerance.relative)),
            ("atol", .number(experiment.tolerance?.absolute ?? ClassifierTheory.defaultTolerance.absolute)),
        ]
        if let sim = experiment.simulation {
            settings += [("d", .integer(sim.dimension)), ("seeds", .integer(sim.seeds)), ("seed", .unsigned(sim.seed))]
        }
        func group(_ pick: (EnsembleStatistics) -> [Double]) -> JSONValue {
            .object(observables.compactMap { name, _, stats in stats.map { (name, .numbers(pick($0))) } })
        }
        var members: [(String, JSONValue)] = [
            ("model", "online-classifier"),
            ("conventions", .string(
                "y = sign(w*.x/sqrt(d) + sqrt(noise)*zeta), flipped with probability flip; loss l(y, lambda) = L(y*lambda) with "
                + "lambda = w.x/sqrt(d); step w <- w - lr*[mean over a batch of B = batch samples of l'(y, lambda) x/sqrt(d) + (reg/d) w]; t = steps/d; samples = t*B; m = w.w*/d, q = |w|^2/d, "
                + "rho = |w*|^2/d; eg = arccos(m/sqrt(q*rho))/pi = atan2(sqrt(rho*s), m)/pi, s = q - m^2/rho (error against the noise-free teacher); loss = E[l] (population); " + s.optimiser.conventions)),
            ("settings", .object(settings)),
            ("t", .numbers(times)),
            ("samples", .numbers(times.map(s.optimiser.samples(at:)))),
            ("theory", .object(observables.map { ($0.name, .numbers($0.theory)) } + [("lr", .numbers(s.optimiser.rates(on: times)))]
                               + (theory.velocity.map { [("velocity", $0.json)] } ?? []))),
            ("theory_initial", .object([("m", .number(theoryStart.m)), ("q", .number(theoryStart.q)), ("rho", .number(theoryStart.rho))])),
            ("critical_lr", s.criticalLearningRate.map(JSONValue.number) ?? .null),
            ("steady_state", steadyState.map { .object([("m", .number($0.m)), ("q", .number($0.q)), ("eg", .number($0.classificationError)),
                                                        ("loss", .number($0.loss))]) } ?? .null),
        ]
        if let simulation, let sim = experiment.simulation {
            members.append(("simulation", .object([
                ("d", .integer(sim.dimension)), ("seeds", .integer(sim.seeds)), ("seed", .unsigned(sim.seed)),
                ("t", .numbers(simulation.times)), ("rho", .numbers(simulation.rho)),
                ("mean", group(\.mean)), ("stderr", group(\.standardError)),
            ] + (s.optimiser.hasVelocity ? [("velocity", simulation.ensemble.velocityJSON)] : []))))
            if let summary = comparisonSummary {
                members.append(("comparison", summary.comparisonJSON))
                members.append(("agreement", summary.json))
            }
        }
        members.append(("divergence", .object([
            ("theory", theory.divergence.map(\.json) ?? .null), ("simulation", simulation?.divergence.map(\.json) ?? .null),
        ])))
        members.append(("warnings", RunWarning.json(warnings)))
        return .object(members)
    }

    /// One row per output time that theory or simulation reached: t, samples (t·B), η(t) (`lr`), the theory of each
    /// observable, then (if simulated) mean and stderr of each; empty cells where one of them had diverged.
    public var csv: CSVTable {
        let grid = tableGrid(theory: times, simulation: simulation?.times)
        var columns: [(String, [Double])] = [("t", grid), ("samples", grid.map(experiment.scenario.optimiser.samples(at:))),
                                             ("lr", experiment.scenario.optimiser.rates(on: grid))]
            + observables.map { ("\($0.name)_theory", $0.theory.padded(to: grid.count)) }
            + (theory.velocity?.columns(rows: grid.count) ?? [])
        for (name, _, stats) in observables {
            guard let stats else { continue }
            columns.append(("\(name)_sim_mean", stats.mean.padded(to: grid.count)))
            columns.append(("\(name)_sim_stderr", stats.standardError.padded(to: grid.count)))
        }
        return CSVTable(columns)
    }

    /// A short table of theory vs simulation at about `rows` times, for stdout.
    public func summaryTable(rows: Int = 6) -> TextTable {
        var header = ["t", "m theory", "q theory", "eg theory", "loss theory"]
        if simulation != nil { header += ["m sim", "q sim", "eg sim", "(±)"] }
        var table = TextTable(header: header)
        for k in TextTable.sampleIndices(count: times.count, rows: rows) {
            var cells = [TextTable.format(times[k])] + observables.map { TextTable.format($0.theory[k]) }
            if let simulation {
                let stats = [simulation.statistics(of: \.m), simulation.statistics(of: \.q), simulation.statistics(of: \.classificationError)]
                cells += stats.map { k < $0.mean.count ? TextTable.format($0.mean[k]) : "—" }
                cells.append(k < stats[2].standardError.count ? TextTable.format(stats[2].standardError[k], digits: 2) : "—")
            }
            table.append(cells)
        }
        return table
    }

    /// m, q, ε_g and the loss against t: theory as lines, simulation as mean ± standard error; with a learning-rate
    /// schedule, a fifth panel shows η(t).
    public var learningCurveFigure: Figure {
        let t = times
        let steady = steadyState.map { [$0.m, $0.q, $0.classificationError, $0.loss] }
        let labels = ["m = w·w*/d", "q = |w|²/d", "classification error ε_g", "population loss E[ℓ]"]
        let panels = observables.enumerated().map { index, observable -> Panel in
            var series = [Series.line("ODE (d → ∞)", x: t, y: observable.theory, color: Color.cycle[0])]
            if let stats = observable.simulation, let sim = experiment.simulation {
                // The simulation's own grid: it may outlast a theory that diverged (or stop before it).
                let simTimes = simulation?.times ?? []
                let picks = markerIndices(times: simTimes, mean: stats.mean, error: stats.standardError)
                series.append(.points("simulation, d = \(sim.dimension) (\(sim.seeds) seeds)", x: picks.map { simTimes[$0] },
                                      y: picks.map { stats.mean[$0] }, yError: picks.map { stats.standardError[$0] },
                                      color: Color.cycle[1], size: 2.5))
            }
            // A steady state of 0 (noise-free perfect learning) has no place on the log ε_g axis.
            if let level = steady?[index], index != 2 || level > 0, let last = tableGrid(theory: t, simulation: simulation?.times).last {
                series.append(.line("steady state", x: [0, last], y: [level, level], color: Color(hex: "#7f7f7f"), dash: .dashed, width: 1))
            }
            if index == 2, let reference = perceptronAsymptote { series.append(reference) }
            return Panel(xLabel: "t = steps/d", yLabel: labels[index], xScale: experiment.logarithmicGrid ? .log : .linear,
                         yScale: index == 2 ? .log : .linear, series: series)
        }
        let s = experiment.scenario
        let rate = s.optimiser.ratePanel(times: tableGrid(theory: t, simulation: simulation?.times), logarithmicTime: experiment.logarithmicGrid)
        return Figure(panels: panels + (rate.map { [$0] } ?? []), columns: rate == nil ? 2 : 3,
                      title: "Online SGD, \(s.loss) loss: \(s.optimiser.title(rateSymbol: "τ")), σ² = \(s.noiseVariance), flip = \(s.flipProbability), λ = \(s.weightDecay), "
                        + "ρ = \(s.teacherNorm), m(0) = \(s.initialOverlap), q(0) = \(s.initialSelfOverlap)")
    }

    /// The square loss's stable fixed point (below τ_c, at a constant rate): (m*, q*) of its linear system
    /// (`ClassifierFlow.exactFixedPoint`), with ε_g* and the loss there; `nil` for the other losses, which have no closed form.
    public var steadyState: (m: Double, q: Double, classificationError: Double, loss: Double)? {
        let s = experiment.scenario
        guard let critical = s.criticalLearningRate, s.learningRate < critical,
              let point = (try? ClassifierFlow(scenario: s, rho: theoryStart.rho))?.exactFixedPoint else { return nil }
        let rho = theoryStart.rho, orthogonal = max(0, point.y - point.x * point.x / rho)
        return (point.x, point.y, ClassifierIntegrals.classificationError(m: point.x, orthogonal: orthogonal, rho: rho),
                s.integrals.populationLoss(m: point.x, q: point.y, orthogonal: orthogonal, rho: rho))
    }

    /// Rosenblatt's rule on a noise-free teacher without weight decay at a constant rate: ε_g ∝ t^(−1/3) at late times
    /// (Engel & Van den Broeck, ch. 9), drawn dotted through the theory's last point over its last decade of t.
    var perceptronAsymptote: Series? {
        let s = experiment.scenario
        guard s.loss == .perceptron, s.noiseVariance == 0, s.flipProbability == 0, s.weightDecay == 0, s.optimiser.isConstant,
              s.optimiser.scaledMomentum == nil, let tLast = times.last, tLast > 0,
              let eLast = theory.classificationError.last, eLast > 0, eLast.isFinite else { return nil }
        let ts = (0...20).map { tLast * Foundation.pow(10, -1 + Double($0) / 20) }
        return .line("∝ t^{−1/3} (noise-free perceptron)", x: ts, y: ts.map { eLast * Foundation.pow($0 / tLast, -1.0 / 3) },
                     color: Color(hex: "#7f7f7f"), dash: .dotted, width: 1)
    }

    /// Writes `result.json`, `learning_curve.csv` and the figure `learning_curve.svg` (+ PNG, data, plot script).
    public func write(to directory: URL) throws -> [URL] {
        try AtomicFile.prepareDirectory(directory)
        let resultFile = directory.appendingPathComponent("result.json"), csvFile = directory.appendingPathComponent("learning_curve.csv")
        try AtomicFile.write(json.serialized() + "\n", to: resultFile)
        try AtomicFile.write(csv.text, to: csvFile)
        return [resultFile, csvFile] + (try learningCurveFigure.write(to: directory, name: "learning_curve"))
    }
}
