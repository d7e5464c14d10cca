// Ledger records: one opt-out/opt-in event with its evidence, as kept for good in .optout/.
// Input/output: a `LedgerRecord` value and its tab-separated payload (see RecordFile for framing).
// Payload fields, in order: format "v2", seq, kind, effect, number (E.164), event time, recorded
// time (ISO 8601 UTC), source, rule, file, line, input hash, raw text, detail, time text (the
// event's time as the input wrote it), and, only when it differs from the line, row (the row a
// spreadsheet shows: a `sep=` line or a multi-line cell moves them apart, issue 14 item 5; not
// written otherwise, so records of other inputs are unchanged, and absent in older ledgers).
// v1 records (no time text) are still read and replayed.
// Identity (de-duplication): v2 hashes number, kind, source, time text, raw text and detail, never
// the event time (which may be clamped or substituted) nor the row; v1 hashed the event time instead.
// Failures: `decode` returns nil for a payload that is not a v1 or v2 record.

import OptoutPhone
import OptoutBase
#if canImport(Glibc)
import Glibc
#endif

/// Where an opt-out came from.
package enum EventSource: String, Sendable, CaseIterable {
    /// A reply to the toll-free number (STOP logs).
    case reply
    /// A confirmation on the personal opt-out page.
    case link
    /// A suppression list exported from another system.
    case `import`

    /// The `source` string of SMS.to's opt-out callback.
    package var webhookName: String? {
        switch self {
        case .reply: return "TollFree number"
        case .link: return "Optout Link"
        case .import: return nil
        }
    }
}

/// What the event did to the number's state.
package enum EventEffect: String, Sendable {
    /// Changed the state: a new opt-out, or a resubscription.
    case applied
    /// Already in that state (a repeated STOP): recorded, nothing changes.
    case repeated
    /// Older than the event that set the current state: recorded, nothing changes.
    case superseded
    /// Cannot change the state (START for a number that never opted out, HELP...).
    case noEffect = "none"
}

/// One event with its evidence.
package struct LedgerRecord: Sendable, Equatable {
    package var seq: Int64
    package var kind: EventKind
    package var effect: EventEffect
    package var number: PhoneNumber
    package var eventTime: Timestamp
    package var recordedTime: Timestamp
    package var source: EventSource
    package var rule: String
    package var file: String
    package var line: Int
    package var inputHash: String
    package var text: String
    package var detail: String
    /// The time as the input wrote it ("" when it had none); nil for a v1 record.
    package var timeText: String?
    /// The row a spreadsheet shows, only when it differs from `line` (nil otherwise; v2 only).
    package var row: Int?

    package init(seq: Int64 = 0, kind: EventKind, effect: EventEffect = .noEffect, number: PhoneNumber,
                eventTime: Timestamp, recordedTime: Timestamp, source: EventSource, rule: String,
                file: String, line: Int, inputHash: String, text: String, detail: String = "", timeText: String? = nil,
                row: Int? = nil) {
        self.seq = seq; self.kind = kind; self.effect = effect; self.number = number
        self.eventTime = eventTime; self.recordedTime = recordedTime; self.source = source
        self.rule = rule; self.file = file; self.line = line; self.inputHash = inputHash
        self.text = text; self.detail = detail; self.timeText = timeText
        self.row = timeText == nil ? nil : SpreadsheetRow.distinct(row, line: line)
    }

    /// Where the evidence is, as people read it: "line 7", or "row 5 (line 7)".
    package var place: String { SpreadsheetRow.text(line: line, row: row) }

    /// Identity of the evidence: the same message from the same log read twice has the same key,
    /// whatever time it was given (v2); a v1 record keeps its v1 identity.
    package var identity: UInt64 {
        guard let timeText else { return legacyIdentity }
        return LedgerRecord.identity(number: number.value, timeText: timeText.utf8, kind: kind, source: source,
                                     text: text.utf8, detail: detail.utf8)
    }

    /// The v1 identity (with the event time), to recognise evidence recorded by v1.
    package var legacyIdentity: UInt64 {
        LedgerRecord.identity(number: number.value, time: eventTime, kind: kind, source: source,
                              text: text.utf8, detail: detail.utf8)
    }

    /// The v2 identity from its parts (shared by records and the byte-level replay).
    static func identity<W: Sequence, T: Sequence, D: Sequence>(number: UInt64, timeText: W, kind: EventKind, source: EventSource,
                                                                text: T, detail: D) -> UInt64
        where W.Element == UInt8, T.Element == UInt8, D.Element == UInt8 {
        var h = FNV1a()
        h.add(bytes: "v2".utf8)
        h.add(number)
        h.add(kind.rawValue)
        h.add(source.rawValue)
        h.add(bytes: timeText)
        h.add(bytes: text)
        h.add(bytes: detail)
        return h.value
    }

    /// The v1 identity from its parts (shared by records and the byte-level replay).
    static func identity<T: Sequence, D: Sequence>(number: UInt64, time: Timestamp, kind: EventKind, source: EventSource,
                                                   text: T, detail: D) -> UInt64 where T.Element == UInt8, D.Element == UInt8 {
        var h = FNV1a()
        h.add(number)
        h.add(UInt64(bitPattern: time.seconds))
        h.add(kind.rawValue)
        h.add(source.rawValue)
        h.add(bytes: text)
        h.add(bytes: detail)
        return h.value
    }

    package func payload() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(128 + text.utf8.count)
        var fields: [String] = [
            timeText == nil ? "v1" : "v2", String(seq), kind.rawValue, effect.rawValue, number.e164, eventTime.iso8601,
            recordedTime.iso8601, source.rawValue, rule, file, String(line), inputHash, text, detail,
        ]
        if let timeText { fields.append(timeText) }
        if timeText != nil, let row = SpreadsheetRow.distinct(row, line: line) { fields.append(String(row)) }
        for (i, field) in fields.enumerated() {
            if i > 0 { out.append(0x09) }
            TabFields.escape(field, into: &out)
        }
        return out
    }

    package static func decode(_ payload: UnsafeBufferPointer<UInt8>) -> LedgerRecord? {
        let ranges = TabFields.split(payload)
        guard ranges.count >= 14 && ranges.count <= 16 else { return nil }
        func field(_ i: Int) -> String { TabFields.unescape(UnsafeBufferPointer(rebasing: payload[ranges[i]])) }
        var row: Int?
        if ranges.count == 16 {
            guard let value = Replay.integer(UnsafeBufferPointer(rebasing: payload[ranges[15]])), value > 0 else { return nil }
            row = Int(value)
        }
        guard field(0) == (ranges.count == 14 ? "v1" : "v2"), let seq = Int64(field(1)), let kind = EventKind(rawValue: field(2)),
              let effect = EventEffect(rawValue: field(3)), let number = PhoneNumber(e164: field(4)),
              let eventTime = Timestamp.parse(field(5), zone: .gmt),
              let recorded = Timestamp.parse(field(6), zone: .gmt),
              let source = EventSource(rawValue: field(7)), let line = Int(field(10)) else { return nil }
        return LedgerRecord(seq: seq, kind: kind, effect: effect, number: number, eventTime: eventTime,
                            recordedTime: recorded, source: source, rule: field(8), file: field(9), line: line,
                            inputHash: field(11), text: field(12), detail: field(13),
                            timeText: ranges.count >= 15 ? field(14) : nil, row: row)
    }
}

