// HMAC.swift: HMAC-SHA256 message authentication (RFC 2104, test vectors RFC 4231).
//
// Input: a secret key of any length (keys longer than the 64-byte block are first hashed) and a
// message. Output: the 32-byte authentication code. Used to sign webhook payloads and to derive
// keyed link tokens. Failures: none.

/// HMAC with SHA-256 (RFC 2104).
package enum HMACSHA256 {
    /// The 32-byte HMAC-SHA256 of `message` under `key`.
    package static func authenticationCode(key: [UInt8], message: [UInt8]) -> [UInt8] {
        message.withUnsafeBytes { authenticationCode(key: key, message: $0) }
    }

    /// The 32-byte HMAC-SHA256 of the UTF-8 of `message` under `key`.
    package static func authenticationCode(key: [UInt8], message: String) -> [UInt8] {
        var message = message
        return message.withUTF8 { authenticationCode(key: key, message: UnsafeRawBufferPointer($0)) }
    }

    /// The 32-byte HMAC-SHA256 of raw `message` bytes under `key`.
    package static func authenticationCode(key: [UInt8], message: UnsafeRawBufferPointer) -> [UInt8] {
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
}
