import Foundation
import Testing
@testable import statphys

/// The fuzz table: bad and extreme invocations of every command, run in this process through the CLI's own entry
/// point (`StatPhys.execute`, which `main` calls). A trap would kill the test process, so the suite failing is the
/// signal; each case also asserts its exit status and that a refusal says what is wrong.
///
/// Every numeric option of every command is given each bad value of its kind (negative, zero, nan, ±inf, empty,
/// garbage, Int.max or 10³⁰⁰ for sizes) and must be refused with status 64; the extreme values that are valid
/// (10⁻³⁰⁰, 10³⁰⁰, Int.max where the model allows them) must give a clean result: 0, or 3 for a divergence.
/// Extreme values whose handling belongs to other parts of the issue (divergence at t = 0, figures of flat or
/// non-finite curves) are not in the table.
@Suite struct FuzzCLITests {
    /// What an invocation must end with.
    enum Expected: Sendable, CustomStringConvertible {
        /// Status 0.
        case success
        /// Status 0 or 3 (a diverged run still writes its results).
        case clean
        /// Status 3: the run diverged, and its results up to the divergence (at least t = 0) are written.
        case diverged
        /// This status, with a message on stderr that contains one of the `|`-separated words of `mention`
        /// (case-insensitive): the option's name (parse errors) or the parameter's (the model's own checks).
        case refused(Int32, mention: String)

        var description: String {
            switch self {
            case .success: "success"
            case .clean: "success or divergence"
            case .diverged: "divergence (status 3) with result.json"
            case .refused(let status, let mention): "status \(status) mentioning '\(mention)'"
            }
        }
    }

    struct Case: Sendable, CustomTestStringConvertible {
        /// "OUT" is replaced by a fresh temporary directory, "FIXTURE/name" by a prepared input file.
        let arguments: [String]
        let expected: Expected
        var testDescription: String { arguments.joined(separator: " ") + " → \(expected)" }
    }

    // MARK: - Commands, with settings small enough that a successful case takes well under a second.
    // With --no-png: the SVG figures are still drawn from every case's data, but the rsvg-convert process per figure,
    // most of a case's time, is left to the tests of figures.

    static let linear = ["online", "linear", "--t-max", "0.5", "--d", "20", "--seeds", "2", "--points", "5", "--no-png", "--quiet", "--output", "OUT"]
    static let classifier = ["online", "classifier", "--t-max", "0.5", "--d", "20", "--seeds", "2", "--points", "5", "--no-png", "--quiet", "--output", "OUT"]
    static let committee = ["online", "committee", "--t-max", "1", "--d", "20", "--seeds", "2", "--points", "5", "--no-png", "--quiet", "--output", "OUT"]
    static let committeePlateau = committee + ["--q0", "0.5", "--r0", "0"]
    static let committeeTheory = ["online", "committee", "--t-max", "1", "--points", "5", "--theory-only", "--no-png", "--quiet", "--output", "OUT"]
    static let sweep = ["online", "committee-sweep", "--t-max", "1", "--q0", "0.5", "--r0", "0.1", "--lr", "0.1,0.2", "--noise", "0",
                        "--no-png", "--quiet", "--output", "OUT"]
    static let dmft = ["dmft", "--steps", "20", "--no-png", "--quiet", "--output", "OUT"]
    static let dmftSimulated = ["dmft", "--steps", "5", "--simulate", "--N", "20", "--seeds", "2", "--no-png", "--quiet", "--output", "OUT"]
    static let threshold = ["dmft", "threshold", "--steps", "20", "--batch", "1", "--alpha", "2,3", "--no-png", "--quiet", "--output", "OUT"]
    static let demo = ["demo", "--no-png", "--quiet", "--output", "OUT"]
    static let portrait = ["online", "linear", "portrait", "--theory-only", "--t-max", "0.5", "--points", "5", "--arrows", "5",
                           "--nullcline-grid", "11", "--no-png", "--quiet", "--output", "OUT"]
    static let classifierPortrait = ["online", "classifier", "portrait", "--loss", "square", "--theory-only", "--t-max", "0.5", "--points", "5",
                                     "--arrows", "5", "--nullcline-grid", "11", "--no-png", "--quiet", "--output", "OUT"]
    static let committeePortrait = ["online", "committee", "portrait", "--theory-only", "--t-max", "0.5", "--points", "5", "--r0s", "0.1",
                                    "--no-png", "--quiet", "--output", "OUT"]
    static let phaseDiagram = ["phase-diagram", "--command", "online linear --theory-only --t-max 0.5 --points 5 --no-png", "--x", "lr=0.5,1",
                               "--y", "reg=0,0.5", "--no-png", "--quiet", "--output", "OUT"]

    // MARK: - Bad values by kind of option.

    static let garbage = ["", "abc", "nan", "inf", "-inf"]
    /// A real option that must be finite and positive.
    static let notPositive = ["-1", "0"] + garbage
    /// A real option that must be finite and non-negative.
    static let negative = ["-1"] + garbage
    /// A count: not an integer, or not positive, or so large that no memory holds the run.
    static let badCount = ["-1", "0", "1e300", "1e308", "1e-300", "9223372036854775807"] + garbage
    static let badSeed = ["-1", "1e300", "18446744073709551616", "", "abc", "nan", "inf"]
    static let badMemory = ["-1", "0", "1e300", "9999999999999999999G", "1e-300", "4X", "G"] + garbage

