/// How trajectories behave near a fixed point, from the eigenvalues of the flow's Jacobian there.
public enum FixedPointStability: String, Sendable, Hashable, Codable {
    /// Both eigenvalues with real parts of one sign: a node when they are real, a focus (spiralling) when complex;
    /// stable when the real parts are negative.
    case stableNode = "stable node", stableFocus = "stable focus", unstableNode = "unstable node", unstableFocus = "unstable focus"
    /// `saddle`: real eigenvalues of opposite signs (det J < 0); `centre`: imaginary ones (tr J = 0 < det J), closed
    /// orbits to linear order.
    case saddle, centre
    /// A zero eigenvalue (to the Jacobian's precision): linearisation decides nothing.
    case nonHyperbolic = "non-hyperbolic"

    /// Every nearby trajectory converges to it.
    public var isStable: Bool { self == .stableNode || self == .stableFocus }

    /// From the 2 × 2 Jacobian J (row-major): det J < 0 a saddle; det J > 0 stable iff tr J < 0, a focus iff
    /// tr² < 4 det; det or tr (with det > 0) zero to `tolerance` × |J|² (resp. |J|) non-hyperbolic (resp. a centre).
    public init(jacobian j: [Double], tolerance: Double = 1e-9) {
        let trace = j[0] + j[3], determinant = j[0] * j[3] - j[1] * j[2]
        let norm = j.map(abs).max() ?? 0
        if abs(determinant) <= tolerance * norm * norm { self = .nonHyperbolic; return }
        if determinant < 0 { self = .saddle; return }
        if abs(trace) <= tolerance * norm { self = .centre; return }
        let focus = trace * trace < 4 * determinant
        self = trace < 0 ? (focus ? .stableFocus : .stableNode) : (focus ? .unstableFocus : .unstableNode)
    }
}

/// A fixed point of a planar flow with its linearisation.
public struct PlanarFixedPoint: Sendable, Hashable {
    /// Where the flow's velocity vanishes.
    public let point: PlanarPoint
    /// J = ∂(f, g)/∂(x, y) at the point, row-major (central differences).
    public let jacobian: [Double]
    /// The eigenvalues λ = tr/2 ± √(tr²/4 − det), as (real, imaginary) parts, the larger real part first.
    public let eigenvalues: [(real: Double, imaginary: Double)]
    /// The kind of fixed point, from `jacobian` (`FixedPointStability(jacobian:)` at its default tolerance).
    public let stability: FixedPointStability

    /// The fixed point at `point` with Jacobian `jacobian` (row-major 2 × 2); computes `eigenvalues` and `stability`.
    public init(point: PlanarPoint, jacobian: [Double]) {
        self.point = point; self.jacobian = jacobian
        let half = (jacobian[0] + jacobian[3]) / 2, determinant = jacobian[0] * jacobian[3] - jacobian[1] * jacobian[2]
        let discriminant = half * half - determinant
        if discriminant >= 0 {
            // The larger-magnitude root without cancellation, the other from the product det.
            let root = discriminant.squareRoot(), big = half >= 0 ? half + root : half - root
            let small = big != 0 ? determinant / big : 0
            eigenvalues = [(Swift.max(big, small), 0), (Swift.min(big, small), 0)]
        } else {
            let im = (-discriminant).squareRoot()
            eigenvalues = [(half, im), (half, -im)]
        }
        stability = FixedPointStability(jacobian: jacobian)
    }

    /// Equal when the points and the Jacobians are (the eigenvalues and the stability follow from them).
    public static func == (a: Self, b: Self) -> Bool { a.point == b.point && a.jacobian == b.jacobian }
    /// Hashes `point` and `jacobian`, what `==` compares.
    public func hash(into hasher: inout Hasher) { hasher.combine(point); hasher.combine(jacobian) }
}

extension PlanarFlow {
    /// J = ∂(f, g)/∂(x, y) at `point` by central differences with steps `relativeStep` × the window's size per axis
    /// (error O(h²) for a smooth flow; exact to rounding for a linear one).
    public func jacobian(at point: PlanarPoint, window: PlanarWindow, relativeStep: Double = 1e-5) -> [Double] {
        let hx = relativeStep * window.width, hy = relativeStep * window.height
        let right = velocity(at: PlanarPoint(x: point.x + hx, y: point.y)), left = velocity(at: PlanarPoint(x: point.x - hx, y: point.y))
        let up = velocity(at: PlanarPoint(x: point.x, y: point.y + hy)), down = velocity(at: PlanarPoint(x: point.x, y: point.y - hy))
        return [(right.x - left.x) / (2 * hx), (up.x - down.x) / (2 * hy), (right.y - left.y) / (2 * hx), (up.y - down.y) / (2 * hy)]
    }

    /// The fixed points f = g = 0 in `window` (and physical): damped Newton iterations from an n × n grid of starts in the
    /// window, kept when the velocity there is below `tolerance` × the largest velocity on the grid, merged when closer
    /// than 10⁻⁶ of the window's size, each with its Jacobian and stability. Sorted by x, then y.
    public func fixedPoints(in window: PlanarWindow, starts n: Int = 7, tolerance: Double = 1e-10) -> [PlanarFixedPoint] {
        let grid = window.grid(n).filter(isPhysical)
        let scale = grid.map { v in let f = velocity(at: v); return Swift.max(abs(f.x), abs(f.y)) }.filter(\.isFinite).max() ?? 0
        guard scale > 0 else { return [] }
        var found: [PlanarPoint] = []
        for start in grid {
            guard let root = newton(from: start, window: window, scale: scale, tolerance: tolerance),
                  window.contains(root, slack: 1e-9), isPhysical(root) else { continue }
            let duplicate = found.contains { abs($0.x - root.x) <= 1e-6 * window.width && abs($0.y - root.y) <= 1e-6 * window.height }
            if !duplicate { found.append(root) }
        }
        return found.sorted { ($0.x, $0.y) < ($1.x, $1.y) }.map { PlanarFixedPoint(point: $0, jacobian: jacobian(at: $0, window: window)) }
    }

    /// Newton's method with step halving (the residual max(|f|, |g|) must fall), from `start`; `nil` if it does not
    /// reach `tolerance` × `scale` in 60 iterations or leaves the region three windows wide around `window`.
    func newton(from start: PlanarPoint, window: PlanarWindow, scale: Double, tolerance: Double) -> PlanarPoint? {
        func residual(_ p: PlanarPoint) -> Double {
            let f = velocity(at: p)
            return f.x.isFinite && f.y.isFinite ? Swift.max(abs(f.x), abs(f.y)) : .infinity
        }
        var point = start, r = residual(point)
        for _ in 0..<60 {
            if r <= tolerance * scale { return point }
            let j = jacobian(at: point, window: window, relativeStep: 1e-7), f = velocity(at: point)
            let determinant = j[0] * j[3] - j[1] * j[2]
            guard determinant != 0, determinant.isFinite else { return nil }
            let dx = (j[3] * f.x - j[1] * f.y) / determinant, dy = (j[0] * f.y - j[2] * f.x) / determinant
            var lambda = 1.0, accepted = false
            for _ in 0..<30 {
                let trial = PlanarPoint(x: point.x - lambda * dx, y: point.y - lambda * dy)
                let rTrial = residual(trial)
                if rTrial < r {
                    point = trial; r = rTrial; accepted = true
                    break
                }
                lambda /= 2
            }
            guard accepted, window.contains(point, slack: 1) else { return r <= tolerance * scale ? point : nil }
        }
        return r <= tolerance * scale ? point : nil
    }
}
