import Foundation
import StatPhysSGD
import Testing

/// The code of the DocC articles (Sources/StatPhysSGD/StatPhysSGD.docc), run as written there, with checks of what
/// the articles say it prints. When an article changes, change its example here too.
@Suite struct DocumentationExamplesTests {
    /// GettingStarted.md: the learning curve of noisy linear regression, against its closed form.
    @Test func gettingStarted() throws {
        let scenario = try LinearRegressionScenario(learningRate: 0.5, noiseVariance: 0.1)
        let theory = LinearRegressionTheory(scenario: scenario)
        let curve = try theory.solve(times: [0, 1, 2, 5, 10, 20])
        for (t, eg) in zip(curve.times, curve.generalisationError) {
            print("t = \(t)  ε_g = \(eg)")
        }
        // e_g(0) = ½(ρ − 2m + q) = ½ for the default m(0) = q(0) = 0, ρ = 1; within 10⁻⁴ of the steady state by t = 20.
        #expect(curve.generalisationError[0] == 0.5)
        let steady = try #require(scenario.steadyStateGeneralisationError(rho: 1))
        #expect(abs(curve.generalisationError.last! - steady) < 1e-4 * steady)
        let exact = theory.exactGeneralisationError(at: 5, from: theory.specifiedInitialState)
        #expect(abs(curve.generalisationError[3] - exact) < 1e-8 * exact)
    }

    /// TheoryAndSimulation.md: a committee machine, theory and simulation by hand, then as one experiment.
    @Test func theoryAndSimulation() throws {
        let scenario = try CommitteeScenario(
            studentUnits: 2, teacherUnits: 2, studentActivation: .erf,
            optimiser: try Optimiser(learningRate: 1),
            initialStudent: .diagonal(q0: 0.5, r0: 0.2, studentUnits: 2, teacherUnits: 2))
        let times = (0...10).map { Double($0) }

        // 1. The finite-d simulation: 8 seeds at d = 500, in parallel.
        let simulation = try CommitteeSimulator(scenario: scenario, dimension: 500, seeds: 8, seed: 1).run(times: times)
        // 2. The d → ∞ theory from the seeds' mean initial overlaps, on the simulation's grid (steps/d).
        let theory = CommitteeTheory(scenario: scenario)
        let curve = try theory.solve(times: simulation.grid.times, from: simulation.meanInitialState)
        // 3. Statistics over seeds of any function of the order parameters, and the comparison.
        let eg = simulation.statistics { theory.generalisationError($0) }
        let r = simulation.entryStatistics(of: \.r)   // one EnsembleStatistics per entry R_in
        let summary = ComparisonSummary(
            [("eg", curve.generalisationError, eg), ("R11", curve.states.map { $0.r[0] }, r[0])],
            seeds: 8, times: curve.times, theoryDiverged: nil, simulationDiverged: nil)
        print(summary.verdict, summary.comparisons.map(\.summaryLine))
        #expect(summary.verdict == .agrees, "\(summary.comparisons.map(\.summaryLine))")

        // The same as one experiment, which also aligns each seed's hidden units to the teacher's and writes files.
        let experiment = CommitteeExperiment(scenario: scenario, tMax: 10, points: 11, logarithmicGrid: false,
                                             simulation: SimulationSettings(dimension: 500, seeds: 8, seed: 1))
        let result = try experiment.run()
        #expect(result.comparisonSummary?.verdict == .agrees)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("docc-example-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let files = try Rasterizer.$isEnabled.withValue(false) { try result.write(to: directory, heatmapTimes: [0, 10]) }
        #expect(files.map(\.lastPathComponent).contains("result.json"))
    }

