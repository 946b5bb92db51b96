/// Globally adaptive Gauss–Kronrod (7, 15) quadrature of vector-valued integrands (up to four components, as
/// SIMD4), the QUADPACK scheme: the interval with the largest error estimate |K15 − G7| is bisected until the
/// summed estimate is below max(`tolerance`, `relativeTolerance` × the largest component of the result), or
/// `maxIntervals` is reached. Deterministic for a given integrand.
public enum GaussKronrod {
    /// ∫ f over [points.first, points.last], split at every interior point first (put kinks and steps there).
    public static func integrate(
        _ f: (Double) -> SIMD4<Double>, breakpoints points: [Double], tolerance: Double = 1e-13,
        relativeTolerance: Double = 1e-12, maxIntervals: Int = 400
    ) -> SIMD4<Double> {
        precondition(points.count >= 2, "integration needs at least two breakpoints")
        var intervals: [(a: Double, b: Double, value: SIMD4<Double>, error: Double)] = []
        intervals.reserveCapacity(maxIntervals)
        for (a, b) in zip(points, points.dropFirst()) where b > a {
            let (value, error) = rule(f, a, b)
            intervals.append((a, b, value, error))
        }
        while intervals.count < maxIntervals {
            var worst = 0, total = 0.0, sum = SIMD4<Double>()
            for (index, interval) in intervals.enumerated() {
                total += interval.error
                sum += interval.value
                if interval.error > intervals[worst].error { worst = index }
            }
            let scale = max(abs(sum[0]), abs(sum[1]), abs(sum[2]), abs(sum[3]))
            guard total > max(tolerance, relativeTolerance * scale) else { break }
            let (a, b) = (intervals[worst].a, intervals[worst].b)
            let middle = 0.5 * (a + b)
            guard middle > a, middle < b else { break }  // no longer divisible in double precision
            let (left, leftError) = rule(f, a, middle), (right, rightError) = rule(f, middle, b)
            intervals[worst] = (a, middle, left, leftError)
            intervals.append((middle, b, right, rightError))
        }
        return intervals.reduce(SIMD4<Double>()) { $0 + $1.value }
    }

    /// The 15-point Kronrod value on [a, b] and max_component |K15 − G7|.
    static func rule(_ f: (Double) -> SIMD4<Double>, _ a: Double, _ b: Double) -> (SIMD4<Double>, Double) {
        let center = 0.5 * (a + b), half = 0.5 * (b - a)
        let fc = f(center)
        var kronrod = fc * kronrodWeights[7], gauss = fc * gaussWeights[3]
        for j in 0..<7 {
            let dx = half * kronrodNodes[j]
            let pair = f(center - dx) + f(center + dx)
            kronrod += pair * kronrodWeights[j]
            if j % 2 == 1 { gauss += pair * gaussWeights[j / 2] }
        }
        let difference = (kronrod - gauss) * half
        return (kronrod * half, max(abs(difference[0]), abs(difference[1]), abs(difference[2]), abs(difference[3])))
    }

    /// Kronrod nodes on [−1, 1] (positive half, decreasing; the last is the centre) and their weights; the Gauss
    /// nodes are kronrodNodes[1, 3, 5, 7].
    static let kronrodNodes: [Double] = [
        0.991455371120812639206854697526329, 0.949107912342758524526189684047851, 0.864864423359769072789712788640926,
        0.741531185599394439863864773280788, 0.586087235467691130294144845693013, 0.405845151377397166906606412076961,
        0.207784955007898467600689403773245, 0,
    ]
    static let kronrodWeights: [Double] = [
        0.022935322010529224963732008058970, 0.063092092629978553290700663189204, 0.104790010322250183839876322541518,
        0.140653259715525918745189590510238, 0.169004726639267902826583426598550, 0.190350578064785409913256402421014,
        0.204432940075298892414161999234649, 0.209482141084727828012999174891714,
    ]
    static let gaussWeights: [Double] = [
        0.129484966168869693270611432679082, 0.279705391489276667901467771423780, 0.381830050505118944950369775488975,
        0.417959183673469387755102040816327,
    ]
}
