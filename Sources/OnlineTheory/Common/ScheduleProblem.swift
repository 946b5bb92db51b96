import ODEIntegration
import Scenarios

/// What every computed schedule needs of an online model: its ODE split by the rate factor f,
/// dφ/dt = f a(φ) + f² b(φ), with ε_g of the state and the factor bounds (`split`), the initial state and the model's
/// integrator. The greedy schedule (`greedy(tEnd:)`) and the optimal one (`OptimalLearningRate`) are written once on
/// top of it, for every model.
public struct ScheduleProblem<System: ODESystem & Sendable>: Sendable {
    /// The right-hand side at f = 1 and f = 2 (hence a and b), ε_g of a state, and [f_min, f_max].
    public let split: GreedyLearningRate<System>
    /// φ(0).
    public let initialState: [Double]
    /// The model's own integrator (tolerances, initial step).
    public let integrator: DormandPrince54
    /// [η_min, η_max], recorded in the computed schedule.
    public let rateBounds: ClosedRange<Double>

    /// The problem of `split` from φ(0) = `initialState`, integrated with `integrator`, for base rates in `rateBounds`.
    public init(split: GreedyLearningRate<System>, initialState: [Double], integrator: DormandPrince54, rateBounds: ClosedRange<Double>) {
        self.split = split; self.initialState = initialState; self.integrator = integrator; self.rateBounds = rateBounds
    }

    /// The greedy schedule up to `tEnd`, tabulated at `nodes` + 1 times equally spaced in log(1 + t)
    /// (`GreedyLearningRate.schedule`).
    public func greedy(tEnd: Double, nodes: Int = 2000) throws -> LearningRateSchedule {
        try split.schedule(initialState: initialState, tEnd: tEnd, nodes: nodes, integrator: integrator, rateBounds: rateBounds)
    }
}

/// An online theory whose learning-rate schedule can be computed from its ODEs: it states its `ScheduleProblem`, and
/// `greedySchedule` and `optimalSchedule` follow for every model.
public protocol ScheduleOptimisable {
    /// The ODE the schedule is computed on (e.g. `ClassifierODE`, `CommitteeODE`).
    associatedtype ScheduleSystem: ODESystem & Sendable
    /// The problem for base-rate bounds `rateBounds`; throws when the model cannot state it (a committee whose initial
    /// overlaps are only known after a simulation).
    func scheduleProblem(rateBounds: ClosedRange<Double>) throws -> ScheduleProblem<ScheduleSystem>
}

extension ScheduleOptimisable {
    /// The greedy schedule within `rateBounds` up to `tEnd` (`GreedyLearningRate`).
    public func greedySchedule(rateBounds: ClosedRange<Double>, tEnd: Double) throws -> LearningRateSchedule {
        try scheduleProblem(rateBounds: rateBounds).greedy(tEnd: tEnd)
    }

    /// The schedule that minimises ε_g(`tEnd`) within `rateBounds` (`OptimalLearningRate`: Pontryagin's minimum
    /// principle with the adjoint equations, started from greedy).
    public func optimalSchedule(rateBounds: ClosedRange<Double>, tEnd: Double, optimiser: OptimalLearningRate = OptimalLearningRate(),
                                progress: ((OptimalLearningRate.Iteration) -> Void)? = nil) throws -> LearningRateSchedule {
        try optimiser.optimise(try scheduleProblem(rateBounds: rateBounds), tEnd: tEnd, progress: progress).schedule
    }
}

/// What computing a schedule before the run costs, in ODE solves of the model's theory (for resource estimates): the
/// greedy schedule integrates two right-hand sides (rate 1 and 2, `GreedyLearningRate`) per step, about two solves; the
/// optimal one adds per sweep (`OptimalLearningRate`: at most `maximumIterations`, counted twice for retries) a forward
/// solve (two right-hand sides per step, two solves) and, at each of its `nodes` + 1 nodes, the 4n + 2 right-hand
/// sides of the Jacobian and the split (n the state's dimension), `evaluationsPerSolve` right-hand sides making one
/// solve; the run itself is one more.
public enum ComputedScheduleCost {
    /// The cost above in ODE solves: 1 without a computed schedule, 3 for greedy, and for optimal
    /// 3 + 2 · `maximumIterations` · (2 + (4n + 2)(`nodes` + 1)/`evaluationsPerSolve`) with `optimiser`'s settings.
    public static func theorySolves(greedy: Bool, optimal: Bool, stateDimension: Double, evaluationsPerSolve: Double,
                                    optimiser: OptimalLearningRate = OptimalLearningRate()) -> Double {
        guard greedy || optimal else { return 1 }
        guard optimal else { return 3 }
        let nodes = Double(optimiser.nodes + 1), n = max(1, stateDimension)
        let sweep = 2 + (4 * n + 2) * nodes / max(1, evaluationsPerSolve)
        return 3 + 2 * Double(optimiser.maximumIterations) * sweep
    }
}