    /// README.md, "Using the library".
    @Test func readmeLibraryExample() throws {
        let scenario = try CommitteeScenario(studentUnits: 2, teacherUnits: 2, studentActivation: .erf,
                                             optimiser: try Optimiser(learningRate: 1),
                                             initialStudent: .diagonal(q0: 0.5, r0: 0.2, studentUnits: 2, teacherUnits: 2))
        let simulation = try CommitteeSimulator(scenario: scenario, dimension: 500, seeds: 8).run(times: (0...10).map(Double.init))
        let theory = CommitteeTheory(scenario: scenario)
        let curve = try theory.solve(times: simulation.grid.times, from: simulation.meanInitialState)
        let eg = simulation.statistics { theory.generalisationError($0) }   // mean and standard error over seeds
        #expect(eg.count == curve.times.count)
        for k in eg.mean.indices { #expect(abs(eg.mean[k] - curve.generalisationError[k]) < 6 * eg.standardError[k] + 1e-3) }
    }

    /// CustomODESystems.md: an `ODESystem` of one's own, solved by the adaptive integrator.
    @Test func customODESystem() throws {
        /// Logistic growth dx/dt = r x (1 − x), solution x(t) = 1/(1 + (1/x₀ − 1) e^(−rt)).
        struct LogisticGrowth: ODESystem {
            var rate: Double
            var dimension: Int { 1 }
            func evaluate(time: Double, state: UnsafeBufferPointer<Double>, derivative: UnsafeMutableBufferPointer<Double>) {
                derivative[0] = rate * state[0] * (1 - state[0])
            }
        }
        let integrator = DormandPrince54(relativeTolerance: 1e-10, absoluteTolerance: 1e-12)
        let solution = try integrator.solve(LogisticGrowth(rate: 2), initialState: [0.01], outputTimes: [0, 1, 2, 5])
        let x = solution.component(0)
        let exact = solution.times.map { 1 / (1 + (1 / 0.01 - 1) * exp(-2 * $0)) }
        #expect(zip(x, exact).allSatisfy { abs($0 - $1) < 1e-8 })
        #expect(solution.statistics.evaluations > 0)

        let closure = ClosureSystem(dimension: 1) { _, y, dy in dy[0] = -y[0] }
        let decay = try integrator.solve(closure, initialState: [1], outputTimes: [0, 1])
        #expect(abs(decay.component(0)[1] - exp(-1)) < 1e-9)
    }

    /// CustomActivations.md: a committee with an activation of one's own, integrated by quadrature.
    @Test func customActivation() throws {
        // erf(x/√2) written as a custom activation: its integrals by quadrature must equal the closed forms.
        let custom = Activation(name: "my-erf", function: { erf($0 / 2.0.squareRoot()) },
                                derivative: { (2 / Double.pi).squareRoot() * exp(-$0 * $0 / 2) })
        func scenario(_ g: Activation) throws -> CommitteeScenario {
            try CommitteeScenario(studentUnits: 1, teacherUnits: 1, studentActivation: g,
                                  optimiser: try Optimiser(learningRate: 0.5),
                                  initialStudent: .diagonal(q0: 0.5, r0: 0.1, studentUnits: 1, teacherUnits: 1))
        }
        let times = [0.0, 1, 2]
        let byQuadrature = try CommitteeTheory(scenario: scenario(custom)).solve(times: times)
        let closedForm = try CommitteeTheory(scenario: scenario(.erf)).solve(times: times)
        for (a, b) in zip(byQuadrature.generalisationError, closedForm.generalisationError) {
            #expect(abs(a - b) < 1e-5 * b, "\(a) vs \(b)")
        }
        // A kinked activation says where its kinks are, so that every integral is split there.
        let leaky = Activation(name: "leaky-relu", function: { $0 > 0 ? $0 : 0.1 * $0 },
                               derivative: { $0 > 0 ? 1 : 0.1 }, kinks: [0])
        #expect(leaky.isPiecewise)
        _ = try CommitteeTheory(scenario: scenario(leaky)).solve(times: [0, 1, 2])
    }

    /// CustomActivations.md, "Custom margin losses": theory and simulation of a classifier with a loss of one's own.
    @Test func customLoss() throws {
        // The squared hinge L(z) = max(0, 1 − z)².
        let squaredHinge = ClassificationLoss(name: "squared-hinge", value: { max(0, 1 - $0) * max(0, 1 - $0) },
                                              slope: { -2 * max(0, 1 - $0) }, kinks: [1])
        let classifier = try ClassifierScenario(loss: squaredHinge, learningRate: 0.25)
        let theory = try ClassifierTheory(scenario: classifier).solve(times: [0, 1, 2, 4])
        #expect(theory.classificationError.last! < theory.classificationError.first!)
        let experiment = ClassifierExperiment(scenario: classifier, tMax: 4, points: 9,
                                              simulation: SimulationSettings(dimension: 400, seeds: 8, seed: 2))
        let result = try experiment.run()
        #expect(result.comparisonSummary?.verdict == .agrees, "\(result.comparisonSummary?.comparisons.map(\.summaryLine) ?? [])")
    }

    /// PlottingYourOwnData.md: a figure of one's own data, with the SVG, JSON and matplotlib script.
    @Test func plottingYourOwnData() throws {
        let t = (0...50).map { Double($0) * 0.2 }
        let theory = t.map { 0.5 * exp(-$0) + 0.01 }
        let measured = stride(from: 0, to: t.count, by: 5).map { theory[$0] * 1.02 }
        let errors = measured.map { 0.05 * $0 }
        let panel = Panel(xLabel: "t", yLabel: "ε_g", yScale: .log, series: [
            .line("theory", x: t, y: theory),
            .points("simulation", x: stride(from: 0, to: t.count, by: 5).map { t[$0] }, y: measured, yError: errors),
        ])
        let figure = Figure(panels: [panel], title: "My learning curve")
        let svg = figure.svg()
        #expect(svg.hasPrefix("<svg") || svg.hasPrefix("<?xml"))
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("docc-plot-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let files = try Rasterizer.$isEnabled.withValue(false) { try figure.write(to: directory, name: "curve") }
        #expect(Set(files.map(\.lastPathComponent)) == ["curve.svg", "curve.figure.json", "curve.py"])
        let decoded = try Figure(jsonData: Data(contentsOf: directory.appendingPathComponent("curve.figure.json")))
        #expect(decoded.panels[0].series.count == 2)
    }
}
