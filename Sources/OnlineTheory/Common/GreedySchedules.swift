import GaussianIntegrals
import ODEIntegration
import Scenarios

/// Each online model's `ScheduleProblem`, from the scenario's specified initial state, for base-rate bounds
/// [η_min, η_max] (`rateBounds`; the factor bounds are [η_min, η_max]/η). The greedy and the optimal schedule are then
/// written once for every model (`ScheduleOptimisable`); the returned schedule is meant to replace the scenario's
/// (constant) one: `scenario.optimiser.schedule = try theory.greedySchedule(…)`.
extension Optimiser {
    /// Throws (out of range) for scaled momentum, whose ODEs are not f a(φ) + f² b(φ) in the rate factor f (the
    /// velocity relaxes at its own rate γ), so the greedy and optimal schedules of `ScheduleProblem` do not apply.
    func requireSplitByRate() throws {
        guard let gamma = scaledMomentum else { return }
        throw ScenarioError.outOfRange("--lr-schedule greedy and optimal are computed for plain SGD and fixed --momentum; with --momentum-scaled \(gamma) "
                                       + "the ODEs are not quadratic in the rate alone (the velocity relaxes at its own rate γ): give a fixed --lr-schedule")
    }
}

extension LinearRegressionTheory: ScheduleOptimisable {
    /// In the state (m, q, e_g) (`LinearRegressionErrorODE`), ε_g = e_g, the third component. Here
    /// de_g/dt = τ(−2(1 + λ)e_g + λ(ρ − m)) + τ²(e_g + σ²/2), so the greedy vertex is
    /// τ* = [2(1 + λ)e_g − λ(ρ − m)] / (2e_g + σ²), 2e_g/(2e_g + σ²) for λ = 0.
    public func scheduleProblem(rateBounds: ClosedRange<Double>) throws -> ScheduleProblem<LinearRegressionErrorODE> {
        try scenario.optimiser.requireSplitByRate()
        let start = specifiedInitialState, scenario = self.scenario
        func system(_ schedule: LearningRateSchedule) -> LinearRegressionErrorODE {
            var copy = scenario
            copy.optimiser.schedule = schedule
            return LinearRegressionErrorODE(scenario: copy, rho: start.rho)
        }
        let split = GreedyLearningRate(unit: system(.constant), doubled: system(.doubled),
                                       factorBounds: Self.factorBounds(rateBounds, scenario.learningRate)) { $0[2] }
        var integrator = self.integrator
        if integrator.initialStep == nil {
            // As in `solve`: the relative error test needs a starting step on the fastest time scale.
            let tau = rateBounds.upperBound
            integrator.initialStep = 1e-4 / (tau * (2 * (1 + scenario.weightDecay) + tau))
        }
        return ScheduleProblem(split: split, initialState: [start.m, start.q, start.generalisationError],
                               integrator: integrator, rateBounds: rateBounds)
    }

    static func factorBounds(_ rates: ClosedRange<Double>, _ base: Double) -> ClosedRange<Double> {
        (rates.lowerBound / base)...(rates.upperBound / base)
    }
}

extension ClassifierTheory: ScheduleOptimisable {
    /// In the state (m, q, s) (`ClassifierODE`), ε_g = atan2(√(ρs), m)/π, the classification error.
    public func scheduleProblem(rateBounds: ClosedRange<Double>) throws -> ScheduleProblem<ClassifierODE> {
        try scenario.optimiser.requireSplitByRate()
        let start = specifiedInitialState, scenario = self.scenario, rho = start.rho
        func system(_ schedule: LearningRateSchedule) -> ClassifierODE {
            var copy = scenario
            copy.optimiser.schedule = schedule
            return ClassifierODE(scenario: copy, rho: rho)
        }
        let split = GreedyLearningRate(unit: system(.constant), doubled: system(.doubled),
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
        return ScheduleProblem(split: split, initialState: [start.m, start.q, s0], integrator: integrator, rateBounds: rateBounds)
    }
}

extension CommitteeTheory: ScheduleOptimisable {
    /// In the committee state (`CommitteeODE`), ε_g of its order parameters; the factor multiplies both layers' rates
    /// (and the biases'), as every schedule does. Throws when the initial student is random (its overlaps are only
    /// known after a simulation).
    public func scheduleProblem(rateBounds: ClosedRange<Double>) throws -> ScheduleProblem<CommitteeODE> {
        try scenario.optimiser.requireSplitByRate()
        guard let start = scenario.specifiedInitialState else {
            throw ScenarioError("--lr-schedule greedy or optimal needs the initial overlaps (Q, R) specified: it is computed from the ODEs before the simulation runs")
        }
        let scenario = self.scenario, order = quadratureOrder
        func system(_ schedule: LearningRateSchedule) -> CommitteeODE {
            var copy = scenario
            copy.optimiser.schedule = schedule
            return CommitteeODE(scenario: copy, initial: start, quadratureOrder: order)
        }
        let unit = system(.constant), layout = unit.layout
        let split = GreedyLearningRate(unit: unit, doubled: system(.doubled),
                                       factorBounds: LinearRegressionTheory.factorBounds(rateBounds, scenario.learningRate)) {
            unit.generalisationError(layout.parameters($0[...], fixed: start))
        }
        return ScheduleProblem(split: split, initialState: layout.state(of: start), integrator: integrator, rateBounds: rateBounds)
    }
}
