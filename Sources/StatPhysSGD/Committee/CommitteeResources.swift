import Foundation
import GaussianIntegrals
import OnlineTheory
import Scenarios

/// The cost of the committee-machine theory and simulation, from K, M, the activations and the horizon.
///
/// The ODE right-hand side sums K²(K+M)² four-dimensional integrals I4 and K(K+M)² three-dimensional ones
/// (the cost grows like K⁴): about 100 operations each in closed form (erf, ReLU, linear), about 4·n⁴ and 4·n³
/// with n quadrature nodes per dimension otherwise. The adaptive integrator needs about 2(100 + 10 η t_max)
/// evaluations (η capped at 10: faster runs diverge early), plus t_max·ηλ for the stiffness of weight decay λ. A state (Q, R, T, v, v*) has K² + KM + M² + K + M
/// numbers; every output time keeps one per seed and writes it three times as text (about 20 bytes a number).
public enum CommitteeResources {
    /// Numbers in one `CommitteeOrderParameters`.
    public static func stateSize(studentUnits k: Int, teacherUnits m: Int) -> Double {
        let k = Double(k), m = Double(m)
        return k * k + k * m + m * m + k + m
    }

    /// Operations of one evaluation of the ODE right-hand side.
    /// `hasBiases`: shifted fields, so erf and ReLU need quadrature too.
    public static func rightHandSideOperations(studentUnits k: Int, teacherUnits m: Int, student: Activation, teacher: Activation,
                                               quadratureOrder: Int, hasBiases: Bool = false) -> Double {
        let k = Double(k), fields = Double(k) + Double(m)
        let n = Double(quadratureOrder)
        let closed = CommitteeIntegrals.quadratureRule(student: student, teacher: teacher, hasShifts: hasBiases) == nil
        // Shifted erf: I3 closed, I4 a planar integral of at least 64² nodes (`ShiftedErf`).
        let planar = hasBiases && student.family == .erf && teacher.family == .erf
        let plane = 4 * max(n, Double(CommitteeIntegrals.planarOrder)) * max(n, Double(CommitteeIntegrals.planarOrder))
        let i4 = closed ? 100 : planar ? plane : 4 * n * n * n * n, i3 = closed || planar ? 100 : 4 * n * n * n
        return k * k * fields * fields * i4 + k * fields * fields * i3
    }

    /// Right-hand-side evaluations of the adaptive integrator to `tMax` at learning rate `lr`; scaled momentum's
    /// velocity relaxes at 2γ (`velocityRate`), an explicit step's stiffness bound (about one evaluation per 1/(2γ)).
    public static func evaluations(learningRate lr: Double, weightDecay: Double = 0, tMax: Double, velocityRate: Double = 0) -> Double {
        let eta = min(lr.isFinite ? lr : 10, 10)
        return 2 * (100 + 10 * eta * tMax) + tMax * eta * weightDecay + 2 * velocityRate * tMax
    }

    /// The theory and, with `simulation`, the simulation of a committee run with `points` output times and mini-batches
    /// of `batchSize` samples (a step costs B samples' work; B > 1 adds a K×d buffer per running seed).
    /// `initialDimension`: a theory-only run with a random student draws one at this d. `learningRate`: the peak of η(t);
    /// each of a schedule's `breakpoints` restarts the integrator (about 12 more evaluations) and is held in a list.
    /// `theorySolves`: ODE solves of the theory's cost the run makes, 1 for a given schedule, more when the schedule
    /// is computed first (`ComputedScheduleCost`).
    public static func experiment(studentUnits k: Int, teacherUnits m: Int, student: Activation, teacher: Activation,
                                  learningRate: Double, batchSize: Int = 1, weightDecay: Double = 0, tMax: Double, points: Int,
                                  quadratureOrder: Int, simulation: SimulationSettings?, initialDimension: Int?, breakpoints: Double = 0,
                                  theorySolves: Double = 1, hasBiases: Bool = false, velocityRate: Double = 0) -> ResourceEstimate {
        let state = stateSize(studentUnits: k, teacherUnits: m), n = Double(points)
        let fields = Double(k) + Double(m)
        let seeds = Double(simulation?.seeds ?? 0)
        // Theory states and integrator stages, the simulated states of every seed, and the text of the output.
        var bytes = n * state * 8 * (2 + seeds) + 20 * state * 8 + n * state * 3 * 20 + 1_000_000 + 32 * breakpoints
        var operations = (evaluations(learningRate: learningRate, weightDecay: weightDecay, tMax: tMax, velocityRate: velocityRate) + 12 * breakpoints)
            * rightHandSideOperations(studentUnits: k, teacherUnits: m, student: student, teacher: teacher, quadratureOrder: quadratureOrder,
                                      hasBiases: hasBiases)
            * max(1, theorySolves)
        var detail = "K = \(k), M = \(m): \(TextTableNumber.short(state)) order parameters at \(points) output times"
            + (theorySolves > 1 ? ", \(TextTableNumber.short(theorySolves)) ODE solves to compute the schedule and run it" : "")
        if let simulation {
            let d = Double(simulation.dimension)
            let concurrent = min(seeds, Double(ProcessInfo.processInfo.activeProcessorCount))
            // Teacher, student and their basis (3 (K+M) d doubles while built) per running seed.
            bytes += concurrent * (3 * fields + (batchSize > 1 ? Double(k) : 0)) * d * 8
            let steps = tMax * d
            operations += seeds * (steps * Double(batchSize) * (4 * fields + 20) * d + n * (Double(k) * fields) * 2 * d)
            detail += ", \(simulation.seeds) seeds × \(TextTableNumber.short(steps)) steps" + (batchSize > 1 ? " of \(batchSize) samples" : "")
                + " at d = \(simulation.dimension)"
        } else if let initialDimension {
            bytes += 3 * fields * Double(initialDimension) * 8
        }
        return ResourceEstimate(bytes: bytes, operations: operations, detail: detail)
    }
}

