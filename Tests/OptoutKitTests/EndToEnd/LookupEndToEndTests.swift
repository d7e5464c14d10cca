// Issue 17 item 2 as a user meets it, through the real `optout` executable: `optout lookup` on a
// number with STOP, START and STOP across two STOP logs and three campaigns, on a never-seen
// number, with --json parsed; a late STOP makes earlier sends SENT AFTER OPT-OUT, said loudly;
// a CSV of 1,000 numbers in inbox/lookups/ gets one row per number; every lookup is logged.

import Foundation
import Testing
@testable import OptoutBase
@testable import OptoutKit
@testable import OptoutPhone
import OptoutTestSupport

@Suite(.serialized) struct LookupEndToEndTests {
    static func skipIfNoBinary() -> Bool {
        guard let reason = OptoutCLI.missingReason else { return false }
        print(reason)
        if ProcessInfo.processInfo.environment["CI"] == "true" { Issue.record("\(reason)") }
        return true
    }

    /// A workspace after three runs: STOP (log a), START and STOP (log b), three campaigns to a
    /// list holding Harry (07700 900321) and Amelia (07700 900001).
    static func threeRuns() throws -> String {
        let root = NSTemporaryDirectory() + "optout-lookup-" + UUID().uuidString
        _ = try InitJob.run(dir: root)
        try Tree.write("\(root)/inbox/settings.json", "{\"default_country\": \"GB\", \"settle_seconds\": 0}")
        try Tree.write("\(root)/inbox/lists/customers.csv", "name,phone\nHarry,07700 900321\nAmelia,07700 900001\nIsla,07700 900003\n")
        func campaign(_ name: String) throws { try Tree.write("\(root)/inbox/campaigns/\(name).txt", "list: customers\n\nHello {name}, \(name) today. Reply STOP to opt out\n") }
        try Tree.write("\(root)/inbox/stops/a.csv", "from,timestamp,text\n+447700900321,2026-11-01T09:00:00Z,STOP\n")
        try campaign("autumn")
        let first = try OptoutCLI.runWorkspace(root, now: "2026-11-02T12:00:00Z")
        #expect(first.status == 0, "\(first.stderr)")
        try Tree.write("\(root)/inbox/stops/b.csv", "from,timestamp,text\n+447700900321,2026-11-03T10:00:00Z,START\n+447700900321,2026-11-04T09:00:00Z,Stop please\n")
        try campaign("winter")
        let second = try OptoutCLI.runWorkspace(root, now: "2026-11-04T12:00:00Z")
        #expect(second.status == 0, "\(second.stderr)")
        try campaign("spring")
        let third = try OptoutCLI.runWorkspace(root, now: "2026-11-06T12:00:00Z")
        #expect(third.status == 0, "\(third.stderr)")
        return root
    }

