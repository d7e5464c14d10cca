// Workspace: the folder contract (inbox/, outbox/, .optout/) rooted at one directory.
// Input: a root path. Output: the paths of every folder and state file. Opening a workspace for a
// command (root resolved, folders checked and created: `Workspace.open`, `ensureLayout`) is in
// WorkspaceCheck.swift.

import OptoutBase
import Foundation

/// The kinds of input folder under `inbox/`.
public enum InputKind: String, Sendable, CaseIterable {
    case lists, campaigns, stops, clicks, suppressions
    /// Decisions on review items (rows of a review report with `decision` apply or dismiss).
    case reviews
}

/// Every path optout reads or writes, derived from the workspace root.
public struct Workspace: Sendable {
    public let root: String

    public init(root: String) {
        var trimmed = root
        while trimmed.count > 1 && trimmed.hasSuffix("/") { trimmed.removeLast() }
        self.root = trimmed.isEmpty ? "." : trimmed
    }

    public var inbox: String { "\(root)/inbox" }
    public var outbox: String { "\(root)/outbox" }
    /// The state folder's name: the one place it is written.
    public static let stateFolderName = ".optout"
    public var state: String { "\(root)/\(Workspace.stateFolderName)" }

    public var settingsFile: String { "\(inbox)/settings.json" }
    public func folder(_ kind: InputKind) -> String { "\(inbox)/\(kind.rawValue)" }
    public func processed(_ kind: InputKind) -> String { "\(folder(kind))/processed" }
    public func rejected(_ kind: InputKind) -> String { "\(folder(kind))/rejected" }

    public var sendFolder: String { "\(outbox)/send" }
    public var linksFolder: String { "\(outbox)/links" }
    public var reportsFolder: String { "\(outbox)/reports" }
    public var notificationsFolder: String { "\(outbox)/notifications" }
    public var webhooksPending: String { "\(outbox)/webhooks/pending" }
    public var webhooksDelivered: String { "\(outbox)/webhooks/delivered" }
    public var webhooksFailed: String { "\(outbox)/webhooks/failed" }
    public var siteFolder: String { "\(outbox)/site" }
    public var suppressionsFile: String { "\(outbox)/suppressions.csv" }

    public var ledgerFile: String { "\(state)/ledger.tsv" }
    public var linkKeyFile: String { "\(state)/link.key" }
    public var linkIndexFile: String { "\(state)/links.tsv" }
    public var journalFile: String { "\(state)/journal.tsv" }
    /// Review items and the decisions that closed them (ReviewLog).
    public var reviewsFile: String { "\(state)/reviews.tsv" }
    public var lockFile: String { "\(state)/lock" }
    public var lastRunFile: String { "\(state)/last-run.json" }
    /// One `optout deliver` at a time (beside the run's lock, so a run and a deliver overlap).
    public var deliverLockFile: String { "\(state)/deliver.lock" }
    /// Temp files of duplicate searches (`dups-<pid>-<hex8>/`), removed after use.
    public var tempFolder: String { "\(state)/tmp" }
    /// A link index or link key set aside by `init --new-link-key` at `stamp`.
    public func retiredLinkIndexName(_ stamp: String) -> String { "links.retired-\(stamp).tsv" }
    public func retiredLinkKeyName(_ stamp: String) -> String { "link.key.retired-\(stamp)" }

    /// The outbox folders every command may create, in the README's order.
    public var outboxFolders: [String] {
        [sendFolder, linksFolder, reportsFolder, notificationsFolder, "\(outbox)/webhooks", webhooksPending, webhooksDelivered, webhooksFailed]
    }

    /// Every folder of the layout, relative to the root (README "Folder contract" names each).
    public var declaredFolders: [String] {
        var all = [inbox] + InputKind.allCases.flatMap { [folder($0), processed($0), rejected($0)] }
        all += [outbox] + outboxFolders + [siteFolder, state, tempFolder]
        return all.map(display)
    }

    /// Link indexes set aside by `optout init --new-link-key` (`links.retired-<time>.tsv`): their
    /// tokens keep resolving, new links are indexed afresh under the new key.
    public func retiredLinkIndexes() -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: state)) ?? []
        return names.filter { $0.hasPrefix("links.retired-") && $0.hasSuffix(".tsv") }.sorted().map { "\(state)/\($0)" }
    }

    /// The path as a person should see it in messages: relative to the root.
    public func display(_ path: String) -> String {
        let prefix = root + "/"
        if path.hasPrefix(prefix) { return String(path.dropFirst(prefix.count)) }
        return path
    }
}
