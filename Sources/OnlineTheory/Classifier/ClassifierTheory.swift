import GaussianIntegrals
import ODEIntegration
import Scenarios

/// Learning curves of a linear classifier from the order-parameter ODEs (`ClassifierODE`).
public struct ClassifierTheory: Sendable {
    public let scenario: ClassifierScenario
    /// The integrator; tight tolerances by default (`defaultTolerance`).
    public var integrator = DormandPrince54(relativeTolerance: defaultTolerance.relative, absoluteTolerance: defaultTolerance.absolute)
    /// rtol 1e-10, atol 1e-12.
    public static let defaultTolerance = (relative: 1e-10, absolute: 1e-12)
    /// A trajectory counts as diverged once q exceeds this multiple of max(1, ρ, q(0)).
    public var divergenceFactor = 1e6

    public init(scenario: ClassifierScenario) { self.scenario = scenario }

    /// The order parameters at t = 0 that the scenario specifies.
    public var specifiedInitialState: LinearOrderParameters {
        LinearOrderParameters(m: scenario.initialOverlap, q: scenario.initialSelfOverlap, rho: scenario.teacherNorm)
    }

    /// Integrates the ODEs from `initial` (default: the scenario's) over `times` (increasing, from t = 0).
    ///
    /// Past stability (square loss, τ ≥ 2(1 + λ_reg)) the run stops where q exceeds
    /// `divergenceFactor`·max(1, ρ, q(0)), and the result carries the time in `divergence`.
    public func solve(times: [Double], from initial: LinearOrderParameters? = nil, progress: ((Double) -> Void)? = nil) throws -> ClassifierTheoryResult {
        let start = initial ?? specifiedInitialState
        let system = ClassifierODE(scenario: scenario, rho: start.rho)
        let bound = divergenceFactor * max(1, start.rho, start.q)
        let blowUp = ODEEvent(name: "divergence", direction: .rising, isTerminal: true) { _, y in y[1] - bound }
        let solution = try integrator.solve(system, initialState: [start.m, start.q], outputTimes: times, events: [blowUp], progress: progress)
        let divergence = solution.events.last(where: { $0.name == "divergence" }).map { _ in
            Divergence(time: solution.events.last!.time,
                       reason: "q exceeded \(bound): learning rate \(scenario.learningRate) ≥ critical \(scenario.criticalLearningRate ?? .infinity)")
        }
        return ClassifierTheoryResult(scenario: scenario, times: solution.times, m: solution.component(0), q: solution.component(1),
                                      rho: start.rho, divergence: divergence)
    }
}

/// Theory learning curves of a linear classifier on an output grid.
public struct ClassifierTheoryResult: Sendable {
    public let times: [Double]
    public let m: [Double]
    public let q: [Double]
    public let rho: Double
    /// Set when the trajectory diverged; the arrays stop at the last grid point before it.
    public let divergence: Divergence?
    /// ε_g = arccos(m/√(qρ))/π at each output time.
    public let classificationError: [Double]
    /// The population loss E[ℓ(y, λ)] at each output time.
    public let loss: [Double]

    public init(scenario: ClassifierScenario, times: [Double], m: [Double], q: [Double], rho: Double, divergence: Divergence?) {
        self.times = times; self.m = m; self.q = q; self.rho = rho; self.divergence = divergence
        classificationError = zip(m, q).map { ClassifierIntegrals.classificationError(m: $0, q: $1, rho: rho) }
        let integrals = scenario.integrals
        loss = zip(m, q).map { integrals.expectations(m: $0, q: max(0, $1), rho: rho).loss }
    }
}
