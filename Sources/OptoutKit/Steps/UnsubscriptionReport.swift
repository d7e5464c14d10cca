// Unsubscription report and notifications: after a run that recorded new opt-outs,
//   outbox/reports/unsubscriptions-<time>.csv      time,number,source,rule,raw text,file,line
//       (for people: UTF-8 with BOM, CRLF, formula guard — "+447911123456" is written
//       '+447911123456 so a spreadsheet keeps it as text instead of showing 4.47911E+11; a raw
//       text that is only digits, such as an imported "07911123456", is guarded the same way);
//   outbox/notifications/unsubscriptions-<time>.eml      per settings unsubscription_reports.email
//   outbox/notifications/unsubscriptions-<time>-sms.csv  per unsubscription_reports.sms
//       (phone,message,segments,encoding; one single-segment summary per number);
//   outbox/send/unsubscribe-confirmations-<time>.csv     when settings confirmation_replies is true
//       (one plain confirmation per number newly opted out by a reply or a link; never imports;
//       none for a number whose last opt-out here was recorded more than 5 minutes after it was
//       made: ConfirmationTiming, issue 17 item 3, listed in `lateConfirmations`);
//   outbox/reports/unsubscriptions-<time>.xlsx     the same rows as a workbook (PeopleWorkbookTwin)
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
    /// Confirmations left out: more than 5 minutes after the opt-out (ConfirmationTiming, issue 17).
    package var lateConfirmations: [String] = []
}

