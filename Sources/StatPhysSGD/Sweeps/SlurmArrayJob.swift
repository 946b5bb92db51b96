import Foundation
import Reporting

/// The batch scripts that run a sweep on a Slurm cluster: an array job whose task i runs shard i/n of the
/// command, a merge job that assembles the shards once every task succeeded, and `submit.sh`, which submits both
/// (`sbatch --dependency=afterok:<array>` for the merge).
///
/// The scripts are plain bash with `#SBATCH` directives, so a task can also be run by hand:
/// `SLURM_ARRAY_TASK_ID=3 bash sweep.sbatch`.
public struct SlurmArrayJob: Sendable {
    /// The job name (`--job-name`).
    public var name: String
    /// The executable and its arguments, as given for a local run (no shard, merge or Slurm options).
    public var command: [String]
    public var shards: Int
    /// Where the jobs start, so that relative paths in `command` mean what they meant when the scripts were made.
    public var workingDirectory: String
    /// Cores per task; a task solves its points in parallel over them.
    public var cpusPerTask: Int
    /// Further `sbatch` options, one per directive, e.g. `--time=02:00:00`, `--partition=cpu`, `--account=abc`.
    public var options: [String]

    /// Throws for an empty command, fewer than one shard or core, an option that is not an sbatch flag, and any
    /// control character (newline, tab, …) in the name, the command, the working directory or an option: no quoting
    /// carries a newline through an `#SBATCH` line, and a path with one is almost certainly a mistake.
    public init(name: String, command: [String], shards: Int, workingDirectory: String, cpusPerTask: Int = 1,
                options: [String] = []) throws {
        guard !command.isEmpty else { throw SweepError("a Slurm job needs a command") }
        guard shards >= 1 else { throw SweepError("--slurm needs at least 1 shard, got \(shards)") }
        guard cpusPerTask >= 1 else { throw SweepError("--slurm-cpus must be at least 1, got \(cpusPerTask)") }
        for (what, text) in [("the job name", name), ("the working directory", workingDirectory)] + command.map({ ("the command argument", $0) })
            + options.map({ ("the Slurm option", $0) }) where Self.hasControlCharacter(text) {
            throw SweepError("\(what) \(Self.visible(text)) contains a newline or another control character, which a Slurm script "
                             + "cannot carry: rename the path or drop the character")
        }
        for option in options where !option.hasPrefix("-") {
            throw SweepError("a Slurm option is one sbatch flag such as --time=02:00:00, got '\(option)'")
        }
        self.name = name; self.command = command; self.shards = shards; self.workingDirectory = workingDirectory
        self.cpusPerTask = cpusPerTask; self.options = options
    }

    /// The array job: task i runs `command --shard i/n --quiet`.
    public func arrayScript(logs: String) -> String {
        script(directives: ["--job-name=" + Self.directiveValue(name), "--array=0-\(shards - 1)", "--cpus-per-task=\(cpusPerTask)",
                            "--output=" + Self.directiveValue(Self.fileNamePattern(literal: logs) + "/%x-%A_%a.out")],
               run: Self.quoted(command + ["--quiet", "--shard"]) + " \"${SLURM_ARRAY_TASK_ID}/\(shards)\"")
    }

    /// The merge job: `command --merge`, which writes the sweep's usual files.
    public func mergeScript(logs: String) -> String {
        script(directives: ["--job-name=" + Self.directiveValue(name + "-merge"), "--cpus-per-task=1",
                            "--output=" + Self.directiveValue(Self.fileNamePattern(literal: logs) + "/%x-%j.out")],
               run: Self.quoted(command + ["--quiet", "--merge"]))
    }

    /// Submits the array, then the merge with a dependency on every task's success.
    public var submitScript: String {
        """
        #!/bin/sh
        # Submits the \(shards)-task array job and the merge that runs after all tasks succeed.
        set -e
        cd "$(dirname "$0")"
        mkdir -p logs
        array=$(sbatch --parsable sweep.sbatch)
        array=${array%%;*}
        merge=$(sbatch --parsable --dependency=afterok:"$array" merge.sbatch)
        echo "submitted array job $array (\(shards) tasks) and merge job ${merge%%;*}"

        """
    }

