// ScheduleFacts.swift — a scheduled campaign's figures (each timed send file's rows, the held rows)
// as journal facts for the run report page, which is built only from durable facts.
// Input: a `CampaignSummary` with a schedule (ScheduledSend.fill), or the pairs of a journal
// "page" record. Output: extra `name, count` pairs after the skipped reasons ("@at <UTC time>"
// per file, "@held"); read back into `schedule` (skip reasons never start with "@", and a journal
// without them reads as before). Failures: none (a malformed pair is ignored).

import OptoutBase

extension CampaignSummary {
    static let heldFact = "@held"
    static let atFact = "@at "

    /// The pairs a journal "page" record carries for the schedule (none when not scheduled).
    package var scheduleFacts: [String] {
        guard let schedule else { return [] }
        var out: [String] = []
        for group in schedule.groups { out += [Self.atFact + group.time.iso8601, String(group.rows)] }
        out += [Self.heldFact, String(schedule.heldRows)]
        return out
    }

    /// Moves schedule pairs read into `skipped` back into `schedule` (for the run report page).
    package mutating func takeScheduleFacts() {
        let keys = skipped.keys.filter { $0.hasPrefix("@") }
        guard !keys.isEmpty else { return }
        var plan = Schedule(sendAt: "", start: Timestamp(seconds: 0), groups: [], heldRows: 0, heldPath: nil)
        for key in keys.sorted() {
            let n = skipped.removeValue(forKey: key) ?? 0
            if key == Self.heldFact {
                plan.heldRows = n
            } else if key.hasPrefix(Self.atFact), let time = Timestamp.parse(String(key.dropFirst(Self.atFact.count)), zone: .gmt) {
                plan.groups.append(ScheduledFile(time: time, rows: n, path: ""))  // the page shows no path
            }
        }
        plan.start = plan.groups.first?.time ?? plan.start
        schedule = plan
    }
}
