// optout status: what a person checks first — suppressions, files waiting, webhook payloads
// pending, and the last run. Input: a workspace (read only, no lock needed). Output: a
// `WorkspaceStatus` rendered as text or JSON. Failures: `OptoutError.usage` when there is no
// workspace; a damaged ledger is reported through its count of problems.

import Foundation

public struct WorkspaceStatus: Sendable {
    public var root: String
    public var suppressions: Int
    public var waiting: [(folder: String, files: Int)]
    public var webhooksPending: Int
    public var webhooksFailed: Int
    public var lastRunFinished: String?
    public var lastRunOutcome: String?
    /// Review items no person decided yet (.optout/reviews.tsv).
    public var reviewItemsOpen = 0

    public func text() -> String {
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
        return out
    }

    public func json() -> String {
        var waitingJSON: [String] = []
        for (folder, files) in waiting { waitingJSON.append("\"\(folder)\": \(files)") }
        func quoted(_ s: String?) -> String { s.map { "\"\($0)\"" } ?? "null" }
        return "{\"suppressions\": \(suppressions), \"waiting\": {\(waitingJSON.joined(separator: ", "))}, \"webhooks_pending\": \(webhooksPending), \"webhooks_failed\": \(webhooksFailed), \"review_items_open\": \(reviewItemsOpen), \"last_run\": {\"finished\": \(quoted(lastRunFinished)), \"outcome\": \(quoted(lastRunOutcome))}}\n"
    }
}

public enum StatusJob {
    public static func collect(root: String) throws(OptoutError) -> WorkspaceStatus {
        // Checked like a run (a linked folder is refused with 78), but nothing is created.
        let ws = try Workspace.open(root: root, create: false)
        // Read-only replay: the status never repairs or locks.
        let state = Durable.exists(ws.ledgerFile) ? try Ledger.stateReadOnly(path: ws.ledgerFile) : SuppressionState()
        var waiting: [(String, Int)] = []
        for kind in InputKind.allCases {
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
        status.reviewItemsOpen = ReviewLog.readOnly(path: ws.reviewsFile).open.count
        return status
    }
}
