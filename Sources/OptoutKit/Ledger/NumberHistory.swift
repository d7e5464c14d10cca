// Number history: the proof for one number (issue 17) — every ledger event about it, its state
// now, and for every campaign built, whether it was sent to it and whether that was allowed.
// Input: the ledger file (read only: scanned once for any set of numbers; only their records are
// decoded) and the campaigns' keys files (CampaignKeysFile). Output: a `NumberHistory` per number.
// The verdict per campaign compares two states at its build: what the ledger said then (records
// up to the campaign's ledger seq: what it excluded) and what we know now happened before it
// (every event of the number with an event time up to the build, replayed afresh). Sent while
// either says "opted out" is a SENT AFTER OPT-OUT; not sent while the ledger said so is the skip
// the rules require. Failures: `OptoutError` reading the ledger or a keys file.

import OptoutPhone
import OptoutBase

/// One campaign, seen from one number.
package struct CampaignVerdict: Sendable, Equatable {
    package enum Kind: String, Sendable {
        /// Opted out when built and not sent to: as the rules require.
        case skipped
        /// Sent while opted out (by the ledger then, or by an event known now): must be looked at.
        case sentAfterOptOut = "sent_after_opt_out"
        /// Sent while subscribed (never opted out, or resubscribed).
        case sent
        /// Not sent and not opted out when built (not on its list, or skipped for another reason).
        case notSent = "not_sent"
    }
    package var campaign: CampaignKeysFacts
    package var kind: Kind
    /// The opt-out in force at the build (by the ledger then, else by what is known now).
    package var optedOutSince: Timestamp?
    package var optOutSource: EventSource?
    /// The opt-out in force by event time was recorded only after the build (it came in late).
    package var recordedAfterBuild: Timestamp?
}

