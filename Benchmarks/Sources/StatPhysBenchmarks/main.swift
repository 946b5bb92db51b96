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
    _ = try LinearRegressionSimulator(scenario: linear, dimension: 1000, seeds: 5, baseSeed: 1).run(times: hundredPoints)
})

print("benchmark".padding(toLength: 60, withPad: " ", startingAt: 0), "median      reference   speed-up")
for benchmark in suite where filter.map({ benchmark.name.contains($0) }) ?? true {
    let seconds = try benchmark.measure()
    var line = benchmark.name.padding(toLength: 60, withPad: " ", startingAt: 0) + " "
        + formatSeconds(seconds).padding(toLength: 12, withPad: " ", startingAt: 0)
    if let reference = benchmark.reference {
        line += formatSeconds(reference).padding(toLength: 12, withPad: " ", startingAt: 0)
        line += String(format: "%.0f×", reference / seconds)
    }
    print(line)
}
