// Ledger: the durable, append-only suppression ledger in .optout/ledger.tsv (mode 0600).
// Memory (issue 13): the state is a flat table (SuppressionState); identities are loaded only
// by a run that records; applied opt-outs are read back from disk after a watermark.
// Input: events read from STOP logs, page logs and imports. Output: records with their effect,
// fsynced before `record` returns (so nothing that depends on them can run first), and the
// suppression state they add up to. Nothing is ever deleted. Failures: `OptoutError` naming the
// file; damaged records are reported in `problems` and `damagedRecords` and skipped (a torn tail
// is cut off silently, with a note); a record with a good checksum in an unknown format (written
// by a newer optout) stops the run (70).

import OptoutPhone
import OptoutBase
#if canImport(Glibc)
import Glibc
#endif

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
    /// The row a spreadsheet shows, only when it differs from `line` (a `sep=` line, a cell
    /// holding a line break: SpreadsheetRow); written after the record's fields, never hashed.
    package var row: Int? = nil

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

/// The fields of a record that decide the state and the reports (no evidence text).
package struct LedgerFacts: Sendable {
    package var seq: Int64
    package var kind: EventKind
    package var effect: EventEffect
    package var number: PhoneNumber
    package var time: Timestamp
    package var recordedTime: Timestamp
    package var source: EventSource
}

/// A new opt-out that other outputs (webhooks, reports) are derived from.
package struct AppliedOptOut: Sendable, Equatable {
    package var seq: Int64
    package var number: PhoneNumber
    package var time: Timestamp
    package var source: EventSource
}

/// What a call that records events did (without keeping the records).
package struct RecordCounts: Sendable, Equatable {
    package var written = 0
    package var newOptOuts = 0
    package var resubscribed = 0

    package init() {}

    package mutating func add(_ other: RecordCounts) {
        written += other.written; newOptOuts += other.newOptOuts; resubscribed += other.resubscribed
    }
}

