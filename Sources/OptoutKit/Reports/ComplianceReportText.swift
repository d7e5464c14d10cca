// Compliance report text (issue 17 item 4): a month's figures → the bytes of
// outbox/reports/compliance-<YYYY-MM>.csv, for people (UTF-8 with BOM, CRLF, formula guard), one
// row per figure: `section,item,value,detail`.
//   opt-outs received: by source (reply, link, import) and total, with how many were new (applied);
//   time to be in force: median and max in seconds (imports excluded: their times can be years old);
//   deadlines: met, missed, not tracked; each miss with its number, times and rule; opt-outs still
//     not in force whose deadline passed within the month;
//   campaigns held for pending opt-outs: campaigns and holds (exit 75);
//   lookups made.
// Input: `ComplianceFigures`. Output: bytes. Failures: none (pure).

import OptoutBase

package struct ComplianceFigures: Sendable, Equatable {
    package struct Miss: Sendable, Equatable {
        package var what: String
        package var received: Timestamp
        /// When it was recorded (nil: still not in force when the report was written).
        package var inForce: Timestamp?
        package var due: Timestamp
        package var rule: String
    }

    /// "2026-10".
    package var month: String
    /// Opt-out events recorded in the month, by source, and those that were new opt-outs.
    package var received: [EventSource: Int] = [:]
    package var new: [EventSource: Int] = [:]
    /// Seconds from received to in force, of opt-outs that are not imports.
    package var inForceSeconds: [Int64] = []
    package var met = 0
    package var untracked = 0
    package var missed: [Miss] = []
    /// Campaigns held for pending opt-outs (distinct templates) and holds (one per run).
    package var heldCampaigns = 0
    package var holds = 0
    package var lookups = 0

    package init(month: String) { self.month = month }

    package var median: Int64? {
        guard !inForceSeconds.isEmpty else { return nil }
        let sorted = inForceSeconds.sorted()
        let mid = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
    }
}

package enum ComplianceReportText {
    package static let header = ["section", "item", "value", "detail"]

    package static func csv(_ f: ComplianceFigures) -> [UInt8] {
        let writer = CSVWriter(audience: .people)
        var out = CSVWriter.utf8BOM
        writer.appendRow(header, to: &out)
        func row(_ section: String, _ item: String, _ value: String, _ detail: String = "") { writer.appendRow([section, item, value, detail], to: &out) }
        row("month", f.month, "", "UTC; opt-outs count in the month they were recorded (in force)")
        for source in EventSource.allCases {
            row("opt-outs received", UnsubscriptionReportText.sourceName(source), String(f.received[source] ?? 0), "\(f.new[source] ?? 0) new (the others repeated or superseded)")
        }
        let total = f.received.values.reduce(0, +), totalNew = f.new.values.reduce(0, +)
        row("opt-outs received", "total", String(total), "\(totalNew) new")
        row("time to be in force", "median (seconds)", f.median.map(String.init) ?? "", f.median.map(human) ?? "none")
        row("time to be in force", "max (seconds)", f.inForceSeconds.max().map(String.init) ?? "", f.inForceSeconds.max().map(human) ?? "none")
        row("time to be in force", "opt-outs counted", String(f.inForceSeconds.count), "imports excluded (their times can be years old)")
        let inForceMisses = f.missed.filter { $0.inForce != nil }.count
        row("deadlines", "met", String(f.met), "new opt-outs in force by their deadline")
        row("deadlines", "missed", String(f.missed.count), "\(inForceMisses) in force late, \(f.missed.count - inForceMisses) not in force when this report was written")
        row("deadlines", "not tracked", String(f.untracked), "no tracked jurisdiction (deadline_jurisdictions)")
        for miss in f.missed {
            let detail = "received \(miss.received.iso8601), " + (miss.inForce.map { "in force \($0.iso8601)" } ?? "not in force") + ", due \(miss.due.iso8601), \(miss.rule)"
            row("deadline missed", miss.what, "", detail)
        }
        row("campaigns held for pending opt-outs", "campaigns", String(f.heldCampaigns), "\(f.holds) hold(s): runs that left a campaign in the inbox for an opt-out input still arriving or rejected (exit 75)")
        row("lookups made", "lookups", String(f.lookups), ".optout/lookups.tsv")
        return out
    }

    /// "1 h 05 min", "3 min 20 s", "2 days 4 h".
    package static func human(_ seconds: Int64) -> String {
        if seconds < 60 { return "\(seconds) s" }
        if seconds < 3600 { return "\(seconds / 60) min \(seconds % 60) s" }
        if seconds < 86400 { return "\(seconds / 3600) h \(seconds % 3600 / 60) min" }
        return "\(seconds / 86400) days \(seconds % 86400 / 3600) h"
    }
}
