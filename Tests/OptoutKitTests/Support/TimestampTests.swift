// Timestamps: the formats logs and spreadsheets write, and ISO 8601 output.

import Foundation
import Testing
@testable import OptoutKit

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

    @Test func compactNameForm() {
        #expect(Timestamp(seconds: 1_795_714_845).compact == "20261126T174045Z")
    }
}
