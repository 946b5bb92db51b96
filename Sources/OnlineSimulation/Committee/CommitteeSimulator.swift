import GaussianIntegrals
import Randomness
import Scenarios

/// Finite-d online SGD for `CommitteeScenario`: each seed draws a teacher and a student as the scenario
/// specifies (`CommitteeNetworks`), then B = `optimiser.batchSize` fresh samples x_b ~ N(0, I_d), ζ_b ~ N(0, 1) per
/// step and
///
///     Δ_b = φ*(x_b) + σζ_b − φ(x_b),
///     w_k ← (1 − ηλ/d) w_k + (η/√d)(1/B) Σ_b v_k g'(λ_kb) Δ_b x_b,      v_k ← v_k + (η_v/d)(1/B) Σ_b g(λ_kb) Δ_b  (if trained),
///
/// all updates computed from the weights before the step, with η = η(n/d) at step n from the optimiser
/// (`Optimiser.rate(atStep:dimension:)`) and η_v scaled by the same factor. For B > 1 the first layer's update is
/// accumulated in one preallocated K×d buffer; B = 1 updates w directly from x, as before. Q, R, v are recorded at the
/// grid's steps. With heavy-ball momentum β (`Optimiser.momentum`) each w_k has a velocity u_k and a trained second
/// layer its own velocity s_k (all 0 at the start; K·d + K numbers allocated once per seed), with the same (batch-mean)
/// gradients:
///
///     u_k ← β u_k − (1/√d)(1/B) Σ_b v_k g'(λ_kb) Δ_b x_b + (λ/d) w_k,   w_k ← w_k − η u_k,
///     s_k ← β s_k − (1/B) Σ_b g(λ_kb) Δ_b,                             v_k ← v_k − (η_v/d) s_k.
///
/// With scaled momentum (`Optimiser.scaledMomentum` γ) β = 1 − γ/d and the weights step by ηγ/d instead of η
/// (`Optimiser.velocityUpdate`), the second layer and the biases by (η_vγ/d²)·s_k and (η_bγ/d²)·r_k. Plain SGD (β = 0) allocates no velocity and takes the
/// update above. With biases (`CommitteeScenario.hasBiases`) the
/// fields are λ_kb = w_k·x_b/√d + b_k and ρ_nb = w*_n·x_b/√d + b*_n, and trained biases move like the second layer,
/// b_k ← b_k + (η_b/d)(1/B) Σ_b v_k g'(λ_kb) Δ_b (with momentum through their own velocity r_k ← β r_k − (1/B) Σ_b v_k
/// g'(λ_kb) Δ_b, b_k ← b_k − (η_b/d) r_k).
public struct CommitteeSimulator: Sendable {
    /// The problem simulated: K, M, activations g, g*, teacher and initial student, v*, v(0), b*, b(0), noise σ²,
    /// weight decay λ and optimiser.
    public let scenario: CommitteeScenario
    /// Input dimension d (at least K + M).
    public let dimension: Int
    /// Number of independent seeds (teacher, initial student and data all differ between seeds).
    public let seeds: Int
    /// Seed k uses the stream `Xoshiro256(seed: seed, stream: k)`.
    public let seed: UInt64
    /// A seed counts as diverged once its state is non-finite or some Q_ii exceeds this multiple of the problem's
    /// scale (`CommitteeOrderParameters.divergenceBound` of the seed's measured initial state).
    public var divergenceFactor = DivergenceBound.defaultFactor

    /// A simulator of `seeds` seeds at dimension d; throws unless d ≥ K + M, `seeds` > 0 and the optimiser's scaled
    /// momentum fits d (γ ≤ d).
    public init(scenario: CommitteeScenario, dimension: Int, seeds: Int, seed: UInt64 = 1) throws {
        try ScenarioError.requirePositive("dimension d", dimension)
        try ScenarioError.requirePositive("number of seeds", seeds)
        guard dimension >= scenario.studentUnits + scenario.teacherUnits else {
            throw ScenarioError("dimension d = \(dimension) must be at least K + M = \(scenario.studentUnits + scenario.teacherUnits)")
        }
        try scenario.optimiser.requireScaledMomentumFits(dimension: dimension)
        self.scenario = scenario
        self.dimension = dimension
        self.seeds = seeds
        self.seed = seed
    }

