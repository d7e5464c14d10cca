// Report text: each report's renderer, value in, text or bytes out (no files, no workspace).
// The golden cases prove the bytes through the real binary; these pin each renderer on its own.

import Foundation
import Testing
@testable import OptoutBase
@testable import OptoutKit
@testable import OptoutPhone

@Suite struct ReportTextTests {
    static let noon = Timestamp(seconds: 1_780_401_600)  // 2026-06-02T12:00:00Z
    static let number = PhoneNumber(e164: "+447911123456")!

    @Test func campaignReportSaysFiguresWarningsAndFilesInItsOwnOrder() throws {
        let template = try CampaignTemplate.parse("list: customers\n\nHi {name}, sale today. Reply STOP to opt out\n")
        var summary = CampaignSummary(name: "spring")
        summary.rowsRead = 4; summary.toSend = 2; summary.skipped = ["opted out": 1, "duplicate": 1]
        summary.segments = 3; summary.gsmMessages = 2
        summary.warnings = ["nobody cares"]
        summary.outputs = ["outbox/send/spring.csv", "outbox/reports/spring-skipped.csv", "outbox/reports/spring.txt"]
        var settings = Settings()
        settings.pricePerSegment = 0.05
        settings.currency = "GBP"
        let format = ListFormat(encoding: "UTF-8", delimiter: 0x2C, hasHeader: true, columns: ["name", "phone"], phoneColumn: 1)
        let text = CampaignReportText.render(summary, template: template, templatePath: "inbox/campaigns/spring.txt", list: format,
                                             listDisplay: "inbox/lists/customers.csv", settings: settings, maxSegments: nil, now: Self.noon)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines[0] == "Campaign spring")
        #expect(lines[1] == "===============")
        #expect(lines.contains("List:                 customers (inbox/lists/customers.csv; UTF-8, delimiter ',', phone column \"phone\")"))
        #expect(lines.contains("Built:                2026-06-02T12:00:00Z"))
        #expect(lines.contains("Skipped:              2"))
        // Equal counts: by reason name.
        #expect(lines.firstIndex(of: "  duplicate:          1")! < lines.firstIndex(of: "  opted out:          1")!)
        #expect(lines.contains("Cost:                 0.15 GBP at 0.05 per segment"))
        #expect(text.hasSuffix("\nWarnings:\n  - nobody cares\n\nFiles:\n  outbox/send/spring.csv\n  outbox/reports/spring-skipped.csv\n  outbox/reports/spring.txt\n"))
    }

    @Test func listReportCountsByCategoryAndSaysHowManyMoreThanListed() {
        var check = ListCheck()
        check.textable()
        check.blank(3)
        for line in 4..<205 { check.optedOut(line, Self.number) }
        let format = ListFormat(encoding: "Windows-1252", delimiter: 0x09, hasHeader: false, columns: ["phone", "name"], phoneColumn: 0)
        let text = ListReportText.render(stem: "vip", display: "inbox/lists/vip.tsv", format: format, check: check, now: Self.noon)
        #expect(text.hasPrefix("List vip (inbox/lists/vip.tsv)\n\nChecked:       2026-06-02T12:00:00Z\nFormat:        Windows-1252, delimiter tab, no header row\nPhone column:  \"phone\"\nMerge fields:  {name}\nRows:          203\nTextable:      1\nblank row:      1\nopted out:      201\n\nRows that will be skipped:\n  line 3: blank row\n  line 4: +447911123456 is opted out\n"))
        #expect(text.hasSuffix("  line 202: +447911123456 is opted out\n  ... and 2 more (each campaign's -skipped.csv lists every row)\n"))
    }

    @Test func unsubscriptionCsvGuardsDigitOnlyTextAndTheSummaryFitsOneSegment() {
        let record = LedgerRecord(seq: 7, kind: .optOut, effect: .applied, number: Self.number, eventTime: Self.noon, recordedTime: Self.noon,
                                  source: .import, rule: "imported suppression", file: "inbox/suppressions/old.csv", line: 2,
                                  inputHash: "ab", text: "07911123456")
        let csv = UnsubscriptionReportText.csv([record])
        #expect(Array(csv.prefix(3)) == CSVWriter.utf8BOM)
        #expect(String(decoding: csv.dropFirst(3), as: UTF8.self) ==
                "time,number,source,rule,raw text,file,line\r\n2026-06-02T12:00:00Z,'+447911123456,import,imported suppression,'07911123456,inbox/suppressions/old.csv,2\r\n")
        var settings = Settings()
        settings.notificationSender = "Acme"
        let summary = UnsubscriptionReportText.Summary(records: [record, record], settings: settings)
        #expect(summary.subject == "Acme: 2 new opt-outs (1 number), 2026-06-02 12:00 UTC")
        // No server path in the SMS: it means nothing on a phone.
        #expect(summary.sms(reportName: "unsubscriptions-x.csv") == "Acme: 2 new opt-outs (1 number) on 2026-06-02 12:00 UTC (2 imported).")
        #expect(summary.emailBody(reportName: "r.csv").hasPrefix("2 new opt-outs (1 number) recorded by optout on 2026-06-02 12:00 UTC: 2 imported.\n"))
        #expect(String(decoding: UnsubscriptionReportText.sendFile([("+447911123456", "You're out")]), as: UTF8.self) ==
                "phone,message,segments,encoding\n+447911123456,You're out,1,GSM-7\n")
        // The same report gets the same Message-ID; another report another.
        let id = UnsubscriptionReportText.messageID(name: "u", csv: csv, from: "Ops <ops@example.org>")
        #expect(id.hasPrefix("<u.") && id.hasSuffix("@example.org>"))
        #expect(id == UnsubscriptionReportText.messageID(name: "u", csv: csv, from: "ops@example.org"))
        #expect(id != UnsubscriptionReportText.messageID(name: "u", csv: csv + [0x41], from: "ops@example.org"))
    }

    @Test func reviewCsvHasTheIdAndAnEmptyDecisionColumn() {
        let item = ReviewItem(kind: .heldOptIn, number: "+447911123456", file: "inbox/replies/a.csv", line: 0,
                              rawText: "=START", choice: "held", rule: "opt-in needs a person")
        let csv = ReviewReportText.csv([StoredReview(seq: 1, id: "r1", item: item, foundAt: Self.noon, decision: nil)])
        #expect(String(decoding: csv.dropFirst(3), as: UTF8.self) ==
                "found_at,kind,number,file,line,raw_text,choice,rule,id,decision\r\n2026-06-02T12:00:00Z,held-opt-in,'+447911123456,inbox/replies/a.csv,,'=START,held,opt-in needs a person,r1,\r\n")
    }

    @Test func clicksReportListsFiguresPerCampaignAndTheFirstUnknownTokens() {
        var figures = ClickFigures(now: Self.noon)
        figures.files = [(name: "access.log", format: .combined, lines: 3)]
        figures.pathPrefix = "/u/"
        figures.requests = 3; figures.views = 2; figures.confirmations = 1; figures.optedOutNew = 1
        figures.perCampaign = ["spring": CampaignClicks(views: 2, confirmations: 1, botFlagged: 0, opened: 2, confirmed: 1)]
        figures.unknown = [UnresolvedClick(file: "access.log", line: 3, target: "/u/zzzz")]
        figures.unknownCount = 5
        let text = ClicksReportText.render(figures)
        #expect(text.hasPrefix("Opt-out page logs, 2026-06-02T12:00:00Z\n=======================================\n\nFile:                   access.log (nginx/Apache combined access log, 3 lines)\nLink path:              /u/<token>\n"))
        #expect(text.contains("Confirmations (POST):   1 by people → 1 opted out, 0 already opted out or superseded\n"))
        #expect(!text.contains("Flagged:"))
        #expect(text.contains("  spring                             2       2          1            0         50.0%\n"))
        #expect(text.hasSuffix("\nUnknown tokens (first 1 of 5):\n  access.log:3  /u/zzzz\n"))
    }
}
