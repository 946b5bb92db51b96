import Scenarios
import Testing

@Suite struct OptimiserTests {
    /// A rate outside (0, ∞) is one parameter out of its domain (status 64 on the command line), named as such.
    @Test(arguments: [0.0, -1, .nan, .infinity, -.infinity])
    func aRateOutsideItsDomainIsOutOfRange(_ rate: Double) {
        #expect {
            _ = try Optimiser(learningRate: rate)
        } throws: { error in
            guard let error = error as? ScenarioError else { return false }
            return error.isOutOfRange && error.description.contains("learning rate")
        }
    }

    /// Plain SGD: drift η and noise η² at every time, the same rate at every step.
    @Test func plainSGDHasTheConstantRateEverywhere() throws {
        let optimiser = try Optimiser(learningRate: 0.7)
        #expect(optimiser.isConstant)
        for t in [0.0, 0.5, 1e6] {
            #expect(optimiser.coefficients(at: t) == OptimiserCoefficients(drift: 0.7, noise: 0.7 * 0.7))
        }
        #expect(optimiser.rate(atStep: 12_345, dimension: 100) == 0.7)
    }

    /// Every scenario's learning rate is its optimiser's: the convenience initialisers build the same scenario.
    @Test func scenariosCarryTheOptimiser() throws {
        let optimiser = try Optimiser(learningRate: 0.3)
        #expect(try LinearRegressionScenario(optimiser: optimiser) == LinearRegressionScenario(learningRate: 0.3))
        #expect(try ClassifierScenario(loss: .logistic, optimiser: optimiser) == ClassifierScenario(loss: .logistic, learningRate: 0.3))
        let committee = try CommitteeScenario(studentUnits: 2, teacherUnits: 2, optimiser: optimiser)
        #expect(committee.optimiser == optimiser && committee.learningRate == 0.3)
    }
}
