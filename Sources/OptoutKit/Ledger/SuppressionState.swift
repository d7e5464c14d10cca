// Suppression state: for each number, whether it is opted out now, derived from the ledger.
// Input: events in the order they are applied. Output: the effect of each event and the current
// state (opted out since when, by which source). Rules: events apply in time
// order; at equal times an opt-out wins; an opt-out that is older than a later resubscription does
// not undo it; only a reply (the number itself) can resubscribe, and only after an opt-out.
// Storage (issue 13): a flat open-addressing table, 12 bytes a slot at a load of at most 0.7
// (about 17-26 bytes a number, no per-entry allocation): a UInt64 word per slot holding the
// number's value (50 bits at most: 15 decimal digits) with the opted-out flag and the source in
// its top bits, and a UInt32 of the `since` second; a time outside 1970...2106 is kept in a small
// side dictionary. Reads never mutate, so any number of threads may read a shared copy.
// Batch lookups (a campaign's chunks): `prepareLookups()` builds a Bloom filter of the numbers
// opted out (OptedOutFilter, 2 MB for a million), which answers most of them without the table.

import OptoutPhone
import OptoutBase

/// The current state of one number.
package struct NumberState: Sendable, Equatable {
    package var optedOut: Bool
    /// Time of the event that set the current state.
    package var since: Timestamp
    /// Source of the opt-out in force (meaningful when optedOut).
    package var source: EventSource
}

