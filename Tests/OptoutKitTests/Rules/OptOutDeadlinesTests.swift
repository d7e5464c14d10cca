// OptOutDeadlinesTests.swift — deadlines counted by hand on the November–December 2026 calendar:
// US 10 business days across a weekend, Thanksgiving (computed) and a listed holiday; AU 5 working
// days; the account's time zone deciding the day received; US federal holidays as observed;
// which rule a number gets; and the notification_sender check (no link, no offer).
// Input: OptOutDeadlines, USFederalHolidays, SenderTextCheck, Settings. Output: test results.
import Foundation
import Testing
@testable import OptoutKit
import OptoutBase
import OptoutPhone

@Suite struct OptOutDeadlinesTests {
    static func t(_ iso: String) -> Timestamp { Timestamp.parse(iso, zone: .gmt)! }
    static let us = OptOutDeadlines.rules["US"]!
    static let au = OptOutDeadlines.rules["AU"]!

    /// Friday 20 Nov 2026: Mon 23, Tue 24, Wed 25 count; Thu 26 is Thanksgiving; Fri 27 is listed;
    /// then Mon 30, Tue 1, Wed 2, Thu 3, Fri 4, Mon 7, Tue 8 → due at the end of Tue 8 Dec.
    @Test func usTenBusinessDaysAcrossAWeekendThanksgivingAndAListedHoliday() {
        let listed = DeadlineSettings(holidays: [OptOutDeadlines.day("2026-11-27")!])
        let received = Self.t("2026-11-20T15:00:00Z")
        #expect(OptOutDeadlines.deadline(received: received, rule: Self.us, settings: listed) == Self.t("2026-12-09T00:00:00Z"))
        // Without the listed day, Fri 27 counts: one business day earlier.
        #expect(OptOutDeadlines.deadline(received: received, rule: Self.us, settings: DeadlineSettings()) == Self.t("2026-12-08T00:00:00Z"))
        // Received on the Saturday: the same deadline as on the Friday (the weekend is no business day).
        #expect(OptOutDeadlines.deadline(received: Self.t("2026-11-21T10:00:00Z"), rule: Self.us, settings: listed) == Self.t("2026-12-09T00:00:00Z"))
    }

    /// AU: 5 working days, weekends and listed days only (Thanksgiving counts there).
    @Test func auFiveWorkingDays() {
        let received = Self.t("2026-11-20T15:00:00Z")
        #expect(OptOutDeadlines.deadline(received: received, rule: Self.au, settings: DeadlineSettings()) == Self.t("2026-11-28T00:00:00Z"))
        let listed = DeadlineSettings(holidays: [OptOutDeadlines.day("2026-11-27")!])
        #expect(OptOutDeadlines.deadline(received: received, rule: Self.au, settings: listed) == Self.t("2026-12-01T00:00:00Z"))
    }

    /// 03:00Z on Saturday is still Friday 22:00 in New York: counted from Friday, due at the end
    /// of Tue 8 Dec New York time (05:00Z, EST).
    @Test func theAccountsTimeZoneDecidesTheDay() {
        let ny = DeadlineSettings(timezone: TimeZone(identifier: "America/New_York")!)
        #expect(OptOutDeadlines.deadline(received: Self.t("2026-11-21T03:00:00Z"), rule: Self.us, settings: ny) == Self.t("2026-12-08T05:00:00Z"))
    }

