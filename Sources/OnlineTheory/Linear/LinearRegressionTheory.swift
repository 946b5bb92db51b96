import ODEIntegration
import Scenarios

/// Learning curves of the linear model from the order-parameter ODEs (`LinearRegressionODE`).
public struct LinearRegressionTheory: Sendable {
    public let scenario: LinearRegressionScenario
    /// The integrator; tight tolerances by default (`defaultTolerance`).
    public var integrator = DormandPrince54(relativeTolerance: defaultTolerance.relative, absoluteTolerance: defaultTolerance.absolute)
    /// rtol 1e-10, atol 1e-12.
    public static let defaultTolerance = (relative: 1e-10, absolute: 1e-12)
    /// A trajectory counts as diverged once e_g exceeds this multiple of max(1, ρ, e_g(0)).
    public var divergenceFactor = 1e6

    public init(scenario: LinearRegressionScenario) { self.scenario = scenario }

    /// The order parameters at t = 0 that the scenario specifies.
    public var specifiedInitialState: LinearOrderParameters {
        LinearOrderParameters(m: scenario.initialOverlap, q: scenario.initialSelfOverlap, rho: scenario.teacherNorm)
    }

    /// Critical learning rate τ_c = 2(1 + λ): the q-equation's own coefficient τ² − 2τ(1+λ) is negative
    /// (and the fixed point stable) iff τ < τ_c. The m-equation is stable for every τ > 0.
    public var criticalLearningRate: Double { scenario.criticalLearningRate }

    /// The fixed point m* = ρ/(1+λ), q* = [τ(ρ − 2m* + σ²) + 2m*] / (2(1+λ) − τ); `nil` when τ ≥ τ_c.
    public func steadyState(rho: Double? = nil) -> LinearOrderParameters? {
        let rho = rho ?? scenario.teacherNorm
        let tau = scenario.learningRate, lambda = scenario.weightDecay
        guard tau < criticalLearningRate else { return nil }
        let m = rho / (1 + lambda)
        let q = (tau * (rho - 2 * m + scenario.noiseVariance) + 2 * m) / (2 * (1 + lambda) - tau)
        return LinearOrderParameters(m: m, q: q, rho: rho)
    }

    /// Asymptotic relaxation rate: the slowest eigenvalue of the generator, min(τ(1+λ), 2τ(1+λ) − τ²).
    public var relaxationRate: Double {
        let tau = scenario.learningRate, lambda = scenario.weightDecay
        return min(tau * (1 + lambda), 2 * tau * (1 + lambda) - tau * tau)
    }

    /// The exact solution y(t) = exp(tÂ) ŷ(0) of the augmented system Â = [[A, b], [0, 0]], ŷ = (m, q, 1):
    /// valid for every τ, including τ = τ_c where A is singular.
    public func exactSolution(at time: Double, from initial: LinearOrderParameters) -> LinearOrderParameters {
        let (a, b) = LinearRegressionODE(scenario: scenario, rho: initial.rho).generator
        let augmented = [a[0], a[1], b[0], a[2], a[3], b[1], 0, 0, 0].map { $0 * time }
        let e = matrixExponential(augmented, dimension: 3)
        let m = e[0] * initial.m + e[1] * initial.q + e[2]
        let q = e[3] * initial.m + e[4] * initial.q + e[5]
        return LinearOrderParameters(m: m, q: q, rho: initial.rho)
    }

    /// Integrates the ODEs from `initial` (default: the scenario's) over `times` (increasing, starting at t = 0).
    ///
    /// Past stability the run stops where e_g exceeds `divergenceFactor`·max(1, ρ, e_g(0)) and the result
    /// carries the time in `divergence`; the arrays then hold the grid points reached before it.
    public func solve(
        times: [Double], from initial: LinearOrderParameters? = nil, progress: ((Double) -> Void)? = nil
    ) throws -> LinearTheoryResult {
        let start = initial ?? specifiedInitialState
        let system = LinearRegressionODE(scenario: scenario, rho: start.rho)
        let bound = divergenceFactor * max(1, start.rho, start.generalisationError)
        let rho = start.rho
        let blowUp = ODEEvent(name: "divergence", direction: .rising, isTerminal: true) { _, y in
            0.5 * (rho - 2 * y[0] + y[1]) - bound
        }
        let solution = try integrator.solve(
            system, initialState: [start.m, start.q], outputTimes: times, events: [blowUp], progress: progress)
        let m = solution.component(0), q = solution.component(1)
        let divergence = solution.events.last(where: { $0.name == "divergence" }).map {
            Divergence(time: $0.time, reason: "e_g exceeded \(bound): learning rate \(scenario.learningRate) ≥ critical \(criticalLearningRate)")
        }
        return LinearTheoryResult(
            times: solution.times, m: m, q: q, rho: rho,
            divergence: divergence)
    }
}

/// Theory learning curves of the linear model on an output grid.
public struct LinearTheoryResult: Sendable, Hashable {
    public let times: [Double]
    public let m: [Double]
    public let q: [Double]
    public let rho: Double
    /// Set when the trajectory diverged; the arrays stop at the last grid point before it.
    public let divergence: Divergence?

    public init(times: [Double], m: [Double], q: [Double], rho: Double, divergence: Divergence?) {
        self.times = times; self.m = m; self.q = q; self.rho = rho; self.divergence = divergence
    }

    /// e_g = ½(ρ − 2m + q) at each output time.
    public var generalisationError: [Double] { zip(m, q).map { 0.5 * (rho - 2 * $0 + $1) } }
}