/// Every number that ever had an effective event. Opt-outs are global to the account.
package struct SuppressionState: Sendable {
    /// Slot words: 0 = empty; else value | source << 60 | optedOut << 63.
    private var words: [UInt64] = []
    /// `since` seconds per slot (UInt32.max: look in `farTimes`).
    private var times: [UInt32] = []
    /// `since` values that do not fit a UInt32 second count, by number value (rare).
    private var farTimes: [UInt64: Int64] = [:]
    /// Numbers in the table, and those of them opted out now.
    package private(set) var count = 0
    package private(set) var optedOutCount = 0
    /// The numbers opted out as a Bloom filter, built by `prepareLookups()` and dropped by any
    /// change (a copy made before keeps its own, which matches its own unchanged table).
    private var filter: OptedOutFilter?

    private static let valueMask: UInt64 = (1 << 60) - 1
    private static let optedOutBit: UInt64 = 1 << 63
    private static let maxLoad = 0.7

    package init() {}

    /// Bytes held by the table (for the benchmark and the memory test).
    package var bytesHeld: Int { words.capacity * 8 + times.capacity * 4 + farTimes.capacity * 24 }

    @inline(__always)
    private static func home(_ value: UInt64, capacity: Int) -> Int {
        // Fibonacci hashing, reduced to [0, capacity) by a multiply (any capacity, not only powers of two).
        let mixed = (value ^ (value >> 29)) &* 0x9E37_79B9_7F4A_7C15
        return Int(truncatingIfNeeded: mixed.multipliedFullWidth(by: UInt64(capacity)).high)
    }

    /// The slot holding `value`, or nil.
    @inline(__always)
    private func slot(of value: UInt64) -> Int? {
        words.withUnsafeBufferPointer { w -> Int? in
            let capacity = w.count
            if capacity == 0 { return nil }
            var i = SuppressionState.home(value, capacity: capacity)
            while true {
                let word = w[i]
                if word == 0 { return nil }
                if word & SuppressionState.valueMask == value { return i }
                i += 1
                if i == capacity { i = 0 }
            }
        }
    }

    /// Whether each of `values` (PhoneNumber values; 0 for none: false) is opted out, into
    /// `flags` (issue 13). First each value's home slot is read: a value whose home slot is empty
    /// is not in the table. Those loads are independent and taken without branches, so the
    /// processor overlaps their cache misses; the lookups that follow, for the others, find their
    /// slots in the cache. One lookup at a time in a table of a million numbers waits on memory.
    /// With `prepareLookups()` done, a Bloom filter of the numbers opted out answers first
    /// instead: one word of a 2 MB filter, which stays in the cache, where a campaign's numbers
    /// are nearly all not opted out; the table is read only for the few it lets through.
    package func optedOut(_ values: UnsafeBufferPointer<UInt64>, into flags: inout [Bool]) {
        flags.removeAll(keepingCapacity: true)
        let capacity = words.count
        if capacity == 0 || optedOutCount == 0 { flags.append(contentsOf: repeatElement(false, count: values.count)); return }
        if let filter {
            filter.mayContain(values, into: &flags)
        } else {
            words.withUnsafeBufferPointer { w in
                for value in values { flags.append(w[SuppressionState.home(value, capacity: capacity)] != 0) }
            }
        }
        for i in 0..<values.count where flags[i] {
            flags[i] = values[i] != 0 && isOptedOut(PhoneNumber(unchecked: values[i]))
        }
    }

    /// Builds the filter the batch lookups read first (issue 13); the campaign does it once before
    /// its pass. Any later change drops it (lookups then read the table's home slots first).
    package mutating func prepareLookups() {
        guard filter == nil, optedOutCount > 0 else { return }
        filter = OptedOutFilter(count: optedOutCount) { add in
            for word in words where word & SuppressionState.optedOutBit != 0 { add(word & SuppressionState.valueMask) }
        }
    }

    /// Reads the home slot of `value` (both arrays) and returns what it read: a replay touches a
    /// block's slots first so that their cache misses overlap (Ledger.init). Changes nothing.
    @inline(__always)
    package func touch(_ value: UInt64) -> UInt64 {
        let capacity = words.count
        if capacity == 0 { return 0 }
        let i = SuppressionState.home(value, capacity: capacity)
        return words.withUnsafeBufferPointer { $0[i] } &+ UInt64(times.withUnsafeBufferPointer { $0[i] })
    }

    @inline(__always)
    package func isOptedOut(_ number: PhoneNumber) -> Bool {
        guard let i = slot(of: number.value) else { return false }
        return words[i] & SuppressionState.optedOutBit != 0
    }

    package func state(of number: PhoneNumber) -> NumberState? {
        guard let i = slot(of: number.value) else { return nil }
        return entry(at: i)
    }

    private func entry(at i: Int) -> NumberState {
        let word = words[i]
        let since: Int64 = times[i] == UInt32.max ? (farTimes[word & SuppressionState.valueMask] ?? 0) : Int64(times[i])
        let source: EventSource
        switch (word >> 60) & 3 {
        case 0: source = .reply
        case 1: source = .link
        default: source = .import
        }
        return NumberState(optedOut: word & SuppressionState.optedOutBit != 0, since: Timestamp(seconds: since), source: source)
    }

    /// Every number opted out now with its state, in no particular order.
    package func forEachOptedOut(_ body: (PhoneNumber, NumberState) -> Void) {
        for i in 0..<words.count where words[i] & SuppressionState.optedOutBit != 0 {
            body(PhoneNumber(unchecked: words[i] & SuppressionState.valueMask), entry(at: i))
        }
    }

    /// The values of the numbers opted out now, ascending (8 bytes each).
    package func optedOutValuesSorted() -> [UInt64] {
        var values: [UInt64] = []
        values.reserveCapacity(optedOutCount)
        for word in words where word & SuppressionState.optedOutBit != 0 { values.append(word & SuppressionState.valueMask) }
        values.sort()
        return values
    }

    /// What `kind` at `time` from `source` would do, without changing anything.
    package func effect(of kind: EventKind, number: PhoneNumber, at time: Timestamp, source: EventSource) -> EventEffect {
        let current = state(of: number)
        switch kind {
        case .optOut:
            guard let current else { return .applied }
            if current.optedOut { return .repeated }
            return time >= current.since ? .applied : .superseded
        case .optIn:
            guard source == .reply, let current, current.optedOut else { return .noEffect }
            return time > current.since ? .applied : .superseded
        case .help, .other:
            return .noEffect
        }
    }

    /// Applies an event whose effect was computed by `effect(of:...)`.
    package mutating func apply(_ kind: EventKind, number: PhoneNumber, at time: Timestamp, source: EventSource, effect: EventEffect) {
        switch (kind, effect) {
        case (.optOut, .applied):
            set(number.value, NumberState(optedOut: true, since: time, source: source))
        case (.optIn, .applied):
            set(number.value, NumberState(optedOut: false, since: time, source: source))
        case (.optOut, .repeated):
            // Keep the earliest opt-out time of the run of STOPs in force.
            if let i = slot(of: number.value) {
                var current = entry(at: i)
                if time < current.since {
                    current.since = time
                    current.source = source
                    store(current, value: number.value, at: i)
                }
            }
        default:
            break
        }
    }

    private mutating func set(_ value: UInt64, _ state: NumberState) {
        if let i = slot(of: value) {
            store(state, value: value, at: i)
            return
        }
        if Double(count + 1) > Double(words.count) * SuppressionState.maxLoad { grow(to: max(1024, words.count * 3 / 2, Int(Double(count + 1) / 0.5))) }
        var i = SuppressionState.home(value, capacity: words.count)
        while words[i] != 0 {
            i += 1
            if i == words.count { i = 0 }
        }
        count += 1
        store(state, value: value, at: i)
    }

    private mutating func store(_ state: NumberState, value: UInt64, at i: Int) {
        filter = nil
        let old = words[i]
        if old & SuppressionState.optedOutBit != 0 { optedOutCount -= 1 }
        if state.optedOut { optedOutCount += 1 }
        let sourceBits: UInt64 = state.source == .reply ? 0 : state.source == .link ? 1 : 2
        words[i] = value | sourceBits << 60 | (state.optedOut ? SuppressionState.optedOutBit : 0)
        if let seconds = UInt32(exactly: state.since.seconds), seconds != UInt32.max {
            times[i] = seconds
            if old != 0, !farTimes.isEmpty { farTimes[value] = nil }
        } else {
            times[i] = UInt32.max
            farTimes[value] = state.since.seconds
        }
    }

    private mutating func grow(to capacity: Int) {
        let oldWords = words, oldTimes = times
        words = [UInt64](repeating: 0, count: capacity)
        times = [UInt32](repeating: 0, count: capacity)
        for j in 0..<oldWords.count where oldWords[j] != 0 {
            var i = SuppressionState.home(oldWords[j] & SuppressionState.valueMask, capacity: capacity)
            while words[i] != 0 {
                i += 1
                if i == capacity { i = 0 }
            }
            words[i] = oldWords[j]
            times[i] = oldTimes[j]
        }
    }

    /// Sizes the table for `count` numbers at once (no growth while they are applied).
    package mutating func reserve(_ count: Int) {
        let needed = Int(Double(count) / SuppressionState.maxLoad) + 1
        if needed > words.count { grow(to: needed) }
    }

    /// The table as bytes (LedgerCheckpoint), in pieces passed to `emit` (the slot arrays as they
    /// are in memory, not copied): slot for slot, so that `init(serialized:)` gives a state that
    /// answers, and grows, exactly as this one.
    package func serialize(_ emit: (UnsafeRawBufferPointer) -> Void) {
        var head = BinaryWriter()
        head.put(UInt64(words.count))
        head.put(UInt64(count))
        head.put(UInt64(optedOutCount))
        head.put(UInt64(farTimes.count))
        #if _endian(little)
        head.bytes.withUnsafeBytes(emit)
        words.withUnsafeBytes(emit)
        times.withUnsafeBytes(emit)
        var tail = BinaryWriter()
        #else
        var tail = head
        tail.put(array: words)
        tail.put(array: times)
        #endif
        for (value, seconds) in farTimes.sorted(by: { $0.key < $1.key }) {
            tail.put(value)
            tail.put(seconds)
        }
        tail.bytes.withUnsafeBytes(emit)
    }

    /// A state read back from `serialize`'s bytes, or nil when they do not add up: the counts must
    /// match the slots, and the slots be where this build's hashing puts them (a table that
    /// disagrees with itself, or another layout's, is never used).
    package init?(serialized reader: inout BinaryReader) {
        guard let capacity = reader.get(UInt64.self), let count = reader.get(UInt64.self),
              let optedOut = reader.get(UInt64.self), let far = reader.get(UInt64.self),
              capacity <= UInt64(reader.remaining / 12), far <= count,
              let words = reader.get(array: UInt64.self, count: Int(capacity)),
              let times = reader.get(array: UInt32.self, count: Int(capacity)) else { return nil }
        var farTimes: [UInt64: Int64] = [:]
        for _ in 0..<far {
            guard let value = reader.get(UInt64.self), let seconds = reader.get(Int64.self) else { return nil }
            farTimes[value] = seconds
        }
        var used = 0, optedOutSlots = 0, farSlots = 0
        for i in 0..<words.count where words[i] != 0 {
            used += 1
            if words[i] & SuppressionState.optedOutBit != 0 { optedOutSlots += 1 }
            if times[i] == UInt32.max {
                guard farTimes[words[i] & SuppressionState.valueMask] != nil else { return nil }
                farSlots += 1
            }
        }
        guard used == Int(count), optedOutSlots == Int(optedOut), farSlots == farTimes.count,
              Double(used) <= Double(words.count) * SuppressionState.maxLoad || used == 0 else { return nil }
        self.words = words
        self.times = times
        self.farTimes = farTimes
        self.count = used
        self.optedOutCount = optedOutSlots
        // The table is laid out as this build hashes (a checkpoint of another layout would miss
        // numbers): occupied slots sampled across it are found where they are.
        let step = max(1, words.count / 4096)
        var i = 0
        while i < words.count {
            if words[i] != 0 && slot(of: words[i] & SuppressionState.valueMask) != i { return nil }
            i += step
        }
    }

    /// True when both states hold the same numbers with the same state (their tables may be
    /// laid out differently): the checkpoint's cross-check against a full replay.
    package func sameNumbers(as other: SuppressionState) -> Bool {
        guard count == other.count, optedOutCount == other.optedOutCount else { return false }
        for i in 0..<words.count where words[i] != 0 {
            let number = PhoneNumber(unchecked: words[i] & SuppressionState.valueMask)
            if other.state(of: number) != entry(at: i) { return false }
        }
        return true
    }
}

