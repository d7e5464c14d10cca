// Golden cases: each folder under Tests/OptoutKitTests/Fixtures/Cases/<feature>/<NNNN-name>/ is a
// workspace as a user leaves it (`inbox/`, `.optout/link.key`, optional `.optout/` and `outbox/`
// seed state, optional `outside/` for files beyond the workspace), plus `now` (OPTOUT_NOW),
// optional `args` (default `run`), optional `setup` (links git cannot hold: `symlink PATH TARGET`,
// `hardlink PATH EXISTING`, one a line), optional `about` (one line: what the case shows), and
// `expected/` (`outbox/`, `inbox/`, `stderr`, `stdout`, `exit`).
// Input: the case folder, copied to a temporary directory; the REAL `optout` executable is run on it.
// Output: a pass, or a failure naming the first differing file and its first differing line.
// Every file under outbox/ and inbox/ is compared by name and bytes (a symbolic link by its
// target), then stderr and stdout (the temporary root replaced by `$ROOT`, nothing else
// normalised) and the exit code. Empty folders are not compared (git cannot hold them).
// Regeneration, and only this way: `OPTOUT_REGENERATE_GOLDEN=1 swift test --filter GoldenCaseTests`
// rewrites every `expected/` from the actual run; refused (the test fails) when CI=true.
// Failures: a missing executable skips with a printed reason (a failure under CI=true).
// This file imports nothing from OptoutKit: the executable finder is copied from
// Tests/OptoutTestSupport/OptoutCLI.swift (`OptoutCLI.path`) so the cases do not depend on the library's layout.

import Foundation
import Testing
import OptoutTestSupport

/// One case folder, named `<feature>/<NNNN-name>` in test output.
struct GoldenCase: CustomStringConvertible, Sendable {
    let feature: String
    let name: String
    var description: String { "\(feature)/\(name)" }
    var folder: String { "\(GoldenCases.root)/\(feature)/\(name)" }
}

enum GoldenCases {
    /// Tests/OptoutKitTests/Fixtures/Cases, found from this file's path.
    static let root: String = {
        var url = URL(fileURLWithPath: #filePath)
        url.deleteLastPathComponent() // EndToEnd
        url.deleteLastPathComponent() // OptoutKitTests
        return url.path + "/Fixtures/Cases"
    }()

    /// Every case folder, sorted by feature then name.
    static let all: [GoldenCase] = {
        let fm = FileManager.default
        var cases: [GoldenCase] = []
        for feature in ((try? fm.contentsOfDirectory(atPath: root)) ?? []).sorted() where !feature.hasPrefix(".") {
            for name in ((try? fm.contentsOfDirectory(atPath: "\(root)/\(feature)")) ?? []).sorted() where !name.hasPrefix(".") {
                var isDir: ObjCBool = false
                if fm.fileExists(atPath: "\(root)/\(feature)/\(name)/now", isDirectory: &isDir), !isDir.boolValue {
                    cases.append(GoldenCase(feature: feature, name: name))
                }
            }
        }
        return cases
    }()

    /// Files of a case folder that describe it rather than belong to the workspace.
    static let metadata: Set<String> = ["expected", "args", "now", "setup", "about"]

    static var regenerating: Bool { ProcessInfo.processInfo.environment["OPTOUT_REGENERATE_GOLDEN"] == "1" }
    static var underCI: Bool { ProcessInfo.processInfo.environment["CI"] == "true" }
}

/// Runs the built `optout` executable (found by OptoutTestSupport's `OptoutCLI`).
enum GoldenBinary {
    static var path: String? { OptoutCLI.path }

    struct Outcome {
        var status: Int32
        var stderr: [UInt8]
        var stdout: [UInt8]
    }

    /// Runs `optout <arguments>` with OPTOUT_NOW set (every other OPTOUT_* of the test process
    /// dropped), stdin from /dev/null, and returns the exit status and the bytes of stderr and stdout.
    static func run(_ arguments: [String], now: String, scratch: String) throws -> Outcome {
        guard let path else { throw CocoaError(.fileNoSuchFile) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("OPTOUT_") }
        environment["OPTOUT_NOW"] = now
        process.environment = environment
        _ = FileManager.default.createFile(atPath: scratch + ".out", contents: nil)
        _ = FileManager.default.createFile(atPath: scratch + ".err", contents: nil)
        defer { unlink(scratch + ".out"); unlink(scratch + ".err") }
        let out = try FileHandle(forWritingTo: URL(fileURLWithPath: scratch + ".out"))
        let err = try FileHandle(forWritingTo: URL(fileURLWithPath: scratch + ".err"))
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        try? out.close()
        try? err.close()
        let status = process.terminationReason == .uncaughtSignal ? 128 + process.terminationStatus : process.terminationStatus
        return Outcome(status: status, stderr: Array(FileManager.default.contents(atPath: scratch + ".err") ?? Data()),
                       stdout: Array(FileManager.default.contents(atPath: scratch + ".out") ?? Data()))
    }
}

/// A file or a symbolic link found under outbox/ or inbox/.
enum GoldenEntry: Equatable {
    case file([UInt8])
    case link(String)

