// Issue 10 classes 3–5 as a user meets them, through the real `optout` executable: a STOP log
// with a broken last row beside a campaign, a START dated 2099, a month-first log, a log mixing
// both date orders, an MSISDN sender without default_country, an ambiguous sender's START, and
// mobile_only with a landline STOP. Each asserts the exit code, stderr, the files a user opens
// (send file, suppressions.csv, processed/ and its .error.txt) and the ledger.

import Foundation
import Testing
@testable import OptoutBase
@testable import OptoutKit
@testable import OptoutPhone
import OptoutTestSupport

@Suite(.serialized) struct OptOutRowsEndToEndTests {
    final class Root {
        let path = NSTemporaryDirectory() + "optout-rows-" + UUID().uuidString
        init(settings: String) throws {
            _ = try InitJob.run(dir: path)
            try Tree.write("\(path)/inbox/settings.json", settings)
        }
        deinit { Tree.remove(path) }
        func write(_ relative: String, _ text: String) throws { try Tree.write("\(path)/\(relative)", text) }
        func read(_ relative: String) -> String? { Tree.read("\(path)/\(relative)") }
        func exists(_ relative: String) -> Bool { Durable.exists("\(path)/\(relative)") }
        func files(_ relative: String) -> [String] { Tree.files(under: "\(path)/\(relative)").filter { !$0.contains("/") } }
        /// Numbers (first column) of a CSV output, header dropped.
        func numbers(_ relative: String) -> [String] {
            (read(relative) ?? "").split(separator: "\n").dropFirst().map { String($0.split(separator: ",").first ?? "") }
        }
        func ledger() throws -> [LedgerRecord] { try Ledger.readAll(path: Workspace(root: path).ledgerFile) }
        func run(_ now: String, verbose: Bool = false) throws -> OptoutCLI.Result {
            try OptoutCLI.run(["run", "--root", path] + (verbose ? ["--verbose"] : []), environment: ["OPTOUT_NOW": now])
        }
    }

    static let campaign = "list: customers\nsender: ACME\n\nHello {name}, our sale starts today. Reply STOP to opt out\n"

    @Test func aBrokenLastRowAppliesTheRestHoldsTheCampaignOnceAndExits65() throws {
        if let reason = OptoutCLI.missingReason { print(reason); if ProcessInfo.processInfo.environment["CI"] == "true" { Issue.record("\(reason)") }; return }
        let root = try Root(settings: "{\"default_country\": \"GB\", \"settle_seconds\": 0}")
        try root.write("inbox/lists/customers.csv", "name,phone\nAmelia,+447700900001\nOliver,+447700900002\nIsla,+447700900003\nNoah,+447700900004\n")
        try root.write("inbox/campaigns/sale.txt", Self.campaign)
        try root.write("inbox/stops/log.csv", """
            from,timestamp,text
            +447700900001,2026-11-26T08:00:00Z,STOP
            +447700900002,2026-11-26T08:01:00Z,stop please
            +447700900003,2026-11-26T08:02:00Z,"STOP
            """)
        let first = try root.run("2026-11-26T12:00:00Z")
        #expect(first.status == 65, "\(first.stderr)")
        #expect(first.stderr.contains("inbox/stops/log.csv:4: error: row could not be read: quoted field opened here is never closed"))
        #expect(first.stderr.contains("inbox/campaigns/sale.txt: held: 1 row of inbox/stops/log.csv could not be read (see inbox/stops/processed/log.csv.error.txt)"))
        #expect(root.files("inbox/stops/processed") == ["log.csv", "log.csv.error.txt"])
        let errors = try #require(root.read("inbox/stops/processed/log.csv.error.txt"))
        #expect(errors.contains("1 row could not be read; every other row was applied.\n  line 4: quoted field opened here is never closed\n"))
        #expect(root.files("inbox/stops/rejected").isEmpty)
        #expect(root.files("inbox/campaigns") == ["sale.txt"])
        #expect(!root.exists("outbox/send/sale.csv"))
        #expect(root.numbers("outbox/suppressions.csv") == ["+447700900001", "+447700900002"])

        // The next run: nothing unreadable waits, the campaign is built without the two numbers.
        let second = try root.run("2026-11-26T12:10:00Z")
        #expect(second.status == 0, "\(second.stderr)")
        #expect(!second.stderr.contains("held"))
        #expect(root.numbers("outbox/send/sale.csv") == ["+447700900003", "+447700900004"])
        #expect(root.files("inbox/campaigns/processed") == ["sale.txt"])
    }

