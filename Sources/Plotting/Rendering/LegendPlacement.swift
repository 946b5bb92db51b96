/// Where a legend box goes so that it covers the least data, as matplotlib's `loc="best"`.
///
/// The data are the segments the panel draws, in pixels: line pieces, error bars, the vertical extent of a band at each
/// of its x, and a marker as the small box around it. Each candidate box (the nine anchors upper right, upper left,
/// lower left, lower right, right, centre left, lower centre, upper centre, centre, in matplotlib's order of preference)
/// is scored by the number of segments that cross it; the first with the least score wins. When even that one covers
/// data, the legend goes outside the axes, to their right (`outside`).
struct LegendPlacement {
    /// A straight piece of drawn data, in pixels.
    struct Segment: Hashable {
        var x0, y0, x1, y1: Double
    }

    /// An axis-aligned box in pixels (y grows downwards).
    struct Box: Hashable {
        var x, y, width, height: Double
    }

    /// The chosen box, and whether it lies inside the axes (false: the axes must make room on their right).
    enum Choice: Equatable {
        case inside(Box)
        case outside
    }

    /// The nine candidate anchors as (horizontal, vertical) fractions of the free space: 0 left/top, 1 right/bottom.
    static let anchors: [(Double, Double)] = [(1, 0), (0, 0), (0, 1), (1, 1), (1, 0.5), (0, 0.5), (0.5, 1), (0.5, 0), (0.5, 0.5)]
    /// Space between the legend and the axes' frame.
    static let margin = 6.0

    /// The best place for a `width` × `height` legend inside the axes `frame` over `segments`.
    static func choose(width: Double, height: Double, frame: Box, segments: [Segment]) -> Choice {
        let freeWidth = frame.width - width - 2 * margin, freeHeight = frame.height - height - 2 * margin
        guard freeWidth >= 0, freeHeight >= 0 else { return .outside }
        var best: (box: Box, score: Int)?
        for (u, v) in anchors {
            let box = Box(x: frame.x + margin + u * freeWidth, y: frame.y + margin + v * freeHeight, width: width, height: height)
            let score = segments.reduce(0) { $0 + (crosses($1, box) ? 1 : 0) }
            if best == nil || score < best!.score { best = (box, score) }
            if score == 0 { break }
        }
        guard let best, best.score == 0 else { return .outside }
        return .inside(best.box)
    }

    /// Whether `segment` meets `box` (grown by 2 px, so a line grazing the frame counts): Liang–Barsky clipping.
    static func crosses(_ segment: Segment, _ box: Box) -> Bool {
        let pad = 2.0
        let xMin = box.x - pad, xMax = box.x + box.width + pad, yMin = box.y - pad, yMax = box.y + box.height + pad
        let dx = segment.x1 - segment.x0, dy = segment.y1 - segment.y0
        var t0 = 0.0, t1 = 1.0
        for (p, q) in [(-dx, segment.x0 - xMin), (dx, xMax - segment.x0), (-dy, segment.y0 - yMin), (dy, yMax - segment.y0)] {
            if p == 0 {
                if q < 0 { return false }
            } else {
                let r = q / p
                if p < 0 { if r > t1 { return false }; t0 = max(t0, r) } else { if r < t0 { return false }; t1 = min(t1, r) }
            }
        }
        return t0 <= t1
    }
}