package enum UnsubscriptionReport {
    /// Writes the report and notifications for opt-outs not yet reported, then moves the watermark.
    /// Returns nil when there was nothing to report. The records are streamed from the ledger one
    /// at a time (a million imported opt-outs are never held in memory, issue 13).
    package static func writePending(ledger: Ledger, journal: Journal, settings: Settings,
                                    workspace ws: Workspace) throws(OptoutError) -> UnsubscriptionOutputs? {
        let watermark = journal.reportWatermark
        guard ledger.lastAppliedOptOutSeq > watermark else {
            try journal.setReportWatermark(ledger.lastSeq)
            return nil
        }
        var report = Writer(settings: settings, workspace: ws, state: ledger.state)
        // Issue 13: each row is rendered on the ledger scan's worker threads (the same bytes).
        let writer = CSVWriter(audience: .people)
        try Ledger.forEachAppliedOptOut(path: ledger.path, after: watermark, render: { payload, facts, out in
            UnsubscriptionReportText.appendRow(payload: payload, source: facts.source, writer: writer, to: &out)
        }) { payload, facts, row throws(OptoutError) in
            try report.add(payload: payload, facts: facts, rendered: row)
        }
        let outputs = try report.finish()
        try journal.setReportWatermark(ledger.lastSeq)
        return outputs
    }

    /// Writes every output for `records` (applied opt-outs, in ledger order).
    package static func write(_ records: [LedgerRecord], settings: Settings, workspace ws: Workspace,
                             state: SuppressionState) throws(OptoutError) -> UnsubscriptionOutputs {
        precondition(!records.isEmpty)
        var report = Writer(settings: settings, workspace: ws, state: state)
        for record in records { try report.add(record) }
        return try report.finish()!
    }

    /// The outputs built one record at a time: the CSV streamed to its file, the summary counted.
    struct Writer {
        let settings: Settings
        let ws: Workspace
        let state: SuppressionState
        private var file: AtomicFile?
        private var name = ""
        private var first: LedgerRecord?
        /// The CSV's SHA-256, kept only when needed: another file by that name exists, or an e-mail.
        private var digest: SHA256?
        private var existingDigest: [UInt8]?
        private var summary: UnsubscriptionReportText.Summary
        /// Distinct numbers (for the e-mail and SMS wording only: not kept without them).
        private var numbers: IdentitySet?
        private var confirmed = IdentitySet()
        /// Numbers to confirm, in order of first appearance, with their last opt-out here (the one
        /// a confirmation answers: late or not, ConfirmationTiming).
        private var confirmOrder: [UInt64] = []
        private var lastOptOut: [UInt64: LedgerRecord] = [:]
        private let writer = CSVWriter(audience: .people)
        private var row: [UInt8] = []
        /// The twin's layout, measured from the rows as they are written (on another thread).
        private var measure: PeopleWorkbookTwin.RowMeasure?

        init(settings: Settings, workspace: Workspace, state: SuppressionState) {
            (self.settings, ws, self.state) = (settings, workspace, state)
            summary = UnsubscriptionReportText.Summary(settings: settings)
            let recipients = settings.unsubscriptionReports
            if !recipients.email.isEmpty || !recipients.sms.isEmpty { numbers = IdentitySet() }
        }

        mutating func add(_ r: LedgerRecord) throws(OptoutError) {
            let payload = r.payload()
            let failure: OptoutError? = payload.withUnsafeBufferPointer { p in
                guard let facts = LedgerRecord.Replay(p, identity: false) else { return .internalError("unreadable record \(r.seq)") }
                do throws(OptoutError) { try add(payload: p, facts: facts) } catch { return error }
                return nil
            }
            if let failure { throw failure }
        }

        /// One applied opt-out, its row written from the record's bytes (no String per field).
        /// With `rendered`, the row as `UnsubscriptionReportText.appendRow` writes it, made beforehand.
        mutating func add(payload: UnsafeBufferPointer<UInt8>, facts: LedgerRecord.Replay,
                          rendered: UnsafeBufferPointer<UInt8>? = nil) throws(OptoutError) {
            if first == nil || summary.shown.count < 50 {
                guard let record = LedgerRecord.decode(payload) else { throw .internalError("\(ws.ledgerFile): unreadable record \(facts.seq)") }
                if first == nil { try begin(record) }
                summary.add(record, newNumber: numbers?.insert(facts.number.value) ?? true)
            } else {
                summary.add(facts.source, newNumber: numbers?.insert(facts.number.value) ?? true)
            }
            row.removeAll(keepingCapacity: true)
            if let rendered { row.append(contentsOf: rendered) } else {
                UnsubscriptionReportText.appendRow(payload: payload, source: facts.source, writer: writer, to: &row)
            }
            digest?.update(row)
            try file!.write(row)
            try measure?.add(row)
            if settings.confirmationReplies, facts.source != .import, state.isOptedOut(facts.number) {
                if confirmed.insert(facts.number.value) { confirmOrder.append(facts.number.value) }
                if let record = LedgerRecord.decode(payload) { lastOptOut[facts.number.value] = record }
            }
        }

        private mutating func begin(_ r: LedgerRecord) throws(OptoutError) {
            first = r
            name = "unsubscriptions-\(r.recordedTime.compact)"
            // Another run in the same second with other opt-outs: tell the files apart by the first seq
            // (decided at the end, by comparing digests: the same bytes are the same report).
            let existing = "\(ws.reportsFolder)/\(name).csv"
            if Durable.exists(existing) {
                var h = SHA256()
                try Durable.readChunks(existing) { h.update($0) }
                existingDigest = h.finalize()
            }
            if existingDigest != nil || !settings.unsubscriptionReports.email.isEmpty { digest = SHA256() }
            let file = try AtomicFile(path: existing)
            let head = UnsubscriptionReportText.csvHead()
            digest?.update(head)
            try file.write(head)
            self.file = file
            measure = PeopleWorkbookTwin.RowMeasure(headers: UnsubscriptionReportText.header)
        }

        mutating func finish() throws(OptoutError) -> UnsubscriptionOutputs? {
            guard let first, let file else { return nil }
            let csvDigest = digest?.finalize()
            if let existingDigest, existingDigest != csvDigest { name += "-\(first.seq)" }
            var out = UnsubscriptionOutputs(optOuts: summary.count)
            let reportPath = "\(ws.reportsFolder)/\(name).csv"
            try file.commit(as: reportPath)
            out.files.append(ws.display(reportPath))
            let workbook = try PeopleWorkbookTwin.write(csvPath: reportPath, modified: first.recordedTime, sheetName: "unsubscriptions",
                                                        measured: try measure?.layout())
            out.files.append(ws.display(workbook.path))
            let recipients = settings.unsubscriptionReports
            if !recipients.email.isEmpty {
                // The attachment is the report as written (read back: it is as large as the report).
                let csvBytes = try Durable.readFile(reportPath)
                let eml = try Email.message(from: settings.emailFrom, to: recipients.email, date: first.recordedTime,
                                            subject: summary.subject,
                                            messageID: UnsubscriptionReportText.messageID(name: name, digest: csvDigest ?? SHA256.hash(csvBytes), from: settings.emailFrom),
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
            var confirmations: [(String, String)] = []
            let text = UnsubscriptionReportText.confirmationText(sender: settings.notificationSender)
            for value in confirmOrder {
                guard let last = lastOptOut[value] else { continue }
                // Issue 17 item 3: more than 5 minutes after the opt-out, no confirmation.
                if ConfirmationTiming.isLate(last) { out.lateConfirmations.append(ConfirmationTiming.line(last)); continue }
                confirmations.append((last.number.e164, text))
            }
            if !confirmations.isEmpty {
                let path = "\(ws.sendFolder)/unsubscribe-confirmations-\(name.dropFirst("unsubscriptions-".count)).csv"
                try Durable.writeFile(path, UnsubscriptionReportText.sendFile(confirmations))
                out.files.append(ws.display(path))
            }
            return out
        }
    }
}
