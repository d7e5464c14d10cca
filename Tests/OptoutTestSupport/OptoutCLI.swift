// Test support shared by the suites (crash, lock, bad-day, end-to-end): finding and running the real `optout`
// executable as a child process, copying workspaces (mtimes kept), and a snapshot of what a user
// would compare after a run (outbox bytes, inbox listings, the ledger's records).

import Foundation
import OptoutBase
import OptoutKit

/// The built `optout` executable and a way to run it.
package enum OptoutCLI {
    /// `.build/<config>/optout`, found beside the test bundle (or from this file's path); nil when
    /// it was not built (`swift build --build-tests` builds it).
    package static let path: String? = {
        var candidates: [String] = []
        if let first = CommandLine.arguments.first {
            candidates.append(Durable.parent(of: URL(fileURLWithPath: first).standardizedFileURL.path) + "/optout")
        }
        candidates.append(Bundle.main.bundleURL.deletingLastPathComponent().path + "/optout")
        candidates.append(Bundle.main.bundleURL.path + "/optout")
        var root = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { root.deleteLastPathComponent() }
        candidates.append(root.path + "/.build/debug/optout")
        return candidates.first { access($0, X_OK) == 0 }
    }()

    /// Why a CLI test is skipped, or nil.
    package static var missingReason: String? {
        path == nil ? "skipped: the optout executable was not found beside the test bundle (run `swift build --build-tests`)" : nil
    }

    package struct Result {
        package var status: Int32
        /// True when the process died of SIGKILL.
        package var killed: Bool
        package var stdout: String
        package var stderr: String

        package init(status: Int32, killed: Bool, stdout: String, stderr: String) {
            self.status = status
            self.killed = killed
            self.stdout = stdout
            self.stderr = stderr
        }
    }

    /// Runs `optout <arguments>` with the given extra environment (OPTOUT_* inherited from the
    /// test process are dropped), waits for it, and returns its outcome.
    package static func run(_ arguments: [String], environment extra: [String: String] = [:]) throws -> Result {
        try start(arguments, environment: extra)()
    }

    /// Starts `optout <arguments>`; the returned closure waits for it and returns its outcome.
    package static func start(_ arguments: [String], environment extra: [String: String] = [:]) throws -> () throws -> Result {
        guard let path else { throw CocoaError(.fileNoSuchFile) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("OPTOUT_") }
        for (key, value) in extra { environment[key] = value }
        process.environment = environment
        let scratch = NSTemporaryDirectory() + "optout-cli-" + UUID().uuidString
        _ = FileManager.default.createFile(atPath: scratch + ".out", contents: nil)
        _ = FileManager.default.createFile(atPath: scratch + ".err", contents: nil)
        let out = try FileHandle(forWritingTo: URL(fileURLWithPath: scratch + ".out"))
        let err = try FileHandle(forWritingTo: URL(fileURLWithPath: scratch + ".err"))
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        return {
            process.waitUntilExit()
            try? out.close()
            try? err.close()
            defer {
                unlink(scratch + ".out")
                unlink(scratch + ".err")
            }
            let killed = process.terminationReason == .uncaughtSignal && process.terminationStatus == SIGKILL
            return Result(status: process.terminationStatus, killed: killed,
                          stdout: String(decoding: FileManager.default.contents(atPath: scratch + ".out") ?? Data(), as: UTF8.self),
                          stderr: String(decoding: FileManager.default.contents(atPath: scratch + ".err") ?? Data(), as: UTF8.self))
        }
    }

    /// `optout run --root root` with a fixed clock and optional extra environment.
    package static func runWorkspace(_ root: String, now: String = "2026-11-26T12:00:00Z", environment: [String: String] = [:]) throws -> Result {
        var env = environment
        env["OPTOUT_NOW"] = now
        return try run(["run", "--root", root], environment: env)
    }
}

