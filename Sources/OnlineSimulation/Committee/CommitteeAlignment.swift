import GaussianIntegrals
import Scenarios

/// A relabelling of a student's hidden units, an exact symmetry of the network: aligned unit i is the seed's
/// unit π(i) multiplied by s_i, so that
///
///     R' = S P R,     Q' = S P Q Pᵀ S,     v' = S P v,     b' = S P b        ((P R)_in = R_π(i)n, S = diag(s)),
///
/// and φ(x) and ε_g are unchanged. Signs s_i = −1 are used only when they are a symmetry: an odd activation
/// with a trained second layer ((w_i, b_i, v_i) → (−w_i, −b_i, −v_i); with biases only when they are trained too).
/// Permutations swap only units with equal v when the second layer is fixed, and with equal b when biases are fixed.
public struct UnitAlignment: Sendable, Hashable {
    /// π (0-based): aligned unit i is the seed's unit `permutation[i]`.
    public let permutation: [Int]
    /// s_i = ±1.
    public let signs: [Double]

    /// The alignment (π, s); `permutation` must be a permutation of 0..<K and `signs` have the same length K.
    public init(permutation: [Int], signs: [Double]) {
        precondition(permutation.count == signs.count && Set(permutation) == Set(0..<permutation.count))
        self.permutation = permutation; self.signs = signs
    }

    /// The alignment that leaves K units as they are: π = id, all s_i = +1.
    public static func identity(units k: Int) -> UnitAlignment {
        UnitAlignment(permutation: Array(0..<k), signs: [Double](repeating: 1, count: k))
    }

    /// Whether π is the identity and every s_i = +1 (the aligned state equals the seed's).
    public var isIdentity: Bool { permutation == Array(0..<permutation.count) && signs.allSatisfy { $0 == 1 } }

    /// The state in the aligned labelling (teacher units are not relabelled).
    public func apply(_ state: CommitteeOrderParameters) -> CommitteeOrderParameters {
        let k = state.studentUnits, m = state.teacherUnits, p = permutation, s = signs
        var q = state.q, r = state.r, v = state.v, b = state.b
        for i in 0..<k {
            for j in 0..<k { q[i * k + j] = s[i] * s[j] * state.q[p[i] * k + p[j]] }
            for n in 0..<m { r[i * m + n] = s[i] * state.r[p[i] * m + n] }
            v[i] = s[i] * state.v[p[i]]
            b[i] = s[i] * state.b[p[i]]
        }
        return CommitteeOrderParameters(studentUnits: k, teacherUnits: m, q: q, r: r, t: state.t, v: v, vStar: state.vStar,
                                        b: b, bStar: state.bStar)
    }
}

/// Finding the relabelling of a seed's student units that best matches a reference state (the theory's).
public struct CommitteeAlignment: Sendable {
    /// Whether s_i = −1 is allowed (odd activation and trained second layer).
    public let allowsSigns: Bool
    /// Whether the second layer is trained (then any permutation is a symmetry; else only among equal v_i).
    public let trainsSecondLayer: Bool
    /// Whether the biases are trained (then they join the distance; else only units with equal b are swapped).
    public let trainsBiases: Bool

    /// A rule with the given symmetries (see the properties); `init(scenario:)` derives them from a scenario.
    public init(allowsSigns: Bool, trainsSecondLayer: Bool, trainsBiases: Bool = false) {
        self.allowsSigns = allowsSigns; self.trainsSecondLayer = trainsSecondLayer; self.trainsBiases = trainsBiases
    }

    /// The symmetries of `scenario`'s student.
    public init(scenario: CommitteeScenario) {
        let g = scenario.studentActivation.function
        let odd = [0.3, 1.1, 2.7, 5.0].allSatisfy { abs(g(-$0) + g($0)) <= 1e-12 * max(1, abs(g($0))) }
        let signsKeepBiases = !scenario.hasBiases || scenario.trainsBiases
        self.init(allowsSigns: odd && scenario.trainsSecondLayer && signsKeepBiases,
                  trainsSecondLayer: scenario.trainsSecondLayer, trainsBiases: scenario.trainsBiases)
    }

