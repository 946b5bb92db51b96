import RealModule

/// The adaptive Dormand–Prince 5(4) Runge–Kutta method with error control, dense output and events.
///
/// Each step advances with the fifth-order solution and estimates its local error by the embedded
/// fourth-order one (the FSAL tableau of Dormand & Prince 1980). A step is accepted when
///
///     ‖err‖ = sqrt( (1/n) Σᵢ (errᵢ / (atol + rtol·max(|yᵢ|, |y'ᵢ|)))² ) ≤ 1,
///
/// and the next step is h·min(5, max(0.2, 0.9‖err‖^(−1/5))). Output at any grid comes from Shampine's
/// fourth-order continuous extension (Hairer, Nørsett & Wanner, *Solving ODEs I*, II.6), so the grid
/// does not limit the step size. Events are located on the dense output to near machine precision.
/// The stepping loop does not allocate (one workspace per call).
public struct DormandPrince54: Sendable {
    /// Relative tolerance rtol.
    public var relativeTolerance: Double
    /// Absolute tolerance atol.
    public var absoluteTolerance: Double
    /// Upper bound on the step size (default: the whole interval).
    public var maximumStep: Double = .infinity
    /// First trial step; `nil` chooses it from the problem (Hairer's `hinit`).
    public var initialStep: Double? = nil
    /// Give up after this many steps (accepted + rejected).
    public var maximumSteps = 50_000_000
    /// On a non-finite state or a collapsing step size, return the solution up to the last output time reached,
    /// with `ODESolution.breakdown` set, instead of throwing (a start that is already non-finite gives the
    /// initial point alone). Off by default.
    public var stopsAtBreakdown = false
    /// Times where the right-hand side jumps in t (or its t-derivative does): a learning-rate schedule's steps. No step
    /// straddles one: a step that ends at a breakpoint t_b evaluates its last stages (c = 1) just below it, at
    /// t_b.nextDown (the left limit of a right-continuous f), and the integration restarts at t_b with a fresh slope
    /// f(t_b, y). Those outside (t0, tEnd) are ignored; any order.
    public var breakpoints: [Double] = []
    /// Measure every component's error against the state's largest component, atol + rtol·max(‖y‖∞, ‖y'‖∞), instead of
    /// its own size: for a state whose components pass through zero while the whole keeps its scale (the deviation
    /// from a fixed point, integrated with atol ≈ 0), where a per-component test would shrink the step at each
    /// crossing. Off by default.
    public var scalesByStateNorm = false
    /// Per-component absolute tolerances replacing `absoluteTolerance` (one per component, each ≥ 0 and finite), for a
    /// state whose components need different floors: relative control (≈ 0) for those that must keep their relative
    /// accuracy as they decay, a floor for those that converge to zero through cancellation. `nil` (default): the
    /// scalar `absoluteTolerance` for every component.
    public var componentAbsoluteTolerances: [Double]? = nil

    /// An integrator with rtol = `relativeTolerance`, atol = `absoluteTolerance` (checked by `solve`) and the other
    /// settings at their defaults.
    public init(relativeTolerance: Double = 1e-9, absoluteTolerance: Double = 1e-12) {
        self.relativeTolerance = relativeTolerance
        self.absoluteTolerance = absoluteTolerance
    }

