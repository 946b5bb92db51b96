import Foundation

/// Tick placement and labels, matplotlib-style. Every function is total: any input, non-finite, zero-width or
/// spanning the whole range of `Double`, gives a (possibly empty) list of finite ticks or a label, never a trap.
public enum Ticks {
    /// "Nice" ticks (1, 2, 2.5, 5 × 10^k steps) inside [lo, hi], about `target` of them; `[lo]` when hi ≤ lo,
    /// none for non-finite limits or a range too narrow for distinct ticks.
    public static func linear(lo: Double, hi: Double, target: Int = 6) -> [Double] {
        guard lo.isFinite, hi.isFinite else { return [] }
        guard hi > lo else { return [lo] }
        // Half-widths, so that a range wider than the largest Double does not overflow.
        let halfWidth = hi * 0.5 - lo * 0.5
        let raw = halfWidth / (Double(min(max(target - 1, 1), 1000)) * 1.5) * 2
        let step = niceStep(raw)
        guard step.isFinite, step > 0 else { return [] }
        let first = (lo / step).rounded(.up), last = (hi / step).rounded(.down)
        // Beyond 2^52 consecutive multiples of the step are no longer distinct.
        guard first.isFinite, last.isFinite, last >= first, last - first < 1000, max(abs(first), abs(last)) < 0x1p52 else { return [] }
        return stride(from: first, through: last, by: 1).compactMap { k in
            let v = k * step
            guard v.isFinite else { return nil }
            return abs(v) < step * 1e-9 ? 0 : v
        }
    }

    /// The tick spacing: the smallest of {1, 2, 2.5, 5, 10} × 10^k not below `raw` (and finite); 0 when `raw` is
    /// not a positive finite number or no such spacing is representable.
    public static func niceStep(_ raw: Double) -> Double {
        guard raw.isFinite, raw > 0 else { return 0 }
        let exponent = floor(log10(raw))
        // 10^k, also where pow would underflow (subnormal raw) or overflow.
        let magnitude = pow(10, exponent)
        guard magnitude > 0 else { return raw }
        for m in [1.0, 2, 2.5, 5, 10] where m * magnitude >= raw * (1 - 1e-9) {
            return (m * magnitude).isFinite ? m * magnitude : raw
        }
        return (10 * magnitude).isFinite ? 10 * magnitude : raw
    }

    /// Major ticks of a log axis on [lo, hi] (both > 0 and finite): every decade, or every n-th decade when there
    /// are many. Returns the exponents k (tick at 10^k).
    public static func logDecades(lo: Double, hi: Double, maximum: Int = 8) -> [Int] {
        guard lo > 0, hi > lo, hi.isFinite else { return [] }
        let a = Int(ceil(log10(lo) - 1e-9)), b = Int(floor(log10(hi) + 1e-9))
        guard b >= a else { return [] }
        let every = max(1, Int(ceil(Double(b - a + 1) / Double(max(maximum, 1)))))
        return stride(from: a, through: b, by: every).map { $0 }
    }

    /// Minor ticks of a log axis: m·10^k, m = 2…9, inside [lo, hi].
    public static func logMinor(lo: Double, hi: Double) -> [Double] {
        guard lo > 0, hi > lo, hi.isFinite else { return [] }
        let a = Int(floor(log10(lo))), b = Int(ceil(log10(hi)))
        guard b - a <= 12 else { return [] }
        var ticks: [Double] = []
        for k in a...b { for m in 2...9 { let v = Double(m) * pow(10, Double(k)); if v >= lo && v <= hi { ticks.append(v) } } }
        return ticks
    }

    /// Labelled ticks of a log axis spanning less than two decades: 1, 2, 5 × 10^k inside [lo, hi], or
    /// every m × 10^k when that gives fewer than three, or linear ticks (1.5, 2, 2.5, …) when even that gives fewer
    /// than two (an axis within a factor of about two).
    public static func logLabelled(lo: Double, hi: Double) -> [Double] {
        guard lo > 0, hi > lo, hi.isFinite else { return [] }
        let a = Int(floor(log10(lo))), b = Int(ceil(log10(hi)))
        func candidates(_ mantissas: [Double]) -> [Double] {
            var values: [Double] = []
            for k in a...b {
                let decade: Double = pow(10.0, Double(k))
                for m in mantissas {
                    let v = m * decade
                    if v.isFinite, v > 0, v >= lo * (1 - 1e-12) && v <= hi * (1 + 1e-12) { values.append(v) }
                }
            }
            return values
        }
        let coarse = candidates([1, 2, 5])
        if coarse.count >= 3 { return coarse }
        let fine = candidates([1, 2, 3, 4, 5, 6, 7, 8, 9])
        return fine.count >= 2 ? fine : linear(lo: lo, hi: hi, target: 4).filter { $0 > 0 && $0 >= lo && $0 <= hi }
    }

