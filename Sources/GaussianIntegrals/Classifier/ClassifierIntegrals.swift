import RealModule

/// The Gaussian expectations of online SGD for a linear classifier trained on a margin loss, with a sign teacher.
///
/// Local fields (λ, ν) ~ N(0, [[q, m], [m, P]]) (student, teacher); label y = sign(ν + σζ), ζ ~ N(0, 1), then
/// flipped with probability p, so P(y = 1 | ν) = p + (1 − 2p) Φ(ν/σ). With ℓ'(y, λ) = y L'(yλ) and
/// λ = (m/P)ν + λ⊥, where λ⊥ ~ N(0, s) is independent of ν (and of the label) and s = q − m²/P is the squared norm
/// of the student's part orthogonal to the teacher:
///
///     A = E[ℓ' ν],   B = E[ℓ' λ],   C = E[ℓ'²],   D = E[ℓ' λ⊥] = B − (m/P) A,   E[ℓ].
///
/// Given λ, ν ~ N(bλ, κ²) with b = m/q and κ² = P − m²/q = P s/q; with τ² = σ² + κ², μ = bλ, z = μ/τ,
///
///     P(y = ±1 | λ) = p + (1 − 2p) Φ(±z),
///     E[ν 1(y = ±1) | λ] = pμ + (1 − 2p) [μ Φ(±z) ± (κ²/τ) φ(z)],
///     E[λ⊥ 1(y = ±1) | λ] = (s/q) [λ P(y = ±1 | λ) ∓ (1 − 2p)(m/τ) φ(z)],
///
/// the last from λ⊥ = λ − (m/P)ν and 1 − (m/P)b = s/q, so that D is one integral whose integrand carries the
/// factor s exactly instead of the difference B − (m/P)A, which cancels as the student aligns with the teacher
/// (s → 0). Φ(±z) are both evaluated through erfc, so that neither label probability is a difference 1 − Φ. Each
/// expectation is then one integral over λ = √q u, u ~ N(0, 1), done by adaptive Gauss–Kronrod on |u| ≤ 9, split at
/// u = 0, at the loss's kinks λ = ±κ_L, and at u = ±w, ±8w, with w = τ√q/|m| the width of the label's transition
/// (tan θ of the student–teacher angle without noise), and with a per-component relative error test, so that each
/// expectation keeps its relative accuracy however small it gets.
public struct ClassifierIntegrals: Sendable, Hashable {
    /// The margin loss L, ℓ(y, λ) = L(yλ).
    public let loss: ClassificationLoss
    /// σ²: variance of the Gaussian noise added to the teacher's field before the sign.
    public let noiseVariance: Double
    /// p: probability that a label is flipped.
    public let flipProbability: Double
    /// Absolute tolerance of the adaptive quadrature (per component; tiny, so that the test is relative).
    public var tolerance = 1e-300
    /// Relative tolerance of the adaptive quadrature (per component).
    public var relativeTolerance = 1e-12

    /// The expectations for `loss`, with label noise of variance σ² = `noiseVariance` and flip probability
    /// p = `flipProbability` (default: a noise-free sign teacher).
    public init(loss: ClassificationLoss, noiseVariance: Double = 0, flipProbability: Double = 0) {
        self.loss = loss; self.noiseVariance = noiseVariance; self.flipProbability = flipProbability
    }

    /// The four expectations of the update at overlaps (m, q, s, P).
    public struct Expectations: Sendable, Hashable {
        /// A = E[ℓ'(y, λ) ν].
        public var slopeTimesTeacher: Double
        /// B = E[ℓ'(y, λ) λ].
        public var slopeTimesStudent: Double
        /// C = E[ℓ'(y, λ)²].
        public var slopeSquared: Double
        /// D = E[ℓ'(y, λ) λ⊥], λ⊥ = λ − (m/P)ν.
        public var slopeTimesOrthogonal: Double
        /// D/s = E[ℓ' λ⊥]/Var(λ⊥), without the division (the integrand of D carries the factor s/q): the regression
        /// coefficient of ℓ' on λ⊥, finite as s → 0, that scaled momentum's velocity field needs
        /// (`ClassifierMomentumODE`). 0 at q = 0, where it multiplies a covariance that vanishes.
        public var orthogonalSlope: Double = 0
    }

    /// The law of the label and the teacher's field given the student's field λ = √q u (formulas above).
    struct Conditional {
        let sqrtQ: Double, b: Double, spread: Double, kappa2OverSpread: Double, mOverSpread: Double, flip: Double
        /// The u where the label's conditional law changes (u = ±w, ±8w), inside |u| < range.
        let transition: [Double]

        init(m: Double, q: Double, orthogonal s: Double, rho: Double, noiseVariance: Double, flip: Double, range: Double) {
            let q = max(0, q), s = min(max(0, s), q)
            sqrtQ = q.squareRoot()
            b = q > 0 ? m / q : 0
            let kappa2 = q > 0 ? rho * s / q : rho
            spread = (noiseVariance + kappa2).squareRoot()
            kappa2OverSpread = spread > 0 ? kappa2 / spread : 0
            mOverSpread = spread > 0 ? m / spread : 0
            self.flip = flip
            let width = m != 0 && sqrtQ > 0 ? spread * sqrtQ / abs(m) : .infinity
            transition = [width, 8 * width].filter { $0 > 0 && $0 < range }.flatMap { [-$0, $0] }
        }

