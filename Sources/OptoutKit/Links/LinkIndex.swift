// Link index: token → number, so that a later confirmation on the opt-out page resolves to its
// number. Input/output: .optout/links.tsv (mode 0600), a record file of `token\tE.164` payloads,
// one per distinct number ever linked (so its size is bounded by distinct numbers, not messages).
// New entries are fsynced by `sync()` before a send file that uses them is published.
// Failures: `OptoutError` naming the file.

public final class LinkIndex {
    private let file: RecordFile
    private var known = NumberTable()
    private var pending: [UInt8] = []
    private var scratch: [UInt8] = []
    public private(set) var count = 0

    public init(path: String) throws(OptoutError) {
        file = RecordFile(path: path)
        try file.load { payload, _ in
            guard let tab = payload.firstIndex(of: 0x09) else { return }
            let numberBytes = UnsafeBufferPointer(rebasing: payload[(tab + 1)...])
            if let value = PhoneNumber.parseE164Digits(numberBytes) {
                if known.insert(value, payload: 0) { count += 1 }
            }
        }
    }

    public var problems: [String] { file.problems }

    /// Records that `token` belongs to `number` unless the number is already indexed.
    public func add(_ number: PhoneNumber, token: String) throws(OptoutError) {
        try add(number, token: Array(token.utf8))
    }

    /// Records that `token` (bytes) belongs to `number` unless the number is already indexed.
    public func add(_ number: PhoneNumber, token: [UInt8]) throws(OptoutError) {
        guard known.insert(number.value, payload: 0) else { return }
        count += 1
        scratch.removeAll(keepingCapacity: true)
        scratch.append(contentsOf: token)
        scratch.append(0x09)
        number.appendE164(to: &scratch)
        RecordFile.encode(scratch, into: &pending)
        if pending.count > 1 << 20 {
            try file.append(encoded: pending)
            pending.removeAll(keepingCapacity: true)
        }
    }

    /// Makes every added entry durable.
    public func sync() throws(OptoutError) {
        try file.append(encoded: pending)
        pending.removeAll(keepingCapacity: true)
        try file.sync()
    }

    /// Reads the whole index into a token → number map (for resolving page logs).
    public static func resolver(path: String) throws(OptoutError) -> [String: PhoneNumber] {
        var map: [String: PhoneNumber] = [:]
        try RecordFile(path: path).load { payload, _ in
            guard let tab = payload.firstIndex(of: 0x09) else { return }
            let token = String(decoding: UnsafeBufferPointer(rebasing: payload[..<tab]), as: UTF8.self)
            if let value = PhoneNumber.parseE164Digits(UnsafeBufferPointer(rebasing: payload[(tab + 1)...])) {
                map[token] = PhoneNumber(unchecked: value)
            }
        }
        return map
    }
}
