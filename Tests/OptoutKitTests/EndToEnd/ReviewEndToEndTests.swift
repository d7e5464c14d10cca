// End-to-end tests through the real `optout` executable for issue 10 classes 7, 8 and 9: review
// items that reach a person (report once, closed by a decision file, a kill between the ledger
// fsync and the review file), page-log confirmations without a user agent, a lost link key, and
// damaged or torn ledger records.

import Foundation
import Testing
@testable import OptoutBase
@testable import OptoutKit
@testable import OptoutPhone
import OptoutTestSupport

/// A workspace whose day one (a campaign with {optout} to three numbers) ran through the CLI.
struct LinkedWorkspace {
    let root: String
    /// Day one's tokens by E.164 number.
    let tokens: [String: String]
    var ws: Workspace { Workspace(root: root) }

    static let numbers = ["+447700900111", "+447700900222", "+447700900333"]

    init() throws {
        root = NSTemporaryDirectory() + "optout-e2e-" + UUID().uuidString
        _ = try InitJob.run(dir: root)
        try Tree.write("\(root)/inbox/settings.json", """
        { "default_country": "GB", "optout_link_base": "https://example.com/u/", "settle_seconds": 0, "allow_example_links": true }
        """)
        try Tree.write("\(root)/inbox/lists/people.csv", "name,phone\nAmy,07700 900111\nBen,07700 900222\nCal,07700 900333\n")
        try Tree.write("\(root)/inbox/campaigns/day1.txt", "list: people\n\nHi {name}, news! {optout}\n")
        let day1 = try OptoutCLI.runWorkspace(root, now: "2026-11-25T09:00:00Z")
        guard day1.status == 0 else { throw CocoaError(.fileReadUnknown, userInfo: ["stderr": day1.stderr]) }
        var tokens: [String: String] = [:]
        for line in (Tree.read("\(root)/outbox/links/day1.csv") ?? "").split(separator: "\n").dropFirst() {
            let cells = line.split(separator: ",").map(String.init)
            if cells.count >= 2 { tokens[cells[0]] = cells[1] }
        }
        self.tokens = tokens
    }

    func remove() { Tree.remove(root) }

    func files(_ relative: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: "\(root)/\(relative)")) ?? []).filter { !$0.hasPrefix(".") }.sorted()
    }

    /// Numbers in a send file.
    func sendNumbers(_ name: String) -> [String] {
        (Tree.read("\(root)/outbox/send/\(name).csv") ?? "").split(separator: "\n").dropFirst().map { String($0.prefix(while: { $0 != "," })) }
    }

    func payloads() -> [String] {
        files("outbox/webhooks/pending").compactMap { Tree.read("\(root)/outbox/webhooks/pending/\($0)") }
    }

    func run(_ now: String = "2026-11-26T12:00:00Z", _ env: [String: String] = [:]) throws -> OptoutCLI.Result {
        try OptoutCLI.runWorkspace(root, now: now, environment: env)
    }
}

@Suite(.serialized) struct ReviewEndToEndTests {
    static let googlebot = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"

    /// The review ids (R + 12 hex digits) in a text, in order.
    static func ids(_ text: String) -> [String] {
        text.matches(of: /R[0-9a-f]{12}/).map { String($0.output) }
    }

    func accessLine(_ method: String, _ token: String, agent: String) -> String {
        "203.0.113.9 - - [26/Nov/2026:08:00:00 +0000] \"\(method) /u/\(token) HTTP/1.1\" 200 512 \"-\" \"\(agent)\"\n"
    }

    // Class 8: a `time,token,action` CSV without a user-agent column is a person's confirmation.
    @Test func csvConfirmWithoutUserAgentIsApplied() throws {
        if let reason = OptoutCLI.missingReason { print(reason); return }
        let w = try LinkedWorkspace()
        defer { w.remove() }
        let ben = LinkedWorkspace.numbers[1]
        let token = try #require(w.tokens[ben])
        try Tree.write("\(w.root)/inbox/clicks/export.csv", "time,token,action\n2026-11-26T08:00:00Z,\(token),confirm\n")
        try Tree.write("\(w.root)/inbox/campaigns/day2.txt", "list: people\n\nHi {name}, more news! {optout}\n")
        let run = try w.run()
        #expect(run.status == 0, "\(run.stderr)")
        #expect(!w.sendNumbers("day2").contains(ben))
        #expect(w.sendNumbers("day2").count == 2)
        #expect(w.payloads() == ["{\"timestamp\": \"2026-11-26T08:00:00Z\", \"unsubscribed_number\": \"\(ben)\", \"source\": \"Optout Link\"}"])
        #expect(w.files("outbox/reports").filter { $0.hasPrefix("review-") }.isEmpty)
    }

