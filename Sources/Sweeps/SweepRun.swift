import Foundation
import Reporting
import Synchronization

/// How one point of a sweep ended.
public enum SweepOutcome: String, Sendable, Codable {
    /// The command exited 0 and its result parses.
    case completed
    /// The command exited 3 (a trajectory diverged); its results up to the divergence are written.
    case diverged
    /// The command failed (any other status, or a signal): no result.
    case failed
}

/// A sweep's output directory:
///
///     DIR/sweep.json              the sweep file, its fingerprint and the number of points
///     DIR/points/NNNNN/           each point's own complete output (the command's usual files, written atomically)
///     DIR/status/NNNNN.json       how the point ended: outcome, exit status, options, seconds, SHA-256 of result.json
///     DIR/logs/NNNNN.log          the command's stdout and stderr
///
/// A point is complete when its status says completed or diverged for the same options and `points/NNNNN/result.json`
/// exists, parses and has the recorded SHA-256, and every file of the point's run record is present; anything else
/// (never run, failed, interrupted, a corrupt or partial file) is pending and is run again.
public struct SweepDirectory: Sendable {
    /// The sweep directory `DIR` (standardized).
    public let url: URL
    /// Digits of the point names (at least 5).
    public let width: Int

    /// The directory `url` of a sweep of `count` points (which fixes `width`).
    public init(_ url: URL, count: Int) {
        self.url = url.standardizedFileURL
        width = max(5, String(max(0, count - 1)).count)
    }

    /// The name of the sweep's record in `DIR`.
    public static let fileName = "sweep.json"
    static let format = "statphys-sweep-1"

    /// The name of point `index`: the index zero-padded to `width` digits (`00042`).
    public func name(_ index: Int) -> String {
        let digits = String(index)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
    /// `DIR/points/NNNNN/`, the output directory of point `index`.
    public func pointDirectory(_ index: Int) -> URL { url.appendingPathComponent("points/\(name(index))", isDirectory: true) }
    /// `DIR/status/NNNNN.json`, the status of point `index` (`SweepPointStatus`).
    public func statusFile(_ index: Int) -> URL { url.appendingPathComponent("status/\(name(index)).json") }
    /// `DIR/logs/NNNNN.log`, the stdout and stderr of point `index`.
    public func logFile(_ index: Int) -> URL { url.appendingPathComponent("logs/\(name(index)).log") }
    /// `DIR/sweep.json`, the record of the sweep.
    public var specificationFile: URL { url.appendingPathComponent(Self.fileName) }

    /// The status of point `index` if it is complete for `options` (see the type's documentation), else nil.
    public func completedStatus(_ index: Int, options: [String]) -> SweepPointStatus? {
        completedPoint(index, options: options)?.status
    }

    /// The status and the parsed `result.json` of point `index` if it is complete for `options`, else nil.
    public func completedPoint(_ index: Int, options: [String]) -> (status: SweepPointStatus, result: JSONValue)? {
        guard let data = try? Data(contentsOf: statusFile(index)),
              let status = try? JSONDecoder().decode(SweepPointStatus.self, from: data),
              status.outcome != .failed, status.options == options, let recorded = status.resultSHA256 else { return nil }
        let point = pointDirectory(index)
        guard let bytes = try? Data(contentsOf: point.appendingPathComponent("result.json")), SHA256.hex(bytes) == recorded,
              let result = try? JSONValue(parsing: String(decoding: bytes, as: UTF8.self)),
              // Every file the point's run recorded is there.
              let files = try? RunDirectory.files(in: point.appendingPathComponent(RunDirectory.manifestName)),
              files.allSatisfy({ FileManager.default.fileExists(atPath: point.appendingPathComponent($0).path) }) else { return nil }
        return (status, result)
    }

    /// The sweep file recorded in `sweep.json` of the sweep directory `url`.
    public static func recordedFile(at url: URL) throws -> String {
        let record = url.appendingPathComponent(fileName)
        guard let data = try? Data(contentsOf: record) else {
            throw SweepError("\(url.path) is not a sweep directory (no \(fileName))")
        }
        guard let file = (try? JSONValue(parsing: String(decoding: data, as: UTF8.self)))?["file"]?.stringValue else {
            throw SweepError("\(record.path) is not a statphys sweep record")
        }
        return file
    }

    /// Creates the directory's `points`, `status` and `logs` folders.
    func createFolders() throws {
        for sub in ["points", "status", "logs"] {
            try FileManager.default.createDirectory(at: url.appendingPathComponent(sub), withIntermediateDirectories: true)
        }
    }
}

/// What `DIR/status/NNNNN.json` records of one point.
public struct SweepPointStatus: Sendable, Codable, Equatable {
    /// The point's index in the grid.
    public var index: Int
    /// The options the point added to the command (its values), and the command's arguments without `--output`.
    public var values: [String: String]
    /// The command's arguments with the point's options, without `--output`.
    public var options: [String]
    /// How the point ended.
    public var outcome: SweepOutcome
    /// The command's termination status (`exit_status`): its exit status, the signal's number when a signal ended
    /// it, −1 when it never ran.
    public var exitStatus: Int32
    /// Set when a signal ended the command.
    public var signal: Int32?
    /// The command's wall-clock time in seconds (0 when it did not start).
    public var seconds: Double
    /// SHA-256 (hex) of the point's `result.json` when it completed or diverged, else nil (`result_sha256`).
    public var resultSHA256: String?
    /// Why a failed point failed (the last lines of its stderr).
    public var message: String?