/// A Bloom filter of numbers (issue 13): no false "no", a few per cent false "maybe". Each value
/// sets two bits of one 64-bit word, both chosen by one mixed hash: one memory read per lookup.
/// About 16 bits a number (a power of two of words): 2 MB for a million, 1.6 % false "maybe".
/// Immutable once built, so any number of threads read it.
package final class OptedOutFilter: Sendable {
    private let bits: [UInt64]
    private let shift: UInt64

    package convenience init(_ values: [UInt64]) {
        self.init(count: values.count) { add in values.forEach(add) }
    }

    /// A filter sized for `count` values, which `fill` passes to the function it is given.
    package init(count: Int, _ fill: ((UInt64) -> Void) -> Void) {
        var words = 1
        while words * 64 < count * 16 { words <<= 1 }
        let shift = UInt64(64 - words.trailingZeroBitCount)
        var bits = [UInt64](repeating: 0, count: words)
        bits.withUnsafeMutableBufferPointer { b in
            fill { value in
                let (word, mask) = OptedOutFilter.place(value, shift: shift)
                b[word] |= mask
            }
        }
        self.shift = shift
        self.bits = bits
    }

    /// The word (from the hash's top bits) and the two bits in it (from its low bits).
    @inline(__always)
    private static func place(_ value: UInt64, shift: UInt64) -> (Int, UInt64) {
        var h = value
        h = (h ^ (h >> 33)) &* 0xFF51_AFD7_ED55_8CCD
        h = (h ^ (h >> 33)) &* 0xC4CE_B9FE_1A85_EC53
        h ^= h >> 33
        let word = shift == 64 ? 0 : Int(truncatingIfNeeded: h >> shift)
        return (word, (1 as UInt64) << (h & 63) | (1 as UInt64) << ((h >> 6) & 63))
    }

    /// Whether `value` may be in the set (false: it is not).
    package func mayContain(_ value: UInt64) -> Bool {
        let (word, mask) = OptedOutFilter.place(value, shift: shift)
        return bits[word] & mask == mask
    }

    /// `mayContain` of each value, appended to `flags`.
    package func mayContain(_ values: UnsafeBufferPointer<UInt64>, into flags: inout [Bool]) {
        bits.withUnsafeBufferPointer { b in
            for value in values {
                let (word, mask) = OptedOutFilter.place(value, shift: shift)
                flags.append(b[word] & mask == mask)
            }
        }
    }
}
