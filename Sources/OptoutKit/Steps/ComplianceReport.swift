// Compliance report (issue 17 item 4): outbox/reports/compliance-<YYYY-MM>.csv, written once, by
// the first run after the month ends (UTC): a run whose previous run (last-run.json) finished in
// an earlier month writes the report of every month from that one to the last ended (at most 24),
// each only when its file does not exist yet. A fresh workspace (no run before) writes none.
// Figures (ComplianceReportText) come from durable facts only — ledger records recorded in the
// month, the hold log, the lookups made in the month (LookupLog, .optout/lookups.tsv), plus the opt-outs
// still not in force (PendingDeadlines) whose deadline passed within the month — so a run redone
// after a crash (last-run.json not yet rewritten) writes the same bytes under the same name.
// Input: the run state, the previous run's end. Output: the paths written. Failures: `OptoutError`
// when a file cannot be written or a state file read.

import OptoutBase
import OptoutPhone

package enum ComplianceReport {
    /// At most this many past months are written by one run.
    static let maxMonths = 24

    /// Month index (year * 12 + month - 1) of a time, UTC.
    static func monthIndex(_ t: Timestamp) -> Int {
        let day = t.seconds >= 0 ? t.seconds / 86400 : (t.seconds - 86399) / 86400
        let date = Timestamp.civilDate(day)
        return date.year * 12 + date.month - 1
    }

    static func monthStart(_ index: Int) -> Timestamp {
        Timestamp(seconds: Timestamp.days(year: index / 12, month: index % 12 + 1, day: 1) * 86400)
    }

    static func monthName(_ index: Int) -> String {
        let m = index % 12 + 1
        return "\(index / 12)-\(m < 10 ? "0" : "")\(m)"
    }

    /// The months a run at `now` reports, after a previous run that finished at `previous`.
    package static func monthsDue(previous: Timestamp?, now: Timestamp) -> [Int] {
        guard let previous else { return [] }
        let last = monthIndex(now) - 1
        let first = max(monthIndex(previous), last - maxMonths + 1)
        return first <= last ? Array(first...last) : []
    }

    /// Writes the reports due; returns their workspace paths.
    package static func writeDue(state: RunState, previousRun: Timestamp?, pending: [PendingOptOut]) throws(OptoutError) -> [String] {
        let ws = state.workspace
        var written: [String] = []
        let months = monthsDue(previous: previousRun, now: state.now)
        guard !months.isEmpty else { return [] }
        let records = try Ledger.readAll(path: ws.ledgerFile)
        let holds = try HoldLog.read(path: ws.holdsFile)
        let lookups = try lookupTimes(path: ws.lookupsFile)
        for month in months {
            let path = "\(ws.reportsFolder)/compliance-\(monthName(month)).csv"
            let twin = PeopleWorkbookTwin.path(for: path)
            if Durable.exists(path) {
                // Its .xlsx twin is written after it: a run killed between the two writes it now.
                if !Durable.exists(twin) { try PeopleWorkbookTwin.write(csvPath: path, modified: state.now, sheetName: "compliance") }
                continue
            }
            let figures = self.figures(month: month, records: records, holds: holds, lookups: lookups, pending: pending, settings: state.settings)
            try Durable.writeFile(path, ComplianceReportText.csv(figures))
            try PeopleWorkbookTwin.write(csvPath: path, modified: state.now, sheetName: "compliance")
            written.append(ws.display(path))
        }
        return written
    }

    /// The month's figures from the facts.
    package static func figures(month: Int, records: [LedgerRecord], holds: [HoldRecord], lookups: [Timestamp?],
                                pending: [PendingOptOut], settings: Settings) -> ComplianceFigures {
        let start = monthStart(month), end = monthStart(month + 1)
        func inMonth(_ t: Timestamp) -> Bool { t >= start && t < end }
        var f = ComplianceFigures(month: monthName(month))
        for r in records where r.kind == .optOut && inMonth(r.recordedTime) {
            f.received[r.source, default: 0] += 1
            guard r.effect == .applied else { continue }
            f.new[r.source, default: 0] += 1
            guard r.source != .import else { continue }
            f.inForceSeconds.append(max(0, r.recordedTime.seconds - r.eventTime.seconds))
            guard let deadline = OptOutDeadlines.deadline(received: r.eventTime, country: OptOutDeadlines.country(of: r.number), settings: settings.deadlines) else {
                f.untracked += 1
                continue
            }
            if r.recordedTime <= deadline.due { f.met += 1 } else {
                f.missed.append(.init(what: r.number.e164, received: r.eventTime, inForce: r.recordedTime, due: deadline.due, rule: deadline.rule.label))
            }
        }
        for p in pending where inMonth(p.deadline.due) {
            f.missed.append(.init(what: p.what, received: p.received, inForce: nil, due: p.deadline.due, rule: p.deadline.rule.label))
        }
        let held = holds.filter { $0.exitCode == ExitCode.tempFail && inMonth($0.time) }
        f.holds = held.count
        f.heldCampaigns = Set(held.map(\.file)).count
        f.lookups = lookups.filter { $0.map(inMonth) ?? true }.count
        return f
    }

    /// Each lookup record's time (its first field that reads as an ISO 8601 time; nil: none).
    static func lookupTimes(path: String) throws(OptoutError) -> [Timestamp?] {
        try LookupLog.read(path: path).map { Optional($0.time) }
    }
}
