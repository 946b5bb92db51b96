import Foundation
import Reporting
import Sweeps
import Testing

/// Sweep files: axes (lists, ranges, log ranges, flags, seeds), the command line, the grid's order, and every
/// malformed file refused with a message.
@Suite struct SweepSpecificationTests {
    @Test func theIssueExampleExpandsInOrder() throws {
        let spec = try SweepSpecification(json: #"{"command": "online linear --theory-only --t-max 5", "axes": {"lr": [0.5, 1.0, 1.5], "noise": "0:0.2:0.1"}}"#)
        #expect(spec.command == ["online", "linear", "--theory-only", "--t-max", "5"])
        #expect(spec.axes.map(\.name) == ["lr", "noise"])
        #expect(spec.axes[1].values.map(\.description) == ["0", "0.1", "0.2"])
        let grid = try spec.grid()
        #expect(grid.count == 9)
        // The last axis varies fastest.
        #expect(grid.point(0).options == ["--lr", "0.5", "--noise", "0"])
        #expect(grid.point(1).options == ["--lr", "0.5", "--noise", "0.1"])
        #expect(grid.point(8).options == ["--lr", "1.5", "--noise", "0.2"])
        #expect(grid.arguments(4, output: URL(fileURLWithPath: "/tmp/p")).suffix(6) == ["--lr", "1", "--noise", "0.1", "--output", "/tmp/p"])
        #expect(grid.point(5).label == "lr=1 noise=0.2")
    }

    @Test func rangesFlagsTextAndSeeds() throws {
        let spec = try SweepSpecification(json: """
            {"command": "statphys online committee --K 2", "axes": {
              "lr": "log:0.01:1:3", "batch": "1:4:1", "activation": ["erf", "relu"], "theory-only": [true, false],
              "reg": 0.25, "q0": "0.1:0.35:0.1"},
             "seeds": 2}
            """)
        #expect(spec.command == ["online", "committee", "--K", "2"])
        #expect(spec.axes.map(\.name) == ["lr", "batch", "activation", "theory-only", "reg", "q0", "seed"])
        #expect(spec.axes[0].values.map(\.description) == ["0.01", "0.1", "1"])
        #expect(spec.axes[1].values.map(\.description) == ["1", "2", "3", "4"])
        // 0.1 + 2·0.1 is passed as 0.3, and the stop is included only on the grid.
        #expect(spec.axes[5].values.map(\.description) == ["0.1", "0.2", "0.3"])
        #expect(spec.axes[6].values.map(\.description) == ["1", "2"])
        #expect(SweepValue.flag(true).arguments(option: "theory-only") == ["--theory-only"])
        #expect(SweepValue.flag(false).arguments(option: "theory-only").isEmpty)
        #expect(try spec.grid().count == 3 * 4 * 2 * 2 * 1 * 3 * 2)
        let listed = try SweepSpecification(json: #"{"command": "dmft run", "axes": {"alpha": [2, 3]}, "seeds": [7, 11]}"#)
        #expect(try listed.grid().point(3).options == ["--alpha", "3", "--seed", "11"])
    }

    @Test func commandLineQuoting() throws {
        #expect(try SweepSpecification.tokenize(#"online committee --init "my file.json" --lr-schedule 'power:1:0.5'"#)
                == ["online", "committee", "--init", "my file.json", "--lr-schedule", "power:1:0.5"])
        #expect(try SweepSpecification.tokenize(#"a "b \"c\" \\" ''"#) == ["a", #"b "c" \"#, ""])
        #expect(throws: SweepError.self) { try SweepSpecification.tokenize("a 'b") }
    }

    @Test(arguments: [
        ("[1, 2]", "JSON object"),
        (#"{"axes": {"lr": [1]}}"#, "needs \"command\""),
        (#"{"command": "online linear", "axes": {}}"#, "needs \"axes\""),
        (#"{"command": "online linear", "axes": {"lr": []}}"#, "has no values"),
        (#"{"command": "online linear", "axes": {"lr": [1, 1]}}"#, "repeats a value"),
        (#"{"command": "online linear", "axes": {"--lr": [1]}}"#, "not an option name"),
        (#"{"command": "online linear", "axes": {"output": ["a"]}}"#, "cannot be an axis"),
        (#"{"command": "online linear --output x", "axes": {"lr": [1]}}"#, "--output"),
        (#"{"command": "online linear --lr 2", "axes": {"lr": [1]}}"#, "also an axis"),
        (#"{"command": "sweep run f", "axes": {"lr": [1]}}"#, "another sweep"),
        (#"{"command": "", "axes": {"lr": [1]}}"#, "empty"),
        (#"{"command": "online linear", "axes": {"lr": "1:0:0.1"}}"#, "step > 0"),
        (#"{"command": "online linear", "axes": {"lr": "0:1:0"}}"#, "step > 0"),
        (#"{"command": "online linear", "axes": {"lr": "0:1e12:1e-6"}}"#, "at most"),
        (#"{"command": "online linear", "axes": {"lr": "log:0:1:3"}}"#, "> 0"),
        (#"{"command": "online linear", "axes": {"lr": "log:1:2:2.5"}}"#, "integer count"),
        (#"{"command": "online linear", "axes": {"lr": "a:b:c"}}"#, "finite numbers"),
        (#"{"command": "online linear", "axes": {"lr": [[1]]}}"#, "numbers, strings or booleans"),
        (#"{"command": "online linear", "axes": {"lr": [1]}, "seeds": 0}"#, "count from 1"),
        (#"{"command": "online linear", "axes": {"lr": [1]}, "seeds": [-1]}"#, "non-negative"),
        (#"{"command": "online linear", "axes": {"lr": [1]}, "grid": 3}"#, "unknown key"),
        (#"{"command": "online linear", "axes": {"a": "0:999:1", "b": "0:999:1", "c": "0:9:1"}}"#, "at most"),
        (#"{"command": "online linear", "axes": {"lr": [1]}"#, "not valid JSON"),
        (#"{"command": "online linear", "axes": {"lr": [1]}, "summary": "best"}"#, "\"summary\" must be"),
        (#"{"command": "online linear", "axes": {"reg": [1]}, "summary": "final-error"}"#, "needs the axis \"lr\""),
        (#"{"command": "online linear", "axes": {"lr": [1], "reg": [0]}, "summary": "final-error"}"#, "not \"reg\""),
        (#"{"command": "online committee portrait", "axes": {"lr": [1]}, "summary": "final-error"}"#, "reads runs of online"),
        (#"{"command": "dmft", "axes": {"lr": [1]}, "summary": "final-error"}"#, "reads runs of online"),
        (#"{"command": "online linear", "axes": {"alpha": [1]}, "summary": "threshold"}"#, "reads runs of dmft"),
        (#"{"command": "dmft threshold", "axes": {"alpha": [1]}, "summary": "threshold"}"#, "reads runs of dmft"),
        (#"{"command": "dmft", "axes": {"alpha": [1], "lr": [1]}, "summary": "threshold"}"#, "not \"lr\""),
    ])
    func malformedFilesAreRefused(_ text: String, _ reason: String) {
        do {
            _ = try SweepSpecification(json: text).grid()
            Issue.record("accepted \(text)")
        } catch let error as SweepError {
            #expect(error.description.contains(reason), "\(error.description)")
            #expect(error.isOutOfRange)
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func theFingerprintSeesTheAxesAndTheCommand() throws {
        let a = try SweepSpecification(json: #"{"command": "online linear", "axes": {"lr": [1, 2]}}"#)
        let b = try SweepSpecification(json: #"{"command": "online linear",  "axes": {"lr": [1.0, 2.0]}}"#)
        let c = try SweepSpecification(json: #"{"command": "online linear", "axes": {"lr": [1, 3]}}"#)
        let d = try SweepSpecification(json: #"{"command": "online classifier", "axes": {"lr": [1, 2]}}"#)
        #expect(a.fingerprint == b.fingerprint)
        #expect(a.fingerprint != c.fingerprint && a.fingerprint != d.fingerprint)
    }

    /// A summary changes what is assembled, not the points: the fingerprint ignores it. The file text a short-hand
    /// records reads back as the same specification, quoting and all.
    @Test func summariesKeepTheFingerprintAndFileTextsReadBack() throws {
        let plain = try SweepSpecification(json: #"{"command": "dmft --steps 40", "axes": {"batch": [1, 0.5], "alpha": "2:3:0.5"}}"#)
        let summed = try SweepSpecification(json: #"{"command": "dmft --steps 40", "axes": {"batch": [1, 0.5], "alpha": "2:3:0.5"}, "summary": "threshold"}"#)
        #expect(summed.summary == .threshold && plain.summary == nil && plain.fingerprint == summed.fingerprint)
        #expect(summed.json["summary"]?.stringValue == "threshold" && plain.json["summary"] == nil)
        let awkward = try SweepSpecification(command: ["online", "committee", "--init", "my 'odd' file.json", "--teacher", "", "--lr-schedule", "step:10:0.5"],
                                             axes: [try SweepAxis(name: "noise", commandLine: "0, 1e-3"), try SweepAxis(name: "lr", commandLine: "0.1:0.3:0.1")],
                                             summary: .finalError)
        let back = try SweepSpecification(json: awkward.fileText)
        #expect(back == awkward && back.fingerprint == awkward.fingerprint)
        #expect(back.axes[0].values.map(\.description) == ["0", "1e-3"] && back.axes[1].values.map(\.description) == ["0.1", "0.2", "0.3"])
        #expect(throws: SweepError.self) { try SweepAxis(name: "lr", commandLine: "0.1,,0.2") }
        #expect(throws: SweepError.self) { try SweepAxis(name: "lr", commandLine: "0.1,inf") }
        let error = #expect(throws: SweepError.self) { try SweepAxis(name: "alpha", commandLine: "2:3:1e-12") }
        #expect(error?.description.hasPrefix("--alpha: ") == true && error?.isOutOfRange == true)
        #expect(try SweepAxis(name: "lr", commandLine: "log:0.01:1:3").values.map(\.description) == ["0.01", "0.1", "1"])
    }

    @Test func samplesIncludeTheEnds() throws {
        let grid = try SweepSpecification(json: #"{"command": "online linear", "axes": {"lr": "1:1000:1"}}"#).grid()
        let sample = grid.sample(limit: 50)
        #expect(sample.count == 50 && sample.first == 0 && sample.last == 999 && sample == sample.sorted())
        #expect(try SweepSpecification(json: #"{"command": "x", "axes": {"lr": [1, 2]}}"#).grid().sample(limit: 50) == [0, 1])
    }
}
