// Review report text: review items → the bytes of outbox/reports/review-<time>.csv (for people:
// UTF-8 with BOM, CRLF, formula guard), with the `id` a decision row names and an empty decision
// column; "line" is the row a spreadsheet shows (SpreadsheetRow, as list reports). Input: stored review items. Output: bytes. Failures: none (pure).

import OptoutBase

package enum ReviewReportText {
    /// The report's header row (`id` names the item when a row comes back with a decision).
    package static let header = ["found_at", "kind", "number", "file", "line", "raw_text", "choice", "rule", "id", "decision"]

    /// The report CSV bytes for these items.
    package static func csv(_ items: [StoredReview]) -> [UInt8] {
        let writer = CSVWriter(audience: .people)
        var out = CSVWriter.utf8BOM
        writer.appendRow(header, to: &out)
        for s in items {
            let i = s.item
            writer.appendRow([s.foundAt.iso8601, i.kind.rawValue, UnsubscriptionReportText.textCell(i.number), i.file,
                              i.line > 0 ? String(SpreadsheetRow.shown(line: i.line, row: i.row)) : "", UnsubscriptionReportText.textCell(i.rawText), i.choice, i.rule, s.id, ""], to: &out)
        }
        return out
    }
}
