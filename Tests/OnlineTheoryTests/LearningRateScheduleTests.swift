import Foundation
import ODEIntegration
import OnlineTheory
import Scenarios
import Testing

@Suite struct LearningRateScheduleTests {
    /// The factors of the built-in kinds at a few times, against the formulas.
    @Test func factorsFollowTheirFormulas() throws {
        let inverse = try LearningRateSchedule.inverse(timeScale: 4)
        #expect(inverse.factor(at: 0) == 1 && inverse.factor(at: 4) == 0.5 && inverse.factor(at: 12) == 0.25)
        let power = try LearningRateSchedule.power(timeScale: 2, exponent: 1.5)
        #expect(abs(power.factor(at: 6) - pow(4, -1.5)) < 1e-15)
        let step = try LearningRateSchedule.step(every: 3, factor: 0.5)
        #expect(step.factor(at: 2.999) == 1 && step.factor(at: 3) == 0.5 && step.factor(at: 8.5) == 0.25)
        let cosine = try LearningRateSchedule.cosine(end: 10)
        #expect(cosine.factor(at: 0) == 1 && abs(cosine.factor(at: 5) - 0.5) < 1e-15 && cosine.factor(at: 10) == 0 && cosine.factor(at: 99) == 0)
        let custom = LearningRateSchedule.custom(name: "half-after-1", breakpoints: [1]) { $0 < 1 ? 1 : 0.5 }
        #expect(custom.factor(at: 2) == 0.5 && custom.description == "half-after-1" && custom.breakpoints(in: 0...5) == [1])
        #expect(LearningRateSchedule.constant.isConstant && !inverse.isConstant && !step.isConstant && !cosine.isConstant)
        #expect(try LearningRateSchedule.step(every: 1, factor: 1).isConstant)
    }

    /// A step schedule jumps exactly at the breakpoints it lists, as floating-point numbers: the new factor from each
    /// k·EVERY on, the old one just below it (what the integrator's restart relies on), for an EVERY that is not
    /// representable (0.1) over 10⁴ steps.
    @Test func stepFactorJumpsExactlyAtItsBreakpoints() throws {
        let schedule = try LearningRateSchedule.step(every: 0.1, factor: 0.999)
        let points = schedule.breakpoints(in: 0...1000)
        #expect(points.count == 9999)
        for (k, b) in points.enumerated() {
            #expect(schedule.factor(at: b) == pow(0.999, Double(k + 1)))
            #expect(schedule.factor(at: b.nextDown) == pow(0.999, Double(k)))
        }
        #expect(schedule.breakpointCount(upTo: 1000) == 9999)
        #expect(try LearningRateSchedule.cosine(end: 3).breakpoints(in: 0...5) == [3])
        #expect(try LearningRateSchedule.inverse(timeScale: 3).breakpoints(in: 0...5).isEmpty)
    }

    /// SPECs read back to the schedule they describe, and its description is the SPEC.
    @Test(arguments: ["constant", "inverse:10", "power:2:0.75", "step:5:0.5", "cosine:100", "step:0.25:2"])
    func specsRoundTrip(_ spec: String) throws {
        let schedule = try LearningRateSchedule(parsing: spec)
        #expect(schedule.description == spec)
        #expect(try LearningRateSchedule(parsing: schedule.description) == schedule)
    }

