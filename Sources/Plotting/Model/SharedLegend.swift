/// One legend for a figure whose panels all repeat the same entries (the DMFT's m, Δ and e panels, each "DMFT" and
/// "simulation"): drawn once under the title instead of once per panel, as matplotlib's `fig.legend`.
extension Figure {
    /// What makes two legend entries the same: label, kind, colour (explicit or the cycle's), dash, fill and error bars.
    struct LegendKey: Hashable {
        let label: String, kind: Series.Kind, color: String, dash: LineDash, filled: Bool, errorBars: Bool
    }

    /// A panel's legend entries in order, with the colours the renderer gives them.
    static func legendKeys(_ panel: Panel) -> [LegendKey] {
        zip(panel.series, panel.seriesColors).compactMap { series, color in
            guard let label = series.label else { return nil }
            return LegendKey(label: label, kind: series.kind, color: color, dash: series.dash, filled: series.filledMarkers == true,
                             errorBars: series.yError != nil)
        }
    }

    /// Whether every panel (two or more, no heatmap, none without a legend) has the same non-empty legend.
    public var repeatsOneLegend: Bool {
        guard panels.count > 1, panels.allSatisfy({ $0.heatmap == nil && $0.legend != .none }) else { return false }
        let first = Self.legendKeys(panels[0])
        return !first.isEmpty && panels.dropFirst().allSatisfy { Self.legendKeys($0) == first }
    }

    /// The figure with one shared legend (`sharedLegend`, every panel's own legend off) when its panels repeat one;
    /// else the figure unchanged. What `write(to:name:)` draws and saves.
    public func sharingRepeatedLegends() -> Figure {
        guard sharedLegend != true, repeatsOneLegend else { return self }
        var figure = self
        figure.sharedLegend = true
        for index in figure.panels.indices { figure.panels[index].legend = .none }
        return figure
    }
}

extension Panel {
    /// The colour each series is drawn in: its own, or the next of the cycle (in the order of the series without one).
    var seriesColors: [String] {
        var next = 0
        return series.map { series in
            if let color = series.color { return color.hex }
            defer { next += 1 }
            return Color.cycle[next % Color.cycle.count].hex
        }
    }
}
