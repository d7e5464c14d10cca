// The ledger's de-duplication identity (issue 10, class 4): it never holds a clamped or
// substituted time, so a row re-read on another day is not recorded twice; v1 ledgers replay and
// their evidence is still recognised.

import Foundation
import Testing
@testable import OptoutBase
@testable import OptoutKit
@testable import OptoutPhone
import OptoutTestSupport

@Suite final class LedgerIdentityTests {
    let dir = NSTemporaryDirectory() + "ledger-id-" + UUID().uuidString
    var path: String { "\(dir)/ledger.tsv" }

    init() throws { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
    deinit { try? FileManager.default.removeItem(atPath: dir) }  // each test leaves nothing in the temp folder

    func stop(_ number: String, time: Int64, timeText: String?, trusted: Bool, text: String = "STOP") -> IncomingEvent {
        var event = IncomingEvent(kind: .optOut, number: PhoneNumber(e164: number)!, time: Timestamp(seconds: time), source: .reply,
                                  rule: "test", file: "inbox/stops/a.csv", line: 2, inputHash: "abc", text: text)
        event.timeText = timeText
        event.timeTrusted = trusted
        return event
    }

    @Test func aRowWithASubstitutedTimeReadAgainLaterIsNotRecordedTwice() throws {
        let ledger = try Ledger(path: path)
        // No time in the row: the processing time of each run is used.
        #expect(try ledger.record([stop("+447911123456", time: 1_000, timeText: "", trusted: false)], at: Timestamp(seconds: 1_000)).count == 1)
        #expect(try ledger.record([stop("+447911123456", time: 9_000, timeText: "", trusted: false)], at: Timestamp(seconds: 9_000)).isEmpty)
        // Clamped: "2099-..." became the processing time, which differs on the next day.
        #expect(try ledger.record([stop("+447911123457", time: 1_000, timeText: "2099-01-01", trusted: false)]).count == 1)
        let reopened = try Ledger(path: path)
        #expect(try reopened.record([stop("+447911123457", time: 90_000, timeText: "2099-01-01", trusted: false)]).isEmpty)
        #expect(try Ledger.readAll(path: path).count == 2)
    }

    @Test func aDifferentMessageOrTimeTextIsNewEvidence() throws {
        let ledger = try Ledger(path: path)
        try ledger.record([stop("+447911123456", time: 1_000, timeText: "2026-11-26 08:00", trusted: true)])
        #expect(try ledger.record([stop("+447911123456", time: 1_000, timeText: "26/11/2026 08:00", trusted: true)]).count == 1)
        #expect(try ledger.record([stop("+447911123456", time: 1_000, timeText: "2026-11-26 08:00", trusted: true, text: "Stop")]).count == 1)
    }

    @Test func recordsAreV2WithTheTimeAsWrittenLast() throws {
        let ledger = try Ledger(path: path)
        try ledger.record([stop("+447911123456", time: 1_000, timeText: "2099-01-01", trusted: false)], at: Timestamp(seconds: 1_000))
        let line = try #require(String(decoding: try Durable.readFile(path), as: UTF8.self).split(separator: "\n").first)
        let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
        #expect(fields.count == 16 && fields[1] == "v2" && fields.last == "2099-01-01")
        #expect(try Ledger.readAll(path: path).first?.timeText == "2099-01-01")
        #expect(try Ledger.readAll(path: path).first?.timeText == "2099-01-01")
    }

    /// A ledger written by the first release (v1 records, identity with the event time).
    func writeV1Ledger() throws {
        let v1 = LedgerRecord(seq: 1, kind: .optOut, effect: .applied, number: PhoneNumber(e164: "+447911123456")!,
                              eventTime: Timestamp(seconds: 1_795_680_000), recordedTime: Timestamp(seconds: 1_795_694_400),
                              source: .reply, rule: "exact keyword \"STOP\"", file: "inbox/stops/a.csv", line: 2,
                              inputHash: "abc", text: "STOP", detail: "to +447700900000")
        #expect(v1.timeText == nil && String(decoding: v1.payload().prefix(3), as: UTF8.self) == "v1\t")
        var encoded: [UInt8] = []
        RecordFile.encode(v1.payload(), into: &encoded)
        try Durable.writeFile(path, encoded, mode: 0o600)
    }

    @Test func aV1LedgerReplaysAndItsEvidenceIsRecognised() throws {
        try writeV1Ledger()
        let ledger = try Ledger(path: path)
        #expect(ledger.isOptedOut(PhoneNumber(e164: "+447911123456")!) && ledger.lastSeq == 1)
        #expect(try Ledger.readAll(path: path).first?.timeText == nil)
        // The same row read again by this release (its own time): not recorded twice.
        var same = stop("+447911123456", time: 1_795_680_000, timeText: "2026-11-26T08:00:00Z", trusted: true)
        same.detail = "to +447700900000"
        #expect(try ledger.record([same]).isEmpty)
        // A substituted time cannot be matched against v1 evidence: recorded (once), never lost.
        var substituted = same
        substituted.timeTrusted = false
        substituted.timeText = ""
        substituted.time = Timestamp(seconds: 1_795_694_400)
        #expect(try ledger.record([substituted]).count == 1)
        #expect(try Ledger(path: path).lastSeq == 2)
    }
}