    @Test func stopStartStopAcrossTwoLogsAndThreeCampaigns() throws {
        if Self.skipIfNoBinary() { return }
        let root = try Self.threeRuns()
        defer { Tree.remove(root) }
        // The keys files exist beside the send files, and say who was sent.
        for name in ["autumn", "winter", "spring"] {
            let keys = try CampaignKeysFile(path: "\(root)/.optout/campaigns/\(name).keys")
            #expect(keys.count == 2, "\(name)")
            #expect(try !keys.contains(447_700_900_321))
            #expect(try keys.contains(447_700_900_001))
            #expect(Tree.read("\(root)/outbox/send/\(name).csv")?.contains("+447700900321") == false)
        }
        let result = try OptoutCLI.run(["lookup", "--root", root, "07700 900321"], environment: ["OPTOUT_NOW": "2026-11-07T08:00:00Z"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr == "")
        let lines = result.stdout.components(separatedBy: "\n")
        #expect(lines[0] == "number:      +447700900321 (as written: 07700 900321)")
        #expect(lines[1] == "status now:  OPTED OUT since 2026-11-04T09:00:00Z (reply (TollFree number)): every campaign skips it")
        #expect(lines[2] == "events:      3")
        #expect(lines[3] == "  2026-11-01T09:00:00Z  opt-out (applied)  source: reply (TollFree number)  text: \"STOP\"  rule: exact keyword \"STOP\"  file: inbox/stops/a.csv line 2  recorded: 2026-11-02T12:00:00Z")
        #expect(lines[4].hasPrefix("  2026-11-03T10:00:00Z  opt-in (applied)  source: reply (TollFree number)  text: \"START\""))
        #expect(lines[4].contains("file: inbox/stops/b.csv line 2  recorded: 2026-11-04T12:00:00Z"))
        #expect(lines[5].hasPrefix("  2026-11-04T09:00:00Z  opt-out (applied)  source: reply (TollFree number)  text: \"Stop please\""))
        #expect(lines[5].contains("file: inbox/stops/b.csv line 3"))
        #expect(lines[6] == "campaigns built since its first opt-out (2026-11-01T09:00:00Z): 3")
        #expect(lines[7] == "  2026-11-02T12:00:00Z  autumn (2 sent, template inbox/campaigns/autumn.txt): skipped, not sent (opted out since 2026-11-01T09:00:00Z by reply)")
        #expect(lines[8] == "  2026-11-04T12:00:00Z  winter (2 sent, template inbox/campaigns/winter.txt): skipped, not sent (opted out since 2026-11-04T09:00:00Z by reply)")
        #expect(lines[9] == "  2026-11-06T12:00:00Z  spring (2 sent, template inbox/campaigns/spring.txt): skipped, not sent (opted out since 2026-11-04T09:00:00Z by reply)")
        #expect(lines[10] == "nothing was sent to it after an opt-out: every campaign built while it was opted out skipped it")
        #expect(!result.stdout.contains("SENT AFTER"))

        // --json, parsed as a script would.
        let json = try OptoutCLI.run(["lookup", "--json", "--root", root, "+44 7700 900321"], environment: ["OPTOUT_NOW": "2026-11-07T08:01:00Z"])
        #expect(json.status == 0, "\(json.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect(object["number"] as? String == "+447700900321")
        #expect(object["status"] as? String == "opted_out")
        #expect(object["opted_out_since"] as? String == "2026-11-04T09:00:00Z")
        #expect(object["sent_after_opt_out"] as? [String] == [])
        let events = try #require(object["events"] as? [[String: Any]])
        #expect(events.map { $0["kind"] as? String } == ["optout", "optin", "optout"])
        #expect(events.map { $0["file"] as? String } == ["inbox/stops/a.csv", "inbox/stops/b.csv", "inbox/stops/b.csv"])
        #expect(events.map { $0["line"] as? Int } == [2, 2, 3])
        let campaigns = try #require(object["campaigns"] as? [[String: Any]])
        #expect(campaigns.map { $0["name"] as? String } == ["autumn", "winter", "spring"])
        #expect(campaigns.map { $0["verdict"] as? String } == ["skipped", "skipped", "skipped"])
        #expect(campaigns.map { $0["sent"] as? Bool } == [false, false, false])

        // A never-seen number says so, and was sent every campaign.
        let never = try OptoutCLI.run(["lookup", "--root", root, "07700 900003"], environment: ["OPTOUT_NOW": "2026-11-07T08:02:00Z"])
        #expect(never.status == 0, "\(never.stderr)")
        #expect(never.stdout.contains("status now:  never seen: no message, opt-out or opt-in from this number in the ledger"))
        #expect(never.stdout.contains("events:      0"))
        #expect(never.stdout.contains("campaigns sent to it: 3 of 3 built (last: spring, 2026-11-06T12:00:00Z)"))
        let neverJSON = try OptoutCLI.run(["lookup", "--root", root, "--json", "+15551234567"])
        let neverObject = try #require(try JSONSerialization.jsonObject(with: Data(neverJSON.stdout.utf8)) as? [String: Any])
        #expect(neverObject["seen"] as? Bool == false)
        #expect(neverObject["status"] as? String == "never_seen")

        // Not a number: a usage error naming it; nothing logged for it.
        let bad = try OptoutCLI.run(["lookup", "--root", root, "call me"])
        #expect(bad.status == 64)
        #expect(bad.stderr.contains("\"call me\" is not a phone number"), "\(bad.stderr)")

        // Every lookup is in .optout/lookups.tsv (0600), and the ledger was not written.
        let logged = try LookupLog.read(path: "\(root)/.optout/lookups.tsv")
        #expect(logged.map(\.e164) == ["+447700900321", "+447700900321", "+447700900003", "+15551234567"])
        #expect(logged[0].time == Timestamp.parse("2026-11-07T08:00:00Z", zone: .gmt))
        #expect(logged[0].via == "optout lookup" && logged[0].asWritten == "07700 900321")
        #expect(logged[0].result.hasPrefix("opted out since 2026-11-04T09:00:00Z"))
        let mode = try FileManager.default.attributesOfItem(atPath: "\(root)/.optout/lookups.tsv")[.posixPermissions] as? Int
        #expect(mode == 0o600)
        #expect(try Ledger.readAll(path: "\(root)/.optout/ledger.tsv").count == 3)
    }

    @Test func aLateStopMakesEarlierSendsSentAfterOptOutSaidLoudly() throws {
        if Self.skipIfNoBinary() { return }
        let root = try Self.threeRuns()
        defer { Tree.remove(root) }
        // Amelia's STOP of 3 November reaches optout only on the 7th: winter and spring went to her.
        try Tree.write("\(root)/inbox/stops/late.csv", "from,timestamp,text\n+447700900001,2026-11-03T00:00:00Z,STOP\n")
        let run = try OptoutCLI.runWorkspace(root, now: "2026-11-07T12:00:00Z")
        #expect(run.status == 0, "\(run.stderr)")
        let result = try OptoutCLI.run(["lookup", "--root", root, "07700900001"])
        #expect(result.status == 0)
        let lines = result.stdout.components(separatedBy: "\n")
        #expect(lines[0] == "!!! +447700900001 was SENT AFTER AN OPT-OUT in 2 campaign(s): winter, spring")
        #expect(result.stdout.contains("  2026-11-04T12:00:00Z  winter (2 sent, template inbox/campaigns/winter.txt): SENT AFTER OPT-OUT (opted out since 2026-11-03T00:00:00Z by reply; that opt-out reached optout only at 2026-11-07T12:00:00Z, after this campaign was built)"))
        #expect(!result.stdout.contains("autumn ("), "autumn was built before the opt-out: not listed")
        #expect(result.stdout.hasSuffix("!!! SENT AFTER OPT-OUT: winter (built 2026-11-04T12:00:00Z); spring (built 2026-11-06T12:00:00Z): look into it\n"))
        #expect(result.stderr.contains("optout lookup: +447700900001 was SENT AFTER OPT-OUT in campaign winter (built 2026-11-04T12:00:00Z)"))
        let json = try OptoutCLI.run(["lookup", "--root", root, "--json", "07700900001"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect(object["sent_after_opt_out"] as? [String] == ["winter", "spring"])
        let campaigns = try #require(object["campaigns"] as? [[String: Any]])
        #expect(campaigns.map { $0["verdict"] as? String } == ["sent", "sent_after_opt_out", "sent_after_opt_out"])
    }

    @Test func aCSVOfAThousandNumbersInTheInboxGetsOneRowPerNumber() throws {
        if Self.skipIfNoBinary() { return }
        let root = try Self.threeRuns()
        defer { Tree.remove(root) }
        // 997 numbers never seen, Harry and Amelia as people write them, and a cell that is not a number.
        var csv = "phone\r\n07700 900321\r\n+44 7700 900001\r\nnot a number\r\n"
        for i in 0..<997 { csv += "+1555\(String(format: "%07d", 2_000_000 + i))\r\n" }
        try Tree.write("\(root)/inbox/lookups/audit.csv", csv)
        let run = try OptoutCLI.runWorkspace(root, now: "2026-11-08T12:00:00Z")
        #expect(run.status == 0, "\(run.stderr)")
        #expect(Tree.files(under: "\(root)/inbox/lookups/processed") == ["audit.csv"])
        let bytes = Array(Tree.read("\(root)/outbox/lookups/audit.csv")?.utf8 ?? "".utf8)
        #expect(Array(bytes.prefix(3)) == CSVWriter.utf8BOM)
        let rows = String(decoding: bytes.dropFirst(3), as: UTF8.self).components(separatedBy: "\r\n").filter { !$0.isEmpty }
        #expect(rows.count == 1 + 1_000)
        #expect(rows[0] == "number as written,e164,status now,opted out since,source,events,last campaign sent,sent after opt-out")
        #expect(rows[1] == "07700 900321,'+447700900321,opted out,2026-11-04T09:00:00Z,TollFree number,3,,no")
        #expect(rows[2] == "'+44 7700 900001,'+447700900001,never seen,,,0,spring (2026-11-06T12:00:00Z),no")
        #expect(rows[3] == "not a number,,not a number: not a phone number (letters or other characters that are not part of a number),,,,,")
        #expect(rows[4] == "'+15552000000,'+15552000000,never seen,,,0,,no")
        #expect(rows[1_000] == "'+15552000996,'+15552000996,never seen,,,0,,no")
        // Its .xlsx twin holds the same cells (no guard apostrophes).
        let workbook = try SheetWorkbooks.open(path: "\(root)/outbox/lookups/audit.xlsx")
        var cells: [[String]] = []
        try workbook.read(workbook.sheets[0]) { cells.append($0.cells) }
        #expect(cells.count == 1_001)
        #expect(cells == (try WorkbookTwinEndToEndTests.records(bytes, unguard: true)))
        #expect(cells[4] == ["+15552000000", "+15552000000", "never seen", "", "", "0", "", "no"])
        // Every row's lookup logged once, with its line; a second run changes nothing.
        let logged = try LookupLog.read(path: "\(root)/.optout/lookups.tsv")
        #expect(logged.count == 1_000)
        #expect(logged[0].via.hasPrefix("inbox/lookups/audit.csv line 2 (input "))
        let again = try OptoutCLI.runWorkspace(root, now: "2026-11-08T13:00:00Z")
        #expect(again.status == 0, "\(again.stderr)")
        #expect(try LookupLog.read(path: "\(root)/.optout/lookups.tsv").count == 1_000)
    }
}
