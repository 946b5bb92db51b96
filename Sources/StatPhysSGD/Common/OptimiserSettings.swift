import Reporting
import Scenarios

extension Optimiser {
    /// The optimiser's entries of `result.json` `settings`, the same for every online model: `lr` (the base rate η),
    /// `batch` (the mini-batch size B).
    /// Every experiment splices these into its settings, so a new optimiser option is recorded here once.
    public var settings: [(String, JSONValue)] {
        [("lr", .number(learningRate)),
         ("batch", .integer(batchSize))]
    }
}
