// CRC32.swift: CRC-32 checksum, IEEE 802.3 polynomial, bit-reflected (the crc32 of zlib, gzip,
// zip and PNG).
//
// Input: bytes, optionally a seed (the checksum of the bytes before, for incremental use:
// checksum(b, seed: checksum(a)) == checksum(a + b)). Output: the 32-bit checksum. Failures:
// none. Table-driven, sixteen bytes per step ("slicing by 16", tables built once on first use),
// then eight, four and one.

/// CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320), compatible with zlib's `crc32`.
package enum CRC32 {
    /// Sixteen 256-entry tables: table k gives the CRC contribution of a byte followed by k zeros.
    private static let tables: [UInt32] = {
        var t = [UInt32](repeating: 0, count: 16 * 256)
        for n in 0..<256 {
            var c = UInt32(n)
            for _ in 0..<8 { c = c & 1 != 0 ? (c >> 1) ^ 0xEDB8_8320 : c >> 1 }
            t[n] = c
        }
        for n in 0..<256 {
            var c = t[n]
            for k in 1..<16 {
                c = (c >> 8) ^ t[Int(c & 0xFF)]
                t[k * 256 + n] = c
            }
        }
        return t
    }()

    /// CRC-32 of `bytes`, continuing from `seed` (the checksum of everything before; 0 to start).
    package static func checksum(_ bytes: UnsafeRawBufferPointer, seed: UInt32 = 0) -> UInt32 {
        var c = ~seed
        let n = bytes.count
        guard n > 0, let base = bytes.baseAddress else { return seed }
        tables.withUnsafeBufferPointer { tb in
            let t = tb.baseAddress!
            @inline(__always) func at(_ k: Int, _ v: UInt32) -> UInt32 { t[k &* 256 &+ Int(v & 0xFF)] }
            var p = 0
            // Sixteen bytes a step ("slicing by 16"): four words, each byte through its own table.
            while n &- p >= 16 {
                let w0 = UInt32(littleEndian: base.loadUnaligned(fromByteOffset: p, as: UInt32.self)) ^ c
                let w1 = UInt32(littleEndian: base.loadUnaligned(fromByteOffset: p &+ 4, as: UInt32.self))
                let w2 = UInt32(littleEndian: base.loadUnaligned(fromByteOffset: p &+ 8, as: UInt32.self))
                let w3 = UInt32(littleEndian: base.loadUnaligned(fromByteOffset: p &+ 12, as: UInt32.self))
                c = at(15, w0) ^ at(14, w0 >> 8) ^ at(13, w0 >> 16) ^ at(12, w0 >> 24)
                    ^ at(11, w1) ^ at(10, w1 >> 8) ^ at(9, w1 >> 16) ^ at(8, w1 >> 24)
                    ^ at(7, w2) ^ at(6, w2 >> 8) ^ at(5, w2 >> 16) ^ at(4, w2 >> 24)
                    ^ at(3, w3) ^ at(2, w3 >> 8) ^ at(1, w3 >> 16) ^ at(0, w3 >> 24)
                p &+= 16
            }
            // The rest: eight bytes, then four, then one at a time (issue 13: a link index entry is
            // about 30 bytes, and its last 14 went one at a time).
            if n &- p >= 8 {
                let w0 = UInt32(littleEndian: base.loadUnaligned(fromByteOffset: p, as: UInt32.self)) ^ c
                let w1 = UInt32(littleEndian: base.loadUnaligned(fromByteOffset: p &+ 4, as: UInt32.self))
                c = at(7, w0) ^ at(6, w0 >> 8) ^ at(5, w0 >> 16) ^ at(4, w0 >> 24)
                    ^ at(3, w1) ^ at(2, w1 >> 8) ^ at(1, w1 >> 16) ^ at(0, w1 >> 24)
                p &+= 8
            }
            if n &- p >= 4 {
                let w0 = UInt32(littleEndian: base.loadUnaligned(fromByteOffset: p, as: UInt32.self)) ^ c
                c = at(3, w0) ^ at(2, w0 >> 8) ^ at(1, w0 >> 16) ^ at(0, w0 >> 24)
                p &+= 4
            }
            while p < n {
                c = (c >> 8) ^ t[Int((c ^ UInt32(base.load(fromByteOffset: p, as: UInt8.self))) & 0xFF)]
                p &+= 1
            }
        }
        return ~c
    }

    /// CRC-32 of a byte array.
    package static func checksum(_ bytes: [UInt8]) -> UInt32 {
        bytes.withUnsafeBytes { checksum($0) }
    }

    /// CRC-32 of a byte array, continuing from `seed`.
    package static func checksum(_ bytes: [UInt8], seed: UInt32) -> UInt32 {
        bytes.withUnsafeBytes { checksum($0, seed: seed) }
    }
}
