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
    package var warnings: [String] = []
    package var outputs: [String] = []
}

/// What a report says about a contact list's format (read from its reader once the pass is done).
package struct ListFormat: Sendable, Equatable {
    package var encoding: String
    package var delimiter: UInt8
    package var hasHeader: Bool
    package var columns: [String]
    package var phoneColumn: Int

    package init(encoding: String, delimiter: UInt8, hasHeader: Bool, columns: [String], phoneColumn: Int) {
        (self.encoding, self.delimiter, self.hasHeader, self.columns, self.phoneColumn) = (encoding, delimiter, hasHeader, columns, phoneColumn)
    }

    package init(_ reader: ContactListReader) {
        self.init(encoding: reader.encoding.rawValue, delimiter: reader.delimiter, hasHeader: reader.hasHeader,
                  columns: reader.columns, phoneColumn: reader.phoneColumn)
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
            out += line("List:", "\(template.list ?? "") (\(listDisplay); \(list.encoding), delimiter \(list.delimiterText), phone column \"\(list.phoneColumnName)\"\(list.hasHeader ? "" : ", no header row"))")
        } else if let to = template.to {
            out += line("To:", to)
        }
        if let sender = template.sender { out += line("Sender:", sender) }
        out += line("Built:", now.iso8601)
        out += "\n"
        out += line("Rows read:", String(s.rowsRead))
        out += line("To send:", String(s.toSend))
        let skippedTotal = s.skipped.values.reduce(0, +)
        out += line("Skipped:", String(skippedTotal))
        for (reason, count) in s.skipped.sorted(by: { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }) {
            out += line("  \(reason):", String(count))
        }
        out += line("Segments:", "\(s.segments) (GSM-7: \(s.gsmMessages) messages, UCS-2: \(s.ucsMessages) messages)")
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