    enum CodingKeys: String, CodingKey {
        case index, values, options, outcome, exitStatus = "exit_status", signal, seconds, resultSHA256 = "result_sha256", message
    }
}

/// What a sweep run did.
public struct SweepRunSummary: Sendable {
    /// The number of points of the sweep.
    public var points: Int
    /// Points that were already complete and were skipped.
    public var skipped: Int
    /// Points that this run completed.
    public var completed: Int
    /// Points of this run that diverged (exit 3).
    public var diverged: Int
    /// Points of this run that failed, by index: the index, the label (`lr=0.5 noise=0.1`) and why.
    public var failed: [(index: Int, label: String, message: String)]
}

/// Runs the pending points of a sweep, each as its own process of `executable` (so that one point's crash or trap
/// cannot take the sweep down), `jobs` at a time, and records each point's status as it ends.
///
/// The sweep directory is locked for the run (a second `sweep run` into it is refused); a directory that holds a
/// different sweep is refused. Interrupted (Ctrl-C), the running points are stopped and leave no result (each
/// command's own output is atomic), and the next run redoes exactly those.
public struct SweepRun: Sendable {
    /// The points of the sweep.
    public let grid: SweepGrid
    /// The sweep directory the points write into.
    public let directory: SweepDirectory
    /// The statphys executable that runs each point.
    public let executable: URL
    /// How many points run at once (at least 1).
    public let jobs: Int
    /// The sweep file's text, recorded in `sweep.json`.
    public let file: String

    /// A run of the points of `grid` into the sweep directory `output`, `jobs` at a time (at least 1); `file` is the
    /// sweep file's text.
    public init(grid: SweepGrid, file: String, output: URL, executable: URL, jobs: Int) {
        self.grid = grid
        self.file = file
        directory = SweepDirectory(output, count: grid.count)
        self.executable = executable
        self.jobs = max(1, jobs)
    }

    /// The options of point `index`: the command with the point's values, without `--output`.
    public func options(_ index: Int) -> [String] { grid.specification.command + grid.point(index).options }

