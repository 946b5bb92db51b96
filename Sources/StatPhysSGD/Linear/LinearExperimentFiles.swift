import Foundation
import Reporting

extension LinearExperimentResult {
    /// Writes `result.json` and `learning_curve.csv` into `directory` (atomically) and returns their URLs.
    public func write(to directory: URL) throws -> [URL] {
        try AtomicFile.prepareDirectory(directory)
        let resultFile = directory.appendingPathComponent("result.json")
        let csvFile = directory.appendingPathComponent("learning_curve.csv")
        try AtomicFile.write(json.serialized() + "\n", to: resultFile)
        try AtomicFile.write(csv.text, to: csvFile)
        return [resultFile, csvFile]
    }
}
