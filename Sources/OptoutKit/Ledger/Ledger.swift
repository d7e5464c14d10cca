// Ledger: the durable, append-only suppression ledger in .optout/ledger.tsv (mode 0600).
// Input: events read from STOP logs, page logs and imports. Output: records with their effect,
// fsynced before `record` returns (so nothing that depends on them can run first), and the
// suppression state they add up to. Nothing is ever deleted. Failures: `OptoutError` naming the
// file; damaged records are reported in `problems` and `damagedRecords` and skipped (a torn tail
// is cut off silently, with a note); a record with a good checksum in an unknown format (written
// by a newer optout) stops the run (70).

import OptoutPhone
import OptoutBase

/// An event waiting to be recorded.
package struct IncomingEvent: Sendable {
    package var kind: EventKind
    package var number: PhoneNumber
    package var time: Timestamp
    package var source: EventSource
    package var rule: String
    package var file: String
    package var line: Int
    package var inputHash: String
    package var text: String
    package var detail: String
    /// The time as written in the input ("" when none), for the ledger's identity: a re-read row
    /// whose time was substituted or clamped has the same identity. nil: the event time's ISO
    /// text is used (inputs that always carry their own time).
    package var timeText: String? = nil
    /// The time was read from the row itself, unambiguous and not clamped (EventTimes). Such an
    /// event is also matched against records written before time texts were kept.
    package var timeTrusted = true

    package init(kind: EventKind, number: PhoneNumber, time: Timestamp, source: EventSource, rule: String,
                file: String, line: Int, inputHash: String, text: String, detail: String = "") {
        self.kind = kind; self.number = number; self.time = time; self.source = source; self.rule = rule
        self.file = file; self.line = line; self.inputHash = inputHash; self.text = text; self.detail = detail
    }

    /// Sort order for applying events: time, then opt-in before opt-out at the same second (so the
    /// opt-out wins a tie), then file and line.
    static func applyOrder(_ a: IncomingEvent, _ b: IncomingEvent) -> Bool {
        if a.time != b.time { return a.time < b.time }
        let ra = a.kind == .optOut ? 1 : 0, rb = b.kind == .optOut ? 1 : 0
        if ra != rb { return ra < rb }
        if a.file != b.file { return a.file < b.file }
        return a.line < b.line
    }
}

/// A new opt-out that other outputs (webhooks, reports) are derived from.
package struct AppliedOptOut: Sendable, Equatable {
    package var seq: Int64
    package var number: PhoneNumber
    package var time: Timestamp
    package var source: EventSource
}

