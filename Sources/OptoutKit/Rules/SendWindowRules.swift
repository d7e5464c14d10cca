// SendWindowRules.swift — the built-in sending-hours rules (one data table, with sources and dates)
// and which rules and zones apply to one recipient.
// Input: a recipient's number, its `state` column value (two-letter US code, optional), and the
// per-country windows from settings (`SendWindowSettings.parse`).
// Output: `SendWindowRules.target(...)` → the zones to check and the rules that apply: US federal
// for US numbers (and territories, and any +1 number of no known region: fail closed), the state
// rule of the area code's state AND of the `state` column (the stricter wins: both apply), and
// the settings' windows for the number's country. Settings can only add rules, never loosen a
// built-in one. Failures: `stateColumn(_:)` refuses a value that is not a US state code.
// Other states' rules are added to `table` as users need them, each with its source and date.

import Foundation
import OptoutPhone

package enum SendWindowRules {
    /// One row of the built-in table.
    package struct Entry: Sendable {
        /// "US" for the federal rule, else the two-letter state code.
        package let code: String
        package let rule: SendRule
    }

    private static func window(_ days: Set<Weekday>, _ from: Int, _ to: Int) -> SendWindow {
        SendWindow(days: days, from: from * 60, to: to * 60)!
    }

    private static let monSat: Set<Weekday> = [.monday, .tuesday, .wednesday, .thursday, .friday, .saturday]

    /// The built-in rules: local time at the recipient's location, windows half-open (9:00–21:00
    /// allows until 20:59:59). `since` is when the rule covers text messages.
    package static let table: [Entry] = [
        Entry(code: "US", rule: SendRule(
            name: "US federal", windows: [window(SendWindow.everyDay, 8, 21)],
            source: "47 CFR 64.1200(c)(1) (TCPA rules): no telephone solicitation before 8 a.m. or after 9 p.m. local time at the called party's location; text messages are calls under the TCPA (FCC 03-153, 2003)",
            since: "2003-07-03")),
        Entry(code: "FL", rule: SendRule(
            name: "US-FL", windows: [window(SendWindow.everyDay, 8, 20)],
            source: "Fla. Stat. 501.616(6)(a), as amended by SB 1120 (2021, Florida Telephone Solicitation Act): 8 a.m. to 8 p.m. local time at the called person's location",
            since: "2021-07-01")),
        Entry(code: "OK", rule: SendRule(
            name: "US-OK", windows: [window(SendWindow.everyDay, 8, 20)],
            source: "Okla. Stat. tit. 15, 775C.4 (Telephone Solicitation Act of 2022, HB 3168): 8 a.m. to 8 p.m. local time at the called party's location",
            since: "2022-11-01")),
        Entry(code: "MD", rule: SendRule(
            name: "US-MD", windows: [window(SendWindow.everyDay, 8, 20)],
            source: "Md. Code, Com. Law 14-4501 et seq. (Stop the Spam Calls Act of 2023, SB 90, ch. 413): 8 a.m. to 8 p.m. in the called party's time zone",
            since: "2024-01-01")),
        Entry(code: "CT", rule: SendRule(
            name: "US-CT", windows: [window(SendWindow.everyDay, 9, 20)],
            source: "Conn. Gen. Stat. 42-288a, as amended by Public Act 23-98 (SB 3, 2023): 9 a.m. to 8 p.m. local time at the consumer's location",
            since: "2023-10-01")),
        Entry(code: "TX", rule: SendRule(
            name: "US-TX", windows: [window(monSat, 9, 21), window([.sunday], 12, 21)],
            source: "Tex. Bus. & Com. Code 301.051: 9 a.m. to 9 p.m. Monday to Saturday, noon to 9 p.m. Sunday; text messages are telephone solicitations under SB 140 (2025)",
            since: "2025-09-01")),
        Entry(code: "VA", rule: SendRule(
            name: "US-VA", windows: [window(SendWindow.everyDay, 8, 21)],
            source: "Va. Code 59.1-511 (Virginia Telephone Privacy Protection Act): 8 a.m. to 9 p.m. local time at the called person's location; text messages included by HB 1244/SB 812 (2020)",
            since: "2020-07-01")),
    ]

    /// The US federal rule.
    package static var usFederal: SendRule { table[0].rule }

    /// State code → its built-in rule (FL, OK, MD, CT, TX, VA).
    package static let stateRules: [String: SendRule] = Dictionary(
        uniqueKeysWithValues: table.dropFirst().map { ($0.code, $0.rule) })

    /// Regions under the US federal rule: the states, DC and the territories (47 U.S.C. 153 "United States").
    package static let federalCountries: Set<String> = ["US", "PR", "VI", "GU", "AS", "MP"]

    /// Two-letter codes a `state` column may hold: the 50 states, DC and the territories.
    package static let usStateCodes: Set<String> = [
        "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "FL", "GA", "HI", "ID", "IL", "IN", "IA", "KS",
        "KY", "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH", "NJ", "NM", "NY",
        "NC", "ND", "OH", "OK", "OR", "PA", "RI", "SC", "SD", "TN", "TX", "UT", "VT", "VA", "WA", "WV",
        "WI", "WY", "DC", "PR", "VI", "GU", "AS", "MP",
    ]

    /// A `state` column value: nil for an empty cell, the upper-cased code for a US state, DC or
    /// territory ("tx" → "TX"); a reason for anything else (the row cannot be checked: fail closed).
    package static func stateColumn(_ text: String) -> Result<String?, StateColumnError> {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed.isEmpty { return .success(nil) }
        let upper = trimmed.uppercased()
        guard usStateCodes.contains(upper) else { return .failure(StateColumnError(value: trimmed)) }
        return .success(upper)
    }

    package struct StateColumnError: Error, Equatable, Sendable {
        package let value: String
        package var reason: String {
            "state \"\(value)\" is not a two-letter US state code (e.g. TX); the row's sending hours cannot be checked"
        }
    }

    /// What to check for one recipient: its possible zones and the rules that apply.
    package struct Target: Hashable, Sendable {
        package var zones: [String]
        package var rules: [SendRule]
    }

    /// The zones and rules for a number, its `state` column (already checked by `stateColumn`) and
    /// the settings' per-country windows.
    ///
    /// Zones: the number's (libphonenumber); with a `state`, also every zone of that state's area
    /// codes. A number whose own zone is unknown keeps [] (held when any rule applies), whatever
    /// its state column says. Country: libphonenumber's region of the number; for a number no
    /// region claims, every region of its calling code (so an unassigned +1 number is still under
    /// the US rule, and held for its unknown zone).
    package static func target(for number: PhoneNumber, state: String?, settings: [String: [SendWindow]]) -> Target {
        let countries = PhoneZones.country(for: number).map { [$0] } ?? PhoneZones.countries(forCallingCode: number.countryCode)
        let areaStates = PhoneZones.regions(for: number)
        var rules: [SendRule] = []
        let usStates = areaStates.filter { usStateCodes.contains($0) }
        if state != nil || !usStates.isEmpty || countries.contains(where: { federalCountries.contains($0) }) {
            rules.append(usFederal)
        }
        var states = usStates
        if let state, !states.contains(state) { states.append(state) }
        for code in states {
            if let rule = stateRules[code], !rules.contains(rule) { rules.append(rule) }
        }
        for country in countries {
            if let windows = settings[country], !windows.isEmpty {
                rules.append(SendRule(name: "send_windows \(country)", windows: windows,
                                      source: "settings send_windows.\(country)"))
            }
        }
        var zones = PhoneZones.zones(for: number)
        if !zones.isEmpty, let state {
            for zone in PhoneZones.zones(forRegion: state) where !zones.contains(zone) { zones.append(zone) }
        }
        return Target(zones: zones, rules: rules)
    }
}
