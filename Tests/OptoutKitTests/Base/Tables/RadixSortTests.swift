// Radix sort: the same order as the standard library's sort, for phone-number keys, full 64-bit
// keys, repeats, tiny and empty inputs, and a reused scratch array.

import Testing
@testable import OptoutBase

@Suite struct RadixSortTests {
    @Test(arguments: [0, 1, 2, 255, 256, 257, 5_000, 1_000_000])
    func sortsLikeTheStandardLibrary(count: Int) {
        var rng = SplitMix(state: UInt64(count))
        var scratch: [UInt64] = []
        // E.164 values (below 10^15), full-width keys, and many repeats of a few keys.
        let kinds: [() -> UInt64] = [
            { 10_000_000_000 + rng.next() % 999_990_000_000_000 },
            { rng.next() },
            { 447_700_900_000 + rng.next() % 7 },
        ]
        for make in kinds {
            var keys = (0..<count).map { _ in make() }
            let expected = keys.sorted()
            RadixSort.sort(&keys, scratch: &scratch)
            #expect(keys == expected)
        }
    }

    @Test func keysSharingEveryHighDigitAreStillSorted() {
        var keys: [UInt64] = (0..<10_000).map { UInt64(($0 * 7919) % 10_000) | 0xFFFF_0000_0000_0000 }
        var scratch = [UInt64](repeating: 42, count: 3)
        RadixSort.sort(&keys, scratch: &scratch)
        #expect(keys == (0..<10_000).map { UInt64($0) | 0xFFFF_0000_0000_0000 })
    }
}
