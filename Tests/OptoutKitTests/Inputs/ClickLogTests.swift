// Opt-out page logs without a web server: access-log and CSV parsing, what counts as a
// confirmation, bots, unknown and malformed tokens, evidence, the clicks report, reruns.

import Foundation
import Testing
@testable import OptoutBase
@testable import OptoutKit
@testable import OptoutPhone
import OptoutTestSupport

let browserAgent = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Mobile Safari/537.36"

@Suite struct ClickLogTests {
    /// A workspace after one campaign run, with the links it issued (phone, token).
    func campaignWorkspace() throws -> (TempWorkspace, [[String]]) {
        let t = try TempWorkspace(settings: sampleSettings)
        try t.write("inbox/lists/customers.csv", sampleList)
        try t.write("inbox/campaigns/sale.txt", sampleCampaign)
        try t.run()
        let links = t.rows("outbox/links/sale.csv")
        #expect(links.count == 4)
        return (t, links)
    }

    func accessLine(_ method: String, _ path: String, agent: String = browserAgent, time: String = "26/Nov/2026:18:40:45 +0100", status: Int = 200) -> String {
        "203.0.113.9 - - [\(time)] \"\(method) \(path) HTTP/1.1\" \(status) 1335 \"-\" \"\(agent)\"\n"
    }

    @Test func combinedLineIsParsedWithEscapesAndOffset() throws {
        let nginx = try #require(ClickLogReader.parseAccessLine(Array("::1 - - [26/Nov/2026:18:40:45 +0100] \"POST /u/Ab3dE5gH7j?x=1 HTTP/2.0\" 200 12 \"-\" \"Agent \\x22quoted\\x22\"".utf8)))
        #expect(nginx.ip == "::1" && nginx.method == "POST" && nginx.action == .confirm)
        #expect(nginx.target == "/u/Ab3dE5gH7j?x=1" && nginx.status == 200)
        #expect(nginx.userAgent == "Agent \"quoted\"")
        #expect(nginx.time == Timestamp.parse("2026-11-26T17:40:45Z", zone: .gmt))
        let apache = try #require(ClickLogReader.parseAccessLine(Array("10.0.0.1 - bob [01/Jan/2027:00:00:01 -0500] \"HEAD /u/x HTTP/1.0\" 404 - \"http://r/\" \"A \\\"b\\\" c\"".utf8)))
        #expect(apache.action == .view && apache.status == 404 && apache.userAgent == "A \"b\" c")
        #expect(apache.time == Timestamp.parse("2027-01-01T05:00:01Z", zone: .gmt))
        let common = try #require(ClickLogReader.parseAccessLine(Array("1.2.3.4 - - [26/Nov/2026:17:40:45 +0000] \"GET /u/x HTTP/1.1\" 200 5".utf8)))
        #expect(common.userAgent == "" && common.action == .view)
        #expect(ClickLogReader.parseAccessLine(Array("time,token".utf8)) == nil)
        #expect(ClickLogReader.parseAccessLine(Array("1.2.3.4 - - [bad] \"GET / HTTP/1.1\" 2000 5".utf8)) == nil)
    }

