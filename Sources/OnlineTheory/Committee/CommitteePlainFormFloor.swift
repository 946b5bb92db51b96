import Scenarios

/// The smallest ε_g a plain-form trajectory (`CommitteeODE`, O(1) state Q, R, v) resolves to 1e-3 relative near
/// perfect learning, where no deviation form (`CommitteeDeviationODE`) exists: ReLU, K ≠ M, smooth activations
/// without closed forms at K + M > 4.
///
/// Near perfect learning ε_g is carried by the difference variances V_j = Var(λ_j − σ_j u_p) = C_jj − 2σ_jC_jp + C_pp
/// of the partnered units (`CommitteeGeneralisationError`), and their drift dV_j/dt = F_jj − 2σ_jF_jp + F_pp is
/// a sum of O(1) terms of the plain right-hand side F cancelling to O(ε_g). Its rounding noise σ_F stays of order
/// ε_mach × the terms while the drift shrinks with ε_g, so the trajectory follows the dynamics to 1e-3 only while
///
///     ε_g ≥ floor = 10³ · ε_g(y) · σ_F / |Σ_j dV_j/dt|,
///
/// an estimate at state y that holds for every later ε_g (the ratio ε_g/|dV/dt| is the relaxation time). σ_F is
/// measured, not assumed: F is evaluated at y perturbed by ±4 ε_mach relative in every component (six deterministic
/// patterns), and σ_F is the spread of Σ_j dV_j/dt. Below the floor the plain curve (ReLU K = M = 2: ε_g wanders
/// around 1.5e-13) is rounding, and `CommitteeTheory` reports it as unresolved.
struct CommitteePlainFormFloor {
    let ode: CommitteeODE
    static let relativeAccuracy = 1e-3

    /// The floor at plain state `y` with order parameters `state` and ε_g `error`; 0 when some student unit has no
    /// partner (not yet near perfect learning) or the drift vanishes.
    func floor(_ y: [Double], time: Double, state: CommitteeOrderParameters, error: Double) -> Double {
        let k = state.studentUnits, m = state.teacherUnits
        let layout = ode.layout
        let partners = CommitteeGeneralisationError(integrals: ode.integrals).findPartners(state.fieldCovariance, k: k, m: m)
        guard error > 0, partners.allSatisfy({ $0 != nil }) else { return 0 }
        /// The index in y of covariance entry (a, b), nil for the teacher block (constant).
        func index(_ a: Int, _ b: Int) -> Int? {
            if a < k && b < k { return layout.qIndex(a, b) }
            if a < k { return layout.rIndex(a, b - k) }
            if b < k { return layout.rIndex(b, a - k) }
            return nil
        }
        func drift(_ point: [Double]) -> Double {
            var f = [Double](repeating: 0, count: point.count)
            point.withUnsafeBufferPointer { p in f.withUnsafeMutableBufferPointer { ode.evaluate(time: time, state: p, derivative: $0) } }
            func rate(_ a: Int, _ b: Int) -> Double { index(a, b).map { f[$0] } ?? 0 }
            var sum = 0.0
            for j in 0..<k {
                let (p, sign) = partners[j]!
                sum += rate(j, j) - 2 * sign * rate(j, p) + rate(p, p)
            }
            return sum
        }
        let centre = drift(y)
        var spread = 0.0
        for pattern in 1...6 {
            let perturbed = y.indices.map { i -> Double in
                let u = Double((i * 7 + pattern * 13) % 9) / 4 - 1  // in [−1, 1], deterministic
                return y[i] * (1 + 4 * Double.ulpOfOne * u)
            }
            spread = max(spread, abs(drift(perturbed) - centre))
        }
        guard centre != 0, centre.isFinite, spread.isFinite else { return 0 }
        return error * spread / abs(centre) / Self.relativeAccuracy
    }
}
