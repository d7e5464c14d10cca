// Timestamps: Unix seconds in UTC, written as ISO 8601 ("2026-11-26T17:40:45Z").
// Inputs: times as logs and spreadsheets write them (ISO 8601 with or without offset,
// "YYYY-MM-DD HH:MM[:SS]", Unix seconds, "26/11/2026 17:40" day-first or month-first).
// Outputs: `Timestamp` values; times without an offset are read in a given time zone.
// `reading` gives every reading of a slashed date (the caller chooses the date order per file).
// Failures: `parse` returns nil, `reading` says why (years outside 1970–9999, offsets beyond
// ±14:00, no such date, not a time).

import Foundation

/// A point in time, whole seconds since 1970-01-01T00:00:00Z.
package struct Timestamp: Hashable, Comparable, Sendable, CustomStringConvertible {
    package var seconds: Int64

    package init(seconds: Int64) { self.seconds = seconds }

    package static func now() -> Timestamp {
        Timestamp(seconds: Int64(Date().timeIntervalSince1970.rounded(.down)))
    }

    package static func < (a: Timestamp, b: Timestamp) -> Bool { a.seconds < b.seconds }

    /// "2026-11-26T17:40:45Z", always from 1970 to 9999 (see `writtenSeconds`).
    package var iso8601: String {
        let (y, m, d, hh, mm, ss) = Timestamp.civil(writtenSeconds)
        return "\(pad(y, 4))-\(pad(m, 2))-\(pad(d, 2))T\(pad(hh, 2)):\(pad(mm, 2)):\(pad(ss, 2))Z"
    }

    /// "20261126T174045Z", for file names that sort by time.
    package var compact: String {
        let (y, m, d, hh, mm, ss) = Timestamp.civil(writtenSeconds)
        return "\(pad(y, 4))\(pad(m, 2))\(pad(d, 2))T\(pad(hh, 2))\(pad(mm, 2))\(pad(ss, 2))Z"
    }

    package var description: String { iso8601 }

    private func pad(_ value: Int, _ width: Int) -> String {
        let text = String(value)
        return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
    }

    /// Days since the epoch for a proleptic Gregorian date (Howard Hinnant's algorithm).
    package static func days(year: Int, month: Int, day: Int) -> Int64 {
        let y = Int64(month <= 2 ? year - 1 : year)
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = Int64((month + 9) % 12)
        let doy = (153 * mp + 2) / 5 + Int64(day) - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146097 + doe - 719468
    }

    static func civil(_ seconds: Int64) -> (Int, Int, Int, Int, Int, Int) {
        var days = seconds / 86400
        var rem = seconds % 86400
        if rem < 0 { rem += 86400; days -= 1 }
        let z = days + 719468
        let era = (z >= 0 ? z : z - 146096) / 146097
        let doe = z - era * 146097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = Int(doy - (153 * mp + 2) / 5 + 1)
        let m = Int(mp < 10 ? mp + 3 : mp - 9)
        let y = Int(yoe + era * 400) + (m <= 2 ? 1 : 0)
        return (y, m, d, Int(rem / 3600), Int(rem % 3600 / 60), Int(rem % 60))
    }

    /// The calendar date of a day number (days since 1970-01-01), UTC.
    package static func civilDate(_ day: Int64) -> (year: Int, month: Int, day: Int) {
        let (y, m, d, _, _, _) = civil(day * 86400)
        return (y, m, d)
    }

    package static func daysInMonth(_ year: Int, _ month: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Which of two numbers comes first in a slashed date like 03/04/2026.
    package enum DateOrder: String, Sendable { case dayFirst = "day-first", monthFirst = "month-first" }

    /// The years a time may have: anything else is a typo or a broken clock, not an event.
    package static let readableYears = 1970...9999
    /// The largest UTC offset in use (Kiribati, +14:00), in seconds.
    package static let maxOffset = 14 * 3600

    /// Reads a time as logs and spreadsheets write it. Times without an offset are in `zone`; a
    /// slashed date whose field order the text does not show is read in `order`.
    package static func parse(_ text: String, zone: TimeZone, order: DateOrder = .dayFirst) -> Timestamp? {
        switch reading(text, zone: zone) {
        case .exact(let time): return time
        case .slashed(let dayFirst, let monthFirst):
            if dayFirst != nil && monthFirst != nil { return order == .dayFirst ? dayFirst : monthFirst }
            return dayFirst ?? monthFirst
        case .missing, .unreadable: return nil
        }
    }

    /// Every reading of a time as written, without choosing a date order (opt-out intake decides
    /// per file: see EventTimes). Years outside 1970–9999 and offsets beyond ±14:00 are unreadable.
    package static func reading(_ text: String, zone: TimeZone) -> TimeReading {
        var s = Array(text.utf8)
        while let first = s.first, first == 0x20 || first == 0x09 { s.removeFirst() }
        while let last = s.last, last == 0x20 || last == 0x09 || last == 0x0D { s.removeLast() }
        if s.isEmpty { return .missing }
        // Unix seconds (or milliseconds when 13 digits).
        if s.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) {
            guard let value = Int64(String(decoding: s, as: UTF8.self)) else { return .unreadable("not a time") }
            let seconds: Int64
            if s.count == 13 { seconds = value / 1000 } else if s.count >= 9 && s.count <= 11 { seconds = value } else {
                return .unreadable("\(s.count) digits are neither Unix seconds (9 to 11 digits) nor milliseconds (13)")
            }
            let year = civil(seconds).0
            guard readableYears.contains(year) else { return .unreadable("year \(year) is outside 1970–9999") }
            return .exact(Timestamp(seconds: seconds))
        }
        var scanner = TimeScanner(bytes: s)
        return scanner.scan(zone: zone)
    }
}