    var bytes: [UInt8] {
        switch self {
        case .file(let bytes): return bytes
        case .link(let target): return Array("symbolic link to \(target)".utf8)
        }
    }
}

/// Tree reading, writing and comparing, with Foundation only.
enum GoldenTree {
    /// Every file and symbolic link under `base` (relative paths), hidden ones included.
    static func entries(under base: String) -> [String: GoldenEntry] {
        var result: [String: GoldenEntry] = [:]
        guard let walker = FileManager.default.enumerator(atPath: base) else { return result }
        while let item = walker.nextObject() as? String {
            let path = "\(base)/\(item)"
            var st = stat()
            guard lstat(path, &st) == 0 else { continue }
            switch st.st_mode & S_IFMT {
            case S_IFDIR: continue
            case S_IFLNK: result[item] = .link((try? FileManager.default.destinationOfSymbolicLink(atPath: path)) ?? "?")
            default: result[item] = .file(Array(FileManager.default.contents(atPath: path) ?? Data()))
            }
        }
        return result
    }

    /// The workspace after a run as compared: "outbox/…" and "inbox/…" entries.
    static func workspace(_ root: String) -> [String: GoldenEntry] {
        var result: [String: GoldenEntry] = [:]
        for top in ["outbox", "inbox"] {
            for (item, entry) in entries(under: "\(root)/\(top)") { result["\(top)/\(item)"] = entry }
        }
        return result
    }

    static func write(_ entry: GoldenEntry, to path: String) throws {
        try FileManager.default.createDirectory(atPath: URL(fileURLWithPath: path).deletingLastPathComponent().path, withIntermediateDirectories: true)
        switch entry {
        case .file(let bytes):
            guard FileManager.default.createFile(atPath: path, contents: Data(bytes)) else { throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path]) }
        case .link(let target):
            try FileManager.default.createSymbolicLink(atPath: path, withDestinationPath: target)
        }
    }

    /// `text` with every occurrence of `root` (as given and resolved) replaced by `$ROOT`.
    static func normalise(_ bytes: [UInt8], root: String) -> [UInt8] {
        var text = String(decoding: bytes, as: UTF8.self)
        guard text.utf8.elementsEqual(bytes) else { return bytes } // not UTF-8: as is
        for form in Set([root, URL(fileURLWithPath: root).resolvingSymlinksInPath().path]) {
            text = text.replacingOccurrences(of: form, with: "$ROOT")
        }
        return Array(text.utf8)
    }

    /// A line for a failure message: printable, with escapes for the rest.
    static func show(_ line: ArraySlice<UInt8>) -> String {
        let text = String(decoding: line, as: UTF8.self)
        if text.utf8.elementsEqual(line), !text.unicodeScalars.contains(where: { $0.value < 0x20 && $0 != "\t" }) { return "\"\(text)\"" }
        return "\"" + line.map { byte in (0x20..<0x7f).contains(byte) && byte != UInt8(ascii: "\\") ? String(UnicodeScalar(byte)) : String(format: "\\x%02x", byte) }.joined() + "\""
    }

    /// The first differing line of two byte strings, 1-based, with both lines.
    static func firstDifference(expected: [UInt8], actual: [UInt8]) -> String {
        let a = expected.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        let b = actual.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        for index in 0..<max(a.count, b.count) {
            let left = index < a.count ? a[index] : nil
            let right = index < b.count ? b[index] : nil
            if left != right {
                return "first difference at line \(index + 1):\n  expected: \(left.map(show) ?? "(end of file)")\n  actual:   \(right.map(show) ?? "(end of file)")"
            }
        }
        return "same lines, different bytes (\(expected.count) expected, \(actual.count) actual)"
    }
}

@Suite struct GoldenCaseTests {
    @Test func casesArePresent() {
        #expect(GoldenCases.all.count >= 30, "found \(GoldenCases.all.count) golden cases under \(GoldenCases.root)")
    }

