// Unreadable rows of opt-out inputs (STOP logs, suppression imports): what could not be used,
// and the file read in part. Input: the rows a reader listed (line and reason) and the consumed
// file. Output: `<file>.error.txt` beside the file in processed/ (written before the move, so a
// crash cannot leave the file there without it), the diagnostics for people, and the cause that
// holds campaigns for that run (moving the file: `PartialInput.markProcessed` in
// Workspace/PartialInputClaim.swift). Failures: `OptoutError` from writing or moving.
// The rule: a file goes to rejected/ only when no row could be read; otherwise its
// readable rows are applied and the run exits 65 with campaigns held (75) in that run only.

import OptoutBase

/// A row of an opt-out input that could not be used.
package struct UnreadableRow: Sendable, Equatable, CustomStringConvertible {
    /// Physical line the row starts on.
    package var line: Int
    /// Issue 14 item 5 hook (helper C): the spreadsheet's row when it differs from `line` (SpreadsheetRow).
    package var row: Int?
    package var reason: String

    package init(line: Int, row: Int? = nil, reason: String) {
        self.line = line
        self.row = SpreadsheetRow.distinct(row, line: line)
        self.reason = reason
    }

    package var description: String { "\(SpreadsheetRow.text(line: line, row: row)): \(reason)" }
}

package enum PartialInput {
    /// Error lines shown on stderr per file; the rest are in the .error.txt.
    static let shownRows = 10

    /// The error a reader throws when no row of the file could be read (the file is rejected).
    package static func nothingReadable(_ rows: [UnreadableRow]) -> InputError {
        var reason = "no row could be read (\(rows.count) unreadable)"
        for row in rows.prefix(50) { reason += "\n    \(row)" }
        if rows.count > 50 { reason += "\n    ... and \(rows.count - 50) more" }
        return InputError(line: nil, reason: reason)
    }

    /// One error per unreadable row (the first few; then a count), for stderr even under cron.
    package static func diagnostics(file display: String, rows: [UnreadableRow]) -> [Diagnostic] {
        var out: [Diagnostic] = rows.prefix(shownRows).map {
            Diagnostic(.error, SpreadsheetRow.location(file: display, line: $0.line, row: $0.row), "row could not be read: \($0.reason); the other rows were applied")
        }
        if rows.count > shownRows {
            out.append(Diagnostic(.error, SourceLocation(file: display), "\(rows.count - shownRows) more rows could not be read (all listed in the .error.txt beside it in processed/)"))
        }
        return out
    }

    /// Why campaigns wait this run.
    package static func holdCause(file display: String, rows: Int, errorFile: String) -> String {
        "\(rows) row\(rows == 1 ? "" : "s") of \(display) could not be read (see \(errorFile)); campaigns wait for this run"
    }
}
