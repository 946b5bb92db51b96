import Foundation
import OnlineTheory
import Plotting
import Reporting

extension PhasePortraitResult {
    /// The `result.json` document. Keys (documented in the README): `model`, `settings` (the model's, with `starts`),
    /// `window` {`m`, `q`}, `fixed_points` [{`m`, `q`, `stability`, `eigenvalues` [{`re`, `im`}], `jacobian`}],
    /// `exact_fixed_point` ({`m`, `q`, `found_within`} or null), `nullclines` {`dm_dt`, `dq_dt`: polylines of
    /// [m, q] pairs}, `trajectories` [{`start`, `t`, `theory` {`m`, `q`}, `simulation` ({`t`, `mean`, `stderr`} or
    /// absent), `agreement`, `divergence`}], `divergence`, `warnings`.
    public var json: JSONValue {
        let model = experiment.model
        let starts = JSONValue.array(experiment.starts.map { .array([.number($0.x), .number($0.y)]) })
        let polylines = { (lines: [[PlanarPoint]]) -> JSONValue in
            .array(lines.map { .array($0.map { .array([.number($0.x), .number($0.y)]) }) })
        }
        var members: [(String, JSONValue)] = [
            ("model", .string(model.modelName)),
            ("settings", .object(model.settings + [("starts", starts), ("arrows", .integer(experiment.arrows)),
                                                   ("nullcline_grid", .integer(experiment.nullclineGrid))])),
            ("window", .object([("m", .numbers([window.x.lowerBound, window.x.upperBound])),
                                ("q", .numbers([window.y.lowerBound, window.y.upperBound]))])),
            ("fixed_points", .array(fixedPoints.map { point in
                .object([
                    ("m", .number(point.point.x)), ("q", .number(point.point.y)), ("stability", .string(point.stability.rawValue)),
                    ("eigenvalues", .array(point.eigenvalues.map { .object([("re", .number($0.real)), ("im", .number($0.imaginary))]) })),
                    ("jacobian", .array([.numbers(Array(point.jacobian[0..<2])), .numbers(Array(point.jacobian[2..<4]))])),
                ])
            })),
            ("exact_fixed_point", model.exactFixedPoint.map { exact in
                .object([("m", .number(exact.x)), ("q", .number(exact.y)), ("physical", .bool(model.flow.isPhysical(exact))),
                         ("in_window", .bool(window.contains(exact))),
                         // Distance to the nearest fixed point found, in units of the window's size (null: none found).
                         ("found_within", fixedPoints.isEmpty ? .null : .number(fixedPointError(exact)))])
            } ?? .null),
            ("nullclines", .object([("dm_dt", polylines(nullclines.x)), ("dq_dt", polylines(nullclines.y))])),
        ]
        members.append(("trajectories", .array(trajectories.map { trajectory in
            var entry: [(String, JSONValue)] = [
                ("start", .numbers([trajectory.start.x, trajectory.start.y])), ("t", .numbers(trajectory.times)),
                ("theory", .object([("m", .numbers(trajectory.theory.m)), ("q", .numbers(trajectory.theory.q))])),
            ]
            if let simulated = trajectory.simulated, let times = trajectory.simulationTimes {
                entry.append(("simulation", .object([
                    ("t", .numbers(times)),
                    ("mean", .object([("m", .numbers(simulated.m.mean)), ("q", .numbers(simulated.q.mean))])),
                    ("stderr", .object([("m", .numbers(simulated.m.standardError)), ("q", .numbers(simulated.q.standardError))])),
                ])))
            }
            entry.append(("agreement", trajectory.comparison?.json ?? .null))
            entry.append(("divergence", trajectory.divergence.map(\.json) ?? .null))
            return .object(entry)
        })))
        members.append(("divergence", divergence.map(\.json) ?? .null))
        members.append(("warnings", RunWarning.json(warnings)))
        return .object(members)
    }

