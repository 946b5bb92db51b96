import Dispatch
import Foundation
import Sweeps
import Reporting
import Synchronization

/// A grid of independent points. A sweep runs on one machine (points in parallel over its cores), or as
/// shards, one job each (for example the tasks of a Slurm array), whose files are then merged. Every point is
/// solved the same way in every mode, so a merged result is identical to a local one.
public protocol ParameterSweep: Sendable {
    /// What one point yields (stored in shard files).
    associatedtype Outcome: Codable & Sendable
    /// The assembled result.
    associatedtype Output

    /// The number of grid points.
    var pointCount: Int { get }
    /// Everything the outcomes depend on (model, settings, grid): shards merge only when theirs is the same.
    var fingerprint: JSONValue { get }
    /// Solves point `index` (0 ≤ index < pointCount) on the calling thread. A divergence is an outcome, not an error.
    func solve(point index: Int) throws -> Outcome
    /// The outcome recorded for point `index` when `solve` threw: the point is marked failed, with `reason`, and the
    /// sweep goes on with the others.
    func failedOutcome(point index: Int, reason: String) -> Outcome
    /// Why `outcome` cannot be point `index` of this sweep (other parameter values, a value out of range, a null
    /// where the point neither diverged nor failed), or `nil`: what `merge` checks of every point of every shard.
    func problem(with outcome: Outcome, point index: Int) -> String?
    /// The result from the outcomes of all points, in point order.
    func assemble(_ outcomes: [Outcome]) throws -> Output
}

/// Shard `index` of `count`: the points p with p mod count = index (interleaved, so that costly regions of a
/// grid are spread over the shards).
public struct SweepShard: Sendable, Hashable, CustomStringConvertible {
    public let index: Int
    public let count: Int

    public init(index: Int, count: Int) throws {
        guard count >= 1 else { throw SweepError("the number of shards must be at least 1, got \(count)") }
        guard (0..<count).contains(index) else { throw SweepError("shard index must be in 0…\(count - 1), got \(index)") }
        self.index = index
        self.count = count
    }

    /// Parses `i/n` (0-based i, as Slurm's `$SLURM_ARRAY_TASK_ID` with `--array=0-(n-1)`).
    public init(parsing text: String) throws {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let index = Int(parts[0]), let count = Int(parts[1]) else {
            throw SweepError("a shard is written i/n (0 ≤ i < n), got '\(text)'")
        }
        try self.init(index: index, count: count)
    }

    /// The points of a sweep of `total` points that this shard solves.
    public func points(of total: Int) -> [Int] { Array(stride(from: index, to: total, by: count)) }

    public var description: String { "\(index)/\(count)" }

    /// The shard file's name inside `shards/`.
    var fileName: String { String(format: "shard-%04d-of-%04d.json", index, count) }
}

/// Why a sweep could not be run, sharded or merged.

/// A shard file, `DIR/shards/shard-i-of-n.json`: `format`, `checksum` ("sha256:" and the SHA-256 of the UTF-8 bytes
/// of `payload`) and `payload`, the JSON text of a `SweepShardPayload`, kept as text so that the checksum covers
/// exactly the bytes written. A truncated, edited or damaged file fails the checksum (or cannot be read).
struct SweepShardFile: Codable {
    var format = SweepShardFile.formatName
    var checksum: String
    var payload: String

    static var formatName: String { "statphys-sweep-shard-2" }

    init(payload: String) {
        self.payload = payload
        checksum = Self.checksum(of: payload)
    }

    static func checksum(of payload: String) -> String { "sha256:" + SHA256.hex(payload) }
}

/// The outcomes of one shard.
struct SweepShardPayload<Outcome: Codable>: Codable {
    /// The sweep's fingerprint, serialised.
    var fingerprint: String
    var shard: Int
    var shards: Int
    var points: [Int]
    var outcomes: [Outcome]
}

extension ParameterSweep {
    /// Solves every point, in parallel over points, and assembles the result.
    public func run(progress: (@Sendable (Double) -> Void)? = nil) throws -> Output {
        try assemble(solve(points: Array(0..<pointCount), progress: progress))
    }

    /// Solves this shard's points and writes them to `directory/shards/` (atomically); returns the file.
    @discardableResult
    public func run(shard: SweepShard, directory: URL, progress: (@Sendable (Double) -> Void)? = nil) throws -> URL {
        let points = shard.points(of: pointCount)
        let outcomes = try solve(points: points, progress: progress)
        let payload = SweepShardPayload(fingerprint: fingerprint.serialized(indent: 0), shard: shard.index, shards: shard.count,
                                        points: points, outcomes: outcomes)
        let folder = Self.shardFolder(in: directory)
        try AtomicFile.prepareDirectory(folder)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let text = String(decoding: try encoder.encode(payload), as: UTF8.self)
        let url = folder.appendingPathComponent(shard.fileName)
        try AtomicFile.write(try encoder.encode(SweepShardFile(payload: text)), to: url)
        return url
    }

