import Dispatch
import Foundation
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
    /// Solves point `index` (0 ≤ index < pointCount) on the calling thread.
    func solve(point index: Int) throws -> Outcome
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
public struct SweepError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// The outcomes of one shard, as stored in `DIR/shards/shard-i-of-n.json`.
struct SweepShardFile<Outcome: Codable>: Codable {
    var format = SweepShardFile.formatName
    /// The sweep's fingerprint, serialised.
    var fingerprint: String
    var shard: Int
    var shards: Int
    var points: [Int]
    var outcomes: [Outcome]

    static var formatName: String { "statphys-sweep-shard-1" }
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
        let file = SweepShardFile(fingerprint: fingerprint.serialized(indent: 0), shard: shard.index, shards: shard.count,
                                  points: points, outcomes: outcomes)
        let folder = Self.shardFolder(in: directory)
        try AtomicFile.prepareDirectory(folder)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let url = folder.appendingPathComponent(shard.fileName)
        try AtomicFile.write(try encoder.encode(file), to: url)
        return url
    }

    /// Assembles the result from the shard files in `directory/shards/`, after checking that they were computed
    /// for this sweep (same fingerprint), agree on the number of shards, and cover every point once.
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
            let file: SweepShardFile<Outcome>
            do {
                file = try JSONDecoder().decode(SweepShardFile<Outcome>.self, from: Data(contentsOf: url))
            } catch {
                throw SweepError("cannot read shard file \(url.path): \(error)")
            }
            guard file.format == SweepShardFile<Outcome>.formatName, file.points.count == file.outcomes.count else {
                throw SweepError("\(url.path) is not a shard file of this version")
            }
            guard file.fingerprint == expected else {
                throw SweepError("\(url.path) was computed for different settings than this sweep: run the merge with the "
                                 + "options the shards used, or remove the stale file")
            }
            guard count == nil || count == file.shards else {
                throw SweepError("shard files disagree on the number of shards (\(count!) and \(file.shards)); remove the stale ones")
            }
            count = file.shards
            if let other = seen[file.shard] { throw SweepError("shard \(file.shard) appears twice: \(other) and \(name)") }
            seen[file.shard] = name
            let shard = try SweepShard(index: file.shard, count: file.shards)
            guard file.points == shard.points(of: pointCount) else { throw SweepError("\(url.path) holds the wrong points for shard \(shard)") }
            for (point, outcome) in zip(file.points, file.outcomes) { outcomes[point] = outcome }
        }
        let missing = (0..<count!).filter { seen[$0] == nil }
        guard missing.isEmpty else {
            let list = missing.prefix(20).map(String.init).joined(separator: ", ") + (missing.count > 20 ? ", …" : "")
            throw SweepError("missing \(missing.count) of \(count!) shards: \(list) (no file in \(folder.path))")
        }
        return try assemble(outcomes.map { $0! })
    }

    static func shardFolder(in directory: URL) -> URL { directory.appendingPathComponent("shards", isDirectory: true) }

    /// Solves `points` in parallel; the first failure in point order is thrown.
    func solve(points: [Int], progress: (@Sendable (Double) -> Void)?) throws -> [Outcome] {
        let results = Mutex<[Result<Outcome, Error>?]>(Array(repeating: nil, count: points.count))
        let done = Mutex(0)
        DispatchQueue.concurrentPerform(iterations: points.count) { slot in
            let outcome = Result { try solve(point: points[slot]) }
            results.withLock { $0[slot] = outcome }
            let count = done.withLock { $0 += 1; return $0 }
            progress?(Double(count) / Double(points.count))
        }
        return try results.withLock { $0 }.map { try $0!.get() }
    }
}