    /// Integrates `system` from `initialState` at `outputTimes[0]` and returns the states at every output time.
    ///
    /// - Parameters:
    ///   - system: The right-hand side f(t, y).
    ///   - initialState: y at `outputTimes[0]`, of length `system.dimension`.
    ///   - outputTimes: strictly increasing; the first is the initial time.
    ///   - events: watched after every step; a terminal one stops the integration at its crossing.
    ///   - progress: called after each accepted step with the fraction of the interval done.
    /// - Throws: `ODEError` for bad input, a non-finite solution, or step-size underflow.
    public func solve<S: ODESystem>(
        _ system: S, initialState: [Double], outputTimes: [Double], events: [ODEEvent] = [],
        progress: ((Double) -> Void)? = nil
    ) throws -> ODESolution {
        let n = system.dimension
        do {
            try ODEInput.validate(dimension: n, initialState: initialState, outputTimes: outputTimes)
        } catch ODEError.nonFiniteState(let time) where stopsAtBreakdown && initialState.count == n {
            return ODESolution(times: [time], states: initialState, dimension: n, events: [], statistics: IntegrationStatistics(),
                               breakdown: ODEBreakdown(time: time, nonFinite: true, state: initialState))
        }
        guard relativeTolerance >= 0, absoluteTolerance >= 0, relativeTolerance + absoluteTolerance > 0,
              relativeTolerance.isFinite, absoluteTolerance.isFinite
        else { throw ODEError.invalidSettings("tolerances must be non-negative and not both zero") }
        guard maximumStep > 0 else { throw ODEError.invalidSettings("maximum step must be positive") }
        if let tolerances = componentAbsoluteTolerances {
            guard tolerances.count == n, tolerances.allSatisfy({ $0 >= 0 && $0.isFinite }), relativeTolerance > 0 || tolerances.allSatisfy({ $0 > 0 }) else {
                throw ODEError.invalidSettings("per-component absolute tolerances must be \(n) finite non-negative numbers (positive without a relative tolerance)")
            }
        }

        var stepper = DormandPrinceStepper(system: system, settings: self, events: events)
        defer { stepper.deallocate() }
        return try stepper.run(initialState: initialState, outputTimes: outputTimes, progress: progress)
    }
}

/// The state of one Dormand–Prince integration: a single workspace holding y, the stages and the
/// dense-output coefficients.
struct DormandPrinceStepper<S: ODESystem> {
    // Butcher tableau (Dormand & Prince 1980).
    static var c2: Double { 1.0 / 5 }
    static var c3: Double { 3.0 / 10 }
    static var c4: Double { 4.0 / 5 }
    static var c5: Double { 8.0 / 9 }
    static var a21: Double { 1.0 / 5 }
    static var a31: Double { 3.0 / 40 }
    static var a32: Double { 9.0 / 40 }
    static var a41: Double { 44.0 / 45 }
    static var a42: Double { -56.0 / 15 }
    static var a43: Double { 32.0 / 9 }
    static var a51: Double { 19372.0 / 6561 }
    static var a52: Double { -25360.0 / 2187 }
    static var a53: Double { 64448.0 / 6561 }
    static var a54: Double { -212.0 / 729 }
    static var a61: Double { 9017.0 / 3168 }
    static var a62: Double { -355.0 / 33 }
    static var a63: Double { 46732.0 / 5247 }
    static var a64: Double { 49.0 / 176 }
    static var a65: Double { -5103.0 / 18656 }
    static var a71: Double { 35.0 / 384 }
    static var a73: Double { 500.0 / 1113 }
    static var a74: Double { 125.0 / 192 }
    static var a75: Double { -2187.0 / 6784 }
    static var a76: Double { 11.0 / 84 }
    // Error estimate: fifth- minus fourth-order weights.
    static var e1: Double { 71.0 / 57600 }
    static var e3: Double { -71.0 / 16695 }
    static var e4: Double { 71.0 / 1920 }
    static var e5: Double { -17253.0 / 339200 }
    static var e6: Double { 22.0 / 525 }
    static var e7: Double { -1.0 / 40 }
    // Shampine's dense output.
    static var d1: Double { -12715105075.0 / 11282082432 }
    static var d3: Double { 87487479700.0 / 32700410799 }
    static var d4: Double { -10690763975.0 / 1880347072 }
    static var d5: Double { 701980252875.0 / 199316789632 }
    static var d6: Double { -1453857185.0 / 822651844 }
    static var d7: Double { 69997945.0 / 29380423 }

    let system: S
    let settings: DormandPrince54
    let events: [ODEEvent]
    let n: Int
    let workspace: UnsafeMutablePointer<Double>
    var y, y1, k1, k2, k3, k4, k5, k6, k7, tmp, r2, r3, r4, r5: UnsafeMutablePointer<Double>
    /// atol per component (`componentAbsoluteTolerances`, or the scalar for every one).
    let absoluteTolerances: UnsafeMutablePointer<Double>
    var statistics = IntegrationStatistics()

