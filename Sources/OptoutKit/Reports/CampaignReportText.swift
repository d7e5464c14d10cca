// Campaign report text: a built campaign's figures → outbox/reports/<name>.txt, for people.
// Input: the campaign's summary, its template, the list's format (nil for a single `to:`), the
// settings it was built with, the time. Output: the report's text. Failures: none (pure).

import OptoutBase
import Foundation

/// Figures of one built campaign, also used by the benchmark.
package struct CampaignSummary: Sendable {
    package var name: String
    package var rowsRead = 0
    package var toSend = 0
    package var skipped: [String: Int] = [:]
    package var segments = 0
    package var gsmMessages = 0
    package var ucsMessages = 0
    package var sampleLink: String?
    /// What forced messages into UCS-2 and what it cost (UCS2Culprits).
    package var ucs2 = UCS2Culprits()
    package var warnings: [String] = []
    package var outputs: [String] = []
    /// Quiet hours: a scheduled campaign's send files and held rows (nil: not scheduled).
    package var schedule: Schedule?

    package struct Schedule: Sendable, Equatable {
        /// As written ("2026-11-29 09:30 America/New_York"), and the instant it resolved to.
        package var sendAt: String
        package var start: Timestamp
        package var groups: [ScheduledFile]
        package var heldRows: Int
        package var heldPath: String?
    }

    /// One scheduled send file (ScheduledSend): its UTC time, rows and path (relative to the root).
    package struct ScheduledFile: Sendable, Equatable {
        package var time: Timestamp
        package var rows: Int
        package var path: String
    }
}

/// What a report says about a contact list's format (read from its reader once the pass is done).
package struct ListFormat: Sendable, Equatable {
    package var encoding: String
    package var delimiter: UInt8
    package var hasHeader: Bool
    package var columns: [String]
    package var phoneColumn: Int
    /// The column giving each row's country (CountryColumn), and why a column so named is not used.
    package var countryColumn: String?
    package var countryNote: String?

    package init(encoding: String, delimiter: UInt8, hasHeader: Bool, columns: [String], phoneColumn: Int) {
        (self.encoding, self.delimiter, self.hasHeader, self.columns, self.phoneColumn) = (encoding, delimiter, hasHeader, columns, phoneColumn)
    }

    package init(_ reader: ContactListReader) {
        self.init(encoding: reader.encoding.rawValue, delimiter: reader.delimiter, hasHeader: reader.hasHeader,
                  columns: reader.columns, phoneColumn: reader.phoneColumn)
        (countryColumn, countryNote) = (reader.country.map { reader.columns[$0.index] }, reader.countryNote)  // country column (issue 14)
    }

    /// The `encoding` of a list read from a workbook sheet (WorkbookInput).
    package static let workbook = "workbook"

    /// "tab" or the delimiter quoted: "','".
    package var delimiterText: String { delimiter == 0x09 ? "tab" : "'\(String(UnicodeScalar(delimiter)))'" }
    package var phoneColumnName: String { columns[phoneColumn] }
}

package enum CampaignReportText {
    /// What the link costs in SMS length: GSM-7 septets and the share of a segment they take.
    package static func linkCost(_ link: String) -> String {
        var septets = 0
        for scalar in link.unicodeScalars {
            let cost = Int(Segments.gsmCost(scalar.value))
            if cost == 0 {
                return "\(link.utf16.count) UCS-2 characters (the link is not GSM-7: every message becomes UCS-2, \(Segments.ucs2SingleLimit) characters a segment)"
            }
            septets += cost
        }
        func share(_ limit: Int) -> String { String(format: "%.0f%%", Double(septets) * 100 / Double(limit)) }
        return "\(septets) GSM-7 characters = \(share(Segments.gsm7SingleLimit)) of a single \(Segments.gsm7SingleLimit)-character segment, \(share(Segments.gsm7PartLimit)) of a \(Segments.gsm7PartLimit)-character part"
    }

    package static func render(_ s: CampaignSummary, template: CampaignTemplate, templatePath: String, list: ListFormat?,
                             listDisplay: String, settings: Settings, maxSegments: Int?, now: Timestamp) -> String {
        func line(_ label: String, _ value: String) -> String {
            label.padding(toLength: 22, withPad: " ", startingAt: 0) + value + "\n"
        }
        var out = "Campaign \(s.name)\n"
        out += String(repeating: "=", count: 9 + s.name.count) + "\n\n"
        out += line("Template:", templatePath)
        if let list {
            out += line("List:", "\(template.list ?? "") (\(listDisplay); \(list.encoding), delimiter \(list.delimiterText), phone column \"\(list.phoneColumnName)\"\(list.countryColumn.map { ", country column \"\($0)\"" } ?? "")\(list.hasHeader ? "" : ", no header row"))")
        } else if let to = template.to {
            out += line("To:", to)
        }
        if let sender = template.sender { out += line("Sender:", sender) }
        out += line("Built:", now.iso8601)
        out += "\n"
        out += line("Rows read:", String(s.rowsRead))
        out += line("To send:", String(s.toSend))
        if let plan = s.schedule {
            // Quiet hours: one send file per UTC time, and the rows held for an unknown zone.
            out += line("Send at:", "\(plan.sendAt) (from \(plan.start.iso8601); each recipient at the earliest time its sending hours allow)")
            for group in plan.groups {
                out += "  \(group.time.iso8601)  \(group.rows) → \(group.path)\n"
            }
            out += line("Held:", plan.heldPath.map { "\(plan.heldRows) → \($0) (not sent: see the reason on each row)" } ?? "0")
        }
        let skippedTotal = s.skipped.values.reduce(0, +)
        out += line("Skipped:", String(skippedTotal))
        for (reason, count) in s.skipped.sorted(by: { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }) {
            out += line("  \(reason):", String(count))
        }
        out += line("Segments:", "\(s.segments) (GSM-7: \(s.gsmMessages) messages, UCS-2: \(s.ucsMessages) messages)")
        if !s.ucs2.isEmpty { out += line("UCS-2:", s.ucs2.reportLine) }
        if let maxSegments { out += line("Max segments:", String(maxSegments)) }
        if let price = settings.pricePerSegment {
            let cost = String(format: "%.2f", Double(s.segments) * price)
            out += line("Cost:", "\(cost)\(settings.currency.isEmpty ? "" : " " + settings.currency) at \(price) per segment")
        }
        if let link = s.sampleLink {
            let base = settings.optoutLinkBase ?? ""
            out += line("Opt-out link:", "\(base) + \(LinkTokens.length)-character token = \(link.count) characters in every message")
            out += line("Link cost:", linkCost(link))
        }
        out += "\nWarnings:\n"
        if s.warnings.isEmpty { out += "  none\n" }
        for warning in s.warnings { out += "  - \(warning)\n" }
        out += "\nFiles:\n"
        for file in s.outputs { out += "  \(file)\n" }
        return out
    }
}