/// 64-bit FNV-1a, a stable (unseeded) hash for identities kept across processes.
package struct FNV1a: Sendable {
    package private(set) var value: UInt64 = 0xcbf29ce484222325

    package init() {}

    package mutating func add(_ byte: UInt8) {
        value = (value ^ UInt64(byte)) &* 0x100000001b3
    }

    package mutating func add(_ number: UInt64) {
        var n = number
        for _ in 0..<8 { add(UInt8(truncatingIfNeeded: n)); n >>= 8 }
    }

    package mutating func add(_ text: String) {
        add(bytes: text.utf8)
    }

    /// Adds a field's bytes and a separator ("ab","c" differs from "a","bc"); read from the
    /// sequence's contiguous storage when it has one (a String's UTF-8: issue 13, no iterator).
    package mutating func add<S: Sequence>(bytes: S) where S.Element == UInt8 {
        let done: Void? = bytes.withContiguousStorageIfAvailable { bytes in
            var v = value
            for b in bytes { v = (v ^ UInt64(b)) &* 0x100000001b3 }
            value = v
        }
        if done == nil { for b in bytes { add(b) } }
        add(UInt8(0xFF))
    }
}

extension LedgerRecord {
    /// The fields the ledger needs to rebuild its state, read straight from a payload's bytes
    /// (no String per field: a ledger of a million records loads in about a second).
    struct Replay {
        var seq: Int64
        var kind: EventKind
        var effect: EventEffect
        var number: PhoneNumber
        var time: Timestamp
        var source: EventSource
        var recordedTime: Timestamp
        /// 0 unless asked for (hashing the evidence is most of the cost of a replay).
        var identity: UInt64 = 0
        /// A record of the first format (its identity is a v1 identity).
        var isV1 = false

