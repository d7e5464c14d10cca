// The ledger read back in streams (issue 13): applied opt-outs after a watermark are the same
// from memory (this process's records) and from disk (a fresh open), facts filtered by recorded
// time on their bytes, identities loaded only to record and dropped after.

import Foundation
import Testing
@testable import OptoutBase
@testable import OptoutKit
@testable import OptoutPhone

@Suite final class LedgerStreamTests {
    let dir = NSTemporaryDirectory() + "ledger-stream-" + UUID().uuidString

    init() throws { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
    deinit { try? FileManager.default.removeItem(atPath: dir) }  // each test leaves nothing in the temp folder

    func event(_ kind: EventKind, _ number: String, _ time: Int64, source: EventSource = .reply, line: Int = 1) -> IncomingEvent {
        IncomingEvent(kind: kind, number: PhoneNumber(e164: number)!, time: Timestamp(seconds: time), source: source,
                      rule: "test", file: "inbox/stops/a.csv", line: line, inputHash: "abc", text: "t\(line)")
    }

    @Test func appliedOptOutsAfterAWatermarkAreTheSameFromMemoryAndFromDisk() throws {
        let path = "\(dir)/ledger.tsv"
        let first = try Ledger(path: path)
        try first.record([event(.optOut, "+447700900001", 100, line: 1), event(.optOut, "+447700900002", 101, source: .import, line: 2)],
                         at: Timestamp(seconds: 1_000))
        let ledger = try Ledger(path: path)
        let counts = try ledger.recordCounting([event(.optOut, "+447700900003", 200, line: 3), event(.optOut, "+447700900001", 201, line: 4),
                                                event(.optIn, "+447700900001", 300, line: 5), event(.optOut, "+447700900004", 202, source: .link, line: 6),
                                                event(.optOut, "+447700900005", 203, source: .import, line: 7)],
                                               at: Timestamp(seconds: 2_000))
        #expect(counts == { var c = RecordCounts(); c.written = 5; c.newOptOuts = 3; c.resubscribed = 1; return c }())
        #expect(ledger.lastSeq == 7 && ledger.lastAppliedOptOutSeq == 6)   // seq 7 is the START (applied in time order)
        let reopened = try Ledger(path: path)
        for after in [Int64(0), 2, 3, 5, 7] {
            let fromMemory = try ledger.appliedOptOuts(after: after, imports: false)
            let fromDisk = try reopened.appliedOptOuts(after: after, imports: false)
            #expect(fromMemory == fromDisk, "after \(after)")
        }
        #expect(try reopened.appliedOptOuts(after: 2, imports: false).map(\.number.e164) == ["+447700900003", "+447700900004"])
        #expect(try reopened.appliedOptOuts(after: 0).count == 5)
        var recent: [Int64] = []
        try Ledger.scanFacts(path: path, recordedFrom: Timestamp(seconds: 2_000)) { recent.append($0.seq) }
        #expect(recent == [3, 4, 5, 6, 7])
        var all: [Int64] = []
        try Ledger.scanFacts(path: path, recordedFrom: Timestamp(seconds: 999)) { all.append($0.seq) }
        #expect(all == [1, 2, 3, 4, 5, 6, 7])
        // Identities dropped are loaded again on the next record: the same evidence is not recorded twice.
        ledger.dropIdentities()
        #expect(try ledger.recordCounting([event(.optOut, "+447700900003", 200, line: 3)]).written == 0)
    }
}
