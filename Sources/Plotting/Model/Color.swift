/// An sRGB colour with components in 0…1.
public struct Color: Codable, Sendable, Hashable {
    /// Red, 0…1.
    public var r: Double
    /// Green, 0…1.
    public var g: Double
    /// Blue, 0…1.
    public var b: Double

    /// A colour from its components in 0…1, stored as given (`hex` clamps them).
    public init(r: Double, g: Double, b: Double) { self.r = r; self.g = g; self.b = b }

    /// A colour from `#rrggbb` (black for malformed input).
    public init(hex: String) {
        let digits = hex.hasPrefix("#") ? String(hex.dropFirst()) : hex
        let value = UInt32(digits, radix: 16) ?? 0
        self.init(r: Double((value >> 16) & 0xff) / 255, g: Double((value >> 8) & 0xff) / 255, b: Double(value & 0xff) / 255)
    }

    /// `#rrggbb` (a non-finite component, say from a hand-edited figure file, counts as 0).
    public var hex: String {
        func byte(_ x: Double) -> String {
            let v = x.isFinite ? Int((min(max(x, 0), 1) * 255).rounded()) : 0
            let s = String(v, radix: 16)
            return s.count == 1 ? "0" + s : s
        }
        return "#" + byte(r) + byte(g) + byte(b)
    }

    /// matplotlib's default colour cycle (tab10).
    public static let cycle: [Color] = [
        "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
    ].map(Color.init(hex:))

    static func mix(_ a: Color, _ b: Color, _ t: Double) -> Color {
        Color(r: a.r + (b.r - a.r) * t, g: a.g + (b.g - a.g) * t, b: a.b + (b.b - a.b) * t)
    }
}

/// Colour maps for heatmaps, as matplotlib's.
public enum Colormap: String, Codable, Sendable, CaseIterable {
    /// Perceptually uniform, for non-negative data.
    case viridis
    /// Diverging red–white–blue (matplotlib's RdBu_r: negative blue, positive red), for signed data.
    case redBlue

    /// Anchor colours at equal spacing from 0 to 1.
    var anchors: [Color] {
        switch self {
        case .viridis:
            return ["#440154", "#482878", "#3e4989", "#31688e", "#26828e", "#1f9e89", "#35b779", "#6ece58", "#b5de2b", "#fde725"]
                .map(Color.init(hex:))
        case .redBlue:
            return ["#053061", "#2166ac", "#4393c3", "#92c5de", "#d1e5f0", "#f7f7f7", "#fddbc7", "#f4a582", "#d6604d", "#b2182b", "#67001f"]
                .map(Color.init(hex:))
        }
    }

    /// The colour at u ∈ [0, 1] (clamped), by linear interpolation between anchors.
    public func color(at u: Double) -> Color {
        let anchors = self.anchors
        guard u.isFinite else { return Color(hex: "#ffffff") }
        let x = min(max(u, 0), 1) * Double(anchors.count - 1)
        let i = min(Int(x), anchors.count - 2)
        return Color.mix(anchors[i], anchors[i + 1], x - Double(i))
    }
}
