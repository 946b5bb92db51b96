import Foundation
import Plotting
import Reporting

/// The common figures of a sweep, from its table (`SweepTable`): one measure (a numeric column) as a curve over one
/// numeric axis, one curve per value of the other varying axes; or, with a second axis, a heatmap over the two with a
/// colour bar. The `seed` axis is averaged over (curves get the standard error as error bars); any other axis that
/// varies and is neither plotted nor a curve parameter is refused, so a figure never silently mixes settings.
/// Points without the measure (failed, pending, a diverged run's null) are left out and counted in the title.
public struct SweepPlot: Sendable {
    /// The figure: curves of the measure over `x`, or a heatmap over `x` and `y` with a colour bar.
    public let figure: Figure
    /// The file name stem: `sweep_<measure>_<x>` (or `sweep_<measure>_<x>_<y>` for a heatmap).
    public let name: String

    /// The columns of `table` that results fill (numeric, not the point index, an axis or the outcome).
    public static func measures(of table: SweepTable, axes: [String]) -> [String] {
        table.columns.enumerated().compactMap { column, name in
            guard name != "point", name != "outcome", !axes.contains(name) else { return nil }
            return table.rows.contains { $0[column].doubleValue != nil } ? name : nil
        }
    }

    /// `measure` (default: eg_final, else relaxation_step, else the first measure) over `x` (default: the first numeric
    /// axis that varies), as a heatmap over `x` and `y` when `y` is given.
    /// A heatmap over `lr` and another axis draws `boundary` over its cells (default: the closed form of
    /// `RateBoundary.closedForm`, when the command's model has one).
    public init(table: SweepTable, axes: [SweepAxis], command: [String] = [], measure: String? = nil, x: String? = nil, y: String? = nil,
                logX: Bool? = nil, logMeasure: Bool? = nil, boundary: RateBoundary? = nil) throws {
        (figure, name) = try Self.build(table: table, axes: axes, command: command, measure: measure, x: x, y: y, logX: logX,
                                        logMeasure: logMeasure, boundary: boundary)
    }