    /// Assembles the result from the shard files in `directory/shards/`, after checking each file's checksum, that it
    /// was computed for this sweep (same fingerprint), that all agree on the number of shards, that each holds exactly
    /// its shard's points, with the parameter values of those points and values in range (`problem(with:point:)`),
    /// and that every point is covered once. Every refusal names the file.
    public func merge(directory: URL) throws -> Output {
        let folder = Self.shardFolder(in: directory)
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? [])
            .filter { $0.hasPrefix("shard-") && $0.hasSuffix(".json") }.sorted()
        guard !names.isEmpty else {
            throw SweepError("no shard results in \(folder.path): run the shards first (--shard i/n)")
        }
        let expected = fingerprint.serialized(indent: 0)
        var outcomes = [Outcome?](repeating: nil, count: pointCount)
        var seen: [Int: String] = [:], count: Int?
        for name in names {
            let url = folder.appendingPathComponent(name)
            let payload = try Self.readShard(url)
            guard payload.fingerprint == expected else {
                throw SweepError("\(url.path) was computed for different settings than this sweep: run the merge with the "
                                 + "options the shards used, or remove the stale file")
            }
            guard count == nil || count == payload.shards else {
                throw SweepError("shard files disagree on the number of shards (\(count!) and \(payload.shards)); remove the stale ones")
            }
            count = payload.shards
            let shard: SweepShard
            do { shard = try SweepShard(index: payload.shard, count: payload.shards) } catch {
                throw SweepError("\(url.path) names shard \(payload.shard) of \(payload.shards), which does not exist")
            }
            guard name == shard.fileName else { throw SweepError("\(url.path) holds shard \(shard), whose file is \(shard.fileName)") }
            if let other = seen[payload.shard] { throw SweepError("shard \(payload.shard) appears twice: \(other) and \(name)") }
            seen[payload.shard] = name
            guard payload.points == shard.points(of: pointCount), payload.points.count == payload.outcomes.count else {
                throw SweepError("\(url.path) holds the wrong points for shard \(shard) (points \(Self.list(payload.points)), "
                                 + "\(payload.outcomes.count) outcomes; expected \(Self.list(shard.points(of: pointCount))))")
            }
            for (point, outcome) in zip(payload.points, payload.outcomes) {
                if let problem = problem(with: outcome, point: point) {
                    throw SweepError("\(url.path): point \(point) is not a result of this sweep: \(problem)")
                }
                guard outcomes[point] == nil else { throw SweepError("\(url.path): point \(point) appears twice") }
                outcomes[point] = outcome
            }
        }
        let missing = (0..<count!).filter { seen[$0] == nil }
        guard missing.isEmpty else {
            let list = missing.prefix(20).map(String.init).joined(separator: ", ") + (missing.count > 20 ? ", …" : "")
            throw SweepError("missing \(missing.count) of \(count!) shards: \(list) (no file in \(folder.path))")
        }
        return try assemble(outcomes.map { $0! })
    }

    /// The payload of the shard file at `url`, after checking its format and checksum.
    static func readShard(_ url: URL) throws -> SweepShardPayload<Outcome> {
        let file: SweepShardFile
        do {
            file = try JSONDecoder().decode(SweepShardFile.self, from: Data(contentsOf: url))
        } catch {
            throw SweepError("cannot read shard file \(url.path) (truncated, damaged or not a shard file): \(Self.brief(error))")
        }
        guard file.format == SweepShardFile.formatName else {
            throw SweepError("\(url.path) is a shard file of another format ('\(file.format)', expected '\(SweepShardFile.formatName)'): rerun that shard")
        }
        guard file.checksum == SweepShardFile.checksum(of: file.payload) else {
            throw SweepError("\(url.path) fails its checksum: its contents were changed or damaged after it was written; rerun that shard")
        }
        do {
            return try JSONDecoder().decode(SweepShardPayload<Outcome>.self, from: Data(file.payload.utf8))
        } catch {
            throw SweepError("\(url.path) does not hold outcomes of this kind of sweep: \(Self.brief(error))")
        }
    }

    /// A short description of a decoding error.
    static func brief(_ error: Error) -> String {
        if let decoding = error as? DecodingError {
            switch decoding {
            case .dataCorrupted(let context): return "invalid JSON at \(path(context))"
            case .keyNotFound(let key, let context): return "missing '\(key.stringValue)' at \(path(context))"
            case .typeMismatch(_, let context), .valueNotFound(_, let context): return "unexpected value at \(path(context))"
            @unknown default: return "\(decoding)"
            }
        }
        return "\(error.localizedDescription)"
    }

    private static func path(_ context: DecodingError.Context) -> String {
        context.codingPath.isEmpty ? "the top level" : context.codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
    }

    static func list(_ points: [Int]) -> String {
        points.prefix(8).map(String.init).joined(separator: ", ") + (points.count > 8 ? ", …" : "")
    }

    static func shardFolder(in directory: URL) -> URL { directory.appendingPathComponent("shards", isDirectory: true) }

    /// Solves `points` in parallel. A point whose solve throws is recorded as failed (`failedOutcome`), with the
    /// error's message, and the others go on.
    func solve(points: [Int], progress: (@Sendable (Double) -> Void)?) throws -> [Outcome] {
        let results = Mutex<[Result<Outcome, Error>?]>(Array(repeating: nil, count: points.count))
        let done = Mutex(0)
        DispatchQueue.concurrentPerform(iterations: points.count) { slot in
            let outcome: Result<Outcome, Error>
            do { outcome = .success(try solve(point: points[slot])) } catch {
                outcome = .success(failedOutcome(point: points[slot], reason: "\(error)"))
            }
            results.withLock { $0[slot] = outcome }
            let count = done.withLock { $0 += 1; return $0 }
            progress?(Double(count) / Double(points.count))
        }
        return try results.withLock { $0 }.map { try $0!.get() }
    }
}