package struct NumberHistory: Sendable {
    package var number: PhoneNumber
    /// Every intact ledger record of the number, in ledger order.
    package var records: [LedgerRecord] = []
    /// Its state now (nil: no event ever changed it).
    package var now: NumberState?
    /// Every campaign built, oldest first, with its verdict.
    package var campaigns: [CampaignVerdict] = []

    package var seen: Bool { !records.isEmpty }
    package var optedOutNow: Bool { now?.optedOut ?? false }
    /// The first opt-out event (by event time) that took effect or repeated one.
    package var firstOptOut: Timestamp? {
        records.filter { $0.kind == .optOut && $0.effect != .noEffect }.map(\.eventTime).min()
    }
    /// Campaigns built at or after the first opt-out (the ones the proof is about).
    package var campaignsSinceOptOut: [CampaignVerdict] {
        guard let first = firstOptOut else { return [] }
        return campaigns.filter { $0.campaign.builtAt >= first }
    }
    package var sentAfterOptOut: [CampaignVerdict] { campaigns.filter { $0.kind == .sentAfterOptOut } }
    package var lastSent: CampaignVerdict? { campaigns.last { $0.kind == .sent || $0.kind == .sentAfterOptOut } }

    /// The state from `records` applied afresh in event order (what is known now to have happened).
    static func replayAfresh(_ records: [LedgerRecord]) -> NumberState? {
        let events = records.map { r in
            IncomingEvent(kind: r.kind, number: r.number, time: r.eventTime, source: r.source, rule: r.rule,
                          file: r.file, line: r.line, inputHash: r.inputHash, text: r.text, detail: r.detail)
        }.sorted(by: IncomingEvent.applyOrder)
        var state = SuppressionState()
        for e in events {
            state.apply(e.kind, number: e.number, at: e.time, source: e.source,
                        effect: state.effect(of: e.kind, number: e.number, at: e.time, source: e.source))
        }
        return events.first.flatMap { state.state(of: $0.number) }
    }

    /// The state the ledger held after the records up to `seq`, with their recorded effects.
    static func replayRecorded(_ records: [LedgerRecord], upTo seq: Int64 = .max) -> NumberState? {
        var state = SuppressionState()
        for r in records where r.seq <= seq { state.apply(r.kind, number: r.number, at: r.eventTime, source: r.source, effect: r.effect) }
        return records.first.flatMap { state.state(of: $0.number) }
    }

    /// The verdict of one campaign for this number's records.
    static func verdict(_ campaign: CampaignKeysFacts, sent: Bool, records: [LedgerRecord]) -> CampaignVerdict {
        let then = replayRecorded(records, upTo: campaign.ledgerSeq)
        let known = replayAfresh(records.filter { $0.eventTime <= campaign.builtAt })
        var out = CampaignVerdict(campaign: campaign, kind: sent ? .sent : .notSent)
        let thenOut = then?.optedOut == true, knownOut = known?.optedOut == true
        if thenOut { (out.optedOutSince, out.optOutSource) = (then?.since, then?.source) }
        else if knownOut {
            (out.optedOutSince, out.optOutSource) = (known?.since, known?.source)
            // When the opt-out in force reached the ledger.
            out.recordedAfterBuild = records.filter { $0.kind == .optOut && $0.seq > campaign.ledgerSeq && $0.eventTime <= campaign.builtAt }
                .map(\.recordedTime).min()
        }
        if sent && (thenOut || knownOut) { out.kind = .sentAfterOptOut }
        else if !sent && thenOut { out.kind = .skipped }
        return out
    }

    /// The histories of `numbers` (each once): one scan of the ledger, then each campaign's keys.
    /// `problems`: damaged ledger records and keys files that could not be read, for people.
    package static func collect(_ numbers: [PhoneNumber], ledgerPath: String, campaignsFolder: String) throws(OptoutError)
        -> (histories: [UInt64: NumberHistory], problems: [String], damagedRecords: Int) {
        var wanted: [UInt64: NumberHistory] = [:]
        for n in numbers { wanted[n.value] = NumberHistory(number: n) }
        let scan = try RecordFile.scan(ledgerPath) { payload, _ in
            // The number is the fifth field: read it before decoding anything else.
            var tabs = 0, start = 0, end = payload.count
            for i in 0..<payload.count where payload[i] == 0x09 {
                tabs += 1
                if tabs == 4 { start = i + 1 } else if tabs == 5 { end = i; break }
            }
            guard tabs >= 5, let value = PhoneNumber.parseE164Digits(UnsafeBufferPointer(rebasing: payload[start..<end])),
                  wanted[value] != nil, let record = LedgerRecord.decode(payload) else { return }
            wanted[value]?.records.append(record)
        }
        var problems = scan.problems
        for key in Array(wanted.keys) {
            let records = (wanted[key]?.records ?? []).sorted { $0.seq < $1.seq }
            wanted[key]?.records = records
            wanted[key]?.now = replayRecorded(records)
        }
        let keyFiles = CampaignKeysFile.all(in: campaignsFolder)
        problems += keyFiles.problems.map { "\($0); the campaigns it records are not in this lookup" }
        let sortedKeys = wanted.keys.sorted()
        for file in keyFiles.files {
            // A few numbers: a binary search each; many: one sequential read of the keys.
            let sent: Set<UInt64>
            if sortedKeys.count <= 64 {
                var hits = Set<UInt64>()
                for key in sortedKeys where try file.contains(key) { hits.insert(key) }
                sent = hits
            } else {
                sent = try file.sent(amongSorted: sortedKeys)
            }
            for key in sortedKeys {
                let records = wanted[key]!.records
                wanted[key]!.campaigns.append(verdict(file.facts, sent: sent.contains(key), records: records))
            }
        }
        return (wanted, problems, scan.damaged.count)
    }
}

extension LedgerRecord {
    /// The user agent of a page-log event ("user_agent=..." in its detail), else nil.
    package var userAgent: String? {
        guard let range = detail.range(of: "user_agent=") else { return nil }
        return String(detail[range.upperBound...])
    }
}
