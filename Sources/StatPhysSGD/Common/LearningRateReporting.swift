import Plotting
import Scenarios

extension Optimiser {
    /// η(t) = η f(t) at each of `times`: `theory.lr` in result.json and the `lr` column of every learning-curve CSV.
    public func rates(on times: [Double]) -> [Double] { times.map(rate(at:)) }

    /// The η(t) panel of a learning-curve figure, over the span of `times` (nil for a constant rate, whose figure has
    /// no such panel). The curve is sampled on `times` and on both sides of every breakpoint, so a step schedule is
    /// drawn with vertical jumps (up to 1000 of them; more are drawn as sampled); the η axis is logarithmic when the positive rates span more than three decades.
    func ratePanel(times: [Double], logarithmicTime: Bool = false) -> Panel? {
        guard !isConstant, let first = times.first, let last = times.last else { return nil }
        let jumps = schedule.breakpointCount(upTo: last.nextUp) > 1000 ? []
            : breakpoints(upTo: last.nextUp).filter { $0 > first }.flatMap { [$0.nextDown, $0] }
        let t = (times + jumps).sorted()
        let eta = rates(on: t)
        let positive = eta.filter { $0 > 0 && $0.isFinite }
        let spansDecades = positive.count == eta.count && (positive.max() ?? 1) > 1e3 * (positive.min() ?? 1)
        return Panel(xLabel: "t = steps/d", yLabel: "learning rate η(t)", xScale: logarithmicTime ? .log : .linear,
                     yScale: spansDecades ? .log : .linear, legend: .upperRight,
                     series: [.line("η(t) = \(DivergenceBound.format(learningRate)) × \(schedule)", x: t, y: eta, color: Color.cycle[2])])
    }
}
