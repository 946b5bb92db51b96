/// The states of an integrated system on its output grid.
///
/// When a terminal event stops the integration, `times` and the states end at the last output time
/// before the event; the event itself is in `events`.
public struct ODESolution: Sendable {
    /// Output times reached.
    public let times: [Double]
    /// Row-major states: `states[i * dimension + j]` is component j at `times[i]`.
    public let states: [Double]
    public let dimension: Int
    /// Events in the order they occurred.
    public let events: [EventOccurrence]
    public let statistics: IntegrationStatistics
    /// Set when the integration broke down before the last output time (a non-finite state, or the step size
    /// collapsing) and the integrator was asked for the partial solution (`DormandPrince54.stopsAtBreakdown`):
    /// `times` and the states then end at the last output time reached.
    public var breakdown: ODEBreakdown? = nil

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

    public init(time: Double, nonFinite: Bool, state: [Double]) { self.time = time; self.nonFinite = nonFinite; self.state = state }

    public var description: String {
        nonFinite ? "the state or its rate of change became non-finite at t = \(time)" : "the step size collapsed at t = \(time) (a singularity or runaway growth)"
    }
}

/// Work done by an integration.
public struct IntegrationStatistics: Sendable, Hashable {
    public var acceptedSteps = 0
    public var rejectedSteps = 0
    public var evaluations = 0
    public init() {}
}

/// Why an integration could not be carried out.
public enum ODEError: Error, CustomStringConvertible, Equatable, Sendable {
    case invalidInitialState(expected: Int, got: Int)
    case invalidOutputTimes(String)
    case invalidSettings(String)
    case nonFiniteState(time: Double)
    case stepSizeUnderflow(time: Double)
    case tooManySteps(time: Double, limit: Int)

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
