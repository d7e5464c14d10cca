// FirstSeenTests.swift — when optout first saw each opt-out input (.optout/first-seen.tsv): kept
// across runs, inherited by a file moved to rejected/, reset by a read that left the file in place,
// dropped when the file is gone; and what is pending with its deadline.
// Input: FirstSeen, PendingDeadlines on a TempWorkspace. Output: test results.
import Foundation
import Testing
@testable import OptoutKit
import OptoutBase
import OptoutTestSupport

@Suite struct FirstSeenTests {
    static func t(_ iso: String) -> Timestamp { Timestamp.parse(iso, zone: .gmt)! }

    @Test func keptInheritedResetAndDropped() throws {
        let w = try TempWorkspace(settings: #"{"default_country": "US"}"#)
        try w.write("inbox/stops/a.csv", "from,text\n")
        try w.write("inbox/stops/gateway.log.csv", "from,text\n")
        try w.write("inbox/stops/a.csv.error.txt", "not an input\n")
        // Seen first at 20 Nov (the files' mtimes are later: real time).
        let first = try FirstSeen.update(w.ws, now: Self.t("2026-11-20T15:00:00Z"))
        #expect(first == ["inbox/stops/a.csv": Self.t("2026-11-20T15:00:00Z"), "inbox/stops/gateway.log.csv": Self.t("2026-11-20T15:00:00Z")])
        #expect(w.read(".optout/first-seen.tsv") == "inbox/stops/a.csv\t2026-11-20T15:00:00Z\ninbox/stops/gateway.log.csv\t2026-11-20T15:00:00Z\n")
        // a.csv moved to rejected/: it keeps 20 Nov; the gateway log read in place: from now.
        try FileManager.default.createDirectory(atPath: w.root + "/inbox/stops/rejected", withIntermediateDirectories: true)
        try FileManager.default.moveItem(atPath: w.root + "/inbox/stops/a.csv", toPath: w.root + "/inbox/stops/rejected/a.csv")
        let second = try FirstSeen.update(w.ws, now: Self.t("2026-11-23T09:00:00Z"), readNow: ["inbox/stops/gateway.log.csv"])
        #expect(second == ["inbox/stops/rejected/a.csv": Self.t("2026-11-20T15:00:00Z"), "inbox/stops/gateway.log.csv": Self.t("2026-11-23T09:00:00Z")])
        // Pending: nearest first, US rule (default_country).
        let settings = try Settings.parse(Array(#"{"default_country": "US"}"#.utf8), displayName: "s")
        let pending = PendingDeadlines.collect(w.ws, settings: settings, firstSeen: second, openReviews: [])
        #expect(pending.map(\.what) == ["inbox/stops/rejected/a.csv (rejected, not applied)", "inbox/stops/gateway.log.csv (not read yet)"])
        // Fri 20 Nov → end of Tue 8 Dec; Mon 23 Nov → end of Wed 9 Dec (Thanksgiving skipped).
        #expect(pending.map(\.deadline.due) == [Self.t("2026-12-08T00:00:00Z"), Self.t("2026-12-09T00:00:00Z")])
        // Gone: dropped.
        try FileManager.default.removeItem(atPath: w.root + "/inbox/stops/rejected/a.csv")
        #expect(try FirstSeen.update(w.ws, now: Self.t("2026-11-24T09:00:00Z")) == ["inbox/stops/gateway.log.csv": Self.t("2026-11-23T09:00:00Z")])
    }
}
