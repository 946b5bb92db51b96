import RealModule

/// The values of a quantity at the four corners (x, y) ∈ {0, 1}² of a pair of two-point differences, stored as
/// f₀₀ and its differences without rounding them into the corner values:
///
///     d1 = f₁₀ − f₀₀,   d2 = f₀₁ − f₀₀,   d12 = f₁₁ − f₁₀ − f₀₁ + f₀₀.
///
/// The arithmetic below propagates all four to (near) full relative precision each, so that a mixed difference
/// of size δ² is obtained with an absolute error of about ε_mach·δ instead of ε_mach·|f|: this is how
/// E[(g(λ) − g(ρ))(g(λ') − g(ρ'))] is computed near perfect learning, where it is 10⁻¹⁴ and the four I2 are O(1).
/// Products use the discrete product rule; a function f of one corner quantity uses its exactly written first
/// difference F(x, h) = f(x + h) − f(x): d12 = F(x₁₀, d2 + d12) − F(x₀₀, d2).
struct CornerDifferences: Sendable, Equatable {
    var value: Double
    var d1: Double
    var d2: Double
    var d12: Double

    init(_ value: Double, d1: Double = 0, d2: Double = 0, d12: Double = 0) {
        self.value = value; self.d1 = d1; self.d2 = d2; self.d12 = d12
    }

    /// f₁₀, f₀₁, f₁₁ (rounded).
    var at10: Double { value + d1 }
    var at01: Double { value + d2 }
    var at11: Double { value + d1 + d2 + d12 }

    static func + (a: Self, b: Self) -> Self { Self(a.value + b.value, d1: a.d1 + b.d1, d2: a.d2 + b.d2, d12: a.d12 + b.d12) }
    static func - (a: Self, b: Self) -> Self { Self(a.value - b.value, d1: a.d1 - b.d1, d2: a.d2 - b.d2, d12: a.d12 - b.d12) }
    static func * (s: Double, a: Self) -> Self { Self(s * a.value, d1: s * a.d1, d2: s * a.d2, d12: s * a.d12) }
    static func + (a: Self, s: Double) -> Self { Self(a.value + s, d1: a.d1, d2: a.d2, d12: a.d12) }

    /// Δ₁(ab) = Δ₁a·b₁₀ + a₀₀Δ₁b;  Δ₁₂(ab) = Δ₁₂a·b₁₁ + Δ₁a(Δ₂b + Δ₁₂b) + Δ₂a(Δ₁b + Δ₁₂b) + a₀₀Δ₁₂b.
    static func * (a: Self, b: Self) -> Self {
        Self(a.value * b.value,
             d1: a.d1 * b.at10 + a.value * b.d1,
             d2: a.d2 * b.at01 + a.value * b.d2,
             d12: a.d12 * b.at11 + a.d1 * (b.d2 + b.d12) + a.d2 * (b.d1 + b.d12) + a.value * b.d12)
    }

    /// √a (negative rounding residue read as 0), with √(x + h) − √x = h/(√(x + h) + √x).
    func squareRoot() -> Self {
        func root(_ x: Double) -> Double { max(0, x).squareRoot() }
        func step(_ x: Double, _ h: Double) -> Double {
            let sum = root(x + h) + root(x)
            guard sum > 0 else { return 0 }
            // h itself, not (x + h) − x, which would round at ε_mach·|x|; clamped rounding residues aside.
            return x >= 0 && x + h >= 0 ? h / sum : (max(0, x + h) - max(0, x)) / sum
        }
        let x10 = at10
        return Self(root(value), d1: step(value, d1), d2: step(value, d2), d12: step(x10, d2 + d12) - step(value, d2))
    }

    /// 1/a, with 1/(x + h) − 1/x = −h/(x(x + h)).
    func reciprocal() -> Self {
        func step(_ x: Double, _ h: Double) -> Double { h == 0 ? 0 : -h / (x * (x + h)) }
        return Self(1 / value, d1: step(value, d1), d2: step(value, d2), d12: step(at10, d2 + d12) - step(value, d2))
    }

    /// atan2(y, x) at the corners, with the angle difference atan2(y', x') − atan2(y, x) = atan2(x·Δy − y·Δx, x·x' + y·y')
    /// (for the small steps taken here).
    static func atan2(_ y: Self, _ x: Self) -> Self {
        func step(_ y0: Double, _ x0: Double, _ dy: Double, _ dx: Double) -> Double {
            if dy == 0 && dx == 0 { return 0 }
            return Double.atan2(y: x0 * dy - y0 * dx, x: x0 * (x0 + dx) + y0 * (y0 + dy))
        }
        let y10 = y.at10, x10 = x.at10
        return Self(Double.atan2(y: y.value, x: x.value),
                    d1: step(y.value, x.value, y.d1, x.d1),
                    d2: step(y.value, x.value, y.d2, x.d2),
                    d12: step(y10, x10, y.d2 + y.d12, x.d2 + x.d12) - step(y.value, x.value, y.d2, x.d2))
    }
}
