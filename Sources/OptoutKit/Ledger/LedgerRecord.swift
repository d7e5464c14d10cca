// Ledger records: one opt-out/opt-in event with its evidence, as kept for good in .optout/.
// Input/output: a `LedgerRecord` value and its tab-separated payload (see RecordFile for framing).
// Payload fields, in order: format "v1", seq, kind, effect, number (E.164), event time, recorded
// time (ISO 8601 UTC), source, rule, file, line, input hash, raw text, detail.
// Failures: `decode` returns nil for a payload that is not a v1 record.

/// Where an opt-out came from.
public enum EventSource: String, Sendable, CaseIterable {
    /// A reply to the toll-free number (STOP logs).
    case reply
    /// A confirmation on the personal opt-out page.
    case link
    /// A suppression list exported from another system.
    case `import`

    /// The `source` string of SMS.to's opt-out callback.
    public var webhookName: String? {
        switch self {
        case .reply: return "TollFree number"
        case .link: return "Optout Link"
        case .import: return nil
        }
    }
}

/// What the event asked for.
public enum EventKind: String, Sendable {
    case optOut = "optout", optIn = "optin", help, other
}

/// What the event did to the number's state.
public enum EventEffect: String, Sendable {
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
public struct LedgerRecord: Sendable, Equatable {
    public var seq: Int64
    public var kind: EventKind
    public var effect: EventEffect
    public var number: PhoneNumber
    public var eventTime: Timestamp
    public var recordedTime: Timestamp
    public var source: EventSource
    public var rule: String
    public var file: String
    public var line: Int
    public var inputHash: String
    public var text: String
    public var detail: String

    public init(seq: Int64 = 0, kind: EventKind, effect: EventEffect = .noEffect, number: PhoneNumber,
                eventTime: Timestamp, recordedTime: Timestamp, source: EventSource, rule: String,
                file: String, line: Int, inputHash: String, text: String, detail: String = "") {
        self.seq = seq; self.kind = kind; self.effect = effect; self.number = number
        self.eventTime = eventTime; self.recordedTime = recordedTime; self.source = source
        self.rule = rule; self.file = file; self.line = line; self.inputHash = inputHash
        self.text = text; self.detail = detail
    }

    /// Identity of the evidence: the same message from the same log read twice has the same key.
    public var identity: UInt64 {
        var h = FNV1a()
        h.add(number.value)
        h.add(UInt64(bitPattern: eventTime.seconds))
        h.add(kind.rawValue)
        h.add(source.rawValue)
        h.add(text)
        h.add(detail)
        return h.value
    }

    public func payload() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(128 + text.utf8.count)
        let fields: [String] = [
            "v1", String(seq), kind.rawValue, effect.rawValue, number.e164, eventTime.iso8601,
            recordedTime.iso8601, source.rawValue, rule, file, String(line), inputHash, text, detail,
        ]
        for (i, field) in fields.enumerated() {
            if i > 0 { out.append(0x09) }
            TabFields.escape(field, into: &out)
        }
        return out
    }

    public static func decode(_ payload: UnsafeBufferPointer<UInt8>) -> LedgerRecord? {
        let ranges = TabFields.split(payload)
        guard ranges.count == 14 else { return nil }
        func field(_ i: Int) -> String { TabFields.unescape(UnsafeBufferPointer(rebasing: payload[ranges[i]])) }
        guard field(0) == "v1", let seq = Int64(field(1)), let kind = EventKind(rawValue: field(2)),
              let effect = EventEffect(rawValue: field(3)), let number = PhoneNumber(e164: field(4)),
              let eventTime = Timestamp.parse(field(5), zone: .gmt),
              let recorded = Timestamp.parse(field(6), zone: .gmt),
              let source = EventSource(rawValue: field(7)), let line = Int(field(10)) else { return nil }
        return LedgerRecord(seq: seq, kind: kind, effect: effect, number: number, eventTime: eventTime,
                            recordedTime: recorded, source: source, rule: field(8), file: field(9), line: line,
                            inputHash: field(11), text: field(12), detail: field(13))
    }
}

/// 64-bit FNV-1a, a stable (unseeded) hash for identities kept across processes.
public struct FNV1a: Sendable {
    public private(set) var value: UInt64 = 0xcbf29ce484222325

    public init() {}

    public mutating func add(_ byte: UInt8) {
        value = (value ^ UInt64(byte)) &* 0x100000001b3
    }

    public mutating func add(_ number: UInt64) {
        var n = number
        for _ in 0..<8 { add(UInt8(truncatingIfNeeded: n)); n >>= 8 }
    }

    public mutating func add(_ text: String) {
        for b in text.utf8 { add(b) }
        add(UInt8(0xFF))  // separator: "ab","c" differs from "a","bc"
    }
}
