import Foundation
import StatPhysSGD
import Testing

@Suite struct ResourceEstimateTests {
    static let sizes: [(String, Double)] = [
        ("4G", 4_294_967_296), ("512M", 536_870_912), ("1.5T", 1_649_267_441_664), ("1073741824", 1_073_741_824),
        ("1e9", 1e9), ("512MiB", 536_870_912), ("4gb", 4_294_967_296), ("2k", 2048),
    ]

    @Test(arguments: sizes)
    func memorySizesParse(text: String, bytes: Double) throws {
        #expect(try ResourceBudget.parseBytes(text) == bytes)
    }

    @Test(arguments: ["", "lots", "-1G", "0", "nan", "inf", "4X", "G", "1e-300", "9999999999999999999G", "1e300"])
    func badMemorySizesAreRefused(text: String) {
        #expect(throws: ResourceError.self) { try ResourceBudget.parseBytes(text) }
    }

    /// The DMFT estimate covers what the solver allocates: four packed triangles of (T+1)(T+2)/2 doubles, each
    /// rounded up to 2 MiB; memory grows like T², work like T³.
    @Test func dmftEstimateCoversItsHistoryAndScales() {
        for steps in [10, 2000, 30000] {
            let rows = Double(steps + 1), alignment = 2.0 * 1_048_576
            let triangles = 4 * (rows * (rows + 1) / 2 * 8 / alignment).rounded(.up) * alignment
            #expect(DMFTResources.theory(steps: steps).bytes >= triangles)
        }
        let small = DMFTResources.theory(steps: 20000), large = DMFTResources.theory(steps: 40000)
        #expect(abs(large.bytes / small.bytes - 4) < 0.05)
        #expect(abs(large.operations / small.operations - 8) < 0.01)
    }

    /// The committee's right-hand side grows like K⁴ (K²(K + M)² four-dimensional integrals).
    @Test func committeeCostGrowsLikeKToTheFourth() {
        func cost(_ k: Int) -> Double {
            CommitteeResources.rightHandSideOperations(studentUnits: k, teacherUnits: k, student: .erf, teacher: .erf, quadratureOrder: 15)
        }
        #expect(abs(cost(200) / cost(100) - 16) < 0.2)
        // Quadrature activations cost n⁴ per integral instead of a closed form.
        let tanh = CommitteeResources.rightHandSideOperations(studentUnits: 2, teacherUnits: 2, student: .tanh, teacher: .tanh, quadratureOrder: 15)
        #expect(tanh / cost(2) > 1000)
    }

    /// A computed schedule is charged before it is computed: greedy three theory solves, optimal per sweep (twice 40,
    /// for retries) a forward solve of two right-hand sides per step and the (4n + 2) right-hand sides of the Jacobian
    /// at each of 401 nodes, so a committee run that is quick with a given schedule can be warned about (or refused)
    /// with `optimal`.
    @Test func computedSchedulesAreChargedTheirSolves() {
        func theory(_ solves: Double) -> Double {
            CommitteeResources.experiment(studentUnits: 3, teacherUnits: 3, student: .tanh, teacher: .tanh, learningRate: 0.5, tMax: 100,
                                          points: 101, quadratureOrder: 15, simulation: nil, initialDimension: nil, theorySolves: solves).operations
        }
        let n = CommitteeResources.stateSize(studentUnits: 3, teacherUnits: 3), perSolve = CommitteeResources.evaluations(learningRate: 0.5, tMax: 100)
        func solves(greedy: Bool, optimal: Bool) -> Double {
            ComputedScheduleCost.theorySolves(greedy: greedy, optimal: optimal, stateDimension: n, evaluationsPerSolve: perSolve)
        }
        let greedy = solves(greedy: true, optimal: false), optimal = solves(greedy: true, optimal: true)
        #expect(n == 33 && perSolve == 1200)
        #expect(solves(greedy: false, optimal: false) == 1 && greedy == 3 && abs(optimal - (3 + 80 * (2 + 134 * 401 / 1200.0))) < 1e-9)
        #expect(abs(theory(optimal) / theory(1) - optimal) < 1e-9 * optimal)
        let estimate = CommitteeResources.experiment(studentUnits: 3, teacherUnits: 3, student: .tanh, teacher: .tanh, learningRate: 0.5,
                                                     tMax: 100, points: 101, quadratureOrder: 15, simulation: nil, initialDimension: nil,
                                                     theorySolves: optimal)
        #expect(estimate.detail.contains("3.7e+03 ODE solves"), "\(estimate.detail)")
    }

