// Link tokens: the short, unguessable part of each personal opt-out link.
// Input: a number and the account's secret link key (.optout/link.key, 32 bytes from the kernel
// CSPRNG, mode 0600, made by the first run that needs it — only while the link index is empty:
// a lost or wrong key is never replaced by a run, see LinkKeyCheck). Output: a 10-character base-62 token (59.5 bits) that is
// SipHash-2-4 of "optout-link-v1:" + E.164 under a 128-bit subkey (HMAC-SHA256(key, "optout link
// token key v1"), first 16 bytes) — the same for a number in every campaign, impossible to forge or
// enumerate without the key, and cheap enough for one per recipient of a 10-million-row list. Failures: `OptoutError` when the key cannot
// be read or written.

import OptoutPhone
import OptoutBase

package struct LinkTokens: Sendable {
    /// Token length: 62^10 ≈ 2^59.5 possible tokens.
    package static let length = 10
    /// The pseudo-random function of a token, and how its key comes from the link key (README
    /// "Opt-out links" names both: MetadataTests checks it).
    package static let algorithm = "SipHash-2-4"
    package static let keyDerivation = "HMAC-SHA256"
    /// The label the token key is derived with, and the prefix of every message.
    static let keyLabel = "optout link token key v1"
    static let messagePrefix = "optout-link-v1:"
    private static let alphabet: StaticString = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
    /// SipHash after "optout-link-v1:+" (16 bytes: two whole blocks, the same for every token).
    private let prf: SipHash24.Prefixed

    package init(key: [UInt8]) {
        let subkey = HMACSHA256.authenticationCode(key: key, message: Array(LinkTokens.keyLabel.utf8))
        prf = SipHash24(key: Array(subkey.prefix(16))).prefixed(Array((LinkTokens.messagePrefix + "+").utf8))
    }

    /// Loads the account's link key, creating it (atomically, 0600) when absent. Callers check
    /// first (LinkKeyCheck) that a missing key may be created: no links were issued yet.
    package static func loadOrCreate(keyPath: String) throws(OptoutError) -> LinkTokens {
        if Durable.exists(keyPath) {
            let key = try Durable.readFile(keyPath)
            guard key.count == 32 else {
                throw .internalError("\(keyPath) is damaged (expected 32 bytes, found \(key.count)); restore it from backup — every link sent so far depends on it")
            }
            return LinkTokens(key: key)
        }
        let key = Durable.randomBytes(32)
        try Durable.writeFile(keyPath, key, mode: 0o600)
        return LinkTokens(key: key)
    }

    /// Writes the token of the number whose E.164 form ("+" and digits, as
    /// `PhoneNumber.writeE164` writes it) is `e164`, as `length` bytes at `out` (the hot path:
    /// no buffer on the heap, the shared 16-byte prefix hashed once).
    @inline(__always)
    package func writeToken(e164: UnsafeRawBufferPointer, to out: UnsafeMutablePointer<UInt8>) {
        let value = prf.tag(UnsafeRawBufferPointer(rebasing: e164[1...]))  // the digits after "+"
        // The last 10 base-62 digits of the tag, as two independent 5-digit halves in 32 bits
        // (62^5 < 2^32): the same digits as dividing the tag by 62 ten times, half the latency.
        let tail = value % LinkTokens.base62Power10
        var high = UInt32(truncatingIfNeeded: tail / LinkTokens.base62Power5)
        var low = UInt32(truncatingIfNeeded: tail % LinkTokens.base62Power5)
        let alphabet = LinkTokens.alphabet.utf8Start
        for i in stride(from: 4, through: 0, by: -1) {
            let qh = high / 62, ql = low / 62
            out[i] = alphabet[Int(truncatingIfNeeded: high &- qh &* 62)]
            out[i + 5] = alphabet[Int(truncatingIfNeeded: low &- ql &* 62)]
            high = qh
            low = ql
        }
    }
    private static let base62Power5: UInt64 = 916_132_832  // 62^5
    private static let base62Power10: UInt64 = 839_299_365_868_340_224  // 62^10

    /// The number's E.164 text (`PhoneNumber.writeE164`) and its token, both written on the stack
    /// once and passed to `body` (valid only during the call).
    @inline(__always)
    package func withToken<R>(for number: PhoneNumber, _ body: (_ e164: UnsafeBufferPointer<UInt8>, _ token: UnsafeBufferPointer<UInt8>) -> R) -> R {
        var buffer: (UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0)
        return withUnsafeMutableBytes(of: &buffer) { raw in
            let p = raw.baseAddress!.assumingMemoryBound(to: UInt8.self)
            let n = number.writeE164(to: p)
            writeToken(e164: UnsafeRawBufferPointer(start: p, count: n), to: p + 24)
            return body(UnsafeBufferPointer(start: p, count: n), UnsafeBufferPointer(start: p + 24, count: LinkTokens.length))
        }
    }

    /// The token for a number, as bytes appended to `out`.
    package func appendToken(for number: PhoneNumber, to out: inout [UInt8]) {
        withToken(for: number) { _, token in out.append(contentsOf: token) }
    }

    /// The token for a number.
    package func token(for number: PhoneNumber) -> String {
        var out: [UInt8] = []
        appendToken(for: number, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// True when the text has the shape of a token (length and alphabet), before any look-up.
    package static func isWellFormed(_ text: String) -> Bool {
        text.utf8.count == length && text.utf8.allSatisfy {
            ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x61 && $0 <= 0x7A)
        }
    }
}
