// Reading E.164 numbers that optout itself wrote ("+447911123456") from state-file bytes.
// Input: bytes. Output: the number's value, or nil when the bytes are not "+" and 2...15 digits.

extension PhoneNumber {
    /// Fast, strict reader for numbers in optout's own files (not for user input: use the parser).
    public static func parseE164Digits(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64? {
        guard bytes.count >= 3, bytes.count <= 16, bytes[0] == UInt8(ascii: "+"), bytes[1] != UInt8(ascii: "0") else { return nil }
        var value: UInt64 = 0
        for i in 1..<bytes.count {
            let d = bytes[i] &- 0x30
            guard d < 10 else { return nil }
            value = value * 10 + UInt64(d)
        }
        return value
    }
}
