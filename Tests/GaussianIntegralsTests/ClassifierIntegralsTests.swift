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
            #expect(abs(e.loss - 0.5 * (q - 2 * yLambda + 1)) < 1e-12)
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
            #expect(abs(e.loss - q.squareRoot() * (1 - r) * s) < 1e-12)
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
        var sums = SIMD4<Double>(), squares = SIMD4<Double>()
        let a = m / rho, s = (q - m * m / rho).squareRoot()
        for _ in 0..<samples {
            let nu = rho.squareRoot() * rng.nextGaussian(), lambda = a * nu + s * rng.nextGaussian()
            var y: Double = nu + noise.squareRoot() * rng.nextGaussian() >= 0 ? 1 : -1
            if rng.nextUniform() < flip { y = -y }
            let slope = y * loss.slope(margin: y * lambda)
            let value = SIMD4(slope * nu, slope * lambda, slope * slope, loss.value(margin: y * lambda))
            sums += value
            squares += value * value
        }
        let mean = sums / Double(samples), error = ((squares / Double(samples) - mean * mean) / Double(samples)).squareRoot()
        let exact = SIMD4(e.slopeTimesTeacher, e.slopeTimesStudent, e.slopeSquared, e.loss)
        for k in 0..<4 { #expect(abs(mean[k] - exact[k]) < 5 * error[k], "component \(k): MC \(mean[k]) ± \(error[k]), exact \(exact[k])") }
    }

    @Test func degenerateOverlapsStayFinite() throws {
        // q = 0 (a zero student) and perfect alignment (s = 0, no noise) are limits, not NaNs.
        for loss in ClassificationLoss.allCases {
            for (m, q) in [(0.0, 0.0), (1.0, 1.0)] {
                let e = ClassifierIntegrals(loss: loss).expectations(m: m, q: q, rho: 1)
                let values = [e.slopeTimesTeacher, e.slopeTimesStudent, e.slopeSquared, e.loss]
                #expect(values.allSatisfy { $0.isFinite }, "\(loss) at m = \(m), q = \(q): \(values)")
            }
        }
        // A zero student: λ = 0, so ℓ' = y L'(0) and A = L'(0) E[yν] = L'(0) √(2/π) for the logistic loss.
        let zero = ClassifierIntegrals(loss: .logistic).expectations(m: 0, q: 0, rho: 1)
        #expect(abs(zero.slopeTimesTeacher + 0.5 * (2 / Double.pi).squareRoot()) < 1e-13)
        #expect(abs(zero.loss - log(2)) < 1e-13)
        #expect(throws: ActivationError.self) { _ = try ClassificationLoss.named("huber") }
    }
}
