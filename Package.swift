// swift-tools-version:6.0
// optout: opt-out compliance batch processor for SMS campaigns. No package dependencies.
import PackageDescription

let package = Package(
    name: "optout",
    products: [
        .library(name: "OptoutKit", targets: ["OptoutKit"]),
        .executable(name: "optout", targets: ["optout"]),
        .executable(name: "optout-bench", targets: ["optout-bench"]),
    ],
    targets: [
        .target(
            name: "OptoutKit",
            exclude: ["Phone/generate_metadata.py"]
        ),
        .executableTarget(name: "optout", dependencies: ["OptoutKit"]),
        .executableTarget(name: "optout-bench", dependencies: ["OptoutKit"]),
        .testTarget(
            name: "OptoutKitTests",
            dependencies: ["OptoutKit"],
            exclude: ["Fixtures"]
        ),
    ]
)
