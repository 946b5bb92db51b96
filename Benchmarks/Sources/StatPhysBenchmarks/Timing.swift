import Foundation

/// A named workload, timed as the median of several runs after one warm-up.
struct Benchmark {
    let name: String
    /// What the users' current tool needs for the same job, for the speed-up column.
    let reference: Double?
    let repetitions: Int
    let body: () throws -> Void

    init(_ name: String, reference: Double? = nil, repetitions: Int = 5, _ body: @escaping () throws -> Void) {
        self.name = name; self.reference = reference; self.repetitions = repetitions; self.body = body
    }

    /// Median wall-clock seconds.
    func measure() throws -> Double {
        try body()
        var times: [Double] = []
        for _ in 0..<repetitions {
            let start = DispatchTime.now().uptimeNanoseconds
            try body()
            times.append(Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9)
        }
        return times.sorted()[times.count / 2]
    }
}

func formatSeconds(_ s: Double) -> String {
    if s < 1e-3 { return String(format: "%.1f µs", s * 1e6) }
    if s < 1 { return String(format: "%.2f ms", s * 1e3) }
    return String(format: "%.2f s", s)
}
