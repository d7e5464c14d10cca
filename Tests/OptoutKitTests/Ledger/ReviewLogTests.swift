// Review log and damaged-record detection: items kept once by identity, closings, a read-only
// view for status; a damaged middle record told from a torn tail; decision rows that leave an
// item open or are row errors; a link key of the wrong size.

import Foundation
import Testing
@testable import OptoutBase
@testable import OptoutKit
@testable import OptoutPhone
import OptoutTestSupport

@Suite struct ReviewLogTests {
    func item(_ line: Int, kind: ReviewKind = .heldOptIn, text: String = "START") -> ReviewItem {
        ReviewItem(kind: kind, number: "+447700900111", eventTime: Timestamp(seconds: 1_790_000_000), file: "inbox/stops/a.csv",
                   line: line, inputHash: "abcd", rawText: text, choice: "not applied; the opt-out stays", rule: "ambiguous sender")
    }

    @Test func itemsAreKeptOnceByIdentityAndClosedOnce() throws {
        let t = try TempWorkspace()
        let now = Timestamp(seconds: 1_790_000_100)
        let log = try ReviewLog(path: t.ws.reviewsFile)
        #expect(try log.record([item(2), item(3), item(2)], at: now).count == 2)
        #expect(try log.record([item(2), item(3, kind: .ambiguousReply)], at: now).count == 1)   // kind is part of the identity
        let id = ReviewLog.id(of: item(2))
        #expect(id.hasPrefix("R") && id.count == 13)
        try log.record([], closing: [ReviewClosing(id: id, decision: "dismiss", file: "inbox/reviews/d.csv", line: 2),
                                     ReviewClosing(id: id, decision: "apply", file: "inbox/reviews/d.csv", line: 3)], at: now)
        let again = try ReviewLog(path: t.ws.reviewsFile)
        #expect(again.items.count == 3 && again.open.count == 2)
        #expect(again.item(id: id)?.decision == "dismiss")
        #expect(again.item(id: id)?.item == item(2))
        #expect(ReviewLog.readOnly(path: t.ws.reviewsFile).open.map(\.id) == again.open.map(\.id))
        #expect(try again.record([item(2)], at: now).isEmpty)      // a decided item is not reopened
    }

    @Test func aReportLeftByAKilledRunIsCompletedUnderItsNameAndAnotherRunsGetsItsOwn() throws {
        let t = try TempWorkspace()
        let now = Timestamp(seconds: 1_790_000_100)
        let log = try ReviewLog(path: t.ws.reviewsFile)
        let journal = try Journal(path: t.ws.journalFile)
        try log.record([item(2)], at: now)
        // Killed after writing the report, before the watermark moved; the next run finds one more item.
        let name = "review-\(now.compact).csv"
        try t.write("outbox/reports/\(name)", ReviewReportText.csv(log.items))
        try log.record([item(3)], at: now)
        let written = try #require(try ReviewReport.writePending(log: log, journal: journal, workspace: t.ws))
        #expect(written.path == "outbox/reports/\(name)" && written.items == 2)
        #expect(t.list("outbox/reports") == [name, PeopleWorkbookTwin.path(for: name)])
        #expect(journal.reviewWatermark == 2)
        // Another run in the same second with another item: its own file, named with its first seq.
        try log.record([item(4)], at: now)
        let other = try #require(try ReviewReport.writePending(log: log, journal: journal, workspace: t.ws))
        #expect(other.path == "outbox/reports/review-\(now.compact)-3.csv" && other.items == 1)
        #expect(try ReviewReport.writePending(log: log, journal: journal, workspace: t.ws) == nil)
    }

    @Test func aDamagedMiddleRecordIsToldFromATornTail() throws {
        let t = try TempWorkspace()
        let path = "\(t.root)/.optout/x.tsv"
        var bytes: [UInt8] = []
        for payload in ["one", "two", "three", "four"] { RecordFile.encode(Array(payload.utf8), into: &bytes) }
        var lines = String(decoding: bytes, as: UTF8.self).split(separator: "\n").map(String.init)
        lines[1] = lines[1].replacingOccurrences(of: "two", with: "twO")       // damaged, intact records follow
        lines[3] = lines[3].replacingOccurrences(of: "four", with: "fouR")     // the final record: torn
        try t.write(".optout/x.tsv", lines.joined(separator: "\n") + "\n" + "0000")   // and a cut fragment
        let file = RecordFile(path: path)
        var read: [String] = []
        try file.open(repairing: { payload, _ in read.append(String(decoding: payload, as: UTF8.self)) })
        #expect(read == ["one", "three"])
        #expect(file.damaged.map(\.line) == [2])
        #expect(file.damaged.first?.offset == lines[0].utf8.count + 1)
        // The torn tail was cut off; the damaged record stays (nothing is deleted).
        let after = try Durable.readFile(path)
        #expect(after.count == lines[0].utf8.count + lines[1].utf8.count + lines[2].utf8.count + 3)
    }

