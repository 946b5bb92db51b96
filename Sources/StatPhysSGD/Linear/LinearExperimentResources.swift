import Foundation
import Scenarios

/// Resources of the linear models (regression and classifiers): one weight vector of length d per seed.
enum LinearModelResources {
    /// Bytes per output time of the result files and curves (about 15 curves of numbers written as text).
    static let bytesPerPoint = 600.0

    /// A run with `points` output times to `tMax`, optionally simulated with mini-batches of `batchSize` samples. A
    /// seed keeps w, w* and x (3d doubles; a fourth, the batch's summed gradient, when B > 1) and records (m, q, ρ) at
    /// every output time; a sample costs about 20d operations (d Gaussians, two dot products, one update), a step B
    /// of them. The ODE costs `operationsPerEvaluation` per right-hand side, and the explicit adaptive
    /// integrator needs about 6(100 + points + t_max·r/3) of them for the fastest decay rate r of the dynamics (its
    /// stability region reaches about 3 on the negative axis), which makes a stiff run (large λ) as long as it is.
    /// Each of a schedule's `breakpoints` restarts the integrator (about 12 more evaluations) and is held in a list.
    static func estimate(points: Int, tMax: Double, simulation: SimulationSettings?, batchSize: Int, fastestRate rate: Double,
                         operationsPerEvaluation: Double, breakpoints: Double = 0) -> ResourceEstimate {
        let n = Double(points)
        var bytes = n * bytesPerPoint + 1_000_000 + 32 * breakpoints
        var operations = 6 * (100 + n + tMax * rate / 3) * operationsPerEvaluation + 12 * breakpoints * operationsPerEvaluation
        var detail = "\(points) output times"
        if let simulation {
            let d = Double(simulation.dimension), seeds = Double(simulation.seeds)
            let concurrent = min(seeds, Double(ProcessInfo.processInfo.activeProcessorCount))
            let batch = Double(batchSize)
            bytes += concurrent * (batchSize > 1 ? 4 : 3) * d * 8 + seeds * n * 6 * 8
            operations += seeds * (tMax * d) * batch * 20 * d
            detail = "\(simulation.seeds) seeds × \(TextTableNumber.short(tMax * d)) steps"
                + (batchSize > 1 ? " of \(batchSize) samples" : "") + " at d = \(simulation.dimension), \(points) output times"
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
    /// The ODE's right-hand side is a few operations. With a schedule, the rates are the peak of η(t) up to t_max; the
    /// velocity adds 2γ with scaled momentum.
    public var resourceEstimate: ResourceEstimate {
        LinearModelResources.estimate(points: points, tMax: tMax, simulation: simulation, batchSize: scenario.optimiser.batchSize,
                                      fastestRate: Self.fastestRate(optimiser: scenario.optimiser, weightDecay: scenario.weightDecay, upTo: tMax)
                                          + 2 * (scenario.optimiser.scaledMomentum ?? 0),
                                      operationsPerEvaluation: 20, breakpoints: scenario.optimiser.schedule.breakpointCount(upTo: tMax))
    }

    /// The q-equation's decay rate 2τ(1 + λ) − τ²/B (plus the m-equation's τ(1 + λ), bounded by it; estimated from above
    /// by 2τ(1 + λ) + τ²/B) while stable; above τ_c = 2B(1 + λ) the run diverges within a few steps of the integrator,
    /// so the rate does not lengthen it. With a schedule, τ is the peak of η(t) up to `tMax`.
    /// τ = η_eff = η/(1 − β) at fixed momentum.
    static func fastestRate(optimiser: Optimiser, weightDecay lambda: Double, upTo tMax: Double) -> Double {
        let tau = optimiser.peakRate(upTo: tMax) * optimiser.momentumGain
        return tau < 2 * Double(optimiser.batchSize) * (1 + lambda) ? 2 * tau * (1 + lambda) + optimiser.noise(rate: tau) : 0
    }
}