    init(system: S, settings: DormandPrince54, events: [ODEEvent]) {
        self.system = system
        self.settings = settings
        self.events = events
        n = system.dimension
        let stride = max(n, 1)
        let base = UnsafeMutablePointer<Double>.allocate(capacity: 15 * stride)
        base.initialize(repeating: 0, count: 15 * stride)
        workspace = base
        let p = { (i: Int) in base + i * stride }
        absoluteTolerances = p(14)
        for i in 0..<n { absoluteTolerances[i] = settings.componentAbsoluteTolerances?[i] ?? settings.absoluteTolerance }
        (y, y1, k1, k2, k3, k4, k5, k6, k7) = (p(0), p(1), p(2), p(3), p(4), p(5), p(6), p(7), p(8))
        (tmp, r2, r3, r4, r5) = (p(9), p(10), p(11), p(12), p(13))
    }

    func deallocate() { workspace.deallocate() }

    mutating func f(_ t: Double, _ state: UnsafeMutablePointer<Double>, _ out: UnsafeMutablePointer<Double>) {
        statistics.evaluations += 1
        system.evaluate(
            time: t, state: UnsafeBufferPointer(start: state, count: n),
            derivative: UnsafeMutableBufferPointer(start: out, count: n))
    }

    /// RMS of v/(atol_i + rtol·max(|a|, |b|)) (componentwise, or with the largest |a_i|, |b_i| when `scalesByStateNorm`).
    func weightedNorm(_ v: UnsafeMutablePointer<Double>, _ a: UnsafeMutablePointer<Double>, _ b: UnsafeMutablePointer<Double>) -> Double {
        let rtol = settings.relativeTolerance
        var largest = 0.0
        if settings.scalesByStateNorm { for i in 0..<n { largest = max(largest, abs(a[i]), abs(b[i])) } }
        var s = 0.0
        for i in 0..<n {
            let scale = absoluteTolerances[i] + rtol * max(largest, abs(a[i]), abs(b[i]))
            let x = v[i] / scale
            s += x * x
        }
        return (s / Double(max(n, 1))).squareRoot()
    }

    /// Hairer's starting-step heuristic; uses k1 = f(t0, y) and the k2, tmp buffers.
    mutating func initialStep(t0: Double, span: Double) -> Double {
        if let h = settings.initialStep { return min(h, span, settings.maximumStep) }
        let d0 = weightedNorm(y, y, y), d1 = weightedNorm(k1, y, y)
        var h0 = (d0 < 1e-10 || d1 < 1e-10) ? 1e-6 * max(span, 1e-300) : 0.01 * d0 / d1
        h0 = min(h0, span, settings.maximumStep)
        for i in 0..<n { tmp[i] = y[i] + h0 * k1[i] }
        f(t0 + h0, tmp, k2)
        for i in 0..<n { tmp[i] = k2[i] - k1[i] }
        let d2 = weightedNorm(tmp, y, y) / h0
        let dmax = max(d1, d2)
        let h1 = dmax <= 1e-15 ? max(1e-6 * span, h0 * 1e-3) : Double.pow(0.01 / dmax, 0.2)
        return min(100 * h0, h1, span, settings.maximumStep)
    }

    /// One trial step of size h from (t, y) with k1 = f(t, y): fills y1, k7 = f(t + h, y1) and returns ‖err‖.
    /// `end` is the time of the stages at c = 1 (t + h, or just below a breakpoint that the step ends at).
    mutating func attempt(t: Double, h: Double, end: Double) -> Double {
        typealias T = Self
        for i in 0..<n { tmp[i] = y[i] + h * T.a21 * k1[i] }
        f(t + T.c2 * h, tmp, k2)
        for i in 0..<n { tmp[i] = y[i] + h * (T.a31 * k1[i] + T.a32 * k2[i]) }
        f(t + T.c3 * h, tmp, k3)
        for i in 0..<n { tmp[i] = y[i] + h * (T.a41 * k1[i] + T.a42 * k2[i] + T.a43 * k3[i]) }
        f(t + T.c4 * h, tmp, k4)
        for i in 0..<n { tmp[i] = y[i] + h * (T.a51 * k1[i] + T.a52 * k2[i] + T.a53 * k3[i] + T.a54 * k4[i]) }
        f(t + T.c5 * h, tmp, k5)
        for i in 0..<n {
            tmp[i] = y[i] + h * (T.a61 * k1[i] + T.a62 * k2[i] + T.a63 * k3[i] + T.a64 * k4[i] + T.a65 * k5[i])
        }
        f(end, tmp, k6)
        for i in 0..<n {
            y1[i] = y[i] + h * (T.a71 * k1[i] + T.a73 * k3[i] + T.a74 * k4[i] + T.a75 * k5[i] + T.a76 * k6[i])
        }
        f(end, y1, k7)
        for i in 0..<n {
            tmp[i] = h * (T.e1 * k1[i] + T.e3 * k3[i] + T.e4 * k4[i] + T.e5 * k5[i] + T.e6 * k6[i] + T.e7 * k7[i])
        }
        for i in 0..<n where !y1[i].isFinite || !k7[i].isFinite { return .infinity }
        return weightedNorm(tmp, y, y1)
    }

