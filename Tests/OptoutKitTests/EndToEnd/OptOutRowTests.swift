// Spreadsheet rows of opt-out inputs (issue 14 item 5), through the real binary: a STOP log saved
// by Excel with a `sep=;` first line and a cell holding a line break. The ledger keeps each
// record's physical line and adds the row a spreadsheet shows (a trailing field, written only
// when they differ); the unsubscription report, the review report, the row errors and
// `optout lookup` name the row; the same log dropped again adds nothing (the row is no part of
// the identity); a log without a sep= line is recorded exactly as before (15 fields).

import Foundation
import Testing
@testable import OptoutBase
@testable import OptoutKit
@testable import OptoutPhone
import OptoutTestSupport

@Suite(.serialized) struct OptOutRowTests {
    /// Physical lines: 1 sep=;  2 header  3 Amy  4-5 Ben (two-line note)  6 Cat  7 "12" (not a number).
    /// Spreadsheet rows:         1 header  2 Amy  3 Ben                    4 Cat  5 "12".
    static let log = "sep=;\r\nfrom;text;time;note\r\n+447700900001;STOP;2026-11-20 10:00;a\r\n"
        + "+447700900002;STOP;2026-11-20 10:01;\"two\r\nlines\"\r\n+447700900003;STOP;2026-11-20 10:02;c\r\n12;STOP;2026-11-20 10:03;d\r\n"

    /// The ledger's payloads (CRC and tab stripped), as split fields.
    static func ledger(_ root: String) throws -> [[String]] {
        let text = try #require(Tree.read("\(root)/.optout/ledger.tsv"))
        return text.split(separator: "\n").map { line in
            Array(line.split(separator: "\t", omittingEmptySubsequences: false).dropFirst().map(String.init))
        }
    }

    @Test func theLedgerKeepsTheLineAndAddsTheRowReportsNameTheRow() throws {
        if let reason = OptoutCLI.missingReason { _ = toolAvailable(false, reason); return }
        let root = NSTemporaryDirectory() + "optout-optout-rows-" + UUID().uuidString
        defer { Tree.remove(root) }
        _ = try InitJob.run(dir: root)
        try Tree.write("\(root)/inbox/settings.json", #"{"default_country": "GB", "settle_seconds": 0}"#)
        try Tree.write("\(root)/inbox/stops/excel.csv", Self.log)
        let run = try OptoutCLI.runWorkspace(root)
        #expect(run.status == 65, "\(run.stderr)")    // the "12" row could not be used
        #expect(run.stderr.contains("excel.csv row 5 (line 7)"), "\(run.stderr)")

        // Ledger: physical line in field 10, the row after the time text (field 15) when it differs.
        let records = try Self.ledger(root)
        #expect(records.count == 3)
        #expect(records.map { $0[10] } == ["3", "4", "6"])
        #expect(records.map { $0.count } == [16, 16, 16])
        #expect(records.map { $0.last! } == ["2", "3", "4"])

        // The unsubscription report names the rows; the review report too.
        let reports = try FileManager.default.contentsOfDirectory(atPath: "\(root)/outbox/reports")
        let unsub = try #require(reports.first { $0.hasPrefix("unsubscriptions-") && $0.hasSuffix(".csv") })
        let rows = try #require(Tree.read("\(root)/outbox/reports/\(unsub)")).components(separatedBy: "\r\n").filter { !$0.isEmpty }
        #expect(rows.dropFirst().map { $0.split(separator: ",").last.map(String.init) } == ["2", "3", "4"], "\(rows)")
        let review = try #require(reports.first { $0.hasPrefix("review-") && $0.hasSuffix(".csv") })
        let reviewRows = try #require(Tree.read("\(root)/outbox/reports/\(review)")).components(separatedBy: "\r\n").filter { !$0.isEmpty }
        #expect(reviewRows.count == 2 && reviewRows[1].contains("excel.csv,5,"), "\(reviewRows)")

        // optout lookup: the row, and the line it is on.
        let lookup = try OptoutCLI.run(["lookup", "--root", root, "+447700900002"], environment: ["OPTOUT_NOW": "2026-11-26T13:00:00Z"])
        #expect(lookup.status == 0, "\(lookup.stderr)")
        #expect(lookup.stdout.contains("excel.csv row 3 (line 4)"), "\(lookup.stdout)")
        let json = try OptoutCLI.run(["lookup", "--root", root, "--json", "+447700900002"], environment: ["OPTOUT_NOW": "2026-11-26T13:00:00Z"])
        #expect(json.stdout.contains("\"line\" : 4") && json.stdout.contains("\"row\" : 3"), "\(json.stdout)")

        // The same log dropped again (another name): the same identities, nothing recorded.
        try Tree.write("\(root)/inbox/stops/excel-again.csv", Self.log)
        let again = try OptoutCLI.runWorkspace(root, now: "2026-11-26T12:05:00Z")
        #expect(again.status == 65, "\(again.stderr)")
        #expect(try Self.ledger(root).count == 3)

        // A log without sep= and multi-line cells: 15 fields, as before.
        try Tree.write("\(root)/inbox/stops/plain.csv", "from,text,time\n+447700900009,STOP,2026-11-20 10:05\n")
        let plain = try OptoutCLI.runWorkspace(root, now: "2026-11-26T12:10:00Z")
        #expect(plain.status == 0, "\(plain.stderr)")
        let last = try #require(try Self.ledger(root).last)
        #expect(last.count == 15 && last[10] == "2", "\(last)")
    }

    /// Old ledgers (no row field) and new records decode; the row never changes the identity.
    @Test func theRowIsOptionalAndNoPartOfTheIdentity() throws {
        let base = LedgerRecord(seq: 1, kind: .optOut, effect: .applied, number: PhoneNumber(e164: "+447700900001")!,
                                eventTime: Timestamp(seconds: 1_700_000_000), recordedTime: Timestamp(seconds: 1_700_000_100),
                                source: .reply, rule: "r", file: "inbox/stops/a.csv", line: 4, inputHash: "h", text: "STOP",
                                timeText: "2026-11-20 10:00")
        var withRow = base
        withRow.row = 3
        #expect(base.identity == withRow.identity)
        let plain = base.payload(), extended = withRow.payload()
        #expect(extended == plain + Array("\t3".utf8))
        let decoded = extended.withUnsafeBufferPointer { LedgerRecord.decode($0) }
        #expect(decoded?.row == 3 && decoded?.line == 4)
        #expect(plain.withUnsafeBufferPointer { LedgerRecord.decode($0) }?.row == nil)
        #expect(extended.withUnsafeBufferPointer { LedgerRecord.Replay($0)?.identity } == base.identity)
        // Equal row and line: nothing written.
        var same = base
        same.row = 4
        #expect(same.payload() == plain)
        // The byte-level encoder writes what payload() writes.
        var event = IncomingEvent(kind: .optOut, number: base.number, time: base.eventTime, source: .reply, rule: "r",
                                  file: base.file, line: 4, inputHash: "h", text: "STOP")
        event.timeText = "2026-11-20 10:00"
        event.row = 3
        var encoder = LedgerLineEncoder(recordedAt: base.recordedTime)
        encoder.append(event, seq: 1, effect: .applied)
        var framed: [UInt8] = []
        RecordFile.encode(extended, into: &framed)
        #expect(encoder.out == framed)
    }
}
