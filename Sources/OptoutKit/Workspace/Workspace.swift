// Workspace: the folder contract (inbox/, outbox/, .optout/) rooted at one directory.
// Input: a root path. Output: the paths of every folder and state file. Opening a workspace for a
// command (root resolved, folders checked and created: `Workspace.open`, `ensureLayout`) is in
// WorkspaceCheck.swift.

import OptoutBase
import Foundation

/// The kinds of input folder under `inbox/`.
package enum InputKind: String, Sendable, CaseIterable {
    case lists, campaigns, stops, clicks, suppressions
    /// Decisions on review items (rows of a review report with `decision` apply or dismiss).
    case reviews
    /// CSVs of numbers to look up (InboxLookups): each gives outbox/lookups/<name>.csv.
    case lookups
    /// Campaign templates built as a preview, never sent nor consumed (PreviewJob).
    case previews
}

/// Every path optout reads or writes, derived from the workspace root.
package struct Workspace: Sendable {
    package let root: String

    package init(root: String) {
        var trimmed = root
        while trimmed.count > 1 && trimmed.hasSuffix("/") { trimmed.removeLast() }
        self.root = trimmed.isEmpty ? "." : trimmed
    }

    package var inbox: String { "\(root)/inbox" }
    package var outbox: String { "\(root)/outbox" }
    /// The state folder's name: the one place it is written.
    package static let stateFolderName = ".optout"
    package var state: String { "\(root)/\(Workspace.stateFolderName)" }

    package var settingsFile: String { "\(inbox)/settings.json" }
    package func folder(_ kind: InputKind) -> String { "\(inbox)/\(kind.rawValue)" }
    package func processed(_ kind: InputKind) -> String { "\(folder(kind))/processed" }
    package func rejected(_ kind: InputKind) -> String { "\(folder(kind))/rejected" }

    package var sendFolder: String { "\(outbox)/send" }
    package var linksFolder: String { "\(outbox)/links" }
    package var reportsFolder: String { "\(outbox)/reports" }
    package var notificationsFolder: String { "\(outbox)/notifications" }
    package var webhooksPending: String { "\(outbox)/webhooks/pending" }
    package var webhooksDelivered: String { "\(outbox)/webhooks/delivered" }
    package var webhooksFailed: String { "\(outbox)/webhooks/failed" }
    package var siteFolder: String { "\(outbox)/site" }
    /// Previews of campaigns (PreviewJob): the one outbox folder whose files are overwritten.
    package var previewsFolder: String { "\(outbox)/previews" }
    package var suppressionsFile: String { "\(outbox)/suppressions.csv" }
    /// Answers to the lookups dropped into inbox/lookups/ (InboxLookups).
    package var lookupsFolder: String { "\(outbox)/lookups" }

    package var ledgerFile: String { "\(state)/ledger.tsv" }
    /// The suppression state as of the ledger's first records (LedgerCheckpoint): a cache.
    package var ledgerCheckpointFile: String { "\(state)/ledger.checkpoint" }
    package var linkKeyFile: String { "\(state)/link.key" }
    package var linkIndexFile: String { "\(state)/links.tsv" }
    package var journalFile: String { "\(state)/journal.tsv" }
    /// Review items and the decisions that closed them (ReviewLog).
    package var reviewsFile: String { "\(state)/reviews.tsv" }
    /// What each preview was last built from (PreviewJob): rebuilt only when that changes.
    package var previewsStateFile: String { "\(state)/previews.tsv" }
    package var lockFile: String { "\(state)/lock" }
    /// Every lookup made, by `optout lookup` or inbox/lookups/ (LookupLog; append-only, 0600).
    package var lookupsFile: String { "\(state)/lookups.tsv" }
    /// One `<campaign>.keys` per campaign built: the numbers it was sent to (CampaignKeys).
    package var campaignKeysFolder: String { "\(state)/campaigns" }
    package func campaignKeysFile(_ name: String) -> String { "\(campaignKeysFolder)/\(name).keys" }
    package var lastRunFile: String { "\(state)/last-run.json" }
    /// Issue 13 hook (SuppressionExport): what outbox/suppressions.csv was last written from.
    package var suppressionsStampFile: String { "\(state)/suppressions.stamp" }
    /// When optout first saw each opt-out input still in the inbox or rejected/ (PendingDeadlines).
    package var firstSeenFile: String { "\(state)/first-seen.tsv" }
    /// Campaigns held, one record per hold (HoldLog), for the compliance report.
    package var holdsFile: String { "\(state)/holds.tsv" }
    /// The last run that started, finished or not (RunAttempt).
    package var lastAttemptFile: String { "\(state)/last-attempt.json" }
    /// One `optout deliver` at a time (beside the run's lock, so a run and a deliver overlap).
    package var deliverLockFile: String { "\(state)/deliver.lock" }
    /// Temp files of duplicate searches (`dups-<pid>-<hex8>/`), removed after use.
    package var tempFolder: String { "\(state)/tmp" }
    /// A link index or link key set aside by `init --new-link-key` at `stamp`.
    package func retiredLinkIndexName(_ stamp: String) -> String { "links.retired-\(stamp).tsv" }
    package func retiredLinkKeyName(_ stamp: String) -> String { "link.key.retired-\(stamp)" }

    /// The outbox folders every command may create, in the README's order.
    package var outboxFolders: [String] {
        [sendFolder, linksFolder, reportsFolder, notificationsFolder, "\(outbox)/webhooks", webhooksPending, webhooksDelivered, webhooksFailed,
         lookupsFolder, previewsFolder]
    }

    /// Every folder of the layout, relative to the root (README "Folder contract" names each).
    package var declaredFolders: [String] {
        var all = [inbox] + InputKind.allCases.flatMap { $0.movesFiles ? [folder($0), processed($0), rejected($0)] : [folder($0)] }
        all += [outbox] + outboxFolders + [siteFolder, state, tempFolder, campaignKeysFolder]
        return all.map(display)
    }

    /// Link indexes set aside by `optout init --new-link-key` (`links.retired-<time>.tsv`): their
    /// tokens keep resolving, new links are indexed afresh under the new key.
    package func retiredLinkIndexes() -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: state)) ?? []
        return names.filter { $0.hasPrefix("links.retired-") && $0.hasSuffix(".tsv") }.sorted().map { "\(state)/\($0)" }
    }

    /// The path as a person should see it in messages: relative to the root.
    package func display(_ path: String) -> String {
        let prefix = root + "/"
        if path.hasPrefix(prefix) { return String(path.dropFirst(prefix.count)) }
        return path
    }
}
