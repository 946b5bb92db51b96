import Foundation
import ODEIntegration
import Scenarios

/// The schedule that minimises J = ε_g(t_max), by Pontryagin's minimum principle with the adjoint equations.
///
/// Every online ODE is quadratic in the rate factor f (`GreedyLearningRate`): dφ/dt = F(φ, f) = f a(φ) + f² b(φ).
/// With the costate p(t) = ∂J/∂φ(t), the solution of the adjoint equation
///
///     dp/dt = −(∂F/∂φ)ᵀ p,     p(t_max) = ∇ε_g(φ(t_max)),
///
/// a change δf(t) of the schedule changes J by δJ = ∫ p·(a + 2f b) δf dt, and an optimal schedule minimises the
/// Hamiltonian H = p·F = f (p·a) + f² (p·b) over [f_min, f_max] at every t. That is the greedy rule with ∇ε_g(φ(t))
/// replaced by the costate: greedy is myopic, it takes today's gradient of ε_g for the sensitivity of the final one.
/// (For linear regression without weight decay e_g obeys a closed equation, p ∝ ∇e_g, and greedy is optimal.)
///
/// Forward–backward sweep on `nodes` + 1 times tᵢ equally spaced in log(1 + t), f piecewise linear between them
/// (the tabulated schedule that the model's ODE and the simulator then run with), started from greedy:
/// 1. φ forward under f (every node a breakpoint of the integrator), kept at the nodes with a and b there;
/// 2. the Jacobians ∂F/∂φ at the nodes by central differences (steps 10⁻⁶ of each component's scale), and p backward
///    (in s = t_max − t, the Jacobian linear between nodes) from p(t_max) = ∇ε_g by central differences;
/// 3. f̂ᵢ = argmin_f H(tᵢ, f) (`GreedyLearningRate.minimiser` with A = p·a, B = p·b);
/// 4. f ← f + ω(f̂ − f), accepted if J falls (then ω ← min(1, 2ω)), otherwise ω halved and retried.
/// It stops when the minimum principle holds at every node, max|f̂ − f| ≤ `tolerance`·f_max, when a sweep lowers J by
/// less than `errorTolerance`·J, when ω < 1/64, or after `maximumIterations` sweeps. J never rises, so the result is at least as good as greedy.
public struct OptimalLearningRate: Sendable {
    /// Intervals of the schedule's table (log-spaced in 1 + t).
    public var nodes = 400
    /// At most this many sweeps (each a forward and a backward solve).
    public var maximumIterations = 40
    /// The minimum principle's residual max|f̂ − f|/f_max at which the sweep stops.
    public var tolerance = 1e-4
    /// The sweep also stops once a sweep lowers J by less than this fraction (the residual converges linearly; J, being
    /// stationary, quadratically).
    public var errorTolerance = 1e-7

    /// The default settings above (400 nodes, at most 40 sweeps).
    public init() {}

    /// One sweep's outcome, reported through `progress`.
    public struct Iteration: Sendable, Hashable {
        /// The sweep's number, from 1.
        public var index: Int
        /// J = ε_g(t_max) of the current schedule.
        public var error: Double
        /// max|f̂ − f|/f_max: how far the current schedule is from minimising the Hamiltonian.
        public var residual: Double

        /// Sweep number `index` (from 1), with J = `error` and the residual `residual` of its schedule.
        public init(index: Int, error: Double, residual: Double) {
            self.index = index; self.error = error; self.residual = residual
        }
    }

    /// The optimised schedule, named `optimal`, and the last sweep.
    public struct Result: Sendable {
        /// The optimised `LearningRateSchedule.tabulated` schedule on the `nodes` + 1 log-spaced times, with its
        /// `ScheduleOptimality`.
        public var schedule: LearningRateSchedule
        /// The last sweep reported, its `error` updated to J of the returned schedule.
        public var last: Iteration

        /// The optimised `schedule` and the `last` sweep.
        public init(schedule: LearningRateSchedule, last: Iteration) { self.schedule = schedule; self.last = last }
    }

