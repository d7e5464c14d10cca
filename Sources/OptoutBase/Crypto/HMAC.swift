// HMAC.swift: HMAC-SHA256 message authentication (RFC 2104, test vectors RFC 4231).
//
// Input: a secret key of any length (keys longer than the 64-byte block are first hashed) and a
// message. Output: the 32-byte authentication code. Used to sign webhook payloads and to derive
// keyed link tokens. Failures: none.

/// HMAC with SHA-256 (RFC 2104).
public enum HMACSHA256 {
    /// The 32-byte HMAC-SHA256 of `message` under `key`.
    public static func authenticationCode(key: [UInt8], message: [UInt8]) -> [UInt8] {
        message.withUnsafeBytes { authenticationCode(key: key, message: $0) }
    }

    /// The 32-byte HMAC-SHA256 of the UTF-8 of `message` under `key`.
    public static func authenticationCode(key: [UInt8], message: String) -> [UInt8] {
        var message = message
        return message.withUTF8 { authenticationCode(key: key, message: UnsafeRawBufferPointer($0)) }
    }

    /// The 32-byte HMAC-SHA256 of raw `message` bytes under `key`.
    public static func authenticationCode(key: [UInt8], message: UnsafeRawBufferPointer) -> [UInt8] {
        var block = key.count > SHA256.blockSize ? SHA256.hash(key) : key
        block.append(contentsOf: repeatElement(0, count: SHA256.blockSize - block.count))
        for k in block.indices { block[k] ^= 0x36 }     // inner pad
        var inner = SHA256()
        inner.update(block)
        inner.update(message)
        let innerDigest = inner.finalize()
        for k in block.indices { block[k] ^= 0x36 ^ 0x5c }  // switch to the outer pad
        var outer = SHA256()
        outer.update(block)
        outer.update(innerDigest)
        return outer.finalize()
    }

    /// Compares two codes in time independent of where they differ (for verifying signatures).
    public static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for k in a.indices { difference |= a[k] ^ b[k] }
        return difference == 0
    }
}

/// HMAC-SHA256 under one fixed key, with the padded key blocks absorbed once: each code then costs
/// two SHA-256 compressions for a short message instead of four (link tokens, one per recipient).
public struct KeyedHMACSHA256: Sendable {
    private let inner: SHA256
    private let outer: SHA256

    public init(key: [UInt8]) {
        var block = key.count > SHA256.blockSize ? SHA256.hash(key) : key
        block.append(contentsOf: repeatElement(0, count: SHA256.blockSize - block.count))
        var i = SHA256()
        i.update(block.map { $0 ^ 0x36 })
        var o = SHA256()
        o.update(block.map { $0 ^ 0x5c })
        inner = i
        outer = o
    }

    /// The same code as `HMACSHA256.authenticationCode(key:message:)`.
    public func authenticationCode(_ message: UnsafeRawBufferPointer) -> [UInt8] {
        var i = inner
        i.update(message)
        var o = outer
        o.update(i.finalize())
        return o.finalize()
    }
}
