/// The ready-to-run matplotlib script written beside every figure: it reads the figure's JSON and redraws
/// every panel kind (lines, points with error bars, bands, heatmaps), so users can restyle in Python.
public enum MatplotlibScript {
    /// The script's source: it reads `dataFile` and saves the figure as `output`, both names in the script's own
    /// directory.
    public static func text(dataFile: String, output: String) -> String {
        """
        #!/usr/bin/env python3
        \"\"\"Redraw this figure with matplotlib from \(dataFile) (written by statphys). Edit freely.\"\"\"
        import json
        import os

        import matplotlib.pyplot as plt
        import numpy as np

        HERE = os.path.dirname(os.path.abspath(__file__))
        with open(os.path.join(HERE, "\(dataFile)")) as f:
            fig_data = json.load(f)


        def arr(values):
            return np.asarray([float(v) for v in values], dtype=float)


        def color(c, index):
            if c is None:
                return "C%d" % (index % 10)
            return (c["r"], c["g"], c["b"])


        def tex(text):
            # Words with sub- or superscripts (ε_g, R_{11}, σ^2) as mathtext; a backslash before _ or ^ keeps it literal.
            bs = chr(92)
            if text is None:
                return None
            words = []
            for word in text.split(" "):
                plain = word.replace(bs + "_", "").replace(bs + "^", "")
                if "_" in plain or "^" in plain:
                    words.append("$" + word + "$")
                else:
                    words.append(word.replace(bs + "_", "_").replace(bs + "^", "^"))
            return " ".join(words)


        DASH = {"solid": "-", "dashed": "--", "dotted": ":"}
        CMAP = {"viridis": "viridis", "redBlue": "RdBu_r"}
        LOC = {"best": "best", "upperRight": "upper right", "upperLeft": "upper left", "lowerRight": "lower right", "lowerLeft": "lower left"}

        panels = fig_data["panels"]
        ncols = fig_data["columns"]
        nrows = (len(panels) + ncols - 1) // ncols
        fig, axes = plt.subplots(nrows, ncols, figsize=(fig_data["panelWidth"] / 96 * ncols, fig_data["panelHeight"] / 96 * nrows),
                                 squeeze=False)
        for index, panel in enumerate(panels):
            ax = axes[index // ncols][index % ncols]
            heatmap = panel.get("heatmap")
            if heatmap is not None:
                values = arr(heatmap["values"]).reshape(heatmap["rows"], heatmap["columns"])
                vmin, vmax = (heatmap["range"] if heatmap.get("range") else (None, None))
                extent = None
                if heatmap.get("xExtent") and heatmap.get("yExtent"):
                    extent = [heatmap["xExtent"][0], heatmap["xExtent"][1], heatmap["yExtent"][1], heatmap["yExtent"][0]]
                image = ax.imshow(values, cmap=CMAP[heatmap["colormap"]], vmin=vmin, vmax=vmax, aspect="auto",
                                  interpolation="nearest", extent=extent)
                bar = fig.colorbar(image, ax=ax)
                if heatmap.get("colorbarLabel"):
                    bar.set_label(tex(heatmap["colorbarLabel"]))
                if heatmap.get("columnLabels"):
                    every = max(1, -(-len(heatmap["columnLabels"]) * max(len(t) for t in heatmap["columnLabels"]) // 60))
                    ax.set_xticks(range(0, heatmap["columns"], every), heatmap["columnLabels"][::every])
                if heatmap.get("rowLabels"):
                    every = max(1, -(-heatmap["rows"] // 20))
                    rows = list(range(heatmap["rows"] - 1, -1, -every))
                    ax.set_yticks(rows, [heatmap["rowLabels"][r] for r in rows])
                # Lines and points over the heatmap, in its coordinates (cell indices, or the extents' units).
                for s in panel["series"]:
                    c = color(s.get("color"), 0) if s.get("color") is not None else "white"
                    if s["kind"] == "line":
                        ax.plot(arr(s["x"]), arr(s["y"]), DASH[s["dash"]], color=c, lw=s["lineWidth"], label=tex(s.get("label")), scalex=False, scaley=False)
                    elif s["kind"] == "points":
                        ax.plot(arr(s["x"]), arr(s["y"]), "o", ms=2 * s["markerSize"], mfc="none", color=c, label=tex(s.get("label")), scalex=False, scaley=False)
            else:
                cycle = 0
                for s in panel["series"]:
                    c = color(s.get("color"), cycle)
                    if s.get("color") is None:
                        cycle += 1
                    x = arr(s["x"])
                    if s["kind"] == "line":
                        ax.plot(x, arr(s["y"]), DASH[s["dash"]], color=c, lw=s["lineWidth"], label=tex(s.get("label")))
                    elif s["kind"] == "points":
                        yerr = arr(s["yError"]) if s.get("yError") is not None else None
                        ax.errorbar(x, arr(s["y"]), yerr=yerr, fmt="o", ms=2 * s["markerSize"], color=c, capsize=2,
                                    lw=1, mfc=c if s.get("filledMarkers") else "none", label=tex(s.get("label")))
                    else:
                        ax.fill_between(x, arr(s["lower"]), arr(s["upper"]), color=c, alpha=s["opacity"], lw=0,
                                        label=tex(s.get("label")))
                ax.set_xscale(panel["xScale"])
                ax.set_yscale(panel["yScale"])
                if panel.get("xRange"):
                    ax.set_xlim(*panel["xRange"])
                if panel.get("yRange"):
                    ax.set_ylim(*panel["yRange"])
                if panel["legend"] == "outside" and any(s.get("label") for s in panel["series"]):
                    ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1), fontsize="small")
                elif panel["legend"] != "none" and any(s.get("label") for s in panel["series"]):
                    ax.legend(loc=LOC[panel["legend"]], fontsize="small")
            if panel.get("title"):
                ax.set_title(tex(panel["title"]))
            if len(panels) > 1:
                ax.set_title("(%s)" % (chr(97 + index) if index < 26 else index + 1), loc="left", fontweight="bold")
            if panel.get("xLabel"):
                ax.set_xlabel(tex(panel["xLabel"]))
            if panel.get("yLabel"):
                ax.set_ylabel(tex(panel["yLabel"]))
        for index in range(len(panels), nrows * ncols):
            axes[index // ncols][index % ncols].axis("off")
        if fig_data.get("title"):
            fig.suptitle(tex(fig_data["title"]), wrap=True)
        fig.tight_layout()
        if fig_data.get("sharedLegend"):
            # One legend for every panel (they repeat the same entries), below the panels.
            handles, labels = axes[0][0].get_legend_handles_labels()
            fig.legend(handles, labels, loc="upper center", bbox_to_anchor=(0.5, 0.0), ncol=min(len(labels), 4), fontsize="small",
                       frameon=False)
        fig.savefig(os.path.join(HERE, "\(output)"), bbox_inches="tight")
        print("wrote", os.path.join(HERE, "\(output)"))

        """
    }
}
