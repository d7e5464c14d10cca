// Opt-out rows: what STOP logs and suppression imports share once a row is read.
// Input: each row's sender cell, classified kind and rule, time cell, text and detail, as the
// reader finds them. Output (`finish`, after the whole file, since the file's date order is found
// from all its dates): ledger events, review items, unreadable rows and warnings.
// Rules: a sender is read every way SenderReadings knows; an opt-out (or help/other message) is
// recorded for every reading; an opt-in only with exactly one reading and a trustworthy time
// (EventTimes), otherwise it becomes a held-opt-in review item and the opt-out stays; a sender
// with no reading is a review item, an error for people and counts for exit 65 (it does not make
// the file "read in part": the row was read, a person decides). Events carry the time as
// written, so the ledger's identity never holds a clamped or substituted time. No failures.

import OptoutPhone
import OptoutBase
import Foundation

struct OptOutRows {
    let source: EventSource
    let file: String
    let inputHash: String
    let now: Timestamp
    let zone: TimeZone
    let order: Timestamp.DateOrder
    let senders: SenderReadings

    private var pending: [Pending] = []
    private(set) var evidence = DateOrderEvidence()
    /// Set when the file's date evidence was gathered beforehand (a streamed import): rows can
    /// then be turned into events in batches (`takeBatch`) instead of all at the end.
    private var evidenceFixed = false
    /// Rows the reader could not read (added by the reader).
    var unreadable: [UnreadableRow] = []

    private struct Pending {
        var line: Int
        /// The spreadsheet's row when it differs from the line (SpreadsheetRow), else nil.
        var row: Int?
        var sender: String
        var readings: Result<[PhoneNumber], PhoneRejection>
        var kind: EventKind
        var rule: String
        var timeText: String
        var time: TimeReading
        var text: String
        var detail: String
        /// The classifier could not decide (a keyword mentioned, a negated request...): review.
        var needsReview: Bool
        /// Why an opt-in of this row is held whatever its time (a headerless log's unknown sender).
        var holdOptIn: String?
    }

    init(source: EventSource, file: String, inputHash: String, now: Timestamp, settings: Settings) {
        self.source = source
        self.file = file
        self.inputHash = inputHash
        self.now = now
        zone = settings.timezone
        order = settings.dateOrder
        senders = SenderReadings(defaultCountry: settings.defaultCountry)
    }

    /// Rows whose file's dates were all read beforehand (`evidence`): see `takeBatch`.
    init(source: EventSource, file: String, inputHash: String, now: Timestamp, settings: Settings, evidence: DateOrderEvidence) {
        self.init(source: source, file: file, inputHash: inputHash, now: now, settings: settings)
        self.evidence = evidence
        evidenceFixed = true
    }

    /// `text` without surrounding whitespace (Foundation's `.whitespaces`), with a fast path for
    /// the usual cell that starts and ends with a visible ASCII character (no Foundation call).
    static func trimmed(_ text: String) -> String {
        let utf8 = text.utf8
        guard let first = utf8.first, let last = utf8.last else { return text }
        if first > 0x20 && first < 0x7F && last > 0x20 && last < 0x7F { return text }
        return text.trimmingCharacters(in: .whitespaces)
    }

    /// Rows read so far (not counting unreadable ones).
    var count: Int { pending.count }

    /// - Parameter row: the row a spreadsheet shows (CSVReader.row); kept only when it differs from `line`.
    mutating func add(line: Int, row: Int? = nil, sender: String, kind: EventKind, rule: String, time: String?, text: String, detail: String = "",
                      needsReview: Bool = false, holdOptIn: String? = nil) {
        let timeText = time.map(OptOutRows.trimmed) ?? ""
        let reading = Timestamp.reading(timeText, zone: zone)
        if !evidenceFixed { evidence.add(reading) }
        pending.append(Pending(line: line, row: SpreadsheetRow.distinct(row, line: line), sender: sender, readings: senders.readings(sender), kind: kind, rule: rule,
                               timeText: timeText, time: reading, text: text, detail: detail,
                               needsReview: needsReview, holdOptIn: holdOptIn))
    }

    struct Output {
        var events: [IncomingEvent] = []
        var reviews: [ReviewItem] = []
        var unreadable: [UnreadableRow] = []
        /// Rows whose sender has no valid reading (each also a review item).
        var unreadableSenders: [UnreadableRow] = []
        var problems: [Diagnostic] = []
        /// Rows whose sender has a reading (recorded or held): 0 with unreadable rows rejects the file.
        var readable = 0
    }