    @Test(arguments: [
        ("facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)", BotAgents.Sender.preview),
        ("WhatsApp/2.23.20.0 A", .preview), ("TelegramBot (like TwitterBot)", .preview), ("Slackbot-LinkExpanding 1.0", .preview),
        ("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", .preview), ("Proofpoint URL Defense", .preview),
        ("Mimecast Security Agent", .preview), ("Mozilla/5.0 (compatible; Barracuda)", .preview), ("LinkedInBot/1.0", .preview),
        ("Discordbot/2.0", .preview), ("Mozilla/5.0 SkypeUriPreview Preview/0.5", .preview), ("bingbot/2.0", .preview),
        ("curl/8.5.0", .scripted), ("python-requests/2.31.0", .scripted), ("Wget/1.21", .scripted), ("Go-http-client/1.1", .scripted),
        ("-", .scripted), ("", .scripted), ("SomeCrawler/1.0 (+http://x.example)", .scripted),
        (browserAgent, .person),
        ("Mozilla/5.0 (Linux; Android 9; CUBOT P30) AppleWebKit/537.36 Chrome/120 Mobile Safari/537.36", .person),
        ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Instagram 300.0", .person),
    ])
    func senderByUserAgent(_ agent: String, _ sender: BotAgents.Sender) {
        #expect(BotAgents.sender(agent, logged: true) == sender)
        // Where the log records no user agent (CSV, common format), an empty one is a person's.
        if agent.isEmpty || agent == "-" { #expect(BotAgents.sender(agent, logged: false) == .person) }
    }

    @Test(arguments: [
        ("facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)", true),
        ("WhatsApp/2.23.20.0 A", true), ("TelegramBot (like TwitterBot)", true), ("curl/8.5.0", true),
        ("-", true), ("", true), ("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", true),
        (browserAgent, false),
        ("Mozilla/5.0 (Linux; Android 9; CUBOT P30) AppleWebKit/537.36 Chrome/120 Mobile Safari/537.36", false),
        ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Instagram 300.0", false),
    ])
    func botAgents(_ agent: String, _ bot: Bool) {
        #expect(BotAgents.isBot(agent) == bot)
    }

    @Test func onlyAPostFromAPersonOptsOutWithEvidence() throws {
        let (t, links) = try campaignWorkspace()
        let amelia = links[0], oliver = links[1], noah = links[2]
        var log = accessLine("GET", "/u/\(amelia[1])")                                   // view
        log += accessLine("HEAD", "/u/\(oliver[1])")                                      // view
        log += accessLine("GET", "/u/\(noah[1])", agent: "Slackbot-LinkExpanding 1.0")    // bot view
        log += accessLine("POST", "/u/\(noah[1])", agent: "curl/8.5.0")                   // scripted POST: applied, flagged
        log += accessLine("POST", "/u/\(amelia[1])")                                      // the confirmation
        log += accessLine("GET", "/u/ZZZZZZZZZZ")                                         // unknown
        log += accessLine("GET", "/u/\(oliver[1].prefix(9))", status: 404)               // malformed (cut short)
        log += accessLine("PUT", "/u/\(oliver[1])", status: 403)                          // other method
        log += accessLine("GET", "/favicon.ico", status: 404)                             // not a link
        log += "garbage line\n"
        try t.write("inbox/clicks/access.log", log)
        let report = try t.run()
        // Issue 10 class 8: the curl POST is applied now (and flagged for review), no longer dropped.
        #expect(report.newOptOuts == 2)
        #expect(report.clickRequests == 8)
        #expect(t.list("inbox/clicks/processed") == ["access.log"])
        let pending = t.list("outbox/webhooks/pending")
        #expect(pending.count == 2)
        let payloads = pending.compactMap { t.read("outbox/webhooks/pending/\($0)") }
        #expect(payloads.contains("{\"timestamp\": \"2026-11-26T17:40:45Z\", \"unsubscribed_number\": \"\(amelia[0])\", \"source\": \"Optout Link\"}"))
        #expect(payloads.contains { $0.contains(noah[0]) && $0.contains("Optout Link") })
        #expect(report.reviewItemsOpened == 1)
        let reviewRows = t.rows(try #require(report.reviewReport))
        #expect(reviewRows.count == 1 && reviewRows[0][1] == "scripted-confirmation" && reviewRows[0][6] == "opted out" && reviewRows[0][4] == "4")
        let records = try Ledger.readAll(path: t.ws.ledgerFile).filter { $0.number.e164 == amelia[0] }
        #expect(records.count == 1)
        let record = try #require(records.first)
        #expect(record.source == .link && record.effect == .applied && record.number.e164 == amelia[0])
        #expect(record.file == "inbox/clicks/access.log" && record.line == 5)
        #expect(record.text == "POST /u/\(amelia[1]) HTTP/1.1")
        #expect(record.detail == "token=\(amelia[1]); campaign=sale; status=200; ip=203.0.113.9; user_agent=\(browserAgent)")

        let reportPath = try #require(report.clickReport)
        let text = try #require(t.read(reportPath))
        #expect(text.contains("Views (GET/HEAD):       2 by people"))
        #expect(text.contains("Confirmations (POST):   1 by people + 1 flagged → 2 opted out"))
        #expect(text.contains("Bot-flagged:            1"))
        #expect(text.contains("Unknown tokens:         1"))
        #expect(text.contains("Malformed links:        1"))
        #expect(text.contains("Other methods:          1"))
        #expect(text.contains("inbox/clicks/access.log:6  /u/ZZZZZZZZZZ"))
        // sale: views 2 (Amelia, Oliver), opened 2, confirmed 1 → 50%
        let saleRow = try #require(text.split(separator: "\n").first { $0.hasPrefix("  sale ") })
        #expect(saleRow.split(separator: " ").map(String.init) == ["sale", "2", "2", "1", "2", "50.0%"])

        // The next campaign leaves Amelia out.
        try t.write("inbox/campaigns/again.txt", "list: customers\n\nAgain, {first_name|there}! {optout}\n")
        try t.run()
        let numbers = t.rows("outbox/send/again.csv").map { $0[0] }
        #expect(!numbers.contains(amelia[0]) && numbers.contains(oliver[0]))
    }

    @Test func csvRowsMarkedConfirmOptOutAndTheSameLogTwiceAddsNothing() throws {
        let (t, links) = try campaignWorkspace()
        let csv = """
        time,url,action,user_agent,ip
        2026-11-26 17:00:00,https://example.com/u/\(links[1][1]),view,\(browserAgent),198.51.100.7
        2026-11-26 17:00:30,https://example.com/u/\(links[1][1]),confirm,\(browserAgent),198.51.100.7
        2026-11-26 17:01:00,https://example.com/u/\(links[3][1]),view,\(browserAgent),198.51.100.8

        """
        try t.write("inbox/clicks/export.csv", csv)
        var report = try t.run()
        #expect(report.newOptOuts == 1)
        #expect(t.list("outbox/webhooks/pending").count == 1)
        #expect(t.read("outbox/suppressions.csv")?.contains("\(links[1][0]),2026-11-26T17:00:30Z,Optout Link") == true)
        // Dropped again: recorded evidence is not recorded twice; no second payload; a second report.
        try t.write("inbox/clicks/export.csv", csv)
        report = try t.run()
        #expect(report.newOptOuts == 0)
        #expect(t.list("outbox/webhooks/pending").count == 1)
        #expect(try Ledger.readAll(path: t.ws.ledgerFile).count == 1)
        #expect(t.list("outbox/reports").filter { $0.hasPrefix("clicks-") }.count == 2)
    }

    @Test func csvWithoutAnActionColumnIsRejectedWhole() throws {
        let (t, links) = try campaignWorkspace()
        try t.write("inbox/clicks/tokens.csv", "time,token\n2026-11-26T17:00:00Z,\(links[0][1])\n")
        let report = try t.run()
        // A view cannot be told from a confirmation: nothing is used, a person is told why.
        #expect(report.newOptOuts == 0)
        #expect(report.rejectedInputs == 1)
        #expect(t.list("inbox/clicks/rejected").contains("tokens.csv"))
        let why = t.read("inbox/clicks/rejected/tokens.csv.error.txt") ?? ""
        #expect(why.contains("line 1: no method or action column (found time, token)"))
        #expect(why.contains("add an action column"))
        #expect(!t.list("outbox/reports").contains { $0.hasPrefix("clicks-") })
    }

    /// gzip -c of `text` (the system tool, as logrotate uses); nil when it is missing.
    func gzip(_ text: String) throws -> [UInt8]? {
        guard let tool = ["/bin/gzip", "/usr/bin/gzip"].first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else { return nil }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = ["-c", "-n"]
        let input = Pipe(), output = Pipe()
        (process.standardInput, process.standardOutput) = (input, output)
        try process.run()
        input.fileHandleForWriting.write(Data(text.utf8))
        try input.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return [UInt8](data)
    }

    /// Issue 14: a rotated, compressed log (two gzip members, as `cat` of two makes) is read like
    /// the plain one.
    @Test func gzipLogIsReadLikeThePlainOne() throws {
        let (t, links) = try campaignWorkspace()
        guard let first = try gzip(accessLine("GET", "/u/\(links[0][1])")),
              let second = try gzip(accessLine("POST", "/u/\(links[0][1])") + accessLine("POST", "/u/\(links[1][1])")) else {
            if ProcessInfo.processInfo.environment["CI"] == "true" { Issue.record("gzip is missing") }
            print("skipped: gzip is missing"); return
        }
        try t.write("inbox/clicks/access.log.2.gz", first + second)
        let report = try t.run()
        #expect(report.newOptOuts == 2)
        #expect(report.clickRequests == 3)
        #expect(t.list("inbox/clicks/processed") == ["access.log.2.gz"])
    }

    @Test func gzipAndUnusableLogsAreRejectedWithAReason() throws {
        let (t, _) = try campaignWorkspace()
        try t.write("inbox/clicks/access.log.2.gz", [0x1F, 0x8B, 0x08, 0x00, 0x00])
        try t.write("inbox/clicks/notes.txt", "hello,world\n1,2\n")
        let report = try t.run()
        #expect(report.rejectedInputs == 2)
        #expect(t.read("inbox/clicks/rejected/access.log.2.gz.error.txt")?.contains("gzip") == true)
        #expect(t.read("inbox/clicks/rejected/notes.txt.error.txt")?.contains("token or url column") == true)
    }

    @Test func campaignReportShowsTheLinkLengthAndItsSegmentCost() throws {
        let (t, _) = try campaignWorkspace()
        let report = try #require(t.read("outbox/reports/sale.txt"))
        #expect(report.contains("Opt-out link:         https://example.com/u/ + 10-character token = 32 characters in every message"))
        #expect(report.contains("Link cost:            32 GSM-7 characters = 20% of a single 160-character segment, 21% of a 153-character part"))
        #expect(CampaignReportText.linkCost("https://ex.com/~u/0123456789").hasPrefix("29 GSM-7 characters"))   // ~ counts 2
        #expect(CampaignReportText.linkCost("https://exämple.com/u/0123456789").hasPrefix("32 GSM-7"))           // ä is GSM-7
        #expect(CampaignReportText.linkCost("https://例え.jp/u/0123456789").contains("UCS-2"))
    }
}
