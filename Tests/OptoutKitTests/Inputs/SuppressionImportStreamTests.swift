// Suppression imports streamed in batches (issue 13): the same events, review items and problems
// whatever the batch size, the file's date order decided from all its dates before the first
// batch, and the ledger line encoder writing exactly the bytes a LedgerRecord encodes to.

import Foundation
import Testing
@testable import OptoutBase
@testable import OptoutKit
@testable import OptoutPhone

@Suite struct SuppressionImportStreamTests {
    /// 2026-11-26T12:00:00Z
    let now = Timestamp(seconds: 1_795_694_400)

    func settings() throws -> Settings {
        let path = NSTemporaryDirectory() + "optout-settings-" + UUID().uuidString + ".json"
        defer { unlink(path) }
        try Data("{\"default_country\": \"GB\"}".utf8).write(to: URL(fileURLWithPath: path))
        return try Settings.load(path: path, displayName: "inbox/settings.json")
    }

    func stream(_ text: String, batchRows: Int) throws -> (batches: [[IncomingEvent]], contents: OptOutContents) {
        let path = NSTemporaryDirectory() + "optout-import-" + UUID().uuidString + ".csv"
        defer { unlink(path) }
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        let s = try settings()
        let reader = SuppressionImport(parser: PhoneNumberParser(defaultRegion: s.defaultCountry), settings: s, now: now)
        var batches: [[IncomingEvent]] = []
        let result = try reader.stream(path: path, displayName: "inbox/suppressions/x.csv", contentKey: "h", batchRows: batchRows) { batch throws(OptoutError) in
            batches.append(batch)
        }
        return (batches, try result.get())
    }

    func describe(_ events: [IncomingEvent]) -> [String] {
        events.map { "\($0.line) \($0.number.e164) \($0.time.iso8601) \($0.timeText ?? "-") \($0.timeTrusted) \($0.rule)" }
    }

    @Test func batchesGiveTheSameEventsAsOneRead() throws {
        // 05/11 and 04/12 are ambiguous; 25/11 decides day-first, but only in the last row.
        var text = "phone,date\n"
        for i in 0..<40 { text += "07700 9000\(String(format: "%02d", i)),\(i % 2 == 0 ? "05/11/2026" : "04/12/2025")\n" }
        text += "not a number,01/01/2026\n"
        text += "+447700900999,25/11/2026\n"
        let whole = try stream(text, batchRows: 1_000)
        let small = try stream(text, batchRows: 7)
        #expect(whole.batches.count == 1)
        #expect(small.batches.count == 6)
        #expect(describe(small.batches.flatMap { $0 }) == describe(whole.batches[0]))
        #expect(small.contents.rows == 42 && whole.contents.rows == 42)
        #expect(small.contents.reviews.count == 1 && small.contents.unreadableSenders == 1)
        #expect(small.contents.rowProblems == whole.contents.rowProblems)
        // Day-first from the last row's evidence applies to the first batch too.
        #expect(small.batches[0][0].time.iso8601.hasPrefix("2026-11-05"))
    }

    @Test func encodedLinesAreTheBytesOfTheRecord() throws {
        let recorded = Timestamp(seconds: 1_795_694_400)
        var events = [
            IncomingEvent(kind: .optOut, number: PhoneNumber(e164: "+447911123456")!, time: Timestamp(seconds: 1_795_000_000), source: .reply,
                          rule: "keyword STOP", file: "inbox/stops/a b.csv", line: 12, inputHash: "abc", text: "Stop\tnow\\n\r\nplease", detail: "d\\"),
            IncomingEvent(kind: .optIn, number: PhoneNumber(e164: "+12025550123")!, time: Timestamp(seconds: 0), source: .link,
                          rule: "", file: "f", line: 0, inputHash: "", text: ""),
        ]
        events[1].timeText = "5/11/26 ünïcode\t"
        var encoder = LedgerLineEncoder(recordedAt: recorded)
        var expected: [UInt8] = []
        for (i, event) in events.enumerated() {
            let effect: EventEffect = i == 0 ? .applied : .noEffect
            let seq = Int64(1_000_000_007 + i)
            encoder.append(event, seq: seq, effect: effect)
            let record = LedgerRecord(seq: seq, kind: event.kind, effect: effect, number: event.number, eventTime: event.time, recordedTime: recorded,
                                      source: event.source, rule: event.rule, file: event.file, line: event.line, inputHash: event.inputHash,
                                      text: event.text, detail: event.detail, timeText: event.timeText ?? event.time.iso8601)
            RecordFile.encode(record.payload(), into: &expected)
        }
        #expect(encoder.out == expected)
    }

    /// The rows are read on a reading thread a batch ahead (issue 13): a ledger failure in the
    /// middle stops the stream without a hang, is thrown as is, and no batch after it is recorded.
    @Test func aLedgerFailureMidStreamIsThrownAndStopsTheReading() throws {
        var text = "phone\n"
        for i in 0..<5_000 { text += "+4477009\(String(format: "%05d", i))\n" }
        let path = NSTemporaryDirectory() + "optout-import-" + UUID().uuidString + ".csv"
        defer { unlink(path) }
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        let s = try settings()
        let reader = SuppressionImport(parser: PhoneNumberParser(defaultRegion: s.defaultCountry), settings: s, now: now)
        var sunk: [Int] = []
        #expect(throws: OptoutError.io(path: "ledger", reason: "disk full")) {
            _ = try reader.stream(path: path, displayName: "inbox/suppressions/x.csv", contentKey: "h", batchRows: 100) { batch throws(OptoutError) in
                sunk.append(batch.count)
                if sunk.count == 3 { throw .io(path: "ledger", reason: "disk full") }
            }
        }
        #expect(sunk == [100, 100, 100])
        // And the same file read whole: every row, in 50 batches, in file order.
        var lines: [Int] = []
        let result = try reader.stream(path: path, displayName: "inbox/suppressions/x.csv", contentKey: "h", batchRows: 100) { batch throws(OptoutError) in
            lines += batch.map(\.line)
        }
        #expect(try result.get().rows == 5_000)
        #expect(lines == Array(2...5_001))
    }
}
