// swift-tools-version:6.0
// optout: opt-out compliance batch processor for SMS campaigns. No package dependencies.
// Layers: OptoutBase (system calls, durable files, CSV, text, time, crypto, tables: knows nothing
// of workspaces or numbers) and OptoutPhone (numbers; depends on nothing) ← OptoutKit (workspaces, runs) ← executables.
import PackageDescription

/// Release builds of the libraries skip the run-time exclusivity checks on class properties (about
/// 9 % of a campaign's CPU in `perf`: swift_beginAccess); debug builds, and so `swift test`, keep them.
let releaseSpeed: [SwiftSetting] = [.unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))]

let package = Package(
    name: "optout",
    products: [
        .executable(name: "optout", targets: ["optout"]),
        .executable(name: "optout-bench", targets: ["optout-bench"]),
    ],
    targets: [
        .target(name: "OptoutBase", swiftSettings: releaseSpeed),
        .target(
            name: "OptoutPhone",
            exclude: ["generate_metadata.py"],
            swiftSettings: releaseSpeed
        ),
        .target(name: "OptoutKit", dependencies: ["OptoutBase", "OptoutPhone"], swiftSettings: releaseSpeed),
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
