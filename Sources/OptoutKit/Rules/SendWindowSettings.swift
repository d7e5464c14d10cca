// SendWindowSettings.swift — reads the settings key `send_windows` (pure; called by the settings table, SettingsKeys).
// Input: the key's value as JSONSerialization gives it, e.g.
//   {"FR": [{"days": "Mon-Fri", "from": "08:00", "to": "20:00"}, {"days": "Sat", "from": "10:00", "to": "18:00"}]}
// Country keys are ISO 3166 codes libphonenumber knows ("US", "fr"); each entry needs "days"
// ("Mon-Sat", "Mon,Wed,Fri", "Fri-Mon", "Sun", "every day"), "from" and "to" ("H:MM"/"HH:MM",
// "to" may be "24:00"); a country's entries are alternatives (one rule), added to the built-in
// rules (they can only make sending stricter).
// Output: country code (upper case) → windows. Failures: the first problem, naming the key
// (`send_windows.FR[2].from`), the entry as written and the reason; unknown entry keys are refused
// (a misspelt "form" must not silently drop a limit).

import Foundation
import OptoutBase
import OptoutPhone

package enum SendWindowSettings {
    package struct Failure: Error, Equatable, Sendable, CustomStringConvertible {
        /// e.g. "send_windows.FR[2].from" (entries counted from 1).
        package let key: String
        /// The entry as written (compact JSON), or "" when the problem is not in one entry.
        package let entry: String
        package let reason: String

        package var description: String {
            entry.isEmpty ? "\(key): \(reason)" : "\(key): \(reason) (entry \(entry))"
        }
    }

    package static func parse(_ value: Any) -> Result<[String: [SendWindow]], Failure> {
        guard let countries = value as? [String: Any] else {
            return .failure(Failure(key: "send_windows", entry: "",
                                    reason: "must be an object of country codes, e.g. {\"FR\": [{\"days\": \"Mon-Fri\", \"from\": \"08:00\", \"to\": \"20:00\"}]}"))
        }
        var out: [String: [SendWindow]] = [:]
        for country in countries.keys.sorted() {
            let key = "send_windows.\(HeaderText.printable(country))"
            let code = country.uppercased()
            guard code.utf8.count == 2, PhoneNumberParser.isKnownRegion(code) else {
                return .failure(Failure(key: key, entry: "", reason: "\"\(HeaderText.printable(country))\" is not a two-letter country code libphonenumber knows (e.g. US, GB, FR)"))
            }
            guard out[code] == nil else {
                return .failure(Failure(key: key, entry: "", reason: "country \(code) is given twice (keys differ only in case)"))
            }
            guard let entries = countries[country] as? [Any] else {
                return .failure(Failure(key: key, entry: compact(countries[country] ?? ""), reason: "must be a list of windows like {\"days\": \"Mon-Sat\", \"from\": \"08:00\", \"to\": \"21:00\"}"))
            }
            guard !entries.isEmpty else {
                return .failure(Failure(key: key, entry: "[]", reason: "an empty list would allow no sending at all to \(code); remove the key for no limit of your own"))
            }
            var windows: [SendWindow] = []
            for (i, item) in entries.enumerated() {
                switch window(item, key: "\(key)[\(i + 1)]") {
                case .success(let w): windows.append(w)
                case .failure(let f): return .failure(f)
                }
            }
            out[code] = windows
        }
        return .success(out)
    }

    static func window(_ item: Any, key: String) -> Result<SendWindow, Failure> {
        let shown = compact(item)
        func fail(_ subkey: String?, _ reason: String) -> Result<SendWindow, Failure> {
            .failure(Failure(key: subkey.map { "\(key).\($0)" } ?? key, entry: shown, reason: reason))
        }
        guard let entry = item as? [String: Any] else {
            return fail(nil, "must be an object like {\"days\": \"Mon-Sat\", \"from\": \"08:00\", \"to\": \"21:00\"}")
        }
        for name in entry.keys.sorted() where !["days", "from", "to"].contains(name) {
            return fail(HeaderText.printable(name), "unknown key; a window has only \"days\", \"from\" and \"to\"")
        }
        guard let daysText = entry["days"] as? String else {
            return fail("days", entry["days"] == nil ? "missing; write e.g. \"Mon-Sat\" or \"every day\"" : "must be text like \"Mon-Sat\"")
        }
        guard let days = parseDays(daysText) else {
            return fail("days", "\"\(HeaderText.printable(daysText))\" is not a list of days; write e.g. \"Mon-Fri\", \"Mon,Wed,Fri\", \"Sat-Sun\" or \"every day\"")
        }
        var minutes: [Int] = []
        for name in ["from", "to"] {
            guard let text = entry[name] as? String else {
                return fail(name, entry[name] == nil ? "missing; write a local time like \"08:00\"" : "must be text like \"08:00\"")
            }
            guard let m = parseTime(text, allowEndOfDay: name == "to") else {
                return fail(name, "\"\(HeaderText.printable(text))\" is not a time; write HH:MM from 00:00 to 23:59\(name == "to" ? " (or 24:00 for the end of the day)" : "")")
            }
            minutes.append(m)
        }
        guard let window = SendWindow(days: days, from: minutes[0], to: minutes[1]) else {
            return fail(nil, "\"from\" must be before \"to\"; a window cannot cross midnight: write two entries (e.g. 22:00-24:00 and 00:00-06:00 on the right days)")
        }
        return .success(window)
    }

    /// "Mon-Sat", "Mon,Wed,Fri", "Fri-Mon" (wraps), "Sun", "every day"/"daily"; case-insensitive,
    /// full names accepted; nil for anything else.
    package static func parseDays(_ text: String) -> Set<Weekday>? {
        let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
        if trimmed == "every day" || trimmed == "daily" { return SendWindow.everyDay }
        var days = Set<Weekday>()
        for part in trimmed.split(separator: ",", omittingEmptySubsequences: false) {
            let ends = part.split(separator: "-", omittingEmptySubsequences: false)
                .map { $0.trimmingCharacters(in: .whitespaces) }
            guard ends.count == 1 || ends.count == 2 else { return nil }
            guard let first = Weekday(name: ends[0]), let last = Weekday(name: ends[ends.count - 1]) else { return nil }
            var day = first
            days.insert(day)
            while day != last {
                day = Weekday(rawValue: day.rawValue % 7 + 1)!
                days.insert(day)
            }
        }
        return days.isEmpty ? nil : days
    }

    /// "8:00", "08:00", "20:30" → minutes after midnight; "24:00" only with `allowEndOfDay`.
    package static func parseTime(_ text: String, allowEndOfDay: Bool) -> Int? {
        let parts = text.trimmingCharacters(in: .whitespaces).split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, (1...2).contains(parts[0].count), parts[1].count == 2,
              parts[0].allSatisfy({ $0.isASCII && $0.isNumber }), parts[1].allSatisfy({ $0.isASCII && $0.isNumber }),
              let h = Int(parts[0]), let m = Int(parts[1]), m < 60 else { return nil }
        if h == 24 && m == 0 && allowEndOfDay { return 1440 }
        guard h < 24 else { return nil }
        return h * 60 + m
    }

    static func compact(_ value: Any) -> String {
        if let s = value as? String { return "\"\(HeaderText.printable(s))\"" }
        if JSONSerialization.isValidJSONObject(value),
           let data = try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys]) {
            return HeaderText.printable(String(decoding: data, as: UTF8.self))
        }
        return HeaderText.printable("\(value)")
    }
}
