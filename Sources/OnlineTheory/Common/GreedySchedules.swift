import GaussianIntegrals
import ODEIntegration
import Scenarios

/// The greedy schedule (`GreedyLearningRate`) of each online model, from the scenario's specified initial state, for
/// base-rate bounds [η_min, η_max] (`rateBounds`); the factor bounds are [η_min, η_max]/η. The returned schedule is
/// meant to replace the scenario's (constant) one: `scenario.optimiser.schedule = try theory.greedySchedule(…)`.
extension LinearRegressionTheory {
    /// Greedy in e_g, the third component of (m, q, e_g) (`LinearRegressionErrorODE`). Here
    /// de_g/dt = τ(−2(1 + λ)e_g + λ(ρ − m)) + τ²(e_g + σ²/2), so the vertex is
    /// τ* = [2(1 + λ)e_g − λ(ρ − m)] / (2e_g + σ²), 2e_g/(2e_g + σ²) for λ = 0.
    public func greedySchedule(rateBounds: ClosedRange<Double>, tEnd: Double) throws -> LearningRateSchedule {
        let start = specifiedInitialState, scenario = self.scenario
        func system(_ schedule: LearningRateSchedule) -> LinearRegressionErrorODE {
            var copy = scenario
            copy.optimiser.schedule = schedule
            return LinearRegressionErrorODE(scenario: copy, rho: start.rho)
        }
        let greedy = GreedyLearningRate(unit: system(.constant), doubled: system(.doubled),
                                        factorBounds: Self.factorBounds(rateBounds, scenario.learningRate)) { $0[2] }
        var integrator = self.integrator
        if integrator.initialStep == nil {
            // As in `solve`: the relative error test needs a starting step on the fastest time scale.
            let tau = rateBounds.upperBound
            integrator.initialStep = 1e-4 / (tau * (2 * (1 + scenario.weightDecay) + tau))
        }
        return try greedy.schedule(initialState: [start.m, start.q, start.generalisationError], tEnd: tEnd,
                                   integrator: integrator, rateBounds: rateBounds)
    }

    static func factorBounds(_ rates: ClosedRange<Double>, _ base: Double) -> ClosedRange<Double> {
        (rates.lowerBound / base)...(rates.upperBound / base)
    }
}

extension ClassifierTheory {
    /// Greedy in the classification error ε_g = atan2(√(ρs), m)/π of the state (m, q, s) (`ClassifierODE`).
    public func greedySchedule(rateBounds: ClosedRange<Double>, tEnd: Double) throws -> LearningRateSchedule {
        let start = specifiedInitialState, scenario = self.scenario, rho = start.rho
        func system(_ schedule: LearningRateSchedule) -> ClassifierODE {
            var copy = scenario
            copy.optimiser.schedule = schedule
            return ClassifierODE(scenario: copy, rho: rho)
        }
        let greedy = GreedyLearningRate(unit: system(.constant), doubled: system(.doubled),
                                        factorBounds: LinearRegressionTheory.factorBounds(rateBounds, scenario.learningRate)) {
            ClassifierIntegrals.classificationError(m: $0[0], orthogonal: max(0, $0[2]), rho: rho)
        }
        let s0 = rho > 0 ? max(0, start.q - start.m * start.m / rho) : start.q
        var integrator = self.integrator
        if integrator.initialStep == nil {
            // Relative error control and a component starting at 0 (m(0) = 0): start at 1e-4 of the fastest time scale,
            // as `solve` does, instead of Hairer's ~1e-300.
            let tau = rateBounds.upperBound * scenario.optimiser.momentumGain
            integrator.initialStep = 1e-4 / (2 * tau * (1 + scenario.weightDecay) + scenario.optimiser.noise(rate: tau))
        }
        return try greedy.schedule(initialState: [start.m, start.q, s0], tEnd: tEnd, integrator: integrator, rateBounds: rateBounds)
    }
}

extension CommitteeTheory {
    /// Greedy in ε_g of the committee state (`CommitteeODE`); the factor multiplies both layers' rates, as every
    /// schedule does. Throws when the initial student is random (its overlaps are only known after a simulation).
    public func greedySchedule(rateBounds: ClosedRange<Double>, tEnd: Double) throws -> LearningRateSchedule {
        guard let start = scenario.specifiedInitialState else {
            throw ScenarioError("--lr-schedule greedy needs the initial overlaps (Q, R) specified: it is computed from the ODEs before the simulation runs")
        }
        let scenario = self.scenario, order = quadratureOrder
        func system(_ schedule: LearningRateSchedule) -> CommitteeODE {
            var copy = scenario
            copy.optimiser.schedule = schedule
            return CommitteeODE(scenario: copy, initial: start, quadratureOrder: order)
        }
        let unit = system(.constant), layout = unit.layout
        let greedy = GreedyLearningRate(unit: unit, doubled: system(.doubled),
                                        factorBounds: LinearRegressionTheory.factorBounds(rateBounds, scenario.learningRate)) {
            unit.generalisationError(layout.parameters($0[...], fixed: start))
        }
        return try greedy.schedule(initialState: layout.state(of: start), tEnd: tEnd, integrator: integrator, rateBounds: rateBounds)
    }
}

