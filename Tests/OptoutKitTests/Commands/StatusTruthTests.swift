// `optout status` tells the truth (issue 15 item 1), through the real executable: before any run,
// during one (stopped at a step by the pause hook), after a run that failed on bad settings, and
// after a run that held a campaign — text and --json, today's keys kept with their meaning.

import Foundation
import Testing
@testable import OptoutBase
@testable import OptoutKit
import OptoutTestSupport

@Suite(.serialized) struct StatusTruthTests {
    static let settings = "{ \"default_country\": \"GB\", \"settle_seconds\": 0 }"

    static func status(_ root: String) throws -> (text: String, json: [String: Any]) {
        let text = try OptoutCLI.run(["status", "--root", root])
        let json = try OptoutCLI.run(["status", "--json", "--root", root])
        #expect(text.status == 0 && json.status == 0, "\(text.stderr)\(json.stderr)")
        let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any] ?? [:]
        return (text.stdout, object)
    }

    static func waitFor(_ seconds: Double, _ check: () -> Bool) -> Bool {
        let until = Date().addingTimeInterval(seconds)
        while Date() < until { if check() { return true }; usleep(20_000) }
        return check()
    }

    @Test func beforeDuringAndAfterAFailedRunAndAHeldCampaign() throws {
        if let reason = OptoutCLI.missingReason { print(reason); return }
        let t = try TempWorkspace(settings: Self.settings)
        // Before: no attempt, nothing running.
        var s = try Self.status(t.root)
        #expect(s.json["last_attempt"] is NSNull && s.json["running"] is NSNull)
        #expect((s.json["last_run"] as? [String: Any])?["finished"] is NSNull)
        #expect(s.text.contains("last run:") && s.text.contains("never") && !s.text.contains("last attempt:"))

        // During: paused at the campaigns step.
        try t.write("inbox/lists/customers.csv", "name,phone\nA,+447700900001\nB,+447700900002\n")
        try t.write("inbox/campaigns/sale.txt", "list: customers\n\nHi {name}, sale! Reply STOP to opt out\n")
        try t.write("inbox/stops/log.csv", "from,timestamp,text\n+447700900002,2026-11-25T18:02:11Z,STOP\n")
        let pauseFile = t.root + "/../pause-\(UUID().uuidString)"
        let wait = try OptoutCLI.start(["run", "--root", t.root], environment: ["OPTOUT_PAUSE_AT": "campaigns", "OPTOUT_PAUSE_FILE": pauseFile])
        #expect(Self.waitFor(60) { Durable.exists(pauseFile) })
        let pid = Int((Tree.read(pauseFile) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
        s = try Self.status(t.root)
        let running = s.json["running"] as? [String: Any]
        #expect(running?["pid"] as? Int == pid && running?["step"] as? String == "campaigns")
        #expect(running?["since"] is String)
        #expect(s.text.contains("run in progress:") && s.text.contains("pid \(pid)") && s.text.contains("step: campaigns"))
        #expect((s.json["last_run"] as? [String: Any])?["finished"] is NSNull)  // nothing finished yet
        Tree.remove(pauseFile)
        let first = try wait()
        #expect(first.status == 0, "\(first.stderr)")
        s = try Self.status(t.root)
        #expect(s.json["running"] is NSNull)
        var attempt = s.json["last_attempt"] as? [String: Any]
        #expect(attempt?["outcome"] as? String == "ok" && attempt?["exit_code"] as? Int == 0 && attempt?["error"] is NSNull)
        let okFinished = (s.json["last_run"] as? [String: Any])?["finished"] as? String
        #expect(okFinished != nil)
        #expect((s.json["lists_kept"] as? Int) == 1)
        #expect(s.text.contains("lists kept in lists/:"))

        // After a failed run: settings broken, a STOP log waits.
        try t.write("inbox/settings.json", "{ \"default_country\": \"GB\", ")
        try t.write("inbox/stops/late.csv", "from,timestamp,text\n+447700900001,2026-11-26T08:00:00Z,STOP\n")
        let failed = try OptoutCLI.run(["run", "--root", t.root])
        #expect(failed.status == 78)
        s = try Self.status(t.root)
        attempt = s.json["last_attempt"] as? [String: Any]
        #expect(attempt?["outcome"] as? String == "failed" && attempt?["exit_code"] as? Int == 78)
        #expect((attempt?["error"] as? String)?.contains("inbox/settings.json") == true)
        #expect((s.json["last_run"] as? [String: Any])?["finished"] as? String == okFinished)  // today's meaning kept
        #expect((s.json["oldest_unapplied_optout"] as? [String: Any])?["file"] as? String == "inbox/stops/late.csv")
        #expect(s.text.contains("last attempt:") && s.text.contains("failed, exit 78"))
        #expect(s.text.contains("oldest opt-out not applied:") && s.text.contains("inbox/stops/late.csv"))

        // A held campaign: a STOP log that cannot be read is rejected and holds the campaign.
        try t.write("inbox/settings.json", Self.settings)
        Tree.remove(t.root + "/inbox/stops/late.csv")
        try t.write("inbox/stops/bad.csv", "a,b\n1,2\n")
        try t.write("inbox/campaigns/promo.txt", "list: customers\n\nHi {name}, promo! Reply STOP to opt out\n")
        let held = try OptoutCLI.run(["run", "--root", t.root])
        #expect(held.status == 65)
        s = try Self.status(t.root)
        attempt = s.json["last_attempt"] as? [String: Any]
        #expect(attempt?["outcome"] as? String == "some input rejected" && attempt?["exit_code"] as? Int == 65)
        #expect((s.json["rejected"] as? [String: Any])?["stops"] as? Int == 1)
        #expect((s.json["held_files"] as? [String: Any])?["campaigns"] as? Int == 1)
        #expect((s.json["waiting"] as? [String: Any])?["stops"] as? Int == 0)  // rejected apart from waiting
        #expect(s.json["oldest_unapplied_optout"] is NSNull)
        #expect(s.text.contains("rejected in stops/rejected/:") && s.text.contains("held in campaigns/:"))
        #expect(s.text.contains("inbox/campaigns/promo.txt"))
    }

    @Test func payloadsWithoutACallbackURLAndUnsentNotificationsAreListed() throws {
        if let reason = OptoutCLI.missingReason { print(reason); return }
        let t = try TempWorkspace(settings: Self.settings)
        try t.write("outbox/webhooks/pending/000001-a.json", "{}")
        try t.write("outbox/notifications/unsubscriptions-20261126T120000Z.eml", "To: a@example.com\n\nhi\n")
        try t.write("outbox/notifications/unsubscriptions-20261126T120000Z-sms.csv", "to,text\n")
        let s = try Self.status(t.root)
        let undeliverable = s.json["webhooks_undeliverable"] as? [String: Any]
        #expect(undeliverable?["count"] as? Int == 1 && (undeliverable?["reason"] as? String)?.contains("optout_callback_url") == true)
        #expect(s.json["notifications_unsent"] as? [String] == ["outbox/notifications/unsubscriptions-20261126T120000Z-sms.csv",
                                                               "outbox/notifications/unsubscriptions-20261126T120000Z.eml"])
        #expect(s.text.contains("webhooks undeliverable:") && s.text.contains("notifications not sent:"))
    }
}

@Suite struct StatusKeysDocumentedTests {
    @Test func everyAddedStatusKeyIsInTheReadme() {
        let section = MetadataTests.section("`optout status --json`")
        let keys = StatusFacts().jsonObject().keys.sorted()
        #expect(keys.count == 8)
        for key in keys { #expect(section.contains("| `\(key)` |"), "README \"optout status --json\" has no row for \(key)") }
        for key in ["suppressions", "waiting", "webhooks_pending", "webhooks_failed", "review_items_open", "last_run", "held_last_run", "holding_now", "lease_probe"] {
            #expect(section.contains("`\(key)`"), "README \"optout status --json\" does not name \(key)")
        }
    }
}