    @Test func aStartDatedIn2099IsClampedHeldAndTheNumberStaysOut() throws {
        if let reason = OptoutCLI.missingReason { print(reason); if ProcessInfo.processInfo.environment["CI"] == "true" { Issue.record("\(reason)") }; return }
        let root = try Root(settings: "{\"default_country\": \"GB\", \"settle_seconds\": 0}")
        try root.write("inbox/stops/first.csv", "from,timestamp,text\n+447700900002,2026-11-20T08:00:00Z,STOP\n")
        #expect(try root.run("2026-11-25T12:00:00Z").status == 0)
        try root.write("inbox/lists/customers.csv", "name,phone\nAmelia,+447700900001\nOliver,+447700900002\n")
        try root.write("inbox/campaigns/sale.txt", Self.campaign)
        try root.write("inbox/stops/second.csv", "from,timestamp,text\n+447700900002,2099-01-01T00:00:00Z,START\n+447700900009,2099-01-01T00:00:00Z,STOP\n")
        let run = try root.run("2026-11-26T12:00:00Z", verbose: true)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stderr.contains("inbox/stops/second.csv:2: warning: opt-in held for review: its time is not trustworthy"))
        #expect(root.numbers("outbox/send/sale.csv") == ["+447700900001"])
        #expect(root.numbers("outbox/suppressions.csv") == ["+447700900002", "+447700900009"])
        let records = try root.ledger()
        #expect(!records.contains { $0.kind == .optIn })
        let clamped = try #require(records.first { $0.number.e164 == "+447700900009" })
        #expect(clamped.eventTime.iso8601 == "2026-11-26T12:00:00Z" && clamped.timeText == "2099-01-01T00:00:00Z")
        #expect(clamped.rule.contains("more than 5 minutes after the processing time: clamped to the processing time"))
        // The same log dropped again on another day: nothing recorded twice.
        try root.write("inbox/stops/again.csv", root.read("inbox/stops/processed/second.csv")!)
        #expect(try root.run("2026-11-27T12:00:00Z").status == 0)
        #expect(try root.ledger().count == records.count)
    }

    @Test func aMonthFirstLogIsReadMonthFirst() throws {
        if let reason = OptoutCLI.missingReason { print(reason); if ProcessInfo.processInfo.environment["CI"] == "true" { Issue.record("\(reason)") }; return }
        // day-first (the default) would put this STOP on March 9 and the START on October 2:
        // resubscribed. The log's own 11/25 shows it is month-first: START Feb 10, STOP Sep 3.
        let root = try Root(settings: "{\"default_country\": \"US\", \"settle_seconds\": 0}")
        try root.write("inbox/stops/us.csv", """
            from,timestamp,text
            +14155552671,02/10/2026 09:00,START
            +14155552671,09/03/2026 09:00,STOP
            +14155552699,11/25/2026 10:00,HELP

            """)
        try root.write("inbox/lists/customers.csv", "name,phone\nAmelia,+14155552671\nOliver,+14155552672\n")
        try root.write("inbox/campaigns/sale.txt", Self.campaign)
        let run = try root.run("2026-11-26T12:00:00Z")
        #expect(run.status == 0, "\(run.stderr)")
        #expect(root.read("outbox/suppressions.csv") == "phone,opted_out_at,source\n+14155552671,2026-09-03T09:00:00Z,TollFree number\n")
        #expect(root.numbers("outbox/send/sale.csv") == ["+14155552672"])
        #expect(try root.ledger().map { "\($0.kind.rawValue) \($0.eventTime)" } == [
            "optin 2026-02-10T09:00:00Z", "optout 2026-09-03T09:00:00Z", "help 2026-11-25T10:00:00Z",
        ])
    }

    @Test func aLogMixingBothDateOrders() throws {
        if let reason = OptoutCLI.missingReason { print(reason); if ProcessInfo.processInfo.environment["CI"] == "true" { Issue.record("\(reason)") }; return }
        let root = try Root(settings: "{\"default_country\": \"GB\", \"settle_seconds\": 0, \"date_order\": \"day-first\"}")
        try root.write("inbox/stops/old.csv", "from,timestamp,text\n+447700900003,2026-01-01T00:00:00Z,STOP\n")
        #expect(try root.run("2026-11-25T12:00:00Z").status == 0)
        try root.write("inbox/stops/merged.csv", """
            from,timestamp,text
            +447700900001,25/11/2026 10:00,STOP
            +447700900002,11/24/2026 10:00,STOP
            +447700900003,03/04/2026 10:00,START
            +447700900004,03/04/2026 10:00,STOP

            """)
        let run = try root.run("2026-11-26T12:00:00Z", verbose: true)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stderr.contains("merged.csv:4: warning: opt-in held for review"))
        #expect(root.read("outbox/suppressions.csv") == """
            phone,opted_out_at,source
            +447700900001,2026-11-25T10:00:00Z,TollFree number
            +447700900002,2026-11-24T10:00:00Z,TollFree number
            +447700900003,2026-01-01T00:00:00Z,TollFree number
            +447700900004,2026-04-03T10:00:00Z,TollFree number

            """)
        let ambiguous = try #require(try root.ledger().first { $0.number.e164 == "+447700900004" })
        #expect(ambiguous.rule.contains("reads 2026-04-03T10:00:00Z day-first or 2026-03-04T10:00:00Z month-first") && ambiguous.rule.contains("the later reading used"))
    }

    @Test func anMSISDNSenderWithoutDefaultCountryOptsOut() throws {
        if let reason = OptoutCLI.missingReason { print(reason); if ProcessInfo.processInfo.environment["CI"] == "true" { Issue.record("\(reason)") }; return }
        let root = try Root(settings: "{\"settle_seconds\": 0}")
        try root.write("inbox/stops/gateway.csv", "msisdn,timestamp,text\n447700900123,2026-11-26T08:00:00Z,STOP\n")
        try root.write("inbox/lists/customers.csv", "name,phone\nAmelia,+447700900123\nOliver,+447700900124\n")
        try root.write("inbox/campaigns/sale.txt", Self.campaign)
        let run = try root.run("2026-11-26T12:00:00Z")
        #expect(run.status == 0, "\(run.stderr)")
        #expect(root.numbers("outbox/suppressions.csv") == ["+447700900123"])
        #expect(root.numbers("outbox/send/sale.csv") == ["+447700900124"])
        #expect(root.files("outbox/webhooks/pending").count == 1)
    }

    @Test func aSenderWithNoReadingGoesToReviewAndExits65() throws {
        if let reason = OptoutCLI.missingReason { print(reason); if ProcessInfo.processInfo.environment["CI"] == "true" { Issue.record("\(reason)") }; return }
        let root = try Root(settings: "{\"default_country\": \"GB\", \"settle_seconds\": 0}")
        try root.write("inbox/stops/log.csv", "from,timestamp,text\nVodafone,2026-11-26T08:00:00Z,STOP\n+447700900001,2026-11-26T08:00:00Z,STOP\n")
        try root.write("inbox/lists/customers.csv", "name,phone\nAmelia,+447700900001\nOliver,+447700900002\n")
        try root.write("inbox/campaigns/sale.txt", Self.campaign)
        let run = try root.run("2026-11-26T12:00:00Z")
        #expect(run.status == 65, "\(run.stderr)")
        #expect(run.stderr.contains("inbox/stops/log.csv:2: error: sender \"Vodafone\" is not a phone number"))
        // The row was read (a person decides): the log is processed whole and the campaign is built.
        #expect(root.files("inbox/stops/processed") == ["log.csv"])
        #expect(root.numbers("outbox/send/sale.csv") == ["+447700900002"])
    }

    @Test func anAmbiguousSenderOptsOutBothReadingsAndItsStartIsHeld() throws {
        if let reason = OptoutCLI.missingReason { print(reason); if ProcessInfo.processInfo.environment["CI"] == "true" { Issue.record("\(reason)") }; return }
        let root = try Root(settings: "{\"default_country\": \"US\", \"settle_seconds\": 0}")
        try root.write("inbox/stops/a.csv", "from,timestamp,text\n4582123456,2026-11-25T08:00:00Z,STOP\n")
        #expect(try root.run("2026-11-25T12:00:00Z").status == 0)
        #expect(root.numbers("outbox/suppressions.csv") == ["+4582123456", "+14582123456"])
        let payloads = root.files("outbox/webhooks/pending").compactMap { root.read("outbox/webhooks/pending/\($0)") }
        #expect(payloads.count == 2)
        #expect(payloads.contains { $0.contains("\"unsubscribed_number\": \"+14582123456\"") })
        #expect(payloads.contains { $0.contains("\"unsubscribed_number\": \"+4582123456\"") })

        try root.write("inbox/stops/b.csv", "from,timestamp,text\n4582123456,2026-11-26T09:00:00Z,START\n")
        try root.write("inbox/lists/customers.csv", "name,phone\nAmelia,+14582123456\nOliver,+14155552672\n")
        try root.write("inbox/campaigns/sale.txt", Self.campaign)
        let run = try root.run("2026-11-26T12:00:00Z", verbose: true)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stderr.contains("b.csv:2: warning: opt-in held for review: the sender has 2 readings"))
        #expect(root.numbers("outbox/suppressions.csv") == ["+4582123456", "+14582123456"])
        #expect(root.numbers("outbox/send/sale.csv") == ["+14155552672"])
        #expect(try !root.ledger().contains { $0.kind == .optIn })
    }

    @Test func mobileOnlyNeverDropsALandlineStop() throws {
        if let reason = OptoutCLI.missingReason { print(reason); if ProcessInfo.processInfo.environment["CI"] == "true" { Issue.record("\(reason)") }; return }
        let root = try Root(settings: "{\"default_country\": \"GB\", \"settle_seconds\": 0, \"mobile_only\": true}")
        try root.write("inbox/stops/log.csv", "from,timestamp,text\n020 7946 0000,2026-11-26T08:00:00Z,STOP\n")
        try root.write("inbox/suppressions/crm.csv", "phone\n+442079460001\n")
        let run = try root.run("2026-11-26T12:00:00Z")
        #expect(run.status == 0, "\(run.stderr)")
        #expect(root.numbers("outbox/suppressions.csv") == ["+442079460000", "+442079460001"])
        #expect(root.files("outbox/webhooks/pending").count == 1)
    }
}
