import Foundation

/// An exclusive `flock` on a directory itself (no lock file, so nothing is left behind, and the kernel releases it
/// when the process ends however it ends): one writer per directory, a second one refused at once.
public final class DirectoryLock: @unchecked Sendable {
    private var descriptor: Int32

    /// Locks the existing directory `directory`, exclusively or `shared` (many shared holders, no exclusive one); throws
    /// `OutputError(busy)` when another process holds a lock that conflicts. On a file system without locks (some
    /// network mounts) it proceeds unlocked with a warning on stderr.
    public init(_ directory: URL, busy: String, shared: Bool = false) throws {
        descriptor = open(directory.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { throw OutputError("cannot open directory \(directory.path): \(String(cString: strerror(errno)))") }
        if flock(descriptor, (shared ? LOCK_SH : LOCK_EX) | LOCK_NB) != 0 {
            let code = errno
            if code == EWOULDBLOCK {
                close(descriptor)
                descriptor = -1
                throw OutputError(busy)
            }
            FileHandle.standardError.write(Data(
                "warning: cannot lock \(directory.path) (\(String(cString: strerror(code)))); a concurrent run into it would not be detected\n".utf8))
        }
    }

    /// Releases the lock (idempotent; also on deinit).
    public func release() {
        if descriptor >= 0 { close(descriptor) }
        descriptor = -1
    }

    deinit { release() }
}
