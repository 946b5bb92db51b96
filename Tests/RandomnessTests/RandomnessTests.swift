import Foundation
import Testing
@testable import Randomness

@Suite struct GeneratorTests {
    @Test func sameSeedAndStreamGiveTheSameSequence() {
        var a = Xoshiro256(seed: 7, stream: 3), b = Xoshiro256(seed: 7, stream: 3)
        for _ in 0..<100 { #expect(a.next() == b.next()) }
    }

    @Test func streamsDiffer() {
        var a = Xoshiro256(seed: 7, stream: 0), b = Xoshiro256(seed: 7, stream: 1)
        let equal = (0..<100).filter { _ in a.next() == b.next() }.count
        #expect(equal == 0)
    }

    @Test func splitMixMatchesReferenceValues() {
        // Reference outputs of SplitMix64 seeded with 1234567 (Vigna's splitmix64.c).
        var g = SplitMix64(seed: 1_234_567)
        #expect(g.next() == 6_457_827_717_110_365_317)
        #expect(g.next() == 3_203_168_211_198_807_973)
    }

    @Test func uniformsHaveTheRightMoments() {
        var g = Xoshiro256(seed: 1)
        let n = 200_000
        var s = 0.0, s2 = 0.0
        for _ in 0..<n { let u = g.nextUniform(); s += u; s2 += u * u }
        #expect(abs(s / Double(n) - 0.5) < 4 * (1.0 / 12 / Double(n)).squareRoot())
        #expect(abs(s2 / Double(n) - 1.0 / 3) < 0.005)
    }
}

@Suite struct GaussianTests {
    static let samples: [Double] = {
        var g = Xoshiro256(seed: 2024)
        var xs = [Double](repeating: 0, count: 400_000)
        g.fillGaussian(&xs)
        return xs
    }()

    @Test func momentsMatchTheStandardNormal() {
        let xs = Self.samples, n = Double(xs.count)
        let mean = xs.reduce(0, +) / n
        let m2 = xs.reduce(0) { $0 + $1 * $1 } / n
        let m4 = xs.reduce(0) { $0 + $1 * $1 * $1 * $1 } / n
        #expect(abs(mean) < 4 / n.squareRoot())
        #expect(abs(m2 - 1) < 4 * (2 / n).squareRoot())
        #expect(abs(m4 - 3) < 4 * (96 / n).squareRoot())
    }

    @Test func kolmogorovSmirnovAgainstTheNormalCDF() {
        let xs = Self.samples.sorted(), n = Double(xs.count)
        var dmax = 0.0
        for (i, x) in xs.enumerated() {
            let cdf = 0.5 * erfc(-x / 2.0.squareRoot())
            dmax = max(dmax, abs(cdf - Double(i) / n), abs(cdf - Double(i + 1) / n))
        }
        // 1.95/√n is the 0.1 % critical value.
        #expect(dmax < 1.95 / n.squareRoot())
    }

    @Test func tailProbabilityBeyondTheZigguratBase() {
        // P(|Z| > 3.442619855899) = erfc(r/√2) ≈ 5.76e-4: the tail algorithm is exercised and right.
        let xs = Self.samples, n = Double(xs.count)
        let r = ZigguratTables.r
        let count = Double(xs.filter { abs($0) > r }.count)
        let p = erfc(r / 2.0.squareRoot())
        #expect(abs(count / n - p) < 5 * (p / n).squareRoot())
        let farTail = Double(xs.filter { abs($0) > 4 }.count)
        let p4 = erfc(4 / 2.0.squareRoot())
        #expect(abs(farTail / n - p4) < 5 * (p4 / n).squareRoot() + 1 / n)
    }
}