    /// Coefficients of the continuous extension over the accepted step [t, t + h].
    func prepareDenseOutput(h: Double) {
        typealias T = Self
        for i in 0..<n {
            let difference = y1[i] - y[i]
            let bspl = h * k1[i] - difference
            r2[i] = difference
            r3[i] = bspl
            r4[i] = difference - h * k7[i] - bspl
            r5[i] = h * (T.d1 * k1[i] + T.d3 * k3[i] + T.d4 * k4[i] + T.d5 * k5[i] + T.d6 * k6[i] + T.d7 * k7[i])
        }
    }

    /// y(t + θh) = y + θ(r2 + (1−θ)(r3 + θ(r4 + (1−θ) r5))), written to `out`.
    func interpolate(theta: Double, into out: UnsafeMutablePointer<Double>) {
        if theta == 1 { out.update(from: y1, count: n); return }
        let u = 1 - theta
        for i in 0..<n { out[i] = y[i] + theta * (r2[i] + u * (r3[i] + theta * (r4[i] + u * r5[i]))) }
    }

    /// The event function at t + θh on the dense output.
    func eventValue(_ event: ODEEvent, t: Double, h: Double, theta: Double) -> Double {
        interpolate(theta: theta, into: tmp)
        return event.function(t + theta * h, UnsafeBufferPointer(start: tmp, count: n))
    }

    /// The crossing of `event` in (0, 1] (in units of the step), by the Illinois variant of regula falsi.
    func locate(_ event: ODEEvent, t: Double, h: Double, gLeft: Double, gRight: Double) -> Double {
        var (a, fa, b, fb) = (0.0, gLeft, 1.0, gRight)
        var side = 0
        let tolerance = 4 * Double.ulpOfOne * max(1, abs(t + h)) / abs(h)
        for _ in 0..<100 where b - a > tolerance {
            var c = (a * fb - b * fa) / (fb - fa)
            if !(c > a && c < b) { c = 0.5 * (a + b) }
            let fc = eventValue(event, t: t, h: h, theta: c)
            if event.isCrossing(from: fa, to: fc) || (fc == 0 && fa != 0) {
                (b, fb) = (c, fc)
                if side == -1 { fa *= 0.5 }
                side = -1
            } else {
                (a, fa) = (c, fc)
                if side == 1 { fb *= 0.5 }
                side = 1
            }
        }
        return b
    }