    /// The figure and its file name stem (the initialiser's work, outside it: its nested helpers capture locals).
    static func build(table: SweepTable, axes: [SweepAxis], command: [String], measure: String?, x: String?, y: String?,
                      logX: Bool?, logMeasure: Bool?, boundary: RateBoundary?) throws -> (Figure, String) {
        func label(axis: String) -> String { Self.label(axis: axis, command: command) }
        let names = axes.map(\.name)
        let measures = Self.measures(of: table, axes: names)
        guard let measure = measure ?? ["eg_final", "relaxation_step"].first(where: measures.contains) ?? measures.first else {
            throw SweepError("no point of the sweep has a numeric result to plot yet")
        }
        guard let valueColumn = table.columns.firstIndex(of: measure) else {
            throw SweepError.invalid("the sweep's table has no column '\(measure)'; it has \(measures.joined(separator: ", "))")
        }
        let varying = axes.filter { $0.values.count > 1 }
        func numericAxis(_ name: String) throws -> SweepAxis {
            guard let axis = axes.first(where: { $0.name == name }) else {
                throw SweepError.invalid("the sweep has no axis '\(name)'; its axes are \(names.joined(separator: ", "))")
            }
            guard axis.values.allSatisfy({ $0.number != nil }) else {
                throw SweepError.invalid("axis '\(name)' is not numeric; it can be the curves' parameter, not a plot axis")
            }
            return axis
        }
        guard let xName = x ?? varying.first(where: { $0.name != "seed" && $0.values.allSatisfy { $0.number != nil } })?.name else {
            throw SweepError.invalid("the sweep has no numeric axis with more than one value to plot over")
        }
        let xAxis = try numericAxis(xName)
        let yAxis = try y.map(numericAxis)
        if let yAxis, yAxis.name == xAxis.name { throw SweepError.invalid("--x and --y must be different axes") }
        // Curves: one per combination of the other varying axes (seeds averaged).
        let parameters = varying.filter { $0.name != xAxis.name && $0.name != yAxis?.name && $0.name != "seed" }
        if yAxis != nil, !parameters.isEmpty {
            throw SweepError.invalid("a heatmap shows two axes; the axes \(parameters.map(\.name).joined(separator: ", ")) also vary: sweep them apart or plot curves")
        }
        let combinations = parameters.reduce(1) { $0 * $1.values.count }
        guard combinations <= 10 else {
            throw SweepError.invalid("\(combinations) curves (one per value of \(parameters.map(\.name).joined(separator: ", "))) are too many for one figure; at most 10")
        }
        let column = { (name: String) in table.columns.firstIndex(of: name)! }
        let xColumn = column(xAxis.name)
        var missing = 0
        let seeds = axes.first { $0.name == "seed" }?.values.count ?? 1
        let averaged = seeds > 1 ? ", mean over \(seeds) seeds" : ""
        // Completed points without the measure: the event it times never happened within the run (not relaxed by the
        // horizon, the target never reached), unlike a failed, pending or diverged point, which has no value at all.
        let outcomeColumn = table.columns.firstIndex(of: "outcome")
        var unreached: [[Double]: Int] = [:]
        // The points of one group, keyed by their plotted coordinates.
        func collect(_ rows: [[JSONValue]], key: ([JSONValue]) -> [Double]) -> [[Double]: [Double]] {
            var groups: [[Double]: [Double]] = [:]
            for row in rows {
                guard let value = row[valueColumn].doubleValue, value.isFinite else {
                    if let outcomeColumn, row[outcomeColumn].stringValue == "completed", row[valueColumn] == .null {
                        unreached[key(row), default: 0] += 1
                    } else {
                        missing += 1
                    }
                    continue
                }
                groups[key(row), default: []].append(value)
            }
            return groups
        }
        let never = Self.unreachedDescription(measure: measure)
        if let yAxis {
            let yColumn = column(yAxis.name)
            let groups = collect(table.rows) { [$0[xColumn].doubleValue!, $0[yColumn].doubleValue!] }
            // x increasing to the right, y upward (row 0 is the top row).
            let xs = xAxis.values.compactMap(\.number).sorted(), ys = Array(yAxis.values.compactMap(\.number).sorted().reversed())
            var cells: [Double] = []
            for yValue in ys {
                for xValue in xs {
                    let values = groups[[xValue, yValue]] ?? []
                    cells.append(values.isEmpty ? .nan : values.reduce(0, +) / Double(values.count))
                }
            }
            let logScale = logMeasure ?? Self.spansDecades(cells)
            let shown = logScale ? cells.map { $0 > 0 ? Foundation.log10($0) : .nan } : cells
            let heatmap = Heatmap(values: shown, rows: ys.count, columns: xs.count,
                                  colorbarLabel: logScale ? "log₁₀ \(Self.label(measure: measure))" : Self.label(measure: measure),
                                  rowLabels: ys.map(Self.tickLabel), columnLabels: xs.map(Self.tickLabel))
            // Cells whose points all completed without the measure: a grey dot at the cell's centre (cell coordinates).
            var dotted: [(x: Double, y: Double)] = []
            for (row, yValue) in ys.enumerated() {
                for (column, xValue) in xs.enumerated() where groups[[xValue, yValue]] == nil && unreached[[xValue, yValue]] != nil {
                    dotted.append((Double(column), Double(row)))
                }
            }
            let notes = [dotted.isEmpty ? nil : "\(dotted.count) cell\(dotted.count == 1 ? "" : "s") \(never): grey dots",
                         missing > 0 ? "\(missing) point\(missing == 1 ? "" : "s") without a value: blank" : nil].compactMap { $0 }
            let title = "\(Self.label(measure: measure)) over \(label(axis: xAxis.name)) × \(label(axis: yAxis.name))\(averaged)"
                + (notes.isEmpty ? "" : " (\(notes.joined(separator: "; ")))")
            var panel = Panel.heatmap(heatmap, xLabel: label(axis: xAxis.name), yLabel: label(axis: yAxis.name))
            if !dotted.isEmpty {
                var dots = Series.points(nil, x: dotted.map(\.x), y: dotted.map(\.y), color: Color(hex: "#808080"), size: 3.5)
                dots.filledMarkers = true
                panel.series.append(dots)
            }
            var boundaryNote = ""
            let given = boundary.flatMap { $0.x == xAxis.name && $0.y == yAxis.name ? $0 : nil }
            if let boundary = given ?? RateBoundary.closedForm(command: command, x: xAxis.name, y: yAxis.name) {
                let curve = boundary.curve(xs: xs, ys: ys)
                if boundary.isVisible(curve, columns: xs.count, rows: ys.count) {
                    panel.series.append(.line(nil, x: curve.x, y: curve.y, color: Color(r: 1, g: 1, b: 1), dash: .dashed, width: 2))
                    boundaryNote = "; dashed: " + boundary.description
                }
            }
            return (Figure(panels: [panel], title: title + boundaryNote), "sweep_\(measure)_\(xAxis.name)_\(yAxis.name)")
        }
        var series: [Series] = []
        // Curves in increasing order of numeric parameters (text ones as listed).
        let ordered = parameters.map { p in p.values.allSatisfy { $0.number != nil } ? p.values.sorted { $0.number! < $1.number! } : p.values }
        for combination in 0..<combinations {
            var rest = combination, fixed: [(String, SweepValue)] = []
            for (parameter, values) in zip(parameters, ordered).reversed() {
                fixed.append((parameter.name, values[rest % values.count]))
                rest /= values.count
            }
            fixed.reverse()
            let rows = table.rows.filter { row in
                fixed.allSatisfy { name, value in
                    let cell = row[column(name)]
                    return cell.doubleValue.map { $0 == value.number } ?? (cell.stringValue == value.description)
                }
            }
            let groups = collect(rows) { [$0[xColumn].doubleValue!] }
            let xs = xAxis.values.compactMap(\.number).sorted().filter { groups[[$0]] != nil }
            let means = xs.map { x in groups[[x]]!.reduce(0, +) / Double(groups[[x]]!.count) }
            let errors: [Double]? = seeds > 1 ? xs.enumerated().map { i, x in
                let values = groups[[x]]!
                guard values.count > 1 else { return 0 }
                let variance = values.map { ($0 - means[i]) * ($0 - means[i]) }.reduce(0, +) / Double(values.count - 1)
                return (variance / Double(values.count)).squareRoot()
            } : nil
            let curveLabel = fixed.isEmpty ? nil : fixed.map { "\(label(axis: $0.0)) = \($0.1)" }.joined(separator: ", ")
            let color = Self.palette[combination % Self.palette.count]
            series.append(.line(curveLabel, x: xs, y: means, color: color))
            series.append(.points(nil, x: xs, y: means, yError: errors, color: color))
        }
        let xValues = xAxis.values.compactMap(\.number)
        let allValues = series.flatMap(\.y)
        let logX = logX ?? (xValues.allSatisfy { $0 > 0 } && Self.spansDecades(xValues))
        let logY = logMeasure ?? (allValues.allSatisfy { $0 > 0 } && Self.spansDecades(allValues))
        let unreachedPoints = unreached.values.reduce(0, +)
        let notes = [unreachedPoints > 0 ? "\(unreachedPoints) point\(unreachedPoints == 1 ? "" : "s") \(never)" : nil,
                     missing > 0 ? "\(missing) point\(missing == 1 ? "" : "s") without a value" : nil].compactMap { $0 }
        let title = "\(Self.label(measure: measure)) over \(label(axis: xAxis.name))\(averaged)" + (notes.isEmpty ? "" : " (\(notes.joined(separator: "; ")))")
        return (Figure(panels: [Panel(xLabel: label(axis: xAxis.name), yLabel: Self.label(measure: measure), xScale: logX ? .log : .linear, yScale: logY ? .log : .linear,
                                      series: series)], title: title), "sweep_\(measure)_\(xAxis.name)")
    }

