import Foundation
import StatPhysSGD
import Testing

/// Point p yields p + offset; the points in `failing` throw.
private struct CountingSweep: ParameterSweep {
    struct Outcome: Codable, Sendable, Equatable {
        let index: Int
        let value: Double?
        let failure: String?
    }

    var count: Int
    var failing: Set<Int> = []
    var offset = 0.0

    var pointCount: Int { count }
    var fingerprint: JSONValue { .object([("model", "counting"), ("count", .integer(count)), ("offset", .number(offset))]) }
    func solve(point index: Int) throws -> Outcome {
        if failing.contains(index) { throw SweepError("point \(index) cannot be solved") }
        return Outcome(index: index, value: Double(index) + offset, failure: nil)
    }
    func failedOutcome(point index: Int, reason: String) -> Outcome { Outcome(index: index, value: nil, failure: reason) }
    func problem(with outcome: Outcome, point index: Int) -> String? {
        guard outcome.index == index else { return "it is point \(outcome.index)" }
        if let value = outcome.value { return value == Double(index) + offset ? nil : "value \(value) is not \(Double(index) + offset)" }
        return outcome.failure == nil ? "null value without a failure" : nil
    }
    func assemble(_ outcomes: [Outcome]) throws -> [Outcome] { outcomes }
}

private func temporaryDirectory() -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("statphys-integrity-\(UUID().uuidString)")
    try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

private func shardFile(_ directory: URL, _ index: Int, of count: Int) -> URL {
    directory.appendingPathComponent("shards").appendingPathComponent(String(format: "shard-%04d-of-%04d.json", index, count))
}

/// Rewrites a shard file's payload with `edit` and a correct checksum: what a buggy or foreign writer would produce.
private func rewritePayload(_ url: URL, _ edit: (inout [String: Any]) -> Void) throws {
    var file = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
    var payload = try #require(try JSONSerialization.jsonObject(with: Data((file["payload"] as! String).utf8)) as? [String: Any])
    edit(&payload)
    let text = String(decoding: try JSONSerialization.data(withJSONObject: payload, options: [.sortedKeys]), as: UTF8.self)
    file["payload"] = text
    file["checksum"] = "sha256:" + SHA256.hex(text)
    try JSONSerialization.data(withJSONObject: file, options: [.sortedKeys]).write(to: url)
}

@Suite struct SweepIntegrityTests {
    @Test func aPointThatThrowsIsRecordedAndTheOthersFinish() throws {
        let sweep = CountingSweep(count: 7, failing: [3])
        let outcomes = try sweep.run()
        #expect(outcomes.count == 7)
        #expect(outcomes[3].value == nil && outcomes[3].failure?.contains("point 3 cannot be solved") == true)
        #expect(outcomes.enumerated().allSatisfy { $0.offset == 3 || $0.element.value == Double($0.offset) })
        // Through shards and the merge too.
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        for index in 0..<2 { try sweep.run(shard: SweepShard(index: index, count: 2), directory: directory) }
        #expect(try sweep.merge(directory: directory) == outcomes)
    }

    @Test func tamperedTruncatedForeignOrMisplacedShardsAreRefusedByName() throws {
        let sweep = CountingSweep(count: 6)
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        func writeAll() throws { for index in 0..<3 { try sweep.run(shard: SweepShard(index: index, count: 3), directory: directory) } }
        func refusal() -> String? { (#expect(throws: SweepError.self) { try sweep.merge(directory: directory) })?.description }
        try writeAll()
        #expect(try sweep.merge(directory: directory) == sweep.run())
        let file = shardFile(directory, 1, of: 3)
        let original = try Data(contentsOf: file)

        // A changed digit in the payload: the checksum no longer matches.
        let text = String(decoding: original, as: UTF8.self)
        try Data(text.replacingOccurrences(of: "4", with: "5").utf8).write(to: file)
        var message = refusal()
        #expect(message?.contains(file.path) == true && message?.contains("checksum") == true, "\(message ?? "")")

        // Cut short.
        try original.prefix(original.count / 2).write(to: file)
        message = refusal()
        #expect(message?.contains(file.path) == true && message?.contains("truncated") == true, "\(message ?? "")")

        // A well-formed file whose points carry other values (a foreign or buggy writer), with a valid checksum.
        try original.write(to: file)
        try rewritePayload(file) { payload in
            var outcomes = payload["outcomes"] as! [[String: Any]]
            outcomes[0]["value"] = 99.0
            payload["outcomes"] = outcomes
        }
        message = refusal()
        #expect(message?.contains(file.path) == true && message?.contains("point 1") == true, "\(message ?? "")")

        // Points that do not belong to this shard, or a point twice.
        try rewritePayload(file) { payload in payload["points"] = [1, 1] }
        message = refusal()
        #expect(message?.contains(file.path) == true && message?.contains("wrong points") == true, "\(message ?? "")")

        // A null where the point neither diverged nor failed.
        try original.write(to: file)
        try rewritePayload(file) { payload in
            var outcomes = payload["outcomes"] as! [[String: Any]]
            outcomes[1]["value"] = NSNull()
            payload["outcomes"] = outcomes
        }
        message = refusal()
        #expect(message?.contains("point 4") == true && message?.contains("null") == true, "\(message ?? "")")

        // Shard 1's file under shard 2's name.
        try writeAll()
        try FileManager.default.removeItem(at: shardFile(directory, 2, of: 3))
        try original.write(to: shardFile(directory, 2, of: 3))
        message = refusal()
        #expect(message?.contains(shardFile(directory, 2, of: 3).path) == true, "\(message ?? "")")

        // A file of another kind of sweep with the same name.
        try writeAll()
        try Data(#"{"format":"statphys-sweep-shard-1","fingerprint":"x","shard":0,"shards":3,"points":[0,3],"outcomes":[1,2]}"#.utf8)
            .write(to: shardFile(directory, 0, of: 3))
        message = refusal()
        #expect(message?.contains(shardFile(directory, 0, of: 3).path) == true, "\(message ?? "")")
    }

    @Test func aCommitteeSweepWithAnExtremeRateFinishesEveryPoint() throws {
        let base = try CommitteeScenario(studentUnits: 2, teacherUnits: 2, learningRate: 1,
                                         initialStudent: .overlaps(q: [0.5, 0, 0, 0.5], r: [0.1, 0, 0, 0.1]))
        let sweep = try CommitteeFinalErrorSweep(base: base, learningRates: [0.5, 1e6, 1e300], noiseVariances: [0, 0.1], tMax: 10)
        let result = try sweep.run()
        for row in result.points {
            #expect(row[0].finalError.map { $0 > 0 && $0.isFinite } == true)
            #expect(row[1].finalError == nil && row[1].divergence != nil)
            #expect(row[2].finalError == nil && row[2].divergence?.time == 0)
        }
        let json = result.json.serialized()
        #expect(json.contains("\"diverged\""))
    }

    @Test func aThresholdSweepWithAPointThatBlowsUpFinishesTheOthers() throws {
        let sweep = try ThresholdSweep(batches: [1], alphas: [3, 1e300], learningRate: 0.1, initialOverlap: 0.1, steps: 200)
        let result = try sweep.run()
        let points = result.curves[0].points
        #expect(points[0].relaxationSteps != nil && !points[0].diverged && points[0].reason == nil)
        #expect(points[1].diverged && points[1].relaxationSteps == nil && points[1].reason != nil)
    }
}
