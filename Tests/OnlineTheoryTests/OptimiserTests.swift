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

@Suite struct MomentumOptimiserTests {
    /// β outside [0, 1), γ outside (0, ∞), and both at once are out of range (status 64), named as such.
    @Test(arguments: [(1.0, nil), (-0.1, nil), (.nan, nil), (.infinity, nil), (0, 0.0), (0, -1), (0, .nan), (0, .infinity), (0.5, 2)] as [(Double, Double?)])
    func momentumOutsideItsDomainIsOutOfRange(beta: Double, gamma: Double?) {
        #expect {
            _ = try Optimiser(learningRate: 0.5, momentum: beta, scaledMomentum: gamma)
        } throws: { error in
            guard let error = error as? ScenarioError else { return false }
            return error.isOutOfRange && error.description.contains("momentum")
        }
    }

    /// Scaled momentum is derived for every model, a committee's trained second layer and biases included.
    @Test func scaledMomentumIsAcceptedByEveryModel() throws {
        let scaled = try Optimiser(learningRate: 0.5, scaledMomentum: 2)
        _ = try LinearRegressionScenario(optimiser: scaled)
        _ = try ClassifierScenario(loss: .logistic, optimiser: scaled)
        let committee = try CommitteeScenario(studentUnits: 2, teacherUnits: 2, optimiser: scaled, secondLayerLearningRate: 0.1,
                                              biasLearningRate: 0.1, teacherBiases: [0.5, 0])
        #expect(committee.optimiser.scaledMomentum == 2)
    }

    /// The velocity step of the simulators: (β, η) at fixed β, (1 − γ/d, ηγ/d) scaled; no velocity for plain SGD.
    @Test func velocityUpdates() throws {
        #expect(try !Optimiser(learningRate: 0.5).hasVelocity)
        let fixed = try Optimiser(learningRate: 0.5, momentum: 0.9)
        #expect(fixed.hasVelocity && fixed.velocityUpdate(atStep: 7, dimension: 100) == (0.9, 0.5))
        let scaled = try Optimiser(learningRate: 0.5, scaledMomentum: 2)
        #expect(scaled.hasVelocity && scaled.velocityUpdate(atStep: 7, dimension: 100) == (0.98, 0.01))
        #expect(scaled.coefficients(at: 1) == OptimiserCoefficients(drift: 0.5, noise: 0.25))
    }
}
