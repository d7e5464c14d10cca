// Opt-out deadlines (issue 17 item 1): by when an opt-out must be in force, per jurisdiction.
//   US (FCC, 47 CFR 64.1200(a)(10), since 2025-04-11): 10 business days;
//   CA (CASL s. 11(3)): 10 business days;
//   AU (Spam Act 2003 s. 18): 5 working days.
// Business days skip Saturdays, Sundays, the US federal holidays as observed (5 U.S.C. 6103: a
// holiday on a Saturday is observed the Friday before, on a Sunday the Monday after; computed, not
// listed) for US and CA, and every date in `deadline_holidays` for all three. Days are counted in
// the account's `timezone`: the day the opt-out was received is not counted; the deadline is the
// end (midnight) of the Nth business day after it.
// Input: the received time, the number's country (or nil: not known yet, e.g. a file not read),
// `DeadlineSettings`. Output: a `Deadline` (rule and instant), nil when no tracked jurisdiction
// applies. Failures: none (pure).

import OptoutBase
import OptoutPhone
import Foundation

/// One jurisdiction's rule.
package struct DeadlineRule: Sendable, Equatable {
    package var jurisdiction: String
    package var businessDays: Int
    /// US federal holidays are not business days (US, and CA as the brief's calendar).
    package var usHolidays: Bool
    /// "10 business days (US)".
    package var label: String { "\(businessDays) \(jurisdiction == "AU" ? "working" : "business") days (\(jurisdiction))" }
}

/// What the settings say about deadlines.
package struct DeadlineSettings: Sendable, Equatable {
    /// nil: each number by its country (US, CA, AU tracked; others not); else these rules apply to
    /// every number, the earliest deadline counting ([]: no deadlines tracked).
    package var jurisdictions: [String]? = nil
    /// Extra non-business days (days since 1970-01-01), for every jurisdiction.
    package var holidays: Set<Int64> = []
    /// The calendar days are counted in.
    package var timezone = TimeZone(identifier: "UTC")!
    /// The account's country: a file not read yet is counted by it (else by the earliest rule).
    package var defaultCountry: String? = nil

    package init(jurisdictions: [String]? = nil, holidays: Set<Int64> = [], timezone: TimeZone = TimeZone(identifier: "UTC")!,
                defaultCountry: String? = nil) {
        self.jurisdictions = jurisdictions; self.holidays = holidays; self.timezone = timezone; self.defaultCountry = defaultCountry
    }
}

/// A deadline: the rule that set it and the instant the opt-out must be in force by.
package struct Deadline: Sendable, Equatable {
    package var rule: DeadlineRule
    package var due: Timestamp
}

