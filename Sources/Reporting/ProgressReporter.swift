import Foundation
import Synchronization

/// A progress line on stderr for long runs: silent for the first `delay` seconds after the first report (short runs
/// print nothing), then, on a terminal, one line redrawn in place (`\r`) at most every 0.2 s; when stderr is not a
/// terminal (a log file, a batch job's output), a new line at most every `logInterval` seconds, so that the log stays
/// readable. Thread-safe: parallel workers may all report.
public final class ProgressReporter: Sendable {
    private struct State {
        var start: Date?, lastDraw = 0.0, drawn = false, fraction = 0.0, lastFraction = -1.0, finished = false
    }
    private let label: String
    private let enabled: Bool
    private let delay: Double
    private let interactive: Bool
    private let interval: Double
    private let write: @Sendable (String) -> Void
    private let state = Mutex(State())

    /// Seconds between the lines of a non-interactive progress log.
    public static let logInterval = 5.0

    /// `enabled: false` (the CLI's `--quiet`) turns it off entirely. `interactive` (default: whether stderr is a
    /// terminal) chooses between redrawing one line and appending lines every `interval` seconds (default 0.2 s on a
    /// terminal, `logInterval` otherwise); `write` receives the text (default: stderr).
    public init(label: String, enabled: Bool = true, delay: Double = 1.0, interactive: Bool? = nil, interval: Double? = nil,
                write: (@Sendable (String) -> Void)? = nil) {
        self.label = label
        self.enabled = enabled
        self.delay = delay
        let terminal = interactive ?? (isatty(STDERR_FILENO) != 0)
        self.interactive = terminal
        self.interval = interval ?? (terminal ? 0.2 : Self.logInterval)
        self.write = write ?? { FileHandle.standardError.write(Data($0.utf8)) }
    }

    /// Records that `fraction` (0…1) of the work is done.
    public func update(_ fraction: Double) {
        guard enabled else { return }
        let now = Date(), interactive = self.interactive, interval = self.interval
        let line: String? = state.withLock { s in
            guard !s.finished else { return nil }
            // The clock starts at the first report: a reporter made before its phase begins times the phase.
            if s.start == nil { s.start = now }
            let elapsed = now.timeIntervalSince(s.start!)
            s.fraction = max(s.fraction, min(1, fraction))
            guard elapsed >= delay, elapsed - s.lastDraw >= interval || s.fraction >= 1 && !s.drawn else { return nil }
            s.lastDraw = elapsed
            s.drawn = true
            s.lastFraction = s.fraction
            let text = Self.render(label: label, fraction: s.fraction, elapsed: elapsed)
            return interactive ? "\r" + text : text + "\n"
        }
        if let line { write(line) }
    }

    /// Ends the progress (once; later reports and calls are ignored): on a terminal, the final line and a newline (if
    /// anything was drawn); in a log, a last line at 100% unless the last one already said so.
    public func finish() {
        guard enabled else { return }
        let now = Date(), interactive = self.interactive
        let line: String? = state.withLock { s in
            let elapsed = now.timeIntervalSince(s.start ?? now)
            guard s.drawn, !s.finished else { s.finished = true; return nil }
            s.finished = true
            if !interactive && s.lastFraction >= 1 { return nil }
            s.lastFraction = 1
            let text = Self.render(label: label, fraction: 1, elapsed: elapsed)
            return interactive ? "\r" + text + "\n" : text + "\n"
        }
        if let line { write(line) }
    }

    static func render(label: String, fraction: Double, elapsed: Double) -> String {
        let width = 30
        let filled = Int((fraction * Double(width)).rounded(.down))
        let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
        let eta = fraction > 0 ? elapsed * (1 - fraction) / fraction : 0
        return "\(label) [\(bar)] \(Int(fraction * 100))% \(String(format: "%.1f", elapsed))s elapsed, ~\(String(format: "%.1f", eta))s left"
    }
}