    /// What a completed point without `measure` means: "not relaxed within the horizon", "never reaching the target", ….
    static func unreachedDescription(measure: String) -> String {
        switch measure {
        case "relaxation_step": "not relaxed within the horizon"
        case "time_to_target": "never reaching the target"
        case "divergence_time": "not diverging"
        default: "completed without a value"
        }
    }

    /// How a figure names a measure (math in TeX notation, `MathText`); other columns with their `_` taken literally.
    public static func label(measure: String) -> String {
        let known = [
            "eg_final": "final ε_g", "eg_final_simulation": "final ε_g (simulation)", "m_final": "final m", "Delta_final": "final Δ",
            "e_final": "final e", "relaxation_step": "relaxation step", "time_to_target": "time to reach the target",
            "divergence_time": "divergence time", "t_final": "final t", "diverged": "diverged (1) or not (0)",
        ]
        return known[measure] ?? measure.replacingOccurrences(of: "_", with: "\\_").replacingOccurrences(of: "^", with: "\\^")
    }

    /// How a figure names an axis: the physics symbol of the options the models share, else the option's name (`command`:
    /// the sweep's command, whose first word tells DMFT's batch fraction from the online models' batch size).
    public static func label(axis: String, command: [String] = []) -> String {
        if command.first == "dmft", axis == "batch" { return "batch fraction b" }
        let known = [
            "lr": "learning rate η", "noise": "noise σ²", "reg": "weight decay λ", "batch": "batch size B", "momentum": "momentum β",
            "momentum-scaled": "momentum γ", "alpha": "sample complexity α", "m0": "m_0", "q0": "q_0", "r0": "r_0", "t-max": "t_{max}",
            "lr2": "second-layer rate η_v", "lr-bias": "bias rate η_b", "d": "dimension d", "steps": "steps T",
        ]
        return known[axis] ?? axis
    }

