import RealModule

/// Closed-form Gaussian integrals for g(x) = erf(x/√2) (Saad & Solla 1995; Biehl & Schwarze 1995).
/// Arguments are entries Cᵢⱼ of the covariance of the local fields (u₁, u₂, …).
public enum ErfIntegrals {
    /// I2 = E[g(u₁)g(u₂)] = (2/π) arcsin( C₁₂ / √((1+C₁₁)(1+C₂₂)) ).
    @inlinable
    public static func i2(c11: Double, c12: Double, c22: Double) -> Double {
        2 / Double.pi * Double.asin(clamp(c12 / ((1 + c11) * (1 + c22)).squareRoot()))
    }

    /// J2 = E[g'(u₁)g'(u₂)] = (2/π) / √((1+C₁₁)(1+C₂₂) − C₁₂²).
    @inlinable
    public static func j2(c11: Double, c12: Double, c22: Double) -> Double {
        2 / Double.pi / ((1 + c11) * (1 + c22) - c12 * c12).squareRoot()
    }

    /// I3 = E[g'(u₁) u₂ g(u₃)] = (2/π) (C₂₃(1+C₁₁) − C₁₂C₁₃) / ((1+C₁₁)√Λ₃),  Λ₃ = (1+C₁₁)(1+C₃₃) − C₁₃².
    @inlinable
    public static func i3(c11: Double, c12: Double, c13: Double, c23: Double, c33: Double) -> Double {
        let lambda3 = (1 + c11) * (1 + c33) - c13 * c13
        return 2 / Double.pi * (c23 * (1 + c11) - c12 * c13) / ((1 + c11) * lambda3.squareRoot())
    }

    /// I4 = E[g'(u₁)g'(u₂)g(u₃)g(u₄)] = (4/π²) Λ₄^{−1/2} arcsin(Λ₀/√(Λ₁Λ₂)), with
    /// Λ₄ = (1+C₁₁)(1+C₂₂) − C₁₂²,
    /// Λ₀ = Λ₄C₃₄ − C₂₃C₂₄(1+C₁₁) − C₁₃C₁₄(1+C₂₂) + C₁₂C₁₃C₂₄ + C₁₂C₁₄C₂₃,
    /// Λ₁ = Λ₄(1+C₃₃) − C₂₃²(1+C₁₁) − C₁₃²(1+C₂₂) + 2C₁₂C₁₃C₂₃, Λ₂ likewise with 3 → 4.
    @inlinable
    public static func i4(
        c11: Double, c12: Double, c13: Double, c14: Double, c22: Double, c23: Double, c24: Double,
        c33: Double, c34: Double, c44: Double
    ) -> Double {
        let a = 1 + c11, b = 1 + c22
        let lambda4 = a * b - c12 * c12
        let lambda0 = lambda4 * c34 - c23 * c24 * a - c13 * c14 * b + c12 * c13 * c24 + c12 * c14 * c23
        let lambda1 = lambda4 * (1 + c33) - c23 * c23 * a - c13 * c13 * b + 2 * c12 * c13 * c23
        let lambda2 = lambda4 * (1 + c44) - c24 * c24 * a - c14 * c14 * b + 2 * c12 * c14 * c24
        return 4 / (Double.pi * Double.pi) / lambda4.squareRoot() * Double.asin(clamp(lambda0 / (lambda1 * lambda2).squareRoot()))
    }

    @inlinable
    static func clamp(_ x: Double) -> Double { min(1, max(-1, x)) }
}

/// Gaussian integrals for g(x) = x: I2 = C₁₂, J2 = 1, I3 = C₂₃, I4 = C₃₄.
public enum LinearIntegrals {
    /// I2 = E[g(u₁)g(u₂)] = C₁₂.
    @inlinable public static func i2(c12: Double) -> Double { c12 }
    /// I3 = E[g'(u₁) u₂ g(u₃)] = C₂₃.
    @inlinable public static func i3(c23: Double) -> Double { c23 }
    /// I4 = E[g'(u₁)g'(u₂)g(u₃)g(u₄)] = C₃₄.
    @inlinable public static func i4(c34: Double) -> Double { c34 }
}
