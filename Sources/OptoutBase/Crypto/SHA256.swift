// SHA256.swift: SHA-256 message digest (FIPS 180-4), incremental and one-shot.
//
// Input: bytes (raw buffers, arrays, or a String's UTF-8) fed in any number of chunks of any
// size. Output: the 32-byte digest. Used to identify input files by content and, through
// HMACSHA256, to derive link tokens and sign webhook payloads. Failures: none. Whole 64-byte
// blocks are compressed straight from the caller's buffer; only a partial block is copied into
// a fixed 64-byte inline buffer, so hashing allocates nothing but the returned digest.

/// Incremental SHA-256 hasher (FIPS 180-4).
///
/// Feed data with `update`, then call `finalize` once; `finalize` also resets the hasher to
/// its initial state, so the same value can hash a new message afterwards.
package struct SHA256: Sendable {
    /// The eight working hash words H0...H7.
    struct State: Sendable {
        var h0: UInt32 = 0x6a09_e667, h1: UInt32 = 0xbb67_ae85
        var h2: UInt32 = 0x3c6e_f372, h3: UInt32 = 0xa54f_f53a
        var h4: UInt32 = 0x510e_527f, h5: UInt32 = 0x9b05_688c
        var h6: UInt32 = 0x1f83_d9ab, h7: UInt32 = 0x5be0_cd19
    }

    /// Size of one compression block in bytes.
    package static let blockSize = 64

    private var state = State()
    /// Pending bytes of an incomplete block (64 bytes inline, no heap storage).
    private var pending: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) =
        (0, 0, 0, 0, 0, 0, 0, 0)
    private var pendingCount = 0
    /// Total message length so far, in bytes.
    private var totalBytes: UInt64 = 0

    /// A hasher with nothing fed yet.
    package init() {}

    /// Feeds raw bytes.
    package mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        totalBytes &+= UInt64(bytes.count)
        var offset = 0
        var remaining = bytes.count
        if pendingCount > 0 {
            let take = min(SHA256.blockSize - pendingCount, remaining)
            let at = pendingCount
            withUnsafeMutableBytes(of: &pending) { buffer in
                (buffer.baseAddress! + at).copyMemory(from: base, byteCount: take)
            }
            pendingCount += take
            offset += take
            remaining -= take
            if pendingCount < SHA256.blockSize { return }
            let block = pending
            withUnsafeBytes(of: block) { SHA256.compress(&state, blocks: $0) }
            pendingCount = 0
        }
        let whole = remaining & ~(SHA256.blockSize - 1)
        if whole > 0 {
            SHA256.compress(&state, blocks: UnsafeRawBufferPointer(start: base + offset, count: whole))
            offset += whole
            remaining -= whole
        }
        if remaining > 0 {
            withUnsafeMutableBytes(of: &pending) { buffer in
                buffer.baseAddress!.copyMemory(from: base + offset, byteCount: remaining)
            }
            pendingCount = remaining
        }
    }

    /// Feeds the bytes of an array.
    package mutating func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { update($0) }
    }

    /// Feeds the UTF-8 encoding of a string.
    package mutating func update(_ text: String) {
        var text = text
        text.withUTF8 { update(UnsafeRawBufferPointer($0)) }
    }

    /// Pads the message, returns the 32-byte digest and resets the hasher to its initial state.
    package mutating func finalize() -> [UInt8] {
        let bitLength = totalBytes &* 8
        // 0x80, then zeros up to 56 mod 64, then the 64-bit big-endian bit length.
        var tail: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64,
                   UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        let padLength = pendingCount < 56 ? 56 - pendingCount : 120 - pendingCount
        withUnsafeMutableBytes(of: &tail) { buffer in
            buffer[0] = 0x80
            for k in 0..<8 {
                buffer[padLength + k] = UInt8(truncatingIfNeeded: bitLength >> UInt64(56 - 8 * k))
            }
            update(UnsafeRawBufferPointer(rebasing: buffer[0..<(padLength + 8)]))
        }
        let s = state
        let words = (s.h0.bigEndian, s.h1.bigEndian, s.h2.bigEndian, s.h3.bigEndian,
                     s.h4.bigEndian, s.h5.bigEndian, s.h6.bigEndian, s.h7.bigEndian)
        self = SHA256()
        return withUnsafeBytes(of: words) { Array($0) }
    }

    /// SHA-256 of a byte array.
    package static func hash(_ bytes: [UInt8]) -> [UInt8] {
        var hasher = SHA256()
        hasher.update(bytes)
        return hasher.finalize()
    }

    /// SHA-256 of a string's UTF-8 encoding.
    package static func hash(_ text: String) -> [UInt8] {
        var hasher = SHA256()
        hasher.update(text)
        return hasher.finalize()
    }

    /// SHA-256 of raw bytes.
    package static func hash(_ bytes: UnsafeRawBufferPointer) -> [UInt8] {
        var hasher = SHA256()
        hasher.update(bytes)
        return hasher.finalize()
    }

    // MARK: - Compression

    /// Round constants: first 32 bits of the fractional parts of the cube roots of the first
    /// 64 primes (FIPS 180-4 section 4.2.2).
    private static let roundConstants: [UInt32] = [
        0x428a_2f98, 0x7137_4491, 0xb5c0_fbcf, 0xe9b5_dba5, 0x3956_c25b, 0x59f1_11f1, 0x923f_82a4, 0xab1c_5ed5,
        0xd807_aa98, 0x1283_5b01, 0x2431_85be, 0x550c_7dc3, 0x72be_5d74, 0x80de_b1fe, 0x9bdc_06a7, 0xc19b_f174,
        0xe49b_69c1, 0xefbe_4786, 0x0fc1_9dc6, 0x240c_a1cc, 0x2de9_2c6f, 0x4a74_84aa, 0x5cb0_a9dc, 0x76f9_88da,
        0x983e_5152, 0xa831_c66d, 0xb003_27c8, 0xbf59_7fc7, 0xc6e0_0bf3, 0xd5a7_9147, 0x06ca_6351, 0x1429_2967,
        0x27b7_0a85, 0x2e1b_2138, 0x4d2c_6dfc, 0x5338_0d13, 0x650a_7354, 0x766a_0abb, 0x81c2_c92e, 0x9272_2c85,
        0xa2bf_e8a1, 0xa81a_664b, 0xc24b_8b70, 0xc76c_51a3, 0xd192_e819, 0xd699_0624, 0xf40e_3585, 0x106a_a070,
        0x19a4_c116, 0x1e37_6c08, 0x2748_774c, 0x34b0_bcb5, 0x391c_0cb3, 0x4ed8_aa4a, 0x5b9c_ca4f, 0x682e_6ff3,
        0x748f_82ee, 0x78a5_636f, 0x84c8_7814, 0x8cc7_0208, 0x90be_fffa, 0xa450_6ceb, 0xbef9_a3f7, 0xc671_78f2,
    ]

    @inline(__always)
    private static func rotr(_ x: UInt32, _ n: UInt32) -> UInt32 {
        (x &>> n) | (x &<< (32 &- n))
    }

    /// One round with the working variables passed in rotated order, so that no variable is
    /// moved: d and h are the only ones that change.
    @inline(__always)
    private static func round(
        _ a: UInt32, _ b: UInt32, _ c: UInt32, _ d: inout UInt32,
        _ e: UInt32, _ f: UInt32, _ g: UInt32, _ h: inout UInt32, _ kw: UInt32
    ) {
        let t1 = h &+ (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) &+ (g ^ (e & (f ^ g))) &+ kw
        d &+= t1
        h = t1 &+ (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) &+ ((a & b) | (c & (a | b)))
    }

    /// Compresses `blocks.count / 64` consecutive blocks into the state.
    private static func compress(_ state: inout State, blocks: UnsafeRawBufferPointer) {
        let blockCount = blocks.count / blockSize
        roundConstants.withUnsafeBufferPointer { k in
            withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 64) { w in
                var s = state
                for block in 0..<blockCount {
                    let base = block * blockSize
                    for t in 0..<16 {
                        w[t] = UInt32(bigEndian: blocks.loadUnaligned(
                            fromByteOffset: base + 4 * t, as: UInt32.self))
                    }
                    for t in 16..<64 {
                        let x = w[t - 15], y = w[t - 2]
                        let sigma0 = rotr(x, 7) ^ rotr(x, 18) ^ (x &>> 3)
                        let sigma1 = rotr(y, 17) ^ rotr(y, 19) ^ (y &>> 10)
                        w[t] = w[t - 16] &+ sigma0 &+ w[t - 7] &+ sigma1
                    }
                    var a = s.h0, b = s.h1, c = s.h2, d = s.h3
                    var e = s.h4, f = s.h5, g = s.h6, h = s.h7
                    var t = 0
                    while t < 64 {
                        round(a, b, c, &d, e, f, g, &h, k[t] &+ w[t])
                        round(h, a, b, &c, d, e, f, &g, k[t + 1] &+ w[t + 1])
                        round(g, h, a, &b, c, d, e, &f, k[t + 2] &+ w[t + 2])
                        round(f, g, h, &a, b, c, d, &e, k[t + 3] &+ w[t + 3])
                        round(e, f, g, &h, a, b, c, &d, k[t + 4] &+ w[t + 4])
                        round(d, e, f, &g, h, a, b, &c, k[t + 5] &+ w[t + 5])
                        round(c, d, e, &f, g, h, a, &b, k[t + 6] &+ w[t + 6])
                        round(b, c, d, &e, f, g, h, &a, k[t + 7] &+ w[t + 7])
                        t += 8
                    }
                    s.h0 &+= a; s.h1 &+= b; s.h2 &+= c; s.h3 &+= d
                    s.h4 &+= e; s.h5 &+= f; s.h6 &+= g; s.h7 &+= h
                }
                state = s
            }
        }
    }
}