    /// Bad SPECs are out of range (status 64 on the command line) and say what is wrong.
    @Test(arguments: [
        ("inverse:0", "T0 must be positive"), ("power:1", "power takes 2"), ("step:1:-2", "FACTOR must be positive"),
        ("cosine:nan", "TEND must be a finite number"), ("foo", "unknown learning-rate schedule"), ("", "unknown"),
        ("inverse:abc", "T0 must be a number"), ("power:1:0", "P must be positive"), ("step:0:0.5", "EVERY must be positive"),
        ("step:1:inf", "FACTOR must be a finite number"), ("constant:1", "constant takes 0"), ("inverse:1:2", "inverse takes 1"),
    ])
    func badSpecsAreOutOfRange(_ spec: String, _ message: String) {
        #expect {
            _ = try LearningRateSchedule(parsing: spec)
        } throws: { error in
            guard let error = error as? ScenarioError else { return false }
            return error.isOutOfRange && error.description.contains(message)
        }
    }

    /// The optimiser's coefficients follow the schedule (drift η(t), noise η(t)²), per step at t = n/d; closed forms are off.
    @Test func optimiserCoefficientsFollowTheSchedule() throws {
        let optimiser = try Optimiser(learningRate: 0.8, schedule: try .inverse(timeScale: 2))
        #expect(!optimiser.isConstant)
        let c = optimiser.coefficients(at: 2)
        #expect(abs(c.drift - 0.4) < 1e-15 && abs(c.noise - 0.16) < 1e-15 && c.noise == c.drift * c.drift)
        #expect(abs(optimiser.rate(atStep: 300, dimension: 100) - 0.8 / 2.5) < 1e-15)
        #expect(optimiser.peakRate(upTo: 10) == 0.8)
        #expect(try Optimiser(learningRate: 1, schedule: .step(every: 1, factor: 2)).peakRate(upTo: 3.5) == 8)
        let scenario = try LinearRegressionScenario(optimiser: optimiser, noiseVariance: 0.1)
        #expect(scenario.steadyState(rho: 1) == nil && scenario.steadyStateGeneralisationError(rho: 1) == nil)
        #expect(LinearRegressionTheory(scenario: scenario).relaxationRate == nil)
    }

    /// The known limit of an inverse-time schedule (λ = 0, noise σ²). With η = η₀/(1 + t/T0) = c/s, c = η₀T0, s = T0 + t,
    /// de/dt = −η(2 − η)e + η²σ²/2 has the late solution e = A/s + B/s² + C/s³ + …: the 1/s² terms give
    /// −A = −2cA + c²σ²/2, so A = c²σ²/(2(2c − 1)) for c > ½; then B(2c − 2) = c²A, C(2c − 3) = c²B, and the
    /// homogeneous part decays like s^(−2c). So t·e = (s − T0)e = A + (B − T0A)/s + O(1/s²): with two large times the
    /// 1/s term is eliminated, A ≈ (s₂X₂ − s₁X₁)/(s₂ − s₁) with X = t·e, to O(1/(s₁s₂)) ≈ 1e-8 relative. c = 2.5 keeps
    /// the homogeneous part (t·e ∝ s^(−4)) far below that (with c near 1 its s^(1−2c) would mimic a slow correction).
    @Test func inverseTimeScheduleReachesItsKnownLimit() throws {
        let (eta0, t0, sigma2) = (0.5, 5.0, 0.5)  // c = 2.5
        let c = eta0 * t0, limit = c * c * sigma2 / (2 * (2 * c - 1))
        let scenario = try LinearRegressionScenario(
            optimiser: try Optimiser(learningRate: eta0, schedule: .inverse(timeScale: t0)), noiseVariance: sigma2)
        let (t1, t2) = (1e4, 2e4)
        let solution = try LinearRegressionTheory(scenario: scenario).solve(times: [0, t1, t2])
        let x1 = t1 * solution.generalisationError[1], x2 = t2 * solution.generalisationError[2]
        let (s1, s2) = (t0 + t1, t0 + t2)
        let extrapolated = (s2 * x2 - s1 * x1) / (s2 - s1)
        #expect(abs(extrapolated / limit - 1) < 1e-6, "extrapolated \(extrapolated), limit \(limit)")
        // The approach itself is the predicted 1/s: X − A = (B − T0A)/s with B = c²A/(2c − 2), to 1%.
        let predicted = (c * c * limit / (2 * c - 2) - t0 * limit)
        for (x, s) in [(x1, s1), (x2, s2)] {
            #expect(abs((x - limit) * s / predicted - 1) < 0.01, "(X − A)·s = \((x - limit) * s), predicted \(predicted)")
        }
    }

    /// A step schedule's ODE solution is the composition of the exact constant-rate solutions (matrix exponentials) of
    /// its pieces, to 1e-8 relative at every output time, including the breakpoints themselves and times just after
    /// them: the integrator restarts at each jump (`DormandPrince54.breakpoints`).
    @Test func stepScheduleMatchesTheExactPiecewiseSolution() throws {
        let (every, ratio, eta0) = (0.7, 0.6, 1.5)
        let base = try LinearRegressionScenario(learningRate: eta0, noiseVariance: 0.3, weightDecay: 0.1, initialOverlap: 0.1, initialSelfOverlap: 0.2)
        var scheduled = base
        scheduled.optimiser.schedule = try .step(every: every, factor: ratio)
        let times = (0...50).map { Double($0) * 0.1 } + [0.7001, 2.1 + 1e-9, 4.9 + 1e-6].sorted()
        let grid = Array(Set(times)).sorted()
        let solution = try LinearRegressionTheory(scenario: scheduled).solve(times: grid)
        #expect(solution.times == grid && solution.divergence == nil)
        /// Exact: from the start, piece k (rate η₀·ratio^k on [k·EVERY, (k+1)·EVERY)) by its own matrix exponential.
        func exact(at t: Double) throws -> (m: Double, q: Double, e: Double) {
            var state = LinearOrderParameters(m: 0.1, q: 0.2, rho: 1), e = state.generalisationError, start = 0.0, k = 0
            while start < t {
                let end = min(t, Double(k + 1) * every)
                var piece = base
                piece.learningRate = eta0 * pow(ratio, Double(k))
                let theory = LinearRegressionTheory(scenario: piece)
                let next = theory.exactSolution(at: end - start, from: state)
                e = theory.exactGeneralisationError(at: end - start, from: state, initialError: e)
                (state, start, k) = (next, end, k + 1)
            }
            return (state.m, state.q, e)
        }
        for (index, t) in grid.enumerated() {
            let expected = try exact(at: t)
            #expect(abs(solution.m[index] / expected.m - 1) < 1e-8 || t == 0, "m at t = \(t)")
            #expect(abs(solution.q[index] / expected.q - 1) < 1e-8, "q at t = \(t)")
            #expect(abs(solution.generalisationError[index] / expected.e - 1) < 1e-8, "e_g at t = \(t)")
        }
    }

    /// Divergence with a schedule is judged by the peak rate: a rate that starts above τ_c = 2 and decays (inverse:0.1
    /// from 5) only diverges if e_g grows past the bound before η(t) falls below τ_c; a rising step schedule that
    /// crosses τ_c diverges after the crossing, and the reason names the scheduled rate.
    @Test func divergenceIsJudgedByTheScheduledRate() throws {
        let rising = try LinearRegressionScenario(
            optimiser: try Optimiser(learningRate: 1, schedule: .step(every: 2, factor: 2.5)), noiseVariance: 0.1, initialSelfOverlap: 0.1)
        let diverged = try LinearRegressionTheory(scenario: rising).solve(times: (0...100).map { Double($0) * 0.5 })
        let divergence = try #require(diverged.divergence)
        #expect(divergence.time > 2 && divergence.reason.contains("scheduled learning rate") && divergence.reason.contains("step:2:2.5"))
        // Above τ_c only briefly: e_g grows by e^{∫(η² − 2η)dt} ≪ 10⁶, then decays; no divergence.
        let brief = try LinearRegressionScenario(
            optimiser: try Optimiser(learningRate: 2.5, schedule: .inverse(timeScale: 1)), noiseVariance: 0.1, initialSelfOverlap: 0.1)
        let survived = try LinearRegressionTheory(scenario: brief).solve(times: [0, 1, 10, 100])
        #expect(survived.divergence == nil && survived.generalisationError.last! < 0.05)
    }
}