/// An online theory whose learning-rate schedule can be optimised: it has a greedy schedule to start from and a final
/// ε_g for any schedule. `optimalSchedule` is written once for every model on top of these two.
public protocol ScheduleOptimisable {
    /// The base learning rate η of the theory's scenario.
    var baseLearningRate: Double { get }
    /// The greedy schedule within `rateBounds` up to `tEnd`.
    func greedySchedule(rateBounds: ClosedRange<Double>, tEnd: Double) throws -> LearningRateSchedule
    /// ε_g(tEnd) of the same model run with `schedule` (+∞ if it diverged).
    func finalError(with schedule: LearningRateSchedule, tEnd: Double) throws -> Double
}

extension ScheduleOptimisable {
    /// The optimised schedule (`OptimalLearningRate`): greedy first, then the direct optimisation of ε_g(t_max) by the
    /// model's own ODE solve (a diverged run costs +∞).
    public func optimalSchedule(rateBounds: ClosedRange<Double>, tEnd: Double, optimiser: OptimalLearningRate = OptimalLearningRate()) throws -> LearningRateSchedule {
        let greedy = try greedySchedule(rateBounds: rateBounds, tEnd: tEnd)
        return try optimiser.optimise(greedy: greedy, tEnd: tEnd, factorBounds: LinearRegressionTheory.factorBounds(rateBounds, baseLearningRate),
                                      rateBounds: rateBounds) { try finalError(with: $0, tEnd: tEnd) }
    }
}

extension LinearRegressionTheory: ScheduleOptimisable {
    public var baseLearningRate: Double { scenario.learningRate }

    /// The same scenario and integrator with `schedule`.
    public func finalError(with schedule: LearningRateSchedule, tEnd: Double) throws -> Double {
        var copy = scenario
        copy.optimiser.schedule = schedule
        var theory = LinearRegressionTheory(scenario: copy)
        theory.integrator = integrator
        let solved = try theory.solve(times: [0, tEnd])
        return solved.divergence == nil ? solved.generalisationError.last! : .infinity
    }
}

extension ClassifierTheory: ScheduleOptimisable {
    public var baseLearningRate: Double { scenario.learningRate }

    /// The same scenario and integrator with `schedule`.
    public func finalError(with schedule: LearningRateSchedule, tEnd: Double) throws -> Double {
        var copy = scenario
        copy.optimiser.schedule = schedule
        var theory = ClassifierTheory(scenario: copy)
        theory.integrator = integrator
        let solved = try theory.solve(times: [0, tEnd])
        return solved.divergence == nil ? solved.classificationError.last! : .infinity
    }
}

extension CommitteeTheory: ScheduleOptimisable {
    public var baseLearningRate: Double { scenario.learningRate }

    /// The same scenario and integrator with `schedule`.
    public func finalError(with schedule: LearningRateSchedule, tEnd: Double) throws -> Double {
        var copy = scenario
        copy.optimiser.schedule = schedule
        var theory = CommitteeTheory(scenario: copy)
        theory.integrator = integrator
        theory.quadratureOrder = quadratureOrder
        let solved = try theory.solve(times: [0, tEnd])
        return solved.divergence == nil ? solved.generalisationError.last! : .infinity
    }
}

/// What computing a schedule before the run costs, in ODE solves of the model's theory (for resource estimates):
/// the greedy schedule integrates two right-hand sides (rate 1 and 2, `GreedyLearningRate`) per step, about two solves;
/// the optimal one adds at most `maximumIterations` × (`pieces` + 2) solves (a finite-difference gradient and a step
/// per iteration, `OptimalLearningRate`); the run itself is one more.
public enum ComputedScheduleCost {
    public static func theorySolves(greedy: Bool, optimal: Bool, optimiser: OptimalLearningRate = OptimalLearningRate()) -> Double {
        guard greedy || optimal else { return 1 }
        return 3 + (optimal ? Double(optimiser.maximumIterations * (optimiser.pieces + 2)) : 0)
    }
}
