/// A label with sub- and superscripts in TeX's notation: `ε_g`, `R_{11}`, `σ^2`, `t^{-1/3}`. A script is the one
/// character after `_` or `^`, or the braced group after it; `\_` and `\^` are the literal characters. The SVG draws
/// scripts smaller and shifted (`SVGCanvas.text`); the matplotlib script hands the same words to mathtext.
struct MathText: Equatable {
    /// A run of text on the baseline (0), as a subscript (−1) or as a superscript (+1).
    struct Run: Equatable {
        var text: String
        var level: Int
    }

    let runs: [Run]

    init(_ source: String) {
        var runs: [Run] = [], current = ""
        var characters = Array(source)[...]
        func flush() { if !current.isEmpty { runs.append(Run(text: current, level: 0)); current = "" } }
        while let c = characters.popFirst() {
            if c == "\\", let next = characters.first, next == "_" || next == "^" {
                current.append(characters.removeFirst())
            } else if (c == "_" || c == "^"), let next = characters.first {
                flush()
                var script = ""
                if next == "{", let close = characters.firstIndex(of: "}") {
                    script = String(characters[characters.index(after: characters.startIndex)..<close])
                    characters = characters[characters.index(after: close)...]
                } else {
                    script = String(characters.removeFirst())
                }
                runs.append(Run(text: script, level: c == "_" ? -1 : 1))
            } else {
                current.append(c)
            }
        }
        flush()
        self.runs = runs
    }

    /// Whether the label has any script (otherwise it is drawn as plain text).
    var hasScripts: Bool { runs.contains { $0.level != 0 } }

    /// The size of a script relative to the text.
    static let scriptScale = 0.72

    /// The label's approximate width at font size `size`.
    func width(size: Double) -> Double {
        runs.reduce(0) { $0 + Double($1.text.count) * size * 0.58 * ($1.level == 0 ? 1 : Self.scriptScale) }
    }
}
