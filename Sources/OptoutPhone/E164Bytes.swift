// Reading E.164 numbers that optout itself wrote ("+447911123456") from state-file bytes, and
// writing them as bytes. Input: bytes, or a number. Output: the number's value, or nil when the
// bytes are not "+" and 2...15 digits; "+<digits>" written at a pointer or appended to a buffer.

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
    /// Two ASCII digits per value 0...99, for writing numbers two digits per division.
    static let digitPairs: StaticString = "00010203040506070809101112131415161718192021222324252627282930313233343536373839404142434445464748495051525354555657585960616263646566676869707172737475767778798081828384858687888990919293949596979899"

    /// Writes "+<digits>" at `out` (room for 21 bytes) and returns the bytes written: two digits
    /// per division, no buffer on the heap.
    @inline(__always)
    package func writeE164(to out: UnsafeMutablePointer<UInt8>) -> Int {
        out[0] = UInt8(ascii: "+")
        return 1 + writeDecimal(value, to: out + 1)
    }

    /// Appends "+<digits>" to a byte buffer without making a String (at most the last 16 digits,
    /// as always: E.164 has at most 15).
    @inline(__always)
    package func appendE164(to out: inout [UInt8]) {
        guard value < 10_000_000_000_000_000 else { return appendE164Digitwise(to: &out) }
        var buffer: (UInt64, UInt64, UInt64) = (0, 0, 0)
        withUnsafeMutableBytes(of: &buffer) { raw in
            let p = raw.baseAddress!.assumingMemoryBound(to: UInt8.self)
            out.append(contentsOf: UnsafeBufferPointer(start: p, count: writeE164(to: p)))
        }
    }

    /// The reference writer (one digit per division), kept for numbers of more than 16 digits and
    /// for the tests of `writeE164`.
    package func appendE164Digitwise(to out: inout [UInt8]) {
        out.append(UInt8(ascii: "+"))
        var digits: (UInt64, UInt64) = (0, 0)
        withUnsafeMutableBytes(of: &digits) { d in
            var v = value, k = 0
            repeat { d[k] = UInt8(truncatingIfNeeded: v % 10) + 0x30; v /= 10; k += 1 } while v > 0 && k < 16
            for j in stride(from: k - 1, through: 0, by: -1) { out.append(d[j]) }
        }
    }
}

/// Writes the decimal digits of `value` at `out` (room for 20 bytes) and returns how many: two
/// digits per division (`PhoneNumber.digitPairs`), no buffer on the heap. A value of 9 to 16
/// digits (every E.164 number but the shortest) is cut into its last eight digits, written as four
/// independent pairs, and the rest (issue 13: 18 ns a number before, 11 ns now).
@inline(__always)
package func writeDecimal(_ value: UInt64, to out: UnsafeMutablePointer<UInt8>) -> Int {
    guard value >= 100_000_000 && value < 10_000_000_000_000_000 else { return writeDecimalPairs(value, to: out) }
    let high = value / 100_000_000, low = value &- high &* 100_000_000
    let n = writeDecimalPairs(high, to: out)
    let pairs = UnsafeRawPointer(PhoneNumber.digitPairs.utf8Start)
    let a = low / 10_000, b = low &- a &* 10_000
    let a1 = a / 100, a2 = a &- a1 &* 100, b1 = b / 100, b2 = b &- b1 &* 100
    let o = UnsafeMutableRawPointer(out + n)
    o.storeBytes(of: pairs.loadUnaligned(fromByteOffset: Int(a1) &* 2, as: UInt16.self), toByteOffset: 0, as: UInt16.self)
    o.storeBytes(of: pairs.loadUnaligned(fromByteOffset: Int(a2) &* 2, as: UInt16.self), toByteOffset: 2, as: UInt16.self)
    o.storeBytes(of: pairs.loadUnaligned(fromByteOffset: Int(b1) &* 2, as: UInt16.self), toByteOffset: 4, as: UInt16.self)
    o.storeBytes(of: pairs.loadUnaligned(fromByteOffset: Int(b2) &* 2, as: UInt16.self), toByteOffset: 6, as: UInt16.self)
    return n + 8
}

/// `writeDecimal` two digits per division from the end.
@inline(__always)
private func writeDecimalPairs(_ value: UInt64, to out: UnsafeMutablePointer<UInt8>) -> Int {
    var digits = 1
    var bound: UInt64 = 10
    while value >= bound && digits < 20 { digits &+= 1; bound = bound &* 10 }
    let pairs = PhoneNumber.digitPairs.utf8Start
    var v = value
    var end = digits
    while v >= 100 {
        let q = v / 100
        let r = Int(truncatingIfNeeded: v &- q &* 100) &* 2
        out[end - 1] = pairs[r + 1]
        out[end - 2] = pairs[r]
        end &-= 2
        v = q
    }
    if v >= 10 {
        let r = Int(truncatingIfNeeded: v) &* 2
        out[end - 1] = pairs[r + 1]
        out[end - 2] = pairs[r]
    } else {
        out[end - 1] = UInt8(truncatingIfNeeded: v) &+ 0x30
    }
    return digits
}

/// Appends the decimal digits of a non-negative integer.
@inline(__always)
package func appendDecimal(_ number: Int, to out: inout [UInt8]) {
    if number >= 10 { appendDecimal(number / 10, to: &out) }
    out.append(UInt8(truncatingIfNeeded: number % 10) + 0x30)
}
