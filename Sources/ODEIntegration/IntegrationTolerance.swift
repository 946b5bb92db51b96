/// The error tolerances of an adaptive integration (`DormandPrince54`): a step is accepted when the RMS over the
/// components of errᵢ / (atol + rtol·|yᵢ|) is at most 1, so rtol bounds the relative and atol the absolute local
/// error of every component.
public struct IntegrationTolerance: Sendable, Hashable, CustomStringConvertible {
    /// rtol.
    public let relative: Double
    /// atol.
    public let absolute: Double

    /// Relative tolerances below this are under the rounding of the right-hand sides in double precision: the error
    /// estimate is then rounding noise and the step size collapses, so they are refused.
    public static let smallestRelative = 1e-14
    /// Larger relative tolerances let the integrator step past the dynamics (no digit is correct).
    public static let largestRelative = 0.1

    /// Throws `ODEError.invalidSettings` unless rtol ∈ [1e-14, 0.1] and atol ∈ [0, 1], both finite.
    public init(relative: Double, absolute: Double) throws {
        guard relative.isFinite, relative >= Self.smallestRelative, relative <= Self.largestRelative else {
            throw ODEError.invalidSettings("the relative tolerance must be between \(Self.smallestRelative) and \(Self.largestRelative), got \(relative)")
        }
        guard absolute.isFinite, absolute >= 0, absolute <= 1 else {
            throw ODEError.invalidSettings("the absolute tolerance must be between 0 and 1, got \(absolute)")
        }
        self.relative = relative
        self.absolute = absolute
    }

    /// The two tolerances, "rtol …, atol …".
    public var description: String { "rtol \(relative), atol \(absolute)" }
}

extension DormandPrince54 {
    /// An integrator with these tolerances.
    public init(tolerance: IntegrationTolerance) {
        self.init(relativeTolerance: tolerance.relative, absoluteTolerance: tolerance.absolute)
    }

    /// Its tolerances (as set; `solve` checks them).
    public var tolerance: (relative: Double, absolute: Double) { (relativeTolerance, absoluteTolerance) }
}