        init?(_ payload: UnsafeBufferPointer<UInt8>, identity wanted: Bool = true) {
            // Field boundaries without an array per record: tabs[i] is the index of the tab ending
            // field i (the last field ends at the payload's end).
            var tabs = FieldStops()
            var count = 0
            for i in 0..<payload.count where payload[i] == 0x09 {
                if count == 15 { return nil }
                tabs[count] = i
                count += 1
            }
            tabs[count] = payload.count
            count += 1
            // 16 fields: a v2 record with its spreadsheet row (never part of the identity).
            guard count >= 14 && count <= 16 else { return nil }
            let v2 = count >= 15
            func field(_ i: Int) -> UnsafeBufferPointer<UInt8> {
                UnsafeBufferPointer(rebasing: payload[(i == 0 ? 0 : tabs[i - 1] + 1)..<tabs[i]])
            }
            guard field(0).elementsEqual((v2 ? "v2" : "v1").utf8), count < 16 || Replay.integer(field(15)) != nil,
                  let seq = Replay.integer(field(1)),
                  let kind = Replay.kind(field(2)),
                  let effect = Replay.effect(field(3)),
                  let value = PhoneNumber.parseE164Digits(field(4)),
                  let time = Replay.isoTime(field(5)),
                  let recordedTime = Replay.isoTime(field(6)),
                  let source = Replay.source(field(7)) else { return nil }
            self.recordedTime = recordedTime
            self.seq = seq
            self.kind = kind
            self.effect = effect
            number = PhoneNumber(unchecked: value)
            self.time = time
            self.source = source
            isV1 = !v2
            if !wanted { return }
            // Escaped fields are unescaped first; most contain no backslash and are hashed in place.
            func raw(_ i: Int) -> [UInt8]? { field(i).contains(0x5C) ? Array(TabFields.unescape(field(i)).utf8) : nil }
            if v2 {
                // As LedgerRecord.identity(number:timeText:...), hashed in place.
                var h = FNV1a()
                h.add(bytes: "v2".utf8)
                h.add(value)
                h.add(kind.rawValue)
                h.add(source.rawValue)
                func add(_ i: Int) {
                    if field(i).contains(0x5C) { h.add(bytes: TabFields.unescape(field(i)).utf8) } else { h.add(bytes: field(i)) }
                }
                add(14)
                add(12)
                add(13)
                identity = h.value
                return
            }
            let text = raw(12), detail = raw(13)
            switch (text, detail) {
            case (nil, nil):
                identity = LedgerRecord.identity(number: value, time: time, kind: kind, source: source, text: field(12), detail: field(13))
            default:
                identity = LedgerRecord.identity(number: value, time: time, kind: kind, source: source,
                                                 text: text ?? Array(field(12)), detail: detail ?? Array(field(13)))
            }
        }

        /// Up to 16 field ends, on the stack.
        struct FieldStops {
            private var stops: (Int, Int, Int, Int, Int, Int, Int, Int, Int, Int, Int, Int, Int, Int, Int, Int) =
                (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
            subscript(i: Int) -> Int {
                get { withUnsafeBytes(of: stops) { $0.load(fromByteOffset: i * 8, as: Int.self) } }
                set { withUnsafeMutableBytes(of: &stops) { $0.storeBytes(of: newValue, toByteOffset: i * 8, as: Int.self) } }
            }
        }

        /// The raw values of EventKind, EventEffect and EventSource, matched as bytes (no String:
        /// static bytes compared with memcmp, issue 13; a test holds them to the raw values).
        static func kind(_ b: UnsafeBufferPointer<UInt8>) -> EventKind? {
            if matches(b, "optout") { return .optOut }
            if matches(b, "optin") { return .optIn }
            if matches(b, "help") { return .help }
            if matches(b, "other") { return .other }
            return nil
        }

        static func effect(_ b: UnsafeBufferPointer<UInt8>) -> EventEffect? {
            if matches(b, "applied") { return .applied }
            if matches(b, "repeated") { return .repeated }
            if matches(b, "superseded") { return .superseded }
            if matches(b, "none") { return .noEffect }
            return nil
        }

        static func source(_ b: UnsafeBufferPointer<UInt8>) -> EventSource? {
            if matches(b, "import") { return .import }
            if matches(b, "reply") { return .reply }
            if matches(b, "link") { return .link }
            return nil
        }

        @inline(__always)
        static func matches(_ b: UnsafeBufferPointer<UInt8>, _ s: StaticString) -> Bool {
            b.count == s.utf8CodeUnitCount && (b.count == 0 || memcmp(b.baseAddress!, s.utf8Start, b.count) == 0)
        }

        static func integer(_ bytes: UnsafeBufferPointer<UInt8>) -> Int64? {
            guard !bytes.isEmpty, bytes.count <= 18 else { return nil }
            var value: Int64 = 0
            for b in bytes {
                let d = b &- 0x30
                guard d < 10 else { return nil }
                value = value * 10 + Int64(d)
            }
            return value
        }

        /// "2026-11-26T17:40:45Z" exactly, as the ledger writes it.
        static func isoTime(_ b: UnsafeBufferPointer<UInt8>) -> Timestamp? {
            guard b.count == 20, b[4] == 0x2D, b[7] == 0x2D, b[10] == 0x54, b[13] == 0x3A, b[16] == 0x3A, b[19] == 0x5A else { return nil }
            func num(_ from: Int, _ count: Int) -> Int? {
                var v = 0
                for i in from..<from + count {
                    let d = b[i] &- 0x30
                    guard d < 10 else { return nil }
                    v = v * 10 + Int(d)
                }
                return v
            }
            guard let y = num(0, 4), let mo = num(5, 2), let d = num(8, 2), let h = num(11, 2), let mi = num(14, 2), let s = num(17, 2) else { return nil }
            return Timestamp(seconds: Timestamp.days(year: y, month: mo, day: d) * 86400 + Int64(h * 3600 + mi * 60 + s))
        }
    }
}