package final class Ledger {
    package let path: String
    private let file: RecordFile
    package private(set) var state = SuppressionState()
    package private(set) var lastSeq: Int64 = 0
    /// The seq of the last applied opt-out (0: none). The opt-outs themselves are read back from
    /// disk when needed (`appliedOptOuts(after:)`), never held for the whole ledger (issue 13).
    package private(set) var lastAppliedOptOutSeq: Int64 = 0
    /// The evidence keys of every record, loaded on the first `record` (a run that records
    /// nothing, such as a campaign run, never hashes or holds them).
    private var identities: IdentitySet?
    /// The ledger holds v1 records (known when the identities are loaded): only then can an event
    /// match a record by its v1 identity, so only then is that identity computed (issue 13).
    private var hasV1Records = false
    /// lastSeq when opened, and the applied opt-outs other than imports recorded since (what
    /// webhook payloads need after a normal run, without reading the ledger back).
    private var seqAtOpen: Int64 = 0
    private var appendedOptOuts: [AppliedOptOut] = []
    package var problems: [String] { file.problems }
    /// Records that fail their checksum and are not the torn final record (a crash leaves only
    /// that): not replayed; the run exits 74 and a person reviews them.
    package var damagedRecords: [RecordFile.DamagedRecord] { file.damaged }

    /// Opens the ledger, replaying every intact record into the suppression state.
    /// With `checkpoint` (`.optout/ledger.checkpoint`), the state is read from it when it still
    /// describes the ledger's first bytes (LedgerCheckpoint), and only the records after them are
    /// replayed; otherwise every record is, as without it.
    package init(path: String, checkpoint checkpointPath: String? = nil) throws(OptoutError) {
        self.path = path
        file = RecordFile(path: path)
        var badRecords = 0
        // Records are 200 bytes or more (an import's about 230): the table sized once from the
        // file's size, instead of grown (a growth holds the old and the new table at once).
        var st = stat()
        let size = stat(path, &st) == 0 ? Int(st.st_size) : 0
        var from = (offset: 0, line: 0)
        if let checkpointPath, let checkpoint = LedgerCheckpoint.load(path: checkpointPath, ledgerPath: path) {
            state = checkpoint.state
            (lastSeq, lastAppliedOptOutSeq, appliedTallies) = (checkpoint.lastSeq, checkpoint.lastAppliedOptOutSeq, checkpoint.tallies)
            from = (checkpoint.ledgerBytes, checkpoint.ledgerLines)
            // What it covers, without its state: a copy of the table held for the run would be
            // copied again at the first record appended.
            self.checkpoint = (checkpoint.ledgerBytes, checkpoint.ledgerLines, checkpoint.segments)
            state.reserve(state.count + (size - from.offset) / 200)
        } else {
            state.reserve(size / 200)
        }
        // Issue 13: the records are verified and decoded on worker threads, applied here in order.
        // Each block's table slots are touched first, all at once (their cache misses overlap),
        // then its records applied one by one find them in the cache.
        var touched: UInt64 = 0
        let scan = try file.open(repairing: Ledger.decoding(identity: false), from: from, beforeBlock: { block in
            block.forEach { p in if let r = p.load(as: LedgerRecord.Replay?.self) { touched &+= self.state.touch(r.number.value) } }
        }) { _, _, prepared in
            guard let fields = prepared.fixed.load(as: LedgerRecord.Replay?.self) else { badRecords += 1; return }
            replay(seq: fields.seq, kind: fields.kind, effect: fields.effect, number: fields.number,
                   time: fields.time, source: fields.source, recordedTime: fields.recordedTime)
        }
        touchSink = touched
        if badRecords > 0 {
            throw .internalError("\(path): \(badRecords) records have an unknown format; refusing to run on a ledger written by a newer optout")
        }
        seqAtOpen = lastSeq
        opened = scan.problems.isEmpty && scan.damaged.isEmpty ? (scan.intactEnd, scan.lines) : nil
        #if DEBUG
        // Every test that opens a ledger from a checkpoint also proves it equal to a full replay.
        if let checkpoint { Ledger.crossCheck(self, against: try Ledger(path: path), coveredBytes: checkpoint.bytes) }
        #endif
    }

    /// What the checkpoint the state was read from covers: the ledger's first bytes, their lines
    /// and their segments' hashes (nil: every record was replayed).
    package private(set) var checkpoint: (bytes: Int, lines: Int, segments: [UInt64])?
    /// Where the intact records ended and how many lines they were, when the ledger opened with no
    /// damaged record and no torn tail (nil otherwise: no checkpoint is written from it).
    private var opened: (bytes: Int, lines: Int)?
    /// Records appended since the open (all of them replayed into the state).
    private var recordsAppended = 0

    /// A ledger that grew by this many bytes since its checkpoint (or since nothing) gets a new one
    /// at the end of a run: about 18,000 records, some 10 ms of replay. Debug builds write one
    /// after every run that recorded anything, so that every test run after it opens the ledger
    /// from a checkpoint and proves it equal to a full replay (`crossCheck`).
    #if DEBUG
    package static let checkpointGrowth = 1
    #else
    package static let checkpointGrowth = 4 << 20
    #endif

    /// The checkpoint of the state as it is now (its segment checksums not yet computed: see
    /// `LedgerCheckpoint.write`) when the ledger grew by `growth` bytes or more since the one it
    /// was opened from, after making every record durable; nil when none is due, or when the
    /// ledger did not open clean or does not hold exactly the records replayed and appended.
    package func checkpointDue(growth: Int = Ledger.checkpointGrowth) throws(OptoutError) -> LedgerCheckpoint? {
        guard let opened else { return nil }
        try sync()
        let bytes = opened.bytes + file.bytesAppended
        guard bytes - (checkpoint?.bytes ?? 0) >= max(growth, 1), (try? FileSize.of(path)) == bytes else { return nil }
        // Whole segments the open verified are not read again.
        let known = checkpoint.map { Array($0.segments.prefix($0.bytes / FileSegments.segmentSize)) } ?? []
        var tallies = appliedTallies
        if tally != AppliedTally() { tallies[tallySecond, default: AppliedTally()].merge(tally) }
        return LedgerCheckpoint(ledgerBytes: bytes, ledgerLines: opened.lines + recordsAppended, segments: known,
                                lastSeq: lastSeq, lastAppliedOptOutSeq: lastAppliedOptOutSeq, tallies: tallies, state: state)
    }

    /// Writes the checkpoint that is due (`checkpointDue`) at `checkpointPath`.
    /// - Returns: true when one was written.
    @discardableResult
    package func writeCheckpoint(to checkpointPath: String, growth: Int = Ledger.checkpointGrowth) throws(OptoutError) -> Bool {
        guard let due = try checkpointDue(growth: growth) else { return false }
        try due.write(to: checkpointPath, ledgerPath: path)
        return true
    }

    #if DEBUG
    /// Debug builds: a ledger opened from a checkpoint holds what a full replay gives.
    private static func crossCheck(_ ledger: Ledger, against full: Ledger, coveredBytes: Int) {
        precondition(ledger.state.sameNumbers(as: full.state) && ledger.lastSeq == full.lastSeq
                     && ledger.lastAppliedOptOutSeq == full.lastAppliedOptOutSeq
                     && ledger.appliedTally(from: Timestamp(seconds: .min / 2), through: Timestamp(seconds: .max / 2))
                        == full.appliedTally(from: Timestamp(seconds: .min / 2), through: Timestamp(seconds: .max / 2)),
                     "\(ledger.path): the checkpoint (\(coveredBytes) bytes) disagrees with a full replay")
    }
    #endif

    private func replay(seq: Int64, kind: EventKind, effect: EventEffect, number: PhoneNumber, time: Timestamp, source: EventSource,
                        recordedTime: Timestamp) {
        lastSeq = max(lastSeq, seq)
        state.apply(kind, number: number, at: time, source: source, effect: effect)
        if kind == .optOut && effect == .applied { lastAppliedOptOutSeq = max(lastAppliedOptOutSeq, seq) }
        if effect == .applied && (kind == .optOut || kind == .optIn) {
            // The current second's tally kept aside (no dictionary look-up per record).
            if recordedTime.seconds != tallySecond {
                if tally != AppliedTally() { appliedTallies[tallySecond, default: AppliedTally()].merge(tally) }
                (tallySecond, tally) = (recordedTime.seconds, AppliedTally())
            }
            tally.add(kind, source)
        }
    }

    /// Prepares each record on a scan's worker threads: its `Replay` (nil when it is not a record
    /// this optout reads, or when `keep` turns it down), stored as a `LedgerRecord.Replay?`.
    /// `render` appends bytes made from a kept record (PreparedRecord.bytes), on the worker too.
    static func decoding(identity: Bool, keep: (@Sendable (UnsafeBufferPointer<UInt8>) -> Bool)? = nil,
                         render: (@Sendable (UnsafeBufferPointer<UInt8>, LedgerRecord.Replay, inout [UInt8]) -> Void)? = nil) -> RecordPrepare {
        RecordPrepare(size: MemoryLayout<LedgerRecord.Replay?>.stride) { payload, fixed, out in
            let fields = keep == nil || keep!(payload) ? LedgerRecord.Replay(payload, identity: identity) : nil
            fixed.initializeMemory(as: LedgerRecord.Replay?.self, repeating: fields, count: 1)
            if let render, let fields { render(payload, fields, &out) }
        }
    }

    /// Applied opt-outs (by source) and resubscriptions, counted by the second they were recorded
    /// in (a few entries: one per run that recorded something), kept as records are replayed and
    /// appended: a run's page counts its own without reading the ledger back (issue 13).
    package struct AppliedTally: Sendable, Equatable {
        package var reply = 0, link = 0, imports = 0, resubscribed = 0

        package init() {}

        mutating func merge(_ t: AppliedTally) {
            reply += t.reply; link += t.link; imports += t.imports; resubscribed += t.resubscribed
        }

        mutating func add(_ kind: EventKind, _ source: EventSource) {
            if kind == .optIn { resubscribed += 1; return }
            switch source {
            case .reply: reply += 1
            case .link: link += 1
            case .import: imports += 1
            }
        }
    }
    private var appliedTallies: [Int64: AppliedTally] = [:]
    /// What the open's touches read (kept, so that they are not optimised away).
    private var touchSink: UInt64 = 0
    private var tallySecond: Int64 = .min
    private var tally = AppliedTally()

    /// The applied records recorded from `from` through `through` (inclusive), counted.
    package func appliedTally(from: Timestamp, through: Timestamp) -> AppliedTally {
        var total = AppliedTally()
        for (second, t) in appliedTallies where second >= from.seconds && second <= through.seconds { total.merge(t) }
        if tallySecond >= from.seconds && tallySecond <= through.seconds { total.merge(tally) }
        return total
    }

    /// True when the number is opted out now (reads the state in place: no copy per call).
    @inline(__always)
    package func isOptedOut(_ number: PhoneNumber) -> Bool { state.isOptedOut(number) }

    /// Readies the state for batch lookups (SuppressionState.prepareLookups): a campaign, before its pass.
    package func prepareLookups() { state.prepareLookups() }

    private func makeRecord(_ event: IncomingEvent, seq: Int64, effect: EventEffect, recordedAt: Timestamp) -> LedgerRecord {
        LedgerRecord(seq: seq, kind: event.kind, effect: effect, number: event.number, eventTime: event.time,
                     recordedTime: recordedAt, source: event.source, rule: event.rule, file: event.file,
                     line: event.line, inputHash: event.inputHash, text: event.text, detail: event.detail,
                     timeText: event.timeText ?? event.time.iso8601, row: event.row)
    }

    /// The identities of every intact record, read once from disk on first use.
    private func loadIdentities() throws(OptoutError) -> IdentitySet {
        if let identities { return identities }
        var set = IdentitySet()
        try RecordFile.scan(path, prepare: Ledger.decoding(identity: true)) { _, _, prepared in
            if let fields = prepared!.fixed.load(as: LedgerRecord.Replay?.self) {
                set.insert(fields.identity)
                if fields.isV1 { hasV1Records = true }
            }
        }
        identities = set
        return set
    }

    /// Applies events in time order, appends them, and fsyncs before returning.
    /// Events whose evidence is already in the ledger are skipped (not recorded twice).
    /// - Returns: the records written, with their effects, in the order applied.
    @discardableResult
    package func record(_ events: [IncomingEvent], at now: Timestamp = .now()) throws(OptoutError) -> [LedgerRecord] {
        var written: [LedgerRecord] = []
        try apply(events.sorted(by: IncomingEvent.applyOrder), at: now) { event, seq, effect in
            written.append(self.makeRecord(event, seq: seq, effect: effect, recordedAt: now))
        }
        try sync()
        return written
    }

    /// As `record`, keeping only the counts (a run's STOP logs, page logs and decisions).
    @discardableResult
    package func recordCounting(_ events: [IncomingEvent], at now: Timestamp = .now()) throws(OptoutError) -> RecordCounts {
        let counts = try apply(Ledger.inApplyOrder(events), at: now, keep: nil)
        try sync()
        return counts
    }

    /// One batch of a stream (an import): applied in time order within the batch and appended,
    /// NOT yet durable: call `sync()` before anything depends on them.
    /// The records are encoded and appended on a background thread (issue 13: the next batch is
    /// decided meanwhile); `sync()` waits for them.
    package func appendBatch(_ events: [IncomingEvent], at now: Timestamp) throws(OptoutError) -> RecordCounts {
        try apply(Ledger.inApplyOrder(events), at: now, keep: nil, behind: true)
    }

    /// The events in apply order (as given when they already are: an import without times is).
    /// Sorted through small keys (time, opt-out rank, file rank, line) and an index, so the large
    /// events are moved once instead of at every step of the sort.
    static func inApplyOrder(_ events: [IncomingEvent]) -> [IncomingEvent] {
        var sorted = true
        for i in events.indices.dropFirst() where IncomingEvent.applyOrder(events[i], events[i - 1]) {
            sorted = false
            break
        }
        if sorted { return events }
        var fileRank: [String: Int] = [:]
        for event in events where fileRank[event.file] == nil { fileRank[event.file] = 0 }
        for (rank, file) in fileRank.keys.sorted().enumerated() { fileRank[file] = rank }
        struct Key { var time: Int64; var rank: Int32; var file: Int32; var line: Int; var index: Int }
        var keys = events.indices.map { i in
            Key(time: events[i].time.seconds, rank: events[i].kind == .optOut ? 1 : 0, file: Int32(fileRank[events[i].file]!),
                line: events[i].line, index: i)
        }
        keys.sort { a, b in
            if a.time != b.time { return a.time < b.time }
            if a.rank != b.rank { return a.rank < b.rank }
            if a.file != b.file { return a.file < b.file }
            if a.line != b.line { return a.line < b.line }
            return a.index < b.index     // stable, as `sorted(by:)` is
        }
        return keys.map { events[$0.index] }
    }

    /// Sizes the state and the identities for `count` more numbers at once (an import about to be
    /// streamed: no doubling of both tables while it is recorded).
    package func reserve(more count: Int) throws(OptoutError) {
        state.reserve(state.count + count)
        var known = try loadIdentities()
        identities = nil
        known.reserve(known.count + count)
        identities = known
    }

    /// Forgets the identities once a run has recorded everything (they are loaded again if needed):
    /// the campaigns that follow do not carry them.
    package func dropIdentities() { identities = nil }

    /// Makes every record appended so far durable (waiting first for the batches still being
    /// appended in the background).
    package func sync() throws(OptoutError) {
        try appender?.finish()
        try file.sync()
    }

    /// Encodes and appends streamed batches (appendBatch) one after another, in order.
    private var appender: OutputThread?

    deinit {
        try? appender?.finish()  // the batches handed over are appended, as before
        appender?.close()
    }

    /// Applies ordered events: new evidence is given the next seq and its effect, encoded straight
    /// to bytes and appended in slices of about 1 MiB.
    /// With `behind`, the records are encoded and appended on the `appender` thread (in batch
    /// order: the same bytes), and a failure there is thrown by the next batch or `sync()`.
    @discardableResult
    private func apply(_ ordered: [IncomingEvent], at now: Timestamp,
                       keep: ((IncomingEvent, Int64, EventEffect) -> Void)?, behind: Bool = false) throws(OptoutError) -> RecordCounts {
        var counts = RecordCounts()
        if ordered.isEmpty { return counts }
        var known = try loadIdentities()
        identities = nil     // held locally while it grows (no copy on write)
        var encoder = LedgerLineEncoder(recordedAt: now)  // inline only (with `behind`, the appender thread encodes)
        var chosen: [(index: Int, seq: Int64, effect: EventEffect)] = []
        if behind { chosen.reserveCapacity(ordered.count) }
        var failure: OptoutError?
        // The events read in place (issue 13: no copy of each event's strings, no retain per field).
        ordered.withUnsafeBufferPointer { events in
            for index in events.indices {
                let timeText = events[index].timeText ?? events[index].time.iso8601
                let identity = LedgerRecord.identity(number: events[index].number.value, timeText: timeText.utf8, kind: events[index].kind,
                                                     source: events[index].source, text: events[index].text.utf8, detail: events[index].detail.utf8)
                if known.contains(identity) { continue }
                if events[index].timeTrusted, hasV1Records,
                   known.contains(LedgerRecord.identity(number: events[index].number.value, time: events[index].time, kind: events[index].kind, source: events[index].source,
                                                        text: events[index].text.utf8, detail: events[index].detail.utf8)) { continue }
                let effect = state.effect(of: events[index].kind, number: events[index].number, at: events[index].time, source: events[index].source)
                let seq = lastSeq + 1
                if behind { chosen.append((index, seq, effect)) } else { encoder.append(events[index], seq: seq, effect: effect, timeText: timeText) }
                keep?(events[index], seq, effect)
                known.insert(identity)
                // The times as the record holds them (clamped to 1970...9999): the state now is what
                // a replay of the ledger (or the checkpoint written from this state) gives.
                replay(seq: seq, kind: events[index].kind, effect: effect, number: events[index].number,
                       time: Timestamp(seconds: events[index].time.writtenSeconds), source: events[index].source,
                       recordedTime: Timestamp(seconds: now.writtenSeconds))
                counts.written += 1
                recordsAppended += 1
                if effect == .applied && events[index].kind == .optOut {
                    counts.newOptOuts += 1
                    if events[index].source != .import {
                        appendedOptOuts.append(AppliedOptOut(seq: seq, number: events[index].number, time: events[index].time, source: events[index].source))
                    }
                }
                if effect == .applied && events[index].kind == .optIn { counts.resubscribed += 1 }
                if encoder.out.count > 1 << 20 {
                    do throws(OptoutError) { try file.append(encoded: encoder.out) } catch { failure = error; break }
                    encoder.out.removeAll(keepingCapacity: true)
                }
            }
        }
        identities = known
        if let failure { throw failure }
        if behind {
            if chosen.isEmpty { return counts }
            if appender == nil { appender = OutputThread(limit: 2) }
            let file = self.file
            try appender!.submit { () throws(OptoutError) in
                // The same bytes as inline: a nil time text is written as the event time's ISO text.
                var encoder = LedgerLineEncoder(recordedAt: now)
                for c in chosen {
                    encoder.append(ordered[c.index], seq: c.seq, effect: c.effect)
                    if encoder.out.count > 1 << 20 {
                        try file.append(encoded: encoder.out)
                        encoder.out.removeAll(keepingCapacity: true)
                    }
                }
                try file.append(encoded: encoder.out)
            }
            return counts
        }
        try file.append(encoded: encoder.out)
        return counts
    }

    /// The applied opt-outs after `seq`, in ledger order, read back from disk (only those are
    /// decoded and kept); imports left out unless `imports`.
    package func appliedOptOuts(after seq: Int64, imports: Bool = true) throws(OptoutError) -> [AppliedOptOut] {
        guard lastAppliedOptOutSeq > seq else { return [] }
        if !imports && seq >= seqAtOpen { return appendedOptOuts.filter { $0.seq > seq } }
        var out: [AppliedOptOut] = []
        try Ledger.scanFacts(path: path, after: seq) { r in
            guard r.kind == .optOut, r.effect == .applied, imports || r.source != .import else { return }
            out.append(AppliedOptOut(seq: r.seq, number: r.number, time: r.time, source: r.source))
        }
        return out
    }

    /// Streams the state-changing facts of every intact record after `seq` (no String per
    /// record): seq, kind, effect, number, event and recorded time, source.
    /// With `recordedFrom`, records processed before that time are skipped on their bytes (the
    /// recorded time's ISO text, compared as text: the same order), before anything is decoded.
    package static func scanFacts(path: String, after seq: Int64 = 0, recordedFrom: Timestamp? = nil,
                                  _ body: (LedgerFacts) -> Void) throws(OptoutError) {
        let from = recordedFrom.map { Array($0.iso8601.utf8) }
        let decode = Ledger.decoding(identity: false) { payload in
            if seq > 0, let recordSeq = seqField(payload), recordSeq <= seq { return false }
            if let from, let recorded = field(6, of: payload), recorded.lexicographicallyPrecedes(from) { return false }
            return true
        }
        try RecordFile.scan(path, prepare: decode) { _, _, prepared in
            guard let r = prepared!.fixed.load(as: LedgerRecord.Replay?.self) else { return }
            body(LedgerFacts(seq: r.seq, kind: r.kind, effect: r.effect, number: r.number, time: r.time,
                             recordedTime: r.recordedTime, source: r.source))
        }
    }

    /// Field `index` of a payload (as stored), without splitting the others.
    static func field(_ index: Int, of payload: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8>? {
        var start = 0, n = 0
        for i in 0..<payload.count where payload[i] == 0x09 {
            if n == index { return UnsafeBufferPointer(rebasing: payload[start..<i]) }
            n += 1
            start = i + 1
        }
        return n == index ? UnsafeBufferPointer(rebasing: payload[start...]) : nil
    }

    /// The seq (second field) of a payload, read before decoding anything else.
    static func seqField(_ payload: UnsafeBufferPointer<UInt8>) -> Int64? {
        var i = 0
        while i < payload.count && payload[i] != 0x09 { i += 1 }
        var j = i + 1
        while j < payload.count && payload[j] != 0x09 { j += 1 }
        guard i < payload.count, j <= payload.count else { return nil }
        return LedgerRecord.Replay.integer(UnsafeBufferPointer(rebasing: payload[(i + 1)..<j]))
    }

    /// Streams the payload of every intact record after `seq` to `body` (valid during the call).
    package static func forEachPayload(path: String, after seq: Int64,
                                       _ body: (UnsafeBufferPointer<UInt8>) throws(OptoutError) -> Void) throws(OptoutError) {
        var failure: OptoutError?
        try RecordFile.scan(path) { payload, _ in
            if failure != nil { return }
            if let recordSeq = seqField(payload), recordSeq <= seq { return }
            do throws(OptoutError) { try body(payload) } catch { failure = error }
        }
        if let failure { throw failure }
    }

    /// Streams the payload of every intact applied opt-out after `seq` with its decoded facts to
    /// `body` (decoded on the scan's worker threads, with the bytes `render` made from it there;
    /// the payload and the bytes are valid during the call).
    static func forEachAppliedOptOut(path: String, after seq: Int64,
                                     render: (@Sendable (UnsafeBufferPointer<UInt8>, LedgerRecord.Replay, inout [UInt8]) -> Void)? = nil,
                                     _ body: (UnsafeBufferPointer<UInt8>, LedgerRecord.Replay, UnsafeBufferPointer<UInt8>) throws(OptoutError) -> Void) throws(OptoutError) {
        var failure: OptoutError?
        typealias Render = @Sendable (UnsafeBufferPointer<UInt8>, LedgerRecord.Replay, inout [UInt8]) -> Void
        var appliedOnly: Render?
        if let render {
            appliedOnly = { (payload: UnsafeBufferPointer<UInt8>, facts: LedgerRecord.Replay, out: inout [UInt8]) in
                if facts.kind == .optOut && facts.effect == .applied { render(payload, facts, &out) }
            }
        }
        let keep: @Sendable (UnsafeBufferPointer<UInt8>) -> Bool = { payload in
            if let recordSeq = seqField(payload), recordSeq <= seq { return false }
            return true
        }
        let decode = Ledger.decoding(identity: false, keep: keep, render: appliedOnly)
        try RecordFile.scan(path, prepare: decode) { payload, _, prepared in
            if failure != nil { return }
            guard let facts = prepared!.fixed.load(as: LedgerRecord.Replay?.self), facts.kind == .optOut, facts.effect == .applied else { return }
            do throws(OptoutError) { try body(payload, facts, prepared!.bytes) } catch { failure = error }
        }
        if let failure { throw failure }
    }

    /// Streams every decoded record after `seq` to `body` (one at a time: a report over a million
    /// opt-outs never holds them all).
    package static func forEachRecord(path: String, after seq: Int64, _ body: (LedgerRecord) throws(OptoutError) -> Void) throws(OptoutError) {
        var failure: OptoutError?
        try RecordFile.scan(path) { payload, _ in
            if failure != nil { return }
            if let recordSeq = seqField(payload), recordSeq <= seq { return }
            guard let record = LedgerRecord.decode(payload) else { return }
            do throws(OptoutError) { try body(record) } catch { failure = error }
        }
        if let failure { throw failure }
    }

    /// The suppression state from every intact record, without repairing or locking the file
    /// (for read-only commands such as status); from `checkpoint` and the records after it when
    /// it still describes the ledger (LedgerCheckpoint).
    package static func stateReadOnly(path: String, checkpoint: String? = nil) throws(OptoutError) -> SuppressionState {
        var state = SuppressionState()
        var from = (offset: 0, line: 0)
        if let checkpoint, let loaded = LedgerCheckpoint.load(path: checkpoint, ledgerPath: path) {
            (state, from) = (loaded.state, (loaded.ledgerBytes, loaded.ledgerLines))
        }
        try RecordFile.scan(path, prepare: Ledger.decoding(identity: false), from: from) { _, _, prepared in
            guard let r = prepared!.fixed.load(as: LedgerRecord.Replay?.self) else { return }
            state.apply(r.kind, number: r.number, at: r.time, source: r.source, effect: r.effect)
        }
        return state
    }

    /// The records after `seq`, read again from disk (never written). Only those are decoded and
    /// kept, so a run that reports its few new opt-outs does not hold a million-record ledger in memory.
    package static func records(path: String, after seq: Int64) throws(OptoutError) -> [LedgerRecord] {
        var records: [LedgerRecord] = []
        try RecordFile.scan(path) { payload, _ in
            guard let recordSeq = seqField(payload), recordSeq > seq else { return }
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
