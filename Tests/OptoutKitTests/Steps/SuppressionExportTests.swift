// SuppressionExport (issue 13): outbox/suppressions.csv is not rewritten by a run that recorded
// nothing (the same file stays: same inode, same mtime, same bytes), and is rewritten whenever its
// bytes could differ: a new opt-out, the export deleted or edited, the stamp damaged, the ledger
// changed on disk. Its bytes are always those of a full export of the ledger's state.

import Foundation
import Testing
@testable import OptoutBase
@testable import OptoutKit
import OptoutTestSupport
#if canImport(Glibc)
import Glibc
#endif

@Suite struct SuppressionExportTests {
    static func identity(_ path: String) -> [Int]? {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        return [Int(st.st_ino), Int(st.st_size), st.st_mtim.tv_sec, st.st_mtim.tv_nsec]
    }

    /// The export a fresh full write gives for the workspace's ledger.
    static func fullExport(_ t: TempWorkspace) throws -> String? {
        let ledger = try Ledger(path: t.ws.ledgerFile)
        let path = "\(t.root)/full-export.csv"
        defer { unlink(path) }
        try SuppressionExport.write(ledger.state, to: path)
        return t.read("full-export.csv")
    }

    @Test func aRunThatRecordedNothingLeavesTheExportAloneAndAnyChangeRewritesIt() throws {
        let t = try TempWorkspace(settings: "{\"default_country\": \"GB\", \"settle_seconds\": 0}")
        try t.write("inbox/stops/a.csv", "from,timestamp,text\n+447700900111,2026-11-25T10:00:00Z,STOP\n")
        try t.run(now: Timestamp(seconds: 1_795_700_000))
        let path = t.ws.suppressionsFile
        let first = try #require(t.read("outbox/suppressions.csv"))
        #expect(first.contains("+447700900111,"))
        let full1 = try Self.fullExport(t)
        #expect(first == full1)
        #expect(t.exists(".optout/suppressions.stamp"))

        // Nothing new: the same file, untouched.
        let before = Self.identity(path)
        usleep(20_000)
        try t.run(now: Timestamp(seconds: 1_795_700_100))
        #expect(Self.identity(path) == before, "rewritten by a run that recorded nothing")

        // A new opt-out: rewritten at once, never stale.
        try t.write("inbox/stops/b.csv", "from,timestamp,text\n+447700900222,2026-11-25T11:00:00Z,STOP\n")
        try t.run(now: Timestamp(seconds: 1_795_700_200))
        let second = try #require(t.read("outbox/suppressions.csv"))
        let full2 = try Self.fullExport(t)
        #expect(second.contains("+447700900222,") && second == full2)
        #expect(Self.identity(path) != before)

        // The export edited (other size), deleted, or its stamp damaged: written again, whole.
        try t.write("outbox/suppressions.csv", second + "+447700900999,2026-11-25T11:00:00Z,import\n")
        try t.run(now: Timestamp(seconds: 1_795_700_300))
        #expect(t.read("outbox/suppressions.csv") == second)
        unlink(path)
        try t.run(now: Timestamp(seconds: 1_795_700_400))
        #expect(t.read("outbox/suppressions.csv") == second)
        try t.write(".optout/suppressions.stamp", "torn")
        let beforeStamp = Self.identity(path)
        usleep(20_000)
        try t.run(now: Timestamp(seconds: 1_795_700_500))
        #expect(Self.identity(path) != beforeStamp && t.read("outbox/suppressions.csv") == second)

        // The export replaced with other bytes of the same size, its mtime kept: the inode and
        // size match, the mtime too — so the stamp also carries the ledger; a ledger touched
        // (rewritten in place, restored) rewrites the export.
        let beforeTouch = Self.identity(path)
        usleep(20_000)
        let ledger = t.ws.ledgerFile
        let fd = open(ledger, O_WRONLY)
        #expect(fd >= 0 && futimens(fd, nil) == 0)
        close(fd)
        try t.run(now: Timestamp(seconds: 1_795_700_600))
        #expect(Self.identity(path) != beforeTouch && t.read("outbox/suppressions.csv") == second)
    }

    @Test func theStampNamesTheLedgerAndTheExport() throws {
        let t = try TempWorkspace(settings: "{\"default_country\": \"GB\", \"settle_seconds\": 0}")
        try t.write("inbox/stops/a.csv", "from,timestamp,text\n+447700900111,2026-11-25T10:00:00Z,STOP\n")
        try t.run(now: Timestamp(seconds: 1_795_700_000))
        let stamp = try #require(t.read(".optout/suppressions.stamp"))
        let seq = try Ledger(path: t.ws.ledgerFile).lastSeq
        let expected = SuppressionExport.stamp(ledgerPath: t.ws.ledgerFile, ledgerSeq: seq,
                                               exportPath: t.ws.suppressionsFile)
        #expect(stamp == expected)
        #expect(stamp.hasPrefix("optout-suppressions-v1 ledger_seq \(seq) ledger ") && seq > 0)
    }
}
