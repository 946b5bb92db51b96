import ArgumentParser

@main
struct StatPhys: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "statphys",
        abstract: "Exact learning curves of (stochastic) gradient descent, checked against simulation.",
        discussion: """
            Online SGD: d → ∞ order-parameter ODEs solved with an adaptive Dormand–Prince integrator, overlaid \
            with finite-d simulations of the same scenario. Every run writes result.json, CSV data, SVG figures \
            (PNG too when rsvg-convert is installed) and a matplotlib plot.py beside each figure. A run locks its \
            output directory, writes into a hidden staging folder, and then replaces the previous run's files \
            (listed in DIR/.statphys-run.json) with its complete set; a failed or interrupted run leaves the \
            previous set as it was, and a second run into the same directory is refused.

            Exit status: 0 on success, 1 for a rejected setting or an I/O error, 64 for a malformed option (both with \
            a message), 3 when a trajectory \
            diverged (results up to the divergence are still written).
            """,
        subcommands: [Demo.self, Online.self, DMFTCommand.self])
}

struct Online: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Online SGD (one fresh sample per step, t = steps/d): theory and simulation.",
        subcommands: [OnlineLinear.self, OnlineClassifier.self, OnlineCommittee.self, OnlineCommitteeSweep.self])
}
