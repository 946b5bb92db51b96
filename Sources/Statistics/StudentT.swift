import Foundation

/// Student's t distribution with ν degrees of freedom: the law of (x̄ − μ)/(s/√n) for n = ν + 1 Gaussian samples.
public enum StudentT {
    /// P(|T| ≥ |t|) = I_{ν/(ν+t²)}(ν/2, 1/2), the regularised incomplete beta function.
    /// (ν = 1: 1 − (2/π) arctan|t|; ν = 2: 1 − |t|/√(2 + t²); ν → ∞: erfc(|t|/√2), which ν = `.infinity` gives.)
    public static func twoSidedTail(_ t: Double, degreesOfFreedom nu: Double) -> Double {
        precondition(nu > 0, "degrees of freedom must be positive")
        if t.isNaN { return .nan }
        if t.isInfinite { return 0 }
        if nu.isInfinite { return erfc(abs(t) / 2.squareRoot()) }
        let x = nu / (nu + t * t)
        return regularisedIncompleteBeta(x, a: nu / 2, b: 0.5)
    }

    /// The |t| with P(|T| ≥ |t|) = `tail` (0 < tail ≤ 1), by bisection on log|t| (the tail is monotone in |t|).
    public static func criticalValue(twoSidedTail tail: Double, degreesOfFreedom nu: Double) -> Double {
        precondition(tail > 0 && tail <= 1 && nu > 0)
        if tail == 1 { return 0 }
        var low = 0.0, high = 1.0
        while twoSidedTail(high, degreesOfFreedom: nu) > tail { low = high; high *= 2; if high > 1e300 { return .infinity } }
        for _ in 0..<200 {
            let mid = low == 0 ? high / 2 : (low * high).squareRoot()
            if twoSidedTail(mid, degreesOfFreedom: nu) > tail { low = mid } else { high = mid }
            if high - low <= 1e-12 * high { break }
        }
        return 0.5 * (low + high)
    }

    /// I_x(a, b) = B(x; a, b)/B(a, b) by the continued fraction of Numerical Recipes (modified Lentz), using the
    /// symmetry I_x(a, b) = 1 − I_{1−x}(b, a) where the fraction converges slowly.
    static func regularisedIncompleteBeta(_ x: Double, a: Double, b: Double) -> Double {
        if x <= 0 { return 0 }
        if x >= 1 { return 1 }
        let logFront = lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log1p(-x)
        if x < (a + 1) / (a + b + 2) {
            return exp(logFront) * continuedFraction(x, a: a, b: b) / a
        }
        return 1 - exp(logFront) * continuedFraction(1 - x, a: b, b: a) / b
    }

    private static func continuedFraction(_ x: Double, a: Double, b: Double) -> Double {
        let tiny = 1e-300
        var c = 1.0, d = 1 - (a + b) * x / (a + 1)
        if abs(d) < tiny { d = tiny }
        d = 1 / d
        var h = d
        for m in 1...10_000 {
            let m = Double(m), m2 = 2 * m
            var aa = m * (b - m) * x / ((a + m2 - 1) * (a + m2))
            d = 1 + aa * d; if abs(d) < tiny { d = tiny }
            c = 1 + aa / c; if abs(c) < tiny { c = tiny }
            d = 1 / d; h *= d * c
            aa = -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1))
            d = 1 + aa * d; if abs(d) < tiny { d = tiny }
            c = 1 + aa / c; if abs(c) < tiny { c = tiny }
            d = 1 / d
            let delta = d * c
            h *= delta
            if abs(delta - 1) < 1e-15 { break }
        }
        return h
    }
}
