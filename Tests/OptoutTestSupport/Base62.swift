// Base 62 (alphabet 0-9A-Za-z, digit value order) of 64-bit values: a plain reference for the
// tests of link tokens and the token resolver, which encode and decode base 62 on their own.
// Input: a value and a length, or text. Output: the text, or the value (nil for a character
// outside the alphabet, empty text, or a value above UInt64.max).

/// Base-62 text of 64-bit values, alphabet 0-9A-Za-z (digit value order).
package enum Base62 {
    private static let alphabet: [UInt8] =
        Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".utf8)

    /// Digits needed for any UInt64 (62^11 > 2^64).
    package static let maxDigits = 11

    /// Encodes the low `length` base-62 digits of value, most significant first, left-padded
    /// with '0'. Higher digits are dropped (the result is value mod 62^length); length <= 0
    /// gives "". 11 digits hold any UInt64; 10 digits give 59.5 bits.
    package static func encode(_ value: UInt64, length: Int) -> String {
        guard length > 0 else { return "" }
        return String(unsafeUninitializedCapacity: length) { out in
            var v = value
            var k = length - 1
            while k >= 0 {
                let (quotient, digit) = v.quotientAndRemainder(dividingBy: 62)
                out[k] = alphabet[Int(digit)]
                v = quotient
                k -= 1
            }
            return length
        }
    }

    /// The value of a base-62 string (leading '0's allowed); nil on an empty string, any
    /// character outside 0-9A-Za-z, or a value above UInt64.max.
    package static func decode(_ text: String) -> UInt64? {
        var value: UInt64 = 0
        var any = false
        for c in text.utf8 {
            let digit: UInt8
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = c - UInt8(ascii: "0")
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): digit = c - UInt8(ascii: "A") + 10
            case UInt8(ascii: "a")...UInt8(ascii: "z"): digit = c - UInt8(ascii: "a") + 36
            default: return nil
            }
            let (times, overflow1) = value.multipliedReportingOverflow(by: 62)
            let (sum, overflow2) = times.addingReportingOverflow(UInt64(digit))
            if overflow1 || overflow2 { return nil }
            value = sum
            any = true
        }
        return any ? value : nil
    }
}