    /// matplotlib's tab10, so that each curve's line and markers share one colour.
    static let palette = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"].map(Color.init(hex:))

    /// A heatmap's tick label: five significant digits.
    static func tickLabel(_ x: Double) -> String { String(format: "%.5g", x) }

    /// Whether the positive finite `values` span two decades or more.
    static func spansDecades(_ values: [Double]) -> Bool {
        let positive = values.filter { $0.isFinite && $0 > 0 }
        guard let lo = positive.min(), let hi = positive.max(), positive.count == values.filter(\.isFinite).count else { return false }
        return hi / lo >= 100
    }
}

/// A learning rate above which the theory's dynamics are unstable, as a function of the other axis of a heatmap over
/// `lr` and that axis: drawn dashed over the cells.
public struct RateBoundary: Sendable, CustomStringConvertible {
    /// What the curve is, for the figure's title.
    public let description: String
    /// The heatmap's axes, one of them `lr`.
    public let x: String, y: String
    /// The rate at a value of the other axis (keyed by its name); `nil` where the theory has none.
    let rate: @Sendable ([String: Double]) -> Double?

    /// A boundary named `description` for a heatmap over `x` and `y`; `rate` takes the other axis's value, keyed by
    /// its name, and returns the critical rate there, or nil where there is none.
    public init(description: String, x: String, y: String, rate: @escaping @Sendable ([String: Double]) -> Double?) {
        self.description = description; self.x = x; self.y = y; self.rate = rate
    }

    /// The critical rate at `values` of the other axis (keyed by its name); `nil` where the theory has none.
    public func rate(at values: [String: Double]) -> Double? { rate(values) }