    static func values(_ base: [String], _ option: String, _ values: [String], _ expected: Expected) -> [Case] {
        values.map { Case(arguments: base + ["--\(option)=\($0)"], expected: expected) }
    }

    static func refused(_ base: [String], _ option: String, _ values: [String], mention: String? = nil) -> [Case] {
        let words = "--\(option)" + (mention.map { "|" + $0 } ?? "")
        return values.map { value in
            // A size of Int.max parses; the resource check refuses it, naming the memory or the time it would take.
            let expected = value == "9223372036854775807" ? words + "|memory|never finish" : words
            return Case(arguments: base + ["--\(option)=\(value)"], expected: .refused(64, mention: expected))
        }
    }

    /// Every option's bad values, with what the message must name (the option or the parameter).
    static let optionCases: [Case] = {
        var cases: [Case] = []
        for base in [linear, classifier] {
            cases += refused(base, "lr", notPositive, mention: "learning rate")
            cases += refused(base, "noise", negative)
            cases += refused(base, "reg", negative, mention: "weight decay")
            cases += refused(base, "rho", notPositive, mention: "teacher norm")
            cases += refused(base, "m0", garbage, mention: "m0")
            cases += refused(base, "q0", negative, mention: "q0")
            cases += refused(base, "t-max", notPositive)
            cases += refused(base, "points", badCount, mention: "points")
            cases += refused(base, "d", badCount)
            cases += refused(base, "seeds", badCount, mention: "seeds")
            cases += refused(base, "seed", badSeed)
            cases += refused(base, "max-memory", badMemory)
            cases += values(base, "noise", ["1e-300"], .success)
            cases += values(base, "reg", ["1e-300"], .success)
            cases += values(base, "rho", ["1e-300"], .success)
            cases += values(base, "m0", ["1e-300"], .success)
            cases += values(base, "q0", ["1e-300", "9223372036854775807"], .clean)
            cases += values(base, "seed", ["0", "9223372036854775808"], .success)
        }
        // Mini-batches: an integer in 1…10⁹ for every online model.
        for base in [linear, classifier, committee] {
            cases += refused(base, "batch", ["-1", "0", "1.5", "1e3", "1000000001", "9223372036854775807", "99999999999999999999"] + garbage,
                             mention: "batch")
            cases += values(base, "batch", ["3"], .success)
        }
        // Phase portraits and phase diagrams.
        // Every option on the linear portrait (a refusal costs ~0.6 s in a debug build: ArgumentParser's usage text of a
        // command with this many options), the classifier's own on its portrait.
        cases += refused(classifierPortrait, "starts", ["abc", "0:1,"], mention: "--starts")
        cases += refused(classifierPortrait, "loss", ["abc"], mention: "loss")
        cases += values(classifierPortrait + ["--loss", "perceptron"], "starts", ["0:0"], .refused(1, mention: "q0 > 0"))
        for base in [portrait] {
            cases += refused(base, "starts", ["", "abc", "1", "1:2:3", "nan:1", "0:inf", "0:1,", String(repeating: "0:1,", count: 50) + "0:1"], mention: "--starts")
            cases += refused(base, "arrows", ["-1", "0", "4", "61", "9223372036854775807"] + garbage, mention: "--arrows")
            cases += refused(base, "nullcline-grid", ["-1", "10", "402"] + garbage, mention: "--nullcline-grid")
            cases += refused(base, "t-max", notPositive)
            cases += refused(base, "points", ["-1", "0", "1"] + garbage, mention: "points")
            cases += refused(base, "lr", notPositive, mention: "learning rate")
        }
        // Extreme values run the whole portrait (the classifier's flow is a quadrature: slow in a debug build, so only
        // the linear one here; the classifier's code past its options is the same).
        cases += values(portrait, "starts", ["0:1e-300", "1e-300:1", "0:1e300"], .clean)
        cases += values(portrait, "lr", ["1e-300", "1e300"], .clean)
        cases += values(portrait, "starts", ["2:1"], .refused(1, mention: "m0"))
        cases += values(portrait, "lr-schedule", ["inverse:10"], .refused(64, mention: "constant learning rate"))
        cases += refused(committeePortrait, "plane", ["", "R11", "R11:R11", "R13:R12", "R_0_1:R12", "X11:R12", "R11:R12:Q11", ":"], mention: "--plane")
        cases += refused(committeePortrait, "r0s", ["", "abc", "nan", "0.1,", String(repeating: "0.1,", count: 20) + "0.1"], mention: "--r0s")
        cases += values(committeePortrait, "plane", ["Q_off:Q_diag", "r12:q21", "R_2_2:Q_1_1"], .clean)
        cases += values(committeePortrait, "r0s", ["2"], .refused(1, mention: "overlap|semidefinite|realis"))
        cases += refused(phaseDiagram, "x", ["", "lr", "=1", "lr=", "lr=1:0:1", "lr=0:1:0", "lr=a,b"], mention: "--x|lr|axis")
        cases += refused(phaseDiagram, "seeds", ["-1", "0", "10001"] + garbage, mention: "--seeds")
        cases += refused(phaseDiagram, "target", ["-1", "0"] + garbage, mention: "--target")
        // (No run of the sweep in-process: its points are processes of the statphys executable; PhaseDiagramCLITests run it.)
        cases += refused(classifier, "flip", ["-1", "0.6"] + garbage, mention: "flip")
        cases += refused(classifier, "loss", ["", "abc"], mention: "loss")
        cases += values(classifier, "flip", ["0", "1e-300", "0.5"], .success)
        // (For the classifier, lr = 1e-300 and t-max = 1e-300 give flat curves whose figure ticks are the figures'
        // part of the issue.)
        cases += values(linear, "t-max", ["1e-300"], .success)
        cases += values(linear, "max-memory", ["64G", "1073741824", "512MiB"], .success)
        cases += values(linear, "lr", ["1e-300"], .success)
        cases += values(linear, "lr", ["9223372036854775807"], .clean)
        // Stiff: λ = 9.2e18 makes the explicit integrator take ~10¹⁹ steps; refused as never finishing.
        cases += refused(linear, "reg", ["9223372036854775807", "1e300"], mention: "never finish")

        // Theory only: sizes also set the one random student the theory draws.
        cases += refused(committeeTheory, "K", badCount)
        cases += refused(committeeTheory, "M", badCount)
        cases += refused(committeeTheory, "t-max", ["0", "nan", "1e308"], mention: "never finish")
        for base in [committee] {
            cases += refused(base, "K", badCount)
            cases += refused(base, "M", badCount)
            cases += refused(base, "lr", notPositive, mention: "learning rate")
            cases += refused(base, "noise", negative)
            cases += refused(base, "reg", negative, mention: "weight decay")
            cases += refused(base, "t-max", notPositive)
            cases += refused(base, "points", badCount, mention: "points")
            cases += refused(base, "quadrature-order", badCount + ["1", "201"], mention: "quadrature-order")
            // Every integral has a closed form for erf, ReLU and linear pairs: the order would have no effect.
            for pair in [["--activation", "erf"], ["--activation", "relu"], ["--activation", "linear", "--teacher-activation", "linear"]] {
                cases.append(Case(arguments: base + pair + ["--quadrature-order", "20"], expected: .refused(64, mention: "closed form")))
            }
            // (Order 6: the mixed pair's 4-D integrals cost order⁴ per evaluation.)
            cases += values(base + ["--activation", "relu", "--teacher-activation", "erf"], "quadrature-order", ["6"], .success)
            cases += refused(base, "v0", garbage + ["1e300", "-1e308"], mention: "second layer")
            cases += refused(base, "init-variance", notPositive + ["1e300"], mention: "variance")
            cases += refused(base, "max-memory", badMemory)
            cases += refused(base, "activation", ["", "abc"], mention: "activation")
            cases += refused(base, "teacher-activation", ["", "abc"], mention: "activation")
            cases += refused(base, "second-layer", ["", "abc"], mention: "second-layer")
            cases += refused(base, "heatmap-times", ["-1", "2", "", "abc", "nan", "inf"], mention: "heatmap-times")
            cases += values(base, "lr", ["1e-300"], .success)
            cases += values(base, "noise", ["1e-300"], .success)
            cases += values(base, "reg", ["1e-300"], .success)
            cases += values(base, "v0", ["-1", "0", "1e-300"], .success)
            cases += values(base, "init-variance", ["1e-300"], .success)
        }
        cases += refused(committee, "d", badCount)
        cases += values(committee, "d", ["3"], .refused(1, mention: "K + M"))
        cases += refused(committee, "seeds", badCount, mention: "seeds")
        cases += refused(committee, "seed", badSeed)
        cases += values(committee, "seed", ["18446744073709551615"], .success)
        cases += values(committee, "heatmap-times", ["0", "1e-300,1"], .success)
        // (Linear units: an erf committee's ODE at η ~ 10¹⁹ is stiff, ~400 000 explicit steps to its divergence, 36 s in a
        // debug build; its huge-rate path is tested in SweepIntegrityTests and DivergenceCriterionTests.)
        cases += values(committee + ["--activation", "linear"], "lr", ["9223372036854775807"], .clean)
        cases += values(committee, "t-max", ["1e-300"], .success)
        cases += refused(committeePlateau, "q0", ["-1"] + garbage + ["1e300"], mention: "Q")
        cases += refused(committeePlateau, "r0", garbage + ["1e300"], mention: "R")
        cases += values(committeePlateau, "q0", ["0", "1e-300"], .success)
        cases += values(committeePlateau, "r0", ["1e-300"], .success)
        let trained = committee + ["--second-layer", "trained"]
        cases += refused(trained, "lr2", notPositive, mention: "second-layer learning rate")
        cases += values(trained, "lr2", ["1e-300"], .success)
        // A run that cannot fit is refused before its optimal schedule is computed (tens of forward and adjoint sweeps).
        for base in [linear, classifier] {
            cases.append(Case(arguments: base + ["--lr-schedule", "optimal", "--seeds", "1000000000"], expected: .refused(64, mention: "memory|never finish")))
        }
        // Biases (K = M = 1: the shifted integrals are quadratures, kept cheap here).
        let biased = committee + ["--K", "1", "--M", "1", "--bias", "trained"]
        cases += refused(committee, "bias", ["", "abc", "yes"], mention: "--bias")
        cases += refused(biased, "b0", garbage + ["1e300", "1,2", "1,"], mention: "--b0")
        cases += refused(biased, "teacher-bias", garbage + ["-1e300", "1,2"], mention: "--teacher-bias")
        cases += refused(biased, "lr-bias", notPositive, mention: "--lr-bias")
        cases.append(Case(arguments: committee + ["--b0", "0.1"], expected: .refused(64, mention: "--bias")))
        cases.append(Case(arguments: committee + ["--lr-bias", "0.1"], expected: .refused(64, mention: "--bias trained")))
        cases.append(Case(arguments: ["online", "committee", "--stability", "--teacher-bias", "0.3"], expected: .refused(64, mention: "bias")))
        cases += values(biased, "b0", ["1e-300", "1e100", "-3"], .clean)
        cases += values(biased, "teacher-bias", ["1e-300", "1e100"], .clean)
        cases += values(biased, "lr-bias", ["1e-300", "50"], .clean)
        cases += values(committee + ["--K", "1", "--M", "1", "--activation", "relu"], "teacher-bias", ["0.5"], .success)

        cases += refused(sweep, "lr", ["-1", "0", "", "abc", "nan", "1:0:0.1", "0:1:0", "0:1:-1", "0:inf:1", "0:1:nan", "0:1e300:1e-300"],
                         mention: "learning rate")
        cases += refused(sweep, "noise", ["-1", "", "abc", "nan", "inf"], mention: "noise")
        cases += refused(sweep, "t-max", notPositive)
        cases += refused(sweep, "K", badCount)
        cases += refused(sweep, "max-memory", badMemory)
        cases += refused(sweep, "shard", ["2/2", ""], mention: "shard")
        cases += refused(sweep, "jobs", ["0", "-1", "4097", "abc"], mention: "--jobs")
        cases += values(sweep, "lr", ["1e-300", "0.1:0.3:0.1"], .success)
        cases += values(sweep, "noise", ["1e-300,0.1"], .success)

        cases += refused(dmftSimulated, "alpha", ["0", "nan"], mention: "alpha")
        cases += refused(dmftSimulated, "steps", ["0", "9223372036854775807"], mention: "steps")
        for base in [dmft] {
            cases += refused(base, "alpha", notPositive, mention: "alpha")
            cases += refused(base, "lr", notPositive, mention: "learning rate")
            cases += refused(base, "batch", notPositive + ["1.5"], mention: "batch")
            cases += refused(base, "m0", ["-1", "2"] + garbage, mention: "m0")
            cases += refused(base, "c0", notPositive, mention: "c0")
            cases += refused(base, "steps", badCount + ["100000001"], mention: "steps")
            cases += refused(base, "max-memory", badMemory)
            cases += refused(base, "criterion", ["", "abc", "delta:", "delta:nan", "m:inf", "x:1"], mention: "criterion")
            cases += values(base, "m0", ["1e-300"], .success)
        }
        cases += values(dmft, "alpha", ["1e300", "9223372036854775807"], .clean)
        cases += values(dmft, "lr", ["1e-300"], .success)
        cases += values(dmft, "lr", ["1e300"], .clean)
        // α·N couplings per sample: refused as too large for memory.
        cases += values(dmftSimulated, "alpha", ["1e300", "9223372036854775807"], .refused(64, mention: "memory"))
        cases += refused(dmftSimulated, "N", badCount + ["1"], mention: "N")
        cases += refused(dmftSimulated, "seeds", badCount, mention: "seeds")
        cases += refused(dmftSimulated, "seed", badSeed)
        cases += refused(dmftSimulated, "precision", ["", "half"], mention: "precision")
        cases += values(dmftSimulated, "seed", ["0", "9223372036854775808"], .success)
        cases += values(dmftSimulated, "precision", ["float"], .success)
        // Without --simulate these would be ignored.
        for option in ["N=20", "samples=2", "seed=3", "precision=float"] {
            cases.append(Case(arguments: dmft + ["--\(option)"], expected: .refused(64, mention: "--simulate")))
        }

        cases += refused(threshold, "alpha", ["-1", "0", "", "abc", "nan", "3:2:0.1", "2:3:0", "2:inf:1"], mention: "alpha")
        cases += refused(threshold, "batch", ["-1", "0", "1.5", "", "abc", "nan"], mention: "batch")
        cases += refused(threshold, "lr", notPositive, mention: "learning rate")
        cases += refused(threshold, "m0", ["-1", "2"] + garbage, mention: "m0")
        cases += refused(threshold, "steps", badCount, mention: "steps")
        cases += refused(threshold, "max-memory", badMemory)
        cases += refused(threshold, "shard", ["2/2", ""], mention: "shard")
        cases += refused(threshold, "slurm-cpus", ["4"], mention: "cpus-per-task")
        cases += refused(threshold + ["--slurm"], "cpus-per-task", ["0", "-1", "4097", "abc"], mention: "cpus-per-task")
        cases += refused(threshold + ["--slurm"], "max-array", ["0", "-1", "abc"], mention: "max-array")
        cases += refused(threshold, "partition", ["cpu"], mention: "goes with --slurm")
        cases += values(threshold, "alpha", ["1e300", "2:3:0.5"], .success)
        cases += values(threshold, "batch", ["1e-300"], .success)

        cases += refused(demo, "max-memory", badMemory)
        cases.append(Case(arguments: demo + ["--max-memory", "1K"], expected: .refused(64, mention: "max-memory")))

        // Learning-rate schedules, for every online model: a malformed SPEC or a parameter out of its domain is 64 and
        // says what is wrong; extreme valid ones run (a step schedule with astronomically many steps is refused as
        // never finishing).
        for base in [linear, classifier, committee] {
            cases += refused(base, "lr-schedule", ["inverse:0", "power:1", "step:1:-2", "cosine:nan", "foo", ""], mention: "schedule")
        }
        cases += refused(linear, "lr-schedule", ["inverse:-1", "inverse:abc", "power:1:0", "power:1:inf", "step:0:0.5", "step:1:inf",
                                                 "cosine:0", "constant:1", "inverse:1:2"], mention: "schedule")
        cases += refused(linear, "lr-schedule", ["step:1e-300:0.5"], mention: "never finish|memory")
        cases += values(linear, "lr-schedule", ["inverse:1e-300", "inverse:1e300", "power:1e-300:1e300", "cosine:1e-300", "step:1e300:1e300"],
                        .success)
        cases += values(classifier, "lr-schedule", ["cosine:0.2"], .success)
        cases += values(committee, "lr-schedule", ["step:0.1:0.5"], .success)
        // A rate that jumps to 10³⁰⁰ at t = 0.1 diverges there (linear regression); the classifier's estimate refuses it.
        cases += values(linear, "lr-schedule", ["step:0.1:1e300"], .diverged)
        cases += refused(classifier, "lr-schedule", ["step:0.1:1e300"], mention: "never finish")
        cases.append(Case(arguments: ["online", "committee", "--stability", "--lr-schedule", "inverse:3"],
                          expected: .refused(64, mention: "--lr-schedule")))
        // Momentum (every online model): β in [0, 1), γ > 0, not both; scaled momentum for every model.
        for base in [linear, classifier, committee] {
            cases += refused(base, "momentum", ["1", "-0.1", "1.5"] + garbage, mention: "momentum")
            cases += values(base, "momentum", ["0", "0.9"], .success)
            cases += refused(base, "momentum-scaled", notPositive, mention: "momentum")
            cases.append(Case(arguments: base + ["--momentum", "0.5", "--momentum-scaled", "2"], expected: .refused(64, mention: "exclude")))
        }
        for base in [linear, classifier] {
            cases += values(base, "momentum-scaled", ["2", "1e-300"], .success)
            cases += values(base, "momentum-scaled", ["50"], .refused(1, mention: "γ ≤ d"))
            // Greedy and optimal schedules split the ODE as f a + f² b, which scaled momentum's is not.
            cases += values(base + ["--momentum-scaled", "2"], "lr-schedule", ["greedy", "optimal"], .refused(64, mention: "momentum-scaled"))
        }
        cases += values(committee, "momentum-scaled", ["2"], .success)
        cases += values(committee + ["--second-layer", "trained"], "momentum-scaled", ["2"], .success)
        cases += values(committee + ["--bias", "trained", "--activation", "linear"], "momentum-scaled", ["2"], .success)
        cases.append(Case(arguments: ["online", "committee", "--stability", "--momentum-scaled", "2"], expected: .refused(64, mention: "momentum-scaled")))
        // The greedy schedule: bounds must be positive, finite and ordered, and are refused without greedy; greedy runs
        // for every model (a committee needs specified initial overlaps: it is computed before the simulation).
        for base in [linear, classifier, committee] {
            cases += refused(base + ["--lr-schedule", "greedy"], "lr-min", ["0", "-1", "nan", "inf", "abc"], mention: "lr-min")
            cases += refused(base + ["--lr-schedule", "greedy"], "lr-max", ["0", "-1e-300", "nan", "inf"], mention: "lr-max")
            cases += refused(base, "lr-min", ["0.1"], mention: "no effect")
            cases += refused(base + ["--lr-schedule", "inverse:1"], "lr-max", ["0.1"], mention: "no effect")
            cases.append(Case(arguments: base + ["--lr-schedule", "greedy", "--lr-min", "0.2", "--lr-max", "0.1"],
                              expected: .refused(64, mention: "exceeds")))
        }
        cases += values(linear + ["--lr-schedule", "greedy"], "lr-min", ["1e-300", "0.5"], .success)
        cases += values(linear + ["--lr-schedule", "GREEDY"], "lr-max", ["1e-300", "1.9"], .success)
        cases += values(classifier + ["--lr-schedule", "greedy"], "lr-max", ["2"], .success)
        cases += values(committee + ["--lr-schedule", "greedy", "--q0", "0.5", "--r0", "0.2"], "lr-max", ["1"], .success)
        cases.append(Case(arguments: committee + ["--lr-schedule", "greedy"], expected: .refused(1, mention: "initial overlaps")))
        cases += values(linear + ["--lr-schedule", "optimal"], "lr-min", ["0.01"], .success)
        cases += refused(classifier + ["--lr-schedule", "optimal"], "lr-max", ["0", "nan"], mention: "lr-max")
        return cases
    }()

