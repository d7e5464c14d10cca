// Journal: what has been done with each input, so that a rerun after a crash finishes the work
// with the same outputs. Input/output: .optout/journal.tsv (record file, mode 0600) with payloads
//   claim <kind> <input key> <output name>   — outputs for this input use this name
//   done  <kind> <input key> <fingerprint>   — finished; the input file was then moved away
//   webhooks <seq>                           — payload files exist for opt-outs up to seq
//   reports <seq>                            — unsubscription report and notifications exist up to seq
//   reviews <n>                              — review reports cover the first n review items
//   page <run page name> <campaign> <rows read> <to send> <segments> [<skip reason> <n>]...
//                                            — a campaign built under the open run report's claim
//   schedule <campaign output name> <seconds> — a scheduled campaign's start (quiet hours), fixed at
//                                            its first build so a rerun writes the same timed files
// An input that has a claim but no done is redone under the same name; a "done" input still in
// the inbox with the same fingerprint (crash before the move) is only moved.
// Failures: `OptoutError` naming the file.

import OptoutBase

/// What a journal entry is about: the raw strings are the ones on disk (unchanged).
package enum JournalKind: Hashable, Sendable, CustomStringConvertible {
    /// A campaign template (key: content key; done fingerprint: device:inode:size:mtime).
    case campaign
    /// A list version reported (key: stem@size:mtime).
    case list
    /// A suppression import (key: content key).
    case suppressions
    /// A click report (key: the page-log files read).
    case clicks
    /// The identity of an opt-out input when read (key: its processed/ path).
    case read(InputKind)
    /// The run report page (key: "open": one claim at a time, kept by a rerun after a crash).
    case run
    /// A CSV of numbers dropped into inbox/lookups/ (key: content key; InboxLookups).
    case lookup

    package var raw: String {
        switch self {
        case .campaign: return "campaign"
        case .list: return "list"
        case .suppressions: return "suppressions"
        case .clicks: return "clicks"
        case .run: return "run"
        case .lookup: return "lookup"
        case .read(let kind): return "read-\(kind.rawValue)"
        }
    }

    package var description: String { raw }
}