    /// One row per trajectory and output time: the start, t, theory m and q, and (if simulated) their mean and stderr.
    public var csv: CSVTable {
        var columns: [String: [Double]] = [:]
        let names = ["m0", "q0", "t", "m_theory", "q_theory"] + (experiment.model.simulation == nil ? [] : ["m_sim_mean", "m_sim_stderr", "q_sim_mean", "q_sim_stderr"])
        for trajectory in trajectories {
            let grid = tableGrid(theory: trajectory.times, simulation: trajectory.simulationTimes)
            columns["m0", default: []] += grid.map { _ in trajectory.start.x }
            columns["q0", default: []] += grid.map { _ in trajectory.start.y }
            columns["t", default: []] += grid
            columns["m_theory", default: []] += trajectory.theory.m.padded(to: grid.count)
            columns["q_theory", default: []] += trajectory.theory.q.padded(to: grid.count)
            if experiment.model.simulation != nil {
                let s = trajectory.simulated
                columns["m_sim_mean", default: []] += (s?.m.mean ?? []).padded(to: grid.count)
                columns["m_sim_stderr", default: []] += (s?.m.standardError ?? []).padded(to: grid.count)
                columns["q_sim_mean", default: []] += (s?.q.mean ?? []).padded(to: grid.count)
                columns["q_sim_stderr", default: []] += (s?.q.standardError ?? []).padded(to: grid.count)
            }
        }
        return CSVTable(names.map { ($0, columns[$0] ?? []) })
    }

    /// Writes `result.json`, `trajectories.csv` and the figure `portrait.svg` (+ `.png`, its data and a matplotlib script)
    /// into `directory`, atomically. Returns the URLs written.
    public func write(to directory: URL) throws -> [URL] {
        try AtomicFile.prepareDirectory(directory)
        let resultFile = directory.appendingPathComponent("result.json")
        let csvFile = directory.appendingPathComponent("trajectories.csv")
        try AtomicFile.write(json.serialized() + "\n", to: resultFile)
        try AtomicFile.write(csv.text, to: csvFile)
        return [resultFile, csvFile] + (try figure.write(to: directory, name: "portrait"))
    }

    /// Each fixed point with its stability and eigenvalues, and each trajectory's end and verdict, for stdout.
    public var summaryLines: [String] {
        var lines = fixedPoints.isEmpty
            ? ["no fixed point in the window m ∈ [\(TextTable.format(window.x.lowerBound)), \(TextTable.format(window.x.upperBound))], "
               + "q ∈ [\(TextTable.format(window.y.lowerBound)), \(TextTable.format(window.y.upperBound))]"]
            : fixedPoints.map { point in
                let eigen = point.eigenvalues.map { $0.imaginary == 0 ? TextTable.format($0.real, digits: 4)
                    : "\(TextTable.format($0.real, digits: 4)) ± \(TextTable.format(abs($0.imaginary), digits: 4))i" }
                return "fixed point (m, q) = (\(TextTable.format(point.point.x, digits: 6)), \(TextTable.format(point.point.y, digits: 6))): "
                    + "\(point.stability.rawValue), eigenvalues \(Array(Set(eigen)).sorted().joined(separator: ", "))"
            }
        if let exact = experiment.model.exactFixedPoint, !window.contains(exact) || !experiment.model.flow.isPhysical(exact) {
            lines.append("the closed-form fixed point (\(TextTable.format(exact.x)), \(TextTable.format(exact.y))) is "
                         + (experiment.model.flow.isPhysical(exact) ? "outside the window" : "unphysical (q* < m*²/ρ)"))
        }
        for trajectory in trajectories {
            let end = "from (\(TextTable.format(trajectory.start.x)), \(TextTable.format(trajectory.start.y))) to "
                + "(\(TextTable.format(trajectory.theory.m.last ?? .nan)), \(TextTable.format(trajectory.theory.q.last ?? .nan))) at t = \(TextTable.format(trajectory.times.last ?? 0))"
            lines.append(end + (trajectory.comparison.map { ": simulation \($0.verdict.rawValue)" } ?? ""))
        }
        return lines
    }
}
