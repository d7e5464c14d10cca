// List usability: whether a contact list can be used at all.
// Input: a finished pass's figures (rows, blank rows, rows with an invalid number), the phone
// column's name and the first row problems found. Output: the reason the list cannot be used (no
// row at all, or no row with a valid phone number), or nil. A list like that is almost always the
// wrong file or the wrong column: it is rejected whole (ListReportJob) and a campaign naming it is
// rejected too (CampaignJob), never published with nobody to send to. No failures.

import OptoutBase
import Foundation

enum ListUsability {
    /// Problems quoted in the reason.
    static let examples = 3

    /// Why the list cannot be used, or nil when at least one row holds a valid phone number.
    static func unusableReason(rows: Int, blank: Int, invalid: Int, phoneColumn: String, problems: [String]) -> String? {
        if rows == 0 { return "no rows below the header: nothing to send to (the wrong file, or an empty export?)" }
        guard rows - blank - invalid <= 0 else { return nil }
        var parts: [String] = []
        if invalid > 0 { parts.append("\(Diagnostics.count(invalid, "invalid number"))") }
        if blank > 0 { parts.append("\(Diagnostics.count(blank, "blank row"))") }
        var reason = "none of its \(Diagnostics.count(rows, "row")) has a valid phone number in column \"\(phoneColumn)\" (\(parts.joined(separator: ", ")))"
        let shown = problems.prefix(examples).map { $0.trimmingCharacters(in: .whitespaces) }
        if !shown.isEmpty { reason += "; first: " + shown.joined(separator: "; ") }
        return reason + ": the wrong column or the wrong file? Fix it and drop the list again"
    }
}

extension ListCheck {
    /// Why the checked list cannot be used at all, or nil (ListUsability).
    func unusableReason(phoneColumn: String) -> String? {
        ListUsability.unusableReason(rows: rows, blank: counts["blank row"] ?? 0, invalid: counts["invalid number"] ?? 0,
                                     phoneColumn: phoneColumn, problems: problems)
    }
}
