import Foundation
import ODEIntegration
import Testing

@Suite struct BreakpointTests {
    /// y' = a(t) y with a piecewise-constant a (jumps at 0.3, 1.1, 1.7, and one at a grid time): y = exp(∫a).
    /// With the jumps as breakpoints the solution keeps the integrator's accuracy at every grid point, also at the
    /// jumps themselves; the integrator restarts at each one (at least one step per piece).
    @Test func restartsExactlyAtBreakpoints() throws {
        let jumps = [0.3, 1.1, 1.7, 2.0], slopes = [-1.0, 2.0, -3.0, 0.5, -0.25]
        @Sendable func slope(_ t: Double) -> Double { slopes[jumps.filter { $0 <= t }.count] }
        func integral(_ t: Double) -> Double {
            var total = 0.0, start = 0.0
            for (k, end) in (jumps + [.infinity]).enumerated() where start < t {
                total += slopes[k] * (min(t, end) - start)
                start = end
            }
            return total
        }
        let system = ClosureSystem(dimension: 1) { t, y, dy in dy[0] = slope(t) * y[0] }
        var integrator = DormandPrince54(relativeTolerance: 1e-10, absoluteTolerance: 1e-14)
        integrator.breakpoints = jumps.reversed() + [-1, 0, 5]  // any order; outside (t0, tEnd) ignored
        let grid = (0...30).map { Double($0) * 0.1 }
        let solution = try integrator.solve(system, initialState: [1], outputTimes: grid)
        #expect(solution.times == grid)
        for (t, y) in zip(grid, solution.component(0)) {
            #expect(abs(y / exp(integral(t)) - 1) < 1e-9, "t = \(t)")
        }
        // Without them the steps straddle the jumps: the error control copes, at the cost of many rejected steps.
        integrator.breakpoints = []
        let straddled = try integrator.solve(system, initialState: [1], outputTimes: grid)
        #expect(straddled.statistics.rejectedSteps > solution.statistics.rejectedSteps)
    }

    /// A terminal event in the piece after a breakpoint still stops the integration at its crossing.
    @Test func eventsWorkAcrossBreakpoints() throws {
        let system = ClosureSystem(dimension: 1) { t, _, dy in dy[0] = t < 1 ? 1 : 3 }
        var integrator = DormandPrince54()
        integrator.breakpoints = [1]
        let event = ODEEvent(name: "y = 2.5", direction: .rising, isTerminal: true) { _, y in y[0] - 2.5 }
        let solution = try integrator.solve(system, initialState: [0], outputTimes: [0, 1, 2, 3], events: [event])
        let hit = try #require(solution.terminalEvent)
        #expect(abs(hit.time - 1.5) < 1e-12)
        #expect(solution.times == [0, 1])
    }
}
