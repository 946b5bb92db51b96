import Foundation
import OnlineTheory
import Plotting
import Reporting
import Scenarios

extension CommitteeExperimentResult {
    /// ε_g (log scale), every R_in and every Q_ik against t: theory as lines, simulation as mean ± standard error.
    /// On a logarithmic grid the time axis is logarithmic too, which shows the plateau and its escape. With a
    /// learning-rate schedule, a panel shows η(t); with trained biases, a panel shows b_i(t) with the teacher's b*_n dashed.
    public var learningCurveFigure: Figure {
        let s = experiment.scenario, k = s.studentUnits, m = s.teacherUnits
        let logTime = experiment.logarithmicGrid
        // t = 0 cannot be shown on a log axis; the renderer skips it.
        let t = times
        var egSeries = [Series.line("ODE (d → ∞)", x: t, y: theory.resolvedGeneralisationError, color: Color.cycle[0])]
        // Simulation markers on the simulation's own grid: it may outlast a theory that diverged (or stop before it).
        let simTimes = simulation?.times ?? []
        if let eg = simulatedGeneralisationError, let sim = experiment.simulation {
            let picks = markerIndices(times: simTimes, mean: eg.mean, error: eg.standardError)
            egSeries.append(.points("simulation, d = \(sim.dimension) (\(sim.seeds) seeds)", x: picks.map { simTimes[$0] },
                                    y: picks.map { eg.mean[$0] }, yError: picks.map { eg.standardError[$0] }, color: Color.cycle[1], size: 2.5))
        }
        func entries(_ path: KeyPath<CommitteeOrderParameters, [Double]>, columns: Int, name: String, upper: Bool) -> [Series] {
            var series: [Series] = []
            let stats = simulation?.entryStatistics(of: path)
            var colour = 0
            for i in 0..<k {
                for j in (upper ? i : 0)..<columns {
                    let index = i * columns + j, color = Color.cycle[colour % Color.cycle.count]
                    colour += 1
                    let label = CommitteeIndexLabel.figureLabel(name, i, columns == 1 && name == "b" ? nil : j, k: k, m: m)
                    series.append(.line(label, x: t, y: theory.states.map { $0[keyPath: path][index] }, color: color))
                    if let entry = stats?[index] {
                        let picks = markerIndices(times: simTimes, mean: entry.mean, error: entry.standardError)
                        series.append(.points(nil, x: picks.map { simTimes[$0] }, y: picks.map { entry.mean[$0] },
                                              yError: picks.map { entry.standardError[$0] }, color: color, size: 2.5))
                    }
                }
            }
            return series
        }
        let xScale: AxisScale = logTime ? .log : .linear
        let panels = [
            Panel(xLabel: "t = steps/d", yLabel: "generalisation error ε_g", xScale: xScale, yScale: .log,
                  series: egSeries),
            Panel(xLabel: "t = steps/d", yLabel: "student–teacher overlap R", xScale: xScale,
                  legend: k * m <= 9 ? .best : .none, series: entries(\.r, columns: m, name: "R", upper: false)),
            Panel(xLabel: "t = steps/d", yLabel: "student overlap Q", xScale: xScale,
                  legend: k * (k + 1) / 2 <= 9 ? .best : .none, series: entries(\.q, columns: k, name: "Q", upper: true)),
        ]
        let rate = s.optimiser.ratePanel(times: tableGrid(theory: t, simulation: simulation?.times), logarithmicTime: logTime)
        var extra = rate.map { [$0] } ?? []
        if s.trainsBiases {
            var series = entries(\.b, columns: 1, name: "b", upper: false)
            for (n, value) in s.teacherBiases.enumerated() {
                series.append(.line(CommitteeIndexLabel.figureLabel("b*", n, nil, k: k, m: m), x: [t.first ?? 0, t.last ?? 0],
                                    y: [value, value], color: Color.cycle[(k + n) % Color.cycle.count], dash: .dashed))
            }
            extra.append(Panel(xLabel: "t = steps/d", yLabel: "bias b", xScale: xScale, legend: k + m <= 9 ? .best : .none, series: series))
        }
        func list(_ values: [Double]) -> String { values.map { TextTable.format($0, digits: 3) }.joined(separator: ", ") }
        let biasTitle = !s.hasBiases ? "" : ", b* = (\(list(s.teacherBiases))), b(0) = (\(list(s.initialBiases)))"
            + (s.biasLearningRate.map { " trained at η_b = \(TextTable.format($0, digits: 3))" } ?? " fixed")
        return Figure(
            panels: panels + extra, columns: extra.isEmpty ? 3 : 2,
            title: "Committee machine \(s.titleDescription)\(biasTitle), \(s.initialTitle)"
                + (experiment.simulation.map { ", d = \($0.dimension)" } ?? ""))
    }

    /// The grid index shown for each requested heatmap time: the nearest time the theory reached (it stops where it
    /// diverged, and times past a divergence all map to its last state).
    func heatmapIndices(at requested: [Double]) -> [Int] {
        let reached = min(times.count, theory.states.count)
        guard reached > 0 else { return [] }
        return requested.map { target in (0..<reached).min { abs(times[$0] - target) < abs(times[$1] - target) } ?? 0 }
    }

