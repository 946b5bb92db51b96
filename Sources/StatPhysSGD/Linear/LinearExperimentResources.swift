import Foundation
import Scenarios

/// Resources of the linear models (regression and classifiers): one weight vector of length d per seed.
enum LinearModelResources {
    /// Bytes per output time of the result files and curves (about 15 curves of numbers written as text).
    static let bytesPerPoint = 600.0

    /// A run with `points` output times to `tMax`, optionally simulated. A seed keeps w, w* and x (3d doubles) and
    /// records (m, q, ρ) at every output time; a step costs about 20d operations (d Gaussians, two dot products,
    /// one update). The ODE costs `operationsPerEvaluation` per right-hand side, and the explicit adaptive
    /// integrator needs about 6(100 + points + t_max·r/3) of them for the fastest decay rate r of the dynamics (its
    /// stability region reaches about 3 on the negative axis), which makes a stiff run (large λ) as long as it is.
    static func estimate(points: Int, tMax: Double, simulation: SimulationSettings?, fastestRate rate: Double,
                         operationsPerEvaluation: Double) -> ResourceEstimate {
        let n = Double(points)
        var bytes = n * bytesPerPoint + 1_000_000
        var operations = 6 * (100 + n + tMax * rate / 3) * operationsPerEvaluation
        var detail = "\(points) output times"
        if let simulation {
            let d = Double(simulation.dimension), seeds = Double(simulation.seeds)
            let concurrent = min(seeds, Double(ProcessInfo.processInfo.activeProcessorCount))
            bytes += concurrent * 3 * d * 8 + seeds * n * 6 * 8
            operations += seeds * (tMax * d) * 20 * d
            detail = "\(simulation.seeds) seeds × \(TextTableNumber.short(tMax * d)) steps at d = \(simulation.dimension), \(points) output times"
        }
        return ResourceEstimate(bytes: bytes, operations: operations, detail: detail)
    }
}

/// Short numbers for messages: 2000, 1.0e+07.
enum TextTableNumber {
    static func short(_ x: Double) -> String {
        x.isFinite && abs(x) < 1e6 && x == x.rounded() ? String(Int(x)) : String(format: "%.1e", x)
    }
}

extension LinearExperiment: ResourceEstimating {
    /// The ODE's right-hand side is a few operations; the fastest rate is at η_eff, plus the velocity's 2γ with scaled momentum.
    public var resourceEstimate: ResourceEstimate {
        LinearModelResources.estimate(points: points, tMax: tMax, simulation: simulation,
                                      fastestRate: Self.fastestRate(learningRate: scenario.optimiser.effectiveLearningRate, weightDecay: scenario.weightDecay)
                                          + 2 * (scenario.optimiser.scaledMomentum ?? 0),
                                      operationsPerEvaluation: 20)
    }

    /// The q-equation's decay rate 2τ(1 + λ) − τ² (plus the m-equation's τ(1 + λ), bounded by it) while stable; above
    /// τ_c = 2(1 + λ) the run diverges within a few steps of the integrator, so the rate does not lengthen it.
    static func fastestRate(learningRate tau: Double, weightDecay lambda: Double) -> Double {
        tau < 2 * (1 + lambda) ? 2 * tau * (1 + lambda) + tau * tau : 0
    }
}