    mutating func run(initialState: [Double], outputTimes: [Double], progress: ((Double) -> Void)?) throws -> ODESolution {
        let t0 = outputTimes[0], tEnd = outputTimes[outputTimes.count - 1]
        var times = [t0]
        times.reserveCapacity(outputTimes.count)
        var states = initialState
        states.reserveCapacity(outputTimes.count * n)
        var occurrences: [EventOccurrence] = []
        for i in 0..<n { y[i] = initialState[i] }
        var t = t0
        var eventValues = events.map { $0.function(t0, UnsafeBufferPointer(start: y, count: n)) }
        guard outputTimes.count > 1 else {
            return ODESolution(times: times, states: states, dimension: n, events: [], statistics: statistics)
        }
        f(t, y, k1)
        let span = tEnd - t0
        var h = initialStep(t0: t0, span: span)
        var next = 1
        // The breakpoints inside (t0, tEnd), increasing; `nextBreak` indexes the first one not yet reached.
        // Ones within a few ulps of the previous time (or of tEnd) are merged into it: no step could separate them.
        var breaks: [Double] = []
        for b in settings.breakpoints.sorted() where b > t0 && b < tEnd {
            let previous = breaks.last ?? t0
            if b - previous > 16 * previous.ulp.magnitude && tEnd - b > 16 * b.ulp.magnitude { breaks.append(b) }
        }
        var nextBreak = 0
        var lastRejected = false
        var stopped = false
        // Whether the last rejected trial step overflowed (its state or slope non-finite), rather than being inaccurate.
        var lastTrialOverflowed = false

        while next < outputTimes.count && !stopped {
            guard statistics.acceptedSteps + statistics.rejectedSteps < settings.maximumSteps else {
                throw ODEError.tooManySteps(time: t, limit: settings.maximumSteps)
            }
            h = min(h, settings.maximumStep)
            let target = nextBreak < breaks.count ? breaks[nextBreak] : tEnd
            if t + h >= target || t + 1.01 * h >= target { h = target - t }
            let reachesTarget = h == target - t
            guard h > 8 * t.ulp.magnitude, h > 0 else {
                // Out of the floating-point range: a non-finite state or slope, a trial step that overflowed, or values past
                // √(largest double) ≈ 1.3e154, whose squares overflow the error norm (and the initial step size).
                let limit = Double.greatestFiniteMagnitude.squareRoot()
                let nonFinite = lastTrialOverflowed || (0..<n).contains(where: { !(abs(y[$0]) < limit) || !(abs(k1[$0]) < limit) })
                if settings.stopsAtBreakdown {
                    return ODESolution(times: times, states: states, dimension: n, events: occurrences, statistics: statistics,
                                       breakdown: ODEBreakdown(time: t, nonFinite: nonFinite, state: Array(UnsafeBufferPointer(start: y, count: n))))
                }
                throw nonFinite ? ODEError.nonFiniteState(time: t) : ODEError.stepSizeUnderflow(time: t)
            }
            let error = attempt(t: t, h: h, end: reachesTarget && target < tEnd ? target.nextDown : t + h)
            guard error <= 1 else {
                statistics.rejectedSteps += 1
                lastRejected = true
                lastTrialOverflowed = !error.isFinite
                h *= error.isFinite ? max(0.2, 0.9 * Double.pow(error, -0.2)) : 0.2
                continue
            }
            statistics.acceptedSteps += 1
            prepareDenseOutput(h: h)
            let tNew = reachesTarget ? target : t + h

            // Events: find crossings on [t, tNew]; the first terminal one ends the integration.
            var stopTheta = Double.infinity
            var found: [(theta: Double, index: Int)] = []
            for (index, event) in events.enumerated() {
                let after = event.function(tNew, UnsafeBufferPointer(start: y1, count: n))
                if event.isCrossing(from: eventValues[index], to: after) {
                    let theta = locate(event, t: t, h: h, gLeft: eventValues[index], gRight: after)
                    found.append((theta, index))
                    if event.isTerminal { stopTheta = min(stopTheta, theta) }
                }
                eventValues[index] = after
            }
            for (theta, index) in found.sorted(by: { $0.theta < $1.theta }) where theta <= stopTheta {
                interpolate(theta: theta, into: tmp)
                occurrences.append(EventOccurrence(
                    name: events[index].name, time: theta == 1 ? tNew : t + theta * h,
                    state: Array(UnsafeBufferPointer(start: tmp, count: n)), isTerminal: events[index].isTerminal))
            }
            let reach = stopTheta.isFinite ? (stopTheta == 1 ? tNew : t + stopTheta * h) : tNew
            stopped = stopTheta.isFinite

            // Dense output on the grid points inside this step.
            while next < outputTimes.count && outputTimes[next] <= reach {
                let theta = outputTimes[next] == tNew ? 1 : (outputTimes[next] - t) / h
                interpolate(theta: theta, into: tmp)
                times.append(outputTimes[next])
                states.append(contentsOf: UnsafeBufferPointer(start: tmp, count: n))
                next += 1
            }

            swap(&y, &y1)
            swap(&k1, &k7)
            t = tNew
            if reachesTarget && target < tEnd && !stopped {
                // At a breakpoint: k1 (= the last stage, taken just below it) is replaced by the slope of the next piece.
                f(t, y, k1)
                nextBreak += 1
            }
            progress?(min(1, (t - t0) / span))
            var factor = min(5, max(0.2, 0.9 * Double.pow(max(error, 1e-10), -0.2)))
            if lastRejected { factor = min(factor, 1) }
            lastRejected = false
            h *= factor
        }
        return ODESolution(times: times, states: states, dimension: n, events: occurrences, statistics: statistics)
    }
}