/// Shell-free file helpers for the workspace copies.
package enum Tree {
    /// Copies a directory tree keeping modes and mtimes (`cp -a`).
    package static func copy(_ from: String, to: String) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/cp")
        process.arguments = ["-a", from, to]
        try process.run()
        process.waitUntilExit()
        if process.terminationStatus != 0 { throw CocoaError(.fileWriteUnknown) }
    }

    package static func remove(_ path: String) { try? FileManager.default.removeItem(atPath: path) }

    /// Every regular file under `root` (relative paths), recursively, hidden files included.
    package static func files(under root: String) -> [String] {
        guard let walker = FileManager.default.enumerator(atPath: root) else { return [] }
        var result: [String] = []
        while let item = walker.nextObject() as? String {
            var st = stat()
            if lstat("\(root)/\(item)", &st) == 0, st.st_mode & S_IFMT != S_IFDIR { result.append(item) }
        }
        return result.sorted()
    }

    package static func write(_ path: String, _ text: String) throws {
        try FileManager.default.createDirectory(atPath: Durable.parent(of: path), withIntermediateDirectories: true)
        guard FileManager.default.createFile(atPath: path, contents: Data(text.utf8)) else { throw CocoaError(.fileWriteUnknown) }
    }

    package static func read(_ path: String) -> String? {
        FileManager.default.contents(atPath: path).map { String(decoding: $0, as: UTF8.self) }
    }
}

/// What a user compares between two runs of the same workspace.
package struct WorkspaceSnapshot: Equatable {
    /// outbox/ and inbox/ files (relative path → bytes), temp files excluded.
    package var files: [String: [UInt8]] = [:]
    /// The ledger's records as "number|event time|kind|effect|source|file|line", sorted.
    package var ledger: [String] = []
    /// The link index's records (token and number), in file order (duplicates would show).
    package var linkIndex: [String] = []
    /// Temp files found anywhere in the workspace (`.name.tmp-pid-xxxx`), and any file whose
    /// name does not start with "." and looks like a temp file.
    package var temps: [String] = []

    package init(root: String) throws {
        for top in ["outbox", "inbox"] {
            for item in Tree.files(under: "\(root)/\(top)") {
                if Durable.baseName(item).contains(".tmp-") { temps.append("\(top)/\(item)"); continue }
                files["\(top)/\(item)"] = Array(FileManager.default.contents(atPath: "\(root)/\(top)/\(item)") ?? Data())
            }
        }
        for item in Tree.files(under: "\(root)/.optout") where Durable.baseName(item).contains(".tmp-") {
            temps.append(".optout/\(item)")
        }
        let ledgerFile = Workspace(root: root).ledgerFile
        let records = Durable.exists(ledgerFile) ? try Ledger.readAll(path: ledgerFile) : []
        for line in (Tree.read(Workspace(root: root).linkIndexFile) ?? "").split(separator: "\n") {
            linkIndex.append(String(line.dropFirst(9)))
        }
        ledger = records.map {
            "\($0.number.e164)|\($0.eventTime.iso8601)|\($0.kind)|\($0.effect)|\($0.source)|\($0.file)|\($0.line)"
        }.sorted()
    }

    /// Differences from `reference`, for a readable failure.
    package func differences(from reference: WorkspaceSnapshot) -> [String] {
        var out: [String] = []
        for path in Set(files.keys).union(reference.files.keys).sorted() {
            switch (files[path], reference.files[path]) {
            case (nil, _): out.append("missing \(path)")
            case (_, nil): out.append("extra \(path)")
            case let (a?, b?) where a != b: out.append("differs \(path)")
            default: break
            }
        }
        if ledger != reference.ledger {
            let mine = Set(ledger), theirs = Set(reference.ledger)
            out.append("ledger: \(ledger.count) records (reference \(reference.ledger.count)); missing \(theirs.subtracting(mine).sorted()), extra \(mine.subtracting(theirs).sorted())")
        }
        if Set(ledger).count != ledger.count { out.append("ledger has duplicate records") }
        if linkIndex.sorted() != reference.linkIndex.sorted() {
            out.append("link index: \(linkIndex.count) records (reference \(reference.linkIndex.count))")
        }
        let payloads = files.filter { $0.key.hasPrefix("outbox/webhooks/") }.map(\.value)
        if Set(payloads).count != payloads.count { out.append("duplicate webhook payloads") }
        if !temps.isEmpty { out.append("temp files left: \(temps)") }
        return out
    }
}
