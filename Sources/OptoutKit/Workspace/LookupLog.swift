// Lookup log: every lookup made (`optout lookup`, inbox/lookups/), kept in .optout/lookups.tsv,
// an append-only record file (RecordFile: CRC per record, mode 0600). It never takes the run's
// lock: appenders take a short flock on the file itself, so a lookup during a run waits for
// nothing but another lookup's append. Payload fields: "v1", looked-up time (ISO 8601 UTC), via
// ("optout lookup" or the inbox file and line), the number as written, E.164 ("" when it could
// not be read), the result in words. Input: entries. Output: the records, fsynced before
// `append` returns. Failures: `OptoutError` naming the file.

import OptoutBase

package struct LookupEntry: Sendable, Equatable {
    package var time: Timestamp
    package var via: String
    package var asWritten: String
    package var e164: String
    package var result: String

    package init(time: Timestamp, via: String, asWritten: String, e164: String, result: String) {
        (self.time, self.via, self.asWritten, self.e164, self.result) = (time, via, asWritten, e164, result)
    }

    var payload: [UInt8] {
        var out: [UInt8] = []
        for (i, field) in ["v1", time.iso8601, via, asWritten, e164, result].enumerated() {
            if i > 0 { out.append(0x09) }
            TabFields.escape(field, into: &out)
        }
        return out
    }
}

package enum LookupLog {
    /// Appends the entries (durable when this returns).
    package static func append(_ entries: [LookupEntry], path: String) throws(OptoutError) {
        guard !entries.isEmpty else { return }
        let lock = try WorkspaceLock(path: path, wait: true)
        defer { lock.release() }
        try RecordFile(path: path).appendAndSync(entries.map(\.payload))
    }

    /// Every intact entry, in order (tests, the compliance report).
    package static func read(path: String) throws(OptoutError) -> [LookupEntry] {
        var entries: [LookupEntry] = []
        try RecordFile.scan(path) { payload, _ in
            let fields = TabFields.split(payload).map { TabFields.unescape(UnsafeBufferPointer(rebasing: payload[$0])) }
            guard fields.count == 6, fields[0] == "v1", let time = Timestamp.parse(fields[1], zone: .gmt) else { return }
            entries.append(LookupEntry(time: time, via: fields[2], asWritten: fields[3], e164: fields[4], result: fields[5]))
        }
        return entries
    }
}
