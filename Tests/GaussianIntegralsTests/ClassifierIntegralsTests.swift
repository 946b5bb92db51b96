import Foundation
@testable import GaussianIntegrals
import Randomness
import Testing

@Suite struct ClassifierIntegralsTests {
    @Test func gaussKronrodIsExactForPolynomialsAndAdaptsToKinks() {
        // K15 integrates degree ≤ 22 exactly on one interval.
        let power = GaussKronrod.integrate({ x in SIMD4(pow(x, 20), pow(x, 21), 1, x) }, breakpoints: [0, 1])
        let exact: SIMD4<Double> = [1.0 / 21, 1.0 / 22, 1, 0.5]
        for k in 0..<4 { #expect(abs(power[k] - exact[k]) < 1e-15) }
        // A kink not at a breakpoint forces bisection; the result still converges.
        let kink = GaussKronrod.integrate({ x in SIMD4(abs(x - 0.3), 0, 0, 0) }, breakpoints: [-1, 1], tolerance: 1e-12)
        let area = (1.3 * 1.3 + 0.7 * 0.7) / 2
        #expect(abs(kink[0] - area) < 1e-11)
    }

    /// E[yν] for y = sign(ν + σζ) flipped with probability p: (1 − 2p) √(2/π) P/√(P + σ²) (Stein's lemma).
    private func labelTeacherCorrelation(rho: Double, noise: Double, flip: Double) -> Double {
        (1 - 2 * flip) * (2 / Double.pi).squareRoot() * rho / (rho + noise).squareRoot()
    }

    @Test(arguments: [(0.0, 0.0), (0.3, 0.0), (0.0, 0.1), (0.5, 0.2)])
    func squareLossMatchesItsClosedForm(noise: Double, flip: Double) {
        // ℓ' = λ − y: A = m − E[yν], B = q − E[yλ], C = q − 2E[yλ] + 1, E[ℓ] = C/2, with E[yλ] = (m/P) E[yν].
        let integrals = ClassifierIntegrals(loss: .square, noiseVariance: noise, flipProbability: flip)
        for (m, q, rho) in [(0.3, 0.8, 1.2), (0.0, 0.5, 1.0), (0.9, 0.81, 1.0), (-0.2, 2.0, 0.7)] {
            let e = integrals.expectations(m: m, q: q, rho: rho)
            let yNu = labelTeacherCorrelation(rho: rho, noise: noise, flip: flip), yLambda = m / rho * yNu
            #expect(abs(e.slopeTimesTeacher - (m - yNu)) < 1e-12)
            #expect(abs(e.slopeTimesStudent - (q - yLambda)) < 1e-12)
            #expect(abs(e.slopeSquared - (q - 2 * yLambda + 1)) < 1e-12)
            #expect(abs(integrals.populationLoss(m: m, q: q, rho: rho) - 0.5 * (q - 2 * yLambda + 1)) < 1e-12)
            // Stein's lemma on λ⊥ ~ N(0, s), independent of the label: D = E[ℓ'λ⊥] = s E[L''(yλ)] = s.
            #expect(abs(e.slopeTimesOrthogonal - max(0, q - m * m / rho)) < 1e-12)
        }
    }

    @Test func perceptronMatchesItsClosedForm() {
        // Noise-free, with r = m/√(qP): A = −√P(1 − r)/√(2π), B = E[ℓ] = √q(1 − r)/√(2π), C = arccos(r)/π.
        let integrals = ClassifierIntegrals(loss: .perceptron)
        for (m, q, rho) in [(0.3, 0.8, 1.2), (0.0, 0.5, 1.0), (0.99, 1.0, 1.0), (1.0, 1.0, 1.0), (-0.4, 0.6, 0.9)] {
            let e = integrals.expectations(m: m, q: q, rho: rho)
            let r = m / (q * rho).squareRoot(), s = 1 / (2 * Double.pi).squareRoot()
            #expect(abs(e.slopeTimesTeacher + rho.squareRoot() * (1 - r) * s) < 1e-12)
            #expect(abs(e.slopeTimesStudent - q.squareRoot() * (1 - r) * s) < 1e-12)
            #expect(abs(integrals.populationLoss(m: m, q: q, rho: rho) - q.squareRoot() * (1 - r) * s) < 1e-12)
            #expect(abs(e.slopeSquared - acos(min(1, r)) / Double.pi) < 1e-12)
            #expect(abs(e.slopeSquared - ClassifierIntegrals.classificationError(m: m, q: q, rho: rho)) < 1e-12)
        }
    }

    @Test(arguments: [ClassificationLoss.logistic, .hinge, .perceptron])
    func noisyLabelsAgreeWithMonteCarlo(loss: ClassificationLoss) {
        let (m, q, rho, noise, flip) = (0.6, 1.5, 1.1, 0.3, 0.1)
        let e = ClassifierIntegrals(loss: loss, noiseVariance: noise, flipProbability: flip).expectations(m: m, q: q, rho: rho)
        var rng = Xoshiro256(seed: 11, stream: 0)
        let samples = 400_000
        var sums = SIMD8<Double>(), squares = SIMD8<Double>()
        let a = m / rho, s = (q - m * m / rho).squareRoot()
        for _ in 0..<samples {
            let nu = rho.squareRoot() * rng.nextGaussian(), lambda = a * nu + s * rng.nextGaussian()
            var y: Double = nu + noise.squareRoot() * rng.nextGaussian() >= 0 ? 1 : -1
            if rng.nextUniform() < flip { y = -y }
            let slope = y * loss.slope(margin: y * lambda)
            let orthogonal = lambda - a * nu
            let value = SIMD8(slope * nu, slope * lambda, slope * slope, loss.value(margin: y * lambda), slope * orthogonal, 0, 0, 0)
            sums += value
            squares += value * value
        }
        let mean = sums / Double(samples), error = ((squares / Double(samples) - mean * mean) / Double(samples)).squareRoot()
        let integrals = ClassifierIntegrals(loss: loss, noiseVariance: noise, flipProbability: flip)
        let exact = SIMD8(e.slopeTimesTeacher, e.slopeTimesStudent, e.slopeSquared, integrals.populationLoss(m: m, q: q, rho: rho),
                          e.slopeTimesOrthogonal, 0, 0, 0)
        for k in 0..<5 { #expect(abs(mean[k] - exact[k]) < 5 * error[k], "component \(k): MC \(mean[k]) ± \(error[k]), exact \(exact[k])") }
    }

    /// The student's part orthogonal to the teacher, D = E[ℓ'λ⊥], against Stein's lemma: λ⊥ ~ N(0, s) is independent of
    /// ν and of the label, so D = s E[∂_λ ℓ'] = s E[L''(yλ)]. For the perceptron L'' = δ(z): D = s p_λ(0) = s/√(2πq) for
    /// any label noise; for the hinge L'' = δ(z − 1): D = s (2/√q) φ(1/√q) P(y = 1 | λ = 1) by the symmetry λ → −λ.
    @Test(arguments: [(0.0, 0.0), (0.3, 0.0), (0.2, 0.15)])
    func orthogonalSlopeMatchesSteinsLemma(noise: Double, flip: Double) {
        for (m, q, rho) in [(0.3, 0.8, 1.2), (0.0, 0.5, 1.0), (0.95, 1.0, 1.0), (-0.4, 0.6, 0.9), (2.0, 4.5, 1.0)] {
            let s = q - m * m / rho
            let perceptron = ClassifierIntegrals(loss: .perceptron, noiseVariance: noise, flipProbability: flip)
                .expectations(m: m, q: q, orthogonal: s, rho: rho)
            let exactPerceptron = s / (2 * Double.pi * q).squareRoot()
            #expect(abs(perceptron.slopeTimesOrthogonal - exactPerceptron) < 1e-12 * exactPerceptron, "perceptron at \((m, q, rho))")
            let hinge = ClassifierIntegrals(loss: .hinge, noiseVariance: noise, flipProbability: flip)
                .expectations(m: m, q: q, orthogonal: s, rho: rho)
            let spread = (noise + rho * s / q).squareRoot(), z = m / q / spread
            let positive = flip + (1 - 2 * flip) * 0.5 * erfc(-z / 2.0.squareRoot())
            let exactHinge = s * 2 / q.squareRoot() * exp(-0.5 / q) / (2 * Double.pi).squareRoot() * positive
            #expect(abs(hinge.slopeTimesOrthogonal - exactHinge) < 1e-11 * exactHinge, "hinge at \((m, q, rho)): \(hinge.slopeTimesOrthogonal) vs \(exactHinge)")
        }
    }

    /// Away from alignment D = B − (m/P)A has no cancellation, and the direct integral must agree with it.
    @Test(arguments: ClassificationLoss.builtIn)
    func orthogonalSlopeIsTheDifferenceAwayFromAlignment(loss: ClassificationLoss) {
        let integrals = ClassifierIntegrals(loss: loss, noiseVariance: 0.1, flipProbability: 0.05)
        for (m, q, rho) in [(0.3, 0.8, 1.2), (0.0, 0.5, 1.0), (-0.4, 0.6, 0.9), (1.0, 3.0, 1.0)] {
            let e = integrals.expectations(m: m, q: q, rho: rho)
            let difference = e.slopeTimesStudent - m / rho * e.slopeTimesTeacher
            #expect(abs(e.slopeTimesOrthogonal - difference) < 1e-11 * max(1, abs(difference)), "\(loss) at \((m, q, rho))")
        }
    }

    /// Near alignment, every expectation keeps its relative accuracy: the noise-free perceptron at angle θ between student
    /// and teacher has A = −√P(1 − cos θ)/√(2π), B = √q(1 − cos θ)/√(2π), C = θ/π and D = s/√(2πq), s = q sin²θ,
    /// with 1 − cos θ = 2 sin²(θ/2) evaluated exactly. θ = 1e-9 puts 1 − cos θ at 5e-19, far below the rounding of 1.
    @Test(arguments: [1e-3, 1e-6, 1e-9])
    func perceptronKeepsItsRelativeAccuracyNearAlignment(theta: Double) {
        let (q, rho) = (2.5, 1.3)
        let m = (q * rho).squareRoot() * cos(theta), s = q * sin(theta) * sin(theta)
        let e = ClassifierIntegrals(loss: .perceptron).expectations(m: m, q: q, orthogonal: s, rho: rho)
        let oneMinusCos = 2 * sin(theta / 2) * sin(theta / 2), root = (2 * Double.pi).squareRoot()
        let exact = [-rho.squareRoot() * oneMinusCos / root, q.squareRoot() * oneMinusCos / root, theta / Double.pi, s / (root * q.squareRoot())]
        let values = [e.slopeTimesTeacher, e.slopeTimesStudent, e.slopeSquared, e.slopeTimesOrthogonal]
        for k in 0..<4 { #expect(abs(values[k] - exact[k]) < 1e-10 * abs(exact[k]), "component \(k) at θ = \(theta): \(values[k]) vs \(exact[k])") }
        #expect(abs(ClassifierIntegrals(loss: .perceptron).populationLoss(m: m, q: q, orthogonal: s, rho: rho) - exact[1]) < 1e-10 * exact[1])
    }

    @Test func degenerateOverlapsStayFinite() throws {
        // q = 0 (a zero student) and perfect alignment (s = 0, no noise) are limits, not NaNs.
        for loss in ClassificationLoss.builtIn {
            for (m, q) in [(0.0, 0.0), (1.0, 1.0)] {
                let e = ClassifierIntegrals(loss: loss).expectations(m: m, q: q, rho: 1)
                let values = [e.slopeTimesTeacher, e.slopeTimesStudent, e.slopeSquared, e.slopeTimesOrthogonal,
                              ClassifierIntegrals(loss: loss).populationLoss(m: m, q: q, rho: 1)]
                #expect(values.allSatisfy { $0.isFinite }, "\(loss) at m = \(m), q = \(q): \(values)")
            }
        }
        // A zero student: λ = 0, so ℓ' = y L'(0) and A = L'(0) E[yν] = L'(0) √(2/π) for the logistic loss.
        let zero = ClassifierIntegrals(loss: .logistic).expectations(m: 0, q: 0, rho: 1)
        #expect(abs(zero.slopeTimesTeacher + 0.5 * (2 / Double.pi).squareRoot()) < 1e-13)
        #expect(abs(ClassifierIntegrals(loss: .logistic).populationLoss(m: 0, q: 0, rho: 1) - log(2)) < 1e-13)
        #expect(throws: ActivationError.self) { _ = try ClassificationLoss.named("huber") }
    }
}
