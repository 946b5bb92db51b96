import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reading a small input file named on the command line, with a message that says what is wrong with the path.
///
/// The file type is checked before anything is opened, so that a FIFO (which would block a reader until something
/// writes to it) or a device is refused instead of hanging, and a directory is named as one.
public enum InputFile {
    /// Why an input file could not be read.
    public struct Failure: Error, CustomStringConvertible, Sendable {
        /// The message, naming the path and what is wrong with it.
        public let description: String
    }

    /// Files larger than this are refused (input files hold a few matrices).
    public static let maximumBytes = 256 << 20

    /// The contents of the regular file at `url`. Throws `Failure` for a missing path, a directory, a FIFO, socket
    /// or device, a file that is not readable or larger than `maximumBytes`, and for a read error.
    public static func read(_ url: URL) throws -> Data {
        let path = url.path
        var info = stat()
        guard stat(path, &info) == 0 else {
            let reason = errno == ENOENT ? "no such file" : String(cString: strerror(errno))
            throw Failure(description: "cannot read \(path): \(reason)")
        }
        switch info.st_mode & S_IFMT {
        case S_IFREG: break
        case S_IFDIR: throw Failure(description: "\(path) is a directory, not a file")
        case S_IFIFO: throw Failure(description: "\(path) is a FIFO (named pipe), not a regular file; give the path of a file")
        case S_IFSOCK: throw Failure(description: "\(path) is a socket, not a regular file")
        default: throw Failure(description: "\(path) is a device, not a regular file")
        }
        guard access(path, R_OK) == 0 else { throw Failure(description: "cannot read \(path): permission denied") }
        guard Int(info.st_size) <= maximumBytes else {
            throw Failure(description: "\(path) has \(info.st_size) bytes, more than an input file may have (\(maximumBytes))")
        }
        do {
            return try Data(contentsOf: url)
        } catch {
            throw Failure(description: "cannot read \(path): \(String(cString: strerror(EIO)))")
        }
    }
}