    /// A simulation's memory: three vectors of length d per running seed, at least.
    @Test func linearSimulationMemoryCoversItsVectors() {
        let scenario = try! LinearRegressionScenario(learningRate: 0.5)
        let experiment = LinearExperiment(scenario: scenario, tMax: 1, points: 11, simulation: .init(dimension: 1_000_000, seeds: 1))
        #expect(experiment.resourceEstimate.bytes >= 3 * 1_000_000 * 8)
        let operations = experiment.resourceEstimate.operations
        // 10⁶ steps of O(d) work each.
        #expect(operations >= 1e12 && operations < 1e14)
    }

    @Test func budgetRefusesWarnsOrAccepts() throws {
        let budget = ResourceBudget(maximumBytes: 1e9)
        #expect(throws: ResourceError.self) { try budget.check(ResourceEstimate(bytes: 2e9, operations: 1, detail: "x"), what: "run") }
        #expect(throws: ResourceError.self) { try budget.check(ResourceEstimate(bytes: .infinity, operations: 1, detail: "x"), what: "run") }
        #expect(throws: ResourceError.self) { try budget.check(ResourceEstimate(bytes: 1, operations: 1e30, detail: "x"), what: "run") }
        #expect(try budget.check(ResourceEstimate(bytes: 1e8, operations: 1e6, detail: "x"), what: "run") == nil)
        let warning = try budget.check(ResourceEstimate(bytes: 1e8, operations: 1e16, detail: "x"), what: "run")
        #expect(warning?.contains("estimated to take") == true)
    }

    /// The simulator stores its couplings only when the samples running at once fit the budget with them.
    @Test func couplingsAreStoredOnlyWhenTheyFit() throws {
        let problem = try SignalRecoveryProblem(alpha: 2, learningRate: 0.1, initialOverlap: 0.1, steps: 5)
        let couplings = DMFTResources.couplingBytes(alpha: 2, dimension: 100, precision: .double)
        #expect(couplings == 200 * 4950 * 8)
        let roomy = DMFTExperiment.Simulation(dimension: 100, seeds: 2, maxMemoryBytes: 1 << 34)
        let tight = DMFTExperiment.Simulation(dimension: 100, seeds: 2, maxMemoryBytes: Int(couplings) / 2)
        #expect(!roomy.couplingsOnTheFly(problem: problem))
        #expect(tight.couplingsOnTheFly(problem: problem))
    }

    /// Committee overlaps: symmetry and magnitude are checked with messages that say so.
    @Test func committeeScenarioNamesWhatIsWrong() {
        #expect(throws: ScenarioError.self) {
            try CommitteeScenario(studentUnits: 2, teacherUnits: 2, learningRate: 0.5,
                                  initialStudent: .overlaps(q: [1, 0.3, 0.2, 1], r: [0, 0, 0, 0]))
        }
        do {
            _ = try CommitteeScenario(studentUnits: 2, teacherUnits: 2, learningRate: 0.5,
                                      initialStudent: .overlaps(q: [1, 0.3, 0.2, 1], r: [0, 0, 0, 0]))
        } catch let error as ScenarioError {
            #expect(error.description.contains("symmetric") && !error.isOutOfRange)
        } catch { Issue.record("unexpected \(error)") }
        do {
            _ = try CommitteeScenario(studentUnits: 1, teacherUnits: 1, learningRate: 0.5, initialSecondLayer: [1e308])
        } catch let error as ScenarioError {
            #expect(error.description.contains("second layer") && error.isOutOfRange)
        } catch { Issue.record("unexpected \(error)") }
        do {
            _ = try CommitteeScenario(studentUnits: 1, teacherUnits: 1, learningRate: .infinity)
        } catch let error as ScenarioError {
            #expect(error.description.contains("finite") && error.isOutOfRange)
        } catch { Issue.record("unexpected \(error)") }
    }
}