    /// The examples of issue #11 and the other combinations that used to be silently ignored or misreported.
    static let exampleCases: [Case] = [
        // Sizes that overflow or cannot fit: refused before anything is allocated.
        Case(arguments: ["online", "committee", "--K", "1000000", "--output", "OUT"], expected: .refused(64, mention: "memory")),
        Case(arguments: ["online", "committee", "--K", "9223372036854775807", "--M", "9223372036854775807", "--output", "OUT"],
             expected: .refused(64, mention: "memory")),
        Case(arguments: ["online", "committee", "--stability", "--K", "100000", "--M", "100000"], expected: .refused(64, mention: "memory")),
        Case(arguments: ["dmft", "--simulate", "--N", "100000", "--output", "OUT"], expected: .refused(64, mention: "memory")),
        Case(arguments: ["dmft", "--simulate", "--N", "9223372036854775807", "--output", "OUT"], expected: .refused(64, mention: "memory")),
        Case(arguments: ["dmft", "--steps", "9223372036854775807", "--output", "OUT"], expected: .refused(64, mention: "steps")),
        Case(arguments: ["dmft", "threshold", "--alpha", "2:3:1e-12", "--output", "OUT"], expected: .refused(64, mention: "--alpha")),
        Case(arguments: ["online", "committee-sweep", "--q0", "0.5", "--r0", "0.2", "--lr", "0.001:1000:0.000001", "--output", "OUT"],
             expected: .refused(64, mention: "--lr")),
        Case(arguments: linear + ["--max-memory", "9999999999999999999G"], expected: .refused(64, mention: "max-memory")),
        Case(arguments: linear + ["--t-max", "1e308"], expected: .refused(64, mention: "never finish")),
        Case(arguments: committee + ["--t-max", "1e308"], expected: .refused(64, mention: "never finish")),
        // Exit status 64 for every option out of its domain.
        Case(arguments: linear + ["--reg=-1"], expected: .refused(64, mention: "weight decay")),
        Case(arguments: linear + ["--lr=-1"], expected: .refused(64, mention: "learning rate")),
        Case(arguments: committee + ["--K", "0"], expected: .refused(64, mention: "--K")),
        Case(arguments: dmft + ["--steps", "0"], expected: .refused(64, mention: "steps")),
        Case(arguments: threshold + ["--shard", "2/2"], expected: .refused(64, mention: "shard")),
        Case(arguments: linear + ["--noise", "inf"], expected: .refused(64, mention: "finite")),
        Case(arguments: committee + ["--noise", "inf"], expected: .refused(64, mention: "finite")),
        Case(arguments: committee + ["--v0", "1e308"], expected: .refused(64, mention: "second layer")),
        // Options that would be silently ignored.
        Case(arguments: committee + ["--lr2", "0.1"], expected: .refused(64, mention: "--second-layer trained")),
        Case(arguments: sweep + ["--init-variance", "2"], expected: .refused(64, mention: "--init-variance")),
        Case(arguments: committee + ["--q0", "0.5", "--r0", "0", "--init-variance", "2"], expected: .refused(64, mention: "--init-variance")),
        Case(arguments: ["online", "committee", "--stability", "--noise", "0.1"], expected: .refused(64, mention: "noise")),
        Case(arguments: ["online", "committee", "--stability", "--teacher", "random"], expected: .refused(64, mention: "random")),
        Case(arguments: ["online", "committee", "--stability", "--q0", "0.5", "--r0", "0"], expected: .refused(64, mention: "--stability")),
        Case(arguments: linear + ["--theory-only", "--seeds", "3"], expected: .refused(64, mention: "--theory-only")),
        Case(arguments: classifier + ["--theory-only", "--d", "30"], expected: .refused(64, mention: "--theory-only")),
        Case(arguments: committeePlateau + ["--theory-only", "--seed", "3"], expected: .refused(64, mention: "--theory-only")),
        // A valid combination that is still rejected: status 1, with the reason.
        Case(arguments: classifier + ["--loss", "perceptron", "--q0", "0"], expected: .refused(1, mention: "perceptron")),
        Case(arguments: linear + ["--m0", "2"], expected: .refused(1, mention: "Cauchy")),
        Case(arguments: dmft + ["--spherical", "--c0", "2"], expected: .refused(1, mention: "c0 must be 1")),
        // Input files: named for what they are, and a FIFO must not block the reader.
        Case(arguments: committeeTheory + ["--init", "FIXTURE/directory"], expected: .refused(1, mention: "directory")),
        Case(arguments: committeeTheory + ["--init", "FIXTURE/fifo"], expected: .refused(1, mention: "FIFO")),
        Case(arguments: committeeTheory + ["--teacher", "FIXTURE/fifo"], expected: .refused(1, mention: "FIFO")),
        Case(arguments: committeeTheory + ["--init", "FIXTURE/missing.json"], expected: .refused(1, mention: "no such file")),
        Case(arguments: committeeTheory + ["--init", "FIXTURE/garbage.json"], expected: .refused(1, mention: "not a JSON object")),
        Case(arguments: committeeTheory + ["--init", "FIXTURE/asymmetric.json"], expected: .refused(1, mention: "symmetric")),
        Case(arguments: committeeTheory + ["--init", "FIXTURE/perfect3.json"], expected: .refused(1, mention: "K = 3")),
        Case(arguments: committeeTheory + ["--teacher", "FIXTURE/asymmetric-teacher.json"], expected: .refused(1, mention: "symmetric")),
        Case(arguments: committeeTheory + ["--init", "FIXTURE/perfect-v.json", "--v0", "2"], expected: .refused(1, mention: "--v0")),
        // The perfect-learning start Q = R = T is a valid student, in the theory and in the simulation.
        Case(arguments: committee + ["--init", "FIXTURE/perfect.json"], expected: .success),
        Case(arguments: committeeTheory + ["--init", "FIXTURE/perfect.json"], expected: .success),
        Case(arguments: committee + ["--init", "FIXTURE/half-perfect.json"], expected: .success),
        Case(arguments: ["online", "committee", "--stability", "--K", "1", "--M", "1"], expected: .success),
        // Divergence decided by the dynamics (another slice's fix, kept here so the table covers it): a stable run at
        // extreme scales succeeds; one that overflows at the first step writes t = 0 and exits 3.
        Case(arguments: linear + ["--noise", "1e7"], expected: .success),
        Case(arguments: linear + ["--rho", "1e6", "--lr", "1e-9"], expected: .success),
        Case(arguments: linear + ["--lr", "14", "--t-max", "10"], expected: .diverged),
        Case(arguments: linear + ["--lr", "1e300"], expected: .diverged),
        Case(arguments: ["online", "linear", "--noise", "1e308", "--theory-only", "--quiet", "--output", "OUT"], expected: .diverged),
        Case(arguments: classifier + ["--loss", "square", "--lr", "14", "--t-max", "10"], expected: .diverged),
        Case(arguments: classifier + ["--loss", "logistic", "--lr", "1e300"], expected: .refused(64, mention: "never finish")),
        Case(arguments: classifier + ["--log-grid", "--t-max", "1e-300"], expected: .clean),
        Case(arguments: classifier + ["--lr", "1e-300"], expected: .success),
        Case(arguments: committee + ["--activation", "relu", "--lr", "8", "--t-max", "5"], expected: .diverged),
        Case(arguments: committee + ["--lr", "1e300"], expected: .diverged),
        Case(arguments: committeeTheory + ["--q0", "9e18", "--r0", "0"], expected: .diverged),
        Case(arguments: sweep.map { $0 == "0.1,0.2" ? "0.1,1e300" : $0 }, expected: .success),
        Case(arguments: threshold.map { $0 == "2,3" ? "3,1e300" : $0 }, expected: .success),
        Case(arguments: dmft + ["--lr", "1e200"], expected: .diverged),
        Case(arguments: dmft + ["--lr", "3"], expected: .diverged),
        Case(arguments: dmft + ["--c0", "1e308"], expected: .diverged),
        Case(arguments: dmft + ["--c0", "1e9", "--lr", "1e-12"], expected: .success),
        Case(arguments: dmftSimulated + ["--lr", "1e300"], expected: .diverged),
        Case(arguments: dmftSimulated + ["--lr", "1e-300"], expected: .success),
        // Slurm options without --slurm would be ignored.
        Case(arguments: threshold + ["--slurm-cpus", "4"], expected: .refused(64, mention: "--cpus-per-task")),
        Case(arguments: sweep + ["--slurm-option=--time=01:00:00"], expected: .refused(64, mention: "--sbatch-option")),
        Case(arguments: sweep + ["--dry-run"], expected: .refused(64, mention: "goes with --slurm")),
        // Output paths.
        Case(arguments: ["online", "linear", "--output", ""], expected: .refused(64, mention: "output")),
        Case(arguments: ["dmft", "--output", "  "], expected: .refused(64, mention: "output")),
        Case(arguments: ["--help"], expected: .success),
        // Sweeps: a malformed file, grid or option is refused before any point runs (in-process, nothing is spawned).
        Case(arguments: ["sweep", "plan", "FIXTURE/missing.json"], expected: .refused(1, mention: "no such file")),
        Case(arguments: ["sweep", "plan", "FIXTURE/fifo"], expected: .refused(1, mention: "FIFO")),
        Case(arguments: ["sweep", "plan", "FIXTURE/garbage.json"], expected: .refused(64, mention: "not valid JSON")),
        Case(arguments: ["sweep", "plan", "FIXTURE/sweep-huge.json"], expected: .refused(64, mention: "at most")),
        Case(arguments: ["sweep", "plan", "FIXTURE/sweep-typo.json"], expected: .refused(64, mention: "every point is refused")),
        Case(arguments: ["sweep", "run", "FIXTURE/sweep-typo.json", "--output", "OUT"], expected: .refused(64, mention: "every point is refused")),
        Case(arguments: ["sweep", "run", "FIXTURE/sweep-memory.json", "--output", "OUT", "--quiet"], expected: .refused(64, mention: "memory")),
        Case(arguments: ["sweep", "run", "FIXTURE/sweep-typo.json", "--output", ""], expected: .refused(64, mention: "--output")),
        Case(arguments: ["sweep", "run", "FIXTURE/sweep-typo.json", "--output", "OUT", "--jobs", "0"], expected: .refused(64, mention: "--jobs")),
        Case(arguments: ["sweep", "table", "FIXTURE/directory"], expected: .refused(1, mention: "not a sweep directory")),
        Case(arguments: ["sweep", "table", "FIXTURE/directory", "--target", "-1"], expected: .refused(64, mention: "--target")),
        Case(arguments: ["sweep", "table", "FIXTURE/directory", "--value", "a..b"], expected: .refused(64, mention: "empty member")),
        Case(arguments: ["online", "linear", "--help"], expected: .success),
        Case(arguments: ["nonsense"], expected: .refused(64, mention: "nonsense")),
        Case(arguments: ["online", "linear", "--output", "OUT", "--bogus"], expected: .refused(64, mention: "--bogus")),
    ]

