// Confirmation timing (issue 17 item 3): the confirmation SMS after an opt-out is presumed lawful
// only when sent within 5 minutes of it (FCC). optout writes it when it records the opt-out, so an
// opt-out recorded more than 5 minutes after it was made (a nightly run reading yesterday's STOP
// log) gets no confirmation: it is left out of outbox/send/unsubscribe-confirmations-<time>.csv
// and listed as late (RunReport.lateConfirmations, the run page, `--verbose`). `watch` records
// within seconds of a drop and meets the presumption; a nightly `run` does not.
// Input: applied opt-out ledger records (event time = when the person opted out, recorded time =
// when optout wrote it). Output: which are late, and a line for each. Failures: none (pure; the
// decision depends only on durable record fields, so a rerun after a crash decides the same).

import OptoutBase
import OptoutPhone

package enum ConfirmationTiming {
    /// The presumption's window, in seconds.
    package static let limitSeconds: Int64 = 300

    /// True when the record was written more than 5 minutes after the opt-out was made.
    package static func isLate(_ record: LedgerRecord) -> Bool {
        isLate(made: record.eventTime, recorded: record.recordedTime)
    }

    static func isLate(made: Timestamp, recorded: Timestamp) -> Bool {
        recorded.seconds - made.seconds > limitSeconds
    }

    /// Each number's last applied opt-out (not imported) among `records`: the one a confirmation answers.
    package static func latest(_ records: [LedgerRecord]) -> [UInt64: LedgerRecord] {
        var out: [UInt64: LedgerRecord] = [:]
        for r in records where r.kind == .optOut && r.effect == .applied && r.source != .import { out[r.number.value] = r }
        return out
    }

    /// The late lines for `records` (applied opt-outs in ledger order), one per number, in order of
    /// first appearance (as the confirmation rows are).
    package static func lateLines(_ records: [LedgerRecord]) -> [String] {
        let latest = latest(records)
        var seen = Set<UInt64>(), out: [String] = []
        for r in records where latest[r.number.value] != nil && seen.insert(r.number.value).inserted {
            if let last = latest[r.number.value], isLate(last) { out.append(line(last)) }
        }
        return out
    }

    /// The same lines from the streamed facts of the run's applied opt-outs (ledger order).
    package static func lateLines(_ facts: [LedgerFacts]) -> [String] {
        var latest: [UInt64: LedgerFacts] = [:]
        for f in facts where f.kind == .optOut && f.effect == .applied && f.source != .import { latest[f.number.value] = f }
        var seen = Set<UInt64>(), out: [String] = []
        for f in facts where latest[f.number.value] != nil && seen.insert(f.number.value).inserted {
            if let last = latest[f.number.value], isLate(made: last.time, recorded: last.recordedTime) {
                out.append(line(number: last.number, made: last.time, recorded: last.recordedTime))
            }
        }
        return out
    }

    /// "+15551234567: opted out 2026-11-26T02:00:00Z, recorded 2026-11-26T02:30:00Z (30 min later)".
    package static func line(_ record: LedgerRecord) -> String {
        line(number: record.number, made: record.eventTime, recorded: record.recordedTime)
    }

    static func line(number: PhoneNumber, made: Timestamp, recorded: Timestamp) -> String {
        let late = recorded.seconds - made.seconds
        let after = late < 7200 ? "\(late / 60) min" : late < 172_800 ? "\(late / 3600) h" : "\(late / 86400) days"
        return "\(number.e164): opted out \(made.iso8601), recorded \(recorded.iso8601) (\(after) later)"
    }
}
