// Token resolver: opt-out link token → number, for reading page logs.
// Input: .optout/links.tsv (LinkIndex's record file: one `token\tE.164` line per distinct number),
// and indexes retired by `optout init --new-link-key`: tokens are read from the indexes, never
// recomputed from the key, so links sent under an earlier key keep resolving.
// Output: a compact open-addressing table keyed by the token's base-62 value (a UInt64 below
// 62^10 < 2^60): 16 bytes a slot (key and number side by side: one cache miss a probe), no
// per-entry allocation, sized from the file up front. A token that is malformed (length, alphabet)
// or not in the index resolves to nil: it is never guessed or corrected.
// Failures: `OptoutError` from reading the index.

import OptoutPhone
import OptoutBase
#if canImport(Glibc)
import Glibc
#endif

package struct TokenResolver: Sendable {
    /// Slot i: token value + 1 at 2i (0 marks an empty slot), the number's value at 2i+1.
    private var slots: [UInt64]
    private var mask: Int
    /// Tokens held.
    package private(set) var count = 0

    package init(capacity: Int = 1024) {
        var size = 16
        while size < capacity * 10 / 7 { size <<= 1 }
        slots = [UInt64](repeating: 0, count: 2 * size)
        mask = size - 1
    }

    /// The value of a token of exactly `LinkTokens.length` base-62 characters, or nil.
    @inline(__always)
    package static func value<C: Collection>(ofToken bytes: C) -> UInt64? where C.Element == UInt8 {
        guard bytes.count == LinkTokens.length else { return nil }
        var value: UInt64 = 0
        for c in bytes {
            let digit: UInt8
            switch c {
            case 0x30...0x39: digit = c &- 0x30
            case 0x41...0x5A: digit = c &- 0x41 &+ 10
            case 0x61...0x7A: digit = c &- 0x61 &+ 36
            default: return nil
            }
            value = value &* 62 &+ UInt64(digit)   // 10 digits < 2^60: no overflow
        }
        return value
    }

    @inline(__always)
    private static func slot(_ key: UInt64, _ mask: Int) -> Int {
        var h = key &* 0x9E3779B97F4A7C15
        h ^= h >> 31
        return Int(truncatingIfNeeded: h) & mask
    }

    /// Adds a token; a token already present keeps its first number.
    package mutating func insert(tokenValue: UInt64, number: PhoneNumber) {
        if (count + 1) * 10 > (mask + 1) * 7 { grow() }
        let key = tokenValue &+ 1
        var i = TokenResolver.slot(key, mask)
        slots.withUnsafeMutableBufferPointer { s in
            while true {
                let k = s[2 &* i]
                if k == key { return }
                if k == 0 {
                    s[2 &* i] = key
                    s[2 &* i &+ 1] = number.value
                    count += 1
                    return
                }
                i = (i &+ 1) & mask
            }
        }
    }

    /// The number a token value was issued for, or nil.
    @inline(__always)
    package func resolve(value: UInt64) -> PhoneNumber? {
        let key = value &+ 1
        var i = TokenResolver.slot(key, mask)
        return slots.withUnsafeBufferPointer { s in
            while true {
                let k = s[2 &* i]
                if k == key { return PhoneNumber(unchecked: s[2 &* i &+ 1]) }
                if k == 0 { return nil }
                i = (i &+ 1) & mask
            }
        }
    }

    /// The number a token was issued for; nil when malformed or unknown.
    package func resolve(_ token: String) -> PhoneNumber? {
        guard let value = TokenResolver.value(ofToken: token.utf8) else { return nil }
        return resolve(value: value)
    }

    private mutating func grow() {
        let old = slots
        let size = (mask + 1) * 2
        slots = [UInt64](repeating: 0, count: 2 * size)
        mask = size - 1
        for i in stride(from: 0, to: old.count, by: 2) where old[i] != 0 {
            var j = TokenResolver.slot(old[i], mask)
            while slots[2 * j] != 0 { j = (j &+ 1) & mask }
            slots[2 * j] = old[i]
            slots[2 * j + 1] = old[i + 1]
        }
    }

    /// Loads the link index file (absent: an empty resolver). With `only`, keeps just those
    /// tokens: a page log asks for few, and the pass over the index is then sequential reading.
    package static func load(path: String, only wanted: Set<UInt64>? = nil) throws(OptoutError) -> TokenResolver {
        try load(paths: [path], only: wanted)
    }

    /// Loads several indexes: the current one and those retired by `optout init --new-link-key`
    /// (tokens issued under an earlier key keep resolving). A token present twice keeps its first number.
    package static func load(paths: [String], only wanted: Set<UInt64>? = nil) throws(OptoutError) -> TokenResolver {
        // A line is 34 bytes for a 12-digit number: size the table once from the files.
        var st = stat()
        let estimate = wanted?.count ?? paths.reduce(0) { $0 + (stat($1, &st) == 0 ? Int(st.st_size) / 30 : 0) }
        var table = TokenResolver(capacity: max(16, estimate))
        for path in paths {
            try load(path: path, wanted: wanted, into: &table)
        }
        return table
    }

    private static func load(path: String, wanted: Set<UInt64>?, into table: inout TokenResolver) throws(OptoutError) {
        try RecordFile.scan(path) { payload, _ in
            guard let tab = payload.firstIndex(of: 0x09),
                  let value = TokenResolver.value(ofToken: UnsafeBufferPointer(rebasing: payload[..<tab])),
                  wanted?.contains(value) ?? true,
                  let number = PhoneNumber.parseE164Digits(UnsafeBufferPointer(rebasing: payload[(tab + 1)...])) else { return }
            table.insert(tokenValue: value, number: PhoneNumber(unchecked: number))
        }
    }
}