    @Test(arguments: GoldenCases.all)
    func goldenCase(_ golden: GoldenCase) throws {
        guard GoldenBinary.path != nil else {
            let reason = "skipped: the optout executable was not found beside the test bundle (run `swift build --build-tests`)"
            if GoldenCases.underCI { Issue.record(Comment(rawValue: reason)) } else { print(reason) }
            return
        }
        if GoldenCases.regenerating && GoldenCases.underCI {
            Issue.record("OPTOUT_REGENERATE_GOLDEN=1 is refused when CI=true: expected outputs are rewritten only by a person, locally")
            return
        }
        let fm = FileManager.default
        let root = NSTemporaryDirectory() + "optout-golden-" + UUID().uuidString
        try fm.createDirectory(atPath: root, withIntermediateDirectories: true)
        defer { try? fm.removeItem(atPath: root) }

        // The workspace: the case folder without its metadata, then the links git cannot hold.
        for item in try fm.contentsOfDirectory(atPath: golden.folder) where !GoldenCases.metadata.contains(item) {
            try fm.copyItem(atPath: "\(golden.folder)/\(item)", toPath: "\(root)/\(item)")
        }
        if let setup = fm.contents(atPath: "\(golden.folder)/setup") {
            for line in String(decoding: setup, as: UTF8.self).split(separator: "\n") where !line.hasPrefix("#") {
                let words = line.split(separator: " ").map(String.init)
                try #require(words.count == 3, "setup line \"\(line)\": expected `symlink PATH TARGET` or `hardlink PATH EXISTING`")
                try fm.createDirectory(atPath: URL(fileURLWithPath: "\(root)/\(words[1])").deletingLastPathComponent().path, withIntermediateDirectories: true)
                switch words[0] {
                case "symlink": try fm.createSymbolicLink(atPath: "\(root)/\(words[1])", withDestinationPath: words[2])
                case "hardlink": try #require(link("\(root)/\(words[2])", "\(root)/\(words[1])") == 0, "setup: link \(words[2]) failed (errno \(errno))")
                default: Issue.record("setup line \"\(line)\": unknown verb \(words[0])"); return
                }
            }
        }
        let now = String(decoding: try #require(fm.contents(atPath: "\(golden.folder)/now"), "\(golden): no `now` file"), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let args = fm.contents(atPath: "\(golden.folder)/args").map { String(decoding: $0, as: UTF8.self).split(whereSeparator: \.isWhitespace).map(String.init) } ?? ["run"]

        let started = Date()
        let outcome = try GoldenBinary.run(args + ["--root", root], now: now, scratch: root + ".scratch")
        let elapsed = Date().timeIntervalSince(started)
        let actualFiles = GoldenTree.workspace(root)
        let actualStderr = GoldenTree.normalise(outcome.stderr, root: root)
        let actualStdout = GoldenTree.normalise(outcome.stdout, root: root)
        let actualExit = Array("\(outcome.status)\n".utf8)
        let expected = "\(golden.folder)/expected"

        if GoldenCases.regenerating {
            try? fm.removeItem(atPath: expected)
            for (path, entry) in actualFiles { try GoldenTree.write(entry, to: "\(expected)/\(path)") }
            try GoldenTree.write(.file(actualStderr), to: "\(expected)/stderr")
            try GoldenTree.write(.file(actualStdout), to: "\(expected)/stdout")
            try GoldenTree.write(.file(actualExit), to: "\(expected)/exit")
            print("\(golden): expected/ rewritten (\(actualFiles.count) files, exit \(outcome.status))")
            return
        }

        try #require(fm.fileExists(atPath: "\(expected)/exit"), "\(golden): no expected/ yet; run `OPTOUT_REGENERATE_GOLDEN=1 swift test --filter GoldenCaseTests` and read what it wrote")
        var expectedFiles = GoldenTree.entries(under: expected)
        let expectedExit = expectedFiles.removeValue(forKey: "exit")?.bytes ?? []
        let expectedStderr = expectedFiles.removeValue(forKey: "stderr")?.bytes ?? []
        let expectedStdout = expectedFiles.removeValue(forKey: "stdout")?.bytes ?? []

        // Differences, the first one shown line by line.
        var problems: [String] = []
        var detail: String? = nil
        if expectedExit != actualExit {
            problems.append("exit: expected \(String(decoding: expectedExit, as: UTF8.self).trimmingCharacters(in: .newlines)), actual \(outcome.status)")
        }
        if expectedStderr != actualStderr {
            problems.append("stderr differs")
            detail = detail ?? "stderr: " + GoldenTree.firstDifference(expected: expectedStderr, actual: actualStderr)
        }
        if expectedStdout != actualStdout {
            problems.append("stdout differs")
            detail = detail ?? "stdout: " + GoldenTree.firstDifference(expected: expectedStdout, actual: actualStdout)
        }
        for path in Set(expectedFiles.keys).union(actualFiles.keys).sorted() {
            switch (expectedFiles[path], actualFiles[path]) {
            case (nil, let entry?):
                problems.append("extra \(path) (written by the run, not expected)")
                detail = detail ?? "\(path): not expected; it holds:\n  \(GoldenTree.show(entry.bytes.prefix(300)))"
            case (_?, nil):
                problems.append("missing \(path) (expected, not written by the run)")
            case let (want?, got?) where want != got:
                problems.append("differs \(path)")
                detail = detail ?? "\(path): " + GoldenTree.firstDifference(expected: want.bytes, actual: got.bytes)
            default: break
            }
        }
        if !problems.isEmpty {
            Issue.record(Comment(rawValue: "\(golden) differs from \(golden.folder)/expected:\n" + problems.joined(separator: "\n") + (detail.map { "\n\n" + $0 } ?? "")
                + "\n\nIf the new output is right: OPTOUT_REGENERATE_GOLDEN=1 swift test --filter GoldenCaseTests, then read the diff of expected/."))
        }
        #expect(elapsed < 5, "\(golden) took \(elapsed) s")
    }
}
