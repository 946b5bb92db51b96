import GaussianIntegrals
import ODEIntegration
import Scenarios

/// Learning curves of a committee machine from the order-parameter ODEs (`CommitteeODE`).
public struct CommitteeTheory: Sendable {
    /// The committee scenario whose learning curves `solve` integrates.
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
    /// Whether a noise-free K = M trajectory continues in deviation form near perfect learning
    /// (`CommitteeDeviationODE`; on by default, off only to compare with the plain form).
    public var switchesToDeviationForm = true
    /// atol of the deviation phase: δ is integrated with relative error control (`deviationRelativeTolerance`).
    public static let deviationAbsoluteTolerance = 1e-300
    /// rtol of the deviation phase for the run's `rtol`: 100 × rtol, at most 1e-9, never looser than rtol. Near
    /// perfect learning the dynamics contracts, so local errors are not amplified as on a plateau: at the default
    /// rtol (1e-11) a K = M = 2 erf or tanh ε_g moves by 1e-6 relative over 200 time units, and the run needs 2.5×
    /// fewer steps.
    public static func deviationRelativeTolerance(for rtol: Double) -> Double { max(rtol, min(100 * rtol, 1e-9)) }
    /// The deviation phase ends once max|δ_i| falls below this: ε_g ~ |δ|² is then ~1e-30, below its own resolution
    /// (ε_mach relative to δ, so ~1e-16·|δ| ≫ |δ|²), and the drift of so small a δ is rounding noise, on which the step
    /// control would stall. Later output times keep that state, with ε_g null and its resolution the last ε_g reached
    /// (ε_g only decreases there: the fixed point is stable).
    public static let smallestDeviation = 1e-15

