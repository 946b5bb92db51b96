import RealModule

/// Margin losses for labels y = ±1: ℓ(y, λ) = L(yλ), so ∂ℓ/∂λ = y L'(yλ).
///
/// Four are built in (`logistic`, `hinge`, `perceptron`, `square`); a custom one gives L, L' and its kinks
/// (`init(name:value:slope:kinks:)`), and then runs through the same theory, simulation, comparison and figures:
///
///     let exponential = ClassificationLoss(name: "exponential", value: { exp(-$0) }, slope: { -exp(-$0) })
///
/// The theory integrates the loss's slope over the Gaussian fields by adaptive Gauss–Kronrod quadrature, split at
/// the kinks, so a custom loss is as exact as a built-in one if its kinks are given. The closed forms that exist only
/// for the square loss (its steady state and critical learning rate) are not assumed for custom losses.
public struct ClassificationLoss: Sendable, Hashable, CustomStringConvertible {
    /// The built-in losses, and `custom` for a user's.
    public enum Family: String, Sendable, Hashable, CaseIterable {
        /// L(z) = log(1 + e^{−z}).
        case logistic
        /// L(z) = max(0, 1 − z).
        case hinge
        /// L(z) = max(0, −z) (Rosenblatt's rule: a step only on mistakes).
        case perceptron
        /// L(z) = ½(1 − z)² = ½(y − λ)².
        case square
        /// A loss given by its functions (`init(name:value:slope:kinks:)`).
        case custom
    }

    /// The loss's name, as written in settings and titles (the built-ins' is their family's raw value).
    public let name: String
    /// Which loss this is.
    public let family: Family
    /// Margins where L' jumps (the quadrature is split there).
    public let kinks: [Double]
    @usableFromInline let customValue: (@Sendable (Double) -> Double)?
    @usableFromInline let customSlope: (@Sendable (Double) -> Double)?

    /// L(z) = log(1 + e^{−z}).
    public static let logistic = ClassificationLoss(builtIn: .logistic, kinks: [])
    /// L(z) = max(0, 1 − z).
    public static let hinge = ClassificationLoss(builtIn: .hinge, kinks: [1])
    /// L(z) = max(0, −z) (Rosenblatt's rule: a step only on mistakes).
    public static let perceptron = ClassificationLoss(builtIn: .perceptron, kinks: [0])
    /// L(z) = ½(1 − z)² = ½(y − λ)².
    public static let square = ClassificationLoss(builtIn: .square, kinks: [])
    /// The built-in losses, in the order `named(_:)` lists them.
    public static let builtIn: [ClassificationLoss] = [.logistic, .hinge, .perceptron, .square]

    private init(builtIn family: Family, kinks: [Double]) {
        name = family.rawValue; self.family = family; self.kinks = kinks; customValue = nil; customSlope = nil
    }

    /// A custom margin loss L with derivative `slope` = L' (at a kink, either one-sided value: kinks have probability
    /// zero) and the margins `kinks` where L' jumps (non-finite entries dropped). L' must be bounded by a polynomial
    /// for the Gaussian expectations to exist.
    public init(name: String, value: @escaping @Sendable (Double) -> Double, slope: @escaping @Sendable (Double) -> Double,
                kinks: [Double] = []) {
        self.name = name
        family = .custom
        self.kinks = Array(Set(kinks.filter(\.isFinite))).sorted()
        customValue = value
        customSlope = slope
    }

    /// The built-in loss called `name` (case-insensitive).
    public static func named(_ name: String) throws -> ClassificationLoss {
        guard let loss = builtIn.first(where: { $0.name == name.lowercased() }) else {
            throw ActivationError("unknown loss '\(name)'; known: \(builtIn.map(\.name).joined(separator: ", "))")
        }
        return loss
    }

    /// The name (`logistic`, `hinge`, …, or a custom loss's), the name `named(_:)` reads back for the built-ins.
    public var description: String { name }

    /// L(z).
    @inlinable
    public func value(margin z: Double) -> Double {
        switch family {
        case .logistic: z > 0 ? Double.log(onePlus: Double.exp(-z)) : -z + Double.log(onePlus: Double.exp(z))
        case .hinge: max(0, 1 - z)
        case .perceptron: max(0, -z)
        case .square: 0.5 * (1 - z) * (1 - z)
        case .custom: customValue!(z)
        }
    }

    /// L'(z) (the right derivative at a kink is irrelevant: kinks have probability zero).
    @inlinable
    public func slope(margin z: Double) -> Double {
        switch family {
        case .logistic:
            if z >= 0 { let e = Double.exp(-z); return -e / (1 + e) }
            return -1 / (1 + Double.exp(z))
        case .hinge: return z < 1 ? -1 : 0
        case .perceptron: return z < 0 ? -1 : 0
        case .square: return z - 1
        case .custom: return customSlope!(z)
        }
    }

    /// Two losses are equal when they are the same built-in, or custom losses of the same name and kinks.
    public static func == (a: ClassificationLoss, b: ClassificationLoss) -> Bool {
        a.family == b.family && a.name == b.name && a.kinks == b.kinks
    }

    /// Hashes the family, name and kinks (what `==` compares).
    public func hash(into hasher: inout Hasher) {
        hasher.combine(family); hasher.combine(name); hasher.combine(kinks)
    }
}
