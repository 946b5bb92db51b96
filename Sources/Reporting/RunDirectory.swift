import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A run's output directory, written as one transaction, so that the directory always holds one complete set
/// of files from one run.
///
/// - **Lock.** Opening takes an exclusive `flock` on the directory itself (no lock file, so nothing is left
///   behind, and the kernel releases it when the process ends however it ends). A second run into the same
///   directory is refused at once.
/// - **Staging.** The run writes into the hidden subdirectory `DIR/.statphys-staging` (same file system as
///   `DIR`, so every move is a rename). `DIR` itself is not touched until `commit()`.
/// - **Commit.** `commit()` writes the list of the new files (the journal, `.statphys-staging/.statphys-run.json`),
///   renames each file into `DIR`, deletes the files that the *previous* run recorded in `DIR/.statphys-run.json`
///   and this run did not write, and finally renames the journal to `DIR/.statphys-run.json`. Files that no
///   statphys run recorded (the user's own) are never deleted. Signals wait while a commit runs.
/// - **Failure.** An error or a signal before the commit removes the staging directory (and `DIR`, if this run
///   created it and it is still empty), leaving the previous set as it was. A process killed outright
///   (SIGKILL, power loss) during a commit leaves the journal; the next run into `DIR` completes that commit
///   before it starts, and discards a staging directory without a journal.
public final class RunDirectory: @unchecked Sendable {
    /// The directory that receives the files.
    public let destination: URL
    /// Where the run writes its files until `commit()`.
    public let staging: URL

    /// The record of the files of the last committed run (in `DIR`) and, inside the staging directory, the journal.
    public static let manifestName = ".statphys-run.json"
    /// The name of the hidden staging subdirectory of `DIR` in which a run writes its files until `commit()`.
    public static let stagingName = ".statphys-staging"
    static let manifestFormat = "statphys-run-files-1"

    private var lock: DirectoryLock?
    /// Directories this run created (outermost first), removed again when the run fails and they are empty.
    private let created: [URL]
    private var tokens: [Int]
    private var isOpen = true