package enum OptOutDeadlines {
    /// The rules this optout knows, by jurisdiction.
    package static let rules: [String: DeadlineRule] = [
        "US": DeadlineRule(jurisdiction: "US", businessDays: 10, usHolidays: true),
        "CA": DeadlineRule(jurisdiction: "CA", businessDays: 10, usHolidays: true),
        "AU": DeadlineRule(jurisdiction: "AU", businessDays: 5, usHolidays: false),
    ]
    /// US territories with their own ISO code, under the FCC's rule.
    static let usTerritories: Set<String> = ["PR", "VI", "GU", "AS", "MP"]

    /// A number's country: its region, else the main region of its calling code (+44 7700 900…,
    /// a range no region claims, is still GB's).
    package static func country(of number: PhoneNumber) -> String? {
        PhoneZones.country(for: number) ?? PhoneZones.countries(forCallingCode: number.countryCode).first
    }

    /// The rules that apply to a number of `country` (nil: not known).
    package static func applicable(country: String?, settings: DeadlineSettings) -> [DeadlineRule] {
        if let listed = settings.jurisdictions { return listed.compactMap { rules[$0] } }
        let known = country ?? settings.defaultCountry
        if let known {
            let code = usTerritories.contains(known) ? "US" : known
            return rules[code].map { [$0] } ?? []
        }
        return Array(rules.values)
    }

    /// The deadline for an opt-out received at `received` from a number of `country` (nil when no
    /// tracked jurisdiction applies). Several rules: the earliest deadline.
    package static func deadline(received: Timestamp, country: String?, settings: DeadlineSettings) -> Deadline? {
        var best: Deadline?
        for rule in applicable(country: country, settings: settings).sorted(by: { $0.jurisdiction < $1.jurisdiction }) {
            let due = deadline(received: received, rule: rule, settings: settings)
            if best == nil || due < best!.due { best = Deadline(rule: rule, due: due) }
        }
        return best
    }

    /// The end of the rule's Nth business day after the day `received` falls on (local calendar).
    package static func deadline(received: Timestamp, rule: DeadlineRule, settings: DeadlineSettings) -> Timestamp {
        let tz = settings.timezone
        var day = localDay(received, tz)
        var counted = 0
        while counted < rule.businessDays {
            day += 1
            if isBusinessDay(day, rule: rule, extra: settings.holidays) { counted += 1 }
        }
        return startOfLocalDay(day + 1, tz)
    }

    /// Saturday, Sunday, a listed holiday, or (US rules) a US federal holiday as observed: not a business day.
    package static func isBusinessDay(_ day: Int64, rule: DeadlineRule, extra: Set<Int64>) -> Bool {
        let weekday = weekday(day)
        if weekday == 0 || weekday == 6 || extra.contains(day) { return false }
        if rule.usHolidays && USFederalHolidays.isObserved(day) { return false }
        return true
    }

    /// 0 = Sunday ... 6 = Saturday (1970-01-01 was a Thursday).
    package static func weekday(_ day: Int64) -> Int {
        Int(((day + 4) % 7 + 7) % 7)
    }

    static func localDay(_ t: Timestamp, _ tz: TimeZone) -> Int64 {
        let offset = Int64(tz.secondsFromGMT(for: Date(timeIntervalSince1970: Double(t.seconds))))
        let local = t.seconds + offset
        return local >= 0 ? local / 86400 : (local - 86399) / 86400
    }

    static func startOfLocalDay(_ day: Int64, _ tz: TimeZone) -> Timestamp {
        let guess = day * 86400
        let offset = Int64(tz.secondsFromGMT(for: Date(timeIntervalSince1970: Double(guess))))
        let first = guess - offset
        // Across a change of offset that day, the offset at the instant itself decides.
        let again = Int64(tz.secondsFromGMT(for: Date(timeIntervalSince1970: Double(first))))
        return Timestamp(seconds: guess - again)
    }

    /// "2026-12-25" → days since 1970-01-01, nil when not a real date.
    package static func day(_ text: String) -> Int64? {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]),
              (1970...9999).contains(y), (1...12).contains(m), d >= 1, d <= Timestamp.daysInMonth(y, m) else { return nil }
        return Timestamp.days(year: y, month: m, day: d)
    }
}

/// US federal holidays (5 U.S.C. 6103) with the observed-day rule, computed for any year.
package enum USFederalHolidays {
    /// The holidays of `year` as they fall (days since 1970-01-01), before the observed shift.
    package static func actual(_ year: Int) -> [Int64] {
        func date(_ m: Int, _ d: Int) -> Int64 { Timestamp.days(year: year, month: m, day: d) }
        /// The nth `weekday` (0 Sunday) of month m; n = -1: the last.
        func nth(_ n: Int, _ weekday: Int, _ m: Int) -> Int64 {
            if n > 0 {
                let first = date(m, 1)
                let shift = Int64((weekday - OptOutDeadlines.weekday(first) + 7) % 7)
                return first + shift + Int64(7 * (n - 1))
            }
            let last = date(m, Timestamp.daysInMonth(year, m))
            return last - Int64((OptOutDeadlines.weekday(last) - weekday + 7) % 7)
        }
        var days = [date(1, 1), nth(3, 1, 1), nth(3, 1, 2), nth(-1, 1, 5), date(7, 4), nth(1, 1, 9), nth(2, 1, 10),
                    date(11, 11), nth(4, 4, 11), date(12, 25)]
        if year >= 2021 { days.append(date(6, 19)) }   // Juneteenth, since 2021
        return days
    }

    /// The day a holiday is observed: Saturday → Friday before, Sunday → Monday after.
    package static func observed(_ day: Int64) -> Int64 {
        switch OptOutDeadlines.weekday(day) {
        case 6: return day - 1
        case 0: return day + 1
        default: return day
        }
    }

    /// True when `day` is a federal holiday as observed (New Year's Day on a Saturday is observed
    /// on the Friday before, in the previous year).
    package static func isObserved(_ day: Int64) -> Bool {
        let year = Timestamp.civilDate(day).year
        for y in [year, year + 1] where actual(y).contains(where: { observed($0) == day }) { return true }
        return false
    }
}