/// What a time cell says, before a date order is chosen.
package enum TimeReading: Sendable, Equatable {
    /// No time written (an empty cell or no time column).
    case missing
    /// Written but not a time optout reads (the reason, for the rule and the warning).
    case unreadable(String)
    /// One time, whatever the date order (ISO 8601, Unix seconds, or a day equal to its month).
    case exact(Timestamp)
    /// A date such as 03/04/2026: its day-first and month-first readings, nil where impossible
    /// (13/04/2026 has no month-first reading). At least one is set, and they differ.
    case slashed(dayFirst: Timestamp?, monthFirst: Timestamp?)

    /// The date order this reading proves (a first field above 12: day-first), if any.
    package var provenOrder: Timestamp.DateOrder? {
        guard case .slashed(let dayFirst, let monthFirst) = self else { return nil }
        if dayFirst != nil && monthFirst == nil { return .dayFirst }
        if monthFirst != nil && dayFirst == nil { return .monthFirst }
        return nil
    }
}

/// A tiny cursor over the bytes of one time value.
private struct TimeScanner {
    let bytes: [UInt8]
    var i = 0

    init(bytes: [UInt8]) { self.bytes = bytes }

    mutating func number(maxDigits: Int) -> (value: Int, digits: Int)? {
        var value = 0, digits = 0
        while i < bytes.count, digits < maxDigits, bytes[i] >= 0x30, bytes[i] <= 0x39 {
            value = value * 10 + Int(bytes[i] - 0x30)
            i += 1
            digits += 1
        }
        return digits == 0 ? nil : (value, digits)
    }

    mutating func take(_ byte: UInt8) -> Bool {
        if i < bytes.count, bytes[i] == byte { i += 1; return true }
        return false
    }

    var atEnd: Bool { i >= bytes.count }

    static let notATime = TimeReading.unreadable("not a time such as 2026-11-26T17:40:45Z or 26/11/2026 17:40")

