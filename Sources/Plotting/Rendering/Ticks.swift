import Foundation

/// Tick placement and labels, matplotlib-style.
public enum Ticks {
    /// "Nice" ticks (1, 2, 2.5, 5 × 10^k steps) inside [lo, hi], about `target` of them.
    public static func linear(lo: Double, hi: Double, target: Int = 6) -> [Double] {
        guard lo.isFinite, hi.isFinite, hi > lo else { return lo.isFinite ? [lo] : [] }
        let step = niceStep((hi - lo) / Double(max(target - 1, 1)) / 1.5)
        let first = (lo / step).rounded(.up), last = (hi / step).rounded(.down)
        guard last >= first, last - first < 1000 else { return [] }
        return stride(from: first, through: last, by: 1).map { k in
            let v = k * step
            return abs(v) < step * 1e-9 ? 0 : v
        }
    }

    /// The tick spacing: the smallest of {1, 2, 2.5, 5, 10} × 10^k not below `raw`.
    public static func niceStep(_ raw: Double) -> Double {
        let magnitude = pow(10, floor(log10(raw)))
        for m in [1.0, 2, 2.5, 5, 10] where m * magnitude >= raw * (1 - 1e-9) { return m * magnitude }
        return 10 * magnitude
    }

    /// Major ticks of a log axis on [lo, hi] (both > 0): every decade, or every n-th decade when there are many.
    /// Returns the exponents k (tick at 10^k).
    public static func logDecades(lo: Double, hi: Double, maximum: Int = 8) -> [Int] {
        guard lo > 0, hi > lo else { return [] }
        let a = Int(ceil(log10(lo) - 1e-9)), b = Int(floor(log10(hi) + 1e-9))
        guard b >= a else { return [] }
        let every = max(1, Int(ceil(Double(b - a + 1) / Double(maximum))))
        return stride(from: a, through: b, by: every).map { $0 }
    }

    /// Minor ticks of a log axis: m·10^k, m = 2…9, inside [lo, hi].
    public static func logMinor(lo: Double, hi: Double) -> [Double] {
        guard lo > 0, hi > lo else { return [] }
        let a = Int(floor(log10(lo))), b = Int(ceil(log10(hi)))
        guard b - a <= 12 else { return [] }
        var ticks: [Double] = []
        for k in a...b { for m in 2...9 { let v = Double(m) * pow(10, Double(k)); if v >= lo && v <= hi { ticks.append(v) } } }
        return ticks
    }

    /// Labelled ticks of a log axis spanning less than two decades: 1, 2, 5 × 10^k inside [lo, hi], or
    /// every m × 10^k when that gives fewer than three.
    public static func logLabelled(lo: Double, hi: Double) -> [Double] {
        guard lo > 0, hi > lo else { return [] }
        let a = Int(floor(log10(lo))), b = Int(ceil(log10(hi)))
        func candidates(_ mantissas: [Double]) -> [Double] {
            var values: [Double] = []
            for k in a...b {
                let decade: Double = pow(10.0, Double(k))
                for m in mantissas {
                    let v = m * decade
                    if v >= lo * (1 - 1e-12) && v <= hi * (1 + 1e-12) { values.append(v) }
                }
            }
            return values
        }
        let coarse = candidates([1, 2, 5])
        return coarse.count >= 3 ? coarse : candidates([1, 2, 3, 4, 5, 6, 7, 8, 9])
    }

    /// A tick label for `value` on an axis whose ticks are `step` apart: fixed decimals as needed by the
    /// step, or m×10^k (returned as mantissa and exponent) for very large or small values.
    public static func label(_ value: Double, step: Double) -> (text: String, exponent: Int?) {
        if value == 0 { return ("0", nil) }
        let largest = max(abs(value), step)
        if largest >= 1e5 || largest < 1e-3 {
            let exponent = Int(floor(log10(abs(value))))
            let mantissa = value / pow(10, Double(exponent))
            let digits = max(0, min(3, -Int(floor(log10(step / pow(10, Double(exponent)) + 1e-12)))))
            let text = format(mantissa, decimals: digits)
            return (text == "1" ? "" : text == "-1" ? "−" : text + "×", exponent)
        }
        let decimals = max(0, -Int(floor(log10(step) + 1e-9)))
        // Steps like 0.25 need one more digit than log10 says.
        let extra = abs((step * pow(10, Double(decimals))).rounded() - step * pow(10, Double(decimals))) > 1e-6 ? 1 : 0
        return (format(value, decimals: min(decimals + extra, 10)), nil)
    }

    /// `value` with `decimals` digits after the point and a proper minus sign.
    static func format(_ value: Double, decimals: Int) -> String {
        let text = String(format: "%.\(decimals)f", value)
        return text.hasPrefix("-") ? "−" + text.dropFirst() : text
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

    /// The pixel of `v`, or `nil` when `v` cannot be shown (non-finite, or ≤ 0 on a log axis).
    func pixel(_ v: Double) -> Double? {
        guard v.isFinite, scale == .linear || v > 0 else { return nil }
        let a = transform(lo), b = transform(hi)
        return start + (transform(v) - a) / (b - a) * (end - start)
    }

    /// Axis limits from data: 5% margins (in log space for log axes), or the fixed range.
    static func limits(of values: [Double], scale: AxisScale, fixed: [Double]?) -> (Double, Double) {
        if let fixed, fixed.count == 2, fixed[0] < fixed[1], scale == .linear || fixed[0] > 0 { return (fixed[0], fixed[1]) }
        let usable = values.filter { $0.isFinite && (scale == .linear || $0 > 0) }
        guard var lo = usable.min(), var hi = usable.max() else { return scale == .log ? (0.1, 10) : (0, 1) }
        if scale == .log {
            var a = log10(lo), b = log10(hi)
            if a == b { a -= 0.5; b += 0.5 }
            let margin = 0.05 * (b - a)
            return (pow(10, a - margin), pow(10, b + margin))
        }
        if lo == hi { let pad = lo == 0 ? 1 : abs(lo) * 0.1; lo -= pad; hi += pad; return (lo, hi) }
        let margin = 0.05 * (hi - lo)
        return (lo - margin, hi + margin)
    }
}
