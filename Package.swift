// swift-tools-version:6.0
// optout: opt-out compliance batch processor for SMS campaigns. No package dependencies.
// Layers: OptoutBase (system calls, durable files, CSV, text, time, crypto, tables: knows nothing
// of workspaces or numbers) and OptoutPhone (numbers; depends on nothing) ← OptoutKit (workspaces, runs) ← executables.
import PackageDescription

let package = Package(
    name: "optout",
    products: [
        .executable(name: "optout", targets: ["optout"]),
        .executable(name: "optout-bench", targets: ["optout-bench"]),
    ],
    targets: [
        .target(name: "OptoutBase"),
        .target(
            name: "OptoutPhone",
            exclude: ["generate_metadata.py"]
        ),
        .target(name: "OptoutKit", dependencies: ["OptoutBase", "OptoutPhone"]),
        .executableTarget(name: "optout", dependencies: ["OptoutKit"]),
        .executableTarget(name: "optout-bench", dependencies: ["OptoutKit", "OptoutBase", "OptoutPhone"]),
        .target(
            name: "OptoutTestSupport",
            dependencies: ["OptoutKit", "OptoutBase", "OptoutPhone"],
            path: "Tests/OptoutTestSupport"
        ),
        .testTarget(
            name: "OptoutKitTests",
            dependencies: ["OptoutKit", "OptoutBase", "OptoutPhone", "OptoutTestSupport"],
            exclude: ["Fixtures"]
        ),
    ]
)
