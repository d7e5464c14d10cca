// Clicks report text: one run's opt-out page log figures → outbox/reports/clicks-<time>.txt.
// Input: `ClickFigures` (counted by ClickIntake; the opt-out outcome as the ledger has it after the
// run's write). Output: the report's text. Failures: none (pure).

import OptoutBase
import Foundation

/// A request that named no known link (listed in the report).
package struct UnresolvedClick: Sendable, Equatable {
    package var file: String
    package var line: Int
    package var target: String
}

/// Per-campaign click figures.
package struct CampaignClicks: Sendable, Equatable {
    package var views = 0
    package var confirmations = 0
    package var botFlagged = 0
    /// Distinct links opened by people (viewed or confirmed).
    package var opened = 0
    /// Distinct links confirmed by people.
    package var confirmed = 0
    /// confirmed ÷ opened.
    package var confirmRate: Double { opened == 0 ? 0 : Double(confirmed) / Double(opened) }
}

/// What the opt-out page logs of one run held, for the report.
package struct ClickFigures: Sendable {
    package var now: Timestamp
    package var files: [(name: String, format: ClickLogFormat, lines: Int)] = []
    /// The link base's path ("/u/"); nil when the last path segment is the token.
    package var pathPrefix: String?
    package var requests = 0, views = 0, confirmations = 0, flaggedConfirmations = 0, botFlagged = 0
    package var unknown: [UnresolvedClick] = []
    package var unknownCount = 0
    package var malformed: [UnresolvedClick] = []
    package var malformedCount = 0
    package var otherMethods = 0, ignored = 0
    package var botConfirmations: [UnresolvedClick] = []
    package var perCampaign: [String: CampaignClicks] = [:]
    /// Confirmations whose number this run (or an interrupted one) opted out; those already opted out.
    package var optedOutNew = 0, alreadyOptedOut = 0
}

package enum ClicksReportText {
    package static func render(_ f: ClickFigures) -> String {
        func line(_ label: String, _ value: String) -> String {
            label.padding(toLength: 24, withPad: " ", startingAt: 0) + value + "\n"
        }
        let title = "Opt-out page logs, \(f.now.iso8601)"
        var out = title + "\n" + String(repeating: "=", count: title.count) + "\n\n"
        for file in f.files { out += line("File:", "\(file.name) (\(file.format.rawValue), \(Diagnostics.count(file.lines, "line")))") }
        out += line("Link path:", f.pathPrefix.map { "\($0)<token>" } ?? "last path segment (no optout_link_base)")
        out += "\n"
        out += line("Link requests:", String(f.requests))
        out += line("Views (GET/HEAD):", "\(f.views) by people")
        let flagged = f.flaggedConfirmations > 0 ? " + \(f.flaggedConfirmations) flagged" : ""
        out += line("Confirmations (POST):", "\(f.confirmations) by people\(flagged) → \(f.optedOutNew) opted out, \(f.alreadyOptedOut) already opted out or superseded")
        if f.flaggedConfirmations > 0 { out += line("Flagged:", "\(f.flaggedConfirmations) confirmations with an empty or scripted user agent (applied; listed in the review report)") }
        out += line("Bot-flagged:", "\(f.botFlagged) (views by previews, scanners and scripts; confirmations by previews and scanners, held for review)")
        out += line("Unknown tokens:", "\(f.unknownCount) (right shape, not issued by this account; never guessed)")
        out += line("Malformed links:", String(f.malformedCount))
        out += line("Other methods:", String(f.otherMethods))
        out += line("Other requests:", "\(f.ignored) (not opt-out links; ignored)")
        out += "\nPer campaign (confirm rate = links confirmed ÷ links opened, people only):\n"
        let header = "  " + "campaign".padding(toLength: 28, withPad: " ", startingAt: 0)
        out += header + "   views  opened  confirmed  bot-flagged  confirm rate\n"
        if f.perCampaign.isEmpty { out += "  none\n" }
        for (name, c) in f.perCampaign.sorted(by: { $0.key < $1.key }) {
            func col(_ v: Int, _ w: Int) -> String { let s = String(v); return String(repeating: " ", count: max(0, w - s.count)) + s }
            let rate = c.opened == 0 ? "-" : String(format: "%.1f%%", c.confirmRate * 100)
            out += "  " + name.padding(toLength: 28, withPad: " ", startingAt: 0)
                + col(c.views, 8) + col(c.opened, 8) + col(c.confirmed, 11) + col(c.botFlagged, 13)
                + String(repeating: " ", count: max(0, 14 - rate.count)) + rate + "\n"
        }
        func list(_ title: String, _ items: [UnresolvedClick], total: Int) {
            guard total > 0 else { return }
            out += "\n\(title)\(total > items.count ? " (first \(items.count) of \(total))" : ""):\n"
            for item in items { out += "  \(item.file):\(item.line)  \(item.target)\n" }
        }
        list("Confirmations from link previews and scanners (held, not applied; see the review report)", f.botConfirmations, total: f.botConfirmations.count)
        list("Unknown tokens", f.unknown, total: f.unknownCount)
        list("Malformed links", f.malformed, total: f.malformedCount)
        return out
    }
}
