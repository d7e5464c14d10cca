// Campaign templates: headers, placeholders, and the rejections a user needs to understand.

import Testing
@testable import OptoutBase
@testable import OptoutKit
@testable import OptoutPhone
import OptoutTestSupport

@Suite struct CampaignTemplateTests {
    @Test func parsesHeadersAndPlaceholders() throws {
        let t = try CampaignTemplate.parse("list: customers\r\nsender: ACME\r\nmax_segments: 2\r\n\r\nHi {first_name|there}, {{20%}} off! STOP {optout}\r\n\r\n")
        #expect(t.list == "customers")
        #expect(t.sender == "ACME")
        #expect(t.maxSegments == 2)
        #expect(t.parts == [.text("Hi "), .field(name: "first_name", fallback: "there"), .text(", {20%} off! STOP "), .optOutLink])
        #expect(t.bodyLine == 5)
        #expect(t.hasOptOutInstruction(keywords: Keywords.defaultOptOut))
    }

    /// Issue 14: `sheet:` picks a workbook list's sheet; it needs a list.
    @Test func sheetHeaderNamesAWorkbookSheet() throws {
        let t = try CampaignTemplate.parse("list: people\nsheet: Contacts 2026\n\nHi {Name}. Reply STOP to opt out\n")
        #expect(t.list == "people" && t.sheet == "Contacts 2026")
        #expect(try CampaignTemplate.parse("list: people\n\nHi. Reply STOP\n").sheet == nil)
        #expect(throws: InputError(line: 1, reason: "\"sheet:\" names a sheet of a workbook list: it needs a \"list:\" header")) {
            try CampaignTemplate.parse("to: +447911123456\nsheet: A\n\nHi\n")
        }
    }

    @Test func optOutInstructionIsDetected() throws {
        let withStop = try CampaignTemplate.parse("list: a\n\nSale now. Reply STOP to opt out")
        #expect(withStop.hasOptOutInstruction(keywords: Keywords.defaultOptOut))
        let without = try CampaignTemplate.parse("list: a\n\nSale now, don't stop-by late")
        #expect(!without.hasOptOutInstruction(keywords: ["UNSUBSCRIBE"]))
        for (body, expected) in [("Offer ends at the end of the week, don't stop by!", false),
                                 ("Text END to quit", true), ("Répondez ARRÊT pour vous désabonner", true),
                                 ("To opt out, reply", true), ("unsubscribe: reply", true)] {
            let t = try CampaignTemplate.parse("list: a\n\n\(body)")
            #expect(t.hasOptOutInstruction(keywords: Keywords.defaultOptOut) == expected, "\(body)")
        }
    }

    @Test(arguments: [
        ("to: +447911123456\n\nHi, opt out: {optout}", "the opt-out link works only for lists"),
        ("list: a\nto: +447911123456\n\nHi", "not both"),
        ("sender: ACME\n\nHi", "no recipients"),
        ("list: a\ncolour: red\n\nHi", "unknown header \"colour\""),
        ("list: a\n\nHi {name", "is not closed"),
        ("list: a\n\nHi }", "without"),
        ("list: a\n\n   \n", "empty"),
        ("list: a", "no message"),
        ("list: a\nmax_segments: lots\n\nHi", "max_segments"),
        ("to: +447911123456\n\nHi {name}", "single number"),
    ])
    func rejectionsSayWhy(text: String, expected: String) {
        #expect {
            _ = try CampaignTemplate.parse(text)
        } throws: { error in
            (error as? InputError)?.reason.contains(expected) == true
        }
    }
}
