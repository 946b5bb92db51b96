import Foundation
import Plotting
import Reporting

extension LinearExperimentResult {
    /// Writes `result.json`, `learning_curve.csv` and the figure `learning_curve.svg` (+ `.png` when
    /// `rsvg-convert` is installed, its data and a matplotlib script) into `directory`, atomically.
    /// Returns the URLs written.
    public func write(to directory: URL) throws -> [URL] {
        try AtomicFile.prepareDirectory(directory)
        let resultFile = directory.appendingPathComponent("result.json")
        let csvFile = directory.appendingPathComponent("learning_curve.csv")
        try AtomicFile.write(json.serialized() + "\n", to: resultFile)
        try AtomicFile.write(csv.text, to: csvFile)
        let figures = try learningCurveFigure.write(to: directory, name: "learning_curve")
        return [resultFile, csvFile] + figures
    }
}