    // Class 8 and 7: a preview's confirmation is held and reaches a person; a scripted one is
    // applied and flagged; the report is written once; a decision file closes the items.
    @Test func reviewReportIsWrittenOnceAndClosedByADecisionFile() throws {
        if let reason = OptoutCLI.missingReason { print(reason); return }
        let w = try LinkedWorkspace()
        defer { w.remove() }
        let (amy, ben) = (LinkedWorkspace.numbers[0], LinkedWorkspace.numbers[1])
        var log = accessLine("POST", try #require(w.tokens[amy]), agent: Self.googlebot)
        log += accessLine("POST", try #require(w.tokens[ben]), agent: "python-requests/2.31.0")
        try Tree.write("\(w.root)/inbox/clicks/access.log", log)
        let first = try w.run()
        #expect(first.status == 0, "\(first.stderr)")
        let reports = w.files("outbox/reports").filter { $0.hasPrefix("review-") && $0.hasSuffix(".csv") }
        #expect(reports == ["review-20261126T120000Z.csv"])
        #expect(w.files("outbox/reports").contains("review-20261126T120000Z.xlsx"))
        #expect(first.stderr.contains("optout: 2 new review items: outbox/reports/review-20261126T120000Z.csv"), "\(first.stderr)")
        let reportPath = "\(w.root)/outbox/reports/\(reports[0])"
        let bytes = Array(FileManager.default.contents(atPath: reportPath) ?? Data())
        #expect(bytes.starts(with: [0xEF, 0xBB, 0xBF]))
        let text = String(decoding: bytes.dropFirst(3), as: UTF8.self)
        let lines = text.components(separatedBy: "\r\n").filter { !$0.isEmpty }
        #expect(lines.first == "found_at,kind,number,file,line,raw_text,choice,rule,id,decision")
        #expect(lines.count == 3)
        let held = try #require(lines.first { $0.contains("bot-confirmation") })
        #expect(held.hasPrefix("2026-11-26T12:00:00Z,bot-confirmation,'\(amy),inbox/clicks/access.log,1,"))
        #expect(held.contains("held: not applied"))
        #expect(lines.contains { $0.contains("scripted-confirmation,'\(ben),inbox/clicks/access.log,2,") && $0.contains(",opted out,") })
        // The scripted one is applied; the preview's is not.
        #expect(w.payloads().count == 1 && w.payloads()[0].contains(ben))
        var status = try OptoutCLI.run(["status", "--json", "--root", w.root])
        #expect(status.stdout.contains("\"review_items_open\": 2"), "\(status.stdout)")

        // Run again: no new report, no new line.
        let second = try w.run("2026-11-26T13:00:00Z")
        #expect(second.status == 0 && !second.stderr.contains("review item"), "\(second.stderr)")
        #expect(w.files("outbox/reports").filter { $0.hasPrefix("review-") && $0.hasSuffix(".csv") } == reports)

        // A person applies the held one and dismisses the flagged one: rows dropped back with a decision.
        var decided = "\u{FEFF}" + lines[0] + "\r\n"
        for line in lines.dropFirst() {
            decided += line + (line.contains("bot-confirmation") ? "apply" : "dismiss") + "\r\n"
        }
        try Tree.write("\(w.root)/inbox/reviews/decisions.csv", decided)
        try Tree.write("\(w.root)/inbox/campaigns/day2.txt", "list: people\n\nHi {name}, more news! {optout}\n")
        let third = try w.run("2026-11-26T14:00:00Z")
        #expect(third.status == 0, "\(third.stderr)")
        #expect(w.files("inbox/reviews/processed") == ["decisions.csv"])
        #expect(w.sendNumbers("day2") == [LinkedWorkspace.numbers[2]])
        #expect(w.payloads().count == 2 && w.payloads().contains { $0.contains(amy) && $0.contains("Optout Link") })
        let records = try Ledger.readAll(path: w.ws.ledgerFile).filter { $0.number.e164 == amy }
        #expect(records.count == 1 && records[0].file == "inbox/reviews/decisions.csv" && records[0].line == 2)
        status = try OptoutCLI.run(["status", "--json", "--root", w.root])
        #expect(status.stdout.contains("\"review_items_open\": 0"), "\(status.stdout)")

        // A decision naming an unknown item is a row error: 65, the file in processed/ with its .error.txt.
        try Tree.write("\(w.root)/inbox/reviews/more.csv", "id,decision\nR000000000000,apply\n\(try #require(Self.ids(lines[1]).first)),apply\n")
        let fourth = try w.run("2026-11-26T15:00:00Z")
        #expect(fourth.status == 65, "\(fourth.stderr)")
        #expect(fourth.stderr.contains("no review item has the id \"R000000000000\""))
        #expect(Tree.read("\(w.root)/inbox/reviews/processed/more.csv.error.txt")?.contains("line 2") == true)
    }

    // Class 7: items older than 7 days are named on the first run of each day, not on every run.
    @Test func oldItemsAreNamedOnTheFirstRunOfEachDay() throws {
        if let reason = OptoutCLI.missingReason { print(reason); return }
        let w = try LinkedWorkspace()
        defer { w.remove() }
        try Tree.write("\(w.root)/inbox/clicks/access.log", accessLine("POST", try #require(w.tokens[LinkedWorkspace.numbers[0]]), agent: Self.googlebot))
        #expect(try w.run("2026-11-26T12:00:00Z").stderr.contains("1 new review item"))
        #expect(try w.run("2026-12-01T09:00:00Z").stderr.isEmpty)          // 5 days: quiet
        let firstOfDay = try w.run("2026-12-04T09:00:00Z")
        #expect(firstOfDay.status == 0)
        #expect(firstOfDay.stderr.contains("optout: 1 review item open for more than 7 days (the oldest found 2026-11-26"), "\(firstOfDay.stderr)")
        #expect(try w.run("2026-12-04T10:00:00Z").stderr.isEmpty)          // same day: quiet
        #expect(try w.run("2026-12-05T08:00:00Z").stderr.contains("open for more than 7 days"))
    }

    // Acceptance: a kill between the ledger fsync and the review file still yields the review file once.
    @Test func killBetweenTheLedgerFsyncAndTheReviewFileYieldsTheReviewFileOnce() throws {
        if let reason = OptoutCLI.missingReason { print(reason); return }
        let w = try LinkedWorkspace()
        defer { w.remove() }
        try Tree.write("\(w.root)/inbox/clicks/access.log", accessLine("POST", try #require(w.tokens[LinkedWorkspace.numbers[0]]), agent: Self.googlebot)
                       + accessLine("POST", try #require(w.tokens[LinkedWorkspace.numbers[1]]), agent: "curl/8.5.0"))
        let reference = w.root + "-reference"
        try Tree.copy(w.root, to: reference)
        defer { Tree.remove(reference) }
        let countFile = w.root + "-steps.txt"
        defer { Tree.remove(countFile) }
        let uninterrupted = try OptoutCLI.runWorkspace(reference, environment: ["OPTOUT_CRASH_COUNT_FILE": countFile])
        #expect(uninterrupted.status == 0)
        let labels = (Tree.read(countFile) ?? "").split(separator: "\n").dropFirst().map(String.init)
        let ledgerSynced = try #require(labels.firstIndex { $0.hasSuffix(" run: ledger synced, review log not yet") })
        let reportWritten = try #require(labels.firstIndex { $0.hasSuffix(" review report: written, watermark not moved") })
        #expect(ledgerSynced < reportWritten)
        // The review log's append (a kill there leaves half a record, cut off by the rerun).
        let tornStep = try #require(labels[ledgerSynced...].firstIndex { $0.hasSuffix(" append: torn record") }) + 1
        let expected = try #require(FileManager.default.contents(atPath: "\(reference)/outbox/reports/review-20261126T120000Z.csv"))
        // Every step from the ledger's fsync up to the watermark: killed there, then run again.
        print("kill test: steps \(ledgerSynced + 1)...\(reportWritten + 4): " + labels[ledgerSynced...(reportWritten + 3)].joined(separator: " | "))
        for step in (ledgerSynced + 1)...(reportWritten + 4) {
            let root = "\(w.root)-kill-\(step)"
            try Tree.copy(w.root, to: root)
            defer { Tree.remove(root) }
            let killed = try OptoutCLI.runWorkspace(root, environment: ["OPTOUT_CRASH_AT": String(step)])
            #expect(killed.killed, "step \(step) (\(labels[step - 1])): not killed")
            // The rerun comes five minutes later (cron): items found before the kill keep their time.
            let again = try OptoutCLI.runWorkspace(root, now: "2026-11-26T12:05:00Z")
            #expect(again.status == 0, "step \(step): \(again.stderr)")
            #expect(again.stderr.contains("2 new review items") == (step <= tornStep), "step \(step): \(again.stderr)")
            let all = ((try? FileManager.default.contentsOfDirectory(atPath: "\(root)/outbox/reports")) ?? []).filter { $0.hasPrefix("review-") }
            let reports = all.filter { $0.hasSuffix(".csv") }
            #expect(reports.count == 1, "step \(step) (\(labels[step - 1])): \(reports)")
            #expect(all.sorted() == reports.flatMap { [$0, PeopleWorkbookTwin.path(for: $0)] }.sorted(), "step \(step): the .xlsx twin beside the CSV, and no other: \(all)")
            let bytes = reports.first.flatMap { FileManager.default.contents(atPath: "\(root)/outbox/reports/\($0)") }
            if step > tornStep {   // the review log was written before the kill: the very same file
                #expect(reports == ["review-20261126T120000Z.csv"] && bytes == expected, "step \(step)")
            } else {               // recorded by the rerun: the same items, found at its time
                #expect(reports == ["review-20261126T120500Z.csv"], "step \(step): \(reports)")
                #expect(Self.ids(String(decoding: bytes ?? Data(), as: UTF8.self)) == Self.ids(String(decoding: expected, as: UTF8.self)), "step \(step)")
            }
            #expect(ReviewLog.readOnly(path: Workspace(root: root).reviewsFile).items.count == 2, "step \(step)")
            #expect(try Ledger.readAll(path: Workspace(root: root).ledgerFile).count == 1, "step \(step)")
            // A third run adds nothing.
            _ = try OptoutCLI.runWorkspace(root, now: "2026-11-26T13:00:00Z")
            #expect(((try? FileManager.default.contentsOfDirectory(atPath: "\(root)/outbox/reports")) ?? []).filter { $0.hasPrefix("review-") }.count == 2)  // CSV + .xlsx
        }
    }

    // Class 9: a deleted link key with a non-empty index holds {optout} campaigns (78) and is not
    // remade; after `init --new-link-key` the campaign builds and old links still resolve.
    @Test func deletedLinkKeyHoldsLinkCampaignsUntilANewKeyIsMadeOnPurpose() throws {
        if let reason = OptoutCLI.missingReason { print(reason); return }
        let w = try LinkedWorkspace()
        defer { w.remove() }
        try FileManager.default.removeItem(atPath: w.ws.linkKeyFile)
        try Tree.write("\(w.root)/inbox/campaigns/day2.txt", "list: people\n\nHi {name}, more news! {optout}\n")
        try Tree.write("\(w.root)/inbox/campaigns/plain.txt", "list: people\n\nHi {name}, reply STOP to opt out.\n")
        let held = try w.run()
        #expect(held.status == 78, "\(held.stderr)")
        #expect(held.stderr.contains("inbox/campaigns/day2.txt: held: .optout/link.key is missing while .optout/links.tsv holds links"), "\(held.stderr)")
        #expect(held.stderr.contains("optout init --new-link-key"))
        #expect(!Durable.exists(w.ws.linkKeyFile))
        #expect(w.files("inbox/campaigns").filter { $0.hasSuffix(".txt") } == ["day2.txt"])
        #expect(w.sendNumbers("plain").count == 3)          // a campaign without links is not held

        // A wrong key (not the one the links were issued with) is held the same way.
        try Durable.writeFile(w.ws.linkKeyFile, Array(repeating: 9, count: 32), mode: 0o600)
        let wrong = try w.run("2026-11-26T12:30:00Z")
        #expect(wrong.status == 78 && wrong.stderr.contains("is not the key the links in .optout/links.tsv were issued with"), "\(wrong.stderr)")
        try FileManager.default.removeItem(atPath: w.ws.linkKeyFile)

        let made = try OptoutCLI.run(["init", "--new-link-key", w.root])
        #expect(made.status == 0, "\(made.stderr)")
        #expect(Durable.exists(w.ws.linkKeyFile))
        // An old link confirmed after the new key: it still resolves from the retired index.
        let amy = LinkedWorkspace.numbers[0]
        try Tree.write("\(w.root)/inbox/clicks/export.csv", "time,token,action\n2026-11-26T13:00:00Z,\(try #require(w.tokens[amy])),confirm\n")
        let built = try w.run("2026-11-26T14:00:00Z")
        #expect(built.status == 0, "\(built.stderr)")
        #expect(w.sendNumbers("day2").sorted() == [LinkedWorkspace.numbers[1], LinkedWorkspace.numbers[2]])
        #expect(w.payloads().contains { $0.contains(amy) && $0.contains("Optout Link") })
        // The new links resolve too: Ben's new token, confirmed.
        let newLinks = (Tree.read("\(w.root)/outbox/links/day2.csv") ?? "").split(separator: "\n").dropFirst()
        let benToken = try #require(newLinks.first { $0.hasPrefix(LinkedWorkspace.numbers[1]) }?.split(separator: ",")[1])
        #expect(benToken != w.tokens[LinkedWorkspace.numbers[1]].map { Substring($0) })
        try Tree.write("\(w.root)/inbox/clicks/export2.csv", "time,token,action\n2026-11-26T15:00:00Z,\(benToken),confirm\n")
        #expect(try w.run("2026-11-26T16:00:00Z").status == 0)
        #expect(w.payloads().contains { $0.contains(LinkedWorkspace.numbers[1]) })
    }

    // Class 9: a damaged middle ledger record exits 74, is named and goes to review; a torn final
    // record is repaired silently.
    @Test func damagedMiddleLedgerRecordExits74AndATornFinalOneIsRepairedSilently() throws {
        if let reason = OptoutCLI.missingReason { print(reason); return }
        let w = try LinkedWorkspace()
        defer { w.remove() }
        try Tree.write("\(w.root)/inbox/stops/log.csv", "from,timestamp,text\n+447700900111,2026-11-26T08:00:00Z,STOP\n+447700900222,2026-11-26T08:01:00Z,STOP\n+447700900333,2026-11-26T08:02:00Z,STOP\n")
        #expect(try w.run().status == 0)
        let original = try #require(FileManager.default.contents(atPath: w.ws.ledgerFile))
        var lines = String(decoding: original, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines.count == 4 && lines[3].isEmpty)

        // Torn final record: cut in half, no newline.
        let torn = w.root + "-torn"
        try Tree.copy(w.root, to: torn)
        defer { Tree.remove(torn) }
        let cut = original.count - 30
        try Data(original.prefix(cut)).write(to: URL(fileURLWithPath: Workspace(root: torn).ledgerFile))
        let repaired = try OptoutCLI.runWorkspace(torn, now: "2026-11-26T13:00:00Z")
        #expect(repaired.status == 0 && repaired.stderr.isEmpty, "\(repaired.stderr)")
        // The torn record is cut off; the first two stay. (The copy gave the processed log a new
        // identity, so it is read again and the cut STOP may come back: never fewer.)
        let kept = try Ledger.readAll(path: Workspace(root: torn).ledgerFile).map(\.number.e164)
        #expect(kept.count >= 2 && Array(kept.prefix(2)) == ["+447700900111", "+447700900222"])

        // Damaged middle record: one byte of Ben's record changed.
        lines[1] = lines[1].replacingOccurrences(of: "+447700900222", with: "+447700900229")
        try Data(lines.joined(separator: "\n").utf8).write(to: URL(fileURLWithPath: w.ws.ledgerFile))
        let damaged = try w.run("2026-11-26T13:00:00Z")
        #expect(damaged.status == 74, "\(damaged.stderr)")
        #expect(damaged.stderr.contains(".optout/ledger.tsv:2: error: damaged ledger record (byte offset \(lines[0].utf8.count + 1)"), "\(damaged.stderr)")
        #expect(damaged.stderr.contains("1 new review item"))
        let report = try #require(w.files("outbox/reports").first { $0.hasPrefix("review-") })
        let text = try #require(Tree.read("\(w.root)/outbox/reports/\(report)"))
        #expect(text.contains("damaged-ledger-record,'+447700900229,.optout/ledger.tsv,2,"), "\(text)")
        // Still 74 on the next run while nobody decided; the record is kept (nothing deleted).
        #expect(try w.run("2026-11-26T14:00:00Z").status == 74)
        #expect(try #require(FileManager.default.contents(atPath: w.ws.ledgerFile)).count == original.count)
        // A person decides it (after restoring or re-dropping): the runs are quiet again.
        let id = try #require(Self.ids(text).first)
        try Tree.write("\(w.root)/inbox/reviews/ok.csv", "id,decision\n\(id),dismiss\n")
        let decided = try w.run("2026-11-26T15:00:00Z")
        #expect(decided.status == 0, "\(decided.stderr)")
    }
}
