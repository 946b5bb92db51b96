import Foundation

/// What a sweep assembles from its points besides its table: `"summary"` in a sweep file. The short-hands
/// `online committee-sweep` and `dmft threshold` are sweeps with a summary.
public enum SweepSummaryKind: String, Sendable, CaseIterable, CustomStringConvertible {
    /// ε_g(t_max) of an online command over `lr` (and `noise`): `final_error.json` and `final_error.svg`.
    case finalError = "final-error"
    /// The DMFT's relaxation step over `alpha` (and `batch`) with the fitted threshold τ = τ0 (α − α*(b))^(−ν):
    /// `threshold.json`, `relaxation.svg` and `threshold.svg`.
    case threshold

    /// The name a sweep file's `"summary"` gives the kind (`final-error`, `threshold`).
    public var description: String { rawValue }

    /// The axis every point must have, and the others it may have.
    var axes: (required: String, optional: Set<String>) {
        switch self {
        case .finalError: ("lr", ["noise"])
        case .threshold: ("alpha", ["batch"])
        }
    }

    /// The file names the summary writes (without the figures' companions).
    public var fileNames: [String] {
        switch self {
        case .finalError: ["final_error.json", "final_error.svg"]
        case .threshold: ["threshold.json", "relaxation.svg", "threshold.svg"]
        }
    }

    /// Throws (out of range) unless `command` is the kind of command this summary reads and `axes` are its axes.
    func check(command: [String], axes: [String]) throws {
        switch self {
        case .finalError:
            guard command.count >= 2, command[0] == "online", ["linear", "classifier", "committee"].contains(command[1]),
                  command.count == 2 || command[2] == "run" || command[2].hasPrefix("-") else {
                throw SweepError.invalid("the summary \"final-error\" reads runs of online linear, online classifier or online committee; the command is '\(command.joined(separator: " "))'")
            }
        case .threshold:
            guard command.first == "dmft", command.count == 1 || command[1] == "run" || command[1].hasPrefix("-") else {
                throw SweepError.invalid("the summary \"threshold\" reads runs of dmft; the command is '\(command.joined(separator: " "))'")
            }
        }
        let (required, optional) = self.axes
        guard axes.contains(required) else { throw SweepError.invalid("the summary \"\(rawValue)\" needs the axis \"\(required)\"") }
        for axis in axes where axis != required && !optional.contains(axis) {
            throw SweepError.invalid("the summary \"\(rawValue)\" takes the axes \"\(required)\"" + optional.sorted().map { " and \"\($0)\"" }.joined()
                                     + ", not \"\(axis)\"")
        }
    }
}
