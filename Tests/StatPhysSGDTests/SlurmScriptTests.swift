import Foundation
import StatPhysSGD
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

@Suite struct SlurmScriptTests {
    @Test func awkwardPathsAndArgumentsReachTheCommandUnchanged() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("statphys slurm \(UUID().uuidString)")
        let work = root.appendingPathComponent("work dir 'with' \"quotes\" $x `y` 100% ;#")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: root) }
        // A stand-in for statphys that records its working directory and arguments, one per line.
        let stub = root.appendingPathComponent("fake statphys $1")
        let record = root.appendingPathComponent("record")
        try "#!/bin/bash\n{ pwd; printf '%s\\n' \"$@\"; } > \"$RECORD\"\n".write(to: stub, atomically: true, encoding: .utf8)
        _ = chmod(stub.path, 0o755)
        let command = [stub.path, "online", "committee-sweep"] + awkward
        let job = try SlurmArrayJob(name: "name with space", command: command, shards: 4, workingDirectory: work.path,
                                    options: ["--time=01:00:00", "--comment=my run #1 \"x\"", "-p cpu queue"])
        let folder = root.appendingPathComponent("slurm 'dir' %a")
        let files = try job.write(to: folder)
        #expect(files.map(\.lastPathComponent) == ["sweep.sbatch", "merge.sbatch", "submit.sh"])

        let (status, _) = try shell("/bin/bash", [folder.appendingPathComponent("sweep.sbatch").path],
                                    environment: ["SLURM_ARRAY_TASK_ID": "2", "RECORD": record.path])
        #expect(status == 0)
        var lines = try String(contentsOf: record, encoding: .utf8).components(separatedBy: "\n").dropLast()
        #expect(lines.first == work.path)
        #expect(Array(lines.dropFirst()) == Array(command.dropFirst()) + ["--quiet", "--shard", "2/4"])

        #expect(try shell("/bin/bash", [folder.appendingPathComponent("merge.sbatch").path], environment: ["RECORD": record.path]).0 == 0)
        lines = try String(contentsOf: record, encoding: .utf8).components(separatedBy: "\n").dropLast()
        #expect(Array(lines.dropFirst()) == Array(command.dropFirst()) + ["--quiet", "--merge"])

        // What sbatch reads from the directives: the log path with % doubled (sbatch expands %j, %a there), the options
        // whole.
        let script = try String(contentsOf: folder.appendingPathComponent("sweep.sbatch"), encoding: .utf8)
        let directives = script.split(separator: "\n").filter { $0.hasPrefix("#SBATCH") }.flatMap { sbatchArguments(String($0)) }
        let logs = folder.appendingPathComponent("logs").path.replacingOccurrences(of: "%", with: "%%")
        #expect(directives.contains("--output=\(logs)/%x-%A_%a.out"), "\(directives)")
        #expect(directives.contains("--job-name=name with space"))
        #expect(directives.contains("--time=01:00:00") && script.contains("#SBATCH --time=01:00:00\n"))
        #expect(directives.contains("--comment=my run #1 \"x\""))
        #expect(directives.contains("-p") && directives.contains("cpu queue"))
        #expect(directives.contains("--array=0-3"))
    }

    @Test func submitRunsTheArrayThenTheMergeAfterIt() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("statphys submit \(UUID().uuidString)")
        let bin = root.appendingPathComponent("bin")
        try FileManager.default.createDirectory(at: bin, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: root) }
        // A fake sbatch: records its arguments and answers as `sbatch --parsable` does (job id;cluster).
        let log = root.appendingPathComponent("sbatch.log")
        try "#!/bin/sh\necho \"$*\" >> \"$SBATCH_LOG\"\necho \"4242;cluster\"\n".write(to: bin.appendingPathComponent("sbatch"), atomically: true, encoding: .utf8)
        _ = chmod(bin.appendingPathComponent("sbatch").path, 0o755)
        let job = try SlurmArrayJob(name: "j", command: ["/bin/true"], shards: 3, workingDirectory: root.path)
        let folder = root.appendingPathComponent("out $dir; `x`")
        _ = try job.write(to: folder)
        let path = bin.path + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
        let (status, output) = try shell("/bin/sh", [folder.appendingPathComponent("submit.sh").path],
                                         environment: ["PATH": path, "SBATCH_LOG": log.path])
        #expect(status == 0)
        #expect(output.contains("submitted array job 4242 (3 tasks) and merge job 4242"))
        let calls = try String(contentsOf: log, encoding: .utf8).split(separator: "\n")
        #expect(calls == ["--parsable sweep.sbatch", "--parsable --dependency=afterok:4242 merge.sbatch"])
    }

    @Test func controlCharactersAreRefusedWithAMessage() throws {
        let cases: [(String, [String], String, [String])] = [
            ("a\nb", ["x"], "/w", []), ("n", ["x", "two\nlines"], "/w", []), ("n", ["x"], "/tab\there", []),
            ("n", ["x"], "/w", ["--comment=bell\u{7}"]), ("n", ["x\r"], "/w", []),
        ]
        for (name, command, directory, options) in cases {
            let error = #expect(throws: SweepError.self) {
                try SlurmArrayJob(name: name, command: command, shards: 2, workingDirectory: directory, options: options)
            }
            #expect(error?.description.contains("control character") == true, "\(error?.description ?? "")")
        }
        let job = try SlurmArrayJob(name: "n", command: ["x"], shards: 2, workingDirectory: "/w")
        let base = FileManager.default.temporaryDirectory
        #expect(throws: SweepError.self) { try job.write(to: base.appendingPathComponent("new\nline-\(UUID().uuidString)")) }
        #expect(throws: SweepError.self) { try job.write(to: base.appendingPathComponent("back\\slash-\(UUID().uuidString)")) }
    }
}