    /// Input files for the `FIXTURE/` cases.
    static func prepareFixtures(in folder: URL) throws {
        let manager = FileManager.default
        try manager.createDirectory(at: folder.appendingPathComponent("directory"), withIntermediateDirectories: true)
        #expect(mkfifo(folder.appendingPathComponent("fifo").path, 0o600) == 0)
        let files = [
            "garbage.json": "Q = [[1]]",
            "asymmetric.json": #"{"Q": [[1, 0.3], [0.2, 1]], "R": [[0.1, 0], [0, 0.1]]}"#,
            "asymmetric-teacher.json": #"{"T": [[1, 0.3], [0.2, 1]]}"#,
            "perfect.json": #"{"Q": [[1, 0], [0, 1]], "R": [[1, 0], [0, 1]]}"#,
            "perfect3.json": #"{"Q": [[1, 0, 0], [0, 1, 0], [0, 0, 1]], "R": [[1, 0], [0, 1], [0, 0]]}"#,
            "perfect-v.json": #"{"Q": [[1, 0], [0, 1]], "R": [[1, 0], [0, 1]], "v": [1, 1]}"#,
            "half-perfect.json": #"{"Q": [[1, 0], [0, 0.5]], "R": [[1, 0], [0, 0.1]]}"#,
            "sweep-huge.json": #"{"command": "online linear", "axes": {"lr": "0:999:1", "noise": "0:999:1", "reg": "0:9:1"}}"#,
            "sweep-typo.json": #"{"command": "online linear --theory-only", "axes": {"lrr": [1, 2]}}"#,
            "sweep-memory.json": #"{"command": "dmft --simulate --N 100000", "axes": {"lr": [0.1, 0.2]}}"#,
        ]
        for (name, text) in files { try Data(text.utf8).write(to: folder.appendingPathComponent(name)) }
    }

