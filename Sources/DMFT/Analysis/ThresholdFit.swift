import RealModule

/// The power-law fit of relaxation times near the recovery threshold,
///
///     τ(α) ≃ τ0 (α − α*)^(−ν),   α > α*,
///
/// by least squares on log τ = log τ0 − ν log(α − α*): for each trial α* below the smallest α the model is
/// linear in (log τ0, ν), so the residual is profiled over α* (a scan, then golden-section refinement).
/// Standard errors come from the Gauss–Newton covariance s²(JᵀJ)⁻¹ at the optimum, s² = RSS/(n − 3).
public struct ThresholdFit: Sendable, Hashable, Codable {
    /// α*, the fitted threshold at which τ diverges (below the smallest α fitted).
    public let alphaStar: Double
    /// ν, the exponent of the divergence of τ at α*.
    public let nu: Double
    /// τ0, the amplitude of the law (τ at α − α* = 1).
    public let tau0: Double
    /// Standard errors.
    public let alphaStarError: Double
    /// Standard error of ν.
    public let nuError: Double
    /// Standard error of τ0: τ0 times that of log τ0.
    public let tau0Error: Double
    /// Root-mean-square residual in log τ.
    public let rmsResidual: Double

    /// The fewest distinct α the fit takes: three parameters and at least one degree of freedom, without which
    /// the law passes through every point and its errors are undefined.
    public static let minimumPoints = 4

    /// Fits points (α, τ) with τ > 0; needs at least `minimumPoints` distinct α.
    public init(alphas: [Double], times: [Double]) throws {
        let points = zip(alphas, times).filter { $0.0.isFinite && $0.1.isFinite && $0.1 > 0 }
        guard Set(points.map(\.0)).count >= Self.minimumPoints else {
            throw DMFTError.tooFewPoints("a threshold fit (3 parameters) needs relaxation times at \(Self.minimumPoints) or more values of "
                                         + "alpha, for at least one degree of freedom; got \(Set(points.map(\.0)).count)")
        }
        let x = points.map(\.0), y = points.map { Double.log($0.1) }
        let smallest = x.min()!, span = x.max()! - smallest
        func linearFit(_ star: Double) -> (intercept: Double, slope: Double, rss: Double) {
            let u = x.map { Double.log($0 - star) }
            let n = Double(u.count), mu = u.reduce(0, +) / n, my = y.reduce(0, +) / n
            var suu = 0.0, suy = 0.0
            for (a, b) in zip(u, y) { suu += (a - mu) * (a - mu); suy += (a - mu) * (b - my) }
            let slope = suu > 0 ? suy / suu : 0
            let intercept = my - slope * mu
            let rss = zip(u, y).reduce(0.0) { total, point in let e = point.1 - intercept - slope * point.0; return total + e * e }
            return (intercept, slope, rss)
        }
        // Scan α* = smallest − span·10^k, k from −6 to 1, then refine around the best.
        let offsets = (0...140).map { span * Double.pow(10, -6 + Double($0) * 0.05) }
        let best = offsets.min { linearFit(smallest - $0).rss < linearFit(smallest - $1).rss }!
        var lo = Double.log(best) - 0.1, hi = Double.log(best) + 0.1
        let ratio = (5.0.squareRoot() - 1) / 2
        for _ in 0..<100 where hi - lo > 1e-12 {
            let a = hi - ratio * (hi - lo), b = lo + ratio * (hi - lo)
            if linearFit(smallest - Double.exp(a)).rss < linearFit(smallest - Double.exp(b)).rss { hi = b } else { lo = a }
        }
        let star = smallest - Double.exp(0.5 * (lo + hi))
        let fit = linearFit(star)
        alphaStar = star
        nu = -fit.slope
        tau0 = Double.exp(fit.intercept)
        rmsResidual = (fit.rss / Double(x.count)).squareRoot()
        // Gauss–Newton covariance for parameters (log τ0, ν, α*): model f = log τ0 − ν log(α − α*).
        let n = x.count
        do {
            var jtj = [Double](repeating: 0, count: 9)
            for a in x {
                let row = [1, -Double.log(a - star), nu / (a - star)]
                for i in 0..<3 { for j in 0..<3 { jtj[i * 3 + j] += row[i] * row[j] } }
            }
            let s2 = fit.rss / Double(n - 3)
            let inverse = Self.invert3(jtj)
            tau0Error = tau0 * (s2 * inverse[0]).squareRoot()
            nuError = (s2 * inverse[4]).squareRoot()
            alphaStarError = (s2 * inverse[8]).squareRoot()
        }
    }

    static func invert3(_ m: [Double]) -> [Double] {
        let (a, b, c, d, e, f, g, h, i) = (m[0], m[1], m[2], m[3], m[4], m[5], m[6], m[7], m[8])
        let det = a * (e * i - f * h) - b * (d * i - f * g) + c * (d * h - e * g)
        guard det != 0 else { return Array(repeating: .nan, count: 9) }
        return [(e * i - f * h) / det, (c * h - b * i) / det, (b * f - c * e) / det,
                (f * g - d * i) / det, (a * i - c * g) / det, (c * d - a * f) / det,
                (d * h - e * g) / det, (b * g - a * h) / det, (a * e - b * d) / det]
    }

    /// τ(α) of the fitted law.
    public func time(at alpha: Double) -> Double { tau0 * Double.pow(alpha - alphaStar, -nu) }
}
