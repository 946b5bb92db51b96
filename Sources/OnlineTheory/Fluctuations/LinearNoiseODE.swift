import ODEIntegration

/// A d → ∞ order-parameter flow dφ/dt = g(t, φ) together with what its finite-d fluctuations need: the Jacobian
/// J = ∂g/∂φ and the increment covariance D(φ) = lim d² Cov(Δφ | φ) of one SGD step. The components of φ may include
/// constants of the run (a teacher norm ρ̂ measured at finite d) with zero drift: their spread enters through Σ(0).
public protocol FluctuatingFlow: Sendable {
    /// The number of components of φ.
    var componentCount: Int { get }
    /// Writes g(`time`, φ) into `derivative` (length `componentCount`).
    func drift(time: Double, state: UnsafeBufferPointer<Double>, derivative: UnsafeMutableBufferPointer<Double>)
    /// Writes J_ij = ∂g_i/∂φ_j (row-major, n × n) into `jacobian`.
    func jacobian(time: Double, state: UnsafeBufferPointer<Double>, jacobian: UnsafeMutableBufferPointer<Double>)
    /// Writes D_ij = lim d² Cov(Δφ_i, Δφ_j | φ) per step (row-major, symmetric, n × n) into `diffusion`.
    func diffusion(time: Double, state: UnsafeBufferPointer<Double>, diffusion: UnsafeMutableBufferPointer<Double>)
}

/// The linear-noise (van Kampen) system of a `FluctuatingFlow`: at finite d, √d (φ_d(t) − φ(t)) is Gaussian to
/// leading order with covariance Σ(t),
///
///     dφ/dt = g(φ),   dΣ/dt = J(φ) Σ + Σ J(φ)ᵀ + D(φ),
///
/// since one unit of t is d steps, each adding D/d² to Cov(φ) and moving the deviation along J/d. The state is φ
/// followed by the upper triangle of Σ row by row (`packedIndex`): n + n(n + 1)/2 components.
public struct LinearNoiseODE<Flow: FluctuatingFlow>: ODESystem, Sendable {
    /// The flow whose mean and covariance are integrated.
    public let flow: Flow

    /// The system of `flow`.
    public init(flow: Flow) { self.flow = flow }

    /// n + n(n + 1)/2.
    public var dimension: Int { let n = flow.componentCount; return n + n * (n + 1) / 2 }

    /// The index of Σ_ij (either order) in the state.
    public func packedIndex(_ i: Int, _ j: Int) -> Int {
        let n = flow.componentCount, (a, b) = i <= j ? (i, j) : (j, i)
        return n + a * n - a * (a - 1) / 2 + (b - a)
    }

    /// The state of mean `mean` and covariance `covariance` (row-major n × n; its upper triangle is read).
    public func state(mean: [Double], covariance: [Double]) -> [Double] {
        let n = flow.componentCount
        precondition(mean.count == n && covariance.count == n * n, "LinearNoiseODE.state: sizes")
        var y = mean + [Double](repeating: 0, count: n * (n + 1) / 2)
        for i in 0..<n { for j in i..<n { y[packedIndex(i, j)] = covariance[i * n + j] } }
        return y
    }

    /// Σ of `state` as a row-major n × n matrix.
    public func covariance(_ state: ArraySlice<Double>) -> [Double] {
        let n = flow.componentCount, base = state.startIndex
        var s = [Double](repeating: 0, count: n * n)
        for i in 0..<n { for j in 0..<n { s[i * n + j] = state[base + packedIndex(i, j)] } }
        return s
    }

    /// (g, JΣ + ΣJᵀ + D), allocation-free apart from two n × n scratch buffers on the stack.
    public func evaluate(time: Double, state: UnsafeBufferPointer<Double>, derivative: UnsafeMutableBufferPointer<Double>) {
        let n = flow.componentCount
        flow.drift(time: time, state: UnsafeBufferPointer(rebasing: state[0..<n]), derivative: UnsafeMutableBufferPointer(rebasing: derivative[0..<n]))
        withUnsafeTemporaryAllocation(of: Double.self, capacity: 2 * n * n) { scratch in
            let j = UnsafeMutableBufferPointer(rebasing: scratch[0..<(n * n)])
            let d = UnsafeMutableBufferPointer(rebasing: scratch[(n * n)...])
            let phi = UnsafeBufferPointer(rebasing: state[0..<n])
            flow.jacobian(time: time, state: phi, jacobian: j)
            flow.diffusion(time: time, state: phi, diffusion: d)
            func sigma(_ a: Int, _ b: Int) -> Double { state[packedIndex(a, b)] }
            for a in 0..<n {
                for b in a..<n {
                    var sum = d[a * n + b]
                    for k in 0..<n { sum += j[a * n + k] * sigma(k, b) + sigma(a, k) * j[b * n + k] }
                    derivative[packedIndex(a, b)] = sum
                }
            }
        }
    }
}

/// The mean φ(t) and the covariance Σ(t) = lim d Cov(φ_d(t)) on an output grid (`LinearNoiseODE`).
public struct FluctuationSolution: Sendable, Hashable {
    /// The output times reached.
    public let times: [Double]
    /// φ at each time (`times.count` × n).
    public let mean: [[Double]]
    /// Σ at each time, row-major n × n.
    public let covariance: [[Double]]

    /// A solution from its arrays.
    public init(times: [Double], mean: [[Double]], covariance: [[Double]]) {
        self.times = times; self.mean = mean; self.covariance = covariance
    }

    /// The predicted per-seed standard deviation at dimension d of the linear functional Σ_i a_i φ_i at each time:
    /// √(aᵀΣa/d) (the leading order; a negative rounding residue of aᵀΣa reads as 0).
    public func standardDeviation(of gradient: [Double], dimension: Int) -> [Double] {
        let n = gradient.count
        return covariance.map { s in
            var v = 0.0
            for i in 0..<n { for j in 0..<n { v += gradient[i] * s[i * n + j] * gradient[j] } }
            return (max(0, v) / Double(dimension)).squareRoot()
        }
    }
}

extension LinearNoiseODE {
    /// Integrates mean and covariance from `mean`, `covariance` over `times` (increasing, from t = 0) with
    /// `integrator`; stops early (shorter arrays) at a breakdown of the integration.
    public func solve(mean: [Double], covariance: [Double], times: [Double], integrator: DormandPrince54) throws -> FluctuationSolution {
        var integrator = integrator
        integrator.stopsAtBreakdown = true
        let solution = try integrator.solve(self, initialState: state(mean: mean, covariance: covariance), outputTimes: times, events: [])
        let n = flow.componentCount, width = dimension
        var means = [[Double]](), covariances = [[Double]]()
        for index in solution.times.indices {
            let y = solution.states[(index * width)..<((index + 1) * width)]
            means.append(Array(y.prefix(n)))
            covariances.append(self.covariance(y))
        }
        return FluctuationSolution(times: solution.times, mean: means, covariance: covariances)
    }
}