    /// Runs all seeds in parallel; `progress` gets the fraction of steps done.
    public func run(times: [Double], progress: (@Sendable (Double) -> Void)? = nil) throws -> CommitteeSimulationResult {
        let grid = try OutputGrid(times: times, dimension: dimension)
        let counter = progress.map { ProgressCounter(total: grid.totalSteps * seeds, report: $0) }
        let runs = forEachSeed(seeds) { seed in Result { try runSeed(seed, grid: grid, counter: counter) } }
        return CommitteeSimulationResult(grid: grid, runs: try runs.map { try $0.get() })
    }

    /// One seed's trajectory.
    struct SeedRun: Sendable {
        var states: [CommitteeOrderParameters]
        var divergence: Divergence?
    }

    func runSeed(_ seed: Int, grid: OutputGrid, counter: ProgressCounter?) throws -> SeedRun {
        let d = dimension, dd = Double(d), k = scenario.studentUnits, m = scenario.teacherUnits
        var rng = Xoshiro256(seed: self.seed, stream: UInt64(seed))
        var networks = try CommitteeNetworks(scenario: scenario, dimension: d, rng: &rng)
        let t = networks.teacherOverlap
        let vStar = scenario.teacherSecondLayer
        var v = scenario.initialSecondLayer
        let g = scenario.studentActivation.function, gPrime = scenario.studentActivation.derivative
        let gStar = scenario.teacherActivation.function
        let optimiser = scenario.optimiser, baseV = scenario.secondLayerLearningRate, baseB = scenario.biasLearningRate
        let hasBiases = scenario.hasBiases, bStar = scenario.teacherBiases
        var bias = scenario.initialBiases
        // slope[i] = v_i g'(λ_i) Δ of the current sample (v before the step): the biases' gradient.
        var slope = [Double](repeating: 0, count: k), biasUpdate = [Double](repeating: 0, count: k)
        let sigma = scenario.noiseVariance.squareRoot(), weightDecay = scenario.weightDecay
        let invSqrtD = 1 / dd.squareRoot()
        var x = [Double](repeating: 0, count: d)
        var fields = [Double](repeating: 0, count: k + m)
        var coefficients = [Double](repeating: 0, count: k)
        let batch = optimiser.batchSize, perSample = 1 / Double(batch)
        // B > 1: Σ_b c_kb x_b for every unit (K×d) and the second layer's Σ_b (η_v/dB) g(λ_kb) Δ_b.
        var batchUpdate = [Double](repeating: 0, count: batch > 1 ? k * d : 0)
        var secondLayerUpdate = [Double](repeating: 0, count: k)
        // Momentum: fixed β, or scaled β = 1 − γ/d with the step ηγ/d (`Optimiser.velocityUpdate`).
        let hasVelocity = optimiser.hasVelocity
        // The second layer's and the biases' steps are (η/d)·s at fixed β and (ηγ/d²)·s with scaled momentum.
        let scalarScale = optimiser.scaledMomentum.map { $0 / dd } ?? 1
        var velocity = [Double](repeating: 0, count: hasVelocity ? k * d : 0)
        var secondLayerVelocity = [Double](repeating: 0, count: hasVelocity && baseV != nil ? k : 0)
        var biasVelocity = [Double](repeating: 0, count: hasVelocity && baseB != nil ? k : 0)
        var states: [CommitteeOrderParameters] = []
        states.reserveCapacity(grid.steps.count)
        var divergence: Divergence?
        var bound: DivergenceBound?

        networks.teacher.withUnsafeBufferPointer { wStar in
            networks.student.withUnsafeMutableBufferPointer { w in
                x.withUnsafeMutableBufferPointer { x in batchUpdate.withUnsafeMutableBufferPointer { batchUpdate in
                  velocity.withUnsafeMutableBufferPointer { velocity in
                    let w0 = w.baseAddress!, t0 = wStar.baseAddress!, x0 = x.baseAddress!, u0 = batchUpdate.baseAddress
                    // nil for plain SGD (an empty array's buffer may still have a base address).
                    let velocity0 = hasVelocity ? velocity.baseAddress : nil
                    var step = 0, previous = 0
                    for target in grid.steps {
                        while step < target {
                            let factor = optimiser.factor(at: Double(step) / dd), eta = optimiser.learningRate * factor
                            let (beta, velocityStep) = optimiser.velocityUpdate(atStep: step, dimension: d)
                            let shrink = 1 - eta * weightDecay / dd
                            for b in 0..<batch {
                                rng.fillGaussian(x)
                                for i in 0..<k { fields[i] = VectorKernels.dot(w0 + i * d, x0, count: d) * invSqrtD }
                                for n in 0..<m { fields[k + n] = VectorKernels.dot(t0 + n * d, x0, count: d) * invSqrtD }
                                if hasBiases {
                                    for i in 0..<k { fields[i] += bias[i] }
                                    for n in 0..<m { fields[k + n] += bStar[n] }
                                }
                                var prediction = 0.0, label = sigma * rng.nextGaussian()
                                for i in 0..<k { prediction += v[i] * g(fields[i]) }
                                for n in 0..<m { label += vStar[n] * gStar(fields[k + n]) }
                                let delta = label - prediction
                                guard delta.isFinite else {
                                    divergence = Divergence(time: Double(step) / dd, reason: "the prediction error became non-finite (\(delta)): the weights overflowed")
                                    return
                                }
                                for i in 0..<k { slope[i] = v[i] * gPrime(fields[i]) * delta }
                                if let baseB {
                                    // The biases' step, from v before the step (momentum: their velocity).
                                    let etaB = baseB * factor
                                    if velocity0 != nil, batch > 1 {
                                        for i in 0..<k { biasUpdate[i] = (b == 0 ? 0 : biasUpdate[i]) - perSample * slope[i] }
                                    } else if velocity0 != nil {
                                        for i in 0..<k {
                                            biasVelocity[i] = beta * biasVelocity[i] - slope[i]
                                            bias[i] -= etaB / dd * scalarScale * biasVelocity[i]
                                        }
                                    } else if batch > 1 {
                                        for i in 0..<k { biasUpdate[i] = (b == 0 ? 0 : biasUpdate[i]) + etaB / dd * perSample * slope[i] }
                                    } else {
                                        for i in 0..<k { bias[i] += etaB / dd * slope[i] }
                                    }
                                }
                                if velocity0 != nil, batch > 1 {
                                    // Momentum with a batch: the batch-mean gradients first (v, w before the step).
                                    for i in 0..<k { coefficients[i] = -invSqrtD * slope[i] }
                                    if baseV != nil {
                                        for i in 0..<k { secondLayerUpdate[i] = (b == 0 ? 0 : secondLayerUpdate[i]) - perSample * g(fields[i]) * delta }
                                    }
                                    for i in 0..<k {
                                        if b == 0 {
                                            VectorKernels.assign(u0! + i * d, x0, scaledBy: perSample * coefficients[i], count: d)
                                        } else {
                                            VectorKernels.scaleAdd(u0! + i * d, 1, x0, perSample * coefficients[i], count: d)
                                        }
                                    }
                                    continue
                                }
                                if let u0 = velocity0 {
                                    // Momentum (batch 1): the gradient enters the velocities, the velocities the weights.
                                    for i in 0..<k { coefficients[i] = -invSqrtD * slope[i] }
                                    if let baseV {
                                        let etaV = baseV * factor
                                        for i in 0..<k {
                                            secondLayerVelocity[i] = beta * secondLayerVelocity[i] - g(fields[i]) * delta
                                            v[i] -= etaV / dd * scalarScale * secondLayerVelocity[i]
                                        }
                                    }
                                    for i in 0..<k {
                                        let ui = u0 + i * d, wi = w0 + i * d
                                        VectorKernels.scaleAdd(ui, beta, x0, coefficients[i], count: d)
                                        if weightDecay != 0 { VectorKernels.scaleAdd(ui, 1, wi, weightDecay / dd, count: d) }
                                        VectorKernels.scaleAdd(wi, 1, ui, -velocityStep, count: d)
                                    }
                                    continue
                                }
                                for i in 0..<k { coefficients[i] = eta * invSqrtD * slope[i] }
                                if batch == 1 {
                                    if let baseV {
                                        let etaV = baseV * factor
                                        for i in 0..<k { v[i] += etaV / dd * g(fields[i]) * delta }
                                    }
                                    for i in 0..<k { VectorKernels.scaleAdd(w0 + i * d, shrink, x0, coefficients[i], count: d) }
                                    continue
                                }
                                // A batch: v and w stay those before the step until every sample's gradient is summed.
                                if let baseV {
                                    let etaV = baseV * factor
                                    for i in 0..<k { secondLayerUpdate[i] = (b == 0 ? 0 : secondLayerUpdate[i]) + etaV / dd * perSample * g(fields[i]) * delta }
                                }
                                for i in 0..<k {
                                    if b == 0 {
                                        VectorKernels.assign(u0! + i * d, x0, scaledBy: perSample * coefficients[i], count: d)
                                    } else {
                                        VectorKernels.scaleAdd(u0! + i * d, 1, x0, perSample * coefficients[i], count: d)
                                    }
                                }
                            }
                            if batch > 1, let baseB {
                                if velocity0 != nil {
                                    let etaB = baseB * factor
                                    for i in 0..<k {
                                        biasVelocity[i] = beta * biasVelocity[i] + biasUpdate[i]
                                        bias[i] -= etaB / dd * biasVelocity[i]
                                    }
                                } else {
                                    for i in 0..<k { bias[i] += biasUpdate[i] }
                                }
                            }
                            if batch > 1, let velocity0 {
                                // The batch-mean gradients enter the velocities, the velocities the weights.
                                if let baseV {
                                    let etaV = baseV * factor
                                    for i in 0..<k {
                                        secondLayerVelocity[i] = beta * secondLayerVelocity[i] + secondLayerUpdate[i]
                                        v[i] -= etaV / dd * secondLayerVelocity[i]
                                    }
                                }
                                for i in 0..<k {
                                    let ui = velocity0 + i * d, wi = w0 + i * d
                                    VectorKernels.scaleAdd(ui, beta, u0! + i * d, 1, count: d)
                                    if weightDecay != 0 { VectorKernels.scaleAdd(ui, 1, wi, weightDecay / dd, count: d) }
                                    VectorKernels.scaleAdd(wi, 1, ui, -velocityStep, count: d)
                                }
                            } else if batch > 1 {
                                for i in 0..<k { VectorKernels.scaleAdd(w0 + i * d, shrink, u0! + i * d, 1, count: d) }
                                if baseV != nil { for i in 0..<k { v[i] += secondLayerUpdate[i] } }
                            }
                            step += 1
                        }
                        var q = [Double](repeating: 0, count: k * k), r = [Double](repeating: 0, count: k * m)
                        for i in 0..<k {
                            for j in i..<k {
                                q[i * k + j] = VectorKernels.dot(w0 + i * d, w0 + j * d, count: d) / dd
                                q[j * k + i] = q[i * k + j]
                            }
                            for n in 0..<m { r[i * m + n] = VectorKernels.dot(w0 + i * d, t0 + n * d, count: d) / dd }
                        }
                        let state = CommitteeOrderParameters(studentUnits: k, teacherUnits: m, q: q, r: r, t: t, v: v, vStar: vStar,
                                                             b: bias, bStar: bStar)
                        let limit = bound ?? state.divergenceBound(noiseVariance: scenario.noiseVariance, factor: divergenceFactor)
                        bound = limit
                        let largest = state.largestStudentNorm
                        let nonFinite = !(q + r + v + bias).allSatisfy(\.isFinite)
                        if nonFinite || limit.isExceeded(by: largest) {
                            // The initial point is kept even when it is the one that diverged, so every seed has t = 0.
                            if states.isEmpty { states.append(state) }
                            divergence = Divergence(time: Double(step) / dd, reason: nonFinite ? "the order parameters became non-finite"
                                                    : limit.reason("a student norm Q_ii", value: largest))
                            return
                        }
                        states.append(state)
                        counter?.add(target - previous)
                        previous = target
                    }
                } } }
            }
        }
        return SeedRun(states: states, divergence: divergence)
    }
}

