// Link index: token → number, so that a later confirmation on the opt-out page resolves to its
// number. Input/output: .optout/links.tsv (mode 0600), a record file of `token\tE.164` payloads,
// one per distinct number ever linked (so its size is bounded by distinct numbers, not messages):
// campaigns learn which numbers are new from DuplicateFinder, in bounded memory. New entries are
// fsynced by `sync()` before a send file that uses them is published.
// Failures: `OptoutError` naming the file.

import OptoutPhone
import OptoutBase

package final class LinkIndex {
    private let file: RecordFile
    private var pending: [UInt8] = []
    private var scratch: [UInt8] = []
    private var known: NumberTable?
    /// Entries appended by this process.
    package private(set) var appended = 0

    /// Opens the index for appending: nothing is loaded, a torn tail is cut off (read back from the end).
    package init(path: String) throws(OptoutError) {
        file = RecordFile(path: path, dropsBehind: true)  // no later step of a run reads what a campaign appends
        try file.openForAppend()
    }

    package var problems: [String] { file.problems }

    /// Calls `body` with every indexed number's value (reads only: a torn tail is skipped).
    package static func forEachNumber(path: String, _ body: (UInt64) -> Void) throws(OptoutError) {
        try RecordFile.scan(path) { payload, _ in
            guard let tab = payload.firstIndex(of: 0x09) else { return }
            if let value = PhoneNumber.parseE164Digits(UnsafeBufferPointer(rebasing: payload[(tab + 1)...])) {
                body(value)
            }
        }
    }

    /// Adds an entry for a number the caller knows is not indexed yet (no look-up).
    package func append(_ number: PhoneNumber, token: [UInt8]) throws(OptoutError) {
        appended += 1
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

    /// The record of a new entry (as `append` writes it), made on any thread: CRC32 in 8 lowercase
    /// hex digits, TAB, `token\tE.164`, LF.
    package static func encodeEntry(_ number: PhoneNumber, tokens: LinkTokens, into out: inout [UInt8]) {
        let crcAt = out.count
        out.append(contentsOf: [0, 0, 0, 0, 0, 0, 0, 0, 0x09])
        let payloadAt = out.count
        if number.value >= 10_000_000_000_000_000 {  // more than 16 digits (no number has them): the writers' own ways
            tokens.appendToken(for: number, to: &out)
            out.append(0x09)
            number.appendE164(to: &out)
        } else {  // the E.164 text written once, for the token and the entry (issue 13)
            tokens.withToken(for: number) { e164, token in
                out.append(contentsOf: token)
                out.append(0x09)
                out.append(contentsOf: e164)
            }
        }
        let crc = out.withUnsafeBytes { CRC32.checksum(UnsafeRawBufferPointer(rebasing: $0[payloadAt...])) }
        for i in 0..<8 { out[crcAt + i] = hexDigits[Int((crc >> UInt32(28 - 4 * i)) & 0xF)] }
        out.append(0x0A)
    }
    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    /// Adds `count` entries encoded by `encodeEntry`, for numbers the caller knows are not indexed.
    package func append(encoded: [UInt8], count: Int) throws(OptoutError) {
        appended += count
        pending.append(contentsOf: encoded)
        if pending.count > 1 << 20 {
            try file.append(encoded: pending)
            pending.removeAll(keepingCapacity: true)
        }
    }

    /// Adds an entry unless the number is already indexed (loads the index's numbers on first use:
    /// for small jobs; campaigns use `append` with DuplicateFinder instead).
    package func add(_ number: PhoneNumber, token: String) throws(OptoutError) {
        if known == nil {
            var table = NumberTable()
            try LinkIndex.forEachNumber(path: file.path) { table.insert($0, payload: 0) }
            known = table
        }
        guard known!.insert(number.value, payload: 0) else { return }
        try append(number, token: Array(token.utf8))
    }

    /// Makes every added entry durable.
    package func sync() throws(OptoutError) {
        try file.append(encoded: pending)
        pending.removeAll(keepingCapacity: true)
        try file.sync()
    }

    /// Distinct numbers in the index (reads it).
    package static func count(path: String) throws(OptoutError) -> Int {
        var table = NumberTable()
        try forEachNumber(path: path) { table.insert($0, payload: 0) }
        return table.count
    }
}
