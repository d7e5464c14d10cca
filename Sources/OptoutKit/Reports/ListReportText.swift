// List report text: one pass over a contact list → outbox/reports/list-<name>.txt, for people.
// Input: what the pass found (`ListCheck`, filled by the list report's own pass or a campaign's),
// the list's format, its name and path, the time. Output: the report's text. Failures: none (pure).

import OptoutPhone
import OptoutBase
import Foundation

/// What one pass over a list found, row by row: the list report's content. Filled by the list
/// report's own pass, or by a campaign's pass over the same list in the same run (one pass less).
package struct ListCheck: Sendable {
    package var rows = 0
    package var valid = 0
    package var problems: [String] = []
    /// Rows by category, as counted (issue 13: four counters, no dictionary look-up per row).
    var blankRows = 0, invalidRows = 0, duplicateRows = 0, optedOutRows = 0
    /// False when the problems shown are known to be taken already (a campaign's later chunks,
    /// once the first 200 are in, ListCheck.append): only counted, no text made.
    var collectsProblems = true
    /// The 200 problems shown at most.
    static let problemsShown = 200

    package init() {}

    /// Rows by category ("blank row", "invalid number", "duplicate", "opted out"), those found.
    package var counts: [String: Int] {
        var out: [String: Int] = [:]
        for (category, count) in [("blank row", blankRows), ("invalid number", invalidRows), ("duplicate", duplicateRows), ("opted out", optedOutRows)]
        where count > 0 { out[category] = count }
        return out
    }

    // issue 13 hook (helper B): the texts are autoclosures, made only for the 200 problems shown.
    mutating func note(_ line: Int, _ text: @autoclosure () -> String) {
        if collectsProblems && problems.count < ListCheck.problemsShown { problems.append("  line \(line): \(text())") }
    }

    package mutating func blank(_ line: Int) { rows += 1; blankRows += 1; note(line, "blank row") }
    package mutating func invalid(_ line: Int, raw: @autoclosure () -> String, _ rejection: PhoneRejection) {  // issue 13 hook: autoclosure
        rows += 1
        invalidRows += 1
        note(line, "\"\(raw())\": \(rejection.reason)")
    }
    package mutating func duplicate(_ line: Int, _ number: PhoneNumber, of first: Int) {
        rows += 1
        duplicateRows += 1
        note(line, "\(number.e164) duplicate of line \(first)")
    }
    package mutating func optedOut(_ line: Int, _ number: PhoneNumber) { rows += 1; optedOutRows += 1; note(line, "\(number.e164) is opted out") }
    package mutating func textable() { rows += 1; valid += 1 }
}

package enum ListReportText {
    /// The report's text for the list `stem` (at `display`) checked at `now`.
    package static func render(stem: String, display: String, format: ListFormat, check: ListCheck, now: Timestamp) -> String {
        var text = "List \(stem) (\(display))\n\n"
        text += "Checked:       \(now.iso8601)\n"
        if format.encoding == ListFormat.workbook {  // a workbook sheet: no encoding or delimiter to show (issue 14)
            text += "Format:        workbook sheet, \(format.hasHeader ? "header row" : "no header row") (lines are the spreadsheet's rows)\n"
        } else {
            text += "Format:        \(format.encoding), delimiter \(format.delimiterText), \(format.hasHeader ? "header row" : "no header row")\n"
        }
        text += "Phone column:  \"\(format.phoneColumnName)\"\n"
        if let country = format.countryColumn {
            text += "Country column: \"\(country)\" (each row's national number is read for its country; an empty cell: default_country)\n"
        } else if let note = format.countryNote {
            text += "Country column: none: \(note)\n"
        }
        text += "Merge fields:  \(format.columns.enumerated().filter { $0.offset != format.phoneColumn }.map { "{\($0.element)}" }.joined(separator: " "))\n"
        text += "Rows:          \(check.rows)\n"
        text += "Textable:      \(check.valid)\n"
        for (category, count) in check.counts.sorted(by: { $0.key < $1.key }) {
            text += "\(category):".padding(toLength: 16, withPad: " ", startingAt: 0) + "\(count)\n"
        }
        text += "\nRows that will be skipped:\n"
        text += check.problems.isEmpty ? "  none\n" : check.problems.joined(separator: "\n") + "\n"
        let more = check.counts.values.reduce(0, +) - check.problems.count
        if more > 0 { text += "  ... and \(more) more (each campaign's -skipped.csv lists every row)\n" }
        return text
    }
}
