import ArgumentParser
import StatPhysSGD

struct Demo: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Theory vs simulation for online linear regression, figures and data in ./statphys-demo/.",
        discussion: """
            Runs: lr 0.5, noise variance 0.1, reg 0.01, rho 1, m0 0, q0 0.1, t-max 10, d 1000, 10 seeds. \
            Equivalent to `statphys online linear --lr 0.5 --noise 0.1 --reg 0.01 --q0 0.1 --d 1000 --seeds 10 --output statphys-demo`.
            """)

    @Option(help: "Output directory.") var output = "statphys-demo"
    @Flag(help: "Do not print progress on stderr.") var quiet = false
    @OptionGroup var figures: FigureOptions
    @OptionGroup var resources: ResourceOptions

    func validate() throws { _ = try outputDirectory(output) }

    func run() throws {
        let scenario = try LinearRegressionScenario(
            learningRate: 0.5, noiseVariance: 0.1, weightDecay: 0.01, teacherNorm: 1, initialOverlap: 0, initialSelfOverlap: 0.1)
        let experiment = LinearExperiment(scenario: scenario, tMax: 10, points: 101, simulation: .init(dimension: 1000, seeds: 10, seed: 1))
        var options = try OutputOptions.parse(["--output", output])
        options.quiet = quiet
        try resources.check(experiment.resourceEstimate, what: "the demo")
        try runOnline(output: options) { try experiment.run(progress: $0) }
    }
}

extension Demo: DrawsFigures {}
