import Foundation
import Testing
@testable import statphys
import StatPhysSGD

/// `--no-png`: SVGs, data and scripts but no PNG, for the invocation that asks only (a task-local, so that a
/// concurrent in-process run still gets its PNGs).
@Suite struct NoPNGCLITests {
    static func pngs(in directory: URL) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []).filter { $0.hasSuffix(".png") }
    }

    @Test func noPNGIsPerInvocation() async throws {
        let root = CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let with = root.appendingPathComponent("with"), without = root.appendingPathComponent("without")
        let base = ["online", "linear", "--theory-only", "--t-max", "2", "--points", "5", "--quiet", "--output"]
        async let a = Task.detached { StatPhys.execute(base + [without.path, "--no-png"]) }.value
        async let b = Task.detached { StatPhys.execute(base + [with.path]) }.value
        let (first, second) = await (a, b)
        #expect(first.status == 0 && second.status == 0, "\(first.message) \(second.message)")
        #expect(Self.pngs(in: without).isEmpty)
        #expect(FileManager.default.fileExists(atPath: without.appendingPathComponent("learning_curve.svg").path))
        if Rasterizer.converter != nil { #expect(!Self.pngs(in: with).isEmpty) }
        // Every command that draws figures takes it.
        let dmft = root.appendingPathComponent("dmft")
        #expect(StatPhys.execute(["dmft", "--steps", "20", "--quiet", "--no-png", "--output", dmft.path]).status == 0)
        #expect(Self.pngs(in: dmft).isEmpty)
    }
}
