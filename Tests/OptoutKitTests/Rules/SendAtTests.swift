// SendAtTests.swift — the `send_at` value (template header and settings default): what is accepted,
// what is refused with its reason, and the UTC instant each resolves to at a given build time,
// worked out by hand (EST = UTC-5, EDT = UTC-4; 2026-03-08 02:00 New York does not exist).
import Foundation
import Testing
@testable import OptoutKit

@Suite struct SendAtTests {
    static func utc(_ text: String) -> Date {
        let f = ISO8601DateFormatter()
        guard let d = f.date(from: text) else { fatalError("bad date \(text)") }
        return d
    }

    static func parse(_ text: String) -> SendAt? { try? SendAt.parse(text).get() }

    static func reason(_ text: String) -> String {
        if case .failure(let e) = SendAt.parse(text) { return e.reason }
        return "accepted"
    }

    @Test func acceptedForms() {
        #expect(Self.parse("2026-11-28 10:00 America/New_York")?.description == "2026-11-28 10:00 America/New_York")
        #expect(Self.parse("  2026-11-28   9:05  Europe/Paris ")?.description == "2026-11-28 09:05 Europe/Paris")
        #expect(Self.parse("next 10:00 America/Chicago")?.description == "next 10:00 America/Chicago")
        #expect(Self.parse("NEXT 23:59 UTC")?.description == "next 23:59 UTC")
        #expect(Self.parse("now")?.isScheduled == false)
        #expect(Self.parse("2026-11-28 10:00 America/New_York")?.isScheduled == true)
    }

    @Test func refusedWithTheReason() {
        #expect(Self.reason("2026-02-29 10:00 America/New_York").contains("\"2026-02-29\" is not a date YYYY-MM-DD"))
        #expect(Self.reason("2028-02-29 10:00 America/New_York") == "accepted")  // a leap year
        #expect(Self.reason("2026-11-28 24:00 America/New_York").contains("\"24:00\" is not a time HH:MM"))
        #expect(Self.reason("2026-11-28 10am America/New_York").contains("\"10am\" is not a time"))
        #expect(Self.reason("2026-11-28 10:00 Mars/Olympus").contains("\"Mars/Olympus\" is not an IANA time zone"))
        #expect(Self.reason("2026-11-28 10:00").contains("expected a date and time"))
        #expect(Self.reason("tomorrow 10:00 UTC").contains("\"tomorrow\" is not a date"))
        #expect(Self.reason("26-11-28 10:00 UTC").contains("is not a date"))
        // Every reason shows how to write it.
        #expect(Self.reason("soon").contains("write e.g. \"2026-11-28 10:00 America/New_York\""))
    }

    @Test func instantsWorkedOutByHand() throws {
        let friday = Self.utc("2026-11-27T12:00:00Z")  // 07:00 in New York
        func at(_ text: String, _ now: Date = friday) throws -> Date? { try #require(Self.parse(text)).instant(now: now) }
        #expect(try at("2026-11-28 10:00 America/New_York") == Self.utc("2026-11-28T15:00:00Z"))
        #expect(try at("2026-11-29 09:30 America/New_York") == Self.utc("2026-11-29T14:30:00Z"))
        #expect(try at("2026-11-29 09:30 Europe/Paris") == Self.utc("2026-11-29T08:30:00Z"))
        // Summer time in New York (EDT).
        #expect(try at("2027-07-01 10:00 America/New_York") == Self.utc("2027-07-01T14:00:00Z"))
        // Already past at the build: the build time (whole seconds, rounded up), never the past.
        #expect(try at("2026-11-20 10:00 America/New_York") == friday)
        #expect(try at("2026-11-20 10:00 America/New_York", friday.addingTimeInterval(0.25)) == friday.addingTimeInterval(1))
        // "next": today's if still to come, else tomorrow's.
        #expect(try at("next 10:00 America/New_York") == Self.utc("2026-11-27T15:00:00Z"))
        #expect(try at("next 07:00 America/New_York") == Self.utc("2026-11-27T12:00:00Z"))
        #expect(try at("next 06:59 America/New_York") == Self.utc("2026-11-28T11:59:00Z"))
        // Across the March change: 10:00 EST on Saturday, then 10:00 EDT on Sunday.
        #expect(try at("next 10:00 America/New_York", Self.utc("2026-03-07T16:00:00Z")) == Self.utc("2026-03-08T14:00:00Z"))
        // A local time in the skipped hour (02:30 on 2026-03-08) moves an hour later (03:30 EDT = 07:30Z);
        // one in the repeated hour (01:30 on 2026-11-01) is its first occurrence (EDT = 05:30Z).
        #expect(try at("2026-03-08 02:30 America/New_York", Self.utc("2026-03-01T00:00:00Z")) == Self.utc("2026-03-08T07:30:00Z"))
        #expect(try at("2026-11-01 01:30 America/New_York", Self.utc("2026-10-01T00:00:00Z")) == Self.utc("2026-11-01T05:30:00Z"))
        #expect(try at("now") == nil)
    }
}
