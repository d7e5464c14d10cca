// Review items: what optout could not decide alone and a person must look at.
// Input: readers and steps that meet an ambiguous reply, an unreadable sender, an opt-in without a
// trustworthy time or with several readings, a bot-flagged confirmation, a damaged ledger record.
// Output: `ReviewItem` values. They are made durable with the ledger events of the same run
// (.optout/reviews.tsv) and published in outbox/reports/review-<time>.csv under a watermark; an
// item stays open until a decision row (apply / dismiss) is dropped into inbox/reviews/.

import OptoutBase

/// Why an item needs a person.
package enum ReviewKind: String, Sendable, CaseIterable {
    /// A message that mentions an opt-out keyword but is not an unmistakable request.
    case ambiguousReply = "ambiguous-reply"
    /// A sender with no valid reading as a phone number.
    case unreadableSender = "unreadable-sender"
    /// An opt-in that was not applied: its time is not trustworthy, or its sender has several
    /// valid readings. `apply` applies it.
    case heldOptIn = "held-opt-in"
    /// A confirmation from a known link preview or scanner (held, not applied). `apply` applies it.
    case botConfirmation = "bot-confirmation"
    /// A scripted confirmation (curl, an empty user agent): applied, and flagged.
    case scriptedConfirmation = "scripted-confirmation"
    /// A ledger record that is damaged (not a torn final record).
    case damagedLedgerRecord = "damaged-ledger-record"
    /// A log whose sender could be either of two phone columns: applied to both, flagged.
    case ambiguousColumns = "ambiguous-columns"
}

/// One item for a person, with its evidence.
package struct ReviewItem: Sendable, Equatable {
    package var kind: ReviewKind
    /// The number: E.164 when it has a valid reading, else as written.
    package var number: String
    /// The event's time when there is one (an opt-in applied on `apply` takes it).
    package var eventTime: Timestamp?
    /// Workspace-relative file and physical line of the evidence (line 0: none).
    package var file: String
    package var line: Int
    /// Identity of the input's bytes (the ledger's input hash), so a re-read adds nothing.
    package var inputHash: String
    package var rawText: String
    /// What optout did meanwhile, e.g. "opted out", "not applied; the opt-out stays".
    package var choice: String
    /// The rule that sent it here.
    package var rule: String
    /// Issue 14 item 5 hook (helper C): the spreadsheet's row when it differs from `line`
    /// (SpreadsheetRow); kept in the review log after the item's fields, not in its id.
    package var row: Int?

    package init(kind: ReviewKind, number: String, eventTime: Timestamp? = nil, file: String, line: Int,
                inputHash: String = "", rawText: String, choice: String, rule: String, row: Int? = nil) {
        self.kind = kind; self.number = number; self.eventTime = eventTime; self.file = file
        self.line = line; self.inputHash = inputHash; self.rawText = rawText; self.choice = choice
        self.rule = rule; self.row = SpreadsheetRow.distinct(row, line: line)
    }
}
