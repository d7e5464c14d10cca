// The crash tests' own tools: stale temp files of dead processes are swept (and a live one's are
// not), the crash-point counter and OPTOUT_NOW through the CLI.

import Foundation
import Testing
@testable import OptoutBase
@testable import OptoutKit
@testable import OptoutPhone
import OptoutTestSupport

@Suite struct TestingAidsTests {
    /// The pid of a process that has exited.
    func deadPid() throws -> pid_t {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/true")
        try process.run()
        process.waitUntilExit()
        return process.processIdentifier
    }

    @Test func tempFilesOfDeadProcessesAreSweptAndLiveOnesKept() throws {
        let t = try TempWorkspace()
        try t.ws.ensureLayout()
        let dead = try deadPid()
        try t.write("outbox/send/.sale.csv.tmp-\(dead)-0a1b2c3d", "half")
        try t.write("outbox/webhooks/pending/.x.json.tmp-\(dead)-deadbeef", "{")
        try t.write("outbox/send/.sale.csv.tmp-\(getpid())-0a1b2c3d", "mine")     // a live writer
        try t.write("outbox/send/.notes.tmp-abc", "not ours")                      // not our pattern
        try t.write("outbox/send/sale.csv", "phone\n")
        try t.write(".optout/tmp/dups-\(dead)-00ff00ff/rows-0", "x")
        try t.write(".optout/tmp/sheet-\(dead)-00ee00ee", "\"phone\"\n")               // a workbook sheet as CSV (issue 14)
        try t.write(".optout/tmp/sheet-\(getpid())-00ee00ee", "\"phone\"\n")            // a live reader's
        let removed = StaleTemps.sweep(t.ws)
        #expect(t.exists(".optout/tmp/sheet-\(getpid())-00ee00ee"))
        #expect(removed.sorted() == [".optout/tmp/dups-\(dead)-00ff00ff", ".optout/tmp/sheet-\(dead)-00ee00ee", "outbox/send/.sale.csv.tmp-\(dead)-0a1b2c3d",
                                     "outbox/webhooks/pending/.x.json.tmp-\(dead)-deadbeef"])
        #expect(t.exists("outbox/send/.sale.csv.tmp-\(getpid())-0a1b2c3d"))
        #expect(t.exists("outbox/send/.notes.tmp-abc"))
        #expect(t.read("outbox/send/sale.csv") == "phone\n")
        #expect(StaleTemps.ownerPid(".a.tmp-12-0123abcd", marker: ".tmp-") == 12)
        #expect(StaleTemps.ownerPid(".a.tmp-12-0123", marker: ".tmp-") == nil)
        #expect(StaleTemps.ownerPid(".a.tmp-x-0123abcd", marker: ".tmp-") == nil)
    }

    @Test func countFileAndFixedClockThroughTheCLI() throws {
        if let reason = OptoutCLI.missingReason { print(reason); return }
        let t = try TempWorkspace(settings: "{ \"default_country\": \"GB\", \"settle_seconds\": 0 }")
        try t.write("inbox/stops/log.csv", "from,timestamp,text\n+447700900321,2026-11-25T18:02:11Z,STOP\n")
        let countFile = t.root + "/count.txt"
        let run = try OptoutCLI.runWorkspace(t.root, now: "2026-11-26T12:00:00Z", environment: ["OPTOUT_CRASH_COUNT_FILE": countFile])
        #expect(run.status == 0)
        let lines = (t.read("count.txt") ?? "").split(separator: "\n").map(String.init)
        let count = try #require(Int(lines.first ?? ""))
        #expect(count >= 10 && lines.count == count + 1)
        #expect(lines.contains { $0.hasSuffix(" append: synced") } && lines.contains { $0.hasSuffix(" move: after rename") })
        #expect(t.exists("outbox/reports/unsubscriptions-20261126T120000Z.csv"))
        let records = try Ledger.readAll(path: t.ws.ledgerFile)
        #expect(records.map(\.recordedTime.iso8601) == ["2026-11-26T12:00:00Z"])

        let bad = try OptoutCLI.runWorkspace(t.root, now: "yesterday")
        #expect(bad.status == 64 && bad.stderr.contains("OPTOUT_NOW=yesterday is not a time"))
    }
}
