// Input readers: one shape for every opt-out input and decision file (Miller's record-reader interface: each reader
// turns one file into the same contents; Postfix's verdict per file: one outcome per dropped
// file, acted on in one place — ConsumeInputs).
// Input: a file's path, its name for people, its content key (SHA-256 hex; the evidence carries
// its first 16 digits as the input hash). Output:
// `OptOutContents` (events, review items, row problems, unreadable rows, counts). Failures: an
// `InputError` when the file cannot be used at all (the caller's verdict: rejected, or left in
// place when it must not move).

import OptoutBase

/// What one opt-out input yielded (STOP log, suppression import, opt-out page log).
package struct OptOutContents: Sendable {
    package var events: [IncomingEvent] = []
    /// Rows a person must look at (ambiguous replies, unreadable senders, held opt-ins...).
    package var reviews: [ReviewItem] = []
    package var rowProblems: [Diagnostic] = []
    /// Rows that could not be read or used: the file was read in part (its other rows applied).
    package var unreadableRows: [UnreadableRow] = []
    /// Rows whose sender has no valid reading (review items; they count for exit 65).
    package var unreadableSenders = 0
    /// Rows read: messages of a STOP log, numbers of an import, lines of a page log, decisions used.
    package var rows = 0
    /// Decision files (inbox/reviews/): the review items they close.
    package var closings: [ReviewClosing] = []

    package init() {}

    /// The verdict for the file these came from, once read: processed, or processed with errors.
    package var verdict: InputVerdict { unreadableRows.isEmpty ? .processed : .processedWithErrors(unreadableRows) }
}

/// A reader of one kind of opt-out input.
package protocol OptOutInputReader {
    /// Reads one file whole (streamed where the format allows).
    func read(path: String, displayName: String, contentKey: String) throws(InputError) -> OptOutContents
}

extension OptOutInputReader {
    /// The input hash a file's evidence carries: the first 16 hex digits of its content key.
    package static func inputHash(_ contentKey: String) -> String { String(contentKey.prefix(16)) }
}

/// What happens to one dropped opt-out input (acted on by `ConsumeInputs.act`).
package enum InputVerdict: Sendable, Equatable {
    /// Every row used: moved to processed/ once the ledger is synced.
    case processed
    /// Read in part: moved with <file>.error.txt naming these rows; holds campaigns this run.
    case processedWithErrors([UnreadableRow])
    /// Not usable at all: moved to rejected/ with <file>.error.txt (or left in place, see below).
    case rejected([String])
    /// Still being written (or changed while read): left for the next run; holds campaigns.
    case waiting(String)
}