/// Order parameters of every seed on the output grid, with ensemble statistics.
public struct CommitteeSimulationResult: Sendable {
    /// The recorded steps and their times (possibly longer than `times`, the part every seed reached).
    public let grid: OutputGrid
    /// `states[seed][k]`, truncated at the first divergence of any seed.
    public let states: [[CommitteeOrderParameters]]
    /// The earliest divergence among seeds, if any.
    public let divergence: Divergence?

    init(grid: OutputGrid, runs: [CommitteeSimulator.SeedRun]) {
        self.grid = grid
        let length = runs.map(\.states.count).min() ?? 0
        states = runs.map { Array($0.states.prefix(length)) }
        divergence = runs.compactMap(\.divergence).min { $0.time < $1.time }
    }

    /// Given trajectories (`states[seed][k]`, of equal length) on `grid`.
    public init(grid: OutputGrid, states: [[CommitteeOrderParameters]], divergence: Divergence?) {
        self.grid = grid
        self.states = states
        self.divergence = divergence
    }

    /// Times reached by every seed.
    public var times: [Double] { Array(grid.times.prefix(states.first?.count ?? 0)) }

    /// The seed-averaged initial order parameters: the theory's starting point in a comparison.
    public var meanInitialState: CommitteeOrderParameters? {
        guard let first = states.first?.first else { return nil }
        let initial = states.map { $0[0] }
        func mean(_ path: KeyPath<CommitteeOrderParameters, [Double]>) -> [Double] {
            // Σ x/n rather than (Σ x)/n, so that a mean of values near the largest double does not overflow.
            (0..<first[keyPath: path].count).map { e in initial.reduce(0) { $0 + $1[keyPath: path][e] / Double(initial.count) } }
        }
        return CommitteeOrderParameters(
            studentUnits: first.studentUnits, teacherUnits: first.teacherUnits,
            q: mean(\.q), r: mean(\.r), t: mean(\.t), v: mean(\.v), vStar: first.vStar, b: mean(\.b), bStar: first.bStar)
    }

    /// Mean and standard error over seeds of every entry of a matrix-valued order parameter, one
    /// `EnsembleStatistics` per entry (row-major, as the matrix): `entryStatistics(of: \.r)[i * M + n].mean[k]` is
    /// the mean R_in at time k.
    public func entryStatistics(of matrix: KeyPath<CommitteeOrderParameters, [Double]>) -> [EnsembleStatistics] {
        guard let first = states.first?.first else { return [] }
        return first[keyPath: matrix].indices.map { e in statistics { $0[keyPath: matrix][e] } }
    }

    /// Statistics over seeds of a scalar function of the order parameters (e.g. ε_g of each network, or
    /// `{ $0.q[0] }`).
    public func statistics(of observable: (CommitteeOrderParameters) -> Double) -> EnsembleStatistics {
        EnsembleStatistics(seeds: states.map { $0.map(observable) })
    }
}
