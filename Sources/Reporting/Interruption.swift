import Dispatch
import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What an interrupted run must undo, and the handlers that undo it.
///
/// On SIGINT, SIGTERM or SIGHUP the process removes every registered path (staging directories, temporary
/// files, directories it created for an output that never got its results), kills the child processes it
/// started (the PNG converter), and then dies of the same signal with the default action, so the parent sees
/// the usual status (130 for SIGINT, 143 for SIGTERM, 129 for SIGHUP). A signal that arrives while a commit
/// runs (`deferringSignals`) waits for it to finish, so a directory never holds half of two sets.
///
/// The handlers are installed on first use (`install()`, called by `RunDirectory` and `AtomicFile`); a signal the
/// process inherited as ignored stays ignored.
public enum Interruption {
    struct State {
        var installed = false
        /// Paths to remove, by registration token (removed in reverse registration order).
        var paths: [Int: String] = [:]
        var nextToken = 0
        var children: Set<pid_t> = []
        var deferring = 0
        var pending: Int32?
        var terminating = false
    }

    static let state = Mutex(State())
    /// Keeps the signal sources alive.
    nonisolated(unsafe) private static var sources: [DispatchSourceSignal] = []
    private static let queue = DispatchQueue(label: "statphys.interruption")
    static let signals: [Int32] = [SIGINT, SIGTERM, SIGHUP]

    /// Installs the signal handlers (idempotent).
    public static func install() {
        let first = state.withLock { s -> Bool in
            defer { s.installed = true }
            return !s.installed
        }
        guard first else { return }
        var created: [DispatchSourceSignal] = []
        for number in signals {
            let previous = signal(number, SIG_IGN)
            if Self.isIgnore(previous) { continue }  // inherited as ignored (e.g. `nohup`, background jobs): keep it so
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler { handle(number) }
            source.resume()
            created.append(source)
        }
        queue.sync { sources = created }
    }

    /// Whether a disposition returned by `signal` is SIG_IGN (generic over the platform's handler type).
    private static func isIgnore<Handler>(_ handler: Handler?) -> Bool {
        guard let handler, MemoryLayout<Handler>.size == MemoryLayout<Int>.size else { return false }
        return unsafeBitCast(handler, to: Int.self) == unsafeBitCast(SIG_IGN, to: Int.self)
    }

    /// Registers `path` (a file or directory) for removal if the process is interrupted; returns the token that
    /// `unregister` takes.
    public static func register(path: String) -> Int {
        install()
        return state.withLock { s in
            s.nextToken += 1
            s.paths[s.nextToken] = path
            return s.nextToken
        }
    }

    /// Withdraws the path registered under `token` (from `register(path:)`), e.g. once the file was renamed into
    /// place; an unknown token is ignored.
    public static func unregister(_ token: Int) {
        _ = state.withLock { $0.paths.removeValue(forKey: token) }
    }

    /// Runs `body` (a file-system change) unless an interruption is being handled, and never at the same time as
    /// its cleanup, so that nothing is created after the cleanup ran; during an interruption it waits for the
    /// handler to end the process (so the run ends with the signal's status, not with an error). `body` must not
    /// call `Interruption`.
    public static func guarded<T>(_ body: () throws -> T) throws -> T {
        install()
        let result: [T] = try state.withLock { s in s.terminating ? [] : [try body()] }
        guard let value = result.first else {
            awaitTerminationIfInterrupted()
            throw OutputError("interrupted")
        }
        return value
    }

    /// Whether an interruption is being handled (the process is about to die of its signal).
    public static var isTerminating: Bool { state.withLock { $0.terminating } }

    /// Starts `process` unless the process is being interrupted (then returns false without starting it); a
    /// started child is killed if the process is interrupted before `finished(_:)`.
    public static func run(_ process: Process) throws -> Bool {
        install()
        return try state.withLock { s in
            guard !s.terminating else { return false }
            try process.run()
            s.children.insert(process.processIdentifier)
            return true
        }
    }

    /// The child started by `run(_:)` has exited.
    public static func finished(_ process: Process) {
        _ = state.withLock { $0.children.remove(process.processIdentifier) }
    }

    /// Runs `body` with SIGINT, SIGTERM and SIGHUP held back; one that arrived meanwhile is acted on afterwards.
    /// If an interruption is already being handled, `body` does not run (its cleanup is removing what `body` would
    /// use): the call waits for the handler to end the process.
    public static func deferringSignals<T>(_ body: () throws -> T) throws -> T {
        install()
        let started = state.withLock { s -> Bool in
            guard !s.terminating else { return false }
            s.deferring += 1
            return true
        }
        guard started else {
            awaitTerminationIfInterrupted()
            throw OutputError("interrupted")
        }
        defer {
            let pending = state.withLock { s -> Int32? in
                s.deferring -= 1
                guard s.deferring == 0, let signal = s.pending else { return nil }
                s.pending = nil
                return signal
            }
            if let pending { handle(pending) }
        }
        return try body()
    }

    /// Blocks the calling thread while an interruption is being handled (the handler ends the process), so
    /// that an error caused by the cleanup (a staging directory that vanished) is never reported as the run's.
    public static func awaitTerminationIfInterrupted() {
        while isTerminating { usleep(50_000) }
    }

    /// Cleans up and dies of `number`, or postpones it while a commit runs.
    static func handle(_ number: Int32) {
        let work = state.withLock { s -> (paths: [String], children: Set<pid_t>)? in
            if s.deferring > 0 { s.pending = number; return nil }
            s.terminating = true
            let paths = s.paths.sorted { $0.key > $1.key }.map(\.value)
            s.paths.removeAll()
            return (paths, s.children)
        }
        guard let work else { return }
        for child in work.children {
            kill(child, SIGKILL)
            var status: Int32 = 0
            _ = waitpid(child, &status, 0)
        }
        for path in work.paths { cleanUp(path) }
        // Die of the signal: default action, and unblocked on this thread (libdispatch blocks the signals it
        // watches), so that the parent sees the usual status.
        signal(number, SIG_DFL)
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, number)
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
        raise(number)
        // The default action ends the process; should it not, end it anyway with the shell's status.
        usleep(200_000)
        _exit(128 + number)
    }

    /// Removes a registered path: a staging directory or temporary file entirely; a directory that was created
    /// for the run only if it is empty.
    static func cleanUp(_ path: String) {
        if path.hasPrefix(emptyDirectoryMarker) {
            rmdir(String(path.dropFirst(emptyDirectoryMarker.count)))
        } else {
            try? FileManager.default.removeItem(atPath: path)
        }
    }

    /// Prefix of a registered path that is removed only when it is an empty directory.
    static let emptyDirectoryMarker = "\u{0}empty:"

    /// Registers a directory the run created, to be removed on interruption if it is still empty.
    public static func register(createdDirectory path: String) -> Int {
        register(path: emptyDirectoryMarker + path)
    }
}
