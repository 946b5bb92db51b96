/// Globally adaptive Gauss–Kronrod (7, 15) quadrature of vector-valued integrands (SIMD vectors), the QUADPACK
/// scheme with a per-component error test: the interval whose error estimate |K15 − G7| is largest relative to its
/// component's allowance is bisected until every component i has summed estimate ≤ max(`tolerance`,
/// `relativeTolerance` × ∫|f_i|), or `maxIntervals` is reached. Each component thus keeps its own accuracy relative
/// to the integral of its magnitude, however much smaller it is than the others: a relative accuracy for a
/// sign-definite integrand (with `tolerance` ≈ 0), and for one whose parts cancel, the accuracy that rounding of the
/// parts allows anyway (QUADPACK's "resabs" scale).
/// Deterministic for a given integrand.
public enum GaussKronrod {
    /// ∫ f over [points.first, points.last], split at every interior point first (put kinks and steps there).
    public static func integrate<V: SIMD>(
        _ f: (Double) -> V, breakpoints points: [Double], tolerance: Double = 1e-13,
        relativeTolerance: Double = 1e-12, maxIntervals: Int = 400
    ) -> V where V.Scalar == Double {
        precondition(points.count >= 2, "integration needs at least two breakpoints")
        var intervals: [(a: Double, b: Double, value: V, error: V, magnitude: V)] = []
        intervals.reserveCapacity(maxIntervals)
        for (a, b) in zip(points, points.dropFirst()) where b > a {
            let (value, error, magnitude) = rule(f, a, b)
            intervals.append((a, b, value, error, magnitude))
        }
        let floor = V(repeating: tolerance)
        while intervals.count < maxIntervals {
            var scale = V(), total = V()
            for interval in intervals { scale += interval.magnitude; total += interval.error }
            let allowance = pointwiseMax(floor, relativeTolerance * scale)
            guard any(total .> allowance) else { break }
            // The interval that uses up the largest share of some component's allowance.
            var worst = 0, worstShare = -Double.infinity
            for (index, interval) in intervals.enumerated() {
                var share = -Double.infinity
                for i in 0..<V.scalarCount where interval.error[i] > 0 { share = max(share, interval.error[i] / max(allowance[i], .leastNormalMagnitude)) }
                if share > worstShare { worst = index; worstShare = share }
            }
            let (a, b) = (intervals[worst].a, intervals[worst].b)
            let middle = 0.5 * (a + b)
            guard middle > a, middle < b else { break }  // no longer divisible in double precision
            let (left, leftError, leftMagnitude) = rule(f, a, middle), (right, rightError, rightMagnitude) = rule(f, middle, b)
            intervals[worst] = (a, middle, left, leftError, leftMagnitude)
            intervals.append((middle, b, right, rightError, rightMagnitude))
        }
        return intervals.reduce(V()) { $0 + $1.value }
    }

    /// The 15-point Kronrod value on [a, b], its per-component error estimate |K15 − G7|, and the Kronrod value of |f|.
    static func rule<V: SIMD>(_ f: (Double) -> V, _ a: Double, _ b: Double) -> (V, V, V) where V.Scalar == Double {
        let center = 0.5 * (a + b), half = 0.5 * (b - a)
        let fc = f(center)
        var kronrod = fc * kronrodWeights[7], gauss = fc * gaussWeights[3], absolute = magnitude(fc) * kronrodWeights[7]
        for j in 0..<7 {
            let dx = half * kronrodNodes[j]
            let left = f(center - dx), right = f(center + dx), pair = left + right
            kronrod += pair * kronrodWeights[j]
            absolute += (magnitude(left) + magnitude(right)) * kronrodWeights[j]
            if j % 2 == 1 { gauss += pair * gaussWeights[j / 2] }
        }
        return (kronrod * half, magnitude((kronrod - gauss) * half), absolute * abs(half))
    }

    /// |v| componentwise.
    static func magnitude<V: SIMD>(_ v: V) -> V where V.Scalar == Double {
        var result = v
        for i in v.indices { result[i] = Swift.abs(v[i]) }
        return result
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