    /// Runs every pending point; `progress` gets the fraction done, `note` a line for each point that fails.
    public func run(progress: (@Sendable (Double) -> Void)? = nil, note: (@Sendable (String) -> Void)? = nil) throws -> SweepRunSummary {
        let lock = try lockDirectory()
        defer { lock.release() }
        let pending = try prepare()
        var summary = SweepRunSummary(points: grid.count, skipped: grid.count - pending.count, completed: 0, diverged: 0, failed: [])
        let state = Mutex((next: 0, done: 0, statuses: [SweepPointStatus]()))
        let workers = min(jobs, pending.count)
        let group = DispatchGroup()
        let run = self
        for _ in 0..<workers {
            group.enter()
            Thread {
                defer { group.leave() }
                while true {
                    let slot: Int? = state.withLock { s in
                        guard s.next < pending.count, !Interruption.isTerminating else { return nil }
                        s.next += 1
                        return pending[s.next - 1]
                    }
                    guard let index = slot else { return }
                    let status = run.runPoint(index)
                    if status.outcome == .failed {
                        note?("point \(run.directory.name(index)) (\(run.grid.point(index).label)) failed: \(status.message ?? "exit status \(status.exitStatus)")")
                    }
                    let fraction: Double = state.withLock { s in
                        s.done += 1
                        s.statuses.append(status)
                        return Double(s.done) / Double(pending.count)
                    }
                    progress?(fraction)
                }
            }.start()
        }
        group.wait()
        Interruption.awaitTerminationIfInterrupted()
        for status in state.withLock({ $0.statuses }).sorted(by: { $0.index < $1.index }) {
            switch status.outcome {
            case .completed: summary.completed += 1
            case .diverged: summary.diverged += 1
            case .failed: summary.failed.append((status.index, grid.point(status.index).label, status.message ?? ""))
            }
        }
        return summary
    }

    static func busy(_ directory: SweepDirectory) -> String {
        "another sweep is running into \(directory.url.path) (a `sweep run` or Slurm tasks of it); wait for it to finish or choose another --output"
    }

    /// Creates the sweep directory if needed and locks it exclusively.
    func lockDirectory() throws -> DirectoryLock {
        do { try FileManager.default.createDirectory(at: directory.url, withIntermediateDirectories: true) } catch {
            throw SweepError("cannot create the sweep directory \(directory.url.path): \(error.localizedDescription)")
        }
        return try DirectoryLock(directory.url, busy: Self.busy(directory))
    }

    /// Records the sweep in its directory (or checks that the directory holds this sweep), creates its folders, and
    /// returns the points that are not complete. The caller holds the directory's lock.
    func prepare() throws -> [Int] {
        try recordSpecification()
        try directory.createFolders()
        return (0..<grid.count).filter { directory.completedStatus($0, options: options($0)) == nil }
    }

    /// Like `run` but only records the sweep and returns its pending points (for a Slurm submission).
    public func pendingPoints() throws -> [Int] {
        let lock = try lockDirectory()
        defer { lock.release() }
        return try prepare()
    }

    /// The sweep recorded in the sweep directory `url`, to run its points with `executable`.
    public static func recorded(at url: URL, executable: URL) throws -> SweepRun {
        let file = try SweepDirectory.recordedFile(at: url)
        return SweepRun(grid: try SweepSpecification(json: file).grid(), file: file, output: url, executable: executable, jobs: 1)
    }

    /// Runs point `index` alone (a Slurm task) unless it is complete, holding a shared lock on the directory: tasks run
    /// side by side, but not beside a `sweep run` into it. Returns its status.
    public func runOne(_ index: Int) throws -> SweepPointStatus {
        guard (0..<grid.count).contains(index) else { throw SweepError.invalid("the sweep has points 0 to \(grid.count - 1), not \(index)") }
        let lock = try DirectoryLock(directory.url, busy: Self.busy(directory), shared: true)
        defer { lock.release() }
        if let status = directory.completedStatus(index, options: options(index)) { return status }
        try directory.createFolders()
        return runPoint(index)
    }