extension CommitteeExperiment: ResourceEstimating {
    /// `CommitteeResources.experiment` for this scenario: η the schedule's peak up to t_max, each breakpoint an
    /// integrator restart, scaled momentum's velocity rate 2γ, and a random initial student drawn when theory-only.
    public var resourceEstimate: ResourceEstimate {
        let s = scenario
        return CommitteeResources.experiment(
            studentUnits: s.studentUnits, teacherUnits: s.teacherUnits, student: s.studentActivation, teacher: s.teacherActivation,
            learningRate: s.optimiser.peakRate(upTo: tMax), batchSize: s.optimiser.batchSize, weightDecay: s.weightDecay, tMax: tMax, points: points,
            quadratureOrder: quadratureOrder, simulation: simulation,
            initialDimension: s.specifiedInitialState == nil ? initialDimension : nil,
            breakpoints: s.optimiser.schedule.breakpointCount(upTo: tMax), hasBiases: s.hasBiases, velocityRate: 2 * (s.optimiser.scaledMomentum ?? 0))
    }
}

extension CommitteeStability: ResourceEstimating {
    /// The Jacobian of n = K(K+1)/2 + KM (+ K) state entries (n² doubles, twice for the eigensolver), built from 2n
    /// right-hand sides and diagonalised (about 10n³ operations) at each of about 120 scanned learning rates.
    public var resourceEstimate: ResourceEstimate { CommitteeStability.estimate(scenario.studentUnits, scenario, quadratureOrder) }

    static func estimate(_ k: Int, _ s: CommitteeScenario, _ order: Int) -> ResourceEstimate {
        CommitteeResources.stability(studentUnits: k, teacherUnits: s.teacherUnits, student: s.studentActivation,
                                     teacher: s.teacherActivation, quadratureOrder: order)
    }
}

extension CommitteeResources {
    /// `CommitteeStability` for these sizes, before a scenario exists.
    public static func stability(studentUnits k: Int, teacherUnits m: Int, student: Activation, teacher: Activation,
                                 quadratureOrder: Int) -> ResourceEstimate {
        let n = Double(k) * (Double(k) + 1) / 2 + Double(k) * Double(m) + Double(k)
        let rhs = rightHandSideOperations(studentUnits: k, teacherUnits: m, student: student, teacher: teacher, quadratureOrder: quadratureOrder)
        // Three Jacobians by central differences (2n right-hand sides each: J₀, J₁, J₂ of J(η) = J₀ + ηJ₁ + η²J₂), then
        // about 160 eigenvalue problems of n × n (the scan, bisection, grid and golden-section search in η), each
        // ~4 n³ (Hessenberg + QR, calibrated). Measured (release, 2 cores, erf): K = 10 in 2.3 s (estimated 3.6 s),
        // K = 20 in 136 s (estimated 205 s); the old 120 × (2n·rhs + 10n³) said 87 min for K = 20.
        return ResourceEstimate(bytes: 3 * n * n * 8 + 1_000_000, operations: 3 * 2 * n * rhs + 160 * 4 * n * n * n,
                                detail: "the \(TextTableNumber.short(n))×\(TextTableNumber.short(n)) Jacobian at perfect learning, K = \(k)")
    }
}
