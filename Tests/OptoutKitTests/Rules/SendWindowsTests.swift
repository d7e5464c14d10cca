// SendWindowsTests.swift — sending times checked against tables written by hand: US numbers across
// the four continental zones and Hawaii, Florida/Texas/Connecticut area codes, `state` columns
// stricter than the area code, a non-US `send_windows` entry with days of the week, the March 2026
// and November 2026 US clock changes, and the held cases (unknown zone, contradictory rules).
// Input: PhoneZones data, SendWindowRules, SendWindowSettings. Output: test results.
import Foundation
import Testing
@testable import OptoutKit
import OptoutPhone

@Suite struct SendWindowsTests {
    static func utc(_ text: String) -> Date {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        guard let d = f.date(from: text) else { fatalError("bad date \(text)") }
        return d
    }

    static func show(_ date: Date) -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        return f.string(from: date)
    }

    /// `2026-11-29 09:30 America/New_York` as a campaign header would give it.
    static func newYork(_ y: Int, _ mo: Int, _ d: Int, _ h: Int, _ mi: Int) -> Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "America/New_York")!
        return calendar.date(from: DateComponents(year: y, month: mo, day: d, hour: h, minute: mi))!
    }

    static func decide(_ e164: String, state: String? = nil, after: Date,
                       settings: [String: [SendWindow]] = [:]) -> SendWindows.Decision {
        let target = SendWindowRules.target(for: PhoneNumber(e164: e164)!, state: state, settings: settings)
        return SendWindows.decide(after: after, zones: target.zones, rules: target.rules)
    }

    static func check(_ table: [(String, String?, String, String)], after: Date,
                      settings: [String: [SendWindow]] = [:]) {
        for (e164, state, expected, why) in table {
            let got = decide(e164, state: state, after: after, settings: settings)
            let shown: String
            switch got {
            case .send(let at): shown = show(at)
            case .held(let h): shown = "held \(h)"
            }
            #expect(shown == expected, "\(e164) state \(state ?? "-"): \(why)")
        }
    }

    @Test func sundayMorningSendAtNewYork0930() {
        let sendAt = Self.newYork(2026, 11, 29, 9, 30) // a Sunday; EST, 14:30 UTC
        #expect(Self.show(sendAt) == "2026-11-29T14:30:00Z")
        Self.check([
            ("+12125550123", nil, "2026-11-29T14:30:00Z", "New York, Eastern 09:30: federal 8-21 allows"),
            ("+13055550123", nil, "2026-11-29T14:30:00Z", "Miami FL, Eastern 09:30: FL 8-20 allows"),
            ("+12035550123", nil, "2026-11-29T14:30:00Z", "Connecticut, Eastern 09:30: CT 9-20 allows"),
            ("+13125550123", nil, "2026-11-29T14:30:00Z", "Chicago, Central 08:30: federal allows"),
            ("+12145550123", nil, "2026-11-29T18:00:00Z", "Dallas TX, Central 08:30 Sunday: Texas waits for 12:00 CST"),
            ("+19155550123", nil, "2026-11-29T19:00:00Z", "El Paso TX, Mountain 07:30 Sunday: 12:00 MST"),
            ("+13035550123", nil, "2026-11-29T15:00:00Z", "Denver, Mountain 07:30: 08:00 MST"),
            ("+16025550123", nil, "2026-11-29T15:00:00Z", "Phoenix (no DST) 07:30: 08:00 MST"),
            ("+14155550123", nil, "2026-11-29T16:00:00Z", "San Francisco, Pacific 06:30: 08:00 PST"),
            ("+18085550123", nil, "2026-11-29T18:00:00Z", "Honolulu 04:30: 08:00 HST (UTC-10)"),
            // A `state` column stricter than the area code.
            ("+12125550123", "TX", "2026-11-29T19:00:00Z", "New York number, Texas address: Sunday noon in Eastern, Central and Mountain: 12:00 MST"),
            ("+14155550123", "CT", "2026-11-29T17:00:00Z", "Pacific number, Connecticut address: CT 9:00 in Pacific time"),
            ("+18085550123", "TX", "2026-11-29T22:00:00Z", "Hawaii number, Texas address: Sunday noon in Honolulu"),
            ("+12145550123", "FL", "2026-11-29T18:00:00Z", "Dallas number, Florida address: Texas Sunday noon still rules"),
            ("+13055550123", "ct", "2026-11-29T14:30:00Z", "Florida number, Connecticut address: 09:30 EST suits both"),
        ], after: sendAt)
    }

    @Test func sundayEveningSendAtNewYork2030() {
        let sendAt = Self.newYork(2026, 11, 29, 20, 30) // 01:30 UTC Monday
        Self.check([
            ("+12125550123", nil, "2026-11-30T01:30:00Z", "New York 20:30: before 21:00"),
            ("+13055550123", nil, "2026-11-30T13:00:00Z", "Florida closed at 20:00: Monday 08:00 EST"),
            ("+12035550123", nil, "2026-11-30T14:00:00Z", "Connecticut closed at 20:00: Monday 09:00 EST"),
            ("+12145550123", nil, "2026-11-30T01:30:00Z", "Dallas 19:30 CST Sunday: inside 12-21"),
            ("+19155550123", nil, "2026-11-30T01:30:00Z", "El Paso 18:30 MST"),
            ("+18085550123", nil, "2026-11-30T01:30:00Z", "Honolulu 15:30"),
            ("+13125550123", "FL", "2026-11-30T14:00:00Z", "Chicago number, Florida address: FL zones include Eastern (20:30, closed); Monday 08:00 must hold in Central too: 08:00 CST"),
        ], after: sendAt)
    }

    @Test func rulesThatApply() throws {
        let dallasFL = SendWindowRules.target(for: PhoneNumber(e164: "+12145550123")!, state: "FL", settings: [:])
        #expect(dallasFL.rules.map(\.name) == ["US federal", "US-TX", "US-FL"])
        #expect(dallasFL.zones == ["America/Chicago", "America/New_York"])
        let nyTX = SendWindowRules.target(for: PhoneNumber(e164: "+12125550123")!, state: "TX", settings: [:])
        #expect(nyTX.zones == ["America/New_York", "America/Chicago", "America/Denver"])
        // Canada: no built-in rule; Paris: none without settings.
        #expect(SendWindowRules.target(for: PhoneNumber(e164: "+14165550123")!, state: nil, settings: [:]).rules.isEmpty)
        #expect(SendWindowRules.target(for: PhoneNumber(e164: "+33142685300")!, state: nil, settings: [:]).rules.isEmpty)
        // Puerto Rico is under the federal rule.
        #expect(SendWindowRules.target(for: PhoneNumber(e164: "+17872345678")!, state: nil, settings: [:]).rules.map(\.name) == ["US federal"])
        // State column values.
        #expect(SendWindowRules.stateColumn(" tx ") == .success("TX"))
        #expect(SendWindowRules.stateColumn("") == .success(nil))
        #expect(SendWindowRules.stateColumn("Texas") == .failure(.init(value: "Texas")))
        // The table: exactly federal and the six states, each with a source and a date.
        #expect(SendWindowRules.table.map(\.code) == ["US", "FL", "OK", "MD", "CT", "TX", "VA"])
        #expect(SendWindowRules.table.allSatisfy { !$0.rule.source.isEmpty && $0.rule.since != nil })
        #expect(SendWindowRules.stateRules["TX"]!.windows.map(\.description) == ["Mon-Sat 09:00-21:00", "Sun 12:00-21:00"])
        #expect(SendWindowRules.stateRules["CT"]!.windows.map(\.description) == ["every day 09:00-20:00"])
        #expect(SendWindowRules.usFederal.windows.map(\.description) == ["every day 08:00-21:00"])
        for code in ["FL", "OK", "MD"] {
            #expect(SendWindowRules.stateRules[code]!.windows.map(\.description) == ["every day 08:00-20:00"])
        }
        #expect(SendWindowRules.stateRules["VA"]!.windows.map(\.description) == ["every day 08:00-21:00"])
    }

    @Test func nonUSWindowsWithDaysOfTheWeek() throws {
        let settings = try SendWindowSettings.parse([
            "FR": [["days": "Mon-Fri", "from": "10:00", "to": "18:00"]],
            "gb": [["days": "Mon-Sat", "from": "09:00", "to": "20:00"], ["days": "Sun", "from": "11:00", "to": "17:00"]],
        ] as [String: Any]).get()
        let sunday = Self.newYork(2026, 11, 29, 9, 30) // 15:30 Paris, 14:30 London
        let mondayNight = Self.newYork(2026, 11, 29, 20, 30) // 01:30 London Monday
        Self.check([
            ("+33142685300", nil, "2026-11-30T09:00:00Z", "Paris, Sunday: Mon-Fri only, Monday 10:00 CET"),
            ("+447400123456", nil, "2026-11-29T14:30:00Z", "UK mobile, Sunday 14:30 GMT inside Sun 11-17"),
            ("+4930123456", nil, "2026-11-29T14:30:00Z", "Berlin: no window for DE, sent at send_at"),
        ], after: sunday, settings: settings)
        Self.check([
            ("+447400123456", nil, "2026-11-30T09:00:00Z", "UK mobile, Monday 01:30: Monday 09:00 GMT"),
            ("+33142685300", nil, "2026-11-30T09:00:00Z", "Paris 02:30 Monday: 10:00 CET"),
        ], after: mondayNight, settings: settings)
    }

    @Test func usClockChangeMarch2026() {
        // Sunday 2026-03-08 00:30 EST; clocks go forward that day at 02:00.
        let sendAt = Self.newYork(2026, 3, 8, 0, 30)
        #expect(Self.show(sendAt) == "2026-03-08T05:30:00Z")
        Self.check([
            ("+12125550123", nil, "2026-03-08T12:00:00Z", "08:00 EDT (UTC-4), not EST"),
            ("+12145550123", nil, "2026-03-08T17:00:00Z", "Texas Sunday noon CDT"),
            ("+14155550123", nil, "2026-03-08T15:00:00Z", "Saturday 21:30 PST: Sunday 08:00 PDT"),
            ("+16025550123", nil, "2026-03-08T15:00:00Z", "Arizona keeps MST: 08:00 MST"),
            ("+18085550123", nil, "2026-03-08T05:30:00Z", "Hawaii: Saturday 19:30 HST, inside 8-21"),
        ], after: sendAt)
        // A window opening in the skipped hour opens when the clocks jump (03:00 EDT = 07:00 UTC).
        let gap = SendWindow(days: SendWindow.everyDay, from: 150, to: 210)! // 02:30-03:30
        #expect(SendWindows.earliest(after: Self.utc("2026-03-08T05:00:00Z"), zones: ["America/New_York"], windows: [gap]).map(Self.show) == "2026-03-08T07:00:00Z")
        // On 7 March the same window opens at 02:30 EST.
        #expect(SendWindows.earliest(after: Self.utc("2026-03-07T05:00:00Z"), zones: ["America/New_York"], windows: [gap]).map(Self.show) == "2026-03-07T07:30:00Z")
    }

    @Test func usClockChangeNovember2026() {
        // 1 November 2026: 02:00 EDT becomes 01:00 EST at 06:00 UTC; 01:00-01:30 happens twice.
        let w = SendWindow(days: SendWindow.everyDay, from: 60, to: 90)!
        let ny = ["America/New_York"]
        #expect(SendWindows.earliest(after: Self.utc("2026-11-01T04:00:00Z"), zones: ny, windows: [w]).map(Self.show) == "2026-11-01T05:00:00Z")
        #expect(SendWindows.earliest(after: Self.utc("2026-11-01T05:45:00Z"), zones: ny, windows: [w]).map(Self.show) == "2026-11-01T06:00:00Z")
        #expect(SendWindows.earliest(after: Self.utc("2026-11-01T06:31:00Z"), zones: ny, windows: [w]).map(Self.show) == "2026-11-02T06:00:00Z")
        // The half-open end: 20:59:59 is inside 8-21, 21:00:00 is not.
        let federal = [SendWindowRules.usFederal]
        let inside = Self.utc("2026-11-30T01:59:59Z"), atEnd = Self.utc("2026-11-30T02:00:00Z")
        #expect(SendWindows.decide(after: inside, zones: ny, rules: federal) == .send(at: inside))
        #expect(SendWindows.decide(after: atEnd, zones: ny, rules: federal) == .send(at: Self.utc("2026-11-30T13:00:00Z")))
    }

    @Test func heldCases() throws {
        let sendAt = Self.newYork(2026, 11, 29, 9, 30)
        // +1 555: no known type, so no zone; the US rule applies: held, never "no limit".
        #expect(Self.decide("+15555550123", after: sendAt) == .held(.unknownZone))
        #expect(SendWindowRules.target(for: PhoneNumber(e164: "+15555550123")!, state: nil, settings: [:]).rules.map(\.name) == ["US federal"])
        #expect(SendWindows.earliest(after: sendAt, zones: [], rules: [SendWindowRules.usFederal]) == nil)
        // Unknown zone and no rule: sent at send_at.
        #expect(SendWindows.decide(after: sendAt, zones: [], rules: []) == .send(at: sendAt))
        // A zone this system does not know.
        #expect(SendWindows.decide(after: sendAt, zones: ["Mars/Olympus_Mons"], rules: [SendWindowRules.usFederal]) == .held(.unresolvableZone("Mars/Olympus_Mons")))
        // Contradictory: Texas allows Sunday only from noon; these settings only Sunday 08-11.
        let settings = try SendWindowSettings.parse(["US": [["days": "Sun", "from": "08:00", "to": "11:00"]]] as [String: Any]).get()
        #expect(Self.decide("+12145550123", after: sendAt, settings: settings) == .held(.noAllowedTime))
        // The same settings for a New York number: next Sunday would be 08:00 EST; today 09:30 is inside.
        #expect(Self.decide("+12125550123", after: sendAt, settings: settings) == .send(at: sendAt))
        #expect(Self.decide("+12125550123", after: Self.newYork(2026, 11, 29, 11, 0), settings: settings) == .send(at: Self.utc("2026-12-06T13:00:00Z")))
        #expect(SendWindows.Held.unknownZone.reason.contains("time zone unknown"))
    }

    @Test func settingsErrorsNameKeyAndEntry() {
        func failure(_ value: Any) -> SendWindowSettings.Failure? {
            if case .failure(let f) = SendWindowSettings.parse(value) { return f }
            return nil
        }
        #expect(failure(["FR": [["days": "Mon-Fri", "from": "10:00", "to": "18:00"], ["days": "Sat", "from": "8am", "to": "12:00"]]])?.key == "send_windows.FR[2].from")
        let f = failure(["FR": [["days": "Sat", "from": "8am", "to": "12:00"]]])!
        #expect(f.description == "send_windows.FR[1].from: \"8am\" is not a time; write HH:MM from 00:00 to 23:59 (entry {\"days\":\"Sat\",\"from\":\"8am\",\"to\":\"12:00\"})")
        #expect(failure(["UK": [["days": "Sat", "from": "08:00", "to": "12:00"]]])?.key == "send_windows.UK")
        #expect(failure(["FR": [["days": "Sat", "from": "20:00", "to": "08:00"]]])?.reason.contains("cannot cross midnight") == true)
        #expect(failure(["FR": [["days": "Sat", "form": "08:00", "to": "12:00"]]])?.key == "send_windows.FR[1].form")
        #expect(failure(["FR": [["days": "Mon-Funday", "from": "08:00", "to": "12:00"]]])?.key == "send_windows.FR[1].days")
        #expect(failure(["FR": [["from": "08:00", "to": "12:00"]]])?.key == "send_windows.FR[1].days")
        #expect(failure(["FR": [] as [Any]])?.key == "send_windows.FR")
        #expect(failure(["FR": "Mon-Fri 08:00-20:00"])?.key == "send_windows.FR")
        #expect(failure(["FR": [["days": "Sat", "from": "08:00", "to": "24:01"]]])?.key == "send_windows.FR[1].to")
        #expect(failure([["FR"]])?.key == "send_windows")
        // Accepted forms.
        #expect(SendWindowSettings.parseDays("Fri-Mon") == [.friday, .saturday, .sunday, .monday])
        #expect(SendWindowSettings.parseDays("mon,Wed, friday") == [.monday, .wednesday, .friday])
        #expect(SendWindowSettings.parseDays("every day")?.count == 7)
        #expect(SendWindowSettings.parseTime("8:05", allowEndOfDay: false) == 485)
        #expect(SendWindowSettings.parseTime("24:00", allowEndOfDay: true) == 1440)
        #expect(SendWindowSettings.parseTime("24:00", allowEndOfDay: false) == nil)
        let ok = try? SendWindowSettings.parse(["us": [["days": "Mon-Sat", "from": "08:00", "to": "21:00"]]] as [String: Any]).get()
        #expect(ok?["US"]?.map(\.description) == ["Mon-Sat 08:00-21:00"])
    }
}
