import Foundation
import Sweeps
import Testing

/// The arguments sbatch reads from one `#SBATCH` line: `_get_argument` of sbatch's opt.c, re-implemented (a backslash
/// escapes the next character, `'` or `"` quote until the same quote, whitespace ends an unquoted argument, an unquoted
/// `#` starts a comment).
private func sbatchArguments(_ line: String) -> [String] {
    var rest = Substring(line.dropFirst("#SBATCH".count))
    var arguments: [String] = []
    while true {
        rest = rest.drop(while: \.isWhitespace)
        guard !rest.isEmpty else { return arguments }
        var argument = "", escaped = false, quote: Character?
        while let c = rest.first, quote != nil || !c.isWhitespace {
            rest = rest.dropFirst()
            if escaped { escaped = false; argument.append(c); continue }
            if c == "\\" { escaped = true; continue }
            if let q = quote { if c == q { quote = nil } else { argument.append(c) }; continue }
            if c == "\"" || c == "'" { quote = c; continue }
            if c == "#" { return arguments + (argument.isEmpty ? [] : [argument]) }
            argument.append(c)
        }
        arguments.append(argument)
    }
}

private func shell(_ executable: String, _ arguments: [String], environment: [String: String] = [:]) throws -> (Int32, String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    let out = Pipe()
    process.standardOutput = out
    process.standardError = FileHandle.nullDevice
    try process.run()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}

/// Paths and arguments a shell or sbatch would mangle without quoting.
private let awkward = ["it's", "a \"quoted\" word", "$HOME and ${PATH}", "`date`", "$(echo hi)", "back\\slash", "50% of %j",
                       "semi;colon & amp | pipe", "star * ?", "#hash", "  spaces  ", "ünïcödé"]

/// The Slurm submission of a sweep: arrays split at MaxArraySize with the right offsets, every path quoted, the merge
/// after every array (afterany), resubmissions in new folders; run by bash with a stand-in sbatch.
@Suite struct SweepSlurmTests {
    static func scratch() -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("statphys-slurm-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test func arraysAreSplitAndEveryPathQuoted() throws {
        let root = Self.scratch()
        defer { try? FileManager.default.removeItem(at: root) }
        // A directory with a space, a quote, $ and %: quoted for bash, % doubled in the log pattern.
        let directory = SweepDirectory(root.appendingPathComponent("it's $HOME 5%"), count: 7)
        let slurm = try SweepSlurm(directory: directory, executable: URL(fileURLWithPath: "/opt/stat phys/statphys"), workingDirectory: "/work dir",
                                   cpusPerTask: 2, maxArray: 3, options: ["--partition=cpu", "--time=01:00:00"])
        let submission = try slurm.write(pending: [0, 2, 3, 4, 5, 6, 9])
        #expect(submission.sizes == [3, 3, 1] && submission.arrays.map(\.lastPathComponent) == ["array-0.sbatch", "array-1.sbatch", "array-2.sbatch"])
        #expect(submission.folder.lastPathComponent == "submission-1")
        let second = try String(contentsOf: submission.arrays[1], encoding: .utf8)
        #expect(second.contains("#SBATCH --array=0-2") && second.contains("#SBATCH --cpus-per-task=2") && second.contains("#SBATCH --partition=cpu"))
        #expect(second.contains("\"$(( 3 + SLURM_ARRAY_TASK_ID ))\""))
        #expect(second.contains("'/opt/stat phys/statphys' 'sweep' 'point'") && second.contains("it'\\''s $HOME 5%/slurm/submission-1/points.txt"))
        #expect(second.contains("5%%/slurm/submission-1/logs/%x-%A_%a.out") && second.contains("cd '/work dir'"))
        let list = try String(contentsOf: submission.folder.appendingPathComponent("points.txt"), encoding: .utf8)
        #expect(list == "0\n2\n3\n4\n5\n6\n9\n")
        let merge = try String(contentsOf: submission.merge, encoding: .utf8)
        #expect(merge.contains("'sweep' 'table'"))
        // A resubmission gets its own folder.
        #expect(try slurm.write(pending: [9]).folder.lastPathComponent == "submission-2")
        // Options and paths that a script cannot carry are refused.
        #expect(throws: SweepError.self) { try SweepSlurm(directory: directory, executable: URL(fileURLWithPath: "/bin/x"), workingDirectory: "/a\nb") }
        #expect(throws: SweepError.self) { try SweepSlurm(directory: directory, executable: URL(fileURLWithPath: "/bin/x"), workingDirectory: "/", options: ["cpu"]) }
        #expect(throws: SweepError.self) { try SweepSlurm(directory: directory, executable: URL(fileURLWithPath: "/bin/x"), workingDirectory: "/", maxArray: 0) }
    }

