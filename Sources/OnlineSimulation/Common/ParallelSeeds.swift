import Dispatch
import Synchronization

/// Runs `body(seedIndex)` for every seed, in parallel over cores, and returns the results in seed order.
///
/// Each seed must draw only from its own generator (e.g. `Xoshiro256(seed: base, stream: seedIndex)`),
/// so results are identical whatever the number of threads.
public func forEachSeed<Result: Sendable>(_ count: Int, _ body: @Sendable (Int) -> Result) -> [Result] {
    let results = Mutex<[Result?]>(Array(repeating: nil, count: count))
    DispatchQueue.concurrentPerform(iterations: count) { index in
        let value = body(index)
        results.withLock { $0[index] = value }
    }
    return results.withLock { $0.map { $0! } }
}

/// A thread-safe counter of completed work, for progress reporting across parallel seeds.
public final class ProgressCounter: Sendable {
    private let state: Mutex<Int> = Mutex(0)
    private let total: Int
    private let report: @Sendable (Double) -> Void

    /// `report` receives the fraction done (0…1) after every `add`.
    public init(total: Int, report: @escaping @Sendable (Double) -> Void) {
        self.total = max(total, 1)
        self.report = report
    }

    /// Adds `amount` units of completed work (from any thread) and reports the new fraction done, done/total.
    public func add(_ amount: Int) {
        let done = state.withLock { value -> Int in value += amount; return value }
        report(Double(done) / Double(total))
    }
}
