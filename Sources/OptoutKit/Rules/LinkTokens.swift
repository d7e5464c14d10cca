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
    private static let alphabet: [UInt8] = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".utf8)
    private let prf: SipHash24

    package init(key: [UInt8]) {
        let subkey = HMACSHA256.authenticationCode(key: key, message: Array(LinkTokens.keyLabel.utf8))
        prf = SipHash24(key: Array(subkey.prefix(16)))
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

    /// The token for a number, as bytes appended to `out` (the hot path: no String).
    package func appendToken(for number: PhoneNumber, to out: inout [UInt8]) {
        // "optout-link-v1:+" then the digits, built on the stack.
        var message: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        let used = withUnsafeMutableBytes(of: &message) { raw -> Int in
            let prefix = "optout-link-v1:+".utf8
            var n = 0
            for b in prefix { raw[n] = b; n += 1 }
            var digits: (UInt64, UInt64) = (0, 0)
            let count = withUnsafeMutableBytes(of: &digits) { d -> Int in
                var v = number.value, k = 0
                repeat { d[k] = UInt8(truncatingIfNeeded: v % 10) + 0x30; v /= 10; k += 1 } while v > 0
                for j in 0..<k { raw[n + j] = d[k - 1 - j] }
                return k
            }
            return n + count
        }
        var value = withUnsafeBytes(of: &message) { prf.hash(UnsafeRawBufferPointer(rebasing: $0[0..<used])) }
        let start = out.count
        for _ in 0..<LinkTokens.length { out.append(0x30) }
        for i in stride(from: LinkTokens.length - 1, through: 0, by: -1) {
            out[start + i] = LinkTokens.alphabet[Int(value % 62)]
            value /= 62
        }
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
