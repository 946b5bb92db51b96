import Scenarios

extension ClassifierExperiment: ResourceEstimating {
    /// As for regression; the ODE evaluates Gaussian integrals (about 10⁴ operations) per right-hand side.
    public var resourceEstimate: ResourceEstimate {
        LinearModelResources.estimate(points: points, tMax: tMax, simulation: simulation, batchSize: scenario.optimiser.batchSize,
                                      fastestRate: fastestRate,
                                      operationsPerEvaluation: 1e4)
    }

    /// As for regression with the square loss; the other losses have |L'| ≤ 1 and L'' ≤ 1, so that the linear part
    /// of their dynamics decays at most at 2τ(1 + λ).
    var fastestRate: Double {
        let tau = scenario.learningRate, lambda = scenario.weightDecay
        return scenario.loss == .square ? LinearExperiment.fastestRate(optimiser: scenario.optimiser, weightDecay: lambda) : 2 * tau * (1 + lambda)
    }
}