    /// The alignment minimising the distance between the aligned `state` and `reference` in each unit's own
    /// coordinates: C_ij = min_s Σ_n (R^ref_in − s R_jn)² + (Q^ref_ii − Q_jj)² + (v^ref_i − s v_j)² for putting the
    /// seed's unit j at place i, solved as a linear assignment problem (Hungarian method, O(K³)). Ties go to the
    /// identity. (Cross terms Q_ik are left out: they would make the problem quadratic, and R with the norms
    /// already identifies a specialised unit; for K > M the extra units are told apart by their R rows and norms.)
    public func best(_ state: CommitteeOrderParameters, matching reference: CommitteeOrderParameters) -> UnitAlignment {
        let k = state.studentUnits, m = state.teacherUnits
        var cost = [Double](repeating: 0, count: k * k), sign = [Double](repeating: 1, count: k * k)
        let forbidden = 1e300
        for i in 0..<k {
            for j in 0..<k {
                if !trainsSecondLayer, abs(state.v[j] - reference.v[i]) > 1e-12 * max(1, abs(reference.v[i])) {
                    cost[i * k + j] = forbidden; continue
                }
                if !trainsBiases, abs(state.b[j] - reference.b[i]) > 1e-12 * max(1, abs(reference.b[i])) {
                    cost[i * k + j] = forbidden; continue
                }
                func distance(_ s: Double) -> Double {
                    var c = 0.0
                    for n in 0..<m { let e = reference.r[i * m + n] - s * state.r[j * m + n]; c += e * e }
                    let qe = reference.q[i * k + i] - state.q[j * k + j]
                    c += qe * qe
                    if trainsSecondLayer { let ve = reference.v[i] - s * state.v[j]; c += ve * ve }
                    if trainsBiases { let be = reference.b[i] - s * state.b[j]; c += be * be }
                    return c
                }
                let plus = distance(1)
                if allowsSigns, case let minus = distance(-1), minus < plus {
                    cost[i * k + j] = minus; sign[i * k + j] = -1
                } else {
                    cost[i * k + j] = plus
                }
            }
        }
        var permutation = Self.assignment(cost: cost, size: k)
        let total = (0..<k).reduce(0.0) { $0 + cost[$1 * k + permutation[$1]] }
        let identity = (0..<k).reduce(0.0) { $0 + cost[$1 * k + $1] }
        if identity <= total * (1 + 1e-9) + 1e-15 { permutation = Array(0..<k) }
        return UnitAlignment(permutation: permutation, signs: (0..<k).map { sign[$0 * k + permutation[$0]] })
    }

    /// The permutation p minimising Σ_i cost[i][p(i)] (row-major n×n), by the Hungarian method with potentials
    /// (Kuhn–Munkres, O(n³)).
    public static func assignment(cost: [Double], size n: Int) -> [Int] {
        precondition(cost.count == n * n)
        if n == 0 { return [] }
        // 1-based arrays as in the classical formulation; column 0 is a virtual start.
        var u = [Double](repeating: 0, count: n + 1), v = u
        var matchOfColumn = [Int](repeating: 0, count: n + 1), way = [Int](repeating: 0, count: n + 1)
        for row in 1...n {
            matchOfColumn[0] = row
            var column0 = 0
            var minimum = [Double](repeating: .infinity, count: n + 1), used = [Bool](repeating: false, count: n + 1)
            repeat {
                used[column0] = true
                let row0 = matchOfColumn[column0]
                var delta = Double.infinity, column1 = 0
                for j in 1...n where !used[j] {
                    let current = cost[(row0 - 1) * n + (j - 1)] - u[row0] - v[j]
                    if current < minimum[j] { minimum[j] = current; way[j] = column0 }
                    if minimum[j] < delta { delta = minimum[j]; column1 = j }
                }
                for j in 0...n {
                    if used[j] { u[matchOfColumn[j]] += delta; v[j] -= delta } else { minimum[j] -= delta }
                }
                column0 = column1
            } while matchOfColumn[column0] != 0
            repeat {
                let column1 = way[column0]
                matchOfColumn[column0] = matchOfColumn[column1]
                column0 = column1
            } while column0 != 0
        }
        var result = [Int](repeating: 0, count: n)
        for j in 1...n { result[matchOfColumn[j] - 1] = j - 1 }
        return result
    }
}

/// One seed's alignment with the theory, as recorded in result.json.
public struct SeedAlignment: Sendable, Hashable {
    /// The seed's index (0-based, as in `CommitteeSimulationResult.states[seed]`).
    public let seed: Int
    /// The relabelling of the seed's units that best matches the theory at `decidedAt`.
    public let alignment: UnitAlignment
    /// The time of the state the alignment was decided from: the last time every seed reached.
    public let decidedAt: Double
    /// The earliest grid time from which, at every later time, the seed's best alignment with the theory's
    /// state at that time is this one (when the seed specialised); nil if that holds only at the end.
    public let stableFrom: Double?
}

extension CommitteeSimulationResult {
    /// The same seeds with each one's units relabelled by its alignment, for the whole trajectory (one
    /// permutation per seed, so Q, R and v transform consistently at every time).
    public func aligned(_ alignments: [UnitAlignment]) -> CommitteeSimulationResult {
        precondition(alignments.count == states.count)
        return CommitteeSimulationResult(
            grid: grid, states: zip(states, alignments).map { trajectory, a in trajectory.map(a.apply) }, divergence: divergence)
    }

    /// Each seed aligned to `theory` (the theory's states on the same grid, at least as long as the seeds' common
    /// part) by its final state: the end of the run is where the seeds have specialised.
    public func alignments(to theory: [CommitteeOrderParameters], rule: CommitteeAlignment) -> [SeedAlignment] {
        let length = min(states.first?.count ?? 0, theory.count)
        guard length > 0 else { return [] }
        let last = length - 1
        return states.enumerated().map { seed, trajectory in
            let chosen = rule.best(trajectory[last], matching: theory[last])
            var from = last
            while from > 0, rule.best(trajectory[from - 1], matching: theory[from - 1]) == chosen { from -= 1 }
            return SeedAlignment(seed: seed, alignment: chosen, decidedAt: times[last], stableFrom: from < last ? times[from] : nil)
        }
    }
}
