import Scenarios

extension ClassifierExperiment: ResourceEstimating {
    /// As for regression; the ODE evaluates Gaussian integrals (about 10⁴ operations) per right-hand side; the
    /// velocity adds 2γ with scaled momentum.
    public var resourceEstimate: ResourceEstimate {
        LinearModelResources.estimate(points: points, tMax: tMax, simulation: simulation, batchSize: scenario.optimiser.batchSize,
                                      fastestRate: fastestRate + 2 * (scenario.optimiser.scaledMomentum ?? 0),
                                      operationsPerEvaluation: 1e4, breakpoints: scenario.optimiser.schedule.breakpointCount(upTo: tMax))
    }

    /// As for regression with the square loss; the other losses have |L'| ≤ 1 and L'' ≤ 1, so that the linear part
    /// of their dynamics decays at most at 2τ(1 + λ). τ = η_eff (η/(1 − β) at fixed momentum), with a schedule the
    /// peak of η(t) up to t_max.
    var fastestRate: Double {
        let tau = scenario.optimiser.peakRate(upTo: tMax) * scenario.optimiser.momentumGain, lambda = scenario.weightDecay
        return scenario.loss == .square ? LinearExperiment.fastestRate(optimiser: scenario.optimiser, weightDecay: lambda, upTo: tMax) : 2 * tau * (1 + lambda)
    }
}
