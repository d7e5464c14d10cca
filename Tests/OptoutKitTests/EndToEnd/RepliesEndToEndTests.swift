// Issue 10 class 6 as a user meets it, through the real `optout` executable: a long, clear request
// and one-word slips opt their numbers out of the next send file; a message that only mentions a
// keyword is not an opt-out but reaches a person in outbox/reports/review-<time>.csv.

import Foundation
import Testing
@testable import OptoutBase
@testable import OptoutKit
@testable import OptoutPhone
import OptoutTestSupport

@Suite(.serialized) struct RepliesEndToEndTests {
    @Test func clearRequestsAndSlipsOptOutAndMentionsGoToReview() throws {
        if let reason = OptoutCLI.missingReason { print(reason); if ProcessInfo.processInfo.environment["CI"] == "true" { Issue.record("\(reason)") }; return }
        let root = NSTemporaryDirectory() + "optout-replies-" + UUID().uuidString
        defer { Tree.remove(root) }
        _ = try InitJob.run(dir: root)
        try Tree.write("\(root)/inbox/settings.json", "{\"default_country\": \"GB\", \"settle_seconds\": 0}")
        try Tree.write("\(root)/inbox/lists/customers.csv", """
            name,phone
            Amelia,+447700900001
            Oliver,+447700900002
            Isla,+447700900003
            Noah,+447700900004
            Ava,+447700900005
            Leo,+447700900006

            """)
        try Tree.write("\(root)/inbox/stops/replies.csv", """
            from,timestamp,text
            +447700900001,2026-11-26T08:00:00Z,"Please stop sending me these messages, I am really not interested at all"
            +447700900002,2026-11-26T08:01:00Z,Sotp
            +447700900003,2026-11-26T08:02:00Z,UNSUBSCIBE
            +447700900004,2026-11-26T08:03:00Z,СТОР
            +447700900005,2026-11-26T08:04:00Z,"Is the stop on Main Street still served by the number 12 bus after the works finish?"
            +447700900006,2026-11-26T08:05:00Z,SHOP

            """)
        try Tree.write("\(root)/inbox/campaigns/sale.txt", "list: customers\nsender: ACME\n\nHello {name}, sale today. Reply STOP to opt out\n")
        let run = try OptoutCLI.run(["run", "--root", root], environment: ["OPTOUT_NOW": "2026-11-26T12:00:00Z"])
        #expect(run.status == 0, "\(run.stderr)")
        // The four requests are out; the mention and SHOP are still texted.
        let send = Tree.read("\(root)/outbox/send/sale.csv") ?? ""
        let sent = send.split(separator: "\n").dropFirst().map { String($0.split(separator: ",")[0]) }
        #expect(sent == ["+447700900005", "+447700900006"])
        let records = try Ledger.readAll(path: Workspace(root: root).ledgerFile)
        let rules = Dictionary(records.map { ($0.number.e164, $0.rule) }, uniquingKeysWith: { a, _ in a })
        #expect(rules["+447700900001"]?.contains("phrase \"stop sending\" (en)") == true)
        #expect(rules["+447700900002"]?.contains("transposition") == true)
        #expect(rules["+447700900004"]?.contains("look-alike") == true)
        // The mention reaches a person: one stderr line and a row in the review report.
        #expect(run.stderr.contains("review"), "\(run.stderr)")
        let reports = Tree.files(under: "\(root)/outbox/reports").filter { $0.hasPrefix("review-") && $0.hasSuffix(".csv") }
        #expect(reports.count == 1)
        let review = Tree.read("\(root)/outbox/reports/\(reports.first ?? "")") ?? ""
        #expect(review.contains("ambiguous-reply"))
        #expect(review.contains("447700900005"))
        #expect(!review.contains("447700900006"))
    }
}
