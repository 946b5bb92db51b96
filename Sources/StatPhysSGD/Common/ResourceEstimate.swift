import Foundation

/// What a run needs before it starts: its peak memory and its work, estimated from the settings alone
/// (in `Double`, so that absurd settings give huge numbers instead of overflowing).
///
/// `bytes` counts the large allocations (vectors of length d, N(N−1)/2 or T², matrices of K² entries at every
/// output time, one per thread that runs at once); `operations` counts floating-point operations to within a
/// small factor. Both are upper estimates, not measurements.
public struct ResourceEstimate: Sendable, Hashable, CustomStringConvertible {
    /// Peak memory in bytes.
    public var bytes: Double
    /// Floating-point operations.
    public var operations: Double
    /// What dominates, for messages (e.g. "4 DMFT history triangles of 2001² / 2 doubles").
    public var detail: String

    /// An estimate of `bytes` of peak memory and `operations` floating-point operations; `detail` says what dominates.
    public init(bytes: Double, operations: Double, detail: String) {
        self.bytes = bytes; self.operations = operations; self.detail = detail
    }

    /// The sustained rate the time estimate assumes: 10⁹ operations per second per core, `cores` in parallel.
    public static let operationsPerSecondPerCore = 1e9

    /// Estimated wall-clock seconds on `cores` cores (parallel parts are spread over them).
    public func seconds(cores: Int = ProcessInfo.processInfo.activeProcessorCount) -> Double {
        operations / (Self.operationsPerSecondPerCore * Double(max(1, cores)))
    }

    /// The estimate of two phases run one after the other: memory of the larger, work of both.
    public func followed(by other: ResourceEstimate) -> ResourceEstimate {
        ResourceEstimate(bytes: max(bytes, other.bytes), operations: operations + other.operations,
                         detail: bytes >= other.bytes ? detail : other.detail)
    }

    /// Memory, work and what dominates, for messages: "1.5 GiB, ~3.2e+10 operations (…)".
    public var description: String {
        "\(Self.formatBytes(bytes)), ~\(String(format: "%.1e", operations)) operations (\(detail))"
    }

    /// 1.5 GiB, 512 MiB, 12 KiB, 100 B.
    public static func formatBytes(_ bytes: Double) -> String {
        guard bytes.isFinite else { return "more than any machine has" }
        let units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"]
        var value = bytes, unit = 0
        while value >= 1024, unit < units.count - 1 { value /= 1024; unit += 1 }
        if unit == units.count - 1 && value >= 1024 { return String(format: "%.1e B", bytes) }
        return unit == 0 ? "\(Int(value)) B" : String(format: "%.1f %@", value, units[unit])
    }

    /// 42 s, 12 min, 3.5 h, 2.0 days, 1.0e+05 years.
    public static func formatSeconds(_ seconds: Double) -> String {
        guard seconds.isFinite else { return "forever" }
        if seconds < 120 { return String(format: "%.0f s", seconds) }
        if seconds < 7200 { return String(format: "%.0f min", seconds / 60) }
        if seconds < 172_800 { return String(format: "%.1f h", seconds / 3600) }
        if seconds < 3.15e8 { return String(format: "%.1f days", seconds / 86400) }
        return String(format: "%.1e years", seconds / 3.15e7)
    }
}

/// Something that can estimate its resources before it runs: every experiment and sweep.
public protocol ResourceEstimating {
    /// The run's peak memory and work, from its settings alone (nothing runs).
    var resourceEstimate: ResourceEstimate { get }
}

/// A run refused because it cannot fit (the command line exits 64).
public struct ResourceError: Error, CustomStringConvertible, Sendable {
    /// Why the run was refused: what it needs, and what to change.
    public let description: String
    /// A refusal with the message `description`.
    public init(_ description: String) { self.description = description }
}

/// The memory a run may use, and the check every command makes before it starts.
public struct ResourceBudget: Sendable, Hashable {
    /// At most this many bytes.
    public var maximumBytes: Double
    /// Runs estimated to take longer than this (a century) are refused: they cannot finish.
    public static let maximumSeconds = 3.15e9
    /// Runs estimated to take longer than this get a warning.
    public var warningSeconds = 600.0

    /// A budget of `maximumBytes`; runs estimated to take longer than `warningSeconds` (600 s) get a warning.
    public init(maximumBytes: Double) { self.maximumBytes = maximumBytes }

    /// Half the physical memory: room for the system, the other processes, and the estimate's slack.
    public static var defaultMaximumBytes: Double { Double(ProcessInfo.processInfo.physicalMemory) / 2 }

    /// Throws `ResourceError` when `estimate` needs more than `maximumBytes`; returns a warning when it fits but
    /// is estimated to take longer than `warningSeconds`, `nil` otherwise.
    public func check(_ estimate: ResourceEstimate, what: String) throws -> String? {
        guard estimate.bytes.isFinite, estimate.bytes <= maximumBytes else {
            throw ResourceError("\(what) needs about \(ResourceEstimate.formatBytes(estimate.bytes)) of memory (\(estimate.detail)), "
                                + "more than --max-memory \(ResourceEstimate.formatBytes(maximumBytes)); make it smaller or raise --max-memory")
        }
        let seconds = estimate.seconds()
        guard seconds.isFinite, seconds <= Self.maximumSeconds else {
            throw ResourceError("\(what) would take about \(ResourceEstimate.formatSeconds(seconds)) (~\(String(format: "%.1e", estimate.operations)) "
                                + "operations: \(estimate.detail)), so it could never finish; make it smaller")
        }
        guard seconds > warningSeconds else { return nil }
        return "warning: \(what) is estimated to take about \(ResourceEstimate.formatSeconds(seconds)) "
            + "(~\(String(format: "%.1e", estimate.operations)) operations: \(estimate.detail)) and "
            + "\(ResourceEstimate.formatBytes(estimate.bytes)) of memory"
    }

    /// Parses a memory size: a byte count (`1073741824`, `1e9`) or a number with a binary suffix K, M, G or T
    /// (`512M`, `4G`, `1.5T`; an optional trailing `B` or `iB`, any case). Throws `ResourceError` for anything
    /// else, for a value that is not positive and finite, and for more than 2⁶³ bytes.
    public static func parseBytes(_ text: String) throws -> Double {
        let units: [Character: Double] = ["K": 1024, "M": 1_048_576, "G": 1_073_741_824, "T": 1_099_511_627_776]
        var number = text.trimmingCharacters(in: .whitespaces).uppercased()
        if number.hasSuffix("IB") { number.removeLast(2) } else if number.hasSuffix("B") { number.removeLast() }
        var factor = 1.0
        if let last = number.last, let unit = units[last] { factor = unit; number.removeLast() }
        guard let value = Double(number), number.first.map({ $0.isNumber || $0 == "." }) == true else {
            throw ResourceError("--max-memory must be a size like 4G, 512M, 1.5T or a byte count, got '\(text)'")
        }
        let bytes = value * factor
        guard bytes.isFinite, bytes >= 1 else {
            throw ResourceError("--max-memory must be a positive, finite size, got '\(text)'")
        }
        guard bytes <= 9.2e18 else {
            throw ResourceError("--max-memory must be at most 8 EiB (2^63 bytes), got '\(text)'")
        }
        return bytes
    }
}