    func finish() -> Output {
        var out = convert(pending)
        out.unreadable = unreadable
        out.unreadable.sort { $0.line < $1.line }
        return out
    }

    /// The rows added since the last batch as events (only with the evidence fixed beforehand);
    /// unreadable rows stay for `finish`.
    mutating func takeBatch() -> Output {
        precondition(evidenceFixed, "the file's date order is known only after all its dates")
        let out = convert(pending)
        pending.removeAll(keepingCapacity: true)
        return out
    }

    private func convert(_ rows: [Pending]) -> Output {
        var out = Output()
        for row in rows {
            let location = SpreadsheetRow.location(file: file, line: row.line, row: row.row)
            let when = EventTimes.resolve(row.time, raw: row.timeText, kind: row.kind, evidence: evidence, order: order, now: now)
            var rule = row.rule
            if let note = when.note { rule += "; \(note)" }
            let ownTime: Timestamp? = { if case .missing = row.time { return nil }; if case .unreadable = row.time { return nil }; return when.time }()
            let numbers: [PhoneNumber]
            switch row.readings {
            case .success(let found): numbers = found
            case .failure(let rejection):
                let reason = "\(source == .import ? "number" : "sender") \"\(row.sender)\" is not a phone number read \(senders.tried): \(rejection.reason)"
                out.unreadableSenders.append(UnreadableRow(line: row.line, row: row.row, reason: reason))
                out.problems.append(Diagnostic(.error, location, "\(reason); \(row.kind == .optOut ? "not applied, " : "")sent to review"))
                out.reviews.append(ReviewItem(kind: .unreadableSender, number: row.sender, eventTime: ownTime, file: file, line: row.line,
                                              inputHash: inputHash, rawText: row.text,
                                              choice: row.kind == .optOut ? "not applied: no number to apply it to" : "nothing recorded",
                                              rule: "\(rule); \(reason)", row: row.row))
                continue
            }
            out.readable += 1
            if numbers.count > 1 {
                rule += "; sender \"\(row.sender)\" reads as \(numbers.map(\.e164).joined(separator: " and "))"
                rule += row.kind == .optIn ? "" : ": recorded for each"
            }
            if when.problem != nil, row.kind == .optOut || row.kind == .optIn, let problem = when.problem {
                out.problems.append(Diagnostic(.warning, location, problem))
            }
            if row.kind == .optIn && (numbers.count > 1 || !when.trusted || row.holdOptIn != nil) {
                var why: [String] = []
                if row.holdOptIn != nil { why.append("the sender is not known") }
                if numbers.count > 1 { why.append("the sender has \(numbers.count) readings") }
                if !when.trusted { why.append("its time is not trustworthy") }
                let held = "opt-in held for review: \(why.joined(separator: " and "))"
                for number in numbers {
                    out.reviews.append(ReviewItem(kind: .heldOptIn, number: number.e164, eventTime: ownTime, file: file, line: row.line,
                                                  inputHash: inputHash, rawText: row.text, choice: "not applied; the opt-out stays",
                                                  rule: "\(rule); \(held)", row: row.row))
                }
                out.problems.append(Diagnostic(.warning, location, "\(held); not applied (a person decides in the review report)"))
                continue
            }
            if row.needsReview {
                for number in numbers {
                    out.reviews.append(ReviewItem(kind: .ambiguousReply, number: number.e164, eventTime: ownTime, file: file, line: row.line,
                                                  inputHash: inputHash, rawText: row.text,
                                                  choice: row.kind == .optOut ? "opted out" : "recorded as \(row.kind.rawValue); not opted out",
                                                  rule: rule, row: row.row))
                }
            }
            for number in numbers {
                var event = IncomingEvent(kind: row.kind, number: number, time: when.time, source: source, rule: rule,
                                          file: file, line: row.line, inputHash: inputHash, text: row.text, detail: row.detail)
                event.timeText = row.timeText
                event.timeTrusted = when.trusted
                event.row = row.row
                out.events.append(event)
            }
        }
        return out
    }
}

extension OptOutRows.Output {
    /// No row gave anything to apply or review, and some could not be used: the file is rejected.
    var nothingReadable: InputError? {
        guard readable == 0, !unreadable.isEmpty || !unreadableSenders.isEmpty else { return nil }
        return PartialInput.nothingReadable((unreadable + unreadableSenders).sorted { $0.line < $1.line })
    }
}