    /// The requested heatmap times that are shown at another grid time, with that time (for a note to the user).
    public func snappedHeatmapTimes(_ requested: [Double]) -> [(requested: Double, shown: Double)] {
        zip(requested, heatmapIndices(at: requested)).compactMap { target, index in
            abs(times[index] - target) > 1e-9 * max(1, abs(target)) ? (target, times[index]) : nil
        }
    }

    /// Heatmaps of R (top row) and Q (bottom row) from the theory at the grid times nearest to `at`, each shown once.
    public func overlapHeatmapFigure(at requested: [Double]) -> Figure {
        let s = experiment.scenario, k = s.studentUnits, m = s.teacherUnits
        let reached = min(times.count, theory.states.count)
        var indices: [Int] = []
        for index in heatmapIndices(at: requested) where !indices.contains(index) { indices.append(index) }
        let rRange = theory.states.prefix(reached).flatMap(\.r).filter(\.isFinite).map(abs).max() ?? 1
        let qRange = theory.states.prefix(reached).flatMap(\.q).filter(\.isFinite).map(abs).max() ?? 1
        let students = (1...k).map { "\($0)" }, teachers = (1...m).map { "\($0)" }
        let rPanels = indices.map { index in
            Panel.heatmap(
                Heatmap(values: theory.states[index].r, rows: k, columns: m, colormap: .redBlue, range: [-rRange, rRange],
                        colorbarLabel: "R", rowLabels: students, columnLabels: teachers),
                title: "R at t = \(TextTable.format(times[index], digits: 3))", xLabel: "teacher unit n", yLabel: "student unit i")
        }
        let qPanels = indices.map { index in
            Panel.heatmap(
                Heatmap(values: theory.states[index].q, rows: k, columns: k, colormap: .redBlue, range: [-qRange, qRange],
                        colorbarLabel: "Q", rowLabels: students, columnLabels: students),
                title: "Q at t = \(TextTable.format(times[index], digits: 3))", xLabel: "student unit k", yLabel: "student unit i")
        }
        return Figure(panels: rPanels + qPanels, columns: indices.count,
                      title: "Overlap matrices (ODE): specialisation of the student units")
    }

    /// Writes `result.json`, `learning_curve.csv`, `learning_curve.svg` and `overlaps.svg` (with PNG, data and
    /// matplotlib scripts) into `directory`, atomically. Returns the URLs written.
    public func write(to directory: URL, heatmapTimes: [Double]) throws -> [URL] {
        try AtomicFile.prepareDirectory(directory)
        let resultFile = directory.appendingPathComponent("result.json")
        let csvFile = directory.appendingPathComponent("learning_curve.csv")
        try AtomicFile.write(json(heatmapTimes: heatmapTimes).serialized() + "\n", to: resultFile)
        try AtomicFile.write(csv.text, to: csvFile)
        var files = [resultFile, csvFile]
        files += try learningCurveFigure.write(to: directory, name: "learning_curve")
        files += try overlapHeatmapFigure(at: heatmapTimes).write(to: directory, name: "overlaps")
        return files
    }
}

extension CommitteeScenario {
    /// The settings a figure title needs to rerun the scenario: "K = 2, M = 2, erf (teacher relu): η = 0.5 × inverse:10,
    /// B = 4, σ² = 0.1, λ = 0.01, v trained at η_v = 0.1" (the teacher's activation, weight decay and a trained second
    /// layer only when they are there); biases are added by the caller.
    /// The initial student in a title: "Q(0) = 0.5·I, R(0) = 0.2·I" for the diagonal start, "random student (variance
    /// 1)", or "given Q(0), R(0)".
    var initialTitle: String {
        switch initialStudent {
        case .random(let variance): return "random student (variance \(TextTable.format(variance, digits: 3)))"
        case .overlaps(let q, let r):
            let k = studentUnits, m = teacherUnits
            let q0 = q.first ?? 0, r0 = r.first ?? 0
            let diagonal = StudentInitialisation.diagonal(q0: q0, r0: r0, studentUnits: k, teacherUnits: m)
            if case .overlaps(let dq, let dr) = diagonal, dq == q, dr == r {
                return "Q(0) = \(TextTable.format(q0, digits: 3))·I, R(0) = \(TextTable.format(r0, digits: 3))·I"
            }
            return "given Q(0), R(0)"
        }
    }

    var titleDescription: String {
        let teacher = teacherActivation.name == studentActivation.name ? "" : " (teacher \(teacherActivation.name))"
        return "K = \(studentUnits), M = \(teacherUnits), \(studentActivation.name)\(teacher): \(optimiser.title(rateSymbol: "η")), σ² = \(noiseVariance)"
            + (weightDecay > 0 ? ", λ = \(weightDecay)" : "")
            + (secondLayerLearningRate.map { ", v trained at η_v = \(TextTable.format($0, digits: 3))" } ?? "")
    }
}
