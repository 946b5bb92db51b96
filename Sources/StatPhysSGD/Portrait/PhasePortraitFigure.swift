import Foundation
import OnlineTheory
import Plotting

extension PhasePortraitResult {
    /// The (m, q) plane: the unreachable region q < m²/ρ shaded, the direction field as grey arrows (direction only, on a
    /// grid), the nullclines dm/dt = 0 and dq/dt = 0, the theory trajectories as lines with the simulated means as open
    /// markers over them, and the fixed points (filled when stable, open otherwise, labelled with their kind).
    public var figure: Figure {
        let w = window
        var series: [Series] = []
        // The unreachable region below the parabola q = m²/ρ.
        let rho = experiment.model.teacherNorm
        let ms = (0...120).map { w.x.lowerBound + w.width * Double($0) / 120 }
        let boundary = ms.map { min($0 * $0 / rho, w.y.upperBound) }
        if boundary.contains(where: { $0 > w.y.lowerBound }) {
            series.append(.band("unreachable: q < m²/ρ", x: ms, lower: ms.map { _ in w.y.lowerBound }, upper: boundary.map { max($0, w.y.lowerBound) },
                                color: Color(hex: "#bbbbbb"), opacity: 0.35))
        }
        series.append(arrowSeries)
        let nullcline = { (lines: [[PlanarPoint]], label: String, color: Color, dash: LineDash) -> Series? in
            guard !lines.isEmpty else { return nil }
            let xs = lines.flatMap { $0.map(\.x) + [.nan] }, ys = lines.flatMap { $0.map(\.y) + [.nan] }
            return .line(label, x: Array(xs.dropLast()), y: Array(ys.dropLast()), color: color, dash: dash, width: 1.2)
        }
        if let s = nullcline(nullclines.x, "nullcline dm/dt = 0", Color.cycle[2], .dashed) { series.append(s) }
        if let s = nullcline(nullclines.y, "nullcline dq/dt = 0", Color.cycle[3], .dotted) { series.append(s) }
        for (index, trajectory) in trajectories.enumerated() {
            series.append(.line(index == 0 ? "ODE (d → ∞)" : nil, x: trajectory.theory.m, y: trajectory.theory.q, color: Color.cycle[0]))
            if let simulated = trajectory.simulated, let sim = experiment.model.simulation, let times = trajectory.simulationTimes {
                let picks = arcLengthPicks(m: simulated.m.mean, q: simulated.q.mean, count: min(times.count, simulated.m.mean.count))
                series.append(.points(index == 0 ? "simulation, d = \(sim.dimension) (mean of \(sim.seeds) seeds)" : nil,
                                      x: picks.map { simulated.m.mean[$0] }, y: picks.map { simulated.q.mean[$0] }, color: Color.cycle[1], size: 2.5))
            }
        }
        for point in fixedPoints {
            var marker = Series.points("\(point.stability.rawValue) (\(TextTable.format(point.point.x, digits: 3)), \(TextTable.format(point.point.y, digits: 3)))",
                                       x: [point.point.x], y: [point.point.y], color: Color(hex: "#000000"), size: 5)
            marker.filledMarkers = point.stability.isStable
            series.append(marker)
        }
        let panel = Panel(xLabel: "m = w·w*/d", yLabel: "q = |w|²/d", xRange: try? AxisRange(w.x),
                          yRange: try? AxisRange(w.y), legend: .outside, series: series)
        return Figure(panels: [panel], title: experiment.model.title + ", t ≤ \(experiment.model.tMax)", panelWidth: 620, panelHeight: 440)
    }

    /// The direction field as strokes with NaN breaks: a shaft through each grid point along the flow and a two-stroke
    /// head at its tip, of one length in the panel's units (the axes are about 1.3 times wider than high).
    var arrowSeries: Series {
        let w = window, aspect = 1.3, n = Double(experiment.arrows)
        let length = 0.55 / (n - 1), head = 0.3 * length, angle = 0.45
        var xs: [Double] = [], ys: [Double] = []
        for arrow in directionField where arrow.speed > 0 {
            // Direction in panel units (x stretched by the aspect ratio), normalised.
            var ux = arrow.velocity.x / w.width * aspect, uy = arrow.velocity.y / w.height
            let norm = (ux * ux + uy * uy).squareRoot()
            guard norm > 0, norm.isFinite else { continue }
            ux /= norm; uy /= norm
            let px = (arrow.point.x - w.x.lowerBound) / w.width * aspect, py = (arrow.point.y - w.y.lowerBound) / w.height
            let tail = (px - ux * length / 2, py - uy * length / 2), tip = (px + ux * length / 2, py + uy * length / 2)
            let cosA = cos(angle), sinA = sin(angle)
            let left = (tip.0 - head * (ux * cosA - uy * sinA), tip.1 - head * (uy * cosA + ux * sinA))
            let right = (tip.0 - head * (ux * cosA + uy * sinA), tip.1 - head * (uy * cosA - ux * sinA))
            for (a, b) in [(tail, tip), (left, tip), (right, tip)] {
                xs += [w.x.lowerBound + a.0 / aspect * w.width, w.x.lowerBound + b.0 / aspect * w.width, .nan]
                ys += [w.y.lowerBound + a.1 * w.height, w.y.lowerBound + b.1 * w.height, .nan]
            }
        }
        return .line("flow direction", x: xs, y: ys, color: Color(hex: "#9a9a9a"), width: 0.8)
    }

    /// About 15 indices evenly spaced along the path in window units (a trajectory slows down near a fixed point, so
    /// evenly spaced times would pile markers there), always the first.
    func arcLengthPicks(m: [Double], q: [Double], count: Int, target: Double = 15) -> [Int] {
        guard count > 0 else { return [] }
        func step(_ i: Int) -> Double {
            let dx = (m[i] - m[i - 1]) / window.width, dy = (q[i] - q[i - 1]) / window.height
            let length = (dx * dx + dy * dy).squareRoot()
            return length.isFinite ? length : 0
        }
        let total = (1..<max(count, 1)).reduce(0.0) { $0 + step($1) }
        let spacing = total / target
        var picks = [0], travelled = 0.0
        for i in 1..<max(count, 1) {
            travelled += step(i)
            if spacing > 0, travelled >= spacing, m[i].isFinite, q[i].isFinite { picks.append(i); travelled = 0 }
        }
        return picks
    }
}
