// optout status: what a person checks first — suppressions, files waiting, webhook payloads
// pending, and the last run. Input: a workspace (read only, no lock needed). Output: a
// `WorkspaceStatus` rendered as text or JSON. Also why campaigns wait: what holds them now
// (CampaignHolds: opt-out inputs being written, rejected or being dropped), the campaigns the last
// run held with their causes, and whether the lease probe could answer (else settle rule only). Failures: `OptoutError.usage` when there is no
// workspace; a damaged ledger is reported through its count of problems.

import OptoutBase
import Foundation

package struct WorkspaceStatus: Sendable {
    package var root: String
    package var suppressions: Int
    package var waiting: [(folder: String, files: Int)]
    package var webhooksPending: Int
    package var webhooksFailed: Int
    package var lastRunFinished: String?
    package var lastRunOutcome: String?
    /// Review items no person decided yet (.optout/reviews.tsv).
    package var reviewItemsOpen = 0
    /// What would hold campaigns now, for people.
    package var holdingNow: [String] = []
    /// Drop-protocol temp files too old to hold campaigns, still worth a look.
    package var notes: [String] = []
    /// Campaigns the last run held, with their causes.
    package var lastRunHeld: [(file: String, cause: String)] = []
    /// Why the lease probe cannot answer (now or in the last run), nil when it can.
    package var leaseProbeUnavailable: String?
    /// The last attempt, a run in progress, held/rejected files, what cannot go out (StatusFacts).
    package var facts = StatusFacts()
    /// Opt-outs not yet in force with a deadline, nearest first, and the clock (issue 17 item 1).
    package var pendingDeadlines: [PendingOptOut] = []
    package var now = Timestamp.now()

    package func text() -> String {
        func line(_ label: String, _ value: String) -> String {
            label.padding(toLength: max(28, label.count + 1), withPad: " ", startingAt: 0) + value + "\n"
        }
        var out = line("workspace:", root)
        out += line("suppressions:", "\(suppressions) numbers opted out")
        for (folder, files) in waiting {
            out += folder == "lists" ? line("lists (kept) in lists/:", String(files)) : line("waiting in \(folder)/:", String(files))
        }
        out += line("webhooks pending:", String(webhooksPending))
        out += line("webhooks failed:", String(webhooksFailed))
        out += line("review items open:", reviewItemsOpen == 0 ? "0" : "\(reviewItemsOpen) (decide them in outbox/reports/review-*.csv, drop into inbox/reviews/)")
        out += line("last run:", lastRunFinished.map { "\($0) (\(lastRunOutcome ?? "?"))" } ?? "never")
        out += facts.lines(line)
        if !lastRunHeld.isEmpty {
            out += line("campaigns held (last run):", String(lastRunHeld.count))
            for held in lastRunHeld { out += "  \(held.file): \(held.cause)\n" }
        }
        if let nearest = pendingDeadlines.first {   // issue 17 item 1
            out += line("nearest opt-out deadline:", "\(nearest.what): received \(nearest.received.iso8601), \(PendingDeadlines.describe(nearest.deadline, now: now))")
            if pendingDeadlines.count > 1 { out += "  and \(pendingDeadlines.count - 1) more opt-out(s) not in force\n" }
        }
        out += line("campaigns wait now for:", holdingNow.isEmpty ? "nothing" : String(holdingNow.count) + " cause(s)")
        for cause in holdingNow { out += "  \(cause)\n" }
        for note in notes { out += "  note: \(note)\n" }
        if let reason = leaseProbeUnavailable {
            out += line("lease probe:", "unavailable (\(reason)); settle rule only")
        }
        return out
    }

    package func json() -> String {
        var waitingJSON: [String] = []
        for (folder, files) in waiting { waitingJSON.append("\"\(folder)\": \(files)") }
        func quoted(_ s: String?) -> String { s.map { "\"\($0)\"" } ?? "null" }
        var holds: [String: Any] = ["held_last_run": lastRunHeld.map { ["file": $0.file, "cause": $0.cause] }, "holding_now": holdingNow,
                                    "notes": notes, "lease_probe": leaseProbeUnavailable.map { "unavailable: \($0); settle rule only" } ?? "ok"]
        holds.merge(facts.jsonObject()) { old, _ in old }
        holds["optouts_not_in_force"] = pendingDeadlines.count   // issue 17 item 1
        holds["nearest_deadline"] = pendingDeadlines.first.map { p in
            ["what": p.what, "received": p.received.iso8601, "due": p.deadline.due.iso8601, "rule": p.deadline.rule.label,
             "seconds_left": Int(p.deadline.due.seconds - now.seconds)] as [String: Any]
        } ?? NSNull()
        let holdsJSON = (try? JSONSerialization.data(withJSONObject: holds, options: [.sortedKeys])).map { String(decoding: $0.dropFirst().dropLast(), as: UTF8.self) } ?? ""
        return "{\"suppressions\": \(suppressions), \"waiting\": {\(waitingJSON.joined(separator: ", "))}, \"webhooks_pending\": \(webhooksPending), \"webhooks_failed\": \(webhooksFailed), \"review_items_open\": \(reviewItemsOpen), \"last_run\": {\"finished\": \(quoted(lastRunFinished)), \"outcome\": \(quoted(lastRunOutcome))}, \(holdsJSON)}\n"
    }
}

