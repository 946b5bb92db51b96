import GaussianIntegrals
import ODEIntegration
import Scenarios

/// Learning curves of a committee machine from the order-parameter ODEs (`CommitteeODE`).
public struct CommitteeTheory: Sendable {
    public let scenario: CommitteeScenario
    /// The integrator (`defaultTolerance`).
    public var integrator = DormandPrince54(relativeTolerance: defaultTolerance.relative, absoluteTolerance: defaultTolerance.absolute)
    /// rtol 1e-11, atol 1e-15: the escape from a symmetric plateau amplifies the integration error (rtol 1e-9 put the
    /// K = 4, M = 2 erf ε_g(1000) 3.4% low); see the README's accuracy section.
    public static let defaultTolerance = (relative: 1e-11, absolute: 1e-15)
    /// Quadrature nodes per dimension for 3-D and 4-D integrals without a closed form (`CommitteeIntegrals`).
    public var quadratureOrder = CommitteeIntegrals.defaultQuadratureOrder
    /// A trajectory counts as diverged once some Q_ii exceeds this multiple of the problem's scale
    /// (`CommitteeOrderParameters.divergenceBound`), or its state is non-finite or leaves the semidefinite cone.
    public var divergenceFactor = DivergenceBound.defaultFactor

    public init(scenario: CommitteeScenario) { self.scenario = scenario }

    /// ε_g = ½E[(φ − φ*)²] of the networks with order parameters `state` (noise-free).
    public func generalisationError(_ state: CommitteeOrderParameters) -> Double {
        CommitteeODE(scenario: scenario, initial: state, quadratureOrder: quadratureOrder).generalisationError(state)
    }

    /// Integrates from `initial` (default: the scenario's specified overlaps) over `times` (increasing).
    /// Throws when no initial state is known (a random initial student must be simulated first).
    public func solve(
        times: [Double], from initial: CommitteeOrderParameters? = nil, progress: ((Double) -> Void)? = nil
    ) throws -> CommitteeTheoryResult {
        guard let start = initial ?? scenario.specifiedInitialState else {
            throw ScenarioError("the initial student is random: its overlaps must be measured (simulate) or specified (Q, R)")
        }
        guard start.studentUnits == scenario.studentUnits, start.teacherUnits == scenario.teacherUnits else {
            throw ScenarioError("initial state has K = \(start.studentUnits), M = \(start.teacherUnits); the scenario has K = \(scenario.studentUnits), M = \(scenario.teacherUnits)")
        }
        let ode = CommitteeODE(scenario: scenario, initial: start, quadratureOrder: quadratureOrder)
        let layout = ode.layout
        let k = scenario.studentUnits, m = scenario.teacherUnits
        let bound = start.divergenceBound(noiseVariance: scenario.noiseVariance, factor: divergenceFactor)
        let limit = bound.limit
        let blowUp = ODEEvent(name: "divergence", direction: .rising, isTerminal: true) { _, y in
            var largest = -Double.infinity
            for i in 0..<k { largest = max(largest, y[layout.qIndex(i, i)]) }
            return largest - limit
        }
        var integrator = self.integrator
        integrator.stopsAtBreakdown = true
        let tEnd = times.last ?? 0
        if integrator.breakpoints.isEmpty { integrator.breakpoints = scenario.optimiser.breakpoints(upTo: tEnd) }
        let rate = scenario.optimiser.rateDescription(upTo: tEnd)
        let solution = try integrator.solve(ode, initialState: layout.state(of: start), outputTimes: times,
                                            events: limit.isFinite ? [blowUp] : [], progress: progress)
        let states = (0..<solution.times.count).map { index in
            layout.parameters(solution.states[(index * layout.dimension)..<((index + 1) * layout.dimension)],
                              t: start.t, v: start.v, vStar: start.vStar)
        }
        var divergence = solution.terminalEvent.map {
            Divergence(time: $0.time, reason: bound.reason("a student norm Q_ii", value: limit)
                       + " at \(rate)")
        }
        if let breakdown = solution.breakdown {
            let state = layout.parameters(breakdown.state[...], t: start.t, v: start.v, vStar: start.vStar)
            // A step size collapsing with a finite state inside the cone is a failure of the integration, not a divergence.
            if !breakdown.nonFinite && state.invalidity() == nil && !bound.isExceeded(by: state.largestStudentNorm) {
                throw ODEError.stepSizeUnderflow(time: breakdown.time)
            }
            let why = state.invalidity() ?? (breakdown.nonFinite ? "the equations' right-hand side became non-finite"
                                                                  : "the step size collapsed (runaway growth or a singularity)")
            divergence = Divergence(time: breakdown.time, reason: "\(why) at t = \(breakdown.time), \(rate)")
        }
        var result = CommitteeTheoryResult(
            times: solution.times, states: states, generalisationError: states.map(ode.generalisationError), divergence: divergence)
        let error = CommitteeGeneralisationError(integrals: ode.integrals)
        result.generalisationErrorResolution = states.map(error.resolution)
        return result
    }
}

/// Theory learning curves of a committee machine on an output grid.
public struct CommitteeTheoryResult: Sendable {
    public let times: [Double]
    public let states: [CommitteeOrderParameters]
    public let generalisationError: [Double]
    /// The rounding floor of each ε_g (`CommitteeGeneralisationError.resolution`); empty if not computed.
    public var generalisationErrorResolution: [Double] = []
    /// ε_g where it exceeds its resolution, NaN (null in result.json, "< resolution" in tables) where it does not:
    /// the true ε_g is then in [0, resolution). Never a printed 0 or negative.
    public var resolvedGeneralisationError: [Double] {
        guard generalisationErrorResolution.count == generalisationError.count else { return generalisationError }
        return zip(generalisationError, generalisationErrorResolution).map { $0 > $1 ? $0 : .nan }
    }
    /// Set when the trajectory diverged; the arrays stop at the last grid point before it.
    public let divergence: Divergence?
}