    /// Writes `sweep.json`, or checks that the one there is this sweep.
    func recordSpecification() throws {
        let fingerprint = grid.specification.fingerprint
        if let data = try? Data(contentsOf: directory.specificationFile) {
            guard let recorded = try? JSONValue(parsing: String(decoding: data, as: UTF8.self)), recorded["format"]?.stringValue == SweepDirectory.format else {
                throw SweepError("\(directory.specificationFile.path) is not a statphys sweep record; choose another --output")
            }
            guard recorded["fingerprint"]?.stringValue == fingerprint else {
                throw SweepError("\(directory.url.path) holds a different sweep (its sweep.json differs in the command or the axes); choose another --output")
            }
            // The same points; a file that differs otherwise (a summary added) is recorded instead.
            if recorded["file"]?.stringValue == file { return }
        }
        let record: JSONValue = .object([
            ("format", .string(SweepDirectory.format)), ("fingerprint", .string(fingerprint)), ("points", .integer(grid.count)),
            ("specification", grid.specification.json), ("file", .string(file)),
        ])
        try AtomicFile.write(record.serialized() + "\n", to: directory.specificationFile)
    }

    /// Runs point `index` to its end and records its status.
    func runPoint(_ index: Int) -> SweepPointStatus {
        let options = options(index), point = directory.pointDirectory(index)
        let values = Dictionary(uniqueKeysWithValues: grid.point(index).values.map { ($0.axis, $0.value.description) })
        var status = SweepPointStatus(index: index, values: values, options: options, outcome: .failed, exitStatus: -1, signal: nil,
                                      seconds: 0, resultSHA256: nil, message: nil)
        let start = Date()
        let log = directory.logFile(index)
        do {
            _ = FileManager.default.createFile(atPath: log.path, contents: nil)
            let handle = try FileHandle(forWritingTo: log)
            defer { try? handle.close() }
            let process = Process()
            process.executableURL = executable
            process.arguments = options + ["--output", point.path]
            process.standardOutput = handle
            process.standardError = handle
            process.standardInput = FileHandle.nullDevice
            guard try Interruption.run(process) else { status.message = "interrupted"; return status }
            process.waitUntilExit()
            Interruption.finished(process)
            status.seconds = Date().timeIntervalSince(start)
            status.exitStatus = process.terminationStatus
            if process.terminationReason == .uncaughtSignal { status.signal = process.terminationStatus }
        } catch {
            status.message = "cannot start \(executable.path): \(error.localizedDescription)"
            return status
        }
        let result = try? Data(contentsOf: point.appendingPathComponent("result.json"))
        let parses = result.map { (try? JSONValue(parsing: String(decoding: $0, as: UTF8.self))) != nil } ?? false
        if status.signal == nil, status.exitStatus == 0 || status.exitStatus == 3, let result, parses {
            status.outcome = status.exitStatus == 0 ? .completed : .diverged
            status.resultSHA256 = SHA256.hex(result)
        } else {
            status.message = Self.reason(log: log, status: status)
        }
        if Interruption.isTerminating { return status }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        if let data = try? encoder.encode(status) { try? AtomicFile.write(data + Data("\n".utf8), to: directory.statusFile(index)) }
        return status
    }

    /// The error lines of a failed point's log (or its last lines), with the exit status or signal.
    static func reason(log: URL, status: SweepPointStatus) -> String {
        let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        let lines = text.split(separator: "\n").map(String.init).filter { !$0.hasPrefix("\r") }
        let errors = lines.filter { $0.hasPrefix("Error") || $0.hasPrefix("error") }
        let chosen = (errors.isEmpty ? Array(lines.suffix(3)) : Array(errors.suffix(3))).joined(separator: " / ")
        let ending = status.signal.map { "killed by signal \($0)" } ?? "exit status \(status.exitStatus)"
        return chosen.isEmpty ? ending : "\(chosen) (\(ending))"
    }
}
