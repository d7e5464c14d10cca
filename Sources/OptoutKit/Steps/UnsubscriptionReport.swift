// Unsubscription report and notifications: after a run that recorded new opt-outs,
//   outbox/reports/unsubscriptions-<time>.csv      time,number,source,rule,raw text,file,line
//       (for people: UTF-8 with BOM, CRLF, formula guard — "+447911123456" is written
//       '+447911123456 so a spreadsheet keeps it as text instead of showing 4.47911E+11; a raw
//       text that is only digits, such as an imported "07911123456", is guarded the same way);
//   outbox/notifications/unsubscriptions-<time>.eml      per settings unsubscription_reports.email
//   outbox/notifications/unsubscriptions-<time>-sms.csv  per unsubscription_reports.sms
//       (phone,message,segments,encoding; one single-segment summary per number);
//   outbox/send/unsubscribe-confirmations-<time>.csv     when settings confirmation_replies is true
//       (one plain confirmation per number newly opted out by a reply or a link; never imports).
// Input: the ledger's applied opt-outs after the journal's `reports` watermark. <time> is the
// processing time of the first of them, so a run redone after a crash (ledger written, watermark
// not) writes the same files with the same bytes, once; the watermark moves only after every
// file is written. Failures: `OptoutError` when a file cannot be written.

import OptoutBase
import Foundation

/// What one report step wrote (paths relative to the workspace root).
package struct UnsubscriptionOutputs: Sendable, Equatable {
    package var optOuts = 0
    package var files: [String] = []
}