    /// Runs `invocation` in process and checks its outcome.
    func check(_ invocation: Case) throws {
        let root = CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let fixtures = root.appendingPathComponent("fixtures")
        if invocation.arguments.contains(where: { $0.hasPrefix("FIXTURE/") }) { try Self.prepareFixtures(in: fixtures) }
        let output = root.appendingPathComponent("out").path
        let arguments = invocation.arguments.map { argument -> String in
            if argument == "OUT" { return output }
            if argument.hasPrefix("FIXTURE/") { return fixtures.path + "/" + argument.dropFirst("FIXTURE/".count) }
            return argument
        }
        let outcome = StatPhys.execute(arguments)
        switch invocation.expected {
        case .success:
            #expect(outcome.status == 0, "\(outcome.message)")
        case .clean:
            #expect([0, 3].contains(outcome.status), "\(outcome.message)")
        case .diverged:
            #expect(outcome.status == 3, "\(outcome.message)")
            #expect(FileManager.default.fileExists(atPath: output + "/result.json"), "a diverged run writes its results")
        case .refused(let status, let mention):
            #expect(outcome.status == status, "\(outcome.message)")
            let words = mention.lowercased().split(separator: "|")
            #expect(words.contains { outcome.message.lowercased().contains($0) }, "message: \(outcome.message)")
        }
        if outcome.status != 0 && outcome.status != 3 {
            #expect(!outcome.message.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, "a refusal needs a message")
        }
    }

    @Test(.timeLimit(.minutes(5)), arguments: optionCases)
    func everyOptionValue(_ invocation: Case) throws { try check(invocation) }

    @Test(.timeLimit(.minutes(5)), arguments: exampleCases)
    func issueExamples(_ invocation: Case) throws { try check(invocation) }

    /// A 64-bit seed above Int.max is written exactly (it used to trap converting to Int after the whole run).
    @Test func largeSeedIsRecordedExactly() throws {
        let directory = CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let outcome = StatPhys.execute(Self.linear.map { $0 == "OUT" ? directory.path : $0 } + ["--seed", "18446744073709551615"])
        #expect(outcome.status == 0, "\(outcome.message)")
        let text = try String(contentsOf: directory.appendingPathComponent("result.json"), encoding: .utf8)
        #expect(text.contains("\"seed\": 18446744073709551615"))
    }
}
