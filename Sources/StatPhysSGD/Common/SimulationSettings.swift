/// How a finite-d simulation is run: dimension, number of seeds and base seed.
public struct SimulationSettings: Sendable, Hashable {
    /// Input dimension d.
    public var dimension: Int
    /// Number of independent seeds (teacher, initial student and data all differ between seeds).
    public var seeds: Int
    /// Base random seed; seed k uses stream k of it.
    public var seed: UInt64

    /// `seeds` seeds at dimension d = `dimension`, from base seed `seed` (1 by default).
    public init(dimension: Int, seeds: Int, seed: UInt64 = 1) {
        self.dimension = dimension; self.seeds = seeds; self.seed = seed
    }
}
