import Foundation

/// Accumulates SVG elements; coordinates are written with two decimals.
struct SVGCanvas {
    private(set) var body = ""
    private var clipCount = 0
    static let font = "DejaVu Sans, Helvetica, Arial, sans-serif"

    /// A coordinate or size: two decimals; never "nan" or "inf" (which would make the document invalid), and
    /// clamped to ±10⁹ px.
    static func n(_ x: Double) -> String { String(format: "%.2f", x.isFinite ? min(max(x, -1e9), 1e9) : 0) }

    static func escape(_ text: String) -> String {
        var out = ""
        for c in text {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            default: out.append(c)
            }
        }
        return out
    }

    mutating func raw(_ s: String) { body += s; body += "\n" }

    mutating func line(_ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double, color: String = "#000000", width: Double = 0.8, dash: String? = nil) {
        var s = "<line x1=\"\(Self.n(x1))\" y1=\"\(Self.n(y1))\" x2=\"\(Self.n(x2))\" y2=\"\(Self.n(y2))\" stroke=\"\(color)\" stroke-width=\"\(Self.n(width))\""
        if let dash { s += " stroke-dasharray=\"\(dash)\"" }
        raw(s + "/>")
    }

    mutating func rect(_ x: Double, _ y: Double, _ w: Double, _ h: Double, fill: String, stroke: String? = nil, strokeWidth: Double = 0.8,
                       opacity: Double = 1, radius: Double = 0) {
        var s = "<rect x=\"\(Self.n(x))\" y=\"\(Self.n(y))\" width=\"\(Self.n(w))\" height=\"\(Self.n(h))\" fill=\"\(fill)\""
        if let stroke { s += " stroke=\"\(stroke)\" stroke-width=\"\(Self.n(strokeWidth))\"" }
        if opacity < 1 { s += " fill-opacity=\"\(Self.n(opacity))\"" }
        if radius > 0 { s += " rx=\"\(Self.n(radius))\"" }
        raw(s + "/>")
    }

    mutating func circle(_ x: Double, _ y: Double, radius: Double, fill: String) {
        raw("<circle cx=\"\(Self.n(x))\" cy=\"\(Self.n(y))\" r=\"\(Self.n(radius))\" fill=\"\(fill)\"/>")
    }

    /// An open circle: its outline only, so that what lies under it stays visible.
    mutating func ring(_ x: Double, _ y: Double, radius: Double, color: String, width: Double = 1.2) {
        raw("<circle cx=\"\(Self.n(x))\" cy=\"\(Self.n(y))\" r=\"\(Self.n(radius))\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"\(Self.n(width))\"/>")
    }

    /// A polyline through `points`; `nil` entries break it. A point with no neighbour to join (a line of one
    /// point, or one between two breaks) is drawn as a dot of the line's width, so that it stays visible.
    mutating func polyline(_ points: [(Double, Double)?], color: String, width: Double, dash: String?) {
        var d = "", pen = false
        for (k, p) in points.enumerated() {
            guard let (x, y) = p else { pen = false; continue }
            d += (pen ? "L" : "M") + Self.n(x) + " " + Self.n(y)
            if !pen, k + 1 == points.count || points[k + 1] == nil { circle(x, y, radius: max(width, 1), fill: color) }
            pen = true
        }
        guard !d.isEmpty else { return }
        var s = "<path d=\"\(d)\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"\(Self.n(width))\" stroke-linejoin=\"round\" stroke-linecap=\"round\""
        if let dash { s += " stroke-dasharray=\"\(dash)\"" }
        raw(s + "/>")
    }

    mutating func polygon(_ points: [(Double, Double)], fill: String, opacity: Double) {
        guard points.count > 2 else { return }
        let d = "M" + points.map { Self.n($0.0) + " " + Self.n($0.1) }.joined(separator: "L") + "Z"
        raw("<path d=\"\(d)\" fill=\"\(fill)\" fill-opacity=\"\(Self.n(opacity))\" stroke=\"none\"/>")
    }

    enum Anchor: String { case start, middle, end }

    /// Text at (x, y) (baseline), optionally with a superscript exponent and rotation.
    mutating func text(_ content: String, _ x: Double, _ y: Double, size: Double = 10, anchor: Anchor = .middle,
                       exponent: Int? = nil, rotate: Double? = nil, weight: String? = nil) {
        var s = "<text x=\"\(Self.n(x))\" y=\"\(Self.n(y))\" font-family=\"\(Self.font)\" font-size=\"\(Self.n(size))\" text-anchor=\"\(anchor.rawValue)\""
        if let rotate { s += " transform=\"rotate(\(Self.n(rotate)) \(Self.n(x)) \(Self.n(y)))\"" }
        if let weight { s += " font-weight=\"\(weight)\"" }
        s += ">" + Self.markup(MathText(content), size: size)
        if let exponent {
            let e = exponent < 0 ? "−\(-exponent)" : "\(exponent)"
            s += "10<tspan dy=\"\(Self.n(-0.4 * size))\" font-size=\"\(Self.n(0.72 * size))\">\(e)</tspan>"
        }
        raw(s + "</text>")
    }

    /// Starts a group clipped to a rectangle, of class `data` (the drawn series: what legends must not cover); close it
    /// with `endGroup`.
    mutating func beginClip(_ x: Double, _ y: Double, _ w: Double, _ h: Double, prefix: String) {
        clipCount += 1
        let id = "\(prefix)clip\(clipCount)"
        raw("<clipPath id=\"\(id)\"><rect x=\"\(Self.n(x))\" y=\"\(Self.n(y))\" width=\"\(Self.n(w))\" height=\"\(Self.n(h))\"/></clipPath>")
        raw("<g class=\"data\" clip-path=\"url(#\(id))\">")
    }

    /// Starts a group of class `name` (`legend`, `colorbar`, `xlabel`, `ylabel`): the figure's structure, for readers
    /// and tests of the SVG; close it with `endGroup`.
    mutating func beginGroup(class name: String) { raw("<g class=\"\(name)\">") }

    mutating func endGroup() { raw("</g>") }

    /// Approximate width of `text` (with its sub- and superscripts, `MathText`) in the sans-serif font at `size`.
    static func width(_ text: String, size: Double) -> Double { MathText(text).width(size: size) }

    /// The SVG content of `text`: each script a smaller `tspan` shifted by `dy` (down 0.25 em for a subscript, up 0.4 em
    /// for a superscript), the baseline restored after it.
    static func markup(_ text: MathText, size: Double) -> String {
        var out = "", shift = 0.0
        for run in text.runs {
            let target = run.level < 0 ? 0.25 * size : run.level > 0 ? -0.4 * size : 0
            let dy = target - shift
            shift = target
            let scale = run.level == 0 ? 1 : MathText.scriptScale
            if dy == 0 && run.level == 0 { out += escape(run.text); continue }
            // Spaces at a tspan's edge are collapsed by SVG renderers (rsvg drops even a no-break space there): such a
            // tspan preserves its white space.
            let text = escape(run.text)
            let preserve = text.hasPrefix(" ") || text.hasSuffix(" ") ? " xml:space=\"preserve\"" : ""
            out += "<tspan\(preserve) dy=\"\(n(dy))\"" + (scale == 1 ? "" : " font-size=\"\(n(scale * size))\"") + ">\(text)</tspan>"
        }
        if shift != 0 { out += "<tspan dy=\"\(n(-shift))\"></tspan>" }
        return out
    }
}