    /// Prepares `destination` for a run: creates it if needed, locks it, completes or discards what an earlier
    /// run that was killed left behind, and creates the staging directory.
    public init(_ destination: URL) throws {
        Interruption.install()
        let destination = destination.standardizedFileURL
        self.destination = destination
        staging = destination.appendingPathComponent(Self.stagingName, isDirectory: true)
        let manager = FileManager.default
        var created: [URL] = [], tokens: [Int] = []
        var isDirectory: ObjCBool = false
        if manager.fileExists(atPath: destination.path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw OutputError("output path \(destination.path) exists and is not a directory") }
        } else {
            var missing: [URL] = []
            var url = destination
            while !manager.fileExists(atPath: url.path), url.path != "/" {
                missing.insert(url, at: 0)
                url = url.deletingLastPathComponent()
            }
            for directory in missing {
                if mkdir(directory.path, 0o777) == 0 {
                    created.append(directory)
                    tokens.append(Interruption.register(createdDirectory: directory.path))
                } else if errno != EEXIST {
                    let reason = String(cString: strerror(errno))
                    Self.removeIfEmpty(created)
                    tokens.forEach(Interruption.unregister)
                    throw OutputError("cannot create output directory \(destination.path)"
                                      + (directory == destination ? "" : " (at \(directory.path))") + ": \(reason)")
                }
            }
        }
        self.created = created
        self.tokens = tokens
        do {
            lock = try DirectoryLock(destination, busy: "another statphys run is writing into \(destination.path); wait for it to finish or choose another --output")
            guard access(destination.path, W_OK) == 0 else { throw OutputError("output directory \(destination.path) is not writable") }
            try recover()
            tokens.append(Interruption.register(path: staging.path))
            try Interruption.guarded {
                guard mkdir(staging.path, 0o777) == 0 else {
                    throw OutputError("cannot create \(staging.path): \(String(cString: strerror(errno)))")
                }
            }
        } catch {
            release(removingCreated: true)
            throw error
        }
    }

    deinit { abandon() }

    /// The file in `destination` that `url` (a file written into `staging`) becomes on commit.
    public func committed(_ url: URL) -> URL { destination.appendingPathComponent(url.lastPathComponent) }

    /// Moves the staged files into `destination`, removes the previous run's files that this run did not write,
    /// records the new set, and releases the lock. Returns the files now in `destination`, by name.
    @discardableResult
    public func commit() throws -> [URL] {
        guard isOpen else { throw OutputError("the run into \(destination.path) was already committed or abandoned") }
        let manager = FileManager.default
        let names = try ((try? manager.contentsOfDirectory(atPath: staging.path)) ?? [])
            .filter { name in
                var isDirectory: ObjCBool = false
                guard !name.hasPrefix("."), manager.fileExists(atPath: staging.appendingPathComponent(name).path, isDirectory: &isDirectory) else { return false }
                if isDirectory.boolValue { throw OutputError("\(staging.path)/\(name): a run writes files, not directories") }
                return true
            }.sorted()
        // A name taken by a directory in DIR cannot be replaced by a file: refuse before anything moves.
        for name in names {
            var isDirectory: ObjCBool = false
            if manager.fileExists(atPath: destination.appendingPathComponent(name).path, isDirectory: &isDirectory), isDirectory.boolValue {
                abandon()
                throw OutputError("cannot write \(destination.appendingPathComponent(name).path): a directory of that name is in the way")
            }
        }
        do {
            try AtomicFile.write(try Self.manifest(names), to: staging.appendingPathComponent(Self.manifestName))
        } catch {
            abandon()
            throw error
        }
        try Interruption.deferringSignals {
            defer { release(removingCreated: false) }
            try Self.complete(staging: staging, destination: destination)
        }
        return names.map { destination.appendingPathComponent($0) }
    }

    /// Discards the staged files; `destination` keeps what it held before (and is removed if this run created it
    /// and it is empty). Releases the lock.
    public func abandon() {
        guard isOpen else { return }
        try? FileManager.default.removeItem(at: staging)
        release(removingCreated: true)
    }

    /// Runs `body` (which writes its files into the staging directory it is given and returns them) as one
    /// transaction on `destination`: commits when `body` returns, abandons when it throws. Returns the committed
    /// counterparts of the files `body` returned, in its order.
    public static func write(into destination: URL, _ body: (_ staging: URL) throws -> [URL]) throws -> [URL] {
        let run = try RunDirectory(destination)
        let files: [URL]
        do {
            files = try body(run.staging)
        } catch let error as OutputError {
            // If a signal is being handled, its cleanup caused this error: let the handler end the process.
            Interruption.awaitTerminationIfInterrupted()
            run.abandon()
            // Name the file the user asked for, not its staged copy.
            throw OutputError(error.description.replacingOccurrences(of: run.staging.path + "/", with: run.destination.path + "/"))
        } catch {
            Interruption.awaitTerminationIfInterrupted()
            run.abandon()
            throw error
        }
        do {
            try run.commit()
        } catch {
            Interruption.awaitTerminationIfInterrupted()
            throw error
        }
        return files.map(run.committed)
    }

    // MARK: - Implementation

    private func release(removingCreated: Bool) {
        guard isOpen else { return }
        isOpen = false
        if removingCreated { Self.removeIfEmpty(created) }
        tokens.forEach(Interruption.unregister)
        lock?.release()
        lock = nil
    }

    private static func removeIfEmpty(_ directories: [URL]) {
        for directory in directories.reversed() { rmdir(directory.path) }
    }

    /// Finishes or discards what a killed run left in the staging directory (called with the lock held).
    private func recover() throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: staging.path, isDirectory: &isDirectory) else { return }
        guard isDirectory.boolValue else { throw OutputError("\(staging.path) is in the way (not a directory); remove it") }
        if FileManager.default.fileExists(atPath: staging.appendingPathComponent(Self.manifestName).path) {
            try Self.complete(staging: staging, destination: destination)
        } else {
            try? FileManager.default.removeItem(at: staging)
        }
        if FileManager.default.fileExists(atPath: staging.path) {
            throw OutputError("cannot remove the leftover \(staging.path) of an earlier run; remove it")
        }
    }

    /// The commit proper, given a complete journal in `staging`; idempotent, so that it can be resumed.
    static func complete(staging: URL, destination: URL) throws {
        let journal = staging.appendingPathComponent(manifestName)
        let names = try files(in: journal)
        for name in names {
            let source = staging.appendingPathComponent(name), target = destination.appendingPathComponent(name)
            guard FileManager.default.fileExists(atPath: source.path) else { continue }  // moved before an interruption
            guard rename(source.path, target.path) == 0 else {
                throw OutputError("cannot move \(name) into \(destination.path): \(String(cString: strerror(errno)))")
            }
        }
        let previous = destination.appendingPathComponent(manifestName)
        let stale = Set((try? files(in: previous)) ?? []).subtracting(names)
        for name in stale.sorted() {
            let url = destination.appendingPathComponent(name)
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), !isDirectory.boolValue {
                unlink(url.path)
            }
        }
        guard rename(journal.path, previous.path) == 0 else {
            throw OutputError("cannot record the files of this run in \(previous.path): \(String(cString: strerror(errno)))")
        }
        try? FileManager.default.removeItem(at: staging)
    }

    struct Manifest: Codable {
        var format: String
        var files: [String]
    }

    static func manifest(_ names: [String]) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(Manifest(format: manifestFormat, files: names)) + Data("\n".utf8)
    }

    /// The file names a manifest lists (plain names only: nothing outside the directory can be named).
    public static func files(in manifest: URL) throws -> [String] {
        let data: Data
        do { data = try Data(contentsOf: manifest) } catch {
            throw OutputError("cannot read \(manifest.path): \(error.localizedDescription)")
        }
        guard let decoded = try? JSONDecoder().decode(Manifest.self, from: data), decoded.format == manifestFormat else {
            throw OutputError("\(manifest.path) is not a statphys record of files")
        }
        return decoded.files.filter { !$0.isEmpty && $0 != "." && $0 != ".." && !$0.contains("/") && !$0.contains("\u{0}") }
    }
}
