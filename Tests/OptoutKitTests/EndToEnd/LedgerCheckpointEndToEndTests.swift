// The ledger checkpoint through `optout run`: a run that recorded enough writes it, the next run
// starts from it, and what that run writes is what it writes with no checkpoint at all.

import Foundation
import Testing
@testable import OptoutBase
@testable import OptoutKit
@testable import OptoutPhone
import OptoutTestSupport

@Suite struct LedgerCheckpointEndToEndTests {
    static let first = Timestamp(seconds: 1_795_000_000), second = Timestamp(seconds: 1_795_300_000)

    /// 3,000 imported opt-outs (a test build writes a checkpoint after any run that recorded;
    /// a release build once the ledger grew by `Ledger.checkpointGrowth`).
    func importedWorkspace() throws -> TempWorkspace {
        let t = try TempWorkspace(settings: sampleSettings)
        let rows = (0..<3_000).map { "+4477009\(String(format: "%05d", $0))" }
        try t.write("inbox/suppressions/import.csv", "phone\n" + rows.joined(separator: "\n") + "\n")
        let report = try t.run(now: Self.first)
        #expect(report.newOptOuts == 3_000)
        return t
    }

    /// STOPs (one of them for a number imported before) and a campaign to imported, stopped and
    /// other numbers.
    func secondRun(_ t: TempWorkspace) throws {
        try t.write("inbox/stops/tollfree.csv", "from,timestamp,text\n+447911123456,2026-11-20T10:00:00Z,STOP\n+447700900007,2026-11-20T10:01:00Z,stop\n")
        try t.write("inbox/lists/customers.csv", "first_name,phone\nA,+447700900005\nB,+447911123456\nC,+447911123457\nD,+447700902999\nE,+447700903000\n")
        try t.write("inbox/campaigns/sale.txt", sampleCampaign)
        try t.run(now: Self.second)
    }

    @Test func aRunStartsFromTheCheckpointAndWritesWhatAFullReplayWrites() throws {
        let withCheckpoint = try importedWorkspace(), without = try importedWorkspace()
        let path = withCheckpoint.ws.ledgerCheckpointFile
        #expect(Durable.exists(path))
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        try FileManager.default.removeItem(atPath: without.ws.ledgerCheckpointFile)

        try secondRun(withCheckpoint)
        try secondRun(without)
        // Each workspace's ledger opens from a checkpoint again (in a test build: of the whole
        // ledger, written by the second run).
        for t in [withCheckpoint, without] {
            let reopened = try Ledger(path: t.ws.ledgerFile, checkpoint: t.ws.ledgerCheckpointFile)
            let ledgerSize = try FileSize.of(t.ws.ledgerFile)
            #expect(reopened.checkpoint != nil && reopened.checkpoint!.bytes <= ledgerSize)
        }
        #expect(Durable.exists(without.ws.ledgerCheckpointFile))

        #expect(withCheckpoint.rows("outbox/send/sale.csv").map { $0[0] } == ["+447911123457", "+447700903000"])
        for file in ["outbox/suppressions.csv", "outbox/reports/sale-skipped.csv", "outbox/reports/sale.txt"] {
            #expect(withCheckpoint.read(file) != nil)
            #expect(withCheckpoint.read(file) == without.read(file), "\(file) differs")
        }
        #expect(withCheckpoint.rows("outbox/send/sale.csv").map { $0[0] } == without.rows("outbox/send/sale.csv").map { $0[0] })
        let payloads = { (t: TempWorkspace) in t.list("outbox/webhooks/pending").map { t.read("outbox/webhooks/pending/\($0)") } }
        #expect(payloads(withCheckpoint).count == 1)
        #expect(payloads(withCheckpoint) == payloads(without))
    }
}
