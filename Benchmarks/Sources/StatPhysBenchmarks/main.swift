import Foundation
import StatPhysSGD

let filter = CommandLine.arguments.dropFirst().first
var suite: [Benchmark] = []

// Issue 2: online linear regression. References: the Python package on this 2-core machine.
let linear = try LinearRegressionScenario(learningRate: 0.5, noiseVariance: 0.1, weightDecay: 0.01, initialSelfOverlap: 0.1)
let hundredPoints = try TimeGrid.uniform(tMax: 10, points: 100)
suite.append(Benchmark("linear ODE, t = 10, 100 output points", reference: 23e-3, repetitions: 20) {
    _ = try LinearRegressionTheory(scenario: linear).solve(times: hundredPoints)
})
suite.append(Benchmark("linear simulation, d = 1000, 5 seeds × 10,000 steps", reference: 60) {
    _ = try LinearRegressionSimulator(scenario: linear, dimension: 1000, seeds: 5, seed: 1).run(times: hundredPoints)
})

// Linear classifiers (no reference code): the logistic ODE to t = 1000 and the simulation of the linear benchmark.
let logistic = try ClassifierScenario(loss: .logistic, learningRate: 0.5, flipProbability: 0.1, initialSelfOverlap: 0.1)
suite.append(Benchmark("classifier ODE, logistic with label flips, t = 1000, 200 log-spaced points", repetitions: 5) {
    _ = try ClassifierTheory(scenario: logistic).solve(times: try TimeGrid.logarithmic(tMax: 1000, points: 200))
})
suite.append(Benchmark("classifier simulation, logistic, d = 1000, 5 seeds × 10,000 steps", repetitions: 3) {
    _ = try ClassifierSimulator(scenario: logistic, dimension: 1000, seeds: 5, seed: 1).run(times: hundredPoints)
})

// Issue 3: committee machines. Reference: the Python package's K = M = 1 erf solve to t = 100 (670 ms).
func committee(_ k: Int, _ activation: Activation) throws -> CommitteeScenario {
    try CommitteeScenario(studentUnits: k, teacherUnits: k, studentActivation: activation, learningRate: 0.5,
                          initialStudent: .diagonal(q0: 0.2, r0: 1e-3, studentUnits: k, teacherUnits: k))
}
let erf1 = try committee(1, .erf), erf2 = try committee(2, .erf), erf4 = try committee(4, .erf), relu4 = try committee(4, .relu)
let thousand = try TimeGrid.uniform(tMax: 1000, points: 201)
suite.append(Benchmark("committee ODE, K = M = 1 erf, t = 100", reference: 0.670, repetitions: 10) {
    _ = try CommitteeTheory(scenario: erf1).solve(times: try TimeGrid.uniform(tMax: 100, points: 101))
})
suite.append(Benchmark("committee ODE, K = M = 2 erf, t = 1000", repetitions: 5) {
    _ = try CommitteeTheory(scenario: erf2).solve(times: thousand)
})
suite.append(Benchmark("committee ODE, K = M = 4 ReLU, t = 1000", repetitions: 3) {
    _ = try CommitteeTheory(scenario: relu4).solve(times: thousand)
})
// Quadrature (I4 by 15⁴ trapezoid nodes) all the way to perfect learning, where the state grazes the semidefinite boundary.
let tanh2 = try CommitteeScenario(studentUnits: 2, teacherUnits: 2, studentActivation: .tanh, learningRate: 0.5,
                                  initialStudent: .diagonal(q0: 0.5, r0: 0.05, studentUnits: 2, teacherUnits: 2))
suite.append(Benchmark("committee ODE, K = M = 2 tanh, t = 1000 (ε_g → 1e-12)", repetitions: 1) {
    _ = try CommitteeTheory(scenario: tanh2).solve(times: thousand)
})
/// `count` evaluations of the right-hand side of `scenario`'s ODE at its initial state.
func rightHandSideBenchmark(_ name: String, _ scenario: CommitteeScenario, count: Int, repetitions: Int) -> Benchmark {
    let start = scenario.specifiedInitialState!
    let ode = CommitteeODE(scenario: scenario, initial: start)
    let y = ode.layout.state(of: start)
    var dy = [Double](repeating: 0, count: y.count)
    return Benchmark("committee ODE right-hand side, \(name) (×\(count))", repetitions: repetitions) {
        for _ in 0..<count {
            y.withUnsafeBufferPointer { yb in dy.withUnsafeMutableBufferPointer { ode.evaluate(time: 0, state: yb, derivative: $0) } }
        }
    }
}
for (name, scenario) in [("erf", erf4), ("ReLU", relu4)] {
    suite.append(rightHandSideBenchmark("K = M = 4 \(name)", scenario, count: 1000, repetitions: 5))
}
// The optimiser extensions: a schedule with momentum (theory and simulation of the same scenario), and the right-hand
// side with biases (shifted fields: erf's I3 stays closed and I4 becomes a 64² planar integral) beside the plain one.
let scheduled = try CommitteeScenario(
    studentUnits: 2, teacherUnits: 2, studentActivation: .erf,
    optimiser: try Optimiser(learningRate: 0.25, schedule: try LearningRateSchedule(parsing: "inverse:50"), momentum: 0.5),
    noiseVariance: 0.01, initialStudent: .diagonal(q0: 0.5, r0: 0.3, studentUnits: 2, teacherUnits: 2))
