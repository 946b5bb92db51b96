import OnlineSimulation
import OnlineTheory
import Reporting
import Scenarios

extension LinearExperimentResult {
    /// The `result.json` document. Keys (documented in the README):
    /// `model`, `conventions`, `settings`, `t`, `samples` (t·B), `theory` {`m`, `q`, `eg`, `lr`, and with scaled momentum
    /// `velocity` {`a`, `b`, `c`}}, `theory_initial`, `steady_state` (null past τ_c or with a schedule), `critical_lr`
    /// (with a schedule: the critical instantaneous η(t)), `simulation` {`d`, `seeds`, `seed`, `rho`, `mean` {…},
    /// `stderr` {…}, with momentum `velocity` {`mean` {`a`, `b`, `c`}, `stderr` {…}}}, `comparison`, `divergence`; with a
    /// fluctuation prediction `theory_std` {`d`, `m`, `q`, `eg`} (per-seed) and, simulated, `theory_stderr` {`seeds`, …} (of the
    /// seeds' mean about this theory, which the comparison's z-scores use).
    public var json: JSONValue {
        let scenario = experiment.scenario
        let model = LinearRegressionTheory(scenario: scenario)
        var settings: [(String, JSONValue)] = scenario.optimiser.settings + [
            ("noise", .number(scenario.noiseVariance)),
            ("reg", .number(scenario.weightDecay)), ("rho", .number(scenario.teacherNorm)),
            ("m0", .number(scenario.initialOverlap)), ("q0", .number(scenario.initialSelfOverlap)),
            ("t_max", .number(experiment.tMax)), ("points", .integer(experiment.points)),
            ("theory_only", .bool(simulation == nil)),
            ("rtol", .number(experiment.tolerance?.relative ?? LinearRegressionTheory.defaultTolerance.relative)),
            ("atol", .number(experiment.tolerance?.absolute ?? LinearRegressionTheory.defaultTolerance.absolute)),
        ]
        if let sim = experiment.simulation {
            settings += [("d", .integer(sim.dimension)), ("seeds", .integer(sim.seeds)), ("seed", .unsigned(sim.seed))]
        }
        var members: [(String, JSONValue)] = [
            ("model", "online-linear"),
            ("conventions", .string(
                "y = w*.x/sqrt(d) + sqrt(noise)*xi; step w <- w - lr*[mean over a batch of B = batch samples of (yhat - y) x/sqrt(d) + (reg/d) w]; t = steps/d; samples = t*B; "
                + "m = w.w*/d, q = |w|^2/d, rho = |w*|^2/d, eg = (rho - 2m + q)/2 (noise-free); " + scenario.optimiser.conventions)),
            ("settings", .object(settings)),
            ("t", .numbers(times)),
            ("samples", .numbers(times.map(scenario.optimiser.samples(at:)))),
            ("theory", .object([("m", .numbers(theory.m)), ("q", .numbers(theory.q)), ("eg", .numbers(theory.generalisationError)),
                                ("lr", .numbers(scenario.optimiser.rates(on: times)))]
                               + (theory.velocity.map { [("velocity", $0.json)] } ?? []))),
            ("theory_initial", .object([("m", .number(theoryStart.m)), ("q", .number(theoryStart.q)), ("rho", .number(theoryStart.rho))])),
            ("critical_lr", .number(model.criticalLearningRate)),
        ]
        if let spread = predictedSpread {
            members.append(("theory_std", .object([("d", .integer(spread.dimension))] + spread.std.map { ($0.name, .numbers($0.values)) })))
            if let stderr = spread.stderr, let seeds = spread.seeds {
                members.append(("theory_stderr", .object([("seeds", .integer(seeds))] + stderr.map { ($0.name, .numbers($0.values)) })))
            }
        }
        if let fixedPoint = model.steadyState(rho: theoryStart.rho), let eStar = model.scenario.steadyStateGeneralisationError(rho: theoryStart.rho) {
            members.append(("steady_state", .object([
                ("m", .number(fixedPoint.m)), ("q", .number(fixedPoint.q)), ("eg", .number(eStar))])))
        } else {
            members.append(("steady_state", .null))
        }
        if let simulation, let sim = experiment.simulation {
            let m = simulation.statistics(of: \.m), q = simulation.statistics(of: \.q), eg = simulation.statistics(of: \.generalisationError)
            let velocity: [(String, JSONValue)] = scenario.optimiser.hasVelocity ? [("velocity", simulation.ensemble.velocityJSON)] : []
            members.append(("simulation", .object([
                ("d", .integer(sim.dimension)), ("seeds", .integer(sim.seeds)), ("seed", .unsigned(sim.seed)),
                ("t", .numbers(simulation.times)),
                ("rho", .numbers(simulation.rho)),
                ("mean", .object([("m", .numbers(m.mean)), ("q", .numbers(q.mean)), ("eg", .numbers(eg.mean))])),
                ("stderr", .object([("m", .numbers(m.standardError)), ("q", .numbers(q.standardError)), ("eg", .numbers(eg.standardError))])),
            ] + velocity)))
            if let summary = comparisonSummary {
                members.append(("comparison", summary.comparisonJSON))
                members.append(("agreement", summary.json))
            }
        }
        members.append(("divergence", .object([
            ("theory", theory.divergence.map(\.json) ?? .null),
            ("simulation", simulation?.divergence.map(\.json) ?? .null),
        ])))
        members.append(("warnings", RunWarning.json(warnings)))
        return .object(members)
    }

