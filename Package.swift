// swift-tools-version:6.0
import PackageDescription

/// StatPhysSGD: exact theory and finite-dimensional simulation of (stochastic) gradient descent.
///
/// One library module per idea; the folder layout under `Sources/` mirrors this list.
let package = Package(
    name: "StatPhysSGD",
    platforms: [.macOS(.v13)],
    products: [
        .library(name: "StatPhysSGD", targets: ["StatPhysSGD"]),
        .executable(name: "statphys", targets: ["statphys"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-numerics", from: "1.0.0"),
        // Documentation only: `swift package generate-documentation` (the DocC catalog in Sources/StatPhysSGD).
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.4.0"),
    ],
    targets: [
        // Seedable generators and Gaussian sampling, identical on every thread count.
        .target(name: "Randomness"),
        // Statistics over independent seeds (mean, standard error, Student-t), shared by every simulator.
        .target(name: "Statistics"),
        // Gaussian expectations: Gauss–Hermite quadrature, closed forms, activations.
        .target(name: "GaussianIntegrals", dependencies: [.product(name: "Numerics", package: "swift-numerics")]),
        // Adaptive Dormand–Prince 5(4) with dense output and events; fixed-step RK4.
        .target(name: "ODEIntegration", dependencies: [.product(name: "Numerics", package: "swift-numerics")]),
        // Scenario values: the single source of truth read by theory and simulation.
        .target(name: "Scenarios", dependencies: ["GaussianIntegrals"]),
        // d → ∞ order-parameter ODEs of online SGD.
        .target(name: "OnlineTheory", dependencies: ["Scenarios", "GaussianIntegrals", "ODEIntegration"]),
        // Finite-d online SGD on Gaussian data, seeds in parallel.
        .target(name: "OnlineSimulation", dependencies: [
            "Scenarios", "GaussianIntegrals", "Randomness", "Statistics", .product(name: "Numerics", package: "swift-numerics"),
        ]),
        // Dynamical mean-field theory of GD/SGD for the Kamali–Urbani problem, and its finite-N simulation.
        .target(name: "DMFT", dependencies: ["Randomness", "Statistics", .product(name: "Numerics", package: "swift-numerics")]),
        // A small SVG renderer for publication-style figures.
        .target(name: "Plotting", dependencies: ["Reporting"]),
        // Result files: JSON, CSV, atomic writes, progress on stderr.
        .target(name: "Reporting"),
        // Sweeps of any command: sweep files, grids, points run as processes with resume, result tables.
        .target(name: "Sweeps", dependencies: ["Reporting", "Plotting"]),
        // Experiments: theory + simulation + comparison + figures, as the CLI runs them.
        .target(name: "StatPhysSGD", dependencies: [
            "Randomness", "Statistics", "GaussianIntegrals", "ODEIntegration", "Scenarios", "OnlineTheory",
            "OnlineSimulation", "DMFT", "Plotting", "Reporting", "Sweeps",
        ]),
        .executableTarget(name: "statphys", dependencies: [
            "StatPhysSGD", "Sweeps", .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        .testTarget(name: "RandomnessTests", dependencies: ["Randomness"]),
        .testTarget(name: "StatisticsTests", dependencies: ["Statistics"]),
        .testTarget(name: "GaussianIntegralsTests", dependencies: ["GaussianIntegrals", "Randomness"]),
        .testTarget(name: "ODEIntegrationTests", dependencies: ["ODEIntegration"]),
        .testTarget(name: "OnlineTheoryTests", dependencies: ["OnlineTheory", "Scenarios", "ODEIntegration", "GaussianIntegrals", "Randomness"]),
        .testTarget(name: "OnlineSimulationTests", dependencies: ["OnlineSimulation", "OnlineTheory", "Scenarios", "Randomness", "GaussianIntegrals"]),
        .testTarget(name: "DMFTTests", dependencies: ["DMFT", "Randomness"]),
        .testTarget(name: "PlottingTests", dependencies: ["Plotting", "Reporting"]),
        .testTarget(name: "ReportingTests", dependencies: ["Reporting"]),
        .testTarget(name: "StatPhysSGDTests", dependencies: ["StatPhysSGD"]),
        .testTarget(name: "SweepsTests", dependencies: ["Sweeps", "Reporting", "Plotting"]),
        .testTarget(name: "StatPhysCLITests", dependencies: ["StatPhysSGD", "statphys"]),
    ],
    swiftLanguageModes: [.v6]
)