package enum UnsubscriptionReport {
    /// The report's header row.
    package static let header = ["time", "number", "source", "rule", "raw text", "file", "line"]

    /// Writes the report and notifications for opt-outs not yet reported, then moves the watermark.
    /// Returns nil when there was nothing to report.
    package static func writePending(ledger: Ledger, journal: Journal, settings: Settings,
                                    workspace ws: Workspace) throws(OptoutError) -> UnsubscriptionOutputs? {
        let watermark = journal.reportWatermark
        guard let lastApplied = ledger.appliedOptOuts.last?.seq, lastApplied > watermark else {
            try journal.setReportWatermark(ledger.lastSeq)
            return nil
        }
        let records = try Ledger.records(path: ledger.path, after: watermark).filter {
            $0.kind == .optOut && $0.effect == .applied
        }
        var outputs: UnsubscriptionOutputs?
        if !records.isEmpty {
            outputs = try write(records, settings: settings, workspace: ws, state: ledger.state)
        }
        try journal.setReportWatermark(ledger.lastSeq)
        return outputs
    }

    /// The report CSV bytes for these opt-outs.
    package static func csv(_ records: [LedgerRecord]) -> [UInt8] {
        let writer = CSVWriter(audience: .people)
        var out = CSVWriter.utf8BOM
        writer.appendRow(header, to: &out)
        for r in records {
            writer.appendRow([r.eventTime.iso8601, r.number.e164, sourceName(r.source), r.rule, textCell(r.text), r.file, String(r.line)], to: &out)
        }
        return out
    }

    /// Raw text that a spreadsheet would read as a number ("07911123456" from an import loses its
    /// 0; "447911123456" becomes 4.47911E+11) gets the same leading apostrophe as the formula guard.
    static func textCell(_ text: String) -> String {
        let bytes = text.utf8
        guard let first = bytes.first, first >= 0x30 && first <= 0x39 else { return text }
        let numeric = bytes.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x20 || $0 == 0x2E || $0 == 0x2C }
        return numeric ? "'" + text : text
    }

    /// "TollFree number", "Optout Link" (as SMS.to and suppressions.csv say) or "import".
    package static func sourceName(_ source: EventSource) -> String { source.webhookName ?? "import" }

    /// Writes every output for `records` (applied opt-outs, in ledger order).
    package static func write(_ records: [LedgerRecord], settings: Settings, workspace ws: Workspace,
                             state: SuppressionState) throws(OptoutError) -> UnsubscriptionOutputs {
        precondition(!records.isEmpty)
        let csvBytes = csv(records)
        var name = "unsubscriptions-\(records[0].recordedTime.compact)"
        // Another run in the same second with other opt-outs: tell the files apart by the first seq.
        let existing = "\(ws.reportsFolder)/\(name).csv"
        if Durable.exists(existing), (try? Durable.readFile(existing)) != csvBytes {
            name += "-\(records[0].seq)"
        }
        var out = UnsubscriptionOutputs(optOuts: records.count)
        let reportPath = "\(ws.reportsFolder)/\(name).csv"
        try Durable.writeFile(reportPath, csvBytes)
        out.files.append(ws.display(reportPath))
        let summary = Summary(records: records, settings: settings)

        let recipients = settings.unsubscriptionReports
        if !recipients.email.isEmpty {
            let eml = try Email.message(from: settings.emailFrom, to: recipients.email, date: records[0].recordedTime,
                                    subject: summary.subject, messageID: messageID(name: name, csv: csvBytes, from: settings.emailFrom),
                                    body: summary.emailBody(reportName: "\(name).csv"),
                                    attachmentName: "\(name).csv", attachmentType: "text/csv", attachment: csvBytes)
            let path = "\(ws.notificationsFolder)/\(name).eml"
            try Durable.writeFile(path, eml)
            out.files.append(ws.display(path))
        }
        if !recipients.sms.isEmpty {
            let text = summary.sms(reportName: "\(name).csv")
            let path = "\(ws.notificationsFolder)/\(name)-sms.csv"
            try Durable.writeFile(path, sendFile(recipients.sms.map { ($0, text) }))
            out.files.append(ws.display(path))
        }
        if settings.confirmationReplies {
            var seen = Set<UInt64>()
            var rows: [(String, String)] = []
            let text = confirmationText(sender: settings.notificationSender)
            for r in records where r.source != .import && state.isOptedOut(r.number) && seen.insert(r.number.value).inserted {
                rows.append((r.number.e164, text))
            }
            if !rows.isEmpty {
                let path = "\(ws.sendFolder)/unsubscribe-confirmations-\(name.dropFirst("unsubscriptions-".count)).csv"
                try Durable.writeFile(path, sendFile(rows))
                out.files.append(ws.display(path))
            }
        }
        return out
    }

    /// The plain confirmation the FCC allows after an opt-out: no marketing, how to come back.
    package static func confirmationText(sender: String?) -> String {
        let who = sender.map { "\($0): " } ?? ""
        return "\(who)You're unsubscribed and will get no more messages from us. Reply START to resubscribe."
    }

    /// A send file (`phone,message,segments,encoding`), like campaign send files.
    static func sendFile(_ rows: [(phone: String, message: String)]) -> [UInt8] {
        let writer = CSVWriter(audience: .machine)
        var out: [UInt8] = []
        writer.appendRow(["phone", "message", "segments", "encoding"], to: &out)
        for row in rows {
            let count = Segments.count(row.message)
            writer.appendRow([row.phone, row.message, String(count.segments), count.encoding.rawValue], to: &out)
        }
        return out
    }

    /// A Message-ID that is the same when the same report is written again (a redo after a crash).
    static func messageID(name: String, csv: [UInt8], from: String) -> String {
        let address = Email.addrSpec(from)
        let domain = address.split(separator: "@").last.map(String.init) ?? "localhost"
        let id = Hex.encode(Array(SHA256.hash(csv).prefix(8)))
        return "<\(name).\(id)@\(domain)>"
    }

    /// Counts and wording shared by the e-mail and the SMS.
    struct Summary {
        var records: [LedgerRecord]
        var settings: Settings
        var numbers: Int
        var bySource: [(EventSource, Int)]

        init(records: [LedgerRecord], settings: Settings) {
            self.records = records
            self.settings = settings
            numbers = Set(records.map(\.number.value)).count
            bySource = EventSource.allCases.compactMap { source in
                let n = records.filter { $0.source == source }.count
                return n > 0 ? (source, n) : nil
            }
        }

        var when: String {
            let iso = records[0].recordedTime.iso8601
            return "\(iso.prefix(10)) \(iso.dropFirst(11).prefix(5)) UTC"
        }

        var countText: String {
            let optOuts = records.count == 1 ? "1 new opt-out" : "\(records.count) new opt-outs"
            return numbers == records.count ? optOuts : "\(optOuts) (\(numbers == 1 ? "1 number" : "\(numbers) numbers"))"
        }

        var sourcesText: String {
            bySource.map { source, n in
                switch source {
                case .reply: return "\(n) by reply"
                case .link: return "\(n) by link"
                case .import: return "\(n) imported"
                }
            }.joined(separator: ", ")
        }

        var subject: String {
            let who = settings.notificationSender.map { "\($0): " } ?? ""
            return "\(who)\(countText), \(when)"
        }

        func emailBody(reportName: String) -> String {
            var lines = ["\(countText) recorded by optout on \(when): \(sourcesText).", ""]
            lines.append("They are already in the suppression list: no list or campaign will text them again.")
            lines.append("")
            let shown = records.prefix(50)
            for r in shown {
                lines.append("  \(r.eventTime.iso8601)  \(r.number.e164)  \(UnsubscriptionReport.sourceName(r.source))  \(r.rule)")
            }
            if records.count > shown.count { lines.append("  ... and \(records.count - shown.count) more") }
            lines.append("")
            lines.append("The attached \(reportName) holds the evidence for each: time, number, source,")
            lines.append("the rule that decided it, the raw text, and the input file and line.")
            return lines.joined(separator: "\n") + "\n"
        }

        /// One GSM-7 segment: the details are dropped if they would not fit. No server path: it
        /// means nothing on a phone (the report's name is in the e-mail and in `optout status`).
        func sms(reportName: String) -> String {
            let who = settings.notificationSender ?? "optout"
            let short = "\(who): \(countText) on \(when) (\(sourcesText))."
            if Segments.count(short).segments == 1 { return short }
            return "optout: \(countText) on \(when)."
        }
    }
}
