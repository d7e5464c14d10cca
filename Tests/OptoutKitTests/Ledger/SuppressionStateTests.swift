// Suppression state in its flat table: the same answers as a dictionary model for any sequence of
// events (growth, far times, repeated opt-outs, resubscriptions), and its size per number.

import Testing
@testable import OptoutBase
@testable import OptoutKit
@testable import OptoutPhone

@Suite struct SuppressionStateTests {
    /// The rules as they were written with a dictionary (the reference).
    struct Model {
        var numbers: [UInt64: NumberState] = [:]
        func effect(_ kind: EventKind, _ value: UInt64, _ time: Timestamp, _ source: EventSource) -> EventEffect {
            let current = numbers[value]
            switch kind {
            case .optOut:
                guard let current else { return .applied }
                if current.optedOut { return .repeated }
                return time >= current.since ? .applied : .superseded
            case .optIn:
                guard source == .reply, let current, current.optedOut else { return .noEffect }
                return time > current.since ? .applied : .superseded
            default: return .noEffect
            }
        }
        mutating func apply(_ kind: EventKind, _ value: UInt64, _ time: Timestamp, _ source: EventSource, _ effect: EventEffect) {
            switch (kind, effect) {
            case (.optOut, .applied): numbers[value] = NumberState(optedOut: true, since: time, source: source)
            case (.optIn, .applied): numbers[value] = NumberState(optedOut: false, since: time, source: source)
            case (.optOut, .repeated):
                if var c = numbers[value], time < c.since { c.since = time; c.source = source; numbers[value] = c }
            default: break
            }
        }
    }

    @Test(arguments: [1, 2, 3])
    func agreesWithTheDictionaryModel(seed: UInt64) {
        var rng = SplitMix(state: seed)
        var state = SuppressionState()
        var model = Model()
        let times: [Int64] = [-86_400 * 400, 0, 1, 1_790_000_000, 4_294_967_295, 4_294_967_296, 253_402_300_799]
        for _ in 0..<40_000 {
            // 15-digit numbers (the largest E.164 values) and short ones, often repeated.
            let value = rng.next() % 3 == 0 ? 999_999_999_999_000 + rng.next() % 997 : 441_000_000_000 + rng.next() % 20_000
            let number = PhoneNumber(unchecked: value)
            let kind: EventKind = rng.next() % 4 == 0 ? .optIn : .optOut
            let source: EventSource = [.reply, .link, .import][Int(rng.next() % 3)]
            let time = rng.next() % 5 == 0 ? Timestamp(seconds: times[Int(rng.next() % UInt64(times.count))])
                                            : Timestamp(seconds: 1_700_000_000 + Int64(rng.next() % 1_000))
            let effect = state.effect(of: kind, number: number, at: time, source: source)
            #expect(effect == model.effect(kind, value, time, source))
            state.apply(kind, number: number, at: time, source: source, effect: effect)
            model.apply(kind, value, time, source, effect)
        }
        #expect(state.count == model.numbers.count)
        #expect(state.optedOutCount == model.numbers.values.filter(\.optedOut).count)
        for (value, expected) in model.numbers {
            #expect(state.state(of: PhoneNumber(unchecked: value)) == expected)
            #expect(state.isOptedOut(PhoneNumber(unchecked: value)) == expected.optedOut)
        }
        #expect(!state.isOptedOut(PhoneNumber(unchecked: 447_700_900_000)))
        // The batch lookup (the campaign's chunks) answers as one lookup at a time, for numbers in
        // the table (opted out or resubscribed), numbers never seen, and 0 (no number).
        let batch: [UInt64] = model.numbers.keys.sorted() + [0, 447_700_900_000, 441_000_000_000 + 20_001] + model.numbers.keys.sorted().reversed()
        var flags: [Bool] = [true]
        batch.withUnsafeBufferPointer { state.optedOut($0, into: &flags) }
        #expect(flags == batch.map { $0 != 0 && model.numbers[$0]?.optedOut == true })
        #expect(flags.contains(true) && flags.contains(false))
        // The same through the Bloom filter (prepareLookups), in a copy made before and after a change.
        var filtered = state
        filtered.prepareLookups()
        let before = filtered
        filtered.apply(.optOut, number: PhoneNumber(unchecked: 447_700_900_000), at: Timestamp(seconds: 1_800_000_000), source: .reply, effect: .applied)
        for (copy, extra) in [(before, false), (filtered, true)] {
            batch.withUnsafeBufferPointer { copy.optedOut($0, into: &flags) }
            #expect(flags == batch.map { $0 != 0 && (model.numbers[$0]?.optedOut == true || (extra && $0 == 447_700_900_000)) })
        }
        #expect(state.state(of: PhoneNumber(unchecked: 447_700_900_000)) == nil)
        #expect(state.optedOutValuesSorted() == model.numbers.filter { $0.value.optedOut }.keys.sorted())
        var seen: [UInt64: NumberState] = [:]
        state.forEachOptedOut { number, entry in seen[number.value] = entry }
        #expect(seen == model.numbers.filter { $0.value.optedOut })
    }

    /// The filter never says "no" for a number in it, and says "maybe" for few others.
    @Test func theFilterHoldsEveryNumberAndLetsFewOthersThrough() {
        var rng = SplitMix(state: 17)
        let inside = (0..<100_000).map { _ in 10_000_000_000 + rng.next() % 90_000_000_000 }
        let filter = OptedOutFilter(inside)
        #expect(inside.allSatisfy { filter.mayContain($0) })
        let outside = (0..<100_000).map { _ in 100_000_000_000 + rng.next() % 900_000_000_000 }
        let maybes = outside.filter { filter.mayContain($0) }.count
        #expect(maybes < 4_000, "\(maybes) of 100,000 numbers not in the filter let through")
        var flags: [Bool] = []
        inside.withUnsafeBufferPointer { filter.mayContain($0, into: &flags) }
        #expect(flags.allSatisfy { $0 } && flags.count == inside.count)
        #expect(!OptedOutFilter([]).mayContain(1))
    }

    @Test func anEmptyTableHasNobodyOptedOutInABatch() {
        var flags: [Bool] = []
        [UInt64(0), 447_700_900_123].withUnsafeBufferPointer { SuppressionState().optedOut($0, into: &flags) }
        #expect(flags == [false, false])
    }

    @Test func aMillionNumbersTakeAtMostTwentySixBytesEach() {
        var state = SuppressionState()
        state.reserve(1_000_000)
        for i in 0..<1_000_000 {
            state.apply(.optOut, number: PhoneNumber(unchecked: 12_025_550_000 + UInt64(i) * 7), at: Timestamp(seconds: 1_790_000_000 + Int64(i)),
                        source: .import, effect: .applied)
        }
        #expect(state.optedOutCount == 1_000_000)
        #expect(state.bytesHeld <= 26 * 1_000_000, "\(state.bytesHeld) bytes")
        #expect(state.state(of: PhoneNumber(unchecked: 12_025_550_000 + 7 * 999_999))?.since == Timestamp(seconds: 1_790_999_999))
    }
}

