// Run report output: outbox/reports/run-<time>.html and outbox/reports/index.html (issue 15 item 4).
// `begin` claims the page's name in the journal before the run changes anything (a claim left
// open by a crashed run is kept, so the rerun finishes that run's page under the same name);
// `finish` writes the page when the run consumed, rejected or published something (or finishes a
// crashed run's claim), rewrites the index (the last 100 pages, newest first) and marks it done.
// The page is built only from durable facts, so a crash and rerun write the same bytes: ledger
// events recorded since the claim's time (by source: the ledger's tally, Ledger.appliedTally), the
// campaign funnels recorded in the journal under the claim (Campaigns), the suppression state, the open review items and the held campaigns.
// Failures: `OptoutError` writing the journal or the files.

import OptoutBase
import Foundation

package enum RunReportOutput {
    static let claimKey = "open"

    /// Claims the page name (or keeps a crashed run's claim). Returns the name and whether a crashed
    /// run under that claim did something.
    static func begin(_ ws: Workspace, journal: Journal, now: Timestamp) throws(OptoutError) -> (name: String, carried: Bool) {
        // A crashed run's claim is finished by this run; it needs a page only when that run wrote
        // something to the journal after claiming (it consumed or built something).
        if let name = journal.openClaim(kind: .run, key: claimKey) { return (name, journal.recordsAfterRunClaim > 0) }
        let reports = ws.reportsFolder
        let name = try journal.claimName(kind: .run, key: claimKey, preferred: "run-\(now.compact)") { Durable.exists("\(reports)/\($0).html") }
        return (name, false)
    }

    /// True when the run consumed, rejected or published something.
    static func didSomething(_ report: RunReport) -> Bool {
        report.rejectedInputs > 0 || report.messagesRead > 0 || report.importRows > 0 || report.clickRequests > 0
            || report.newOptOuts > 0 || report.resubscribed > 0 || report.webhooksWritten > 0 || !report.campaigns.isEmpty
            || !report.listReports.isEmpty || report.reviewItemsOpened > 0 || !report.unsubscriptionFiles.isEmpty
    }

    /// Writes the page and the index when due; closes the claim. Returns the page's path when written.
    static func finish(_ claim: (name: String, carried: Bool), report: RunReport, state: RunState) throws(OptoutError) -> String? {
        let ws = state.workspace
        var path: String?
        if claim.carried || didSomething(report) {
            let file = "\(ws.reportsFolder)/\(claim.name).html"
            try Durable.writeFile(file, RunReportPage.html(pageData(claim.name, report: report, state: state)))
            let names = (try? FileManager.default.contentsOfDirectory(atPath: ws.reportsFolder)) ?? []
            try Durable.writeFile("\(ws.reportsFolder)/index.html", RunReportPage.index(names))
            path = file
        }
        try state.journal.markDone(kind: .run, key: claimKey, fingerprint: path == nil ? "none" : "written")
        return path
    }

    /// The page's figures from durable facts only (the same after a crash and rerun).
    static func pageData(_ name: String, report: RunReport, state: RunState) throws(OptoutError) -> RunPageData {
        let start = startTime(name) ?? state.now
        var bySource: [EventSource: Int] = [:]
        var resubscribed = 0
        var optOuts: [LedgerFacts] = []   // issue 17 item 3: this run's applied opt-outs, for late confirmations
        // Issue 13: the figures come from the ledger's tally of what it replayed and appended (every
        // intact record, counted by the second it was recorded in), not from reading it back; the
        // ledger is read back only for the late confirmations' facts, when there can be any.
        let tally = state.ledger.appliedTally(from: start, through: state.now)
        if state.settings.confirmationReplies && tally.reply + tally.link > 0 {
            // Streamed facts, no record kept (a million-record ledger is read in flat memory).
            try Ledger.scanFacts(path: state.workspace.ledgerFile, recordedFrom: start) { record in
                guard record.recordedTime >= start && record.recordedTime <= state.now, record.effect == .applied,
                      record.kind == .optOut && record.source != .import else { return }
                optOuts.append(record)
            }
        }
        (bySource[.reply], bySource[.link], bySource[.import], resubscribed) = (tally.reply, tally.link, tally.imports, tally.resubscribed)
        var data = RunPageData(time: start)
        let campaigns = state.journal.pageCampaigns[name] ?? []
        data.figures = [("new opt-outs from replies", bySource[.reply] ?? 0), ("new opt-outs from links", bySource[.link] ?? 0),
                        ("new opt-outs from imports", bySource[.import] ?? 0), ("resubscribed", resubscribed),
                        ("campaigns built", campaigns.count), ("numbers suppressed", state.ledger.state.optedOutCount)]
        data.campaigns = campaigns
        data.pricePerSegment = state.settings.pricePerSegment
        data.days = RunReportPage.days(state.ledger.state, now: start)
        data.reviewItemsOpen = report.reviewItemsOpen
        data.held = report.held
        // Issue 17 item 3: confirmations left out as late, from the records themselves.
        data.lateConfirmations = state.settings.confirmationReplies ? ConfirmationTiming.lateLines(optOuts) : []
        return data
    }

    /// The time in a page name "run-<compact time>[-n]".
    static func startTime(_ name: String) -> Timestamp? {
        let text = name.dropFirst("run-".count).prefix(16)
        let chars = Array(text)
        guard chars.count == 16 else { return nil }
        let iso = "\(String(chars[0..<4]))-\(String(chars[4..<6]))-\(String(chars[6..<8]))T\(String(chars[9..<11])):\(String(chars[11..<13])):\(String(chars[13..<15]))Z"
        return Timestamp.parse(iso, zone: .gmt)
    }
}