    /// The critical rate the theory knows in closed form: η_c = 2B(1 + λ)(1 − β) for linear regression and the
    /// square-loss classifier (B the batch, λ the weight decay, β a fixed momentum; with scaled momentum (1 − β) is 1),
    /// each parameter read from its axis, or the command, or its default; `nil` for other models or axes.
    public static func closedForm(command: [String], x: String, y: String) -> RateBoundary? {
        guard command.count >= 2, command[0] == "online" else { return nil }
        let model = command[1]
        // A run (`online linear [run] …`), not a portrait.
        guard command.count < 3 || command[2].hasPrefix("-") || command[2] == "run" else { return nil }
        let loss = option("loss", in: command)
        guard model == "linear" || (model == "classifier" && loss == "square") else { return nil }
        guard x == "lr" || y == "lr", Set([x, y]).isSubset(of: ["lr", "reg", "batch", "momentum"]) else { return nil }
        let scaled = option("momentum-scaled", in: command) != nil
        guard !scaled || (x != "momentum" && y != "momentum") else { return nil }
        return RateBoundary(description: "critical rate η_c = 2B(1+λ)(1−β)", x: x, y: y) { values in
            func value(_ name: String, _ fallback: Double) -> Double { values[name] ?? option(name, in: command).flatMap(Double.init) ?? fallback }
            return 2 * value("batch", 1) * (1 + value("reg", 0)) * (1 - (scaled ? 0 : value("momentum", 0)))
        }
    }

    /// The value of `--name` in `command` (`--name value` or `--name=value`; the last one counts, as on the command line).
    public static func option(_ name: String, in command: [String]) -> String? {
        var found: String?
        for (index, token) in command.enumerated() {
            if token == "--\(name)", index + 1 < command.count { found = command[index + 1] }
            if token.hasPrefix("--\(name)=") { found = String(token.dropFirst(name.count + 3)) }
        }
        return found
    }

    /// The curve in the heatmap's cell coordinates (`xs` ascending along the columns, `ys` descending down the rows);
    /// NaN where the rate is unknown or falls outside the grid by more than half a cell.
    func curve(xs: [Double], ys: [Double]) -> (x: [Double], y: [Double]) {
        let ascendingY = Array(ys.reversed())
        if x == "lr" {
            let rows = ys.indices.map(Double.init)
            let columns = ys.map { Self.position(of: rate([y: $0]) ?? .nan, in: xs) }
            return (columns, rows)
        }
        let rowPositions = xs.map { value -> Double in
            let p = Self.position(of: rate([x: value]) ?? .nan, in: ascendingY)
            return p.isFinite ? Double(ys.count - 1) - p : .nan
        }
        return (xs.indices.map(Double.init), rowPositions)
    }

    /// Whether `curve` (cell coordinates at the cell centres) passes through the heatmap of `columns` × `rows`
    /// cells: some point inside it, or a segment between finite points that crosses it.
    func isVisible(_ curve: (x: [Double], y: [Double]), columns: Int, rows: Int) -> Bool {
        let moving = x == "lr" ? curve.x : curve.y, upper = Double(x == "lr" ? columns : rows) - 0.5
        let finite = moving.filter(\.isFinite)
        guard !finite.isEmpty else { return false }
        if finite.contains(where: { $0 >= -0.5 && $0 <= upper }) { return true }
        return zip(moving, moving.dropFirst()).contains { a, b in
            a.isFinite && b.isFinite && min(a, b) < -0.5 && max(a, b) > upper
        }
    }

    /// The fractional index of `value` among the ascending `grid` (interpolated in log when the grid is positive and
    /// spans two decades), extrapolated linearly beyond its ends: a boundary that leaves the grid is drawn up to the
    /// heatmap's edge (the overlay is clipped there), not cut at the last cell it crosses.
    static func position(of value: Double, in grid: [Double]) -> Double {
        guard grid.count >= 2, value.isFinite else { return grid.count == 1 && value == grid[0] ? 0 : .nan }
        let logarithmic = grid.allSatisfy { $0 > 0 } && grid.last! / grid.first! >= 100 && value > 0
        let t = logarithmic ? grid.map { Foundation.log($0) } : grid, v = logarithmic ? Foundation.log(value) : value
        var k = 0
        while k < t.count - 2 && v > t[k + 1] { k += 1 }
        let p = Double(k) + (v - t[k]) / (t[k + 1] - t[k])
        return p.isFinite ? p : .nan
    }
}
