import Foundation

extension Panel {
    /// The panel with every line that lies on an earlier one made visible: drawn dashed (dotted when the earlier one is
    /// dashed) and labelled "B = A" (equal to 10⁻⁹ of the range) or "B ≈ A" (equal to the eye), so a symmetric run where
    /// R₁₁ = R₂₂ does not show one curve and two legend entries.
    ///
    /// Two lines coincide when they have the same x and their y differ by at most `tolerance` × the panel's y range at
    /// every point where both are finite (on a logarithmic y axis, in log y). Only lines are compared; markers and bands
    /// are drawn over each other anyway.
    public func distinguishingCoincidentLines(tolerance: Double = 2e-3) -> Panel {
        var panel = self
        let lines = series.indices.filter { series[$0].kind == .line }
        func transformed(_ y: Double) -> Double { yScale == .log ? (y > 0 ? y.log10 : .nan) : y }
        let finite = lines.flatMap { series[$0].y.map(transformed) }.filter(\.isFinite)
        guard let lo = finite.min(), let hi = finite.max() else { return self }
        let scale = max(hi - lo, Swift.abs(hi), Double.leastNormalMagnitude)
        for (position, j) in lines.enumerated() {
            guard let earlier = lines[..<position].first(where: { i in
                Self.coincide(series[i], series[j], within: tolerance * scale, transform: transformed)
            }) else { continue }
            let base = panel.series[earlier]
            panel.series[j].dash = base.dash == .solid ? .dashed : .dotted
            if let label = series[j].label, let baseLabel = base.label {
                let equal = Self.coincide(series[earlier], series[j], within: 1e-9 * scale, transform: transformed)
                panel.series[j].label = "\(label) \(equal ? "=" : "≈") \(baseLabel)"
            }
        }
        return panel
    }

    static func coincide(_ a: Series, _ b: Series, within tolerance: Double, transform: (Double) -> Double) -> Bool {
        guard a.x.count == b.x.count, a.y.count == b.y.count, a.x == b.x else { return false }
        var compared = 0
        for (u, v) in zip(a.y, b.y) {
            let (p, q) = (transform(u), transform(v))
            guard p.isFinite, q.isFinite else { continue }
            guard Swift.abs(p - q) <= tolerance else { return false }
            compared += 1
        }
        return compared > 0
    }
}

extension Figure {
    /// The figure with coincident lines made visible in every panel (`Panel.distinguishingCoincidentLines`): what
    /// `write(to:name:)` draws and saves.
    public func distinguishingCoincidentLines() -> Figure {
        var figure = self
        figure.panels = panels.map { $0.distinguishingCoincidentLines() }
        return figure
    }
}

private extension Double {
    var log10: Double { Foundation.log10(self) }
}
