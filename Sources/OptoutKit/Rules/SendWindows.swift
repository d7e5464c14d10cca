// SendWindows.swift — when a message may go: the earliest instant at which a recipient is inside
// every applicable sending rule in every one of its possible time zones.
// Input: a UTC instant (the campaign's send_at), the recipient's possible IANA zones
// (`PhoneZones.zones(for:)`, plus those of a `state` column), and the rules that apply to it
// (`SendWindowRules`). A rule allows a local time inside ANY of its windows (Texas: Mon–Sat
// 9:00–21:00 or Sunday 12:00–21:00); a recipient must satisfy EVERY rule in EVERY zone (the
// intersection: the stricter wins).
// Output: `SendWindows.decide` → `.send(at:)` (the given instant when already allowed), or
// `.held(reason)`: zone unknown while a rule applies (never "no limit"), a zone id Foundation cannot
// resolve, or no allowed instant within `searchDays` (contradictory windows).
// Local times come from Foundation's `TimeZone` offsets, so daylight-saving changes are exact: a
// window opening inside a skipped hour opens at the transition; one in a repeated hour opens at
// its first occurrence. Windows are half-open: 8:00–21:00 allows 20:59:59, not 21:00:00.

import Foundation

/// A day of the week, ISO numbered (Monday = 1 … Sunday = 7).
package enum Weekday: Int, CaseIterable, Sendable, Comparable, CustomStringConvertible {
    case monday = 1, tuesday, wednesday, thursday, friday, saturday, sunday

    package static func < (a: Weekday, b: Weekday) -> Bool { a.rawValue < b.rawValue }

    /// "Mon" … "Sun".
    package var description: String { ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"][rawValue - 1] }

    /// "Mon", "monday", "MON" …; nil for anything else.
    package init?(name: String) {
        let lower = name.lowercased()
        let full = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
        guard let i = full.firstIndex(where: { $0 == lower || $0.prefix(3) == lower }) else { return nil }
        self.init(rawValue: i + 1)
    }

    /// The weekday of a day counted from 1970-01-01 (a Thursday).
    static func of(daysSinceEpoch day: Int) -> Weekday {
        let r = ((day % 7) + 7) % 7
        return Weekday(rawValue: (r + 3) % 7 + 1)!
    }
}

/// Local times at which sending is allowed: on `days`, from `from` (inclusive) to `to` (exclusive),
/// in minutes after local midnight (0 ≤ from < to ≤ 1440; 1440 = the end of the day).
package struct SendWindow: Hashable, Sendable, CustomStringConvertible {
    package let days: Set<Weekday>
    package let from: Int
    package let to: Int

    /// nil unless 0 ≤ from < to ≤ 1440 and `days` is not empty.
    package init?(days: Set<Weekday>, from: Int, to: Int) {
        guard !days.isEmpty, from >= 0, from < to, to <= 1440 else { return nil }
        self.days = days
        self.from = from
        self.to = to
    }

    /// Every day of the week.
    package static let everyDay = Set(Weekday.allCases)

    /// True if a local time (weekday, seconds after midnight) is inside the window.
    @inline(__always)
    func contains(_ day: Weekday, _ second: Int) -> Bool {
        days.contains(day) && second >= from * 60 && second < to * 60
    }

    /// e.g. "Mon-Sat 09:00-21:00", "Sun 12:00-21:00", "every day 08:00-20:00".
    package var description: String {
        func hhmm(_ m: Int) -> String { String(format: "%02d:%02d", m / 60, m % 60) }
        return "\(SendWindow.describe(days)) \(hhmm(from))-\(hhmm(to))"
    }

    /// "every day", "Mon-Sat", "Sat,Sun", "Mon-Wed,Fri".
    static func describe(_ days: Set<Weekday>) -> String {
        if days.count == 7 { return "every day" }
        var parts: [String] = []
        var run: [Weekday] = []
        func flush() {
            guard let first = run.first, let last = run.last else { return }
            parts.append(run.count >= 3 ? "\(first)-\(last)" : run.map(\.description).joined(separator: ","))
            run = []
        }
        for day in Weekday.allCases {
            if days.contains(day) { run.append(day) } else { flush() }
        }
        flush()
        return parts.joined(separator: ",")
    }
}

/// One rule (a law, or a country's `send_windows` in settings): sending is allowed when the local
/// time is inside any of its windows; a day none of them covers allows nothing.
package struct SendRule: Hashable, Sendable {
    /// e.g. "US federal", "US-TX", "settings send_windows FR".
    package let name: String
    package let windows: [SendWindow]
    /// Where the rule comes from (statute, regulation, or the settings key).
    package let source: String
    /// The date it applies to text messages from (ISO 8601), when known.
    package let since: String?

    package init(name: String, windows: [SendWindow], source: String, since: String? = nil) {
        self.name = name
        self.windows = windows
        self.source = source
        self.since = since
    }

    @inline(__always)
    func allows(_ day: Weekday, _ second: Int) -> Bool {
        windows.contains { $0.contains(day, second) }
    }
}

package enum SendWindows {
    /// How far ahead the search goes: a rule set that allows no instant within this many days holds the recipient.
    package static let searchDays = 8

    /// Why a recipient cannot be given a sending time.
    package enum Held: Hashable, Sendable {
        /// A rule applies but the number's time zone is unknown (never treated as "no limit").
        case unknownZone
        /// A zone id Foundation's TimeZone does not know.
        case unresolvableZone(String)
        /// The rules never all allow sending within `searchDays` (e.g. contradictory windows).
        case noAllowedTime

        /// A sentence for the held report.
        package var reason: String {
            switch self {
            case .unknownZone:
                return "time zone unknown for this number while a sending-hours rule applies; not sent (fail closed)"
            case .unresolvableZone(let id):
                return "time zone \"\(id)\" is not known to this system's time-zone data; not sent"
            case .noAllowedTime:
                return "the sending-hours rules that apply never all allow sending within \(SendWindows.searchDays) days; not sent"
            }
        }
    }

    package enum Decision: Hashable, Sendable {
        case send(at: Date)
        case held(Held)
    }

    /// The earliest instant ≥ `after` at which every rule allows sending in every zone, or why none.
    ///
    /// No rules: `after` (whatever the zones). Rules but no zones: `.held(.unknownZone)`.
    package static func decide(after: Date, zones: [String], rules: [SendRule]) -> Decision {
        if rules.isEmpty { return .send(at: after) }
        if zones.isEmpty { return .held(.unknownZone) }
        var resolved: [TimeZone] = []
        for id in zones {
            guard let zone = TimeZone(identifier: id) else { return .held(.unresolvableZone(id)) }
            resolved.append(zone)
        }
        if let date = search(after: after, zones: resolved, rules: rules) { return .send(at: date) }
        return .held(.noAllowedTime)
    }

    /// `decide` as an optional: nil whenever the recipient is held (unknown zone included).
    package static func earliest(after: Date, zones: [String], rules: [SendRule]) -> Date? {
        if case .send(let date) = decide(after: after, zones: zones, rules: rules) { return date }
        return nil
    }

    /// Each window a rule of its own: the recipient must be inside EVERY window. (Windows that are
    /// alternatives, like Texas's weekday and Sunday hours, belong in one `SendRule`.)
    package static func earliest(after: Date, zones: [String], windows: [SendWindow]) -> Date? {
        earliest(after: after, zones: zones,
                 rules: windows.map { SendRule(name: $0.description, windows: [$0], source: "window") })
    }

    /// True if every rule allows `date` in every zone.
    package static func allows(_ date: Date, zones: [TimeZone], rules: [SendRule]) -> Bool {
        allows(Int(date.timeIntervalSince1970.rounded(.down)), zones, rules)
    }

    // MARK: - Search

    static func allows(_ t: Int, _ zones: [TimeZone], _ rules: [SendRule]) -> Bool {
        for zone in zones {
            let local = t + offset(zone, t)
            let day = floorDiv(local, 86_400)
            let weekday = Weekday.of(daysSinceEpoch: day)
            let second = local - day * 86_400
            for rule in rules where !rule.allows(weekday, second) { return false }
        }
        return true
    }

    /// The earliest allowed instant: `after` itself, or the first allowed among the instants where
    /// some window opens (each local opening time in each zone, both occurrences in a repeated
    /// hour) and the zones' offset changes. The allowed set is a finite union of intervals, each
    /// starting at one of these, so the first allowed candidate is the answer.
    static func search(after: Date, zones: [TimeZone], rules: [SendRule]) -> Date? {
        let start = Int(after.timeIntervalSince1970.rounded(.down))
        if allows(start, zones, rules) { return after }
        let end = start + searchDays * 86_400
        var candidates: [Int] = []
        for zone in zones {
            let firstDay = floorDiv(start + offset(zone, start), 86_400) - 1
            for day in firstDay...(firstDay + searchDays + 2) {
                let weekday = Weekday.of(daysSinceEpoch: day)
                for rule in rules {
                    for window in rule.windows where window.days.contains(weekday) {
                        for t in instants(ofLocal: day * 86_400 + window.from * 60, in: zone) where t > start && t <= end {
                            candidates.append(t)
                        }
                    }
                }
            }
            candidates.append(contentsOf: transitions(of: zone, from: start, to: end))
        }
        candidates.sort()
        var previous = Int.min
        for t in candidates where t != previous {
            previous = t
            if allows(t, zones, rules) { return Date(timeIntervalSince1970: TimeInterval(t)) }
        }
        return nil
    }

    @inline(__always)
    static func offset(_ zone: TimeZone, _ t: Int) -> Int {
        zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(t)))
    }

    @inline(__always)
    static func floorDiv(_ a: Int, _ b: Int) -> Int {
        a >= 0 ? a / b : -((-a + b - 1) / b)
    }

    /// The UTC instants whose local time in `zone` is `local` (seconds since 1970 as if UTC): one
    /// normally, two in a repeated hour, none in a skipped hour.
    static func instants(ofLocal local: Int, in zone: TimeZone) -> [Int] {
        var offsets: [Int] = []
        for probe in [local - 86_400, local, local + 86_400] {
            let o = offset(zone, probe)
            if !offsets.contains(o) { offsets.append(o) }
        }
        var out: [Int] = []
        for o in offsets {
            let t = local - o
            if offset(zone, t) == o, !out.contains(t) { out.append(t) }
        }
        return out.sorted()
    }

    /// The instants in (from, to] at which the zone's UTC offset changes (found by sampling every
    /// 3 hours and bisecting; offsets never change twice within 3 hours).
    static func transitions(of zone: TimeZone, from: Int, to: Int) -> [Int] {
        var out: [Int] = []
        var t = from
        var o = offset(zone, t)
        while t < to {
            let next = min(t + 3 * 3600, to)
            let o2 = offset(zone, next)
            if o2 != o {
                var lo = t, hi = next // offset(lo) == o, offset(hi) != o
                while hi - lo > 1 {
                    let mid = lo + (hi - lo) / 2
                    if offset(zone, mid) == o { lo = mid } else { hi = mid }
                }
                out.append(hi)
            }
            t = next
            o = o2
        }
        return out
    }
}
