// Review report and decisions: review items reach a person, and a person's decisions come back.
// Input: the run's review items (from the readers, and damaged ledger records), the review log
// (.optout/reviews.tsv), decision files in inbox/reviews/. Output:
//   - outbox/reports/review-<time>.csv (for people: UTF-8 with BOM, CRLF, formula guard), columns
//       found_at,kind,number,file,line,raw_text,choice,rule,id,decision
//     and its twin review-<time>.xlsx (PeopleWorkbookTwin), holding the items that no report covered yet (the journal's `reviews` watermark). <time> is
//     when the first of them was found, so a run redone after a crash (log written, watermark
//     not) writes the same file with the same bytes, once; the watermark moves last.
//   - from each decision file (a CSV with the report's `id` column and a `decision` column of
//     `apply` or `dismiss`; any other columns allowed; an empty decision leaves the item open):
//     closings for the review log, and events for the ledger: `apply` on a held opt-in applies it,
//     `apply` on a bot-held confirmation opts the number out (evidence: the decision file and
//     line). On any other kind both decisions only close the item (an opt-out is never undone).
//   - one line for a person, always printed: new items opened, and on the first run of each day
//     the items open for more than 7 days.
// Failures: `OptoutError` when a file cannot be written; a decision file that cannot be used at
// all is rejected (rejected/ + .error.txt); a row naming an unknown item is a row error (the file
// goes to processed/ with <file>.error.txt listing such rows, and the run exits 65).

import OptoutPhone
import OptoutBase
import Foundation

package enum ReviewReport {
    /// Writes the report of the items no report covers yet, then moves the watermark.
    /// - Returns: the report's path (workspace-relative) and how many items it holds; nil when none.
    package static func writePending(log: ReviewLog, journal: Journal, workspace ws: Workspace) throws(OptoutError) -> (path: String, items: Int)? {
        let pending = log.items(after: journal.reviewWatermark)
        guard let first = pending.first else { return nil }
        let bytes = ReviewReportText.csv(pending)
        var name = "review-\(first.foundAt.compact)"
        let existing = "\(ws.reportsFolder)/\(name).csv"
        // The same name when the file there holds these items (a redo after a crash, perhaps with
        // items found since appended); another run's report in the same second: the first seq too.
        if Durable.exists(existing), let there = try? Durable.readFile(existing), !bytes.starts(with: there) { name += "-\(first.seq)" }
        let path = "\(ws.reportsFolder)/\(name).csv"
        try Durable.writeFile(path, bytes)
        try PeopleWorkbookTwin.write(csvPath: path, modified: first.foundAt, sheetName: "review")
        CrashPoints.step("review report: written, watermark not moved")
        try journal.setReviewWatermark(log.items.count)
        return (ws.display(path), pending.count)
    }

    /// A damaged ledger record as a review item (the number, when its field can still be read).
    static func item(forDamaged record: RecordFile.DamagedRecord, ledgerDisplay: String) -> ReviewItem {
        let payload = record.bytes.count > 9 && record.bytes[8] == 0x09 ? Array(record.bytes[9...]) : record.bytes
        let fields = payload.split(separator: 0x09, omittingEmptySubsequences: false)
        var number = ""
        if fields.count > 4, let e164 = String(validating: fields[4], as: UTF8.self), PhoneNumber(e164: e164) != nil { number = e164 }
        let text = String(decoding: record.bytes, as: UTF8.self).replacingOccurrences(of: "\t", with: " | ")
        return ReviewItem(kind: .damagedLedgerRecord, number: number, file: ledgerDisplay, line: record.line,
                          inputHash: Hex.encode(Array(SHA256.hash(record.bytes).prefix(8))), rawText: String(text.prefix(300)),
                          choice: "not replayed; each run exits 74 until a person decides this row",
                          rule: "record \(record.line) at byte offset \(record.offset) fails its checksum and is not the final record (a crash leaves only that): restore the ledger from backup, or drop the input again")
    }
}

/// What this run's review step did.
package struct ReviewOutcome: Sendable {
    package var opened = 0
    package var report: String?
    /// Lines a person sees even under cron.
    package var notices: [String] = []
    package var diagnostics: [Diagnostic] = []
    /// Damaged ledger records whose review item is still open (exit 74).
    package var damagedOpen = 0
    package var openItems = 0
}