        /// λ, P(y = ±1 | λ), E[ν 1(y = ±1) | λ], and (1 − 2p)φ(z)/τ·m, at u.
        @inline(__always)
        func at(_ u: Double) -> (lambda: Double, positive: Double, negative: Double, teacherPositive: Double, teacherNegative: Double, orthogonalShift: Double) {
            let lambda = sqrtQ * u, mu = b * lambda, p = flip
            let upper: Double, lower: Double, pdf: Double
            if spread > 0 {
                let z = mu / spread
                upper = 0.5 * Double.erfc(-z * 0.5.squareRoot())  // Φ(z)
                lower = 0.5 * Double.erfc(z * 0.5.squareRoot())   // Φ(−z)
                pdf = Double.exp(-0.5 * z * z) / (2 * Double.pi).squareRoot()
            } else {
                upper = mu > 0 ? 1 : mu < 0 ? 0 : 0.5
                lower = 1 - upper
                pdf = 0
            }
            let c = 1 - 2 * p
            return (lambda, p + c * upper, p + c * lower,
                    p * mu + c * (mu * upper + kappa2OverSpread * pdf), p * mu + c * (mu * lower - kappa2OverSpread * pdf),
                    c * mOverSpread * pdf)
        }
    }

    static let range = 9.0

    /// The quadrature's breakpoints: u = 0, ±range, the loss's kinks and the label's transition.
    func breakpoints(_ conditional: Conditional) -> [Double] {
        var points: Set<Double> = [-Self.range, 0, Self.range]
        points.formUnion(conditional.transition)
        if conditional.sqrtQ > 0 {
            for kink in loss.kinks where kink != 0 && abs(kink / conditional.sqrtQ) < Self.range {
                points.formUnion([kink / conditional.sqrtQ, -kink / conditional.sqrtQ])
            }
        }
        return points.sorted()
    }

    /// A, B, C, D at overlaps (m, q, P) and s = q − m²/P, the student's squared distance from the teacher's
    /// direction, given without cancellation (clamped to [0, q]).
    public func expectations(m: Double, q: Double, orthogonal s: Double, rho: Double) -> Expectations {
        let conditional = Conditional(m: m, q: q, orthogonal: s, rho: rho, noiseVariance: noiseVariance, flip: flipProbability, range: Self.range)
        let loss = self.loss
        let integrand = { (u: Double) -> SIMD4<Double> in
            let f = conditional.at(u)
            let gPlus = loss.slope(margin: f.lambda), gMinus = -loss.slope(margin: -f.lambda)
            let weight = Double.exp(-0.5 * u * u) / (2 * Double.pi).squareRoot()
            return weight * SIMD4(
                gPlus * f.teacherPositive + gMinus * f.teacherNegative,
                f.lambda * (gPlus * f.positive + gMinus * f.negative),
                gPlus * gPlus * f.positive + gMinus * gMinus * f.negative,
                gPlus * (f.lambda * f.positive - f.orthogonalShift) + gMinus * (f.lambda * f.negative + f.orthogonalShift))
        }
        let value = GaussKronrod.integrate(integrand, breakpoints: breakpoints(conditional), tolerance: tolerance,
                                           relativeTolerance: relativeTolerance)
        let shrink = q > 0 ? min(max(0, s), q) / q : 0  // s/q
        return Expectations(slopeTimesTeacher: value[0], slopeTimesStudent: value[1], slopeSquared: value[2],
                            slopeTimesOrthogonal: shrink * value[3], orthogonalSlope: q > 0 ? value[3] / q : 0)
    }

    /// A, B, C, D at overlaps (m, q, P), with s = q − m²/P computed from them (which cancels near alignment; use
    /// `expectations(m:q:orthogonal:rho:)` when s is known).
    public func expectations(m: Double, q: Double, rho: Double) -> Expectations {
        expectations(m: m, q: q, orthogonal: Self.orthogonal(m: m, q: q, rho: rho), rho: rho)
    }

    /// The population loss E[ℓ(y, λ)] = E[L(λ) P(y = 1 | λ) + L(−λ) P(y = −1 | λ)].
    public func populationLoss(m: Double, q: Double, orthogonal s: Double, rho: Double) -> Double {
        let conditional = Conditional(m: m, q: q, orthogonal: s, rho: rho, noiseVariance: noiseVariance, flip: flipProbability, range: Self.range)
        let loss = self.loss
        let integrand = { (u: Double) -> SIMD2<Double> in
            let f = conditional.at(u)
            let weight = Double.exp(-0.5 * u * u) / (2 * Double.pi).squareRoot()
            return SIMD2(weight * (loss.value(margin: f.lambda) * f.positive + loss.value(margin: -f.lambda) * f.negative), 0)
        }
        return GaussKronrod.integrate(integrand, breakpoints: breakpoints(conditional), tolerance: tolerance,
                                      relativeTolerance: relativeTolerance)[0]
    }

    /// E[ℓ] at overlaps (m, q, P), with s = q − m²/P computed from them.
    public func populationLoss(m: Double, q: Double, rho: Double) -> Double {
        populationLoss(m: m, q: q, orthogonal: Self.orthogonal(m: m, q: q, rho: rho), rho: rho)
    }

    /// s = q − m²/P (0 for P = 0, where the teacher's direction is undefined).
    static func orthogonal(m: Double, q: Double, rho: Double) -> Double { rho > 0 ? max(0, q - m * m / rho) : max(0, q) }

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
