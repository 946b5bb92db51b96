import RealModule

/// Allocation-free kernels on contiguous buffers. `Relaxed` arithmetic lets the compiler reassociate the
/// reductions into SIMD lanes; the result is deterministic for a given build and input.
public enum VectorKernels {
    /// Σ_i a_i b_i.
    @inlinable
    public static func dot(_ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>, count: Int) -> Double {
        var s = 0.0
        for i in 0..<count { s = Relaxed.multiplyAdd(a[i], b[i], s) }
        return s
    }

    /// (Σ_i a_i x_i, Σ_i b_i x_i) in one pass over x.
    @inlinable
    public static func dots(
        _ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>, with x: UnsafePointer<Double>, count: Int
    ) -> (Double, Double) {
        var s = 0.0, t = 0.0
        for i in 0..<count {
            s = Relaxed.multiplyAdd(a[i], x[i], s)
            t = Relaxed.multiplyAdd(b[i], x[i], t)
        }
        return (s, t)
    }

    /// Σ_i (a_i − c b_i)²: a sum of squares of differences, so it keeps its relative accuracy when a ≈ c b (no
    /// cancellation, unlike |a|² − 2c a·b + c²|b|²).
    @inlinable
    public static func distanceSquared(_ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>, scaledBy c: Double = 1, count: Int) -> Double {
        var s = 0.0
        for i in 0..<count {
            let r = Relaxed.multiplyAdd(-c, b[i], a[i])
            s = Relaxed.multiplyAdd(r, r, s)
        }
        return s
    }

    /// y ← β x.
    @inlinable
    public static func assign(_ y: UnsafeMutablePointer<Double>, _ x: UnsafePointer<Double>, scaledBy beta: Double, count: Int) {
        for i in 0..<count { y[i] = beta * x[i] }
    }

    /// y ← α y + β x.
    @inlinable
    public static func scaleAdd(_ y: UnsafeMutablePointer<Double>, _ alpha: Double, _ x: UnsafePointer<Double>, _ beta: Double, count: Int) {
        for i in 0..<count { y[i] = Relaxed.multiplyAdd(alpha, y[i], beta * x[i]) }
    }
}