suite.append(Benchmark("committee ODE, K = M = 2 erf, inverse:50 schedule, momentum 0.5, t = 1000", repetitions: 5) {
    _ = try CommitteeTheory(scenario: scheduled).solve(times: thousand)
})
suite.append(Benchmark("committee simulation, K = M = 2 erf, inverse:50 schedule, momentum 0.5, d = 2000, 5 seeds, t = 40", repetitions: 3) {
    _ = try CommitteeSimulator(scenario: scheduled, dimension: 2000, seeds: 5).run(times: try TimeGrid.uniform(tMax: 40, points: 41))
})
// The optimal schedule (Pontryagin sweeps from greedy) of the README's example: ε_g(100) = 0.00201.
do {
    let noisy = try CommitteeScenario(studentUnits: 2, teacherUnits: 2, learningRate: 1.5, noiseVariance: 0.05,
                                      initialStudent: .diagonal(q0: 0.5, r0: 0.2, studentUnits: 2, teacherUnits: 2))
    suite.append(Benchmark("committee optimal schedule, K = M = 2 erf, σ² = 0.05, t = 100", repetitions: 3) {
        _ = try CommitteeTheory(scenario: noisy).optimalSchedule(rateBounds: 0.01...1.5, tEnd: 100)
    })
}
do {
    let biased = try CommitteeScenario(
        studentUnits: 2, teacherUnits: 2, studentActivation: .erf, learningRate: 0.5,
        initialStudent: .diagonal(q0: 0.5, r0: 0.3, studentUnits: 2, teacherUnits: 2),
        biasLearningRate: 0.5, initialBiases: [0.1, -0.1], teacherBiases: [0.5, -0.3])
    suite.append(rightHandSideBenchmark("K = M = 2 erf with trained biases", biased, count: 100, repetitions: 3))
}
suite.append(Benchmark("committee simulation, K = M = 2 erf, d = 2000, 5 seeds, t = 40", repetitions: 3) {
    _ = try CommitteeSimulator(scenario: erf2, dimension: 2000, seeds: 5).run(times: try TimeGrid.uniform(tMax: 40, points: 41))
})

// Issue 4: DMFT. References: a NumPy version of the recursion on this machine (~10 s for T = 2000,
// 100–260 s for T = 3000); the simulator's GD step has no reference.
for steps in [2000, 3000, 5000] {
    let problem = try SignalRecoveryProblem(alpha: 3, learningRate: 0.1, batchFraction: 0.3, initialOverlap: 0.1, steps: steps)
    suite.append(Benchmark("DMFT, SGD b = 0.3, α = 3, T = \(steps)", reference: steps == 2000 ? 10 : steps == 3000 ? 100 : nil,
                           repetitions: steps == 5000 ? 1 : 3) {
        _ = DMFTSolver(problem: problem).solve()
    })
}
// Below the threshold the dynamics ages: the responses do not decay, no term can be skipped and a step reads the
// whole history (the O(T³) regime of the reference).
do {
    let problem = try SignalRecoveryProblem(alpha: 1.8, learningRate: 0.1, batchFraction: 0.3, initialOverlap: 0.01, steps: 2000)
    suite.append(Benchmark("DMFT, SGD b = 0.3, α = 1.8 (no recovery), T = 2000", reference: 10, repetitions: 3) {
        _ = DMFTSolver(problem: problem).solve()
    })
}
for precision in SimulationPrecision.allCases {
    let problem = try SignalRecoveryProblem(alpha: 3, learningRate: 0.1, initialOverlap: 0.1, steps: 10)
    var simulator = try SignalRecoverySimulator(problem: problem, dimension: 400, seeds: 1)
    simulator.precision = precision
    suite.append(Benchmark("simulator, N = 400, α = 3, 10 GD steps (\(precision.rawValue))", repetitions: 3) {
        _ = simulator.run()
    })
}

print("benchmark".padding(toLength: 66, withPad: " ", startingAt: 0), "median      reference   speed-up")
for benchmark in suite where filter.map({ benchmark.name.contains($0) }) ?? true {
    let seconds = try benchmark.measure()
    var line = benchmark.name.padding(toLength: 66, withPad: " ", startingAt: 0) + " "
        + formatSeconds(seconds).padding(toLength: 12, withPad: " ", startingAt: 0)
    if let reference = benchmark.reference {
        line += formatSeconds(reference).padding(toLength: 12, withPad: " ", startingAt: 0)
        line += String(format: "%.0f×", reference / seconds)
    }
    print(line)
}