package enum StatusJob {
    package static func collect(root: String, now: Timestamp? = nil) throws(OptoutError) -> WorkspaceStatus {
        // Checked like a run (a linked folder is refused with 78), but nothing is created.
        let ws = try Workspace.open(root: root, create: false)
        // Read-only replay: the status never repairs or locks.
        let state = Durable.exists(ws.ledgerFile) ? try Ledger.stateReadOnly(path: ws.ledgerFile, checkpoint: ws.ledgerCheckpointFile) : SuppressionState()
        var waiting: [(String, Int)] = []
        for kind in InputKind.allCases where kind.movesFiles {  // a preview waits for nothing
            let scan = DropFolder.scan(ws.folder(kind), settle: 0)
            waiting.append((kind.rawValue, scan.ready.count + scan.unsettled.count))
        }
        func count(_ folder: String) -> Int {
            ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter { $0.hasSuffix(".json") && !$0.hasPrefix(".") }.count
        }
        let last = LastRun.read(path: ws.lastRunFile)
        var status = WorkspaceStatus(root: root, suppressions: state.optedOutCount, waiting: waiting,
                                     webhooksPending: count(ws.webhooksPending), webhooksFailed: count(ws.webhooksFailed),
                                     lastRunFinished: last?["finished"] as? String, lastRunOutcome: last?["outcome"] as? String)
        let reviews = ReviewLog.readOnly(path: ws.reviewsFile)
        status.reviewItemsOpen = reviews.open.count
        let settings = try? Settings.load(path: ws.settingsFile, displayName: ws.display(ws.settingsFile))
        // Issue 17 item 1: opt-outs not in force and their deadlines (read only: first-seen as recorded).
        status.now = now ?? .now()
        status.pendingDeadlines = PendingDeadlines.collect(ws, settings: settings ?? Settings(), firstSeen: FirstSeen.read(ws), openReviews: reviews.open)
        let settle = settings?.settleSeconds ?? 2
        status.facts = StatusFacts.collect(ws, settings: settings, pendingPayloads: status.webhooksPending, lastRun: last)
        let now = Date().timeIntervalSince1970
        let standing = CampaignHolds.standing(ws, now: now)
        status.holdingNow = standing.holding
        status.notes = standing.shownOnly
        // Opt-out inputs being written now (no wait here: a look, not a run).
        for kind in CampaignHolds.optOutKinds {
            for file in DropFolder.scan(ws.folder(kind), settle: 0).ready {
                guard let identity = file.identity else { continue }
                let answer = settle > 0 ? LeaseProbe.probe(file.path) : .noWriter
                if case .unavailable(let reason) = answer { status.leaseProbeUnavailable = reason }
                if identity.mtime > now - settle {
                    status.holdingNow.append("\(ws.display(file.path)): still being written (changed within settle_seconds)")
                } else if answer == .writerOpen {
                    status.notes.append("\(ws.display(file.path)): a writer keeps it open; read up to its last complete line and left in place")
                }
            }
        }
        for item in (last?["held"] as? [[String: Any]]) ?? [] {
            status.lastRunHeld.append((item["file"] as? String ?? "?", item["cause"] as? String ?? "?"))
        }
        if status.leaseProbeUnavailable == nil, let probe = last?["lease_probe"] as? String, probe != "ok" {
            status.leaseProbeUnavailable = "\(probe), in the last run"
        }
        return status
    }
}