package final class Ledger {
    package let path: String
    private let file: RecordFile
    package private(set) var state = SuppressionState()
    package private(set) var lastSeq: Int64 = 0
    /// Opt-outs that were applied (new), in ledger order: the source of webhook payloads.
    package private(set) var appliedOptOuts: [AppliedOptOut] = []
    private var identities = Set<UInt64>()
    package var problems: [String] { file.problems }
    /// Records that fail their checksum and are not the torn final record (a crash leaves only
    /// that): not replayed; the run exits 74 and a person reviews them.
    package var damagedRecords: [RecordFile.DamagedRecord] { file.damaged }

    /// Opens the ledger, replaying every intact record.
    package init(path: String) throws(OptoutError) {
        self.path = path
        file = RecordFile(path: path)
        var badRecords = 0
        try file.open(repairing: { payload, _ in
            guard let fields = LedgerRecord.Replay(payload) else { badRecords += 1; return }
            replay(seq: fields.seq, kind: fields.kind, effect: fields.effect, number: fields.number,
                   time: fields.time, source: fields.source, identity: fields.identity)
        })
        if badRecords > 0 {
            throw .internalError("\(path): \(badRecords) records have an unknown format; refusing to run on a ledger written by a newer optout")
        }
    }

    private func replay(_ record: LedgerRecord) {
        replay(seq: record.seq, kind: record.kind, effect: record.effect, number: record.number,
               time: record.eventTime, source: record.source, identity: record.identity)
    }

    private func replay(seq: Int64, kind: EventKind, effect: EventEffect, number: PhoneNumber, time: Timestamp,
                        source: EventSource, identity: UInt64) {
        lastSeq = max(lastSeq, seq)
        identities.insert(identity)
        state.apply(kind, number: number, at: time, source: source, effect: effect)
        if kind == .optOut && effect == .applied {
            appliedOptOuts.append(AppliedOptOut(seq: seq, number: number, time: time, source: source))
        }
    }

    /// True when the number is opted out now (reads the state in place: no copy per call).
    @inline(__always)
    package func isOptedOut(_ number: PhoneNumber) -> Bool { state.isOptedOut(number) }

    private func makeRecord(_ event: IncomingEvent, seq: Int64, effect: EventEffect, recordedAt: Timestamp) -> LedgerRecord {
        LedgerRecord(seq: seq, kind: event.kind, effect: effect, number: event.number, eventTime: event.time,
                     recordedTime: recordedAt, source: event.source, rule: event.rule, file: event.file,
                     line: event.line, inputHash: event.inputHash, text: event.text, detail: event.detail,
                     timeText: event.timeText ?? event.time.iso8601)
    }

    /// True when the event's evidence is in the ledger already: the same identity, or (for an
    /// event with its own time) the identity a v1 record of the same evidence has.
    private func isKnown(_ record: LedgerRecord, trusted: Bool) -> Bool {
        if identities.contains(record.identity) { return true }
        return trusted && identities.contains(record.legacyIdentity)
    }

    /// Applies events in time order, appends them, and fsyncs before returning.
    /// Events whose evidence is already in the ledger are skipped (not recorded twice).
    /// - Returns: the records written, with their effects, in the order applied.
    @discardableResult
    package func record(_ events: [IncomingEvent], at now: Timestamp = .now()) throws(OptoutError) -> [LedgerRecord] {
        let ordered = events.sorted(by: IncomingEvent.applyOrder)
        var written: [LedgerRecord] = []
        var encoded: [UInt8] = []
        for event in ordered {
            let probe = makeRecord(event, seq: 0, effect: .noEffect, recordedAt: now)
            if isKnown(probe, trusted: event.timeTrusted) { continue }
            let effect = state.effect(of: event.kind, number: event.number, at: event.time, source: event.source)
            let record = makeRecord(event, seq: lastSeq + 1, effect: effect, recordedAt: now)
            RecordFile.encode(record.payload(), into: &encoded)
            written.append(record)
            replay(record)
            if encoded.count > 1 << 20 {
                try file.append(encoded: encoded)
                encoded.removeAll(keepingCapacity: true)
            }
        }
        try file.append(encoded: encoded)
        try file.sync()
        return written
    }

    /// The suppression state from every intact record, without repairing or locking the file
    /// (for read-only commands such as status).
    package static func stateReadOnly(path: String) throws(OptoutError) -> SuppressionState {
        var state = SuppressionState()
        try RecordFile.scan(path) { payload, _ in
            guard let r = LedgerRecord.Replay(payload) else { return }
            state.apply(r.kind, number: r.number, at: r.time, source: r.source, effect: r.effect)
        }
        return state
    }

    /// The records after `seq`, read again from disk (never written). Only those are decoded and
    /// kept, so a run that reports its few new opt-outs does not hold a million-record ledger in memory.
    package static func records(path: String, after seq: Int64) throws(OptoutError) -> [LedgerRecord] {
        var records: [LedgerRecord] = []
        try RecordFile.scan(path) { payload, _ in
            // The seq is the second field: read it before decoding anything else.
            var i = 0
            while i < payload.count && payload[i] != 0x09 { i += 1 }
            var j = i + 1
            while j < payload.count && payload[j] != 0x09 { j += 1 }
            guard i < payload.count, let recordSeq = LedgerRecord.Replay.integer(UnsafeBufferPointer(rebasing: payload[(i + 1)..<j])),
                  recordSeq > seq else { return }
            if let record = LedgerRecord.decode(payload) { records.append(record) }
        }
        return records
    }

    /// Every intact record, read again from disk and never written (reports, evidence look-ups,
    /// read-only checks; not the hot path).
    package static func readAll(path: String) throws(OptoutError) -> [LedgerRecord] {
        var records: [LedgerRecord] = []
        try RecordFile.scan(path) { payload, _ in
            if let record = LedgerRecord.decode(payload) { records.append(record) }
        }
        return records
    }
}
