@testable import GaussianIntegrals
import Testing

/// Factors of covariances on and just outside the boundary of the semidefinite cone, where a committee
/// ODE state ends up as the student learns its teacher perfectly (Q = R = T).
@Suite struct SemidefiniteFactorTests {
    /// Local fields (λ₁, λ₁, ρ₁, ρ₂) of a K = M = 2 tanh committee at t ≈ 550 (η = 0.5): semidefinite, with a
    /// smallest non-zero eigenvalue 3.7e-11 below the zero-pivot tolerance while its column does not vanish.
    /// The committee ODE stalled here before.
    static let nearlySingular = SIMD16<Double>(
        0.9999989082049876, 0.9999989082049876, 0.9999994540745574, 1.9651750081027672e-07,
        0.9999989082049876, 0.9999989082049876, 0.9999994540745574, 1.9651750081027672e-07,
        0.9999994540745574, 0.9999994540745574, 1.0, 0.0,
        1.9651750081027672e-07, 1.9651750081027672e-07, 0.0, 1.0)

    /// Fields (λ₁, λ₁, λ₂, ρ₁) of the same run at t ≈ 390, 1.5e-10 outside the cone (Q₁₁ < R₁₁² + R₁₂²)
    /// by the integrator's error.
    static let slightlyOutside = SIMD16<Double>(
        0.9994487687926574, 0.9994487687926574, 0.00019756646172389595, 0.9997243415937345,
        0.9994487687926574, 0.9994487687926574, 0.00019756646172389595, 0.9997243415937345,
        0.00019756646172389595, 0.00019756646172389595, 0.9994487906715944, 9.881193752071415e-05,
        0.9997243415937345, 0.9997243415937345, 9.881193752071415e-05, 1.0)

    /// max |L Lᵀ − A| over the leading d×d block, and whether L is lower triangular.
    func residual(_ l: SIMD16<Double>, _ a: SIMD16<Double>, dimension d: Int = 4) -> (error: Double, lower: Bool) {
        var error = 0.0, lower = true
        for i in 0..<d {
            for j in 0..<d {
                var s = 0.0
                for k in 0..<d { s += l[4 * i + k] * l[4 * j + k] }
                error = max(error, abs(s - a[4 * i + j]))
                if j > i && l[4 * i + j] != 0 { lower = false }
            }
        }
        return (error, lower)
    }

    @Test(arguments: [1, 2, 3] as [UInt64])
    func jacobiEigenDecompositionReconstructs(seed: UInt64) {
        for (d, c) in [(4, Covariances.simd(Covariances.random(4, seed: seed))),
                       (4, Covariances.simd(Covariances.singular(seed: seed)))] {
            let (values, v) = SymmetricEigen.decompose(c, dimension: d)
            for i in 0..<d {
                for j in 0..<d {
                    var a = 0.0, identity = 0.0
                    for k in 0..<d {
                        a += v[4 * i + k] * values[k] * v[4 * j + k]
                        identity += v[4 * k + i] * v[4 * k + j]
                    }
                    #expect(abs(a - c[4 * i + j]) < 1e-13)
                    #expect(abs(identity - (i == j ? 1 : 0)) < 1e-13)
                }
            }
        }
    }

    @Test func nearlySingularSemidefiniteMatrixIsFactoredExactly() throws {
        let l = try #require(Cholesky.factor(Self.nearlySingular, dimension: 4))
        let (error, lower) = residual(l, Self.nearlySingular)
        #expect(error < 1e-14 && lower)
    }

    @Test func matrixJustOutsideTheConeGetsTheNearestSemidefiniteFactor() throws {
        #expect(Cholesky.factor(Self.slightlyOutside, dimension: 4) == nil)
        let (values, _) = SymmetricEigen.decompose(Self.slightlyOutside, dimension: 4)
        #expect(values.min() < -1e-11)
        let l = try #require(Cholesky.nearestSemidefiniteFactor(Self.slightlyOutside, dimension: 4))
        let (error, lower) = residual(l, Self.slightlyOutside)
        #expect(error < 1e-9 && lower)
        // Inside the cone it is the Cholesky factor itself; far outside there is none.
        let inside = Covariances.simd(Covariances.random(4, seed: 5))
        #expect(Cholesky.nearestSemidefiniteFactor(inside, dimension: 4) == Cholesky.factor(inside, dimension: 4))
        #expect(Cholesky.nearestSemidefiniteFactor(SIMD16(1, 0.9, 0, 0, 0.9, 0.8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0),
                                                   dimension: 2) == nil)
    }

    /// E[g'(λ₁)g'(λ₂)g(ρ₁)g(ρ₂)] at perfect learning Q = R = T, shifted by ±δ on Q's diagonal: finite, and
    /// continuous across the boundary of the cone (δ < 0 is outside).
    @Test func quadratureIsContinuousAcrossTheBoundary() {
        let quadrature = GaussianQuadrature(order: 14)
        let tanh = Activation.tanh
        func i4(_ delta: Double) -> Double {
            let q = 1.0, offDiagonal = 0.3
            let c = SIMD16<Double>(
                q + delta, offDiagonal, q, offDiagonal,
                offDiagonal, q + delta, offDiagonal, q,
                q, offDiagonal, q, offDiagonal,
                offDiagonal, q, offDiagonal, q)
            return quadrature.productExpectation(c, dimension: 4, fields: SIMD4(0, 1, 2, 3),
                                                 tanh.derivative, tanh.derivative, tanh.function, tanh.function)
        }
        let onBoundary = i4(0)
        for delta in [1e-9, -1e-9, -1e-8] {
            let value = i4(delta)
            #expect(value.isFinite)
            #expect(abs(value - onBoundary) < 10 * abs(delta))
        }
        #expect(i4(-1e-3).isNaN)
    }
}
