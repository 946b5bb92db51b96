import Scenarios

/// One axis of a committee's phase portrait: a symmetric summary of the overlaps or one overlap itself.
///
/// - `R_diag` = mean_i R_ii over the first min(K, M) units, `R_off` = mean_{i≠n} R_in (0 when K = M = 1),
/// - `Q_diag` = mean_i Q_ii, `Q_off` = mean_{i≠k} Q_ik (0 when K = 1),
/// - `R<i><n>` / `Q<i><k>` (1-based, e.g. `R12`, `Q11`), or `R_<i>_<n>` / `Q_<i>_<k>` for indices above 9.
///
/// On the symmetric plateau every R_in is the same and Q_ik < Q_ii; specialisation separates R_diag from R_off, so
/// (R_diag, R_off) is the default plane; (Q_diag, Q_off) or (R11, R12) show other directions of the same dynamics.
public enum CommitteeCoordinate: Sendable, Hashable, CustomStringConvertible {
    /// R_diag = mean_i R_ii, R_off = mean_{i≠n} R_in, Q_diag = mean_i Q_ii, Q_off = mean_{i≠k} Q_ik.
    case rDiagonal, rOffDiagonal, qDiagonal, qOffDiagonal
    /// R_in (0-based i < K, n < M).
    case r(Int, Int)
    /// Q_ik (0-based i, k < K).
    case q(Int, Int)

    /// The default plane, (R_diag, R_off).
    public static let defaultPlane: (x: CommitteeCoordinate, y: CommitteeCoordinate) = (.rDiagonal, .rOffDiagonal)

    /// The syntax, for messages.
    public static let syntax = "R_diag, R_off, Q_diag, Q_off, Rin or Qik (1-based, e.g. R12, Q11; R_i_n for indices above 9)"

    /// Parses a coordinate's name for K student and M teacher units; throws (out of range) for an unknown name or
    /// indices outside 1…K, 1…M.
    public init(parsing text: String, studentUnits k: Int, teacherUnits m: Int) throws {
        guard k >= 1, m >= 1 else { throw ScenarioError.outOfRange("a committee needs K ≥ 1 and M ≥ 1, got K = \(k), M = \(m)") }
        let name = text.trimmingCharacters(in: .whitespaces)
        switch name.lowercased() {
        case "r_diag": self = .rDiagonal; return
        case "r_off": self = .rOffDiagonal; return
        case "q_diag": self = .qDiagonal; return
        case "q_off": self = .qOffDiagonal; return
        default: break
        }
        guard let letter = name.first.map({ Character($0.uppercased()) }), letter == "R" || letter == "Q" else {
            throw ScenarioError.outOfRange("unknown portrait coordinate '\(text)': use \(Self.syntax)")
        }
        let rest = name.dropFirst()
        let indices: [Int]?
        if rest.hasPrefix("_") {
            indices = rest.dropFirst().split(separator: "_", omittingEmptySubsequences: false).map { Int($0) ?? -1 }
        } else {
            indices = rest.count == 2 && rest.allSatisfy(\.isNumber) ? rest.map { Int(String($0))! } : nil
        }
        guard let indices, indices.count == 2 else {
            throw ScenarioError.outOfRange("unknown portrait coordinate '\(text)': use \(Self.syntax)")
        }
        let (i, j) = (indices[0], indices[1])
        let columns = letter == "R" ? m : k
        guard (1...k).contains(i), (1...columns).contains(j) else {
            throw ScenarioError.outOfRange("portrait coordinate '\(text)' has indices outside 1…\(k), 1…\(columns) (K = \(k), M = \(m))")
        }
        self = letter == "R" ? .r(i - 1, j - 1) : .q(i - 1, j - 1)
    }

    /// The coordinate of the overlaps Q (K × K) and R (K × M), row-major.
    public func value(q: [Double], r: [Double], studentUnits k: Int, teacherUnits m: Int) -> Double {
        switch self {
        case .rDiagonal:
            let d = min(k, m)
            return (0..<d).reduce(0) { $0 + r[$1 * m + $1] } / Double(d)
        case .rOffDiagonal:
            let off = (0..<k).flatMap { i in (0..<m).filter { $0 != i }.map { r[i * m + $0] } }
            return off.isEmpty ? 0 : off.reduce(0, +) / Double(off.count)
        case .qDiagonal:
            return (0..<k).reduce(0) { $0 + q[$1 * k + $1] } / Double(k)
        case .qOffDiagonal:
            guard k > 1 else { return 0 }
            let off = (0..<k).flatMap { i in (0..<k).filter { $0 != i }.map { q[i * k + $0] } }
            return off.reduce(0, +) / Double(off.count)
        case .r(let i, let n): return r[i * m + n]
        case .q(let i, let j): return q[i * k + j]
        }
    }

    /// The coordinate of the order parameters `p` (its Q and R).
    public func value(_ p: CommitteeOrderParameters) -> Double {
        value(q: p.q, r: p.r, studentUnits: p.studentUnits, teacherUnits: p.teacherUnits)
    }

    /// The name as parsed and as `result.json` keys it: `R_diag`, `R12`, `Q_1_10`.
    public var description: String {
        func pair(_ letter: String, _ i: Int, _ j: Int) -> String {
            i < 9 && j < 9 ? "\(letter)\(i + 1)\(j + 1)" : "\(letter)_\(i + 1)_\(j + 1)"
        }
        switch self {
        case .rDiagonal: return "R_diag"
        case .rOffDiagonal: return "R_off"
        case .qDiagonal: return "Q_diag"
        case .qOffDiagonal: return "Q_off"
        case .r(let i, let n): return pair("R", i, n)
        case .q(let i, let j): return pair("Q", i, j)
        }
    }

    /// The axis label, with sub- and superscripts in TeX's notation (`MathText`).
    public var label: String {
        switch self {
        case .rDiagonal: return "R_{diag} = mean R_{ii}"
        case .rOffDiagonal: return "R_{off} = mean R_{in}, i ≠ n"
        case .qDiagonal: return "Q_{diag} = mean Q_{ii}"
        case .qOffDiagonal: return "Q_{off} = mean Q_{ik}, i ≠ k"
        case .r(let i, let n): return i < 9 && n < 9 ? "R_{\(i + 1)\(n + 1)}" : "R_{\(i + 1),\(n + 1)}"
        case .q(let i, let j): return i < 9 && j < 9 ? "Q_{\(i + 1)\(j + 1)}" : "Q_{\(i + 1),\(j + 1)}"
        }
    }
}
