// CRC32.swift: CRC-32 checksum, IEEE 802.3 polynomial, bit-reflected (the crc32 of zlib, gzip,
// zip and PNG).
//
// Input: bytes, optionally a seed (the checksum of the bytes before, for incremental use:
// checksum(b, seed: checksum(a)) == checksum(a + b)). Output: the 32-bit checksum. Failures:
// none. Table-driven, eight bytes per step ("slicing by 8", tables built once on first use).

/// CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320), compatible with zlib's `crc32`.
package enum CRC32 {
    /// Eight 256-entry tables: table k gives the CRC contribution of a byte followed by k zeros.
    private static let tables: [UInt32] = {
        var t = [UInt32](repeating: 0, count: 8 * 256)
        for n in 0..<256 {
            var c = UInt32(n)
            for _ in 0..<8 { c = c & 1 != 0 ? (c >> 1) ^ 0xEDB8_8320 : c >> 1 }
            t[n] = c
        }
        for n in 0..<256 {
            var c = t[n]
            for k in 1..<8 {
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
        tables.withUnsafeBufferPointer { t in
            var p = 0
            while n - p >= 8 {
                let lo = UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: p, as: UInt32.self)) ^ c
                let hi = UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: p + 4, as: UInt32.self))
                c = t[7 * 256 + Int(lo & 0xFF)] ^ t[6 * 256 + Int((lo >> 8) & 0xFF)]
                    ^ t[5 * 256 + Int((lo >> 16) & 0xFF)] ^ t[4 * 256 + Int(lo >> 24)]
                    ^ t[3 * 256 + Int(hi & 0xFF)] ^ t[2 * 256 + Int((hi >> 8) & 0xFF)]
                    ^ t[256 + Int((hi >> 16) & 0xFF)] ^ t[Int(hi >> 24)]
                p += 8
            }
            while p < n {
                c = (c >> 8) ^ t[Int((c ^ UInt32(bytes[p])) & 0xFF)]
                p += 1
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
