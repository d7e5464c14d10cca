// A list with no usable row (none below the header, or none with a valid phone number) is the wrong
// file or column: it is rejected whole with its reason, and a campaign naming it is rejected too,
// nothing sent (README "Contact lists"). Run through the real binary (exit code, folders, reasons).

import Foundation
import Testing
@testable import OptoutKit
import OptoutTestSupport

@Suite struct ListUsabilityTests {
    @Test(arguments: [
        (0, 0, 0, "no rows below the header"),
        (3, 1, 2, "none of its 3 rows has a valid phone number in column \"phone\" (2 invalid numbers, 1 blank row)"),
    ])
    func unusableListsSayWhy(rows: Int, blank: Int, invalid: Int, expected: String) {
        let reason = ListUsability.unusableReason(rows: rows, blank: blank, invalid: invalid, phoneColumn: "phone", problems: [])
        #expect(reason?.hasPrefix(expected) == true, "\(reason ?? "nil")")
    }

    @Test func oneValidRowIsEnough() {
        #expect(ListUsability.unusableReason(rows: 3, blank: 1, invalid: 1, phoneColumn: "phone", problems: []) == nil)
    }

    @Test func aCampaignOnAListWithoutAValidNumberIsRejectedAndSendsNothing() throws {
        let t = try TempWorkspace(settings: #"{ "default_country": "GB", "settle_seconds": 0 }"#)
        // The phone column holds order numbers: the wrong column.
        try t.write("inbox/lists/customers.csv", "name,phone\nAmy,12\nBen,abc\n,\n")
        try t.write("inbox/campaigns/sale.txt", "list: customers\n\nHi {name}, sale today. Reply STOP to opt out\n")
        let result = try OptoutCLI.runWorkspace(t.root, now: "2026-11-26T12:00:00Z")
        #expect(result.status == 65, "exit \(result.status): \(result.stderr)")
        #expect(t.list("outbox/send").filter { $0.hasSuffix(".csv") }.isEmpty)
        #expect(t.list("inbox/campaigns/rejected").contains("sale.txt"))
        let why = t.read("inbox/campaigns/rejected/sale.txt.error.txt") ?? ""
        #expect(why.contains("none of its 3 rows has a valid phone number in column \"phone\" (2 invalid numbers, 1 blank row); first: line 2: \"12\""), "\(why)")
        #expect(t.list("inbox/lists/rejected").contains("customers.csv"))
        #expect(result.stderr.contains("inbox/lists/customers.csv: error: none of its 3 rows"))
    }
}
