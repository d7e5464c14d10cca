// Spreadsheet rows in reports (issue 14 item 5): a list saved by Excel with a `sep=;` first line
// and a cell holding a line break. The skipped-rows report and the list report name each row by
// the number the spreadsheet shows (the `sep=` line is no row; a multi-line cell is one row), not
// by the file's physical line. Runs the real binary.

import Foundation
import Testing
@testable import OptoutBase
@testable import OptoutKit
import OptoutTestSupport

@Suite struct SpreadsheetRowTests {
    @Test func skippedRowsAndTheListReportNameTheSpreadsheetRow() throws {
        if let reason = OptoutCLI.missingReason { _ = toolAvailable(false, reason); return }
        let root = NSTemporaryDirectory() + "optout-rows-" + UUID().uuidString
        defer { Tree.remove(root) }
        _ = try InitJob.run(dir: root)
        try Tree.write("\(root)/inbox/settings.json", #"{"default_country": "GB", "settle_seconds": 0}"#)
        // Physical lines: 1 sep=;  2 header  3 Amy  4-5 Ben (a two-line note)  6 blank  7 Cat (invalid)  8 Dan (Amy again).
        // Spreadsheet rows:          1 header  2 Amy  3 Ben                    4 blank  5 Cat            6 Dan.
        let list = "sep=;\r\nname;phone;note\r\nAmy;07700 900001;first\r\nBen;07700 900002;\"two\r\nlines\"\r\n;;\r\nCat;12;x\r\nDan;+447700900001;again\r\n"
        try Tree.write("\(root)/inbox/lists/people.csv", list)
        try Tree.write("\(root)/inbox/campaigns/hello.txt", "list: people\n\nHi {name}, reply STOP to opt out\n")
        let run = try OptoutCLI.runWorkspace(root)
        #expect(run.status == 0, "\(run.stderr)")
        let skipped = try #require(Tree.read("\(root)/outbox/reports/hello-skipped.csv"))
        let rows = skipped.components(separatedBy: "\r\n").filter { !$0.isEmpty }
        #expect(rows.dropFirst().map { String($0.prefix(while: { $0 != "," })) } == ["4", "5", "6"], "\(skipped)")
        #expect(rows.last == "6,'+447700900001,duplicate of line 2", "\(skipped)")
        let report = try #require(Tree.read("\(root)/outbox/reports/list-people.txt"))
        #expect(report.contains("line 6: +447700900001 duplicate of line 2"), "\(report)")
        #expect(report.contains("line 5: \"12\""), "\(report)")
        let send = try #require(Tree.read("\(root)/outbox/send/hello.csv"))
        #expect(send.components(separatedBy: "\n").filter { !$0.isEmpty }.count == 3, "\(send)")
    }
}
