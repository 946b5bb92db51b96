/// A system of ordinary differential equations dy/dt = f(t, y) of fixed dimension.
///
/// `evaluate` writes f(t, y) into `derivative` and must not allocate if the integration is to be
/// allocation-free; it may be called from any thread.
public protocol ODESystem {
    /// The number of components of y.
    var dimension: Int { get }
    /// Writes f(`time`, `state`) into `derivative` (both of length `dimension`).
    func evaluate(time: Double, state: UnsafeBufferPointer<Double>, derivative: UnsafeMutableBufferPointer<Double>)
}

/// An `ODESystem` given by a closure, for tests and one-off problems.
public struct ClosureSystem: ODESystem, Sendable {
    /// The number of components of y.
    public let dimension: Int
    /// f: writes the derivative at (time, state) into its third argument.
    public let body: @Sendable (Double, UnsafeBufferPointer<Double>, UnsafeMutableBufferPointer<Double>) -> Void

    /// A system of `dimension` components with right-hand side `body`.
    public init(
        dimension: Int,
        _ body: @escaping @Sendable (_ time: Double, _ state: UnsafeBufferPointer<Double>, _ derivative: UnsafeMutableBufferPointer<Double>) -> Void
    ) {
        self.dimension = dimension
        self.body = body
    }

    /// Calls `body(time, state, derivative)`.
    public func evaluate(time: Double, state: UnsafeBufferPointer<Double>, derivative: UnsafeMutableBufferPointer<Double>) {
        body(time, state, derivative)
    }
}
