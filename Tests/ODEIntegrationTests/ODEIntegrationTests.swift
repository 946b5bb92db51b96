import Foundation
import ODEIntegration
import Testing

/// Problems with known solutions.
enum KnownProblems {
    /// y' = −y: y = y0 e^{−t}.
    static let decay = ClosureSystem(dimension: 1) { _, y, dy in dy[0] = -y[0] }
    /// Harmonic oscillator x'' = −ω²x with ω = 3: x = cos ωt, v = −ω sin ωt.
    static let oscillator = ClosureSystem(dimension: 2) { _, y, dy in dy[0] = y[1]; dy[1] = -9 * y[0] }
    /// Non-autonomous y' = cos t · y: y = exp(sin t).
    static let nonAutonomous = ClosureSystem(dimension: 1) { t, y, dy in dy[0] = cos(t) * y[0] }
    /// Logistic y' = y(1 − y): y = 1/(1 + 9e^{−t}) from y0 = 0.1.
    static let logistic = ClosureSystem(dimension: 1) { _, y, dy in dy[0] = y[0] * (1 - y[0]) }
    static func logisticExact(_ t: Double) -> Double { 1 / (1 + 9 * exp(-t)) }
}

@Suite struct DormandPrinceTests {
    let grid = (0...50).map { Double($0) * 0.2 }

    @Test func matchesExponentialDecayOnTheGrid() throws {
        let solution = try DormandPrince54().solve(KnownProblems.decay, initialState: [2], outputTimes: grid)
        #expect(solution.times == grid)
        for (t, y) in zip(solution.times, solution.component(0)) {
            #expect(abs(y - 2 * exp(-t)) < 1e-9 * 2 * exp(-t) + 1e-11)
        }
    }

    @Test func denseOutputIsAccurateBetweenSteps() throws {
        // Fewer steps than grid points: most of the 2001 points come from the continuous extension.
        let fine = (0...2000).map { Double($0) * 0.005 }
        let solution = try DormandPrince54(relativeTolerance: 1e-10, absoluteTolerance: 1e-12)
            .solve(KnownProblems.oscillator, initialState: [1, 0], outputTimes: fine)
        #expect(solution.statistics.acceptedSteps < 1500)
        let x = solution.component(0), v = solution.component(1)
        for (i, t) in fine.enumerated() {
            #expect(abs(x[i] - cos(3 * t)) < 1e-8)
            #expect(abs(v[i] + 3 * sin(3 * t)) < 3e-8)
        }
    }

    @Test(arguments: [1e-6, 1e-9, 1e-11])
    func errorFollowsTheTolerance(rtol: Double) throws {
        let solution = try DormandPrince54(relativeTolerance: rtol, absoluteTolerance: rtol * 1e-3)
            .solve(KnownProblems.nonAutonomous, initialState: [1], outputTimes: grid)
        let error = zip(solution.times, solution.component(0)).map { abs($1 - exp(sin($0))) }.max()!
        #expect(error < 50 * rtol)
        #expect(error > 0)
    }

    @Test func tighterToleranceTakesMoreSteps() throws {
        let loose = try DormandPrince54(relativeTolerance: 1e-5, absoluteTolerance: 1e-8)
            .solve(KnownProblems.logistic, initialState: [0.1], outputTimes: grid)
        let tight = try DormandPrince54(relativeTolerance: 1e-11, absoluteTolerance: 1e-14)
            .solve(KnownProblems.logistic, initialState: [0.1], outputTimes: grid)
        #expect(tight.statistics.acceptedSteps > 3 * loose.statistics.acceptedSteps)
        let error = zip(grid, tight.component(0)).map { abs($1 - KnownProblems.logisticExact($0)) }.max()!
        #expect(error < 1e-10)
    }

    @Test func terminalEventStopsAtTheCrossing() throws {
        // y = e^{−t} falls below 0.25 at t = ln 4.
        let event = ODEEvent(name: "small", direction: .falling, isTerminal: true) { _, y in y[0] - 0.25 }
        let solution = try DormandPrince54().solve(
            KnownProblems.decay, initialState: [1], outputTimes: grid, events: [event])
        let occurrence = try #require(solution.terminalEvent)
        // Located on the dense output: as accurate as the solution itself (rtol 1e-9).
        #expect(abs(occurrence.time - log(4)) < 1e-9)
        #expect(abs(occurrence.state[0] - 0.25) < 1e-12)
        #expect(solution.times.last! <= log(4))
        #expect(solution.times.count == Int(log(4) / 0.2) + 1)
    }