package enum ReviewStep {
    /// Records the run's review items and closings (fsynced), then writes the review report.
    /// Called right after the ledger write, before anything else depends on either.
    package static func afterLedger(log: ReviewLog, items: [ReviewItem], decisions: ReviewDecisions, ledger: Ledger,
                                   journal: Journal, settings: Settings, workspace ws: Workspace, now: Timestamp,
                                   lastRunFinished: Timestamp?) throws(OptoutError) -> ReviewOutcome {
        var out = ReviewOutcome()
        let ledgerDisplay = ws.display(ledger.path)
        var all = items
        let damagedItems = ledger.damagedRecords.map { ReviewReport.item(forDamaged: $0, ledgerDisplay: ledgerDisplay) }
        all.append(contentsOf: damagedItems)
        let added = try log.record(all, closing: decisions.closings, at: now)
        out.opened = added.count
        if let written = try ReviewReport.writePending(log: log, journal: journal, workspace: ws) {
            out.report = written.path
            if out.opened > 0 {
                out.notices.append("\(out.opened) new review item\(out.opened == 1 ? "" : "s"): \(written.path) (write apply or dismiss in the decision column of each row and drop the file into inbox/reviews/)")
            } else {
                out.notices.append("review items waiting for a person: \(written.path)")
            }
        }
        for (record, item) in zip(ledger.damagedRecords, damagedItems) {
            guard let stored = log.item(id: ReviewLog.id(of: item)), stored.decision == nil else { continue }
            out.damagedOpen += 1
            out.diagnostics.append(Diagnostic(.error, SourceLocation(file: ledgerDisplay, line: record.line),
                "damaged ledger record (byte offset \(record.offset), checksum mismatch; not a torn final record): not replayed, so the opt-out it may hold does not count; restore \(ledgerDisplay) from backup or drop the input again, then decide its row (id \(stored.id)) in the review report"))
        }
        let open = log.open
        out.openItems = open.count
        // First run of the day (in the settings' time zone) while an item is older than 7 days.
        let old = open.filter { now.seconds - $0.foundAt.seconds > 7 * 86400 }
        if let oldest = old.first, lastRunFinished.map({ day($0, settings) != day(now, settings) }) ?? true {
            out.notices.append("\(old.count) review item\(old.count == 1 ? "" : "s") open for more than 7 days (the oldest found \(oldest.foundAt.iso8601.prefix(10)), \(oldest.item.file)\(oldest.item.line > 0 ? ":\(oldest.item.line)" : "")): decide them (apply or dismiss) in their review report rows and drop those into inbox/reviews/")
        }
        out.diagnostics.append(contentsOf: decisions.diagnostics)
        return out
    }

    static func day(_ time: Timestamp, _ settings: Settings) -> Int64 {
        let offset = Int64(settings.timezone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(time.seconds))))
        return (time.seconds + offset).quotientAndRemainder(dividingBy: 86400).quotient
    }
}

/// Decision files read this run (inbox/reviews/).
package struct ReviewDecisions: Sendable {
    package var events: [IncomingEvent] = []
    package var closings: [ReviewClosing] = []
    package var diagnostics: [Diagnostic] = []
    /// Rows that named no known item or an unknown decision (exit 65).
    package var rowErrors = 0
    /// Decision files rejected while read (said at once, in the order read).
    package var log = StepLog()
    /// The verdict on each decision file read, acted on by ConsumeInputs once the ledger and the
    /// review log are synced (processed, or processed with the rows that could not be used).
    var verdicts: [(file: DroppedFile, verdict: InputVerdict)] = []

    package init() {}

    /// Reads every decision file; a file with no usable row is rejected at once (nothing from it is used).
    package static func read(_ dropped: [DroppedFile], state: RunState) throws(OptoutError) -> ReviewDecisions {
        var out = ReviewDecisions()
        let ws = state.workspace
        let reader = ReviewDecisionReader(log: state.reviewLog, modified: Dictionary(dropped.map { ($0.path, $0.modified) }) { a, _ in a })
        for file in dropped {
            let display = ws.display(file.path)
            let contents: OptOutContents
            do { contents = try reader.read(path: file.path, displayName: display, contentKey: "") } catch {
                if let failure = reader.failure { throw failure }
                try ConsumeInputs.act(file, kind: .reviews, verdict: .rejected([error.description]), state: state, log: &out.log)
                continue
            }
            if contents.rows == 0 && !contents.unreadableRows.isEmpty {
                try ConsumeInputs.act(file, kind: .reviews, verdict: .rejected(contents.unreadableRows.map(\.description)), state: state, log: &out.log)
                continue
            }
            out.events.append(contentsOf: contents.events)
            out.closings.append(contentsOf: contents.closings)
            out.rowErrors += contents.unreadableRows.count
            out.diagnostics.append(contentsOf: contents.rowProblems)
            out.verdicts.append((file, contents.verdict))
        }
        return out
    }

    /// Moves a decision file to processed/ (one with rows that could not be used gets
    /// <file>.error.txt beside it naming them).
    static func markProcessed(_ file: DroppedFile, errors: [UnreadableRow], workspace ws: Workspace) throws(OptoutError) {
        let folder = ws.processed(.reviews)
        if !errors.isEmpty {
            try Durable.makeDirectory(folder)
            let target = DropFolder.freePath(in: folder, name: file.name)
            var text = "optout used \(file.name) except these rows:\n"
            for e in errors { text += "  \(e)\n" }
            text += "\nFix those rows and drop them into inbox/reviews/ again; the other rows were applied.\n"
            try Durable.writeFile(target + ".error.txt", text)
        }
        try DropFolder.markProcessed(file, into: folder)
    }
}