    /// submit.sh against a stand-in sbatch that records its arguments and answers job ids: the arrays are submitted
    /// in order and the merge depends on all of them with afterany.
    @Test func submitOrdersTheMergeAfterEveryArray() throws {
        let root = Self.scratch()
        defer { try? FileManager.default.removeItem(at: root) }
        let bin = root.appendingPathComponent("bin")
        try FileManager.default.createDirectory(at: bin, withIntermediateDirectories: true)
        let record = root.appendingPathComponent("calls.txt")
        let stand = bin.appendingPathComponent("sbatch")
        try """
            #!/bin/sh
            echo "$@" >> '\(record.path)'
            n=$(wc -l < '\(record.path)')
            echo "$((100 + n));cluster"
            """.write(to: stand, atomically: true, encoding: .utf8)
        _ = chmod(stand.path, 0o755)
        let slurm = try SweepSlurm(directory: SweepDirectory(root.appendingPathComponent("sweep"), count: 5), executable: URL(fileURLWithPath: "/bin/true"),
                                   workingDirectory: root.path, maxArray: 2)
        let submission = try slurm.write(pending: [0, 1, 2, 3, 4])
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = [submission.submit.path]
        process.environment = ["PATH": bin.path + ":/usr/bin:/bin"]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let calls = try String(contentsOf: record, encoding: .utf8).split(separator: "\n")
        #expect(calls == ["--parsable array-0.sbatch", "--parsable array-1.sbatch", "--parsable array-2.sbatch",
                          "--parsable --dependency=afterany:101:102:103 merge.sbatch"])
        #expect(output.contains("array job 101") && output.contains("merge job 104"))
    }

    /// Paths with every character a shell or sbatch would mangle reach the point command unchanged when bash runs the
    /// array script (a stand-in statphys records its working directory and arguments), and sbatch reads the
    /// directives whole (its own quoting rules, re-implemented above).
    @Test func awkwardPathsReachThePointCommandUnchanged() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("statphys slurm \(UUID().uuidString)")
        let work = root.appendingPathComponent("work dir 'with' \"quotes\" $x `y` 100% ;#")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: root) }
        let stub = root.appendingPathComponent("fake statphys $1 `date`")
        let record = root.appendingPathComponent("record")
        try "#!/bin/bash\n{ pwd; printf '%s\\n' \"$@\"; } > \"$RECORD\"\n".write(to: stub, atomically: true, encoding: .utf8)
        _ = chmod(stub.path, 0o755)
        // (A backslash in the sweep directory is refused: it would stop sbatch expanding %j in the log names; below.)
        let directory = SweepDirectory(root.appendingPathComponent(awkward.filter { !$0.contains("\\") }.joined(separator: " ")), count: 3)
        let slurm = try SweepSlurm(directory: directory, executable: stub, workingDirectory: work.path,
                                   options: ["--time=01:00:00", "--comment=my run #1 \"x\"", "-p cpu queue"])
        let submission = try slurm.write(pending: [0, 2])
        let (status, _) = try shell("/bin/bash", [submission.arrays[0].path], environment: ["SLURM_ARRAY_TASK_ID": "1", "RECORD": record.path])
        #expect(status == 0)
        let lines = try String(contentsOf: record, encoding: .utf8).components(separatedBy: "\n").dropLast()
        #expect(lines.first == work.path)
        #expect(Array(lines.dropFirst()) == ["sweep", "point", directory.url.path, "--list",
                                             submission.folder.appendingPathComponent("points.txt").path, "--line", "1"])
        let script = try String(contentsOf: submission.arrays[0], encoding: .utf8)
        let directives = script.split(separator: "\n").filter { $0.hasPrefix("#SBATCH") }.flatMap { sbatchArguments(String($0)) }
        let logs = submission.folder.appendingPathComponent("logs").path.replacingOccurrences(of: "%", with: "%%")
        #expect(directives.contains("--output=\(logs)/%x-%A_%a.out"), "\(directives)")
        #expect(directives.contains("--time=01:00:00") && script.contains("#SBATCH --time=01:00:00\n"))
        #expect(directives.contains("--comment=my run #1 \"x\""))
        #expect(directives.contains("-p") && directives.contains("cpu queue"))
        #expect(directives.contains("--array=0-1"))
    }

    @Test func controlCharactersAreRefusedWithAMessage() throws {
        let base = FileManager.default.temporaryDirectory
        let cases: [(String, String, [String])] = [
            ("/sweep\nnew", "/w", []), ("/sweep", "/tab\there", []), ("/sweep", "/w", ["--comment=bell\u{7}"]), ("/swe\rep", "/w", []),
        ]
        for (path, working, options) in cases {
            let error = #expect(throws: SweepError.self) {
                try SweepSlurm(directory: SweepDirectory(base.appendingPathComponent(path), count: 1), executable: URL(fileURLWithPath: "/bin/x"),
                               workingDirectory: working, options: options)
            }
            #expect(error?.description.contains("control character") == true, "\(error?.description ?? "")")
        }
        let slashed = base.appendingPathComponent("back\\slash-\(UUID().uuidString)")
        let slash = try SweepSlurm(directory: SweepDirectory(slashed, count: 1), executable: URL(fileURLWithPath: "/bin/x"), workingDirectory: "/w")
        let error = #expect(throws: SweepError.self) { try slash.write(pending: [0]) }
        #expect(error?.description.contains("backslash") == true)
        #expect(!FileManager.default.fileExists(atPath: slashed.path))
    }
}
