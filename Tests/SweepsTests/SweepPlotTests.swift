import Foundation
import Plotting
import Reporting
import Sweeps
import Testing

/// Sweep figures from a table: curves per parameter value with seeds averaged, heatmaps with y increasing upward,
/// missing points counted, and the combinations that would mix settings refused.
@Suite struct SweepPlotTests {
    /// lr × noise × seed with eg = lr·(1 + noise) + seed/100 (seed 2's point at lr = 1, noise = 0.1 failed); noise listed
    /// in decreasing order, which the figures sort.
    static func table() throws -> (SweepTable, [SweepAxis]) {
        let spec = try SweepSpecification(json: #"{"command": "online linear", "axes": {"lr": [0.5, 1, 2], "noise": [0.1, 0]}, "seeds": 2}"#)
        let grid = try spec.grid()
        var rows: [[JSONValue]] = []
        for index in 0..<grid.count {
            let values = grid.point(index).values.map { $0.value.number! }
            let (lr, noise, seed) = (values[0], values[1], values[2])
            let failed = lr == 1 && noise == 0.1 && seed == 2
            rows.append([.integer(index), .number(lr), .number(noise), .number(seed), .string(failed ? "failed" : "completed"),
                         failed ? .null : .number(lr * (1 + noise) + seed / 100)])
        }
        return (SweepTable(columns: ["point", "lr", "noise", "seed", "outcome", "eg_final"], rows: rows), spec.axes)
    }

    @Test func curvesAverageTheSeedsPerParameterValue() throws {
        let (table, axes) = try Self.table()
        let plot = try SweepPlot(table: table, axes: axes)
        #expect(plot.name == "sweep_eg_final_lr")
        let panel = try #require(plot.figure.panels.first)
        #expect(panel.xLabel == "learning rate η" && panel.yLabel == "final ε_g")
        let lines = panel.series.filter { $0.kind == .line }, points = panel.series.filter { $0.kind == .points }
        #expect(lines.map(\.label) == ["noise σ² = 0", "noise σ² = 0.1"])
        #expect(lines[1].color == points[1].color && lines[0].color != lines[1].color)
        #expect(lines[0].x == [0.5, 1, 2])
        // Mean over seeds 1, 2: lr + 0.015; the standard error of two values 0.01 apart is 0.005.
        for (x, y) in zip(lines[0].x, lines[0].y) { #expect(abs(y - (x + 0.015)) < 1e-12) }
        #expect(points[0].yError.map { $0.allSatisfy { abs($0 - 0.005) < 1e-12 } } == true)
        // The failed point is left out of its mean (one seed left, no error) and counted in the title.
        #expect(abs(lines[1].y[1] - (1.1 + 0.01)) < 1e-12 && points[1].yError?[1] == 0)
        #expect(plot.figure.title?.contains("mean over 2 seeds") == true && plot.figure.title?.contains("1 point without a value") == true)
    }

    @Test func heatmapsHaveYIncreasingUpward() throws {
        let (table, axes) = try Self.table()
        let plot = try SweepPlot(table: table, axes: axes, x: "lr", y: "noise", logMeasure: false)
        let heatmap = try #require(plot.figure.panels.first?.heatmap)
        #expect(heatmap.rows == 2 && heatmap.columns == 3)
        #expect(heatmap.rowLabels == ["0.1", "0"] && heatmap.columnLabels == ["0.5", "1", "2"])
        // Row 0 (top) is noise = 0.1.
        #expect(abs(heatmap.values[0] - (0.55 + 0.015)) < 1e-12)
        #expect(abs(heatmap.values[3] - (0.5 + 0.015)) < 1e-12)
        #expect(plot.name == "sweep_eg_final_lr_noise")
        #expect(try SweepPlot(table: table, axes: axes, x: "lr", y: "noise").figure.panels[0].heatmap?.colorbarLabel == "final ε_g")
        #expect(SweepPlot.label(axis: "batch", command: ["dmft"]) == "batch fraction b" && SweepPlot.label(axis: "batch") == "batch size B")
        #expect(SweepPlot.label(measure: "theory.R[-1]_x") == "theory.R[-1]\\_x")
    }

    /// A completed point without the measure (a DMFT run that did not relax by its horizon) is a grey dot in its cell,
    /// told apart from a failed point's blank cell, and both are counted in the title.
    @Test func cellsThatNeverRelaxedAreDottedNotBlank() throws {
        let spec = try SweepSpecification(json: #"{"command": "dmft --steps 60", "axes": {"alpha": [1.5, 2, 3], "batch": [0.5, 1]}}"#)
        let grid = try spec.grid()
        var rows: [[JSONValue]] = []
        for index in 0..<grid.count {
            let values = grid.point(index).values.map { $0.value.number! }
            let (alpha, batch) = (values[0], values[1])
            let outcome = alpha == 3 && batch == 1 ? "failed" : "completed"
            let step: JSONValue = alpha == 1.5 || outcome == "failed" ? .null : .integer(Int(100 / alpha))
            rows.append([.integer(index), .number(alpha), .number(batch), .string(outcome), step])
        }
        let table = SweepTable(columns: ["point", "alpha", "batch", "outcome", "relaxation_step"], rows: rows)
        let plot = try SweepPlot(table: table, axes: spec.axes, command: spec.command, x: "alpha", y: "batch")
        let panel = try #require(plot.figure.panels.first)
        let dots = try #require(panel.series.first { $0.kind == .points })
        // α = 1.5 is column 0 in both rows (batch 1 on top, row 0).
        #expect(dots.x == [0, 0] && dots.y == [0, 1] && dots.filledMarkers == true)
        #expect(panel.heatmap?.values[2].isNaN == true && panel.heatmap?.values[0].isNaN == true)
        let title = plot.figure.title ?? ""
        #expect(title.contains("2 cells not relaxed within the horizon: grey dots") && title.contains("1 point without a value: blank"), "\(title)")
        let curves = try SweepPlot(table: table, axes: spec.axes, command: spec.command, x: "alpha")
        #expect(curves.figure.title?.contains("2 points not relaxed within the horizon; 1 point without a value") == true, "\(curves.figure.title ?? "")")
    }

    @Test func mixingSettingsIsRefused() throws {
        let (table, axes) = try Self.table()
        #expect(throws: SweepError.self) { try SweepPlot(table: table, axes: axes, x: "lr", y: "lr") }
        #expect(throws: SweepError.self) { try SweepPlot(table: table, axes: axes, x: "nonsense") }
        #expect(throws: SweepError.self) { try SweepPlot(table: table, axes: axes, measure: "nonsense") }
        // A third varying axis under a heatmap would mix its values in one cell.
        let spec = try SweepSpecification(json: #"{"command": "x", "axes": {"a": [1, 2], "b": [1, 2], "c": [1, 2]}}"#)
        let rows: [[JSONValue]] = (0..<8).map { i in
            let v = try! spec.grid().point(i).values.map { JSONValue.number($0.value.number!) }
            return [.integer(i)] + v + [.string("completed"), .number(Double(i))]
        }
        let three = SweepTable(columns: ["point", "a", "b", "c", "outcome", "eg_final"], rows: rows)
        #expect(throws: SweepError.self) { try SweepPlot(table: three, axes: spec.axes, x: "a", y: "b") }
        #expect(try SweepPlot(table: three, axes: spec.axes, x: "a").figure.panels[0].series.filter { $0.kind == .line }.count == 4)
        // A text axis is a parameter, not a plot axis.
        let text = try SweepSpecification(json: #"{"command": "x", "axes": {"activation": ["erf", "relu"], "lr": [1, 2]}}"#)
        let textRows: [[JSONValue]] = (0..<4).map { i in
            let p = try! text.grid().point(i)
            return [.integer(i), .string(p.values[0].value.description), .number(p.values[1].value.number!), .string("completed"), .number(Double(i))]
        }
        let textTable = SweepTable(columns: ["point", "activation", "lr", "outcome", "eg_final"], rows: textRows)
        #expect(throws: SweepError.self) { try SweepPlot(table: textTable, axes: text.axes, x: "activation") }
        let curves = try SweepPlot(table: textTable, axes: text.axes).figure.panels[0].series.filter { $0.kind == .line }
        #expect(curves.map(\.label) == ["activation = erf", "activation = relu"] && curves[1].y == [2, 3])
    }

    /// Linear regression over lr × reg: the critical rate η_c = 2B(1 + λ) is drawn in the heatmap's cell coordinates
    /// (reg = 0.5 → η_c = 3, the fourth column; reg = 0 → 2, the third), with the batch read from the command.
    @Test func phaseDiagramsDrawTheCriticalRate() throws {
        let spec = try SweepSpecification(json: #"{"command": "online linear --theory-only", "axes": {"lr": [0.5, 1, 2, 3], "reg": [0, 0.5]}}"#)
        let grid = try spec.grid()
        let rows: [[JSONValue]] = (0..<grid.count).map { i in
            let v = grid.point(i).values.map { $0.value.number! }
            let diverged = v[0] >= 2 * (1 + v[1])
            return [.integer(i), .number(v[0]), .number(v[1]), .string(diverged ? "diverged" : "completed"), .integer(diverged ? 1 : 0)]
        }
        let table = SweepTable(columns: ["point", "lr", "reg", "outcome", "diverged"], rows: rows)
        let plot = try SweepPlot(table: table, axes: spec.axes, command: spec.command, measure: "diverged", x: "lr", y: "reg")
        let boundary = try #require(plot.figure.panels[0].series.first)
        #expect(boundary.x == [3, 2] && boundary.y == [0, 1])
        #expect(plot.figure.title?.contains("critical rate η_c = 2B(1+λ)(1−β)") == true)
        // With --momentum 0.25 in the command η_c = 1.5(1 + λ): 2.25 and 1.5, between columns; with --batch 2 it is 4(1 + λ),
        // beyond the grid by more than half a cell at every λ: nothing is drawn.
        let damped = try SweepPlot(table: table, axes: spec.axes, command: ["online", "linear", "--momentum", "0.25"], measure: "diverged", x: "lr", y: "reg")
        #expect(damped.figure.panels[0].series.first.map { zip($0.x, [2.25, 1.5]).allSatisfy { abs($0 - $1) < 1e-12 } } == true)
        let batched = try SweepPlot(table: table, axes: spec.axes, command: ["online", "linear", "--batch", "2"], measure: "diverged", x: "lr", y: "reg")
        #expect(batched.figure.panels[0].series.isEmpty && batched.figure.title?.contains("dashed") == false)
        // A boundary that leaves the grid between two rows runs on to the heatmap's edge (clipped there), instead of
        // shrinking to a dot at the one row where it is inside: over lr = 0.5…2.5 and λ = 0, 0.5, 1 (rows from the top:
        // λ = 1, 0.5, 0) η_c = 4, 3, 2 sit at column positions 7, 5, 3.
        let wide = try SweepSpecification(json: #"{"command": "online linear --theory-only", "axes": {"lr": [0.5, 1, 1.5, 2, 2.5], "reg": [0, 0.5, 1]}}"#)
        let wideGrid = try wide.grid()
        let wideRows: [[JSONValue]] = (0..<wideGrid.count).map { i in
            let v = wideGrid.point(i).values.map { $0.value.number! }
            return [.integer(i), .number(v[0]), .number(v[1]), .string("completed"), .integer(0)]
        }
        let widePlot = try SweepPlot(table: SweepTable(columns: ["point", "lr", "reg", "outcome", "diverged"], rows: wideRows),
                                     axes: wide.axes, command: wide.command, measure: "diverged", x: "lr", y: "reg")
        let leaving = try #require(widePlot.figure.panels[0].series.first)
        #expect(zip(leaving.x, [7.0, 5, 3]).allSatisfy { abs($0 - $1) < 1e-12 } && leaving.y == [0, 1, 2], "\(leaving.x)")
        #expect(widePlot.figure.svg().contains("stroke-dasharray"))
        // lr along y: the curve runs along the columns.
        let transposed = try SweepPlot(table: table, axes: spec.axes, command: spec.command, measure: "diverged", x: "reg", y: "lr")
        let along = try #require(transposed.figure.panels[0].series.first)
        #expect(along.x == [0, 1] && along.y == [1, 0])
        // No closed form for a logistic classifier or a committee: no curve.
        #expect(try SweepPlot(table: table, axes: spec.axes, command: ["online", "classifier"], measure: "diverged", x: "lr", y: "reg")
                .figure.panels[0].series.isEmpty)
        #expect(try SweepPlot(table: table, axes: spec.axes, command: ["online", "classifier", "--loss", "square"], measure: "diverged", x: "lr", y: "reg")
                .figure.panels[0].series.count == 1)
    }
}
