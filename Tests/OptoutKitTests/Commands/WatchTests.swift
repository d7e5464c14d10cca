// optout watch, as a real process: files dropped while it runs, one written slowly in pieces,
// and SIGTERM. Skips with a printed reason when the optout executable was not built.

import Foundation
import Testing
@testable import OptoutBase
@testable import OptoutKit
@testable import OptoutPhone
import OptoutTestSupport

/// The optout executable built beside the test bundle.
func optoutExecutable() -> String? {
    let bundleDir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().path
    for candidate in ["\(bundleDir)/optout", "\(bundleDir)/../optout"] where FileManager.default.isExecutableFile(atPath: candidate) {
        return candidate
    }
    return nil
}

@Suite(.serialized) struct WatchTests {
    func waitFor(_ seconds: Double, _ condition: () -> Bool) -> Double? {
        let start = Date()
        while Date().timeIntervalSince(start) < seconds {
            if condition() { return Date().timeIntervalSince(start) }
            usleep(20_000)
        }
        return nil
    }

    @Test func reactsToDroppedFilesDoesNotReadSlowFilesEarlyAndStopsOnSIGTERM() throws {
        guard let exe = optoutExecutable() else {
            print("SKIP WatchTests: the optout executable is not built beside the tests (run `swift build` first)")
            return
        }
        let t = try TempWorkspace(settings: "{\"default_country\": \"GB\", \"optout_link_base\": \"https://example.com/u/\", \"allow_example_links\": true, \"settle_seconds\": 1}")
        try t.write("inbox/lists/customers.csv", sampleList)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: exe)
        process.arguments = ["watch", "--root", t.root]
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        // The first pass checks the list.
        #expect(waitFor(10) { t.exists(".optout/last-run.json") } != nil)

        // A campaign dropped whole: outputs within 2 s of it becoming complete (settled).
        try t.write("inbox/campaigns/sale.txt", sampleCampaign)
        let completeAt = Date().addingTimeInterval(1)   // settle_seconds after the last write
        let appeared = waitFor(10) { t.exists("outbox/send/sale.csv") }
        #expect(appeared != nil)
        let latency = Date().timeIntervalSince(completeAt)
        print("watch: send file appeared \(String(format: "%.2f", latency)) s after the campaign became complete")
        #expect(latency < 2.0)
        #expect(t.rows("outbox/send/sale.csv").count == 4)

        // A STOP log written slowly, in pieces: never read before its last piece is in.
        let path = "\(t.root)/inbox/stops/slow.csv"
        _ = FileManager.default.createFile(atPath: path, contents: Data("from,timestamp,text\n+447700900123,2026-11-26T10:00:00Z,".utf8))
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        for piece in ["ST", "OP\n+447700900789,2026-11-26T10:01:00Z,", "STOP\n"] {
            usleep(600_000)
            #expect(t.exists("inbox/stops/slow.csv"), "taken before it was complete")
            #expect(t.list("inbox/stops/rejected").isEmpty)
            handle.seekToEndOfFile()
            handle.write(Data(piece.utf8))
        }
        try handle.close()
        #expect(waitFor(10) { t.list("inbox/stops/processed") == ["slow.csv"] } != nil)
        // suppressions.csv is rewritten at the end of the pass: wait for it, then check both lines.
        #expect(waitFor(10) { (t.read("outbox/suppressions.csv") ?? "").contains("+447700900789") } != nil)
        let suppressions = t.read("outbox/suppressions.csv") ?? ""
        #expect(suppressions.contains("+447700900123") && suppressions.contains("+447700900789"))
        #expect(t.read("inbox/stops/processed/slow.csv")?.hasSuffix("STOP\n+447700900789,2026-11-26T10:01:00Z,STOP\n") == true)

        // SIGTERM: the pass in hand finishes, the lock is released, exit 0.
        kill(process.processIdentifier, SIGTERM)
        #expect(waitFor(10) { !process.isRunning } != nil)
        process.waitUntilExit()
        #expect(process.terminationReason == .exit && process.terminationStatus == 0)
        let lock = try WorkspaceLock(path: t.ws.lockFile, wait: false)
        lock.release()
        let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(!stderr.contains("error"), "\(stderr)")
    }
}
