import RealModule

/// The Gaussian expectations of online SGD for a linear classifier trained on a margin loss, with a sign teacher.
///
/// Local fields (λ, ν) ~ N(0, [[q, m], [m, P]]) (student, teacher); label y = sign(ν + σζ), ζ ~ N(0, 1), then
/// flipped with probability p, so P(y = 1 | ν) = p + (1 − 2p) Φ(ν/σ). With ℓ'(y, λ) = y L'(yλ):
///
///     A = E[ℓ' ν],   B = E[ℓ' λ],   C = E[ℓ'²],   E[ℓ].
///
/// Given λ, ν ~ N(bλ, s²) with b = m/q, s² = P − m²/q; with τ² = σ² + s² and μ = bλ,
///
///     E[P(y=1|ν) | λ] = p + (1 − 2p) Φ(μ/τ),     E[ν P(y=1|ν) | λ] = pμ + (1 − 2p) [μ Φ(μ/τ) + (s²/τ) φ(μ/τ)],
///
/// so each expectation is one integral over λ = √q u, u ~ N(0, 1), done by adaptive Gauss–Kronrod on
/// |u| ≤ 9 split at u = 0 (where the label probability is steepest) and at the loss's kinks λ = ±κ.
public struct ClassifierIntegrals: Sendable, Hashable {
    public let loss: ClassificationLoss
    /// σ²: variance of the Gaussian noise added to the teacher's field before the sign.
    public let noiseVariance: Double
    /// p: probability that a label is flipped.
    public let flipProbability: Double
    /// Absolute tolerance of the adaptive quadrature.
    public var tolerance = 1e-13

    public init(loss: ClassificationLoss, noiseVariance: Double = 0, flipProbability: Double = 0) {
        self.loss = loss; self.noiseVariance = noiseVariance; self.flipProbability = flipProbability
    }

    /// The four expectations at overlaps (m, q, P).
    public struct Expectations: Sendable, Hashable {
        /// E[ℓ'(y, λ) ν].
        public var slopeTimesTeacher: Double
        /// E[ℓ'(y, λ) λ].
        public var slopeTimesStudent: Double
        /// E[ℓ'(y, λ)²].
        public var slopeSquared: Double
        /// E[ℓ(y, λ)]: the population loss.
        public var loss: Double
    }

    public func expectations(m: Double, q: Double, rho: Double) -> Expectations {
        let p = flipProbability, sqrtQ = q > 0 ? q.squareRoot() : 0
        let b = q > 0 ? m / q : 0
        let s2 = max(0, q > 0 ? rho - m * m / q : rho)
        let tau = (noiseVariance + s2).squareRoot()
        let loss = self.loss
        let inverseSqrt2Pi = 1 / (2 * Double.pi).squareRoot()
        let integrand = { (u: Double) -> SIMD4<Double> in
            let lambda = sqrtQ * u, mu = b * lambda
            let cdf: Double, pdf: Double
            if tau > 0 {
                let z = mu / tau
                cdf = 0.5 * Double.erfc(-z * 0.5.squareRoot())
                pdf = inverseSqrt2Pi * Double.exp(-0.5 * z * z)
            } else {
                cdf = mu > 0 ? 1 : mu < 0 ? 0 : 0.5
                pdf = 0
            }
            let positive = p + (1 - 2 * p) * cdf  // P(y = 1 | λ)
            let teacherPositive = p * mu + (1 - 2 * p) * (mu * cdf + (tau > 0 ? s2 / tau : 0) * pdf)  // E[ν 1(y = 1) | λ]
            let gPlus = loss.slope(margin: lambda), gMinus = -loss.slope(margin: -lambda)
            let weight = inverseSqrt2Pi * Double.exp(-0.5 * u * u)
            return weight * SIMD4(
                gPlus * teacherPositive + gMinus * (mu - teacherPositive),
                lambda * (gPlus * positive + gMinus * (1 - positive)),
                gPlus * gPlus * positive + gMinus * gMinus * (1 - positive),
                loss.value(margin: lambda) * positive + loss.value(margin: -lambda) * (1 - positive))
        }
        let range = 9.0
        var points: Set<Double> = [-range, 0, range]
        if sqrtQ > 0 {
            for kink in loss.kinks where kink != 0 && abs(kink / sqrtQ) < range { points.formUnion([kink / sqrtQ, -kink / sqrtQ]) }
        }
        let value = GaussKronrod.integrate(integrand, breakpoints: points.sorted(), tolerance: tolerance)
        return Expectations(slopeTimesTeacher: value[0], slopeTimesStudent: value[1], slopeSquared: value[2], loss: value[3])
    }

    /// The probability that the student's sign differs from the noise-free teacher's: ε_g = arccos(m/√(qP))/π
    /// (½ when q = 0).
    public static func classificationError(m: Double, q: Double, rho: Double) -> Double {
        guard q > 0, rho > 0 else { return 0.5 }
        return Double.acos(min(1, max(-1, m / (q * rho).squareRoot()))) / Double.pi
    }

    /// The same ε_g from s = q − m²/P, the student's squared distance from the teacher's direction, measured without
    /// cancellation (e.g. s = |w − (m/P)w*|²/d): ε_g = atan2(√(P s), m)/π, since qP − m² = P s and the angle θ
    /// between w and w* has tan θ = √(qP − m²)/m. Unlike arccos(m/√(qP)), which loses all digits of θ² below the
    /// rounding of m/√(qP) ≈ 1 (θ ≲ 1e-8), this keeps θ's relative accuracy as θ → 0. ½ when the student is zero.
    public static func classificationError(m: Double, orthogonal s: Double, rho: Double) -> Double {
        guard rho > 0, m != 0 || s > 0 else { return 0.5 }
        return Double.atan2(y: (rho * max(0, s)).squareRoot(), x: m) / Double.pi
    }
}