    /// The theory of `scenario`, with the default integrator, quadrature order and divergence factor.
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
        guard var start = initial ?? scenario.specifiedInitialState else {
            throw ScenarioError("the initial student is random: its overlaps must be measured (simulate) or specified (Q, R)")
        }
        guard start.studentUnits == scenario.studentUnits, start.teacherUnits == scenario.teacherUnits else {
            throw ScenarioError("initial state has K = \(start.studentUnits), M = \(start.teacherUnits); the scenario has K = \(scenario.studentUnits), M = \(scenario.teacherUnits)")
        }
        // The teacher's biases are the scenario's (an initial state measured without them carries zeros).
        start.bStar = scenario.teacherBiases
        let ode = CommitteeODE(scenario: scenario, initial: start, quadratureOrder: quadratureOrder)
        let layout = ode.layout
        let k = scenario.studentUnits
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
        // Near perfect learning (noise-free, K = M) the trajectory continues in deviation form
        // (`CommitteeDeviationODE`) from the moment every student correlates with its teacher to
        // `CommitteePerfectLearningAnchor.switchCorrelation`.
        let switches = switchesToDeviationForm && CommitteePerfectLearningAnchor.applies(to: scenario)
        let t = start.t, switchCorrelation = CommitteePerfectLearningAnchor.switchCorrelation(for: scenario)
        let nearPerfect = ODEEvent(name: "perfect learning", direction: .rising, isTerminal: true) { _, y in
            CommitteePerfectLearningAnchor.closeness(y, layout: layout, t: t) - switchCorrelation
        }
        let error = CommitteeGeneralisationError(integrals: ode.integrals)
        var outputTimes: [Double] = [], states: [CommitteeOrderParameters] = [], errors: [Double] = [], resolutions: [Double] = []
        var velocities: [CommitteeVelocityOverlaps] = []
        var terminal: EventOccurrence?, breakdown: ODEBreakdown?
        // Noise-free and without weight decay, ε_g → 0; where no deviation form follows it there, the plain form's
        // floor (`CommitteePlainFormFloor`) is estimated whenever ε_g has fallen tenfold since the last estimate, and
        // the largest estimate so far bounds the resolution from below.
        let plainFloor = scenario.noiseVariance == 0 && scenario.weightDecay == 0 && !switches ? CommitteePlainFormFloor(ode: ode) : nil
        var floor = 0.0, lastEstimate = Double.infinity
        /// Appends the plain-form outputs of `solution` from index `first`.
        func appendPlain(_ solution: ODESolution, from first: Int) {
            for index in first..<solution.times.count {
                let y = solution.states[(index * layout.dimension)..<((index + 1) * layout.dimension)]
                let state = layout.parameters(y, fixed: start)
                let value = ode.generalisationError(state)
                if layout.hasVelocityOverlaps { velocities.append(CommitteeVelocityOverlaps(y, layout: layout)) }
                outputTimes.append(solution.times[index])
                states.append(state)
                errors.append(value)
                if let plainFloor, value > 0, value <= 0.1 * lastEstimate, value < 1e-4 {
                    lastEstimate = value
                    floor = max(floor, plainFloor.floor(Array(y), time: solution.times[index], state: state, error: value))
                }
                resolutions.append(max(error.resolution(state), floor))
            }
            terminal = solution.terminalEvent
            breakdown = solution.breakdown
        }
        var deviationPhase: (anchor: CommitteePerfectLearningAnchor, time: Double, state: [Double])?
        if switches, let anchor = CommitteePerfectLearningAnchor.of(start, scenario: scenario) {
            deviationPhase = (anchor, times[0], layout.state(of: start))
        } else {
            let solution = try integrator.solve(ode, initialState: layout.state(of: start), outputTimes: times,
                                                events: (limit.isFinite ? [blowUp] : []) + (switches ? [nearPerfect] : []),
                                                progress: progress)
            appendPlain(solution, from: 0)
            if let event = solution.terminalEvent, event.name == nearPerfect.name {
                terminal = nil
                let here = layout.parameters(event.state[...], fixed: start)
                if let anchor = CommitteePerfectLearningAnchor.of(here, scenario: scenario) {
                    deviationPhase = (anchor, event.time, event.state)
                } else {
                    // Correlated, but no perfect-learning fixed point to anchor at (e.g. a fixed v ≠ σv*): stay plain.
                    let rest = times.filter { $0 > event.time }
                    if !rest.isEmpty {
                        let tail = try integrator.solve(ode, initialState: event.state, outputTimes: [event.time] + rest,
                                                        events: limit.isFinite ? [blowUp] : [], progress: progress)
                        appendPlain(tail, from: 1)
                    }
                }
            }
        }
        if let (anchor, from, state) = deviationPhase {
            let deviation = CommitteeDeviationODE(plain: ode, anchor: anchor)
            // Relative error control on δ: its components set the scale, and ε_g ~ |δ|² lies far below any O(1) atol.
            var tight = integrator
            tight.absoluteTolerance = Self.deviationAbsoluteTolerance
            tight.relativeTolerance = Self.deviationRelativeTolerance(for: integrator.relativeTolerance)
            // Components of δ cross zero while |δ| keeps its scale: errors are measured against max|δ_i|.
            tight.scalesByStateNorm = true
            if tight.initialStep == nil {
                // With a purely relative error test a deviation that is exactly 0 (a start at perfect learning, Q = R = T)
                // makes Hairer's starting-step heuristic return ~1e-300: start at 1e-4 of the time scale 1/η_eff instead.
                let eta = scenario.optimiser.coefficients(at: from).drift
                tight.initialStep = 1e-4 / max(eta, 1e-3)
            }
            let anchorState = deviation.anchorState
            let deviationBlowUp = ODEEvent(name: "divergence", direction: .rising, isTerminal: true) { _, y in
                var largest = -Double.infinity
                for i in 0..<k { largest = max(largest, anchorState[layout.qIndex(i, i)] + y[layout.qIndex(i, i)]) }
                return largest - limit
            }
            let resolved = ODEEvent(name: "deviation resolved", direction: .falling, isTerminal: true) { _, y in
                var largest = 0.0
                for value in y { largest = max(largest, abs(value)) }
                return largest - Self.smallestDeviation
            }
            let startsHere = outputTimes.isEmpty && from == times[0]
            let rest = times.filter { $0 > from }
            if startsHere || !rest.isEmpty {
                let grid = startsHere ? times : [from] + rest
                let tail = try tight.solve(deviation, initialState: deviation.deviation(of: state), outputTimes: grid,
                                           events: (limit.isFinite ? [deviationBlowUp] : []) + [resolved], progress: progress)
                for index in (startsHere ? 0 : 1)..<tail.times.count {
                    let slice = tail.states[(index * layout.dimension)..<((index + 1) * layout.dimension)]
                    let state = deviation.parameters(slice)
                    outputTimes.append(tail.times[index])
                    states.append(state)
                    errors.append(deviation.generalisationError(slice))
                    // δ is rounded relative to its own size: the plain floor scaled by max|δ|.
                    resolutions.append(error.resolution(state) * slice.reduce(0) { max($0, abs($1)) })
                }
                terminal = tail.terminalEvent
                if let event = terminal, event.name == resolved.name {
                    // Resolved to rounding: the remaining times keep the last state, ε_g below the last value reached.
                    terminal = nil
                    let last = deviation.parameters(event.state[...])
                    let bound = max(deviation.generalisationError(event.state[...]), error.resolution(last) * Self.smallestDeviation)
                    for time in times where time > (outputTimes.last ?? -.infinity) {
                        outputTimes.append(time)
                        states.append(last)
                        errors.append(0)
                        resolutions.append(bound)
                    }
                }
                breakdown = tail.breakdown.map {
                    ODEBreakdown(time: $0.time, nonFinite: $0.nonFinite, state: zip($0.state, anchorState).map { $0 + $1 })
                }
            }
        }
        var divergence = terminal.map {
            Divergence(time: $0.time, reason: bound.reason("a student norm Q_ii", value: limit)
                       + " at \(rate)")
        }
        if let breakdown {
            let state = layout.parameters(breakdown.state[...], fixed: start)
            // A step size collapsing with a finite state inside the cone is a failure of the integration, not a divergence.
            if !breakdown.nonFinite && state.invalidity() == nil && !bound.isExceeded(by: state.largestStudentNorm) {
                throw ODEError.stepSizeUnderflow(time: breakdown.time)
            }
            let why = state.invalidity() ?? (breakdown.nonFinite ? "the equations' right-hand side became non-finite"
                                                                  : "the step size collapsed (runaway growth or a singularity)")
            divergence = Divergence(time: breakdown.time, reason: "\(why) at t = \(breakdown.time), \(rate)")
        }
        var result = CommitteeTheoryResult(
            times: outputTimes, states: states, generalisationError: errors, divergence: divergence)
        result.generalisationErrorResolution = resolutions
        result.velocity = velocities
        return result
    }
}