package final class Journal {
    private let file: RecordFile
    private var openClaims: [String: String] = [:]     // "kind\tkey" → name
    private var usedNames: [String: Set<String>] = [:]  // kind → names ever claimed
    private var doneFingerprints: Set<String> = []       // "kind\tkey\tfingerprint"
    private var doneKeys: Set<String> = []               // "kind\tkey"
    package private(set) var webhookWatermark: Int64 = 0
    package private(set) var reportWatermark: Int64 = 0
    /// How many review items (ReviewLog, in order) the review reports cover.
    package private(set) var reviewWatermark = 0
    /// Campaigns built under each run report page name, in order (a redone campaign replaces its entry).
    package private(set) var pageCampaigns: [String: [CampaignSummary]] = [:]
    /// Records written after the last run report claim (when read): a crashed run that claimed its
    /// page and then did nothing durable left none.
    package private(set) var recordsAfterRunClaim = 0
    /// Scheduled campaigns' start instants (Unix seconds) by output name (ScheduledSend).
    package private(set) var scheduleStarts: [String: Int64] = [:]

    package init(path: String) throws(OptoutError) {
        file = RecordFile(path: path)
        try file.open(repairing: { payload, _ in
            let fields = TabFields.split(payload).map { TabFields.unescape(UnsafeBufferPointer(rebasing: payload[$0])) }
            switch (fields.first, fields.count) {
            case ("claim", 4):
                openClaims["\(fields[1])\t\(fields[2])"] = fields[3]
                usedNames[fields[1], default: []].insert(fields[3])
            case ("done", 4):
                openClaims["\(fields[1])\t\(fields[2])"] = nil
                doneKeys.insert("\(fields[1])\t\(fields[2])")
                doneFingerprints.insert("\(fields[1])\t\(fields[2])\t\(fields[3])")
            case ("webhooks", 2):
                webhookWatermark = max(webhookWatermark, Int64(fields[1]) ?? 0)
            case ("reports", 2):
                reportWatermark = max(reportWatermark, Int64(fields[1]) ?? 0)
            case ("reviews", 2):
                reviewWatermark = max(reviewWatermark, Int(fields[1]) ?? 0)
            case ("page", let n) where n >= 6 && n % 2 == 0:
                var summary = CampaignSummary(name: fields[2])
                summary.rowsRead = Int(fields[3]) ?? 0
                summary.toSend = Int(fields[4]) ?? 0
                summary.segments = Int(fields[5]) ?? 0
                for i in stride(from: 6, to: n, by: 2) { summary.skipped[fields[i]] = Int(fields[i + 1]) ?? 0 }
                summary.takeScheduleFacts()  // quiet hours (ScheduleFacts)
                pageCampaigns[fields[1], default: []].removeAll { $0.name == summary.name }
                pageCampaigns[fields[1], default: []].append(summary)
            case ("schedule", 3):
                if let seconds = Int64(fields[2]) { scheduleStarts[fields[1]] = seconds }
            default:
                break
            }
            if fields.first == "claim" && fields.count > 1 && fields[1] == JournalKind.run.raw { recordsAfterRunClaim = 0 } else { recordsAfterRunClaim += 1 }
        })
    }

    package var problems: [String] { file.problems }

    private func write(_ fields: [String]) throws(OptoutError) {
        var payload: [UInt8] = []
        for (i, field) in fields.enumerated() {
            if i > 0 { payload.append(0x09) }
            TabFields.escape(field, into: &payload)
        }
        try file.appendAndSync([payload])
    }

    /// The output name for an input: the one claimed before a crash, or a new one that no earlier
    /// input of this kind used and for which `isTaken` is false ("name", "name-2", ...).
    package func claimName(kind: JournalKind, key: String, preferred: String, isTaken: (String) -> Bool) throws(OptoutError) -> String {
        if let name = openClaims["\(kind)\t\(key)"] { return name }
        var candidate = preferred
        var n = 2
        while usedNames[kind.raw, default: []].contains(candidate) || isTaken(candidate) {
            candidate = "\(preferred)-\(n)"
            n += 1
        }
        try write(["claim", kind.raw, key, candidate])
        openClaims["\(kind)\t\(key)"] = candidate
        usedNames[kind.raw, default: []].insert(candidate)
        return candidate
    }

    /// Records that the input is finished (before it is moved out of the inbox).
    package func markDone(kind: JournalKind, key: String, fingerprint: String) throws(OptoutError) {
        try write(["done", kind.raw, key, fingerprint])
        openClaims["\(kind)\t\(key)"] = nil
        doneKeys.insert("\(kind)\t\(key)")
        doneFingerprints.insert("\(kind)\t\(key)\t\(fingerprint)")
    }

    /// True when this very file (same content and fingerprint) was finished but not moved.
    package func isDone(kind: JournalKind, key: String, fingerprint: String) -> Bool {
        doneFingerprints.contains("\(kind)\t\(key)\t\(fingerprint)")
    }

    /// True when an input with this content was finished at some time.
    package func wasDone(kind: JournalKind, key: String) -> Bool {
        doneKeys.contains("\(kind)\t\(key)")
    }

    /// The open claim's name for `kind` and `key`, if a claim has no done yet.
    package func openClaim(kind: JournalKind, key: String) -> String? {
        openClaims["\(kind)\t\(key)"]
    }

    /// Records a campaign's funnel for the run report page `page` (before the campaign is done).
    package func recordPageCampaign(page: String, _ summary: CampaignSummary) throws(OptoutError) {
        var fields = ["page", page, summary.name, String(summary.rowsRead), String(summary.toSend), String(summary.segments)]
        for (reason, n) in summary.skipped.sorted(by: { $0.key < $1.key }) { fields += [reason, String(n)] }
        fields += summary.scheduleFacts  // quiet hours: each timed file's rows and the held rows (ScheduleFacts)
        try write(fields)
        pageCampaigns[page, default: []].removeAll { $0.name == summary.name }
        pageCampaigns[page, default: []].append(summary)
    }

    /// Records the start of scheduled campaign `name` (before any of its files is written).
    package func recordScheduleStart(name: String, seconds: Int64) throws(OptoutError) {
        try write(["schedule", name, String(seconds)])
        scheduleStarts[name] = seconds
    }

    package func setWebhookWatermark(_ seq: Int64) throws(OptoutError) {
        guard seq > webhookWatermark else { return }
        try write(["webhooks", String(seq)])
        webhookWatermark = seq
    }

    /// Records that the unsubscription report and its notifications cover opt-outs up to `seq`.
    package func setReportWatermark(_ seq: Int64) throws(OptoutError) {
        guard seq > reportWatermark else { return }
        try write(["reports", String(seq)])
        reportWatermark = seq
    }

    /// Records that review reports cover the first `count` review items.
    package func setReviewWatermark(_ count: Int) throws(OptoutError) {
        guard count > reviewWatermark else { return }
        try write(["reviews", String(count)])
        reviewWatermark = count
    }
}