/// Reads one decision file: a CSV with the review report's `id` column and a `decision` column of
/// `apply` or `dismiss` (other columns allowed; an empty decision leaves the item open). Its
/// contents: events for applied held opt-ins and bot-held confirmations, closings, the rows that
/// could not be used (`unreadableRows`), notes. Remembers the decisions of earlier files of the run.
final class ReviewDecisionReader: OptOutInputReader {
    let log: ReviewLog
    /// When each file was last modified (an applied item without a time of its own takes it).
    let modified: [String: Timestamp]
    private var decided: [String: String] = [:]

    init(log: ReviewLog, modified: [String: Timestamp]) {
        self.log = log
        self.modified = modified
    }

    /// Reads one decision file whole (its input hash is that of the bytes read; `contentKey` unused).
    /// A file that could not be read at all (I/O: the run stops, exit 74), not a rejection.
    private(set) var failure: OptoutError?

    func read(path: String, displayName: String, contentKey: String) throws(InputError) -> OptOutContents {
        failure = nil
        do { return try parse(path: path, display: displayName) } catch let error as InputError { throw error } catch {
            failure = (error as? OptoutError) ?? .internalError("\(displayName): \(error)")
            throw InputError(line: nil, reason: failure!.description)
        }
    }

    private func parse(path: String, display: String) throws -> OptOutContents {
        var p = OptOutContents()
        var errors: [UnreadableRow] = [], notes: [String] = []
        let bytes = try Durable.readFile(path, limit: Durable.wholeInputLimit)
        let inputHash = String(Hex.encode(SHA256.hash(bytes)).prefix(16))
        let reader: CSVReader
        do { reader = try CSVReader(bytes: bytes) } catch { throw InputError(error) }
        func next() throws -> Bool { do { return try reader.next() } catch { throw InputError(error) } }
        guard try next() else { throw InputError(line: nil, reason: "the file has no rows") }
        let headers = (0..<reader.fieldCount).map { reader.string($0) }
        guard let idColumn = ColumnNames.find(["id", "reviewid"], in: headers) else {
            throw InputError(line: reader.line, reason: "no id column: drop rows of an outbox/reports/review-*.csv report with its id column kept (found \(headers.joined(separator: ", ")))")
        }
        guard let decisionColumn = ColumnNames.find(["decision"], in: headers) else {
            throw InputError(line: reader.line, reason: "no decision column: add one with apply or dismiss in each row (found \(headers.joined(separator: ", ")))")
        }
        while try next() {
            if reader.fieldCount == 1 && reader.field(0).isEmpty { continue }
            let line = reader.line
            func value(_ i: Int) -> String { i < reader.fieldCount ? reader.string(i).trimmingCharacters(in: .whitespaces) : "" }
            var id = value(idColumn)
            if id.hasPrefix("'") { id.removeFirst() }
            let decision = value(decisionColumn).lowercased()
            if decision.isEmpty { notes.append("line \(line): no decision; item \(id) stays open"); continue }
            guard decision == "apply" || decision == "dismiss" else {
                errors.append(UnreadableRow(line: line, reason: "decision \"\(value(decisionColumn))\" is neither apply nor dismiss; item \(id) stays open"))
                continue
            }
            guard let stored = log.item(id: id) else {
                errors.append(UnreadableRow(line: line, reason: "no review item has the id \"\(id)\" (ids are in the id column of outbox/reports/review-*.csv)"))
                continue
            }
            if let earlier = stored.decision ?? decided[id] {
                notes.append("line \(line): item \(id) was already decided (\(earlier)); nothing done")
                p.rows += 1
                continue
            }
            let item = stored.item
            if decision == "apply" && (item.kind == .heldOptIn || item.kind == .botConfirmation) {
                guard let number = PhoneNumber(e164: item.number) else {
                    errors.append(UnreadableRow(line: line, reason: "item \(id) cannot be applied: \"\(item.number)\" is not one valid number; dismiss it and drop a corrected input"))
                    continue
                }
                let optIn = item.kind == .heldOptIn
                p.events.append(IncomingEvent(
                    kind: optIn ? .optIn : .optOut, number: number, time: item.eventTime ?? modified[path] ?? Timestamp(seconds: 0),
                    source: optIn ? .reply : .link,
                    rule: optIn ? "held opt-in applied by a person's review decision" : "confirmation held as a link preview or scanner, applied by a person's review decision",
                    file: display, line: line, inputHash: inputHash, text: item.rawText,
                    detail: "review=\(id); evidence=\(item.file):\(item.line)\(item.eventTime == nil ? "; time: the decision file's" : "")"))
            }
            p.closings.append(ReviewClosing(id: id, decision: decision, file: display, line: line))
            decided[id] = decision
            p.rows += 1
        }
        p.unreadableRows = errors
        p.rowProblems = errors.map { Diagnostic(.error, SourceLocation(file: display), $0.description) }
            + notes.map { Diagnostic(.note, SourceLocation(file: display), $0) }
        return p
    }
}
