// Base62.swift: text encodings of bytes and numbers: lowercase hexadecimal and base 62.
//
// Input: byte arrays (Hex) or 64-bit values (Base62), and their text forms. Output: the text
// form, or the decoded value. Failures: decoding returns nil for characters outside the
// alphabet, an odd number of hex digits, or a base-62 value that does not fit in 64 bits.
// Base 62 (alphabet 0-9A-Za-z) is URL- and SMS-safe (all GSM-7 default alphabet, no escape
// characters), so it is used for opt-out link tokens.

/// Hexadecimal text of bytes (lowercase on output, either case on input).
public enum Hex {
    private static let digits: [UInt8] = Array("0123456789abcdef".utf8)

    /// Two lowercase hex digits per byte.
    public static func encode(_ bytes: [UInt8]) -> String {
        String(unsafeUninitializedCapacity: bytes.count * 2) { out in
            for (k, byte) in bytes.enumerated() {
                out[2 * k] = digits[Int(byte >> 4)]
                out[2 * k + 1] = digits[Int(byte & 0x0F)]
            }
            return bytes.count * 2
        }
    }

    /// The bytes of an even-length hex string (either case), or nil.
    public static func decode(_ text: String) -> [UInt8]? {
        let utf8 = text.utf8
        guard utf8.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(utf8.count / 2)
        var high: UInt8? = nil
        for c in utf8 {
            guard let v = value(c) else { return nil }
            if let h = high {
                bytes.append(h << 4 | v)
                high = nil
            } else {
                high = v
            }
        }
        return bytes
    }

    @inline(__always)
    private static func value(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}

/// Base-62 text of 64-bit values, alphabet 0-9A-Za-z (digit value order).
public enum Base62 {
    private static let alphabet: [UInt8] =
        Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".utf8)

    /// Digits needed for any UInt64 (62^11 > 2^64).
    public static let maxDigits = 11

    /// Encodes the low `length` base-62 digits of value, most significant first, left-padded
    /// with '0'. Higher digits are dropped (the result is value mod 62^length); length <= 0
    /// gives "". 11 digits hold any UInt64; 10 digits give 59.5 bits.
    public static func encode(_ value: UInt64, length: Int) -> String {
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
    public static func decode(_ text: String) -> UInt64? {
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
