// Ledger: durability format, torn tails, time-ordered rules, idempotent re-reads.

import Foundation
import Testing
@testable import OptoutBase
@testable import OptoutKit
@testable import OptoutPhone
import OptoutTestSupport

@Suite final class LedgerTests {
    let dir = NSTemporaryDirectory() + "ledger-" + UUID().uuidString

    init() throws { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
    deinit { try? FileManager.default.removeItem(atPath: dir) }  // each test leaves nothing in the temp folder

    func event(_ kind: EventKind, _ number: String, _ time: Int64, line: Int = 1, text: String = "x", source: EventSource = .reply) -> IncomingEvent {
        IncomingEvent(kind: kind, number: PhoneNumber(e164: number)!, time: Timestamp(seconds: time), source: source,
                      rule: "test", file: "inbox/stops/a.csv", line: line, inputHash: "abc", text: text)
    }

    @Test func recordsSurviveReopenWithEvidence() throws {
        let path = "\(dir)/ledger.tsv"
        let ledger = try Ledger(path: path)
        try ledger.record([event(.optOut, "+447911123456", 1_000, text: "Stop\tnow\nplease")], at: Timestamp(seconds: 5_000))
        let again = try Ledger(path: path)
        #expect(again.state.isOptedOut(PhoneNumber(e164: "+447911123456")!))
        let records = try Ledger.readAll(path: path)
        #expect(records.count == 1)
        #expect(records[0].text == "Stop\tnow\nplease")
        #expect(records[0].eventTime == Timestamp(seconds: 1_000))
        #expect(records[0].recordedTime == Timestamp(seconds: 5_000))
        #expect(records[0].file == "inbox/stops/a.csv")
        #expect(records[0].effect == .applied)
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
    }

    /// The byte matchers of a replay know every raw value, and nothing near one.
    @Test func theReplayMatchesEveryRawValueAsBytes() {
        func check<T: RawRepresentable & Equatable>(_ values: [T], _ match: (UnsafeBufferPointer<UInt8>) -> T?) where T.RawValue == String {
            for v in values {
                #expect(Array(v.rawValue.utf8).withUnsafeBufferPointer(match) == v)
                #expect(Array((v.rawValue + "x").utf8).withUnsafeBufferPointer(match) == nil)
                #expect(Array(v.rawValue.utf8.dropLast()).withUnsafeBufferPointer(match) == nil)
                #expect(Array(v.rawValue.uppercased().utf8).withUnsafeBufferPointer(match) == nil)
            }
        }
        check([EventKind.optOut, .optIn, .help, .other], LedgerRecord.Replay.kind)
        check([EventEffect.applied, .repeated, .superseded, .noEffect], LedgerRecord.Replay.effect)
        check(EventSource.allCases, LedgerRecord.Replay.source)
        #expect([UInt8]().withUnsafeBufferPointer(LedgerRecord.Replay.kind) == nil)
    }

    /// Issue 13: a run's page counts from the ledger's tally instead of reading the ledger back;
    /// the tally of a ledger as appended and as reopened equals what a read-back counts, for any
    /// window of recorded times (a damaged record counted by neither).
    @Test func theAppliedTallyIsWhatAReadBackCounts() throws {
        let path = "\(dir)/ledger.tsv"
        let ledger = try Ledger(path: path)
        try ledger.record([event(.optOut, "+447911123456", 1_000), event(.optOut, "+447911123457", 1_001, source: .link),
                           event(.optOut, "+447911123458", 1_002, source: .import)], at: Timestamp(seconds: 5_000))
        try ledger.record([event(.optIn, "+447911123456", 2_000, text: "START"), event(.optOut, "+447911123457", 2_001, text: "again"),
                           event(.optOut, "+447911123459", 2_002, source: .import)], at: Timestamp(seconds: 6_000))
        try ledger.record([event(.optOut, "+447911123456", 3_000, text: "STOP"), event(.help, "+447911123460", 3_001, text: "HELP")],
                          at: Timestamp(seconds: 7_000))
        func readBack(_ from: Int64, _ to: Int64) throws -> Ledger.AppliedTally {
            var t = Ledger.AppliedTally()
            try Ledger.scanFacts(path: path, recordedFrom: Timestamp(seconds: from)) { r in
                guard r.recordedTime.seconds >= from && r.recordedTime.seconds <= to, r.effect == .applied else { return }
                if r.kind == .optOut || r.kind == .optIn { t.add(r.kind, r.source) }
            }
            return t
        }
        let reopened = try Ledger(path: path)
        for (from, to) in [(0, 10_000), (5_000, 5_000), (5_500, 7_000), (6_000, 6_999), (7_001, 9_000)] as [(Int64, Int64)] {
            let expected = try readBack(from, to)
            #expect(ledger.appliedTally(from: Timestamp(seconds: from), through: Timestamp(seconds: to)) == expected)
            #expect(reopened.appliedTally(from: Timestamp(seconds: from), through: Timestamp(seconds: to)) == expected)
        }
        let all = reopened.appliedTally(from: Timestamp(seconds: 0), through: Timestamp(seconds: 10_000))
        #expect((all.reply, all.link, all.imports, all.resubscribed) == (2, 1, 2, 1))
    }

    @Test(arguments: [1, 7, 30, 60])
    func tornTailIsIgnoredAndCutNeverTheRecordsBefore(cut: Int) throws {
        let path = "\(dir)/ledger.tsv"
        let ledger = try Ledger(path: path)
        try ledger.record([event(.optOut, "+447911123456", 1_000)])
        try ledger.record([event(.optOut, "+447911123457", 2_000)])
        let full = try Durable.readFile(path)
        let firstLineEnd = full.firstIndex(of: 0x0A)! + 1
        // Cut the second record short, as a crash in the middle of write(2) would.
        try Durable.writeFile(path, Array(full[..<(firstLineEnd + cut)]), mode: 0o600)
        let reopened = try Ledger(path: path)
        #expect(reopened.state.isOptedOut(PhoneNumber(e164: "+447911123456")!))
        #expect(!reopened.state.isOptedOut(PhoneNumber(e164: "+447911123457")!))
        #expect(reopened.problems.count == 1)
        // The next append starts on a clean line.
        try reopened.record([event(.optOut, "+447911123458", 3_000)])
        let records = try Ledger.readAll(path: path)
        #expect(records.map(\.number.e164) == ["+447911123456", "+447911123458"])
    }

    @Test func damagedMiddleRecordIsSkippedNotTheRest() throws {
        let path = "\(dir)/ledger.tsv"
        let ledger = try Ledger(path: path)
        try ledger.record([event(.optOut, "+447911123451", 1), event(.optOut, "+447911123452", 2), event(.optOut, "+447911123453", 3)])
        var bytes = try Durable.readFile(path)
        let secondStart = bytes.firstIndex(of: 0x0A)! + 1
        bytes[secondStart + 20] ^= 0x01   // flip a bit inside record 2
        try Durable.writeFile(path, bytes, mode: 0o600)
        let reopened = try Ledger(path: path)
        #expect(reopened.state.isOptedOut(PhoneNumber(e164: "+447911123451")!))
        #expect(reopened.state.isOptedOut(PhoneNumber(e164: "+447911123453")!))
        #expect(reopened.problems.count == 1)
    }

    @Test func eventsApplyInTimeOrderWhateverTheInputOrder() throws {
        let ledger = try Ledger(path: "\(dir)/ledger.tsv")
        // STOP at 100, START at 200, STOP at 300, given out of order.
        let written = try ledger.record([
            event(.optOut, "+447911123456", 300, line: 3, text: "STOP"),
            event(.optIn, "+447911123456", 200, line: 2, text: "START"),
            event(.optOut, "+447911123456", 100, line: 1, text: "STOP"),
        ])
        #expect(written.map(\.eventTime.seconds) == [100, 200, 300])
        #expect(written.map(\.effect) == [.applied, .applied, .applied])
        #expect(ledger.state.isOptedOut(PhoneNumber(e164: "+447911123456")!))
        #expect((try ledger.appliedOptOuts(after: 0)).count == 2)
    }

    @Test func olderStopDoesNotUndoALaterStart() throws {
        let ledger = try Ledger(path: "\(dir)/ledger.tsv")
        try ledger.record([event(.optOut, "+447911123456", 100, text: "STOP"), event(.optIn, "+447911123456", 200, text: "START")])
        let late = try ledger.record([event(.optOut, "+447911123456", 150, line: 9, text: "STOP again")])
        #expect(late.map(\.effect) == [.superseded])
        #expect(!ledger.state.isOptedOut(PhoneNumber(e164: "+447911123456")!))
    }

    @Test func startWithoutStopAndImportsCannotResubscribe() throws {
        let ledger = try Ledger(path: "\(dir)/ledger.tsv")
        let first = try ledger.record([event(.optIn, "+447911123456", 100, text: "START")])
        #expect(first.map(\.effect) == [.noEffect])
        try ledger.record([event(.optOut, "+447911123457", 100, text: "STOP")])
        let imported = try ledger.record([event(.optIn, "+447911123457", 200, text: "START", source: .import)])
        #expect(imported.map(\.effect) == [.noEffect])
        #expect(ledger.state.isOptedOut(PhoneNumber(e164: "+447911123457")!))
    }

    @Test func optOutWinsATie() throws {
        let ledger = try Ledger(path: "\(dir)/ledger.tsv")
        try ledger.record([event(.optOut, "+447911123456", 100, line: 1, text: "STOP")])
        try ledger.record([event(.optIn, "+447911123456", 500, line: 2, text: "START"), event(.optOut, "+447911123456", 500, line: 3, text: "STOP")])
        #expect(ledger.state.isOptedOut(PhoneNumber(e164: "+447911123456")!))
    }

    @Test func repeatedStopIsRecordedButCreatesNoSecondOptOut() throws {
        let ledger = try Ledger(path: "\(dir)/ledger.tsv")
        let written = try ledger.record([event(.optOut, "+447911123456", 100, line: 1, text: "STOP"),
                                         event(.optOut, "+447911123456", 200, line: 2, text: "stop!!")])
        #expect(written.map(\.effect) == [.applied, .repeated])
        #expect((try ledger.appliedOptOuts(after: 0)).count == 1)
    }

    @Test func theSameEvidenceReadTwiceIsNotRecordedTwice() throws {
        let path = "\(dir)/ledger.tsv"
        let ledger = try Ledger(path: path)
        let events = [event(.optOut, "+447911123456", 100, text: "STOP\tnow\\n"), event(.help, "+447911123457", 100, text: "HELP")]
        #expect(try ledger.record(events).count == 2)
        let reopened = try Ledger(path: path)
        #expect(try reopened.record(events).isEmpty)
        #expect(try Ledger.readAll(path: path).count == 2)
    }
}
