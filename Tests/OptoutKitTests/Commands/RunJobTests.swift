// End to end: inbox → outbox through `optout run`, asserting what a user would check.

import Foundation
import Testing
@testable import OptoutBase
@testable import OptoutKit
@testable import OptoutPhone
import OptoutTestSupport

let sampleSettings = """
// test settings
{ "default_country": "GB", "optout_link_base": "https://example.com/u/", "allow_example_links": true, "max_segments": 3 }
"""

let sampleList = "\u{FEFF}First Name;Mobile;City\r\n" + [
    "Amelia;+44 7911 123456;London",
    "Oliver;07700 900123;Leeds",
    "Jack;07911123456;Leeds",
    "Isla;12345;Glasgow",
    "Noah;4.47701E+11;Cardiff",
    ";07700 900789;York",
    "Harry;07700 900321;Bath",
].joined(separator: "\r\n") + "\r\n"

let sampleCampaign = "list: customers\nsender: ACME\n\nHi {first_name|there}, sale! {optout}\n"

@Suite struct RunJobTests {
    func workspace() throws -> TempWorkspace {
        let t = try TempWorkspace(settings: sampleSettings)
        try t.write("inbox/lists/customers.csv", sampleList)
        try t.write("inbox/stops/tollfree.csv", "from,timestamp,text\n+447700900321,2026-11-25T18:02:11Z,Stop\n")
        try t.write("inbox/campaigns/sale.txt", sampleCampaign)
        return t
    }

    @Test func sendFileHasOnlyTextableRecipientsWithLinks() throws {
        let t = try workspace()
        let report = try t.run()
        #expect(report.rejectedInputs == 0)
        #expect(report.newOptOuts == 1)
        let rows = t.rows("outbox/send/sale.csv")
        #expect(t.read("outbox/send/sale.csv")?.hasPrefix("phone,message,segments,encoding\n") == true)
        #expect(rows.map { $0[0] } == ["+447911123456", "+447700900123", "+447700900789"])
        let links = t.rows("outbox/links/sale.csv")
        #expect(links.map { $0[0] } == ["+447911123456", "+447700900123", "+447700900789"])
        for (row, link) in zip(rows, links) {
            #expect(link[1].count == 10 && LinkTokens.isWellFormed(link[1]))
            #expect(link[2] == "https://example.com/u/\(link[1])")
            #expect(row[2] == "1" && row[3] == "GSM-7")
        }
        #expect(rows[0][1] == "Hi Amelia, sale! \(links[0][2])")
        #expect(rows[2][1] == "Hi there, sale! \(links[2][2])")
        #expect(Set(links.map { $0[1] }).count == 3)
    }

