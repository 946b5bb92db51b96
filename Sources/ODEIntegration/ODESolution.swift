/// The states of an integrated system on its output grid.
///
/// When a terminal event stops the integration, `times` and the states end at the last output time
/// before the event; the event itself is in `events`.
public struct ODESolution: Sendable {
    /// Output times reached.
    public let times: [Double]
    /// Row-major states: `states[i * dimension + j]` is component j at `times[i]`.
    public let states: [Double]
    /// Components per state (the system's `dimension`).
    public let dimension: Int
    /// Events in the order they occurred.
    public let events: [EventOccurrence]
    /// Steps and right-hand-side evaluations the integration took.
    public let statistics: IntegrationStatistics
    /// Set when the integration broke down before the last output time (a non-finite state, or the step size
    /// collapsing) and the integrator was asked for the partial solution (`DormandPrince54.stopsAtBreakdown`):
    /// `times` and the states then end at the last output time reached.
    public var breakdown: ODEBreakdown? = nil

    /// A solution with these output times, row-major states, events and work; `breakdown` when it broke down early.
    public init(times: [Double], states: [Double], dimension: Int, events: [EventOccurrence],
                statistics: IntegrationStatistics, breakdown: ODEBreakdown? = nil) {
        self.times = times; self.states = states; self.dimension = dimension; self.events = events
        self.statistics = statistics; self.breakdown = breakdown
    }

    /// The state at output index `index`.
    public func state(at index: Int) -> [Double] {
        Array(states[(index * dimension)..<((index + 1) * dimension)])
    }

    /// Component `j` over all output times.
    public func component(_ j: Int) -> [Double] {
        precondition(j >= 0 && j < dimension, "component \(j) out of range 0..<\(dimension)")
        return stride(from: j, to: states.count, by: dimension).map { states[$0] }
    }

    /// The first terminal event, if the integration was stopped by one.
    public var terminalEvent: EventOccurrence? { events.first(where: \.isTerminal) }
}

/// Where and why an integration could not continue.
public struct ODEBreakdown: Sendable, Hashable, CustomStringConvertible {
    /// The time reached when it broke down.
    public let time: Double
    /// `true` when the state or its derivative left the floating-point range there (non-finite, a trial step that
    /// overflowed, or magnitudes past √(largest double) whose squares overflow); `false` when the step size collapsed
    /// with a representable state (a singularity of the equations).
    public let nonFinite: Bool
    /// The state at `time`.
    public let state: [Double]

    /// A breakdown at `time`, in `state`.
    public init(time: Double, nonFinite: Bool, state: [Double]) { self.time = time; self.nonFinite = nonFinite; self.state = state }

    /// What happened and at which t, for messages.
    public var description: String {
        nonFinite ? "the state or its rate of change became non-finite at t = \(time)" : "the step size collapsed at t = \(time) (a singularity or runaway growth)"
    }
}

/// Work done by an integration.
public struct IntegrationStatistics: Sendable, Hashable {
    /// Steps taken (for `DormandPrince54`, those that passed the error test ‖err‖ ≤ 1).
    public var acceptedSteps = 0
    /// Trial steps rejected (‖err‖ > 1, or an overflow) and retried with a smaller h.
    public var rejectedSteps = 0
    /// Evaluations of the right-hand side f(t, y).
    public var evaluations = 0
    /// No work yet: every count 0.
    public init() {}
}

/// Why an integration could not be carried out.
public enum ODEError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The initial state has `got` components, the system `expected`.
    case invalidInitialState(expected: Int, got: Int)
    /// The output times are empty, not all finite or not strictly increasing (the reason).
    case invalidOutputTimes(String)
    /// A tolerance or another setting of the integrator is out of range (the reason).
    case invalidSettings(String)
    /// The state became non-finite (diverged) by `time`, or the initial state at the first output time is not finite.
    case nonFiniteState(time: Double)
    /// The step size fell to 8 ulps of t at `time` with a finite state: a singularity or runaway growth.
    case stepSizeUnderflow(time: Double)
    /// `limit` steps (accepted + rejected, `DormandPrince54.maximumSteps`) were used up at `time`.
    case tooManySteps(time: Double, limit: Int)

    /// What went wrong and at which t, for messages.
    public var description: String {
        switch self {
        case .invalidInitialState(let expected, let got):
            return "initial state has \(got) components, the system has \(expected)"
        case .invalidOutputTimes(let why): return "invalid output times: \(why)"
        case .invalidSettings(let why): return "invalid integrator settings: \(why)"
        case .nonFiniteState(let time): return "the solution became non-finite (diverged) at t = \(time)"
        case .stepSizeUnderflow(let time): return "step size underflow at t = \(time): the solution is singular or diverging there"
        case .tooManySteps(let time, let limit): return "gave up after \(limit) steps at t = \(time)"
        }
    }
}

/// Shared input checks of the integrators.
enum ODEInput {
    static func validate(dimension: Int, initialState: [Double], outputTimes: [Double]) throws {
        guard initialState.count == dimension else {
            throw ODEError.invalidInitialState(expected: dimension, got: initialState.count)
        }
        guard !outputTimes.isEmpty else { throw ODEError.invalidOutputTimes("none given") }
        guard outputTimes.allSatisfy(\.isFinite) else { throw ODEError.invalidOutputTimes("not all finite") }
        for i in 1..<max(1, outputTimes.count) where !(outputTimes[i] > outputTimes[i - 1]) {
            throw ODEError.invalidOutputTimes("must be strictly increasing (t[\(i - 1)] = \(outputTimes[i - 1]), t[\(i)] = \(outputTimes[i]))")
        }
        guard initialState.allSatisfy(\.isFinite) else { throw ODEError.nonFiniteState(time: outputTimes[0]) }
    }
}
