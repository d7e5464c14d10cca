// Radix sort of 64-bit keys: the campaign keys' runs (a million phone-number values at a time).
// Input: the keys and a scratch array (reused between calls; grown to the keys' count).
// Output: the keys in ascending order, in place. No failure.
// How: least significant digit first, 11 bits a digit; one pass over the keys counts every
// digit's histogram, and a digit the keys all share is not moved (numbers below 2^50 take at most
// five passes). Several times faster than a comparison sort on these keys.

package enum RadixSort {
    private static let bits = 11
    private static let buckets = 1 << bits

    /// Sorts `keys` ascending; `scratch` is working space (its contents are not kept).
    package static func sort(_ keys: inout [UInt64], scratch: inout [UInt64]) {
        let n = keys.count
        if n < 256 { keys.sort(); return }
        if scratch.count < n { scratch = [UInt64](repeating: 0, count: n) }
        let digits = (64 + bits - 1) / bits
        var counts = [Int](repeating: 0, count: digits * buckets)
        let mask = UInt64(buckets - 1)
        keys.withUnsafeBufferPointer { k in
            counts.withUnsafeMutableBufferPointer { c in
                for key in k {
                    var rest = key
                    for d in 0..<digits {
                        c[d * buckets + Int(truncatingIfNeeded: rest & mask)] += 1
                        rest >>= UInt64(bits)
                    }
                }
            }
        }
        var inScratch = false
        for d in 0..<digits {
            let base = d * buckets
            // A digit every key shares orders nothing.
            let first = Int(truncatingIfNeeded: (keys[0] >> UInt64(d * bits)) & mask)
            if counts[base + first] == n { continue }
            var offsets = [Int](repeating: 0, count: buckets)
            var total = 0
            for b in 0..<buckets {
                offsets[b] = total
                total += counts[base + b]
            }
            let shift = UInt64(d * bits)
            if inScratch {
                scatter(from: scratch, to: &keys, count: n, shift: shift, mask: mask, offsets: &offsets)
            } else {
                scatter(from: keys, to: &scratch, count: n, shift: shift, mask: mask, offsets: &offsets)
            }
            inScratch.toggle()
        }
        if inScratch {
            keys.withUnsafeMutableBufferPointer { k in
                scratch.withUnsafeBufferPointer { s in k.baseAddress!.update(from: s.baseAddress!, count: n) }
            }
        }
    }

    @inline(__always)
    private static func scatter(from source: [UInt64], to target: inout [UInt64], count n: Int, shift: UInt64, mask: UInt64, offsets: inout [Int]) {
        source.withUnsafeBufferPointer { s in
            target.withUnsafeMutableBufferPointer { t in
                offsets.withUnsafeMutableBufferPointer { o in
                    for i in 0..<n {
                        let key = s[i]
                        let b = Int(truncatingIfNeeded: (key >> shift) & mask)
                        t[o[b]] = key
                        o[b] += 1
                    }
                }
            }
        }
    }
}
