// XXH64: the 64-bit xxHash of Yann Collet's specification (seed 0 unless given), fed in pieces.
// Input: bytes, in any number of pieces. Output: the 64-bit hash (equal to xxhash's xxh64 of the
// pieces joined: the tests hold it to values from the reference library). Failures: none.
// What it is for: noticing that a file's bytes changed (FileSegments: the ledger before its
// checkpoint), about four times as fast as CRC-32 here. Not a cryptographic hash.

package struct XXH64 {
    private static let p1: UInt64 = 0x9E37_79B1_85EB_CA87
    private static let p2: UInt64 = 0xC2B2_AE3D_27D4_EB4F
    private static let p3: UInt64 = 0x1656_67B1_9E37_79F9
    private static let p4: UInt64 = 0x85EB_CA77_C2B2_AE63
    private static let p5: UInt64 = 0x27D4_EB2F_1656_67C5

    private var v1: UInt64, v2: UInt64, v3: UInt64, v4: UInt64
    private let seed: UInt64
    private var total = 0
    /// Bytes of an unfinished 32-byte stripe.
    private var pending: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
    private var pendingCount = 0

    package init(seed: UInt64 = 0) {
        self.seed = seed
        v1 = seed &+ XXH64.p1 &+ XXH64.p2
        v2 = seed &+ XXH64.p2
        v3 = seed
        v4 = seed &- XXH64.p1
    }

    /// The hash of `bytes` alone.
    package static func hash(_ bytes: UnsafeRawBufferPointer, seed: UInt64 = 0) -> UInt64 {
        var h = XXH64(seed: seed)
        h.update(bytes)
        return h.value
    }

    @inline(__always)
    private static func round(_ acc: UInt64, _ input: UInt64) -> UInt64 {
        ((acc &+ input &* p2) << 31 | (acc &+ input &* p2) >> 33) &* p1
    }

    @inline(__always)
    private static func rotl(_ x: UInt64, _ r: UInt64) -> UInt64 { x << r | x >> (64 - r) }

    /// Adds the next piece of the input.
    package mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard var p = bytes.baseAddress, bytes.count > 0 else { return }
        var n = bytes.count
        total += n
        if pendingCount > 0 {
            // Complete the stripe begun by earlier pieces.
            let take = min(n, 32 - pendingCount)
            withUnsafeMutableBytes(of: &pending) { $0.baseAddress!.advanced(by: pendingCount).copyMemory(from: p, byteCount: take) }
            pendingCount += take
            p += take
            n -= take
            if pendingCount < 32 { return }
            consume(pending)
            pendingCount = 0
        }
        let whole = n & ~31
        stripes(p, count: whole)
        p += whole
        n -= whole
        if n > 0 {
            withUnsafeMutableBytes(of: &pending) { $0.baseAddress!.copyMemory(from: p, byteCount: n) }
            pendingCount = n
        }
    }

    @inline(__always)
    private mutating func consume(_ s: (UInt64, UInt64, UInt64, UInt64)) {
        v1 = XXH64.round(v1, UInt64(littleEndian: s.0))
        v2 = XXH64.round(v2, UInt64(littleEndian: s.1))
        v3 = XXH64.round(v3, UInt64(littleEndian: s.2))
        v4 = XXH64.round(v4, UInt64(littleEndian: s.3))
    }

    /// `count` bytes (a multiple of 32) of whole stripes, four lanes at a time.
    @inline(__always)
    private mutating func stripes(_ p: UnsafeRawPointer, count: Int) {
        var (a, b, c, d) = (v1, v2, v3, v4)
        var i = 0
        while i < count {
            a = XXH64.round(a, UInt64(littleEndian: p.loadUnaligned(fromByteOffset: i, as: UInt64.self)))
            b = XXH64.round(b, UInt64(littleEndian: p.loadUnaligned(fromByteOffset: i &+ 8, as: UInt64.self)))
            c = XXH64.round(c, UInt64(littleEndian: p.loadUnaligned(fromByteOffset: i &+ 16, as: UInt64.self)))
            d = XXH64.round(d, UInt64(littleEndian: p.loadUnaligned(fromByteOffset: i &+ 24, as: UInt64.self)))
            i &+= 32
        }
        (v1, v2, v3, v4) = (a, b, c, d)
    }

    /// The hash of everything added so far.
    package var value: UInt64 {
        var h: UInt64
        if total >= 32 {
            h = XXH64.rotl(v1, 1) &+ XXH64.rotl(v2, 7) &+ XXH64.rotl(v3, 12) &+ XXH64.rotl(v4, 18)
            for v in [v1, v2, v3, v4] {
                h ^= XXH64.round(0, v)
                h = h &* XXH64.p1 &+ XXH64.p4
            }
        } else {
            h = seed &+ XXH64.p5
        }
        h &+= UInt64(total)
        var rest = pending
        withUnsafeBytes(of: &rest) { raw in
            var i = 0
            while i + 8 <= pendingCount {
                h ^= XXH64.round(0, UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)))
                h = XXH64.rotl(h, 27) &* XXH64.p1 &+ XXH64.p4
                i += 8
            }
            if i + 4 <= pendingCount {
                h ^= UInt64(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: i, as: UInt32.self))) &* XXH64.p1
                h = XXH64.rotl(h, 23) &* XXH64.p2 &+ XXH64.p3
                i += 4
            }
            while i < pendingCount {
                h ^= UInt64(raw[i]) &* XXH64.p5
                h = XXH64.rotl(h, 11) &* XXH64.p1
                i += 1
            }
        }
        h ^= h >> 33
        h = h &* XXH64.p2
        h ^= h >> 29
        h = h &* XXH64.p3
        h ^= h >> 32
        return h
    }
}
