import Foundation
import GaussianIntegrals
@testable import OnlineTheory
import Scenarios
import Testing

@Suite struct CommitteePlainFormFloorTests {
    static func scenario(_ g: Activation) throws -> CommitteeScenario {
        try CommitteeScenario(studentUnits: 2, teacherUnits: 2, studentActivation: g, learningRate: 0.5,
                              initialStudent: .diagonal(q0: 0.5, r0: 0.3, studentUnits: 2, teacherUnits: 2))
    }

    /// The floor is honest: with the deviation form switched off, every ε_g the plain form still reports as resolved
    /// agrees with the deviation-form curve (an independent, cancellation-free route) to 1e-3, and the floor is not a
    /// blanket: the plain curve stays resolved down to at least 1e-10.
    @Test func plainErfCurveIsResolvedExactlyWhereItIsAccurate() throws {
        let scenario = try Self.scenario(.erf)
        let times = stride(from: 0.0, through: 1200, by: 10).map { $0 }
        let reference = try CommitteeTheory(scenario: scenario).solve(times: times).generalisationError
        var plain = CommitteeTheory(scenario: scenario)
        plain.switchesToDeviationForm = false
        let curve = try plain.solve(times: times).resolvedGeneralisationError
        var smallestResolved = Double.infinity
        for (index, value) in curve.enumerated() where !value.isNaN {
            #expect(abs(value - reference[index]) <= 1e-3 * reference[index],
                    "t = \(times[index]): plain \(value), deviation form \(reference[index])")
            smallestResolved = min(smallestResolved, value)
        }
        #expect(smallestResolved < 1e-10, "the plain erf curve should stay resolved to 1e-10 (smallest \(smallestResolved))")
        #expect(curve.last!.isNaN, "ε_g(1200) ≈ 1e-24 is far below what the plain form resolves")
    }

    /// ReLU (no deviation form): the plain curve stops decaying near 1e-13 and wanders; everything reported as resolved
    /// decreases monotonically, and the wandering is reported as unresolved (without the floor, the values
    /// 1.3e-13 … 1.9e-13 after t ≈ 200 were printed as results).
    @Test func reluCurveBelowThePlainFloorIsUnresolved() throws {
        let scenario = try Self.scenario(.relu)
        let times = stride(from: 0.0, through: 800, by: 10).map { $0 }
        let result = try CommitteeTheory(scenario: scenario).solve(times: times)
        let resolved = result.resolvedGeneralisationError
        var previous = Double.infinity
        for (index, value) in resolved.enumerated() where !value.isNaN {
            #expect(value < previous, "t = \(times[index]): ε_g \(value) after \(previous)")
            previous = value
        }
        #expect(resolved.last!.isNaN && result.generalisationErrorResolution.last! > 1e-12,
                "the plain ReLU floor: \(result.generalisationErrorResolution.last!), ε_g \(result.generalisationError.last!)")
        #expect(previous > 1e-13, "resolved down to \(previous)")
    }
}
