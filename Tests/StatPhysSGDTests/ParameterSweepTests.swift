import Foundation
import StatPhysSGD
import Testing

/// A cheap sweep: point p yields (p², a label), so shard bookkeeping can be checked without solving anything.
private struct SquaresSweep: ParameterSweep {
    struct Outcome: Codable, Sendable, Equatable {
        let square: Double
        let label: String?
    }

    var count: Int
    var offset = 0.0

    var pointCount: Int { count }
    var fingerprint: JSONValue { .object([("model", "squares"), ("count", .integer(count)), ("offset", .number(offset))]) }
    func solve(point index: Int) throws -> Outcome {
        Outcome(square: Double(index * index) + offset, label: index.isMultiple(of: 3) ? nil : "p\(index)")
    }
    func assemble(_ outcomes: [Outcome]) throws -> [Outcome] { outcomes }
    func failedOutcome(point index: Int, reason: String) -> Outcome { Outcome(square: .nan, label: "failed: " + reason) }
    func problem(with outcome: Outcome, point index: Int) -> String? {
        outcome.square == Double(index * index) + offset ? nil : "square \(outcome.square) is not \(index)² + \(offset)"
    }
}

private func temporaryDirectory() -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("statphys-sweep-\(UUID().uuidString)")
    try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

@Suite struct ParameterSweepTests {
    @Test func shardsPartitionThePoints() throws {
        for count in 1...7 {
            let points = try (0..<count).flatMap { try SweepShard(index: $0, count: count).points(of: 20) }
            #expect(points.sorted() == Array(0..<20))
        }
        #expect(try SweepShard(parsing: "2/5") == SweepShard(index: 2, count: 5))
        #expect(try SweepShard(parsing: "1/4").points(of: 10) == [1, 5, 9])
        for bad in ["5/5", "-1/3", "a/b", "3", "1/0", "1/2/3"] {
            #expect(throws: SweepError.self) { try SweepShard(parsing: bad) }
        }
    }

    @Test func mergedShardsEqualALocalRun() throws {
        let sweep = SquaresSweep(count: 11)
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        for index in 0..<4 { try sweep.run(shard: SweepShard(index: index, count: 4), directory: directory) }
        #expect(try sweep.merge(directory: directory) == sweep.run())
    }

    @Test func mergeRefusesMissingStaleOrMixedShards() throws {
        let sweep = SquaresSweep(count: 9)
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        #expect(throws: SweepError.self) { try sweep.merge(directory: directory) }  // nothing there yet

        try sweep.run(shard: SweepShard(index: 0, count: 3), directory: directory)
        try sweep.run(shard: SweepShard(index: 2, count: 3), directory: directory)
        let missing = #expect(throws: SweepError.self) { try sweep.merge(directory: directory) }
        #expect(missing?.description.contains("missing 1 of 3 shards: 1") == true)

        // A shard computed with other settings is refused, not silently mixed in.
        try SquaresSweep(count: 9, offset: 0.5).run(shard: SweepShard(index: 1, count: 3), directory: directory)
        let stale = #expect(throws: SweepError.self) { try sweep.merge(directory: directory) }
        #expect(stale?.description.contains("different settings") == true)

        try sweep.run(shard: SweepShard(index: 1, count: 3), directory: directory)
        #expect(try sweep.merge(directory: directory) == sweep.run())

        // A shard of a split into another number of parts.
        try sweep.run(shard: SweepShard(index: 0, count: 2), directory: directory)
        let mixed = #expect(throws: SweepError.self) { try sweep.merge(directory: directory) }
        #expect(mixed?.description.contains("number of shards") == true)
    }

    @Test func committeeSweepMergesToTheSameFile() throws {
        let base = try CommitteeScenario(
            studentUnits: 2, teacherUnits: 2, studentActivation: .relu, learningRate: 1,
            initialStudent: .overlaps(q: [0.5, 0, 0, 0.5], r: [0.1, 0, 0, 0.1]))
        // η = 6 diverges for ReLU units (erf ones saturate instead), so null outcomes travel through the shard files too.
        let sweep = try CommitteeFinalErrorSweep(base: base, learningRates: [0.5, 1, 6], noiseVariances: [0, 0.01], tMax: 20)
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        for index in 0..<4 { try sweep.run(shard: SweepShard(index: index, count: 4), directory: directory) }
        let merged = try sweep.merge(directory: directory), local = try sweep.run()
        #expect(merged.json == local.json)
        #expect(local.finalError.allSatisfy { $0[2] == nil && $0[0] != nil })
    }

    @Test func slurmScriptsRunTheShardsThenTheMerge() throws {
        let job = try SlurmArrayJob(name: "test", command: ["/opt/bin/statphys", "dmft", "threshold", "--output", "it's here"],
                                    shards: 16, workingDirectory: "/home/me/runs", cpusPerTask: 2, options: ["--time=01:00:00"])
        let array = job.arrayScript(logs: "/logs")
        #expect(array.hasPrefix("#!/bin/bash\n"))
        for line in ["#SBATCH --array=0-15", "#SBATCH --cpus-per-task=2", "#SBATCH --time=01:00:00", "cd '/home/me/runs'",
                     #"'/opt/bin/statphys' 'dmft' 'threshold' '--output' 'it'\''s here' '--quiet' '--shard' "${SLURM_ARRAY_TASK_ID}/16""#] {
            #expect(array.contains(line + "\n"), "missing \(line)")
        }
        #expect(job.mergeScript(logs: "/logs").contains("'--quiet' '--merge'\n"))
        #expect(job.submitScript.contains("--dependency=afterok:"))
        #expect(throws: SweepError.self) { try SlurmArrayJob(name: "x", command: ["a"], shards: 0, workingDirectory: "/") }
        #expect(throws: SweepError.self) {
            try SlurmArrayJob(name: "x", command: ["a"], shards: 2, workingDirectory: "/", options: ["time=1"])
        }
    }

    @Test func slurmOptionsAreNotPassedOn() {
        let arguments = ["dmft", "threshold", "--slurm", "8", "--alpha", "2:3:0.5", "--slurm-cpus=4", "--quiet",
                         "--slurm-option=--time=1:00:00", "--slurm-option", "--mem=4G", "--output", "out"]
        #expect(SlurmArrayJob.arguments(arguments, removing: ["--slurm", "--slurm-cpus", "--slurm-option"])
                == ["dmft", "threshold", "--alpha", "2:3:0.5", "--output", "out"])
    }
}