    @Test func federalHolidaysAsObserved() {
        func observed(_ date: String) -> Bool { USFederalHolidays.isObserved(OptOutDeadlines.day(date)!) }
        // 2026: MLK 19 Jan, Presidents 16 Feb, Memorial 25 May, Juneteenth 19 Jun, 4 July on a
        // Saturday → Friday 3 July, Labor 7 Sep, Columbus 12 Oct, Veterans 11 Nov, Thanksgiving 26 Nov, Christmas 25 Dec.
        for date in ["2026-01-01", "2026-01-19", "2026-02-16", "2026-05-25", "2026-06-19", "2026-07-03", "2026-09-07",
                     "2026-10-12", "2026-11-11", "2026-11-26", "2026-12-25"] {
            #expect(observed(date), "\(date)")
        }
        for date in ["2026-07-04", "2026-11-27", "2026-01-20", "2026-05-18"] { #expect(!observed(date), "\(date)") }
        // New Year's Day 2022 on a Saturday: observed Friday 31 Dec 2021; Juneteenth 2022 on a Sunday: Monday 20 June.
        #expect(observed("2021-12-31"))
        #expect(observed("2022-06-20"))
        #expect(!observed("2020-06-19"))   // before Juneteenth became a federal holiday
    }

    @Test func whichRuleANumberGets() {
        let byCountry = DeadlineSettings()
        #expect(OptOutDeadlines.applicable(country: "US", settings: byCountry).map(\.jurisdiction) == ["US"])
        #expect(OptOutDeadlines.applicable(country: "CA", settings: byCountry).map(\.jurisdiction) == ["CA"])
        #expect(OptOutDeadlines.applicable(country: "PR", settings: byCountry).map(\.jurisdiction) == ["US"])
        #expect(OptOutDeadlines.applicable(country: "GB", settings: byCountry).isEmpty)
        // Not known (a file not read yet): the earliest of every rule, AU's 5 working days.
        #expect(OptOutDeadlines.deadline(received: Self.t("2026-11-20T15:00:00Z"), country: nil, settings: byCountry)?.rule.jurisdiction == "AU")
        // default_country decides for a file not read yet.
        #expect(OptOutDeadlines.deadline(received: Self.t("2026-11-20T15:00:00Z"), country: nil, settings: DeadlineSettings(defaultCountry: "GB")) == nil)
        // A list applies to every number; [] tracks none.
        #expect(OptOutDeadlines.deadline(received: Self.t("2026-11-20T15:00:00Z"), country: "GB", settings: DeadlineSettings(jurisdictions: ["US"]))?.due == Self.t("2026-12-08T00:00:00Z"))
        #expect(OptOutDeadlines.deadline(received: Self.t("2026-11-20T15:00:00Z"), country: "US", settings: DeadlineSettings(jurisdictions: [])) == nil)
        // +1 212 and +61 4 numbers by their country.
        let parser = PhoneNumberParser(defaultRegion: nil)
        guard case .success(let ny) = parser.parse("+12125550123"), case .success(let au) = parser.parse("+61412345678") else { Issue.record("parse"); return }
        #expect(PhoneZones.country(for: ny) == "US")
        #expect(PhoneZones.country(for: au) == "AU")
    }

    @Test func settingsReadTheDeadlineKeys() throws {
        let s = try Settings.parse(Array(#"{"deadline_jurisdictions": ["US", "AU"], "deadline_holidays": ["2026-12-24"]}"#.utf8), displayName: "inbox/settings.json")
        #expect(s.deadlineJurisdictions == ["US", "AU"])
        #expect(s.deadlineHolidays == [OptOutDeadlines.day("2026-12-24")!])
        for bad in [#"{"deadline_jurisdictions": ["UK"]}"#, #"{"deadline_holidays": ["24/12/2026"]}"#, #"{"deadline_holidays": ["2026-02-30"]}"#] {
            #expect(throws: OptoutError.self) { try Settings.parse(Array(bad.utf8), displayName: "inbox/settings.json") }
        }
    }

    @Test func notificationSenderRefusesLinksAndOffers() throws {
        for fine in ["ACME", "ACME Ltd.", "Smith & Sons", "Café Rouge", "O'Neill's", "ACME Corp. UK", "Winston Shoes"] {
            #expect(SenderTextCheck.problem(fine) == nil, "\(fine)")
            #expect(try Settings.parse(Array("{\"notification_sender\": \"\(fine)\"}".utf8), displayName: "s").notificationSender == fine)
        }
        for bad in ["ACME http://x", "www.acme", "acme.co.uk", "ACME bit.ly/x", "ACME 20%", "ACME £5", "ACME $10 off", "ACME €",
                    "ACME FREE", "ACME Sale", "Big Deals", "WIN now", "ACME prize draw", "ACME discount", "ACME offer", "ACME 10 USD"] {
            #expect(SenderTextCheck.problem(bad) != nil, "\(bad)")
            do {
                _ = try Settings.parse(Array("{\"notification_sender\": \"\(bad)\"}".utf8), displayName: "inbox/settings.json")
                Issue.record("accepted \(bad)")
            } catch {
                #expect(error.description.contains("\"notification_sender\""), "\(error.description)")
                #expect(CommandRunner.code(for: error) == 78)
            }
        }
    }
}

@Suite struct PendingDeadlinesTests {
    static func t(_ iso: String) -> Timestamp { Timestamp.parse(iso, zone: .gmt)! }

    @Test func warningsWithinADayOrPastAndWatchSaysEachOnce() {
        let rule = OptOutDeadlines.rules["US"]!
        let near = PendingOptOut(what: "inbox/stops/rejected/a.csv (rejected, not applied)", received: Self.t("2026-11-20T15:00:00Z"),
                                 deadline: Deadline(rule: rule, due: Self.t("2026-12-09T00:00:00Z")))
        var far = near
        far.what = "inbox/stops/b.csv (not read yet)"
        far.deadline.due = Self.t("2026-12-12T00:00:00Z")
        let lines = PendingDeadlines.warnings([near, far], now: Self.t("2026-12-08T01:00:00Z"))
        #expect(lines == ["opt-out deadline: inbox/stops/rejected/a.csv (rejected, not applied): received 2026-11-20T15:00:00Z, not in force, due 2026-12-09T00:00:00Z (in 23 h, 10 business days (US))"])
        var shown = Set<String>()
        #expect(PendingDeadlines.newlyWarned(lines, shown: &shown) == lines)
        // The next pass, an hour later: the same item near its deadline is not said again.
        let later = PendingDeadlines.warnings([near, far], now: Self.t("2026-12-08T02:00:00Z"))
        #expect(PendingDeadlines.newlyWarned(later, shown: &shown).isEmpty)
        // Missed: said again, once.
        let missed = PendingDeadlines.warnings([near], now: Self.t("2026-12-09T02:00:00Z"))
        #expect(missed.first?.hasSuffix("was due 2026-12-09T00:00:00Z (2 h ago, 10 business days (US)): missed") == true, "\(missed)")
        #expect(PendingDeadlines.newlyWarned(missed, shown: &shown) == missed)
        #expect(PendingDeadlines.newlyWarned(missed, shown: &shown).isEmpty)
    }

    @Test func complianceMonthsDueAfterThePreviousRun() {
        #expect(ComplianceReport.monthsDue(previous: nil, now: Self.t("2026-11-01T00:30:00Z")).isEmpty)
        #expect(ComplianceReport.monthsDue(previous: Self.t("2026-11-01T00:10:00Z"), now: Self.t("2026-11-20T00:00:00Z")).isEmpty)
        let october = ComplianceReport.monthsDue(previous: Self.t("2026-10-31T23:59:00Z"), now: Self.t("2026-11-01T00:30:00Z"))
        #expect(october.map(ComplianceReport.monthName) == ["2026-10"])
        // A workspace idle since August: August, September and October.
        let three = ComplianceReport.monthsDue(previous: Self.t("2026-08-15T00:00:00Z"), now: Self.t("2026-11-01T00:30:00Z"))
        #expect(three.map(ComplianceReport.monthName) == ["2026-08", "2026-09", "2026-10"])
        // Across a year end; at most 24 months.
        #expect(ComplianceReport.monthsDue(previous: Self.t("2026-12-31T00:00:00Z"), now: Self.t("2027-01-02T00:00:00Z")).map(ComplianceReport.monthName) == ["2026-12"])
        #expect(ComplianceReport.monthsDue(previous: Self.t("2020-01-01T00:00:00Z"), now: Self.t("2027-01-02T00:00:00Z")).count == 24)
        var f = ComplianceFigures(month: "2026-10")
        f.inForceSeconds = [60, 1800, 7200]
        #expect(f.median == 1800)
        #expect(ComplianceReportText.human(1_652_400) == "19 days 3 h")
    }
}
