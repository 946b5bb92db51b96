import RealModule

/// Margin losses for labels y = ±1: ℓ(y, λ) = L(yλ), so ∂ℓ/∂λ = y L'(yλ).
public enum ClassificationLoss: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
    /// L(z) = log(1 + e^{−z}).
    case logistic
    /// L(z) = max(0, 1 − z).
    case hinge
    /// L(z) = max(0, −z) (Rosenblatt's rule: a step only on mistakes).
    case perceptron
    /// L(z) = ½(1 − z)² = ½(y − λ)².
    case square

    /// The loss called `name` (case-insensitive).
    public static func named(_ name: String) throws -> ClassificationLoss {
        guard let loss = ClassificationLoss(rawValue: name.lowercased()) else {
            throw ActivationError("unknown loss '\(name)'; known: \(allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return loss
    }

    public var description: String { rawValue }

    /// L(z).
    @inlinable
    public func value(margin z: Double) -> Double {
        switch self {
        case .logistic: z > 0 ? Double.log(onePlus: Double.exp(-z)) : -z + Double.log(onePlus: Double.exp(z))
        case .hinge: max(0, 1 - z)
        case .perceptron: max(0, -z)
        case .square: 0.5 * (1 - z) * (1 - z)
        }
    }

    /// L'(z) (the right derivative at a kink is irrelevant: kinks have probability zero).
    @inlinable
    public func slope(margin z: Double) -> Double {
        switch self {
        case .logistic:
            if z >= 0 { let e = Double.exp(-z); return -e / (1 + e) }
            return -1 / (1 + Double.exp(z))
        case .hinge: return z < 1 ? -1 : 0
        case .perceptron: return z < 0 ? -1 : 0
        case .square: return z - 1
        }
    }

    /// Margins where L' jumps.
    public var kinks: [Double] {
        switch self {
        case .hinge: [1]
        case .perceptron: [0]
        case .logistic, .square: []
        }
    }
}
