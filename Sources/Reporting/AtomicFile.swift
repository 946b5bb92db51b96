import Foundation

/// Why a result could not be written.
public struct OutputError: Error, CustomStringConvertible, Sendable {
    /// The message, e.g. "cannot write PATH: REASON".
    public let description: String
    /// An error with the message `description`.
    public init(_ description: String) { self.description = description }
}

/// Atomic writes: the data goes to a temporary file in the same directory, which is then renamed over the
/// destination, so a reader never sees a half-written result.
public enum AtomicFile {
    /// Writes `data` to `url` atomically.
    public static func write(_ data: Data, to url: URL) throws {
        let directory = url.deletingLastPathComponent()
        let temporary = directory.appendingPathComponent(".\(url.lastPathComponent).\(UUID().uuidString).tmp")
        // An interrupted process removes the temporary file (`Interruption`).
        let token = Interruption.register(path: temporary.path)
        defer { Interruption.unregister(token) }
        do {
            // Not concurrently with an interruption's cleanup: a file is either written before it (and removed by
            // it) or not at all.
            try Interruption.guarded {
                try data.write(to: temporary)
                if rename(temporary.path, url.path) != 0 {
                    let reason = String(cString: strerror(errno))
                    try? FileManager.default.removeItem(at: temporary)
                    throw OutputError("cannot write \(url.path): \(reason)")
                }
            }
        } catch let error as OutputError {
            throw error
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw OutputError("cannot write \(url.path): \(error.localizedDescription)")
        }
    }

    /// Writes UTF-8 `text` to `url` atomically.
    public static func write(_ text: String, to url: URL) throws {
        try write(Data(text.utf8), to: url)
    }

    /// Creates `directory` (and parents) if needed and checks that it is writable. Safe when several processes
    /// create the same directory at once (shards of a sweep).
    public static func prepareDirectory(_ directory: URL) throws {
        let manager = FileManager.default
        var isDirectory: ObjCBool = false
        if manager.fileExists(atPath: directory.path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw OutputError("output path \(directory.path) exists and is not a directory") }
        } else {
            do {
                try Interruption.guarded { try manager.createDirectory(at: directory, withIntermediateDirectories: true) }
            } catch let error as OutputError {
                throw error
            } catch {
                // Another process may have created it in the meantime.
                guard manager.fileExists(atPath: directory.path, isDirectory: &isDirectory), isDirectory.boolValue else {
                    throw OutputError("cannot create output directory \(directory.path): \(error.localizedDescription)")
                }
            }
        }
        guard manager.isWritableFile(atPath: directory.path) else {
            throw OutputError("output directory \(directory.path) is not writable")
        }
    }
}
