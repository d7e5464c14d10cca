// SendAt.swift — a campaign's sending time: the `send_at:` template header or the `send_at`
// settings default.
// Input: the text as written: a fixed local time "2026-11-28 10:00 America/New_York", a daily time
// "next 10:00 America/New_York" (the first such local time at or after the build), or "now" (a
// template's way to send at once when settings give a default). Zone: an IANA id Foundation knows.
// Output: `SendAt`; `instant(now:)` → the UTC instant the quiet-hours search starts from: the
// given time, or the build time when that has passed (a gateway would send a past time at once,
// possibly at night: fail closed). Deterministic under OPTOUT_NOW (only `now` is read).
// Failures: the reason, for the template's line or the settings key.

import Foundation
import OptoutBase

package struct SendAt: Hashable, Sendable, CustomStringConvertible {
    package enum When: Hashable, Sendable {
        /// A date and a local time (minutes after midnight).
        case fixed(year: Int, month: Int, day: Int, minute: Int)
        /// The next local time (minutes after midnight) at or after the build.
        case next(minute: Int)
        /// No scheduling: the campaign goes to outbox/send/ as usual.
        case now
    }

    package let when: When
    /// IANA id (nil for `.now`).
    package let zone: String?

    package static let example = "2026-11-28 10:00 America/New_York"

    /// As written back in reports: "2026-11-28 10:00 America/New_York", "next 10:00 Europe/Paris", "now".
    package var description: String {
        func hhmm(_ m: Int) -> String { String(format: "%02d:%02d", m / 60, m % 60) }
        switch when {
        case .fixed(let y, let mo, let d, let m): return String(format: "%04d-%02d-%02d ", y, mo, d) + hhmm(m) + " " + (zone ?? "")
        case .next(let m): return "next \(hhmm(m)) \(zone ?? "")"
        case .now: return "now"
        }
    }

    /// True when the campaign is scheduled (anything but "now").
    package var isScheduled: Bool { when != .now }

    package static func parse(_ text: String) -> Result<SendAt, SendAtError> {
        let words = text.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        func fail(_ why: String) -> Result<SendAt, SendAtError> {
            .failure(SendAtError(reason: "send_at \"\(HeaderText.printable(text))\": \(why); write e.g. \"\(example)\", \"next 10:00 America/New_York\" or \"now\""))
        }
        if words.count == 1, words[0].lowercased() == "now" { return .success(SendAt(when: .now, zone: nil)) }
        guard words.count == 3 else { return fail("expected a date and time (or \"next\" and a time) and an IANA time zone") }
        guard let minute = SendWindowSettings.parseTime(words[1], allowEndOfDay: false) else {
            return fail("\"\(HeaderText.printable(words[1]))\" is not a time HH:MM from 00:00 to 23:59")
        }
        guard TimeZone(identifier: words[2]) != nil else {
            return fail("\"\(HeaderText.printable(words[2]))\" is not an IANA time zone such as America/New_York or UTC")
        }
        if words[0].lowercased() == "next" { return .success(SendAt(when: .next(minute: minute), zone: words[2])) }
        let parts = words[0].split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              parts.allSatisfy({ $0.allSatisfy { $0.isASCII && $0.isNumber } }),
              let y = Int(parts[0]), let mo = Int(parts[1]), let d = Int(parts[2]),
              y >= 1970, y <= 9999, (1...12).contains(mo), d >= 1, d <= daysIn(y, mo) else {
            return fail("\"\(HeaderText.printable(words[0]))\" is not a date YYYY-MM-DD")
        }
        return .success(SendAt(when: .fixed(year: y, month: mo, day: d, minute: minute), zone: words[2]))
    }

    /// The instant the quiet-hours search starts from (whole seconds, never before `now`); nil for "now".
    package func instant(now: Date) -> Date? {
        guard let zone, let tz = TimeZone(identifier: zone) else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = tz
        let nowSeconds = now.timeIntervalSince1970.rounded(.up)
        let start = Date(timeIntervalSince1970: nowSeconds)
        func local(_ y: Int, _ mo: Int, _ d: Int, _ m: Int) -> Date? {
            // Calendar's rule: a local time inside a skipped hour moves an hour later (02:30 → 03:30);
            // one inside a repeated hour is its first occurrence.
            calendar.date(from: DateComponents(year: y, month: mo, day: d, hour: m / 60, minute: m % 60))
        }
        switch when {
        case .now:
            return nil
        case .fixed(let y, let mo, let d, let m):
            guard let date = local(y, mo, d, m) else { return nil }
            return max(date, start)
        case .next(let m):
            let today = calendar.dateComponents([.year, .month, .day], from: start)
            guard let y = today.year, let mo = today.month, let d = today.day, let first = local(y, mo, d, m) else { return nil }
            if first >= start { return first }
            guard let tomorrow = calendar.date(byAdding: .day, value: 1, to: calendar.date(from: today) ?? start) else { return nil }
            let t = calendar.dateComponents([.year, .month, .day], from: tomorrow)
            return local(t.year ?? y, t.month ?? mo, t.day ?? d, m)
        }
    }
}

/// Days in a month of the Gregorian calendar.
private func daysIn(_ year: Int, _ month: Int) -> Int {
    if month == 2 { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28 }
    return [4, 6, 9, 11].contains(month) ? 30 : 31
}

package struct SendAtError: Error, Equatable, Sendable {
    package let reason: String
}