    /// A message that shows the phone column gets each row's cell as the list wrote it (the row
    /// spool keeps the phone cells then; otherwise it drops those whose number was parsed).
    @Test func aMessageShowingThePhoneColumnGetsTheCellAsWritten() throws {
        let t = try workspace()
        try t.write("inbox/campaigns/sale.txt", "list: customers\nsender: ACME\n\nHi {first_name|there}, is {mobile} yours? {optout}\n")
        try t.run()
        let rows = t.rows("outbox/send/sale.csv")
        #expect(rows.map { $0[0] } == ["+447911123456", "+447700900123", "+447700900789"])
        #expect(rows.map { $0[1].components(separatedBy: ", is ").last?.components(separatedBy: " yours?").first }
                == ["+44 7911 123456", "07700 900123", "07700 900789"])
    }

    @Test func skippedRowsAreReportedWithLineAndReason() throws {
        let t = try workspace()
        try t.run()
        let skipped = try #require(t.read("outbox/reports/sale-skipped.csv"))
        #expect(skipped.hasPrefix("\u{FEFF}line,phone,reason\r\n"))
        let lines = skipped.split(separator: "\r\n").dropFirst().map(String.init)
        #expect(lines.count == 4)
        #expect(lines[0] == "4,'+447911123456,duplicate of line 2")
        #expect(lines[1].hasPrefix("5,12345,"))
        #expect(lines[2].hasPrefix("6,'4.47701E+11,") && lines[2].contains("scientific"))  // guarded (issue 14 item 5)
        #expect(lines[3].hasPrefix("8,'+447700900321,opted out on 2026-11-25T18:02:11Z (TollFree number)"))
        let report = try #require(t.read("outbox/reports/sale.txt"))
        #expect(report.contains("Rows read:            7"))
        #expect(report.contains("To send:              3"))
        #expect(report.contains("Opt-out link:"))
    }

    @Test func webhookPayloadAndSuppressionListAreExact() throws {
        let t = try workspace()
        try t.run()
        let pending = t.list("outbox/webhooks/pending")
        #expect(pending.count == 1)
        #expect(pending.first?.hasPrefix("20251125T180211Z-") == false)
        #expect(pending.first?.hasPrefix("20261125T180211Z-") == true)
        #expect(t.read("outbox/webhooks/pending/\(pending[0])") ==
            "{\"timestamp\": \"2026-11-25T18:02:11Z\", \"unsubscribed_number\": \"+447700900321\", \"source\": \"TollFree number\"}")
        #expect(t.read("outbox/suppressions.csv") == "phone,opted_out_at,source\n+447700900321,2026-11-25T18:02:11Z,TollFree number\n")
        #expect(t.list("inbox/stops/processed") == ["tollfree.csv"])
        #expect(t.list("inbox/campaigns/processed") == ["sale.txt"])
        #expect(t.exists("inbox/lists/customers.csv"))
    }

    @Test(arguments: ["+447911123456", "07911 123456", "0044 7911 123456", "+44 (0)7911 123456"])
    func anOptOutInOneFormatRemovesTheNumberInAnyOther(stopFormat: String) throws {
        let t = try workspace()
        try t.write("inbox/stops/more.csv", "sender;time;message\n\(stopFormat);2026-11-25 10:00;STOP\n")
        try t.run()
        let phones = t.rows("outbox/send/sale.csv").map { $0[0] }
        #expect(!phones.contains("+447911123456"))
        #expect(phones == ["+447700900123", "+447700900789"])
    }

    @Test func stopsApplyBeforeCampaignsOfTheSameRun() throws {
        let t = try workspace()
        try t.write("inbox/stops/zz-late.csv", "from,timestamp,text\n07700900123,2026-11-26T09:00:00Z,unsubscribe\n")
        try t.run()
        #expect(!t.rows("outbox/send/sale.csv").map { $0[0] }.contains("+447700900123"))
    }

    @Test func aRerunChangesNothingAndASecondCampaignOfTheSameNameGetsANewFile() throws {
        let t = try workspace()
        try t.run()
        let first = t.outboxSnapshot()
        try t.run()
        #expect(t.outboxSnapshot() == first)
        try t.write("inbox/campaigns/sale.txt", "list: customers\n\nSecond wave {optout}\n")
        try t.run()
        #expect(t.read("outbox/send/sale.csv") == first["send/sale.csv"])
        let second = t.rows("outbox/send/sale-2.csv")
        #expect(second.count == 3)
        // The same number gets the same token in every campaign.
        let tokenBefore = t.rows("outbox/links/sale.csv")[0][1]
        #expect(t.rows("outbox/links/sale-2.csv")[0][1] == tokenBefore)
        #expect(t.list("inbox/campaigns/processed") == ["sale-2.txt", "sale.txt"])
    }

    @Test func theSameCampaignDroppedAgainIsANewCampaign() throws {
        let t = try workspace()
        try t.run()
        try t.write("inbox/campaigns/sale.txt", sampleCampaign)   // identical bytes, a new file
        try t.run()
        #expect(t.rows("outbox/send/sale-2.csv").count == 3)
        #expect(t.list("inbox/campaigns/processed") == ["sale-2.txt", "sale.txt"])
    }

    @Test func badInputsAreRejectedWithReasonsAndTheRestIsProcessed() throws {
        let t = try workspace()
        var binary: [UInt8] = Array("phone\n".utf8)
        for i in 0..<4096 { binary.append(UInt8(truncatingIfNeeded: i &* 7919 &+ 13)) }
        try t.write("inbox/lists/broken.csv", binary)
        try t.write("inbox/campaigns/to-broken.txt", "list: broken\n\nHi STOP\n")
        try t.write("inbox/campaigns/nowhere.txt", "list: prospects\n\nHi STOP\n")
        try t.write("inbox/campaigns/typo.txt", "list: customers\n\nHi {firstname} {surname} STOP\n")
        try t.write("inbox/stops/garbage.csv", "a,b\n1,2\n")
        // A rejected STOP log holds every campaign (issue 10 class 2) until a person removes it.
        let held = try t.run()
        #expect(held.rejectedInputs == 2)
        #expect(held.held.count == 4 && held.held.allSatisfy { $0.cause.contains("inbox/stops/rejected/garbage.csv") && $0.exitCode == 75 })
        #expect(!t.exists("outbox/send/sale.csv") && t.list("inbox/campaigns").contains("sale.txt"))
        #expect(CommandRunner.render(held, loud: false).exitCode == 65)
        try FileManager.default.removeItem(atPath: "\(t.root)/inbox/stops/rejected/garbage.csv")
        let report = try t.run()
        #expect(report.rejectedInputs == 3)
        #expect(report.held.isEmpty)
        #expect(t.rows("outbox/send/sale.csv").count == 3)
        #expect(t.list("inbox/lists/rejected") == ["broken.csv", "broken.csv.error.txt"])
        #expect(t.read("inbox/lists/rejected/broken.csv.error.txt")?.contains("line 3: NUL byte") == true)
        let nowhere = try #require(t.read("inbox/campaigns/rejected/nowhere.txt.error.txt"))
        #expect(nowhere.contains("list \"prospects\" not found") && nowhere.contains("customers"))
        let typo = try #require(t.read("inbox/campaigns/rejected/typo.txt.error.txt"))
        #expect(typo.contains("{surname}") && typo.contains("First Name, Mobile, City"))
        #expect(t.read("inbox/stops/rejected/garbage.csv.error.txt")?.contains("no sender column") == true)
        let messages = held.diagnostics.filter { $0.severity == .error }.map(\.description)
        #expect(messages.contains { $0.hasPrefix("inbox/lists/broken.csv: error: line 3: NUL byte") })
        let outcome = CommandRunner.render(report, loud: false)
        #expect(outcome.exitCode == 65)
        #expect(outcome.stdout.isEmpty)
    }

    @Test func campaignWithoutOptOutInstructionIsBuiltButWarned() throws {
        let t = try workspace()
        try t.write("inbox/campaigns/sale.txt", "list: customers\n\nHi {First Name|there}, big sale!\n")
        try t.run()
        #expect(t.rows("outbox/send/sale.csv").count == 3)
        #expect(t.read("outbox/reports/sale.txt")?.contains("no opt-out instruction") == true)
    }

    @Test func singleNumberCampaign() throws {
        let t = try workspace()
        try t.write("inbox/campaigns/sale.txt", "to: 07911 123456\n\nYour order has shipped.\n")
        try t.write("inbox/campaigns/blocked.txt", "to: 07700 900321\n\nYour order has shipped.\n")
        try t.run()
        #expect(t.rows("outbox/send/sale.csv").map { $0[0] } == ["+447911123456"])
        #expect(t.rows("outbox/send/blocked.csv").isEmpty)
        #expect(!t.exists("outbox/links/sale.csv"))
    }

    @Test func maxSegmentsSkipsLongMessages() throws {
        let t = try workspace()
        let long = String(repeating: "x", count: 200)
        try t.write("inbox/campaigns/sale.txt", "list: customers\nmax_segments: 1\n\n\(long) STOP\n")
        try t.run()
        #expect(t.rows("outbox/send/sale.csv").isEmpty)
        #expect(t.read("outbox/reports/sale-skipped.csv")?.contains("message too long: 2 segments") == true)
    }

    @Test func statePrivateAndListReportWritten() throws {
        let t = try workspace()
        let report = try t.run()
        #expect(report.listReports == ["outbox/reports/list-customers.txt"])
        let listReport = try #require(t.read("outbox/reports/list-customers.txt"))
        #expect(listReport.contains("Phone column:  \"Mobile\""))
        #expect(listReport.contains("line 6: \"4.47701E+11\""))
        for file in ["ledger.tsv", "journal.tsv", "links.tsv", "link.key"] {
            let mode = try FileManager.default.attributesOfItem(atPath: "\(t.root)/.optout/\(file)")[.posixPermissions] as? Int
            #expect(mode == 0o600, "\(file)")
        }
    }

    @Test func theListReportIsTheSameWhetherACampaignOrItsOwnPassChecksTheList() throws {
        let now = Timestamp(seconds: 1_795_714_845)
        let withCampaign = try workspace()
        let report = try withCampaign.run(now: now)
        #expect(report.listReports == ["outbox/reports/list-customers.txt"])
        let alone = try workspace()
        try FileManager.default.removeItem(atPath: "\(alone.root)/inbox/campaigns/sale.txt")
        try alone.run(now: now)
        let text = try #require(alone.read("outbox/reports/list-customers.txt"))
        #expect(withCampaign.read("outbox/reports/list-customers.txt") == text)
        #expect(text.contains("Textable:      3") && text.contains("line 8: +447700900321 is opted out"))
        // A campaign rejected before its pass leaves the list to its own pass.
        let rejected = try workspace()
        try rejected.write("inbox/campaigns/sale.txt", "list: customers\n\nHi {nickname} STOP\n")
        let r = try rejected.run(now: now)
        #expect(r.listReports == ["outbox/reports/list-customers.txt"])
        #expect(rejected.read("outbox/reports/list-customers.txt") == text)
    }

    @Test func longCampaignsReportProgress() throws {
        let t = try TempWorkspace(settings: sampleSettings)
        var list = "name;mobile\n"
        for i in 0..<140_000 { list += "n\(i);+4477009\(String(format: "%05d", i % 100_000))\n" }
        try t.write("inbox/lists/big.csv", list)
        try t.write("inbox/campaigns/big.txt", "list: big\n\nHi {name} STOP\n")
        final class Lines: @unchecked Sendable {
            let lock = NSLock()
            var items: [String] = []
            func add(_ s: String) { lock.lock(); items.append(s); lock.unlock() }
        }
        let lines = Lines()
        var options = RunOptions(settleSeconds: 0)
        options.progress = { lines.add($0) }
        _ = try RunJob.run(root: t.root, options: options)
        #expect(lines.items.count == 2)
        #expect(lines.items.first?.hasPrefix("campaign big: 65536 rows read (") == true)
        #expect(lines.items.last?.contains("131072 rows read") == true)
    }

    @Test func lockHeldGivesExit75() throws {
        let t = try workspace()
        let lock = try WorkspaceLock(path: t.ws.lockFile, wait: false)
        let outcome = CommandRunner.main(["run", "--root", t.root], interactive: false)
        #expect(outcome.exitCode == 75)
        #expect(outcome.stderr.contains("another optout run"))
        lock.release()
        #expect(CommandRunner.main(["run", "--root", t.root], interactive: false).exitCode == 0)
    }

    @Test(arguments: [["frobnicate"], ["run", "--fast"], ["run", "extra"], ["run", "--root"]])
    func usageErrorsExit64(args: [String]) {
        let outcome = CommandRunner.main(args, interactive: false)
        #expect(outcome.exitCode == 64)
        #expect(!outcome.stderr.isEmpty)
    }

    @Test func badSettingsStopTheRunNamingTheKey() throws {
        let t = try workspace()
        try t.write("inbox/settings.json", "{\"default_country\": \"Britain\"}")
        let outcome = CommandRunner.main(["run", "--root", t.root], interactive: false)
        #expect(outcome.exitCode == 78)
        #expect(outcome.stderr.contains("inbox/settings.json:1") && outcome.stderr.contains("default_country"))
        #expect(t.list("inbox/campaigns") == ["processed", "rejected", "sale.txt"])
    }

    @Test func statusCountsWhatAUserChecks() throws {
        let t = try workspace()
        try t.run()
        let status = try StatusJob.collect(root: t.root)
        #expect(status.suppressions == 1)
        #expect(status.webhooksPending == 1)
        #expect(status.lastRunOutcome == "ok")
        #expect(status.json().contains("\"suppressions\": 1"))
    }
}
