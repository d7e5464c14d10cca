// Unsubscription report and notifications: after a run that recorded new opt-outs,
//   outbox/reports/unsubscriptions-<time>.csv      time,number,source,rule,raw text,file,line
//       (for people: UTF-8 with BOM, CRLF, formula guard — "+447911123456" is written
//       '+447911123456 so a spreadsheet keeps it as text instead of showing 4.47911E+11; a raw
//       text that is only digits, such as an imported "07911123456", is guarded the same way);
//   outbox/reports/unsubscriptions-<time>.xlsx     the same rows as a workbook (PeopleWorkbookTwin)
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
    /// Confirmations left out: recorded more than 5 minutes after the opt-out (ConfirmationTiming).
    package var lateConfirmations: [String] = []
}

package enum UnsubscriptionReport {
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

    /// Writes every output for `records` (applied opt-outs, in ledger order).
    package static func write(_ records: [LedgerRecord], settings: Settings, workspace ws: Workspace,
                             state: SuppressionState) throws(OptoutError) -> UnsubscriptionOutputs {
        precondition(!records.isEmpty)
        let csvBytes = UnsubscriptionReportText.csv(records)
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
        let workbook = try PeopleWorkbookTwin.write(csvPath: reportPath, modified: records[0].recordedTime, sheetName: "unsubscriptions")
        out.files.append(ws.display(workbook.path))
        let summary = UnsubscriptionReportText.Summary(records: records, settings: settings)

        let recipients = settings.unsubscriptionReports
        if !recipients.email.isEmpty {
            let eml = try Email.message(from: settings.emailFrom, to: recipients.email, date: records[0].recordedTime,
                                    subject: summary.subject, messageID: UnsubscriptionReportText.messageID(name: name, csv: csvBytes, from: settings.emailFrom),
                                    body: summary.emailBody(reportName: "\(name).csv"),
                                    attachmentName: "\(name).csv", attachmentType: "text/csv", attachment: csvBytes)
            let path = "\(ws.notificationsFolder)/\(name).eml"
            try Durable.writeFile(path, eml)
            out.files.append(ws.display(path))
        }
        if !recipients.sms.isEmpty {
            let text = summary.sms(reportName: "\(name).csv")
            let path = "\(ws.notificationsFolder)/\(name)-sms.csv"
            try Durable.writeFile(path, UnsubscriptionReportText.sendFile(recipients.sms.map { ($0, text) }))
            out.files.append(ws.display(path))
        }
        if settings.confirmationReplies {
            var seen = Set<UInt64>()
            var rows: [(String, String)] = []
            let text = UnsubscriptionReportText.confirmationText(sender: settings.notificationSender)
            let latest = ConfirmationTiming.latest(records)   // issue 17 item 3
            for r in records where r.source != .import && state.isOptedOut(r.number) && seen.insert(r.number.value).inserted {
                // Issue 17 item 3: more than 5 minutes after the opt-out, no confirmation (ConfirmationTiming).
                if let last = latest[r.number.value], ConfirmationTiming.isLate(last) { out.lateConfirmations.append(ConfirmationTiming.line(last)); continue }
                rows.append((r.number.e164, text))
            }
            if !rows.isEmpty {
                let path = "\(ws.sendFolder)/unsubscribe-confirmations-\(name.dropFirst("unsubscriptions-".count)).csv"
                try Durable.writeFile(path, UnsubscriptionReportText.sendFile(rows))
                out.files.append(ws.display(path))
            }
        }
        return out
    }
}