    /// One row per output time that theory or simulation reached: t, samples (t·B), the learning rate η(t) (`lr`), theory m,
    /// q, eg, with a fluctuation prediction their per-seed standard deviations (`m_theory_std`, …), then (if simulated) mean and stderr of each; empty cells where one of them had diverged.
    public var csv: CSVTable {
        let grid = tableGrid(theory: times, simulation: simulation?.times)
        var columns: [(String, [Double])] = [
            ("t", grid), ("samples", grid.map(experiment.scenario.optimiser.samples(at:))), ("lr", experiment.scenario.optimiser.rates(on: grid)),
            ("m_theory", theory.m.padded(to: grid.count)), ("q_theory", theory.q.padded(to: grid.count)),
            ("eg_theory", theory.generalisationError.padded(to: grid.count)),
        ]
        columns += theory.velocity?.columns(rows: grid.count) ?? []
        if let spread = predictedSpread {
            columns += spread.std.map { ("\($0.name)_theory_std", $0.values.padded(to: grid.count)) }
        }
        if let simulation {
            for (name, stats) in [("m", simulation.statistics(of: \.m)), ("q", simulation.statistics(of: \.q)), ("eg", simulation.statistics(of: \.generalisationError))] {
                columns.append(("\(name)_sim_mean", stats.mean.padded(to: grid.count)))
                columns.append(("\(name)_sim_stderr", stats.standardError.padded(to: grid.count)))
            }
        }
        return CSVTable(columns)
    }

    /// A short table of theory vs simulation at about `rows` times, for stdout.
    public func summaryTable(rows: Int = 6) -> TextTable {
        let simulated = simulation != nil
        var header = ["t", "m theory", "q theory", "eg theory"]
        if simulated { header += ["m sim", "q sim", "eg sim", "(±)"] }
        var table = TextTable(header: header)
        let picks = TextTable.sampleIndices(count: times.count, rows: rows)
        let eg = theory.generalisationError
        for k in picks {
            var cells = [TextTable.format(times[k]), TextTable.format(theory.m[k]), TextTable.format(theory.q[k]), TextTable.format(eg[k])]
            if let simulation {
                let stats = [simulation.statistics(of: \.m), simulation.statistics(of: \.q), simulation.statistics(of: \.generalisationError)]
                cells += stats.map { k < $0.mean.count ? TextTable.format($0.mean[k]) : "—" }
                cells.append(k < stats[2].standardError.count ? TextTable.format(stats[2].standardError[k], digits: 2) : "—")
            }
            table.append(cells)
        }
        return table
    }
}

extension Divergence {
    /// `{"t": t, "reason": "…"}`: the one divergence format of every result.json (the DMFT's adds its `step`).
    public var json: JSONValue { .object([("t", .number(time)), ("reason", .string(reason))]) }
}
