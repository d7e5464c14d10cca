// Reading E.164 numbers that optout itself wrote ("+447911123456") from state-file bytes.
// Input: bytes. Output: the number's value, or nil when the bytes are not "+" and 2...15 digits.

extension PhoneNumber {
    /// Fast, strict reader for numbers in optout's own files (not for user input: use the parser).
    package static func parseE164Digits(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64? {
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

extension PhoneNumber {
    /// Appends "+<digits>" to a byte buffer without making a String.
    @inline(__always)
    package func appendE164(to out: inout [UInt8]) {
        out.append(UInt8(ascii: "+"))
        var digits: (UInt64, UInt64) = (0, 0)
        withUnsafeMutableBytes(of: &digits) { d in
            var v = value, k = 0
            repeat { d[k] = UInt8(truncatingIfNeeded: v % 10) + 0x30; v /= 10; k += 1 } while v > 0 && k < 16
            for j in stride(from: k - 1, through: 0, by: -1) { out.append(d[j]) }
        }
    }
}

/// Appends the decimal digits of a non-negative integer.
@inline(__always)
package func appendDecimal(_ number: Int, to out: inout [UInt8]) {
    if number >= 10 { appendDecimal(number / 10, to: &out) }
    out.append(UInt8(truncatingIfNeeded: number % 10) + 0x30)
}
