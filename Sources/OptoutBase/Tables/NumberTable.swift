// NumberTable: a compact open-addressing hash map from a phone number (its E.164 value, never 0)
// to a 32-bit payload (e.g. the list line where it was first seen). 12 bytes a slot, load ≤ 0.7,
// no per-entry allocation: this is what keeps a 10-million-row list's memory to ~170 MB.
// No failures; grows by doubling.

package struct NumberTable: Sendable {
    private var keys: [UInt64]
    private var values: [UInt32]
    private var mask: Int
    package private(set) var count = 0

    package init(capacity: Int = 1024) {
        let size = NumberTable.size(for: capacity)
        keys = [UInt64](repeating: 0, count: size)
        values = [UInt32](repeating: 0, count: size)
        mask = size - 1
    }

    private static func size(for capacity: Int) -> Int {
        var size = 16
        while size < capacity * 10 / 7 { size <<= 1 }
        return size
    }

    /// Empties the table for `capacity` keys, in the same memory when it is the size needed
    /// (issue 13: the duplicates' partitions, one after another, reuse one table each worker).
    package mutating func removeAll(capacity: Int) {
        let size = NumberTable.size(for: capacity)
        count = 0
        guard size == keys.count else { self = NumberTable(capacity: capacity); return }
        keys.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
        values.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
    }

    @inline(__always)
    private static func slot(_ key: UInt64, _ mask: Int) -> Int {
        var h = key &* 0x9E3779B97F4A7C15
        h ^= h >> 29
        return Int(truncatingIfNeeded: h) & mask
    }

    /// The payload stored for key, if any.
    package func find(_ key: UInt64) -> UInt32? {
        var i = NumberTable.slot(key, mask)
        while true {
            let k = keys[i]
            if k == key { return values[i] }
            if k == 0 { return nil }
            i = (i + 1) & mask
        }
    }

    /// Inserts key with payload; returns false (and keeps the old payload) when already present.
    @discardableResult
    package mutating func insert(_ key: UInt64, payload: UInt32) -> Bool {
        insertOrFind(key, payload: payload) == nil
    }

    /// Inserts key with payload and returns nil, or returns the payload already stored (one probe).
    package mutating func insertOrFind(_ key: UInt64, payload: UInt32) -> UInt32? {
        precondition(key != 0)
        if (count + 1) * 10 > keys.count * 7 { grow() }
        var i = NumberTable.slot(key, mask)
        while true {
            let k = keys[i]
            if k == key { return values[i] }
            if k == 0 {
                keys[i] = key
                values[i] = payload
                count += 1
                return nil
            }
            i = (i + 1) & mask
        }
    }

    private mutating func grow() {
        let oldKeys = keys, oldValues = values
        let size = keys.count * 2
        keys = [UInt64](repeating: 0, count: size)
        values = [UInt32](repeating: 0, count: size)
        mask = size - 1
        count = 0
        for i in 0..<oldKeys.count where oldKeys[i] != 0 {
            insert(oldKeys[i], payload: oldValues[i])
        }
    }

    package mutating func removeAll() {
        for i in 0..<keys.count { keys[i] = 0 }
        count = 0
    }
}
