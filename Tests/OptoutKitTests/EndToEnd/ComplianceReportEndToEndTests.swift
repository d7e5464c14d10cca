// Issue 17 item 4 as a user meets it, through the real `optout` executable: October 2026 built with
// OPTOUT_NOW (two runs: STOP logs, an import, a rejected log holding a campaign, lookups made), then
// the first run of November writes outbox/reports/compliance-2026-10.csv once; every figure is
// counted by hand below.

import Foundation
import Testing
@testable import OptoutBase
@testable import OptoutKit
import OptoutTestSupport

@Suite(.serialized) struct ComplianceReportEndToEndTests {
    @Test func octoberFiguresAreWrittenOnceByTheFirstRunOfNovember() throws {
        if let reason = OptoutCLI.missingReason { print(reason); if ProcessInfo.processInfo.environment["CI"] == "true" { Issue.record("\(reason)") }; return }
        let root = NSTemporaryDirectory() + "optout-compliance-" + UUID().uuidString
        defer { Tree.remove(root) }
        _ = try InitJob.run(dir: root)
        try Tree.write("\(root)/inbox/settings.json", #"{"default_country": "US", "settle_seconds": 0}"#)
        try Tree.write("\(root)/inbox/lists/customers.csv", "name,phone\nAmy,+12125550199\n")
        try Tree.write("\(root)/inbox/campaigns/promo.txt", "list: customers\n\nHi {name}, reply STOP to opt out\n")
        // Monday 5 Oct, 12:00: two US STOPs (30 min and 1 min old), a UK one (2 h, no tracked
        // jurisdiction), an import of a 2020 opt-out, and a log in a form stops/ does not take
        // (rejected: it holds the campaign, exit 75 beside the 65).
        try Tree.write("\(root)/inbox/stops/a.csv", """
            from,timestamp,text
            +12125550101,2026-10-05T11:30:00Z,STOP
            +12125550102,2026-10-05T11:59:00Z,STOP
            +447700900001,2026-10-05T10:00:00Z,STOP

            """)
        try Tree.write("\(root)/inbox/suppressions/old.csv", "phone,opted_out_at\n+12125550103,2020-01-01T00:00:00Z\n")
        try Tree.write("\(root)/inbox/stops/export.pdf", "%PDF-1.4\n")
        let first = try OptoutCLI.run(["run", "--root", root], environment: ["OPTOUT_NOW": "2026-10-05T12:00:00Z"])
        #expect(first.status == 65, "\(first.stderr)")
        #expect(first.stderr.contains("inbox/campaigns/promo.txt: held:"), "\(first.stderr)")
        // Tuesday 20 Oct, 12:00: a log from Thursday 1 Oct 09:00 (due at the end of Friday 16 Oct:
        // Columbus Day, 12 Oct, skipped: missed) and 101's STOP again (received, not new).
        try Tree.write("\(root)/inbox/stops/b.csv", """
            from,timestamp,text
            +12125550104,2026-10-01T09:00:00Z,STOP
            +12125550101,2026-10-19T08:00:00Z,STOP

            """)
        let second = try OptoutCLI.run(["run", "--root", root], environment: ["OPTOUT_NOW": "2026-10-20T12:00:00Z"])
        #expect(second.status == 75, "\(second.stderr)")
        // The rejected log, first seen 5 Oct, is due at the end of 20 Oct: said on stderr.
        #expect(second.stderr.contains("optout: opt-out deadline: inbox/stops/rejected/export.pdf (rejected, not applied): received 2026-10-05T12:00:00Z, not in force, due 2026-10-21T00:00:00Z (in 12 h, 10 business days (US))"), "\(second.stderr)")
        #expect(Tree.read("\(root)/outbox/reports/compliance-2026-09.csv") == nil)
        // Lookups: two in October, one in November, made with the lookup command itself.
        for (number, now) in [("+12125550101", "2026-10-07T10:00:00Z"), ("+12125550104", "2026-10-21T10:00:00Z"),
                              ("+12125550102", "2026-11-01T00:10:00Z")] {
            let lookup = try OptoutCLI.run(["lookup", "--root", root, number], environment: ["OPTOUT_NOW": now])
            #expect(lookup.status == 0, "\(lookup.stderr)")
        }

        // Sunday 1 Nov, 00:30: the first run after October ends writes its report.
        let november = try OptoutCLI.run(["run", "--verbose", "--root", root], environment: ["OPTOUT_NOW": "2026-11-01T00:30:00Z"])
        #expect(november.stdout.contains("compliance report: outbox/reports/compliance-2026-10.csv"), "\(november.stdout)")
        let path = "\(root)/outbox/reports/compliance-2026-10.csv"
        let bytes = try #require(Tree.read(path))
        #expect(bytes.hasPrefix("\u{FEFF}section,item,value,detail\r\n"))
        let rows = TempWorkspaceRows.parse(bytes)
        func value(_ section: String, _ item: String) -> String? { rows.first { $0[0] == section && $0[1] == item }?[2] }
        func detail(_ section: String, _ item: String) -> String? { rows.first { $0[0] == section && $0[1] == item }?[3] }
        // Received: 5 replies (4 new: 101's second STOP repeats), no link, 1 import.
        #expect(value("opt-outs received", "TollFree number") == "5")
        #expect(detail("opt-outs received", "TollFree number") == "4 new (the others repeated or superseded)")
        #expect(value("opt-outs received", "Optout Link") == "0")
        #expect(value("opt-outs received", "import") == "1")
        #expect(value("opt-outs received", "total") == "6")
        // In force after 60 s, 1,800 s, 7,200 s and 19 days 3 h (1,652,400 s); the import is not counted.
        #expect(value("time to be in force", "opt-outs counted") == "4")
        #expect(value("time to be in force", "median (seconds)") == "4500")
        #expect(value("time to be in force", "max (seconds)") == "1652400")
        #expect(detail("time to be in force", "max (seconds)") == "19 days 3 h")
        // Deadlines: 101 and 102 met; 104 in force late; the rejected log not in force, due 21 Oct; UK untracked.
        #expect(value("deadlines", "met") == "2")
        #expect(value("deadlines", "missed") == "2")
        #expect(value("deadlines", "not tracked") == "1")
        #expect(rows.contains(["deadline missed", "'+12125550104", "", "received 2026-10-01T09:00:00Z, in force 2026-10-20T12:00:00Z, due 2026-10-17T00:00:00Z, 10 business days (US)"]))
        #expect(rows.contains(["deadline missed", "inbox/stops/rejected/export.pdf (rejected, not applied)", "", "received 2026-10-05T12:00:00Z, not in force, due 2026-10-21T00:00:00Z, 10 business days (US)"]))
        // Held for a pending opt-out: one campaign, in both October runs (November's hold is not October's).
        #expect(value("campaigns held for pending opt-outs", "campaigns") == "1")
        #expect(detail("campaigns held for pending opt-outs", "campaigns")?.hasPrefix("2 hold(s)") == true)
        #expect(value("lookups made", "lookups") == "2")
        // Written once: a later run in November leaves it as it is and writes no other month.
        let again = try OptoutCLI.run(["run", "--verbose", "--root", root], environment: ["OPTOUT_NOW": "2026-11-02T09:00:00Z"])
        #expect(!again.stdout.contains("compliance report:"), "\(again.stdout)")
        #expect(Tree.read(path) == bytes)
        #expect(Tree.files(under: "\(root)/outbox/reports").filter { $0.hasPrefix("compliance-") } == ["compliance-2026-10.csv", "compliance-2026-10.xlsx"])
        // Its .xlsx twin holds the same cells.
        let workbook = try SheetWorkbooks.open(path: "\(root)/outbox/reports/compliance-2026-10.xlsx")
        var cells: [[String]] = []
        try workbook.read(workbook.sheets[0]) { cells.append($0.cells) }
        #expect(cells == (try WorkbookTwinEndToEndTests.records(Array(bytes.utf8), unguard: true)))
    }
}

/// Rows of a people CSV (BOM, CRLF), header dropped.
enum TempWorkspaceRows {
    static func parse(_ text: String) -> [[String]] {
        guard let reader = try? CSVReader(bytes: Array(text.utf8.dropFirst(3)), delimiter: UInt8(ascii: ",")) else { return [] }
        var rows: [[String]] = []
        while (try? reader.next()) == true { rows.append((0..<reader.fieldCount).map { reader.string($0) }) }
        return Array(rows.dropFirst())
    }
}
