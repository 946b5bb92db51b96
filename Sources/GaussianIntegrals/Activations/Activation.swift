import RealModule

/// A hidden-unit activation g with its derivative g'.
///
/// erf(x/√2), ReLU and the identity have closed-form Gaussian integrals (`family` says which);
/// every other activation, including a user-supplied one, is integrated by quadrature. A piecewise-smooth
/// activation declares its `kinks` (the points where g or g' is not smooth, e.g. 0 for ReLU): quadrature then
/// splits every integral there (`KinkedGaussianQuadrature`) instead of running a smooth rule across them.
public struct Activation: Sendable, CustomStringConvertible {
    /// Activations whose Gaussian integrals we know in closed form, and `other` for the rest.
    public enum Family: String, Sendable, Hashable, Codable {
        /// `erf`: g(x) = erf(x/√2) (`ErfIntegrals`); `relu`: g(x) = max(0, x) (`ReLUIntegrals`); `linear`: g(x) = x
        /// (`LinearIntegrals`); `other`: no closed form, every integral by quadrature.
        case erf, relu, linear, other
    }

    /// The name used on the command line and in result files.
    public let name: String
    /// Which closed forms its Gaussian integrals have (`other`: none, as for tanh, sigmoid and user-supplied ones).
    public let family: Family
    /// g(x).
    public let function: @Sendable (Double) -> Double
    /// g'(x).
    public let derivative: @Sendable (Double) -> Double
    /// g''(x) where it is a function (not for ReLU); lets quadrature reduce I3 to two-dimensional integrals.
    public let secondDerivative: (@Sendable (Double) -> Double)?
    /// The one-dimensional rule its three- and four-dimensional integrals converge fastest with.
    public let quadratureRule: QuadratureRuleKind
    /// The points where g, g' or g'' jumps (ascending, finite): ReLU [0]; empty for smooth activations. Between
    /// them g and g' must be smooth (analytic for fast convergence).
    public let kinks: [Double]

    /// Gauss–Hermite is exact on polynomials and converges fast for integrands analytic in a wide strip around
    /// the real axis (sigmoid: poles at ±iπ); when the poles are close (tanh: ±iπ/2) it converges slowly and the
    /// Gaussian trapezoid rule (`GaussianTrapezoid`) is far more accurate at the same number of nodes.
    public enum QuadratureRuleKind: String, Sendable, Hashable {
        /// `gaussHermite`: Gauss–Hermite nodes (`GaussHermite`); `trapezoid`: the Gaussian trapezoid rule
        /// (`GaussianTrapezoid`).
        case gaussHermite, trapezoid
    }

    /// A user-supplied activation; its Gaussian integrals are computed by quadrature, split at `kinks` (the
    /// points where g or g' is not smooth; non-finite entries are dropped). For a piecewise activation,
    /// `secondDerivative` is the smooth part only: it is not used for integrals that need g'' across a kink.
    public init(name: String, function: @escaping @Sendable (Double) -> Double, derivative: @escaping @Sendable (Double) -> Double,
                secondDerivative: (@Sendable (Double) -> Double)? = nil, quadratureRule: QuadratureRuleKind = .gaussHermite,
                kinks: [Double] = []) {
        self.init(name: name, family: .other, function: function, derivative: derivative, secondDerivative: secondDerivative,
                  quadratureRule: quadratureRule, kinks: kinks)
    }

    init(name: String, family: Family, function: @escaping @Sendable (Double) -> Double, derivative: @escaping @Sendable (Double) -> Double,
         secondDerivative: (@Sendable (Double) -> Double)?, quadratureRule: QuadratureRuleKind = .gaussHermite, kinks: [Double] = []) {
        self.name = name
        self.family = family
        self.function = function
        self.derivative = derivative
        self.secondDerivative = secondDerivative
        self.quadratureRule = quadratureRule
        self.kinks = Array(Set(kinks.filter(\.isFinite))).sorted()
    }

    /// The activation's `name`.
    public var description: String { name }

    /// Whether I2, I3, I4, J2 and the generalisation error have closed forms for this activation.
    public var hasClosedForm: Bool { family != .other }

    /// g(x) = erf(x/√2), g'(x) = √(2/π) e^{−x²/2}.
    public static let erf = Activation(
        name: "erf", family: .erf,
        function: { Double.erf($0 * 0.5.squareRoot()) },
        derivative: { (2 / Double.pi).squareRoot() * Double.exp(-0.5 * $0 * $0) },
        secondDerivative: { -$0 * (2 / Double.pi).squareRoot() * Double.exp(-0.5 * $0 * $0) })

    /// g(x) = max(0, x), g'(x) = θ(x); a kink at 0.
    public static let relu = Activation(
        name: "relu", family: .relu, function: { max(0, $0) }, derivative: { $0 > 0 ? 1 : 0 }, secondDerivative: nil, kinks: [0])

    /// Whether g or g' has a kink (`kinks` not empty).
    public var isPiecewise: Bool { !kinks.isEmpty }

    /// g(x) = x.
    public static let linear = Activation(
        name: "linear", family: .linear, function: { $0 }, derivative: { _ in 1 }, secondDerivative: { _ in 0 })

    /// g(x) = tanh(x), g'(x) = 1 − tanh²(x), g''(x) = −2 tanh(x)(1 − tanh²(x)) (trapezoid quadrature).
    public static let tanh = Activation(
        name: "tanh", family: .other, function: { Double.tanh($0) },
        derivative: { let t = Double.tanh($0); return 1 - t * t },
        secondDerivative: { let t = Double.tanh($0); return -2 * t * (1 - t * t) }, quadratureRule: .trapezoid)

    /// g(x) = 1/(1 + e^{−x}), g'(x) = g(1 − g), g''(x) = g(1 − g)(1 − 2g) (quadrature).
    public static let sigmoid = Activation(
        name: "sigmoid", family: .other, function: { 1 / (1 + Double.exp(-$0)) },
        derivative: { let s = 1 / (1 + Double.exp(-$0)); return s * (1 - s) },
        secondDerivative: { let s = 1 / (1 + Double.exp(-$0)); return s * (1 - s) * (1 - 2 * s) })

    /// The built-in activations by name.
    public static let builtIn: [Activation] = [.erf, .relu, .linear, .tanh, .sigmoid]

    /// The built-in activation called `name` (case-insensitive).
    public static func named(_ name: String) throws -> Activation {
        guard let found = builtIn.first(where: { $0.name == name.lowercased() }) else {
            throw ActivationError(
                "unknown activation '\(name)'; known: \(builtIn.map(\.name).joined(separator: ", "))")
        }
        return found
    }
}

/// An activation that does not exist.
public struct ActivationError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The message, e.g. the unknown name and the known ones.
    public let description: String
    /// An error with the message `description`.
    public init(_ description: String) { self.description = description }
}
