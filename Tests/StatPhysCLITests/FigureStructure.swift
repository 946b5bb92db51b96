import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// The structure of a rendered SVG figure, read back from the file alone (an independent check of the renderer):
/// the data drawn in each panel (`<g class="data">`, clipped to its axes), the legend boxes (`<g class="legend">`),
/// axis labels and colour bars.
struct FigureStructure {
    struct Box { var x, y, width, height: Double }
    /// A drawn data segment (a point is a zero-length one) and the clip rectangle it is drawn in.
    struct Segment { var x0, y0, x1, y1: Double; var clip: Box? }

    var segments: [Segment] = []
    var legends: [Box] = []
    var xLabels = 0, yLabels = 0, colorBars = 0, dataGroups = 0
    var wellFormed = false

    init(svg url: URL) throws {
        let delegate = Reader()
        let parser = XMLParser(data: try Data(contentsOf: url))
        parser.delegate = delegate
        wellFormed = parser.parse()
        let clips = delegate.clips
        segments = delegate.segments.map { var s = $0.segment; s.clip = $0.clipID.flatMap { clips[$0] }; return s }
        legends = delegate.legends
        xLabels = delegate.classes["xlabel", default: 0]
        yLabels = delegate.classes["ylabel", default: 0]
        colorBars = delegate.classes["colorbar", default: 0]
        dataGroups = delegate.classes["data", default: 0]
    }

    /// Visible data inside a legend box (sampled every half pixel along each segment, 1 px inside the box's edges,
    /// only where the segment's clip lets it show), as "legend k: (x, y)" descriptions.
    var dataUnderLegends: [String] {
        var hits: [String] = []
        for (k, box) in legends.enumerated() {
            for s in segments {
                let length = ((s.x1 - s.x0) * (s.x1 - s.x0) + (s.y1 - s.y0) * (s.y1 - s.y0)).squareRoot()
                let samples = max(1, Int(length * 2))
                for i in 0...samples {
                    let u = Double(i) / Double(samples), x = s.x0 + u * (s.x1 - s.x0), y = s.y0 + u * (s.y1 - s.y0)
                    if let c = s.clip, !(x >= c.x && x <= c.x + c.width && y >= c.y && y <= c.y + c.height) { continue }
                    if x > box.x + 1, x < box.x + box.width - 1, y > box.y + 1, y < box.y + box.height - 1 {
                        hits.append("legend \(k) at (\(box.x), \(box.y)) covers (\(x), \(y))")
                        break
                    }
                }
                if hits.count > 5 { return hits }
            }
        }
        return hits
    }

    private final class Reader: NSObject, XMLParserDelegate {
        var clips: [String: Box] = [:]
        var segments: [(segment: Segment, clipID: String?)] = []
        var legends: [Box] = []
        var classes: [String: Int] = [:]
        /// Open groups: their class and clip id.
        var stack: [(name: String, classes: [String], clip: String?)] = []
        var currentClipPath: String?
        var legendNeedsBox = false

        func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                    attributes a: [String: String] = [:]) {
            let number = { (key: String) in Double(a[key] ?? "") ?? 0 }
            let groupClasses = (a["class"] ?? "").split(separator: " ").map(String.init)
            var clip: String?
            if let reference = a["clip-path"], let start = reference.range(of: "#") {
                clip = String(reference[start.upperBound...].dropLast())
            }
            stack.append((name, groupClasses, clip))
            for c in groupClasses where name == "g" { classes[c, default: 0] += 1 }
            if name == "clipPath" { currentClipPath = a["id"] }
            if name == "g", groupClasses == ["legend"] { legendNeedsBox = true }
            if name == "rect", let id = currentClipPath {
                clips[id] = Box(x: number("x"), y: number("y"), width: number("width"), height: number("height"))
            }
            if name == "rect", legendNeedsBox, stack.contains(where: { $0.classes == ["legend"] }) {
                legends.append(Box(x: number("x"), y: number("y"), width: number("width"), height: number("height")))
                legendNeedsBox = false
            }
            guard let dataGroup = stack.last(where: { $0.classes.contains("data") }) else { return }
            let clipID = dataGroup.clip
            func add(_ x0: Double, _ y0: Double, _ x1: Double, _ y1: Double) {
                segments.append((Segment(x0: x0, y0: y0, x1: x1, y1: y1, clip: nil), clipID))
            }
            switch name {
            case "path":
                var previous: (Double, Double)?
                let d = a["d"] ?? ""
                let scanner = Scanner(string: d)
                scanner.charactersToBeSkipped = .whitespaces
                while !scanner.isAtEnd {
                    guard let command = scanner.scanCharacter() else { break }
                    if command == "Z" || command == "z" { previous = nil; continue }
                    guard let x = scanner.scanDouble() else { break }
                    _ = scanner.scanString(",")
                    guard let y = scanner.scanDouble() else { break }
                    if command == "L", let p = previous { add(p.0, p.1, x, y) } else { add(x, y, x, y) }
                    previous = (x, y)
                }
            case "circle":
                let cx = number("cx"), cy = number("cy"), r = number("r")
                add(cx - r, cy, cx + r, cy); add(cx, cy - r, cx, cy + r)
            case "line":
                add(number("x1"), number("y1"), number("x2"), number("y2"))
            case "polygon", "polyline":
                let points = (a["points"] ?? "").split(separator: " ").compactMap { pair -> (Double, Double)? in
                    let xy = pair.split(separator: ",").compactMap { Double($0) }
                    return xy.count == 2 ? (xy[0], xy[1]) : nil
                }
                for k in points.indices.dropFirst() { add(points[k - 1].0, points[k - 1].1, points[k].0, points[k].1) }
            default: break
            }
        }

        func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
            if name == "clipPath" { currentClipPath = nil }
            if !stack.isEmpty { stack.removeLast() }
        }
    }
}
