// Link tokens: the short, unguessable part of each personal opt-out link.
// Input: a number and the account's secret link key (.optout/link.key, 32 bytes from the kernel
// CSPRNG, mode 0600, made on first use). Output: a 10-character base-62 token (59.5 bits) that is
// HMAC-SHA256(key, number) — the same for a number in every campaign, impossible to forge or
// enumerate without the key. Failures: `OptoutError` when the key cannot be read or written.

public struct LinkTokens: Sendable {
    /// Token length: 62^10 ≈ 2^59.5 possible tokens.
    public static let length = 10
    private let key: [UInt8]

    public init(key: [UInt8]) {
        self.key = key
    }

    /// Loads the account's link key, creating it (atomically, 0600) when absent.
    public static func loadOrCreate(keyPath: String) throws(OptoutError) -> LinkTokens {
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

    /// The token for a number.
    public func token(for number: PhoneNumber) -> String {
        var message = Array("optout-link-v1:".utf8)
        message.append(contentsOf: number.e164.utf8)
        let mac = HMACSHA256.authenticationCode(key: key, message: message)
        var value: UInt64 = 0
        for i in 0..<8 { value = value << 8 | UInt64(mac[i]) }
        return Base62.encode(value, length: LinkTokens.length)
    }

    /// True when the text has the shape of a token (length and alphabet), before any look-up.
    public static func isWellFormed(_ text: String) -> Bool {
        text.utf8.count == length && text.utf8.allSatisfy {
            ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x61 && $0 <= 0x7A)
        }
    }
}
