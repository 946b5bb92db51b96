import Foundation
import Reporting
import Scenarios

/// Reading order parameters from JSON files given on the command line.
///
/// Initial state (`--init FILE`): `{"Q": [[…], …], "R": [[…], …], "v": […]}` with Q K×K, R K×M and the
/// optional student second layer v. Teacher (`--teacher FILE`): `{"T": [[…], …]}` (M×M) and optionally
/// `"v_star": […]`. Matrices are nested lists, rows first, as in `result.json`.
public enum CommitteeInputFile {
    /// The overlaps of `--init FILE`, matrices flattened row-major.
    public struct InitialState: Sendable, Hashable {
        /// Q_ik, K × K, row-major.
        public var q: [Double]
        /// R_in, K × M, row-major.
        public var r: [Double]
        /// The student's second layer v_i (K entries), when the file gives `"v"`.
        public var v: [Double]?
        /// K: the rows of Q and R.
        public var studentUnits: Int
        /// M: the columns of R.
        public var teacherUnits: Int
    }

    /// The teacher overlaps of `--teacher FILE`, T flattened row-major.
    public struct Teacher: Sendable, Hashable {
        /// T_nm, M × M, row-major.
        public var t: [Double]
        /// The teacher's second layer v*_n (M entries), when the file gives `"v_star"`.
        public var vStar: [Double]?
        /// M: the teacher's hidden units (the size of T).
        public var units: Int
    }

    /// Reads `--init FILE`.
    public static func initialState(from url: URL) throws -> InitialState {
        let object = try readObject(url)
        let (q, k, k2) = try matrix(object, "Q", in: url)
        guard k == k2 else { throw ScenarioError("\(url.path): Q must be square, got \(k)×\(k2)") }
        let (r, k3, m) = try matrix(object, "R", in: url)
        guard k3 == k else { throw ScenarioError("\(url.path): R must have K = \(k) rows like Q, got \(k3)") }
        let v = try object["v"].map { try vector($0, "v", in: url) }
        if let v, v.count != k { throw ScenarioError("\(url.path): v must have K = \(k) entries, got \(v.count)") }
        return InitialState(q: q, r: r, v: v, studentUnits: k, teacherUnits: m)
    }

    /// Reads `--teacher FILE`.
    public static func teacher(from url: URL) throws -> Teacher {
        let object = try readObject(url)
        let (t, m, m2) = try matrix(object, "T", in: url)
        guard m == m2 else { throw ScenarioError("\(url.path): T must be square, got \(m)×\(m2)") }
        let vStar = try object["v_star"].map { try vector($0, "v_star", in: url) }
        if let vStar, vStar.count != m { throw ScenarioError("\(url.path): v_star must have M = \(m) entries") }
        return Teacher(t: t, vStar: vStar, units: m)
    }

    static func readObject(_ url: URL) throws -> [String: Any] {
        let data: Data
        do { data = try InputFile.read(url) } catch {
            throw ScenarioError("\(error)")
        }
        guard let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw ScenarioError("\(url.path) is not a JSON object")
        }
        return object
    }

    static func vector(_ value: Any, _ key: String, in url: URL) throws -> [Double] {
        guard let array = value as? [Any] else { throw ScenarioError("\(url.path): \"\(key)\" must be a list of numbers") }
        return try array.map {
            guard let number = ($0 as? NSNumber)?.doubleValue, number.isFinite else {
                throw ScenarioError("\(url.path): \"\(key)\" must contain only finite numbers")
            }
            return number
        }
    }

    static func matrix(_ object: [String: Any], _ key: String, in url: URL) throws -> ([Double], Int, Int) {
        guard let rows = object[key] as? [Any], !rows.isEmpty else {
            throw ScenarioError("\(url.path): missing \"\(key)\" (a nested list of numbers)")
        }
        let parsed = try rows.map { try vector($0, key, in: url) }
        let columns = parsed[0].count
        guard columns > 0, parsed.allSatisfy({ $0.count == columns }) else {
            throw ScenarioError("\(url.path): \"\(key)\" rows must all have the same non-zero length")
        }
        return (parsed.flatMap { $0 }, parsed.count, columns)
    }
}
