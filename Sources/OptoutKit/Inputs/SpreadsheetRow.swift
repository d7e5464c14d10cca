// Spreadsheet rows of opt-out inputs (issue 14 item 5): where a row is, as people read it.
// A row is named by the number a spreadsheet shows (CSVReader.row: a `sep=;` line is no row, a
// cell holding a line break is one row); the physical line is added only when the two differ:
// "line 7" when they agree (every file without a sep= line or multi-line cell, as before),
// "row 5 (line 7)" when they do not. The ledger keeps the physical line and, only when they
// differ, the row (LedgerRecord.row). Input: line and row. Output: text, locations. No failures.

import OptoutBase

package enum SpreadsheetRow {
    /// The row to keep beside `line`: nil when it is the line itself (nothing extra is written).
    @inline(__always)
    package static func distinct(_ row: Int?, line: Int) -> Int? {
        guard let row, row > 0, row != line else { return nil }
        return row
    }

    /// "line 7", or "row 5 (line 7)" when the row differs.
    package static func text(line: Int, row: Int?) -> String {
        guard let row = distinct(row, line: line) else { return "line \(line)" }
        return "row \(row) (line \(line))"
    }

    /// A diagnostic's location: "file:7", or "file row 5 (line 7)" when the row differs.
    package static func location(file: String, line: Int, row: Int?) -> SourceLocation {
        guard let row = distinct(row, line: line) else { return SourceLocation(file: file, line: line) }
        return SourceLocation(file: "\(file) row \(row) (line \(line))")
    }

    /// The number a report's "line" column shows: the spreadsheet's row (lists do the same).
    package static func shown(line: Int, row: Int?) -> Int { distinct(row, line: line) ?? line }
}