    @Test func decisionRowsLeaveItemsOpenOrAreRowErrors() throws {
        let t = try TempWorkspace(settings: "{\"settle_seconds\": 0}")
        let now = Timestamp(seconds: 1_790_000_100)
        let log = try ReviewLog(path: t.ws.reviewsFile)
        try log.record([item(2), item(3), item(4)], at: now)
        let (a, b, c) = (ReviewLog.id(of: item(2)), ReviewLog.id(of: item(3)), ReviewLog.id(of: item(4)))
        try t.write("inbox/reviews/d.csv", "decision;id;note\n;\(a);later\nmaybe;\(b);?\nDismiss;'\(c);ok\n")
        try t.write("inbox/reviews/none.csv", "id,decision\nR123,apply\n")
        try t.write("inbox/reviews/nocolumn.csv", "id,choice\n\(a),apply\n")
        let report = try t.run(now: now)
        #expect(report.unusableDecisionRows == 1)
        #expect(report.rejectedInputs == 2)
        #expect(t.list("inbox/reviews/processed") == ["d.csv", "d.csv.error.txt"])
        #expect(t.read("inbox/reviews/processed/d.csv.error.txt")?.contains("line 3: decision \"maybe\" is neither apply nor dismiss") == true)
        #expect(t.read("inbox/reviews/rejected/none.csv.error.txt")?.contains("no review item has the id \"R123\"") == true)
        #expect(t.read("inbox/reviews/rejected/nocolumn.csv.error.txt")?.contains("no decision column") == true)
        #expect(try ReviewLog(path: t.ws.reviewsFile).open.count == 2)
        #expect(report.reviewItemsOpen == 2)
    }

    @Test func aHeldOptInAppliedByADecisionResubscribes() throws {
        let t = try TempWorkspace(settings: "{\"settle_seconds\": 0, \"default_country\": \"GB\"}")
        let now = Timestamp(seconds: 1_790_000_100)
        try t.write("inbox/stops/a.csv", "from,timestamp,text\n+447700900111,2026-09-01T10:00:00Z,STOP\n")
        try t.run(now: now)
        let held = ReviewItem(kind: .heldOptIn, number: "+447700900111", eventTime: nil, file: "inbox/stops/b.csv", line: 2,
                              inputHash: "ffff", rawText: "START", choice: "not applied; the opt-out stays", rule: "time not trustworthy")
        try ReviewLog(path: t.ws.reviewsFile).record([held], at: now)
        try t.write("inbox/reviews/d.csv", "id,decision\n\(ReviewLog.id(of: held)),apply\n")
        let report = try t.run(now: Timestamp(seconds: now.seconds + 60))
        #expect(report.resubscribed == 1)
        let record = try #require(try Ledger.readAll(path: t.ws.ledgerFile).last)
        #expect(record.kind == .optIn && record.effect == .applied && record.file == "inbox/reviews/d.csv" && record.line == 2)
        #expect(record.detail.contains("evidence=inbox/stops/b.csv:2"))
    }

    @Test func aClickLogReadTwiceOpensItsItemsOnce() throws {
        let t = try TempWorkspace(settings: sampleSettings)
        try t.write("inbox/lists/customers.csv", sampleList)
        try t.write("inbox/campaigns/sale.txt", sampleCampaign)
        try t.run()
        let token = try #require(t.rows("outbox/links/sale.csv").first?[1])
        let log = "1.2.3.4 - - [26/Nov/2026:18:40:45 +0100] \"POST /u/\(token) HTTP/1.1\" 200 5 \"-\" \"Slackbot-LinkExpanding 1.0\"\n"
        try t.write("inbox/clicks/a.log", log)
        var report = try t.run()
        #expect(report.reviewItemsOpened == 1 && report.newOptOuts == 0)
        #expect(report.reviewNotices.first?.hasPrefix("1 new review item: outbox/reports/review-") == true)
        try t.write("inbox/clicks/a.log", log)
        report = try t.run()
        #expect(report.reviewItemsOpened == 0 && report.reviewReport == nil && report.reviewNotices.isEmpty)
    }

    @Test func aLinkKeyOfTheWrongSizeIsAProblemAndAMissingOneWithAnEmptyIndexIsNot() throws {
        let t = try TempWorkspace()
        #expect(try LinkKeyCheck.problem(workspace: t.ws) == nil)
        try t.write(".optout/link.key", [1, 2, 3])
        #expect(try LinkKeyCheck.problem(workspace: t.ws)?.contains("is damaged (3 bytes, expected 32)") == true)
    }

    @Test func aNewLinkKeyOnPurposeKeepsOldTokensResolvingAndWaitsForTheLock() throws {
        let t = try TempWorkspace(settings: sampleSettings)
        try t.write("inbox/lists/customers.csv", sampleList)
        try t.write("inbox/campaigns/sale.txt", sampleCampaign)
        try t.run()
        let old = try #require(t.rows("outbox/links/sale.csv").first)
        let oldKey = try Durable.readFile(t.ws.linkKeyFile)
        do {
            let lock = try WorkspaceLock(path: t.ws.lockFile, wait: false)
            defer { lock.release() }
            #expect(throws: OptoutError.self) { _ = try InitJob.newLinkKey(dir: t.root) }
        }
        let text = try InitJob.newLinkKey(dir: t.root, now: Timestamp(seconds: 1_790_000_000))
        #expect(text.contains(".optout/links.retired-") && text.contains("link.key.retired-"))
        #expect(try Durable.readFile(t.ws.linkKeyFile) != oldKey)
        #expect(!Durable.exists(t.ws.linkIndexFile) && t.ws.retiredLinkIndexes().count == 1)
        #expect(try LinkKeyCheck.problem(workspace: t.ws) == nil)
        let resolver = try TokenResolver.load(paths: [t.ws.linkIndexFile] + t.ws.retiredLinkIndexes())
        #expect(resolver.resolve(old[1])?.e164 == old[0])
    }
}
