/// The classical fixed-step fourth-order Runge–Kutta method, for cross-checks of the adaptive integrator.
///
///     k1 = f(t, y), k2 = f(t + h/2, y + h k1/2), k3 = f(t + h/2, y + h k2/2), k4 = f(t + h, y + h k3),
///     y(t + h) = y + h (k1 + 2k2 + 2k3 + k4)/6.
///
/// Each interval between output times is cut into the fewest equal steps no longer than `stepSize`,
/// so output times are hit exactly. The global error is O(h⁴).
public struct RungeKutta4: Sendable {
    /// The largest step h.
    public var stepSize: Double

    /// An integrator with steps of at most `stepSize` (`solve` requires it positive and finite).
    public init(stepSize: Double) { self.stepSize = stepSize }

    /// Integrates `system` from `initialState` at `outputTimes[0]` to every output time.
    public func solve<S: ODESystem>(_ system: S, initialState: [Double], outputTimes: [Double]) throws -> ODESolution {
        let n = system.dimension
        try ODEInput.validate(dimension: n, initialState: initialState, outputTimes: outputTimes)
        guard stepSize > 0, stepSize.isFinite else { throw ODEError.invalidSettings("step size must be positive, got \(stepSize)") }
        var statistics = IntegrationStatistics()
        var states = initialState
        states.reserveCapacity(outputTimes.count * n)
        let workspace = UnsafeMutablePointer<Double>.allocate(capacity: 6 * max(n, 1))
        defer { workspace.deallocate() }
        workspace.initialize(repeating: 0, count: 6 * max(n, 1))
        let (y, k1, k2, k3, k4, tmp) = (
            workspace, workspace + n, workspace + 2 * n, workspace + 3 * n, workspace + 4 * n, workspace + 5 * n)
        for i in 0..<n { y[i] = initialState[i] }
        func f(_ t: Double, _ state: UnsafeMutablePointer<Double>, _ out: UnsafeMutablePointer<Double>) {
            statistics.evaluations += 1
            system.evaluate(time: t, state: UnsafeBufferPointer(start: state, count: n),
                            derivative: UnsafeMutableBufferPointer(start: out, count: n))
        }
        for index in 1..<outputTimes.count {
            let start = outputTimes[index - 1], span = outputTimes[index] - start
            let steps = max(1, Int((span / stepSize).rounded(.up)))
            let h = span / Double(steps)
            for s in 0..<steps {
                let t = start + Double(s) * h
                f(t, y, k1)
                for i in 0..<n { tmp[i] = y[i] + 0.5 * h * k1[i] }
                f(t + 0.5 * h, tmp, k2)
                for i in 0..<n { tmp[i] = y[i] + 0.5 * h * k2[i] }
                f(t + 0.5 * h, tmp, k3)
                for i in 0..<n { tmp[i] = y[i] + h * k3[i] }
                f(t + h, tmp, k4)
                for i in 0..<n { y[i] += h * (k1[i] + 2 * k2[i] + 2 * k3[i] + k4[i]) / 6 }
                statistics.acceptedSteps += 1
            }
            guard (0..<n).allSatisfy({ y[$0].isFinite }) else { throw ODEError.nonFiniteState(time: outputTimes[index]) }
            states.append(contentsOf: UnsafeBufferPointer(start: y, count: n))
        }
        return ODESolution(times: outputTimes, states: states, dimension: n, events: [], statistics: statistics)
    }
}