    /// The optimal schedule of `problem` up to `tEnd`; `progress` is told every sweep.
    public func optimise<S>(_ problem: ScheduleProblem<S>, tEnd: Double, progress: ((Iteration) -> Void)? = nil) throws -> Result {
        guard tEnd > 0, tEnd.isFinite, nodes >= 1 else { throw ScenarioError.outOfRange("the optimal schedule needs t_max > 0 and at least one node") }
        let greedy = try problem.greedy(tEnd: tEnd, nodes: nodes)
        guard case .table(let table) = greedy.kind else { throw ScenarioError("the greedy schedule is a table") }
        let times = table.times, bounds = problem.split.factorBounds
        var factors = table.factors
        var forward = try ScheduleForwardPass(problem, times: times, factors: factors)
        var last = Iteration(index: 0, error: forward.error, residual: .infinity)
        var omega = 1.0
        for index in 1...max(1, maximumIterations) {
            let target = try forward.hamiltonianMinimisers(problem)
            let residual = zip(target, factors).map { abs($0 - $1) }.max()! / bounds.upperBound
            last = Iteration(index: index, error: forward.error, residual: residual)
            progress?(last)
            guard residual > tolerance, forward.error.isFinite else { break }
            var accepted = false, stalled = false
            while omega >= 1.0 / 64 {
                let trial = zip(factors, target).map { min(max($0 + omega * ($1 - $0), bounds.lowerBound), bounds.upperBound) }
                if let next = try? ScheduleForwardPass(problem, times: times, factors: trial), next.error < forward.error {
                    stalled = next.error > forward.error * (1 - errorTolerance)
                    (factors, forward, accepted) = (trial, next, true)
                    omega = min(1, 2 * omega)
                    break
                }
                omega /= 2
            }
            if !accepted || stalled { break }
        }
        last.error = forward.error
        let optimality = ScheduleOptimality(sweeps: last.index, residual: last.residual, finalError: last.error)
        return Result(schedule: try .tabulated(name: "optimal", times: times, factors: factors, rateBounds: problem.rateBounds,
                                               optimality: optimality), last: last)
    }

    /// The adjoint's gradient of J with respect to f at the nodes, δJ/δf(tᵢ) = p(tᵢ)·(a + 2f b) (δJ ≈ ∫ gᵢ δf dt), for
    /// the schedule tabulated by `times` and `factors`; for tests of the costate against finite differences of J.
    public static func gradient<S>(_ problem: ScheduleProblem<S>, times: [Double], factors: [Double]) throws -> (error: Double, gradient: [Double]) {
        let forward = try ScheduleForwardPass(problem, times: times, factors: factors)
        let p = try forward.costates(problem)
        var gradient = [Double](repeating: 0, count: times.count)
        for i in 0..<times.count {
            for j in 0..<forward.n { gradient[i] += p[i][j] * (forward.drift[i][j] + 2 * factors[i] * forward.noise[i][j]) }
        }
        return (forward.error, gradient)
    }
}

/// The forward half of a sweep: φ, F, a and b at the nodes under one tabulated schedule, and J.
struct ScheduleForwardPass {
    let times: [Double]
    let factors: [Double]
    let n: Int
    var states: [[Double]] = []
    var drift: [[Double]] = []
    var noise: [[Double]] = []
    var error: Double

    init<S>(_ problem: ScheduleProblem<S>, times: [Double], factors: [Double]) throws {
        self.times = times; self.factors = factors
        n = problem.split.unit.dimension
        let schedule = try TabulatedSchedule.make(times: times, factors: factors)
        // Every node a breakpoint: no step straddles the table's kinks (resolving them at the models' tolerances costs
        // more steps, half of them rejected, on a coarse table).
        var integrator = problem.integrator
        integrator.breakpoints = times
        let solution = try integrator.solve(ScheduledSystem(split: problem.split, schedule: schedule),
                                            initialState: problem.initialState, outputTimes: times)
        guard solution.times.count == times.count else { throw ODEError.invalidSettings("the forward solve stopped early") }
        for i in 0..<times.count {
            let state = solution.state(at: i)
            let (a, b) = problem.split.parts(state)
            states.append(state); drift.append(a); noise.append(b)
        }
        error = problem.split.error(states[times.count - 1])
        guard error.isFinite, states.allSatisfy({ $0.allSatisfy(\.isFinite) }) else { throw ODEError.nonFiniteState(time: times.last!) }
    }

    /// f̂ᵢ: the minimiser of H = f (p·a) + f² (p·b) on the factor bounds at every node.
    func hamiltonianMinimisers<S>(_ problem: ScheduleProblem<S>) throws -> [Double] {
        let p = try costates(problem)
        return (0..<times.count).map { i in
            var (a, b) = (0.0, 0.0)
            for j in 0..<n { a += p[i][j] * drift[i][j]; b += p[i][j] * noise[i][j] }
            return GreedyLearningRate<S>.minimiser(drift: a, noise: b, bounds: problem.split.factorBounds)
        }
    }

