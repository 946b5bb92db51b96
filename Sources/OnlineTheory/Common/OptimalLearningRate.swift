import Foundation
import Scenarios

/// The schedule that minimises ε_g(t_max), by direct optimisation starting from the greedy schedule.
///
/// The greedy table (nodes tᵢ, factors gᵢ; `GreedyLearningRate`) is multiplied by a piecewise-constant correction
/// e^{u_k} on `pieces` intervals equally spaced in log(1 + t) (the greedy grid's spacing), and clamped to the factor
/// bounds: f(tᵢ) = clamp(gᵢ e^{u_k(i)}, f_min, f_max), piecewise linear between nodes. So u = 0 is exactly the greedy
/// schedule, and the optimum can only improve on it. J(u) = ε_g(t_max) of the model run with f (`finalError`, the
/// model's own ODE solve; a diverged run counts as +∞) is minimised by projected gradient descent on u: gradients by
/// forward differences (step 10⁻⁴ in u, one solve per piece), a normalised step u ← u − α ∇J/‖∇J‖∞, accepted if J
/// falls (α × 1.5) and otherwise retried (α / 4), until α < 10⁻⁴ or `maximumIterations`. The corrections are kept
/// in [log(f_min/max g), log(f_max/min g)] (beyond, f is clamped everywhere and J no longer depends on them).
///
/// For linear regression the greedy rate is globally optimal, so the gradient at u = 0 vanishes up to the table's
/// interpolation and the ODE tolerance, and the result equals greedy within tolerance; for committees it improves on
/// greedy where the greedy protocol is myopic.
public struct OptimalLearningRate: Sendable {
    public var pieces = 12
    public var maximumIterations = 30
    public var differenceStep = 1e-4

    public init() {}

    /// The optimised schedule, named `optimal`, from `greedy` (a `table`), with the factor bounds and the rate bounds
    /// it records.
    public func optimise(
        greedy: LearningRateSchedule, tEnd: Double, factorBounds: ClosedRange<Double>, rateBounds: ClosedRange<Double>,
        finalError: (LearningRateSchedule) throws -> Double
    ) throws -> LearningRateSchedule {
        guard case .table(let table) = greedy.kind, tEnd > 0, pieces >= 1 else {
            throw ScenarioError("the optimal schedule starts from a tabulated greedy schedule")
        }
        let top = Foundation.log1p(tEnd)
        let piece = table.times.map { min(pieces - 1, max(0, Int(Double(pieces) * Foundation.log1p(max(0, $0)) / top))) }
        let (lower, upper) = (factorBounds.lowerBound, factorBounds.upperBound)
        func schedule(_ u: [Double]) throws -> LearningRateSchedule {
            let factors = zip(table.factors, piece).map { min(max($0 * Foundation.exp(u[$1]), lower), upper) }
            return try .tabulated(name: "optimal", times: table.times, factors: factors, rateBounds: rateBounds)
        }
        func cost(_ u: [Double]) throws -> Double {
            let value = try finalError(try schedule(u))
            return value.isFinite ? value : .infinity
        }
        let positive = table.factors.filter { $0 > 0 }
        let uRange = positive.isEmpty ? -1.0...1.0
            : Foundation.log(lower / positive.max()!)...Foundation.log(upper / positive.min()!)
        var u = [Double](repeating: 0, count: pieces)
        var best = try cost(u)
        var alpha = 0.5
        for _ in 0..<maximumIterations where alpha >= 1e-4 && best.isFinite {
            var gradient = [Double](repeating: 0, count: pieces)
            for k in 0..<pieces {
                var shifted = u
                let h = u[k] + differenceStep <= uRange.upperBound ? differenceStep : -differenceStep
                shifted[k] += h
                gradient[k] = (try cost(shifted) - best) / h
            }
            let scale = gradient.map { abs($0) }.max() ?? 0
            guard scale > 0, scale.isFinite else { break }
            while alpha >= 1e-4 {
                let trial = zip(u, gradient).map { min(max($0 - alpha * $1 / scale, uRange.lowerBound), uRange.upperBound) }
                let value = try cost(trial)
                if value < best { u = trial; best = value; alpha *= 1.5; break }
                alpha /= 4
            }
        }
        return try schedule(u)
    }
}
