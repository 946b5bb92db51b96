import DMFT
import Foundation

/// The cost of the DMFT and of its finite-N simulation.
///
/// DMFT to T steps: four packed (T+1)(T+2)/2 triangles of doubles (C, R, Ḡ, Y) and 24 work vectors; a step t reads
/// up to 2t² numbers while the dynamics ages, about 2T³/3 operations in all (less once it relaxes).
/// Simulation of one seed at dimension N with P = round(αN) samples: the pair vector, the row buffer and
/// A (N(N−1)/2 numbers each, plus the signal's pairs in double), the labels, and the P × N(N−1)/2 couplings when
/// they are stored; a step is two passes over the couplings (4 P N(N−1)/2 operations), and regenerating them costs
/// about 15 operations a number more. Seeds run in parallel over the cores.
public enum DMFTResources {
    /// The DMFT solver's memory and work for `steps` steps.
    public static func theory(steps: Int) -> ResourceEstimate {
        let d = Double(steps) + 1
        let bytes = 4 * (d * (d + 1) / 2 * 8 + 2_097_152) + 24 * d * 8 + d * 500 + 1_000_000
        return ResourceEstimate(bytes: bytes, operations: 2 * d * d * d / 3,
                                detail: "4 DMFT history triangles of \(TextTableNumber.short(d))²/2 doubles")
    }

    /// Couplings of one seed: P · N(N−1)/2 numbers of `precision`.
    public static func couplingBytes(alpha: Double, dimension: Int, precision: SimulationPrecision) -> Double {
        let n = Double(dimension)
        return (alpha * n).rounded() * (n * (n - 1) / 2) * Double(precision == .double ? 8 : 4)
    }

    /// How many seeds run at once.
    static func concurrentSeeds(_ seeds: Int) -> Double {
        min(Double(seeds), Double(ProcessInfo.processInfo.activeProcessorCount))
    }

    /// The simulation's memory and work, with the couplings stored (`storesCouplings`) or regenerated each step.
    public static func simulation(alpha: Double, steps: Int, dimension: Int, seeds: Int, precision: SimulationPrecision,
                                  storesCouplings: Bool) -> ResourceEstimate {
        let n = Double(dimension), p = (alpha * n).rounded(), pairs = n * (n - 1) / 2, s = Double(precision == .double ? 8 : 4)
        let couplings = couplingBytes(alpha: alpha, dimension: dimension, precision: precision)
        let perSample = (storesCouplings ? couplings : 0) + 3 * pairs * s + pairs * 8 + p * 8 + 4 * n * 8 + (Double(steps) + 1) * 3 * 8
        let bytes = concurrentSeeds(seeds) * perSample + Double(seeds) * (Double(steps) + 1) * 3 * 8
        let perStep = 4 * p * pairs * (storesCouplings ? 1 : 5)
        let operations = Double(seeds) * (Double(steps) * perStep + 15 * p * pairs)
        let detail = storesCouplings
            ? "\(TextTableNumber.short(p)) × \(TextTableNumber.short(pairs)) couplings per seed at N = \(dimension)"
            : "N(N−1)/2 = \(TextTableNumber.short(pairs)) pairs per vector at N = \(dimension), couplings regenerated each step"
        return ResourceEstimate(bytes: bytes, operations: operations, detail: detail)
    }
}

extension DMFTExperiment.Simulation {
    /// The memory each concurrently running seed may give its couplings: `maxMemoryBytes` shared by the seeds
    /// that run at once, less what every seed needs anyway. Above it, rows are regenerated each step.
    public func couplingBudget(problem: SignalRecoveryProblem) -> Int {
        let rest = DMFTResources.simulation(alpha: problem.alpha, steps: problem.steps, dimension: dimension, seeds: seeds,
                                            precision: precision, storesCouplings: false).bytes
        let share = (Double(maxMemoryBytes) - rest) / DMFTResources.concurrentSeeds(seeds)
        return share <= 0 ? 0 : Int(min(share, Double(Int.max / 2)))
    }

    /// Whether the couplings are regenerated each step rather than stored.
    public func couplingsOnTheFly(problem: SignalRecoveryProblem) -> Bool {
        SignalRecoverySimulator.couplingsExceed(couplingBudget(problem: problem), problem: problem, dimension: dimension, precision: precision)
    }
}

extension DMFTExperiment: ResourceEstimating {
    /// The DMFT, then the simulation (with the couplings stored when they fit the budget).
    public var resourceEstimate: ResourceEstimate {
        let theory = DMFTResources.theory(steps: problem.steps)
        guard let simulation else { return theory }
        return theory.followed(by: DMFTResources.simulation(
            alpha: problem.alpha, steps: problem.steps, dimension: simulation.dimension, seeds: simulation.seeds,
            precision: simulation.precision, storesCouplings: !simulation.couplingsOnTheFly(problem: problem)))
    }
}

