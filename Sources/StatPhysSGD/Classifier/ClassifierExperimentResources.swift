import Scenarios

extension ClassifierExperiment: ResourceEstimating {
    /// As for regression; the ODE evaluates Gaussian integrals (about 10⁴ operations) per right-hand side.
    public var resourceEstimate: ResourceEstimate {
        LinearModelResources.estimate(points: points, tMax: tMax, simulation: simulation, learningRate: scenario.learningRate,
                                      weightDecay: scenario.weightDecay, operationsPerEvaluation: 1e4)
    }
}