    @Test func nonTerminalEventsAreAllFoundInOrder() throws {
        // x = cos 3t crosses zero at t = π/6 + kπ/3; count rising ones only on [0, 10].
        let rising = ODEEvent(name: "up", direction: .rising) { _, y in y[0] }
        let either = ODEEvent(name: "zero") { _, y in y[0] }
        let solution = try DormandPrince54().solve(
            KnownProblems.oscillator, initialState: [1, 0], outputTimes: grid, events: [rising, either])
        let zeros = solution.events.filter { $0.name == "zero" }.map(\.time)
        let expected = (0..<10).map { Double.pi / 6 + Double($0) * Double.pi / 3 }.filter { $0 <= 10 }
        #expect(zeros.count == expected.count)
        for (a, b) in zip(zeros, expected) { #expect(abs(a - b) < 1e-9) }
        let ups = solution.events.filter { $0.name == "up" }.map(\.time)
        #expect(ups.count == expected.count / 2)
        #expect(zip(ups, ups.dropFirst()).allSatisfy { $0 < $1 })
        #expect(solution.times == grid)
    }

    @Test func blowUpIsReportedNotReturnedAsNaN() throws {
        // y' = y² from y = 1 blows up at t = 1.
        let blowUp = ClosureSystem(dimension: 1) { _, y, dy in dy[0] = y[0] * y[0] }
        #expect(throws: ODEError.self) {
            try DormandPrince54().solve(blowUp, initialState: [1], outputTimes: [0, 0.5, 2])
        }
        do {
            _ = try DormandPrince54().solve(blowUp, initialState: [1], outputTimes: [0, 0.5, 2])
        } catch let error as ODEError {
            switch error {
            case .stepSizeUnderflow(let t), .nonFiniteState(let t): #expect(abs(t - 1) < 1e-3)
            default: Issue.record("unexpected error \(error)")
            }
        }
        // With a terminal bound the run stops cleanly near t = 1 − 1/10⁶.
        let bound = ODEEvent(name: "diverged", direction: .rising, isTerminal: true) { _, y in y[0] - 1e6 }
        let solution = try DormandPrince54().solve(blowUp, initialState: [1], outputTimes: [0, 0.5, 2], events: [bound])
        #expect(abs(solution.terminalEvent!.time - (1 - 1e-6)) < 1e-9)
        #expect(solution.times == [0, 0.5])
    }

    @Test func rejectsBadInput() {
        let solver = DormandPrince54()
        #expect(throws: ODEError.invalidInitialState(expected: 1, got: 2)) {
            try solver.solve(KnownProblems.decay, initialState: [1, 2], outputTimes: [0, 1])
        }
        #expect(throws: ODEError.self) { try solver.solve(KnownProblems.decay, initialState: [1], outputTimes: [0, 1, 1]) }
        #expect(throws: ODEError.self) { try solver.solve(KnownProblems.decay, initialState: [1], outputTimes: []) }
        #expect(throws: ODEError.self) { try solver.solve(KnownProblems.decay, initialState: [.nan], outputTimes: [0, 1]) }
        #expect(throws: ODEError.self) {
            try DormandPrince54(relativeTolerance: 0, absoluteTolerance: 0)
                .solve(KnownProblems.decay, initialState: [1], outputTimes: [0, 1])
        }
        #expect(ODEError.nonFiniteState(time: 2).description.contains("t = 2"))
    }

    /// Per-component absolute tolerances: y₁ = e^{−t} keeps relative accuracy to 10⁻¹⁷ under atol ≈ 0 while y₂ = sin 3t,
    /// crossing zero, gets a floor; without the floor its crossings cost more steps. Bad vectors are refused.
    @Test func componentAbsoluteTolerances() throws {
        let system = ClosureSystem(dimension: 2) { t, y, dy in dy[0] = -y[0]; dy[1] = 3 * Foundation.cos(3 * t) }
        func solve(_ tolerances: [Double]?) throws -> ODESolution {
            var integrator = DormandPrince54(relativeTolerance: 1e-10, absoluteTolerance: 1e-300)
            integrator.componentAbsoluteTolerances = tolerances
            integrator.initialStep = 1e-3  // y₂(0) = 0: Hairer's estimate would start at ~1e-300 under a relative test
            return try integrator.solve(system, initialState: [1, 0], outputTimes: [0, 40])
        }
        let mixed = try solve([1e-300, 1e-10]), relative = try solve(nil)
        let exact = Foundation.exp(-40.0)
        #expect(abs(mixed.states[2] / exact - 1) < 1e-7 && abs(mixed.states[3] - Foundation.sin(120)) < 1e-8)
        #expect(relative.statistics.acceptedSteps > mixed.statistics.acceptedSteps)
        for bad in [[1e-10], [1e-10, -1], [1e-10, .nan]] {
            #expect(throws: ODEError.self) { try solve(bad) }
        }
    }

    @Test func singleOutputTimeReturnsTheInitialState() throws {
        let solution = try DormandPrince54().solve(KnownProblems.decay, initialState: [3], outputTimes: [5])
        #expect(solution.times == [5])
        #expect(solution.states == [3])
    }
}