    /// p(tᵢ) at every node: the adjoint equation solved backward from ∇ε_g(φ(t_max)).
    func costates<S>(_ problem: ScheduleProblem<S>) throws -> [[Double]] {
        let count = times.count, tEnd = times[count - 1]
        // (∂F/∂φ)ᵀ at every node, row j = ∂F/∂φ_j, by central differences of F = f a + f² b.
        var jacobians = [Double](repeating: 0, count: count * n * n)
        for i in 0..<count {
            let f = factors[i], scale = Self.scale(states[i])
            for j in 0..<n {
                let h = Self.step(states[i][j], scale)
                var plus = states[i], minus = states[i]
                plus[j] += h; minus[j] -= h
                let (ap, bp) = problem.split.parts(plus), (am, bm) = problem.split.parts(minus)
                for k in 0..<n {
                    jacobians[(i * n + j) * n + k] = (f * (ap[k] - am[k]) + f * f * (bp[k] - bm[k])) / (2 * h)
                }
            }
        }
        let final = states[count - 1], scale = Self.scale(final)
        let terminal = (0..<n).map { j -> Double in
            let h = Self.step(final[j], scale)
            var plus = final, minus = final
            plus[j] += h; minus[j] -= h
            return (problem.split.error(plus) - problem.split.error(minus)) / (2 * h)
        }
        // dp/ds = (∂F/∂φ)ᵀ(t_max − s) p, outputs at s = t_max − tᵢ in increasing order.
        let reversed = times.reversed().map { tEnd - $0 }
        var integrator = DormandPrince54(relativeTolerance: 1e-9, absoluteTolerance: 0)
        integrator.scalesByStateNorm = true
        let system = CostateSystem(times: times, jacobians: jacobians, n: n)
        guard terminal.allSatisfy(\.isFinite) else { throw ODEError.nonFiniteState(time: tEnd) }
        guard terminal.contains(where: { $0 != 0 }) else { return Array(repeating: terminal, count: count) }
        let solution = try integrator.solve(system, initialState: terminal, outputTimes: reversed)
        return (0..<count).map { solution.state(at: count - 1 - $0) }
    }

    static func scale(_ state: [Double]) -> Double { state.map { abs($0) }.max() ?? 0 }

    /// The central-difference step of a component: 10⁻⁶ of its size, at least 10⁻⁹ of the state's largest.
    static func step(_ x: Double, _ scale: Double) -> Double { max(1e-6 * abs(x), 1e-9 * scale, 1e-12) }
}

/// dφ/dt = f(t) a(φ) + f(t)² b(φ) = f F₁ + (f² − f)(F₂ − 2F₁)/2 from the right-hand sides at f = 1 and f = 2, with f
/// tabulated: the model's ODE run with the schedule.
struct ScheduledSystem<System: ODESystem & Sendable>: ODESystem, Sendable {
    let split: GreedyLearningRate<System>
    let schedule: TabulatedSchedule
    var dimension: Int { split.unit.dimension }

    func evaluate(time: Double, state: UnsafeBufferPointer<Double>, derivative: UnsafeMutableBufferPointer<Double>) {
        let f = schedule.factor(at: time), n = dimension
        withUnsafeTemporaryAllocation(of: Double.self, capacity: max(1, n)) { doubled in
            split.unit.evaluate(time: time, state: state, derivative: derivative)
            split.doubled.evaluate(time: time, state: state, derivative: doubled)
            for i in 0..<n {
                let f1 = derivative[i]
                derivative[i] = f * f1 + 0.5 * (f * f - f) * (doubled[i] - 2 * f1)
            }
        }
    }
}

/// The adjoint equation in reversed time s = t_max − t: dp/ds = (∂F/∂φ)ᵀ p, the Jacobian interpolated linearly between
/// the nodes (stored transposed: row j of node i is ∂F/∂φ_j).
struct CostateSystem: ODESystem, Sendable {
    let times: [Double]
    let jacobians: [Double]
    let n: Int
    var dimension: Int { n }

    func evaluate(time s: Double, state p: UnsafeBufferPointer<Double>, derivative: UnsafeMutableBufferPointer<Double>) {
        let count = times.count, t = min(max(times[count - 1] - s, times[0]), times[count - 1])
        var low = 0, high = count - 1
        while high - low > 1 {
            let mid = (low + high) / 2
            if times[mid] <= t { low = mid } else { high = mid }
        }
        let w = high > low ? (t - times[low]) / (times[high] - times[low]) : 0
        jacobians.withUnsafeBufferPointer { jac in
            let lowBase = low * n * n, highBase = high * n * n
            for j in 0..<n {
                var sum = 0.0
                for k in 0..<n {
                    let entry = (1 - w) * jac[lowBase + j * n + k] + w * jac[highBase + j * n + k]
                    sum += entry * p[k]
                }
                derivative[j] = sum
            }
        }
    }
}

extension TabulatedSchedule {
    /// The table of `times` and `factors` (validated as `LearningRateSchedule.tabulated` does).
    static func make(times: [Double], factors: [Double]) throws -> TabulatedSchedule {
        guard case .table(let table) = try LearningRateSchedule.tabulated(name: "trial", times: times, factors: factors).kind else {
            throw ScenarioError("a tabulated schedule is a table")
        }
        return table
    }
}
