// NumberTable (OptoutBase/Tables/NumberTable.swift): the open-addressing table of phone number
// values the duplicates' partitions use answers as a dictionary does, also once emptied by
// `removeAll(capacity:)` and filled again (the partitions reuse one table each worker, issue 13),
// whether the new capacity needs the same memory or not.

import Testing
import OptoutBase

@Suite struct NumberTableTests {
    /// Inserts keys (many repeated) into `table` and a dictionary, and checks every answer.
    static func fill(_ table: inout NumberTable, seed: UInt64, count: Int) {
        var rng = SplitMix(state: seed)
        var model: [UInt64: UInt32] = [:]
        for i in 0..<count {
            let key = 1 + rng.next() % UInt64(count)   // about a third repeat
            let payload = UInt32(i)
            let found = table.insertOrFind(key, payload: payload)
            #expect(found == model[key], "key \(key)")
            if model[key] == nil { model[key] = payload }
        }
        #expect(table.count == model.count)
        for (key, payload) in model { #expect(table.find(key) == payload) }
        #expect(table.find(UInt64(count) + 7) == nil)
    }

    @Test func aTableAnswersAsADictionary() {
        var table = NumberTable(capacity: 16)   // grows past its capacity
        Self.fill(&table, seed: 1, count: 20_000)
    }

    @Test(arguments: [5_000, 300, 40_000])
    func anEmptiedTableIsEmptyAndAnswersAgain(capacity: Int) {
        var table = NumberTable(capacity: 5_000)
        Self.fill(&table, seed: 2, count: 5_000)
        table.removeAll(capacity: capacity)   // the same memory for 5,000; another size otherwise
        #expect(table.count == 0)
        for key in UInt64(1)...5_000 { #expect(table.find(key) == nil) }
        Self.fill(&table, seed: 3, count: capacity)
    }
}
