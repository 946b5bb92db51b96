// swift-tools-version:6.0
import Foundation
import PackageDescription

/// A path dependency is named after its folder, whatever the clone is called.
let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().lastPathComponent

/// Release-mode benchmarks of StatPhysSGD, kept out of the main package so CI's build stays small.
///
///     cd Benchmarks && swift run -c release statphys-benchmarks [filter]
///     cd Benchmarks && swift run -c release statphys-validation      # theory vs large simulations
let package = Package(
    name: "StatPhysBenchmarks",
    platforms: [.macOS(.v13)],
    dependencies: [.package(path: "..")],
    targets: [
        .executableTarget(
            name: "statphys-benchmarks",
            dependencies: [.product(name: "StatPhysSGD", package: root)],
            path: "Sources/StatPhysBenchmarks"),
        .executableTarget(
            name: "statphys-validation",
            dependencies: [.product(name: "StatPhysSGD", package: root)],
            path: "Sources/StatPhysValidation"),
    ],
    swiftLanguageModes: [.v6]
)