    /// Writes `sweep.sbatch`, `merge.sbatch` and `submit.sh` into `directory`, with the job output going to `logs`:
    /// by default `directory/logs/` (created); when `directory` is a staging directory, pass the final folder, which
    /// the caller creates after the commit (`submit.sh` also creates it).
    public func write(to directory: URL, logs: URL? = nil) throws -> [URL] {
        let createsLogs = logs == nil
        let logs = logs ?? directory.appendingPathComponent("logs", isDirectory: true)
        if Self.hasControlCharacter(logs.path) {
            throw SweepError("the Slurm directory \(Self.visible(logs.path)) contains a newline or another control character, which an "
                             + "#SBATCH line cannot carry: choose another --output")
        }
        if logs.path.contains("\\") {
            throw SweepError("the Slurm log directory \(logs.path) contains a backslash, which makes sbatch ignore the %j and %a of the log "
                             + "file names (every task would write one file): choose an --output without one")
        }
        if createsLogs { try AtomicFile.prepareDirectory(logs) }
        let files = [("sweep.sbatch", arrayScript(logs: logs.path)), ("merge.sbatch", mergeScript(logs: logs.path)),
                     ("submit.sh", submitScript)]
        return try files.map { name, text in
            let url = directory.appendingPathComponent(name)
            try AtomicFile.write(text, to: url)
            _ = chmod(url.path, 0o755)
            return url
        }
    }

    private func script(directives: [String], run: String) -> String {
        var lines = ["#!/bin/bash"]
        lines += (directives + options.map(Self.directive(forOption:))).map { "#SBATCH \($0)" }
        lines += ["set -euo pipefail", "cd \(Self.quoted([workingDirectory]))", run, ""]
        return lines.joined(separator: "\n")
    }

    /// A directive's value as sbatch reads it from an `#SBATCH` line (`_get_argument` in sbatch's opt.c): as it is when
    /// it holds none of space, `"`, `'`, `\` and `#`; otherwise in double quotes, so that spaces do not split it, with `\`, `"` and `#` (an unescaped `#` starts a comment) escaped by a
    /// backslash; `'`, `$`, `;` and backticks are literal there. sbatch does not pass the value through a shell.
    static func directiveValue(_ value: String) -> String {
        guard value.isEmpty || value.contains(where: { $0.isWhitespace || "\"'\\#".contains($0) }) else { return value }
        var quoted = "\""
        for character in value {
            if character == "\\" || character == "\"" || character == "#" { quoted.append("\\") }
            quoted.append(character)
        }
        return quoted + "\""
    }

    /// A literal path inside an sbatch file-name pattern: `%` doubled, since sbatch expands %j, %x, %A, %a, … there.
    static func fileNamePattern(literal path: String) -> String { path.replacingOccurrences(of: "%", with: "%%") }

    /// A user's sbatch option as a directive: `--name=value` with the value quoted (`directiveValue`), `-p value` (a flag
    /// and its value separated by a space) likewise, a bare flag as it is. `%` is left alone: a pattern in a user's
    /// `--error=…-%j.out` is meant.
    static func directive(forOption option: String) -> String {
        if let equals = option.firstIndex(of: "=") {
            return String(option[...equals]) + directiveValue(String(option[option.index(after: equals)...]))
        }
        if let space = option.firstIndex(where: \.isWhitespace) {
            let value = option[space...].drop(while: \.isWhitespace)
            return String(option[..<space]) + " " + directiveValue(String(value))
        }
        return option
    }

    /// Whether `text` holds a newline, tab or other control character (Unicode general category Cc).
    static func hasControlCharacter(_ text: String) -> Bool {
        text.unicodeScalars.contains { $0.properties.generalCategory == .control }
    }

    /// `text` with control characters shown as \n, \t or \u{…}, for messages.
    static func visible(_ text: String) -> String {
        "'" + text.unicodeScalars.map { scalar -> String in
            switch scalar {
            case "\n": return "\\n"
            case "\t": return "\\t"
            case "\r": return "\\r"
            default: return scalar.properties.generalCategory == .control ? "\\u{\(String(scalar.value, radix: 16))}" : String(scalar)
            }
        }.joined() + "'"
    }

    /// Words quoted for the shell: 'word', with embedded quotes as '\''.
    public static func quoted(_ words: [String]) -> String {
        words.map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }.joined(separator: " ")
    }

    /// `arguments` without the options named in `names` and their values (`--name value` or `--name=value`), and
    /// without `--quiet`: what a shard or merge job passes on from the command that made the scripts.
    public static func arguments(_ arguments: [String], removing names: Set<String>) -> [String] {
        var kept: [String] = []
        var index = arguments.startIndex
        while index < arguments.endIndex {
            let argument = arguments[index]
            let name = String(argument.split(separator: "=", maxSplits: 1).first ?? "")
            if argument == "--quiet" {
                index += 1
            } else if names.contains(name) {
                index += argument.contains("=") ? 1 : 2
            } else {
                kept.append(argument)
                index += 1
            }
        }
        return kept
    }
}
