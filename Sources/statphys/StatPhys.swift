import ArgumentParser
import Foundation
import StatPhysSGD
import Sweeps

@main
struct StatPhys: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "statphys",
        abstract: "Exact learning curves of (stochastic) gradient descent, checked against simulation.",
        discussion: """
            Online SGD: d → ∞ order-parameter ODEs solved with an adaptive Dormand–Prince integrator, overlaid \
            with finite-d simulations of the same scenario. Every run writes result.json, CSV data, SVG figures \
            (PNG too when rsvg-convert is installed) and beside each figure NAME.svg its data NAME.figure.json and a matplotlib script NAME.py. A run locks its \
            output directory, writes into a hidden staging folder, and then replaces the previous run's files \
            (listed in DIR/.statphys-run.json) with its complete set; a failed or interrupted run leaves the \
            previous set as it was, and a second run into the same directory is refused.

            Before it starts, every command estimates the memory (and time) the run needs and refuses one that \
            does not fit in --max-memory (default: half the physical memory); a run estimated to take longer \
            than ten minutes says so on stderr.

            Exit status (always with a message on stderr): 0 on success; 64 for a malformed option or an option \
            value outside its domain (a negative variance, K = 0, nan or inf, a run too large for --max-memory); \
            1 for valid values that do not go together, an input file that cannot be used, or an I/O error; \
            3 when a trajectory diverged (results up to the divergence are still written).
            """,
        subcommands: [Demo.self, Online.self, DMFTCommand.self, SweepCommand.self, PhaseDiagramCommand.self])

    /// What one invocation ended with: the exit status and the message for stderr (or, for help, stdout).
    struct Outcome {
        var status: Int32
        var message: String
    }

    /// The arguments of the invocation being executed, without the executable's name (what the short-hands pass on
    /// to their points).
    @TaskLocal static var invocation: [String] = Array(CommandLine.arguments.dropFirst())

    /// Parses and runs `arguments` (without the executable's name) in this process. Errors are mapped by
    /// `userFacing` and then by ArgumentParser's rules (`ValidationError` → 64, `ExitCode` → itself, other → 1).
    static func execute(_ arguments: [String]) -> Outcome {
        $invocation.withValue(arguments) { parseAndRun(arguments) }
    }

    private static func parseAndRun(_ arguments: [String]) -> Outcome {
        var command: ParsableCommand
        do {
            command = try parseAsRoot(arguments)
        } catch {
            return Outcome(status: exitCode(for: error).rawValue, message: fullMessage(for: error))
        }
        do {
            let png = !((command as? DrawsFigures)?.figures.noPNG ?? false)
            try Rasterizer.$isEnabled.withValue(png) { try command.run() }
            return Outcome(status: 0, message: "")
        } catch {
            // After parsing, the message alone: the root's usage line would not be the command's.
            let mapped = userFacing(error)
            let status = exitCode(for: mapped).rawValue
            if let validation = mapped as? ValidationError { return Outcome(status: status, message: "Error: \(validation.message)") }
            return Outcome(status: status, message: fullMessage(for: mapped))
        }
    }

    /// The one place where library errors meet exit statuses: an error that names one parameter outside its
    /// domain (`ScenarioError.isOutOfRange`, `DMFTError.invalidParameter`, `ResourceError`) is reported like a
    /// malformed option, as a `ValidationError` (exit 64). Everything else keeps its status (1 for a rejected
    /// combination, an input file or I/O, 3 for divergence).
    static func userFacing(_ error: Error) -> Error {
        switch error {
        case let error as ScenarioError where error.isOutOfRange: ValidationError(error.description)
        case let error as DMFTError where error.isOutOfRange: ValidationError(error.description)
        case let error as ResourceError: ValidationError(error.description)
        case let error as SweepError where error.isOutOfRange: ValidationError(error.description)
        default: error
        }
    }

    /// The resource estimate of the command `arguments` without running it (its `ResourceOptions.check` records the
    /// estimate and stops it), or the message and status it fails with before it gets there.
    static func estimate(_ arguments: [String]) -> Swift.Result<ResourceEstimate, EstimateFailure> {
        let sink = EstimateSink()
        let outcome = ResourceOptions.$estimateSink.withValue(sink) { execute(arguments) }
        if let estimate = sink.estimate { return .success(estimate) }
        return .failure(EstimateFailure(status: outcome.status == 0 ? 1 : outcome.status,
                                        message: outcome.status == 0 ? "the command gives no resource estimate" : outcome.message))
    }

    struct EstimateFailure: Error {
        var status: Int32
        var message: String
    }

    static func main() {
        let outcome = execute(Array(CommandLine.arguments.dropFirst()))
        if !outcome.message.isEmpty {
            if outcome.status == 0 {
                print(outcome.message)
            } else {
                FileHandle.standardError.write(Data((outcome.message + "\n").utf8))
            }
        }
        Foundation.exit(outcome.status)
    }
}

struct Online: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Online SGD (one fresh sample per step, t = steps/d): theory and simulation.",
        subcommands: [OnlineLinearGroup.self, OnlineClassifierGroup.self, OnlineCommitteeGroup.self, OnlineCommitteeSweep.self])
}