    mutating func scan(zone: TimeZone) -> TimeReading {
        guard let first = number(maxDigits: 4) else { return TimeScanner.notATime }
        var year = 0
        var slashed = false
        // (month, day) candidates: one for a year-first date, two for a slashed one.
        var dayFirst: (month: Int, day: Int)? = nil
        var monthFirst: (month: Int, day: Int)? = nil
        if first.digits == 4 {
            // 2026-11-26 or 2026/11/26
            year = first.value
            guard take(0x2D) || take(0x2F), let m = number(maxDigits: 2) else { return TimeScanner.notATime }
            guard take(0x2D) || take(0x2F), let d = number(maxDigits: 2) else { return TimeScanner.notATime }
            dayFirst = (m.value, d.value)
        } else {
            // 26/11/2026, 11/26/2026, 26.11.2026, 26-11-2026
            guard take(0x2F) || take(0x2E) || take(0x2D), let second = number(maxDigits: 2) else { return TimeScanner.notATime }
            guard take(0x2F) || take(0x2E) || take(0x2D), let y = number(maxDigits: 4), y.digits == 4 || y.digits == 2 else { return TimeScanner.notATime }
            year = y.digits == 2 ? 2000 + y.value : y.value
            dayFirst = (second.value, first.value)
            if first.value != second.value {
                monthFirst = (first.value, second.value)
                slashed = true
            }
        }
        guard Timestamp.readableYears.contains(year) else { return .unreadable("year \(year) is outside 1970–9999") }
        func valid(_ c: (month: Int, day: Int)?) -> (month: Int, day: Int)? {
            guard let c, c.month >= 1, c.month <= 12, c.day >= 1, c.day <= Timestamp.daysInMonth(year, c.month) else { return nil }
            return c
        }
        dayFirst = valid(dayFirst)
        monthFirst = valid(monthFirst)
        if dayFirst == nil && monthFirst == nil { return .unreadable("no such date") }
        var hour = 0, minute = 0, second = 0
        var offset: Int? = nil
        if !atEnd {
            guard take(0x54) || take(0x74) || take(0x20) else { return TimeScanner.notATime }
            while take(0x20) {}
            guard let h = number(maxDigits: 2), take(0x3A), let mi = number(maxDigits: 2) else { return TimeScanner.notATime }
            hour = h.value; minute = mi.value
            if take(0x3A) {
                guard let sec = number(maxDigits: 2) else { return TimeScanner.notATime }
                second = sec.value
                if take(0x2E) || take(0x2C) { _ = number(maxDigits: 9) }  // fractions dropped
            }
            while take(0x20) {}
            if take(0x5A) || take(0x7A) {
                offset = 0
            } else if i < bytes.count, bytes[i] == 0x2B || bytes[i] == 0x2D {
                let sign = bytes[i] == 0x2D ? -1 : 1
                i += 1
                guard let oh = number(maxDigits: 2) else { return TimeScanner.notATime }
                _ = take(0x3A)
                let om = number(maxDigits: 2)?.value ?? 0
                guard om < 60 else { return TimeScanner.notATime }
                offset = sign * (oh.value * 3600 + om * 60)
            } else if i + 2 <= bytes.count, let upper = String(bytes: bytes[i...], encoding: .utf8)?.uppercased(), upper == "UTC" || upper == "GMT" {
                offset = 0
                i = bytes.count
            }
            guard atEnd, hour < 24, minute < 60, second < 61 else { return TimeScanner.notATime }
            if let offset, abs(offset) > Timestamp.maxOffset {
                return .unreadable("offset \(offset < 0 ? "-" : "+")\(abs(offset) / 3600):\(abs(offset) % 3600 / 60 < 10 ? "0" : "")\(abs(offset) % 3600 / 60) is beyond ±14:00")
            }
        }
        let clock = Int64(hour * 3600 + minute * 60 + min(second, 59))
        func instant(_ c: (month: Int, day: Int)?) -> Timestamp? {
            guard let c else { return nil }
            let local = Timestamp.days(year: year, month: c.month, day: c.day) * 86400 + clock
            if let offset { return Timestamp(seconds: local - Int64(offset)) }
            // No offset: interpret in the zone (two passes settle DST edges).
            var guess = local - Int64(zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(local))))
            guess = local - Int64(zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(guess))))
            return Timestamp(seconds: guess)
        }
        // A year-first date, or a slashed one whose two fields are equal (05/05/2026), has one reading.
        if !slashed { return .exact(instant(dayFirst)!) }
        return .slashed(dayFirst: instant(dayFirst), monthFirst: instant(monthFirst))
    }
}

// Output range: every time optout writes (payloads, reports, the ledger, file names, e-mail
// dates) is between 1970-01-01T00:00:00Z and 9999-12-31T23:59:59Z, the range a four-digit ISO 8601
// year and receivers that parse Unix times both take. A time outside it is written as the nearer
// end (it can only come from a nonsense input time or a test clock).
extension Timestamp {
    package static let earliestWritten = Timestamp(seconds: 0)
    package static let latestWritten = Timestamp(seconds: 253_402_300_799)

    /// `seconds` clamped to the written range.
    package var writtenSeconds: Int64 {
        min(max(seconds, Timestamp.earliestWritten.seconds), Timestamp.latestWritten.seconds)
    }
}
