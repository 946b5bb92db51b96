import ArgumentParser

/// The help of a group whose default subcommand runs when none is named (`statphys dmft [options]` is
/// `statphys dmft run [options]`): ArgumentParser's group help lists only `--help`, so the group's discussion carries
/// the default subcommand's options, taken from that subcommand's own help.
enum DefaultSubcommandHelp {
    /// `lead`, then the OPTIONS section of `command`'s help under a heading naming it as `invocation`.
    static func discussion(_ lead: String, defaultSubcommand command: ParsableCommand.Type, invocation: String) -> String {
        // Narrower than the 80 columns the group's discussion is wrapped to, so that no line is wrapped again.
        let help = command.helpMessage(columns: 78)
        // Every section after the usage (OPTIONS: and the titled option groups), without --help.
        guard let usage = help.range(of: "USAGE:"), let end = help.range(of: "\n\n", range: usage.upperBound..<help.endIndex)
        else { return lead }
        let sections = help[end.upperBound...].split(separator: "\n", omittingEmptySubsequences: false)
            .filter { !$0.contains("-h, --help") && !$0.contains("Show help information.") }
            .joined(separator: "\n").trimmingCharacters(in: .whitespacesAndNewlines)
        return lead + "\n\nThe options of `\(invocation)` (the default, so also accepted here):\n\n" + sections
    }
}
