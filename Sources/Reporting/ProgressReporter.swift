import Foundation
import Synchronization

/// A progress line on stderr for long runs: silent for the first `delay` seconds (short runs print nothing),
/// then redrawn at most every 0.2 s. Thread-safe: parallel workers may all report.
public final class ProgressReporter: Sendable {
    private struct State { var lastDraw = 0.0; var drawn = false; var fraction = 0.0 }
    private let label: String
    private let enabled: Bool
    private let delay: Double
    private let start = Date()
    private let state = Mutex(State())

    /// `enabled: false` (the CLI's `--quiet`) turns it off entirely.
    public init(label: String, enabled: Bool = true, delay: Double = 1.0) {
        self.label = label
        self.enabled = enabled
        self.delay = delay
    }

    /// Records that `fraction` (0…1) of the work is done.
    public func update(_ fraction: Double) {
        guard enabled else { return }
        let elapsed = Date().timeIntervalSince(start)
        let line: String? = state.withLock { s in
            s.fraction = max(s.fraction, min(1, fraction))
            guard elapsed >= delay, elapsed - s.lastDraw >= 0.2 || s.fraction >= 1 && !s.drawn else { return nil }
            s.lastDraw = elapsed
            s.drawn = true
            return Self.render(label: label, fraction: s.fraction, elapsed: elapsed)
        }
        if let line { FileHandle.standardError.write(Data(("\r" + line).utf8)) }
    }

    /// Ends the progress line (prints a newline if anything was drawn).
    public func finish() {
        guard enabled else { return }
        let elapsed = Date().timeIntervalSince(start)
        let line: String? = state.withLock { s in
            guard s.drawn else { return nil }
            return Self.render(label: label, fraction: 1, elapsed: elapsed) + "\n"
        }
        if let line { FileHandle.standardError.write(Data(("\r" + line).utf8)) }
    }

    static func render(label: String, fraction: Double, elapsed: Double) -> String {
        let width = 30
        let filled = Int((fraction * Double(width)).rounded(.down))
        let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
        let eta = fraction > 0 ? elapsed * (1 - fraction) / fraction : 0
        return "\(label) [\(bar)] \(Int(fraction * 100))% \(String(format: "%.1f", elapsed))s elapsed, ~\(String(format: "%.1f", eta))s left"
    }
}
