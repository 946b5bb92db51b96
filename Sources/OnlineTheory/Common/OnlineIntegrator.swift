import ODEIntegration
import Scenarios

extension DormandPrince54 {
    /// This integrator for an online ODE of `optimiser`: the schedule's breakpoints in (0, `tEnd`) unless set, and,
    /// unless set, a starting step. With a relative error test a component that starts at exactly 0 (m(0) = q(0) = 0,
    /// or a covariance Σ(0) = 0) makes Hairer's starting-step heuristic return ~1e-300; start instead at 1e-4 of the
    /// fastest time scale, 1/(2τ(1+λ) + τ²/B) at τ = `startingRate` (+ 2γ, the velocity's relaxation rate with scaled
    /// momentum).
    func prepared(for optimiser: Optimiser, weightDecay: Double, upTo tEnd: Double, startingRate tau0: Double) -> DormandPrince54 {
        var integrator = self
        if integrator.breakpoints.isEmpty { integrator.breakpoints = optimiser.breakpoints(upTo: tEnd) }
        if integrator.initialStep == nil, tau0 > 0, tau0.isFinite {
            integrator.initialStep = 1e-4 / (2 * tau0 * (1 + weightDecay) + optimiser.noise(rate: tau0) + 2 * (optimiser.scaledMomentum ?? 0))
        }
        return integrator
    }
}
