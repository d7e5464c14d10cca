// Status facts: what `optout status` adds to the counts of StatusJob — the last attempt (finished
// or not, failed or not) and a run in progress, files held and rejected per folder, kept lists,
// webhook payloads that cannot go out (no callback URL), notifications not yet sent, and the
// oldest opt-out input not yet applied. Input: a workspace (read only), the wall clock.
// Output: `StatusFacts`. Failures: none (what cannot be read counts as absent).

import OptoutBase
import Foundation

package struct AttemptFacts: Sendable {
    package var started: String
    package var finished: String?
    package var outcome: String?
    package var exitCode: Int?
    package var error: String?
    package var step: String?
    package var pid: Int
    /// No end recorded and the process is alive.
    package var inProgress: Bool
}

package struct StatusFacts: Sendable {
    package var attempt: AttemptFacts?
    package var listsKept = 0
    /// Files in each inbox folder's rejected/ (their .error.txt not counted), folders with any.
    package var rejected: [(folder: String, files: Int)] = []
    /// Campaign templates the last run held that are still in inbox/campaigns/.
    package var heldCampaigns = 0
    /// Payloads in pending/ that nothing can send, and why (nil reason: they can be sent).
    package var undeliverable = 0
    package var undeliverableReason: String?
    /// Files in outbox/notifications/ not yet sent or moved (.eml and the SMS summary).
    package var notificationsUnsent: [String] = []
    /// The oldest opt-out input still in the inbox (not yet applied), and its age in seconds.
    package var oldestUnapplied: (file: String, ageSeconds: Int)?

    package static func collect(_ ws: Workspace, settings: Settings?, pendingPayloads: Int, lastRun: [String: Any]?,
                                now: Double = Date().timeIntervalSince1970) -> StatusFacts {
        var facts = StatusFacts()
        if let record = RunAttempt.read(path: ws.lastAttemptFile), let started = record["started"] as? String {
            let pid = record["pid"] as? Int ?? 0
            let finished = record["finished"] as? String
            facts.attempt = AttemptFacts(started: started, finished: finished, outcome: record["outcome"] as? String,
                                         exitCode: record["exit_code"] as? Int, error: record["error"] as? String,
                                         step: record["step"] as? String, pid: pid,
                                         inProgress: finished == nil && RunAttempt.alive(pid))
            if finished == nil && !facts.attempt!.inProgress { facts.attempt!.outcome = "interrupted (process \(pid) gone)" }
        }
        facts.listsKept = DropFolder.scan(ws.folder(.lists), settle: 0).ready.count
        let manager = FileManager.default
        for kind in InputKind.allCases {
            let names = ((try? manager.contentsOfDirectory(atPath: ws.rejected(kind))) ?? []).filter { !DropFolder.isIgnoredName($0) }
            if !names.isEmpty { facts.rejected.append((kind.rawValue, names.count)) }
        }
        for item in (lastRun?["held"] as? [[String: Any]]) ?? [] {
            if let file = item["file"] as? String, Durable.exists(ws.root + "/" + file) { facts.heldCampaigns += 1 }
        }
        if pendingPayloads > 0 {
            if settings == nil {
                facts.undeliverable = pendingPayloads
                facts.undeliverableReason = "inbox/settings.json cannot be read"
            } else if settings?.optoutCallbackURL == nil {
                facts.undeliverable = pendingPayloads
                facts.undeliverableReason = "no \"optout_callback_url\" in inbox/settings.json"
            }
        }
        let notes = ((try? manager.contentsOfDirectory(atPath: ws.notificationsFolder)) ?? []).filter {
            !$0.hasPrefix(".") && ($0.hasSuffix(".eml") || $0.hasSuffix("-sms.csv"))
        }
        facts.notificationsUnsent = notes.sorted().map { ws.display(ws.notificationsFolder + "/" + $0) }
        for kind in CampaignHolds.optOutKinds {
            let scan = DropFolder.scan(ws.folder(kind), settle: 0)
            var files = scan.ready.map { ($0.path, Double($0.modified.seconds)) }
            for name in scan.unsettled {
                let path = ws.folder(kind) + "/" + name
                if let date = (try? manager.attributesOfItem(atPath: path))?[.modificationDate] as? Date { files.append((path, date.timeIntervalSince1970)) }
            }
            for (path, mtime) in files where facts.oldestUnapplied == nil || Int(now - mtime) > facts.oldestUnapplied!.ageSeconds {
                facts.oldestUnapplied = (ws.display(path), max(0, Int(now - mtime)))
            }
        }
        return facts
    }

    /// Lines for `status` text.
    package func lines(_ line: (String, String) -> String) -> String {
        var out = ""
        if let a = attempt {
            if a.inProgress {
                out += line("run in progress:", "pid \(a.pid), since \(a.started), step: \(a.step ?? "?")")
            } else {
                let code = a.exitCode.map { ", exit \($0)" } ?? ""
                out += line("last attempt:", "started \(a.started)\(a.finished.map { ", ended \($0)" } ?? "") (\(a.outcome ?? "?")\(code))")
                if let error = a.error { out += "  \(error)\n" }
            }
        }
        if listsKept > 0 { out += line("lists kept in lists/:", String(listsKept)) }
        if heldCampaigns > 0 { out += line("held in campaigns/:", String(heldCampaigns)) }
        for (folder, files) in rejected { out += line("rejected in \(folder)/rejected/:", String(files)) }
        if undeliverable > 0 { out += line("webhooks undeliverable:", "\(undeliverable) (\(undeliverableReason ?? "?"))") }
        out += line("notifications not sent:", String(notificationsUnsent.count))
        for file in notificationsUnsent { out += "  \(file)\n" }
        if let oldest = oldestUnapplied {
            out += line("oldest opt-out not applied:", "\(oldest.file), \(StatusFacts.age(oldest.ageSeconds)) old")
        }
        return out
    }

    static func age(_ seconds: Int) -> String {
        seconds < 120 ? "\(seconds) s" : seconds < 7200 ? "\(seconds / 60) min" : seconds < 172_800 ? "\(seconds / 3600) h" : "\(seconds / 86400) days"
    }

    /// The keys `status --json` adds (README "status --json").
    package func jsonObject() -> [String: Any] {
        var object: [String: Any] = [:]
        if let a = attempt {
            object["last_attempt"] = ["started": a.started, "finished": a.finished ?? NSNull(), "outcome": a.outcome ?? NSNull(),
                                      "exit_code": a.exitCode ?? NSNull(), "error": a.error ?? NSNull()] as [String: Any]
            object["running"] = a.inProgress ? ["pid": a.pid, "since": a.started, "step": a.step ?? NSNull()] as [String: Any] : NSNull()
        } else {
            object["last_attempt"] = NSNull()
            object["running"] = NSNull()
        }
        object["lists_kept"] = listsKept
        object["held_files"] = ["campaigns": heldCampaigns]
        object["rejected"] = Dictionary(uniqueKeysWithValues: InputKind.allCases.map { kind in (kind.rawValue, rejected.first { $0.folder == kind.rawValue }?.files ?? 0) })
        object["webhooks_undeliverable"] = ["count": undeliverable, "reason": undeliverableReason ?? NSNull()] as [String: Any]
        object["notifications_unsent"] = notificationsUnsent
        object["oldest_unapplied_optout"] = oldestUnapplied.map { ["file": $0.file, "age_seconds": $0.ageSeconds] as [String: Any] } ?? NSNull()
        return object
    }
}
