// Hex: lowercase hexadecimal text of bytes.
// Input: byte arrays, or their text form. Output: the text form, or the decoded bytes.
// Failures: decoding returns nil for characters outside 0-9a-fA-F or an odd number of digits.
// (Link tokens' base 62 is written by LinkTokens itself; a reference Base62 lives in the tests.)

/// Hexadecimal text of bytes (lowercase on output, either case on input).
package enum Hex {
    private static let digits: [UInt8] = Array("0123456789abcdef".utf8)

    /// Two lowercase hex digits per byte.
    package static func encode(_ bytes: [UInt8]) -> String {
        String(unsafeUninitializedCapacity: bytes.count * 2) { out in
            for (k, byte) in bytes.enumerated() {
                out[2 * k] = digits[Int(byte >> 4)]
                out[2 * k + 1] = digits[Int(byte & 0x0F)]
            }
            return bytes.count * 2
        }
    }

    /// The bytes of an even-length hex string (either case), or nil.
    package static func decode(_ text: String) -> [UInt8]? {
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
