import Foundation

/// Text for Slurm batch scripts: `#SBATCH` values as sbatch reads them, shell quoting, and the checks that a value can
/// be carried at all (no control characters). Shared by every script the tool writes.
public enum SlurmScript {
    /// A directive's value as sbatch reads it from an `#SBATCH` line (`_get_argument` in sbatch's opt.c): as it is when
    /// it holds none of space, `"`, `'`, `\` and `#`; otherwise in double quotes, so that spaces do not split it, with `\`, `"` and `#` (an unescaped `#` starts a comment) escaped by a
    /// backslash; `'`, `$`, `;` and backticks are literal there. sbatch does not pass the value through a shell.
    public static func directiveValue(_ value: String) -> String {
        guard value.isEmpty || value.contains(where: { $0.isWhitespace || "\"'\\#".contains($0) }) else { return value }
        var quoted = "\""
        for character in value {
            if character == "\\" || character == "\"" || character == "#" { quoted.append("\\") }
            quoted.append(character)
        }
        return quoted + "\""
    }

    /// A literal path inside an sbatch file-name pattern: `%` doubled, since sbatch expands %j, %x, %A, %a, … there.
    public static func fileNamePattern(literal path: String) -> String { path.replacingOccurrences(of: "%", with: "%%") }

    /// A user's sbatch option as a directive: `--name=value` with the value quoted (`directiveValue`), `-p value` (a flag
    /// and its value separated by a space) likewise, a bare flag as it is. `%` is left alone: a pattern in a user's
    /// `--error=…-%j.out` is meant.
    public static func directive(forOption option: String) -> String {
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
    public static func hasControlCharacter(_ text: String) -> Bool {
        text.unicodeScalars.contains { $0.properties.generalCategory == .control }
    }

    /// `text` with control characters shown as \n, \t or \u{…}, for messages.
    public static func visible(_ text: String) -> String {
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


    /// A batch script: `#SBATCH` lines for `directives` and the user's `options` (`directive(forOption:)`), then strict
    /// bash, a `cd` to `workingDirectory` (so relative paths keep the meaning they had where the script was made), and
    /// `run`.
    public static func script(directives: [String], options: [String], workingDirectory: String, run: String) -> String {
        var lines = ["#!/bin/bash"]
        lines += (directives + options.map(directive(forOption:))).map { "#SBATCH \($0)" }
        lines += ["set -euo pipefail", "cd \(quoted([workingDirectory]))", run, ""]
        return lines.joined(separator: "\n")
    }

    /// Refuses a job-log directory that an `#SBATCH --output` pattern cannot name: one with a control character, or
    /// with a backslash (which makes sbatch ignore the %j and %a of the file names: every task would write one file).
    public static func checkLogDirectory(_ path: String) throws {
        if hasControlCharacter(path) {
            throw SweepError("the Slurm directory \(visible(path)) contains a newline or another control character, which an "
                             + "#SBATCH line cannot carry: choose another --output")
        }
        if path.contains("\\") {
            throw SweepError("the Slurm log directory \(path) contains a backslash, which makes sbatch ignore the %j and %a of the log "
                             + "file names (every task would write one file): choose an --output without one")
        }
    }

    /// Refuses an sbatch option that is not one flag, and any control character in `texts` (what each names).
    public static func checkCarried(_ texts: [(what: String, text: String)], options: [String]) throws {
        for (what, text) in texts + options.map({ ("the Slurm option", $0) }) where hasControlCharacter(text) {
            throw SweepError("\(what) \(visible(text)) contains a newline or another control character, which a Slurm script "
                             + "cannot carry: rename the path or drop the character")
        }
        for option in options where !option.hasPrefix("-") {
            throw SweepError("a Slurm option is one sbatch flag such as --time=02:00:00, got '\(option)'")
        }
    }
}