/// Theory learning curves of a committee machine on an output grid.
public struct CommitteeTheoryResult: Sendable {
    /// The output times reached: the requested grid up to a divergence.
    public let times: [Double]
    /// The order parameters (Q, R, T, v, v*, biases) at each output time.
    public let states: [CommitteeOrderParameters]
    /// ε_g at each output time (`CommitteeGeneralisationError`; deviation form near perfect learning), possibly below
    /// its resolution: see `resolvedGeneralisationError`.
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
    /// With scaled momentum, the velocity overlaps at each output time (`CommitteeODE`); empty otherwise.
    public var velocity: [CommitteeVelocityOverlaps] = []

    /// Learning curves on `times`: the states and ε_g there, ε_g's rounding floor (empty if not computed), the
    /// divergence if the trajectory diverged, and with scaled momentum the velocity overlaps (empty otherwise).
    public init(times: [Double], states: [CommitteeOrderParameters], generalisationError: [Double],
                generalisationErrorResolution: [Double] = [], divergence: Divergence?,
                velocity: [CommitteeVelocityOverlaps] = []) {
        self.times = times; self.states = states; self.generalisationError = generalisationError
        self.generalisationErrorResolution = generalisationErrorResolution; self.divergence = divergence
        self.velocity = velocity
    }
}

/// Scaled momentum's velocity overlaps of a committee at one time: A = U W*ᵀ/d (K×M), B = U Wᵀ/d (K×K, row i is
/// u_i·w_j/d) and C = U Uᵀ/d (K×K, symmetric), row-major; with a trained second layer its scalar velocities σ_i = s_i/d,
/// with trained biases theirs, ρ_i = r_i/d (empty when not trained).
public struct CommitteeVelocityOverlaps: Sendable, Hashable {
    /// A_in = u_i·w*_n/d, row-major K × M.
    public var a: [Double]
    /// B_ij = u_i·w_j/d, row-major K × K (not symmetric).
    public var b: [Double]
    /// C_ij = u_i·u_j/d, row-major K × K (symmetric).
    public var c: [Double]
    /// σ_i = s_i/d, the trained second layer's velocities (K); empty when v is fixed.
    public var secondLayer: [Double]
    /// ρ_i = r_i/d, the trained biases' velocities (K); empty when the biases are fixed.
    public var biases: [Double]

    /// The overlaps from their row-major arrays; `secondLayer` and `biases` stay empty when those are not trained.
    public init(a: [Double], b: [Double], c: [Double], secondLayer: [Double] = [], biases: [Double] = []) {
        self.a = a; self.b = b; self.c = c; self.secondLayer = secondLayer; self.biases = biases
    }

    /// The overlaps in state `y` of `layout` (which has them).
    init(_ y: ArraySlice<Double>, layout: CommitteeStateLayout) {
        let k = layout.studentUnits, m = layout.teacherUnits, base = y.startIndex
        a = (0..<(k * m)).map { y[base + layout.velocityTeacherIndex($0 / m, $0 % m)] }
        b = (0..<(k * k)).map { y[base + layout.velocityStudentIndex($0 / k, $0 % k)] }
        c = (0..<(k * k)).map { y[base + layout.velocitySelfIndex($0 / k, $0 % k)] }
        secondLayer = layout.trainsSecondLayer ? (0..<k).map { y[base + layout.secondLayerVelocityIndex($0)] } : []
        biases = layout.trainsBiases ? (0..<k).map { y[base + layout.biasVelocityIndex($0)] } : []
    }
}
