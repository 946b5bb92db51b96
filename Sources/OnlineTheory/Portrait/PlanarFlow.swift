/// A point (x, y) of a plane of two order parameters.
public struct PlanarPoint: Sendable, Hashable {
    /// The first coordinate (m in the (m, q) plane).
    public var x: Double
    /// The second coordinate (q in the (m, q) plane).
    public var y: Double
    /// The point (x, y).
    public init(x: Double, y: Double) { self.x = x; self.y = y }
}

/// An autonomous flow in the plane of two order parameters, dx/dt = f(x, y), dy/dt = g(x, y), on the part of the
/// plane some student can reach (`isPhysical`). The phase-portrait analysis (`PhasePlane`) reads only this.
public protocol PlanarFlow: Sendable {
    /// (f, g) = (dx/dt, dy/dt) at `point`.
    func velocity(at point: PlanarPoint) -> PlanarPoint
    /// Whether a student can have these order parameters (q ≥ m²/ρ for the (m, q) plane).
    func isPhysical(_ point: PlanarPoint) -> Bool
}

/// The rectangle [x.lowerBound, x.upperBound] × [y.lowerBound, y.upperBound] a portrait shows.
public struct PlanarWindow: Sendable, Hashable {
    /// The range of the first coordinate shown.
    public var x: ClosedRange<Double>
    /// The range of the second coordinate shown.
    public var y: ClosedRange<Double>
    /// The window x × y.
    public init(x: ClosedRange<Double>, y: ClosedRange<Double>) { self.x = x; self.y = y }

    /// The smallest window holding `points` (finite ones), widened by `margin` of its size on every side; a side of zero
    /// width gets one of the other side's size (or 1).
    public init(enclosing points: [PlanarPoint], margin: Double = 0.08) {
        let finite = points.filter { $0.x.isFinite && $0.y.isFinite }
        var x0 = finite.map(\.x).min() ?? 0, x1 = finite.map(\.x).max() ?? 1
        var y0 = finite.map(\.y).min() ?? 0, y1 = finite.map(\.y).max() ?? 1
        let span = Swift.max(x1 - x0, y1 - y0), fallback = span > 0 ? span : 1
        if x1 - x0 <= 0 { x0 -= fallback / 2; x1 += fallback / 2 }
        if y1 - y0 <= 0 { y0 -= fallback / 2; y1 += fallback / 2 }
        let dx = margin * (x1 - x0), dy = margin * (y1 - y0)
        self.init(x: (x0 - dx)...(x1 + dx), y: (y0 - dy)...(y1 + dy))
    }

    /// x.upperBound − x.lowerBound.
    public var width: Double { x.upperBound - x.lowerBound }
    /// y.upperBound − y.lowerBound.
    public var height: Double { y.upperBound - y.lowerBound }

    /// Whether `point` is inside, with `slack` of the size on every side.
    public func contains(_ point: PlanarPoint, slack: Double = 0) -> Bool {
        point.x >= x.lowerBound - slack * width && point.x <= x.upperBound + slack * width
            && point.y >= y.lowerBound - slack * height && point.y <= y.upperBound + slack * height
    }

    /// The n × n grid of points (x_i, y_j), i fastest, corners included (n ≥ 2).
    public func grid(_ n: Int) -> [PlanarPoint] {
        (0..<n).flatMap { j in (0..<n).map { i in point(i, j, n) } }
    }

    func point(_ i: Int, _ j: Int, _ n: Int) -> PlanarPoint {
        PlanarPoint(x: x.lowerBound + width * Double(i) / Double(n - 1), y: y.lowerBound + height * Double(j) / Double(n - 1))
    }
}