    /// A tick label for `value` on an axis whose ticks are `step` apart: fixed decimals as needed by the
    /// step, or m×10^k (returned as mantissa and exponent) for very large or small values. A step that is not
    /// positive and finite is taken as |value|; a non-finite value is labelled ∞, −∞ or NaN.
    public static func label(_ value: Double, step: Double) -> (text: String, exponent: Int?) {
        guard value.isFinite else { return (value.isNaN ? "NaN" : value > 0 ? "∞" : "−∞", nil) }
        if value == 0 { return ("0", nil) }
        let step = step.isFinite && step > 0 ? step : abs(value)
        let largest = max(abs(value), step)
        if largest >= 1e5 || largest < 1e-3 {
            let exponent = Int(floor(log10(abs(value))))
            // log10(step / 10^exponent), without forming 10^exponent (which under- or overflows at the ends).
            let relative = (log10(step) - Double(exponent) + 1e-12).rounded(.down)
            let digits = max(0, min(3, -Int(max(min(relative, 400), -400))))
            // The formatter rounds and normalises (9.99 → 1.0e+01) and handles subnormal numbers.
            let scientific = String(format: "%.\(digits)e", value)
            guard let split = scientific.firstIndex(where: { $0 == "e" || $0 == "E" }),
                  let shown = Int(scientific[scientific.index(after: split)...]) else { return (scientific, nil) }
            let text = format(mantissa: String(scientific[..<split]))
            return (text == "1" ? "" : text == "−1" ? "−" : text + "×", shown)
        }
        let decimals = max(0, min(-Int(max(min((log10(step) + 1e-9).rounded(.down), 400), -400)), 12))
        // Steps like 0.25 need one more digit than log10 says.
        let extra = abs((step * pow(10, Double(decimals))).rounded() - step * pow(10, Double(decimals))) > 1e-6 ? 1 : 0
        return (format(value, decimals: min(decimals + extra, 10)), nil)
    }

    /// `value` with `decimals` digits after the point and a proper minus sign.
    static func format(_ value: Double, decimals: Int) -> String {
        format(mantissa: String(format: "%.\(max(0, min(decimals, 20)))f", value))
    }

    /// A formatted number with a proper minus sign.
    static func format(mantissa text: String) -> String {
        text.hasPrefix("-") ? "−" + text.dropFirst() : text
    }
}

/// Maps data values to pixels along one axis.
struct AxisMap {
    let scale: AxisScale
    let lo: Double
    let hi: Double
    /// Pixel positions of lo and hi (hi may be smaller, as for y).
    let start: Double
    let end: Double

    func transform(_ v: Double) -> Double { scale == .log ? log10(v) : v }

    /// How far pixels may lie outside the axis, in axis lengths (points far outside are clipped anyway).
    static let overshoot = 100.0

    /// The pixel of `v`, or `nil` when `v` cannot be shown (non-finite, ≤ 0 on a log axis, or on an axis whose
    /// limits do not define a scale). Always finite.
    func pixel(_ v: Double) -> Double? {
        guard v.isFinite, scale == .linear || v > 0 else { return nil }
        guard let u = Self.fraction(transform(v), lo: transform(lo), hi: transform(hi)) else { return nil }
        return start + min(max(u, -Self.overshoot), 1 + Self.overshoot) * (end - start)
    }

    /// (x − a)/(b − a), also when the differences overflow (a range as wide as the Doubles); `nil` when it is
    /// not defined (a ≥ b in width zero, non-finite limits).
    static func fraction(_ x: Double, lo a: Double, hi b: Double) -> Double? {
        guard x.isFinite, a.isFinite, b.isFinite, a != b else { return nil }
        var u = (x - a) / (b - a)
        if !u.isFinite { u = (x * 0.5 - a * 0.5) / (b * 0.5 - a * 0.5) }
        return u.isFinite ? u : nil
    }

    /// Axis limits from data: 5% margins (in log space for log axes), or the fixed range when it is usable
    /// (finite, increasing, positive on a log axis). Always finite, lo < hi, and lo > 0 on a log axis, whatever
    /// the data: without drawable values the default range; one value (or values equal to 1e-9 relative) is
    /// padded by 10% (a decade on a log axis); limits are clamped to the finite (positive) Doubles.
    static func limits(of values: [Double], scale: AxisScale, fixed: AxisRange?) -> (Double, Double) {
        let largest = Double.greatestFiniteMagnitude, smallest = Double.leastNonzeroMagnitude
        if let fixed, fixed.fits(scale) {
            // Only a range with a width that pixels can resolve (on a log axis, in decades).
            let (a, b) = (fixed.lower, fixed.upper)
            let width = scale == .log ? log10(b) - log10(a) : b * 0.5 - a * 0.5
            let size = scale == .log ? max(abs(log10(a)), abs(log10(b)), 1) : max(abs(a), abs(b))
            if width > size * 1e-12 { return (a, b) }
        }
        let usable = values.filter { $0.isFinite && (scale == .linear || $0 > 0) }
        guard var lo = usable.min(), var hi = usable.max() else { return scale == .log ? (0.1, 10) : (0, 1) }
        if scale == .log {
            var a = log10(lo), b = log10(hi)
            if b - a < 1e-9 { let mid = a * 0.5 + b * 0.5; a = mid - 0.5; b = mid + 0.5 }
            let margin = 0.05 * (b - a)
            return (min(max(pow(10, a - margin), smallest), lo), max(min(pow(10, b + margin), largest), hi))
        }
        let size = max(abs(lo), abs(hi))
        if hi * 0.5 - lo * 0.5 <= size * 0.5e-9 {
            let pad = size == 0 ? 1 : max(size * 0.1, 1e-300)
            let mid = lo * 0.5 + hi * 0.5
            lo = mid - pad; hi = mid + pad
            return (max(lo, -largest), min(hi, largest))
        }
        let margin = 0.05 * hi - 0.05 * lo
        return (max(lo - margin, -largest), min(hi + margin, largest))
    }
}
