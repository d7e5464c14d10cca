// Identity set: the ledger's de-duplication keys (64-bit FNV-1a of each record's evidence) in a
// flat open-addressing table, 8 bytes a slot at a load of at most 0.7 (no per-entry allocation).
// Input: identities. Output: membership. Key 0 is stored as 1 (0 marks an empty slot): one more
// collision in 2^64. No failures.

package struct IdentitySet: Sendable {
    private var slots: [UInt64] = []
    package private(set) var count = 0

    package init() {}

    package var bytesHeld: Int { slots.capacity * 8 }

    @inline(__always)
    private static func home(_ key: UInt64, capacity: Int) -> Int {
        let mixed = (key ^ (key >> 31)) &* 0x9E37_79B9_7F4A_7C15
        return Int(truncatingIfNeeded: mixed.multipliedFullWidth(by: UInt64(capacity)).high)
    }

    package func contains(_ identity: UInt64) -> Bool {
        let key = identity == 0 ? 1 : identity
        return slots.withUnsafeBufferPointer { s in
            if s.isEmpty { return false }
            var i = IdentitySet.home(key, capacity: s.count)
            while s[i] != 0 {
                if s[i] == key { return true }
                i += 1
                if i == s.count { i = 0 }
            }
            return false
        }
    }

    /// Adds an identity; true when it was not there.
    @discardableResult
    package mutating func insert(_ identity: UInt64) -> Bool {
        let key = identity == 0 ? 1 : identity
        if Double(count + 1) > Double(slots.count) * 0.7 { grow(to: max(1024, slots.count * 3 / 2, Int(Double(count + 1) / 0.5))) }
        let capacity = slots.count
        var i = IdentitySet.home(key, capacity: capacity)
        while slots[i] != 0 {
            if slots[i] == key { return false }
            i += 1
            if i == capacity { i = 0 }
        }
        slots[i] = key
        count += 1
        return true
    }

    /// Sizes the table for `count` identities at once.
    package mutating func reserve(_ count: Int) {
        let needed = Int(Double(count) / 0.7) + 1
        if needed > slots.count { grow(to: needed) }
    }

    private mutating func grow(to capacity: Int) {
        let old = slots
        slots = [UInt64](repeating: 0, count: capacity)
        for key in old where key != 0 {
            var i = IdentitySet.home(key, capacity: capacity)
            while slots[i] != 0 {
                i += 1
                if i == capacity { i = 0 }
            }
            slots[i] = key
        }
    }
}