@Suite struct RungeKutta4Tests {
    @Test func convergesAtFourthOrder() throws {
        func error(_ h: Double) throws -> Double {
            let s = try RungeKutta4(stepSize: h).solve(KnownProblems.nonAutonomous, initialState: [1], outputTimes: [0, 2, 4])
            return zip(s.times, s.component(0)).map { abs($1 - exp(sin($0))) }.max()!
        }
        let coarse = try error(0.1), fine = try error(0.05)
        let order = log2(coarse / fine)
        #expect(order > 3.8 && order < 4.2)
    }

    @Test func agreesWithDormandPrince() throws {
        let grid = (0...20).map { Double($0) * 0.5 }
        let rk = try RungeKutta4(stepSize: 0.005).solve(KnownProblems.oscillator, initialState: [1, 0], outputTimes: grid)
        let dp = try DormandPrince54(relativeTolerance: 1e-11, absoluteTolerance: 1e-13)
            .solve(KnownProblems.oscillator, initialState: [1, 0], outputTimes: grid)
        for (a, b) in zip(rk.states, dp.states) { #expect(abs(a - b) < 1e-7) }
    }

    @Test func rejectsNonPositiveStep() {
        #expect(throws: ODEError.self) {
            try RungeKutta4(stepSize: 0).solve(KnownProblems.decay, initialState: [1], outputTimes: [0, 1])
        }
    }
}

/// y' = y², y(0) = 1 blows up at t = 1.
private struct BlowUp: ODESystem {
    var dimension: Int { 1 }
    func evaluate(time: Double, state: UnsafeBufferPointer<Double>, derivative: UnsafeMutableBufferPointer<Double>) {
        derivative[0] = state[0] * state[0]
    }
}

@Suite struct ODEBreakdownTests {
    @Test func aBlowUpReturnsThePointsBeforeItWhenAsked() throws {
        var integrator = DormandPrince54(relativeTolerance: 1e-9, absoluteTolerance: 1e-12)
        #expect(throws: ODEError.self) { try integrator.solve(BlowUp(), initialState: [1], outputTimes: [0, 0.5, 0.9, 1.5]) }
        integrator.stopsAtBreakdown = true
        let solution = try integrator.solve(BlowUp(), initialState: [1], outputTimes: [0, 0.5, 0.9, 1.5])
        #expect(solution.times == [0, 0.5, 0.9])
        #expect(abs(solution.states[1] - 2) < 1e-7 && abs(solution.states[2] - 10) < 1e-6)  // y = 1/(1 − t)
        let breakdown = try #require(solution.breakdown)
        #expect(abs(breakdown.time - 1) < 1e-3)
    }

    @Test func aNonFiniteStartIsTheInitialPointAlone() throws {
        var integrator = DormandPrince54()
        integrator.stopsAtBreakdown = true
        let solution = try integrator.solve(BlowUp(), initialState: [.infinity], outputTimes: [0, 1])
        #expect(solution.times == [0])
        #expect(solution.breakdown?.time == 0 && solution.breakdown?.nonFinite == true)
    }
}

/// y = (sin t, cos t): each component passes through zero while |y| = 1.
private struct Rotation: ODESystem {
    var dimension: Int { 2 }
    func evaluate(time: Double, state y: UnsafeBufferPointer<Double>, derivative dy: UnsafeMutableBufferPointer<Double>) {
        dy[0] = y[1]
        dy[1] = -y[0]
    }
}

@Suite struct StateNormErrorScaleTests {
    /// With atol ≈ 0 a per-component test shrinks the step at every zero crossing; measured against max|y_i| the
    /// error stays at rtol × the state's scale with fewer steps (806 against 1052, of which 47 rejected).
    @Test func stateNormScaleControlsErrorsRelativeToTheWholeState() throws {
        var componentwise = DormandPrince54(relativeTolerance: 1e-9, absoluteTolerance: 1e-300)
        componentwise.initialStep = 1e-3
        var byNorm = componentwise
        byNorm.scalesByStateNorm = true
        let times = [0.0, 25, 50]
        let a = try componentwise.solve(Rotation(), initialState: [0, 1], outputTimes: times)
        let b = try byNorm.solve(Rotation(), initialState: [0, 1], outputTimes: times)
        let error = abs(b.states[4] - sin(50)) + abs(b.states[5] - cos(50))
        #expect(error < 1e-7, "error \(error)")
        #expect(b.statistics.acceptedSteps + b.statistics.rejectedSteps < (a.statistics.acceptedSteps + a.statistics.rejectedSteps) * 4 / 5,
                "steps: by norm \(b.statistics), componentwise \(a.statistics)")
    }
}
