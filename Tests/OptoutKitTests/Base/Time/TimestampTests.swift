// Timestamps: the formats logs and spreadsheets write, and ISO 8601 output.

import Foundation
import Testing
@testable import OptoutBase
@testable import OptoutKit
@testable import OptoutPhone
import OptoutTestSupport

@Suite struct TimestampTests {
    let london = TimeZone(identifier: "Europe/London")!

    @Test(arguments: [
        ("2026-11-26T17:40:45Z", "2026-11-26T17:40:45Z"),
        ("2026-11-26T18:40:45+01:00", "2026-11-26T17:40:45Z"),
        ("2026-11-26T17:40:45.123Z", "2026-11-26T17:40:45Z"),
        ("2026-11-26 17:40", "2026-11-26T17:40:00Z"),          // London is UTC in November
        ("2026-07-01 12:00:00", "2026-07-01T11:00:00Z"),       // BST
        ("26/11/2026 17:40", "2026-11-26T17:40:00Z"),          // day-first
        ("1795714845", "2026-11-26T17:40:45Z"),
        ("1795714845000", "2026-11-26T17:40:45Z"),
        ("2024-02-29T00:00:00Z", "2024-02-29T00:00:00Z"),
    ])
    func parses(text: String, expected: String) {
        #expect(Timestamp.parse(text, zone: london)?.iso8601 == expected)
    }

    @Test func monthFirstWhenAsked() {
        #expect(Timestamp.parse("03/04/2026 10:00", zone: .gmt, order: .monthFirst)?.iso8601 == "2026-03-04T10:00:00Z")
        #expect(Timestamp.parse("03/04/2026 10:00", zone: .gmt, order: .dayFirst)?.iso8601 == "2026-04-03T10:00:00Z")
    }

    @Test(arguments: ["", "yesterday", "2026-13-01", "2026-02-30 10:00", "26/11/2026 25:00", "12345", "2026-11-26T17:40:45Q"])
    func rejectsNonsense(text: String) {
        #expect(Timestamp.parse(text, zone: london) == nil)
    }

    @Test(arguments: ["0001-01-01T00:00:00Z", "1969-12-31T23:59:59Z", "31/12/1969 10:00", "2026-11-26T10:00:00+14:01",
                      "2026-11-26T10:00:00-15:00", "2026-11-26T10:00:00+02:75", "123456789012"])
    func yearsOutside1970To9999AndOffsetsBeyond14HoursAreUnreadable(text: String) {
        #expect(Timestamp.parse(text, zone: london) == nil)
        guard case .unreadable = Timestamp.reading(text, zone: london) else { Issue.record("\(text) was read"); return }
    }

    @Test func extremesThatAreStillReadable() {
        #expect(Timestamp.parse("2026-11-26T10:00:00+14:00", zone: .gmt)?.iso8601 == "2026-11-25T20:00:00Z")
        #expect(Timestamp.parse("2026-11-26T10:00:00-12:00", zone: .gmt)?.iso8601 == "2026-11-26T22:00:00Z")
        #expect(Timestamp.parse("9999-12-31T23:59:59Z", zone: .gmt)?.iso8601 == "9999-12-31T23:59:59Z")
        #expect(Timestamp.parse("1970-01-01T00:00:00Z", zone: .gmt)?.seconds == 0)
    }

    @Test func readingsOfSlashedDates() {
        let both = Timestamp.reading("03/04/2026 10:00", zone: .gmt)
        #expect(both == .slashed(dayFirst: Timestamp.parse("2026-04-03T10:00:00Z", zone: .gmt), monthFirst: Timestamp.parse("2026-03-04T10:00:00Z", zone: .gmt)))
        #expect(both.provenOrder == nil)
        #expect(Timestamp.reading("13/04/2026", zone: .gmt).provenOrder == .dayFirst)
        #expect(Timestamp.reading("04/13/2026", zone: .gmt).provenOrder == .monthFirst)
        #expect(Timestamp.reading("05/05/2026 10:00", zone: .gmt) == .exact(Timestamp.parse("2026-05-05T10:00:00Z", zone: .gmt)!))
        #expect(Timestamp.reading("2026-03-04", zone: .gmt).provenOrder == nil)
        #expect(Timestamp.reading("  ", zone: .gmt) == .missing)
        #expect(Timestamp.reading("31/02/2026", zone: .gmt) == .unreadable("no such date"))
    }

    @Test func eventTimesClampAndTrust() {
        let now = Timestamp.parse("2026-11-26T12:00:00Z", zone: .gmt)!
        func resolve(_ text: String, _ kind: EventKind, evidence: [String] = [], order: Timestamp.DateOrder = .dayFirst) -> EventTime {
            var proof = DateOrderEvidence()
            for e in evidence { proof.add(Timestamp.reading(e, zone: .gmt)) }
            return EventTimes.resolve(Timestamp.reading(text, zone: .gmt), raw: text, kind: kind, evidence: proof, order: order, now: now)
        }
        #expect(resolve("2026-11-26T12:05:00Z", .optIn) == EventTime(time: Timestamp(seconds: now.seconds + 300), note: nil, trusted: true))
        let future = resolve("2026-11-26T12:05:01Z", .optIn)
        #expect(future.time == now && !future.trusted && future.note?.contains("clamped to the processing time") == true)
        #expect(resolve("03/04/2026", .optOut).time == Timestamp.parse("2026-04-03", zone: .gmt))
        #expect(resolve("03/04/2026", .optOut, order: .monthFirst).time == Timestamp.parse("2026-04-03", zone: .gmt))
        #expect(resolve("03/04/2026", .other, order: .monthFirst).time == Timestamp.parse("2026-03-04", zone: .gmt))
        #expect(!resolve("03/04/2026", .optIn, order: .monthFirst).trusted)
        #expect(resolve("03/04/2026", .optIn, evidence: ["11/25/2026"]) == EventTime(time: Timestamp.parse("2026-03-04", zone: .gmt)!, note: nil, trusted: true))
        // Both orders proven: a date that proves nothing is ambiguous again.
        #expect(!resolve("03/04/2026", .optIn, evidence: ["11/25/2026", "25/11/2026"]).trusted)
        #expect(resolve("", .optOut) == EventTime(time: now, note: "time missing, processing time used", trusted: false, problem: "time missing; the processing time was used"))
    }

    @Test func compactNameForm() {
        #expect(Timestamp(seconds: 1_795_714_845).compact == "20261126T174045Z")
    }
}
