// Webhook delivery with a scripted transport and an injected clock: outcomes, retries, order per
// number, headers, form bodies, the 48-hour limit, crash re-sends, redaction and the CLI.

import Foundation
import Testing
@testable import OptoutBase
@testable import OptoutKit
@testable import OptoutPhone
import OptoutTestSupport

@Suite struct DeliveryJobTests {
    let start = Timestamp.now().seconds

    func workspace(_ extra: String = "") throws -> TempWorkspace {
        try TempWorkspace(settings: "{\"optout_callback_url\": \"https://crm.example.com/hooks/optout\", \"webhook_secret\": \"s3cret-key\"\(extra)}")
    }

    func options(_ transport: FakeTransport, _ clock: TestClock) -> DeliveryOptions {
        var o = DeliveryOptions()
        o.transport = transport
        o.now = clock.function
        o.retrySchedule = RetrySchedule(random: { 0 })
        return o
    }

    func pass(_ t: TempWorkspace, _ o: DeliveryOptions) throws -> DeliveryReport {
        let settings = try Settings.load(path: t.ws.settingsFile, displayName: "settings.json")
        return try DeliveryJob.pass(workspace: t.ws, settings: settings, options: o)
    }

    func attempts(_ t: TempWorkspace, _ relative: String) throws -> [String: Any] {
        let text = try #require(t.read(relative))
        return try #require(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    @Test func deliveredPayloadMovesWithExactBodyAndSignedHeaders() throws {
        let t = try workspace()
        let name = try writePending(t, number: "+447911123456", at: 1_790_000_000)
        let fake = FakeTransport()
        let clock = TestClock(start)
        let report = try pass(t, options(fake, clock))
        #expect(report.delivered == 1 && report.retrying == 0 && report.failed == 0)
        #expect(t.list("outbox/webhooks/pending").isEmpty)
        #expect(t.list("outbox/webhooks/delivered") == [name, name + ".attempts"])
        let request = try #require(fake.requests.first)
        let body = try #require(t.read("outbox/webhooks/delivered/\(name)"))
        #expect(request.body == Array(body.utf8))
        #expect(request.url.absoluteString == "https://crm.example.com/hooks/optout")
        #expect(request.header("Content-Type") == "application/json")
        #expect(request.header("X-Optout-Event-Id") == String(name.dropLast(5).split(separator: "-").last!))
        let signature = try #require(request.header("X-Optout-Signature"))
        let expected = Hex.encode(HMACSHA256.authenticationCode(key: Array("s3cret-key".utf8), message: body + ".\(start)"))
        #expect(signature == "t=\(start),s=\(expected)")
        #expect(request.timeout == 4)
        let record = try attempts(t, "outbox/webhooks/delivered/\(name).attempts")
        #expect(record["attempts"] as? Int == 1)
        #expect(record["last_status"] as? Int == 200)
    }

    @Test(arguments: [
        (PostOutcome.status(500, retryAfter: nil), "HTTP 500"),
        (PostOutcome.status(503, retryAfter: nil), "HTTP 503"),
        (PostOutcome.status(429, retryAfter: nil), "HTTP 429"),
        (PostOutcome.timedOut, "no answer within 4 s"),
        (PostOutcome.transportError("connection refused"), "connection refused"),
    ])
    func temporaryFailuresAreRetriedWithBackoff(outcome: PostOutcome, error: String) throws {
        let t = try workspace()
        let name = try writePending(t, number: "+447911123456", at: 1_790_000_000)
        let fake = FakeTransport([outcome, outcome, outcome])
        let clock = TestClock(start)
        let o = options(fake, clock)
        var report = try pass(t, o)
        #expect(report.retrying == 1 && report.delivered == 0)
        #expect(t.list("outbox/webhooks/pending") == [name, name + ".attempts"])
        var record = try attempts(t, "outbox/webhooks/pending/\(name).attempts")
        #expect(record["attempts"] as? Int == 1)
        #expect(record["last_error"] as? String == error)
        #expect(record["next_attempt_unix"] as? Int == Int(start) + 60)
        // Not due 59 s later: skipped, nothing sent.
        clock.advance(59)
        report = try pass(t, o)
        #expect(report.notDue == 1 && fake.requests.count == 1)
        // Due at 60 s: second failure waits 120 s, third 240 s.
        clock.advance(1)
        _ = try pass(t, o)
        record = try attempts(t, "outbox/webhooks/pending/\(name).attempts")
        #expect(record["next_attempt_unix"] as? Int == Int(start) + 60 + 120)
        clock.advance(120)
        _ = try pass(t, o)
        record = try attempts(t, "outbox/webhooks/pending/\(name).attempts")
        #expect(record["attempts"] as? Int == 3)
        #expect(record["next_attempt_unix"] as? Int == Int(start) + 180 + 240)
        clock.advance(240)
        report = try pass(t, o)
        #expect(report.delivered == 1)
        #expect(fake.requests.count == 4)
        #expect(Set(fake.requests.map { $0.header("X-Optout-Event-Id") }).count == 1)
        record = try attempts(t, "outbox/webhooks/delivered/\(name).attempts")
        #expect(record["attempts"] as? Int == 4)
    }

    @Test func backoffDoublesWithJitterAndStopsAtOneHour() {
        let none = RetrySchedule(random: { 0 })
        #expect((1...8).map { none.delay(afterFailures: $0) } == [60, 120, 240, 480, 960, 1920, 3600, 3600])
        let most = RetrySchedule(random: { 0.999 })
        #expect(most.delay(afterFailures: 1) > 71 && most.delay(afterFailures: 1) < 72)
        #expect(most.delay(afterFailures: 7) == 3600)
        #expect(RetrySchedule.retryAfter("120", now: Timestamp(seconds: 0)) == 120)
        #expect(RetrySchedule.retryAfter("Wed, 21 Oct 2015 07:28:00 GMT", now: Timestamp(seconds: 1_445_412_000)) == 480)
        #expect(RetrySchedule.retryAfter("soon", now: Timestamp(seconds: 0)) == nil)
    }

    @Test func retryAfterIsHonoured() throws {
        let t = try workspace()
        let name = try writePending(t, number: "+447911123456", at: 1_790_000_000)
        let fake = FakeTransport([.status(429, retryAfter: "900")])
        let clock = TestClock(start)
        _ = try pass(t, options(fake, clock))
        let record = try attempts(t, "outbox/webhooks/pending/\(name).attempts")
        #expect(record["next_attempt_unix"] as? Int == Int(start) + 900)
    }

    @Test(arguments: [400, 401, 404, 410, 301])
    func otherAnswersFailAtOnceWithTheReason(code: Int) throws {
        let t = try workspace()
        let name = try writePending(t, number: "+447911123456", at: 1_790_000_000)
        let fake = FakeTransport([.status(code, retryAfter: nil)])
        let report = try pass(t, options(fake, TestClock(start)))
        #expect(report.failed == 1 && report.retrying == 0)
        #expect(t.list("outbox/webhooks/pending").isEmpty)
        #expect(t.list("outbox/webhooks/failed") == [name, name + ".attempts", name + ".error.txt"])
        let reason = try #require(t.read("outbox/webhooks/failed/\(name).error.txt"))
        #expect(reason.hasPrefix("https://crm.example.com/hooks/optout answered HTTP \(code); not retried\n"))
        #expect(report.diagnostics.contains { $0.severity == .error && $0.message.contains("HTTP \(code)") })
    }

    @Test func afterFortyEightHoursWithoutSuccessThePayloadFails() throws {
        let t = try workspace()
        let name = try writePending(t, number: "+447911123456", at: 1_790_000_000)
        let fake = FakeTransport(Array(repeating: .status(502, retryAfter: nil), count: 100))
        let clock = TestClock(start)
        let o = options(fake, clock)
        var passes = 0
        while t.exists("outbox/webhooks/pending/\(name)") && passes < 100 {
            _ = try pass(t, o)
            clock.advance(3600)
            passes += 1
        }
        #expect(t.exists("outbox/webhooks/failed/\(name)"))
        let reason = try #require(t.read("outbox/webhooks/failed/\(name).error.txt"))
        #expect(reason.contains("not delivered to https://crm.example.com/hooks/optout within 48 hours"))
        #expect(reason.contains("last: HTTP 502"))
        // Hourly after the cap, and a last try at the 48-hour mark: about 48 + 6 attempts.
        #expect(fake.requests.count >= 48 && fake.requests.count <= 56)
    }

    @Test func laterPayloadsForANumberWaitForTheEarlierOne() throws {
        let t = try workspace()
        let first = try writePending(t, number: "+447911123456", at: 1_790_000_000)
        let second = try writePending(t, number: "+447911123456", at: 1_790_000_100)
        let other = try writePending(t, number: "+447700900123", at: 1_790_000_050)
        let fake = FakeTransport([.status(500, retryAfter: nil)])
        let clock = TestClock(start)
        var o = options(fake, clock)
        o.concurrency = 1
        let report = try pass(t, o)
        #expect(report.retrying == 1 && report.delivered == 1 && report.waitingForEarlier == 1)
        #expect(fake.requests.map { String(decoding: $0.body, as: UTF8.self).contains("+447911123456") } == [true, false])
        #expect(t.exists("outbox/webhooks/delivered/\(other)"))
        #expect(t.exists("outbox/webhooks/pending/\(second)"))
        clock.advance(60)
        let again = try pass(t, o)
        #expect(again.delivered == 2)
        let bodies = fake.requests.map { String(decoding: $0.body, as: UTF8.self) }
        #expect(bodies.count == 4)
        #expect(bodies[2] == t.read("outbox/webhooks/delivered/\(first)"))
        #expect(bodies[3] == t.read("outbox/webhooks/delivered/\(second)"))
    }

    @Test func formFormatSendsTheSameThreeFieldsEncoded() throws {
        let t = try workspace(", \"callback_format\": \"form\"")
        try writePending(t, number: "+447911123456", at: 1_790_000_000)
        let fake = FakeTransport()
        _ = try pass(t, options(fake, TestClock(start)))
        let request = try #require(fake.requests.first)
        let body = String(decoding: request.body, as: UTF8.self)
        #expect(body == "timestamp=2026-09-21T14%3A13%3A20Z&unsubscribed_number=%2B447911123456&source=TollFree%20number")
        #expect(request.header("Content-Type") == "application/x-www-form-urlencoded")
        let expected = Hex.encode(HMACSHA256.authenticationCode(key: Array("s3cret-key".utf8), message: body + ".\(start)"))
        #expect(request.header("X-Optout-Signature") == "t=\(start),s=\(expected)")
    }

    @Test func withoutASecretThereIsNoSignatureHeader() throws {
        let t = try TempWorkspace(settings: "{\"optout_callback_url\": \"http://127.0.0.1:9/x\"}")
        try writePending(t, number: "+447911123456", at: 1_790_000_000)
        let fake = FakeTransport()
        _ = try pass(t, options(fake, TestClock(start)))
        let request = try #require(fake.requests.first)
        #expect(request.header("X-Optout-Signature") == nil)
        #expect(request.header("X-Optout-Event-Id") != nil)
    }

    @Test func credentialsInTheURLBecomeBasicAuthAndAreNeverPrinted() throws {
        let t = try TempWorkspace(settings: "{\"optout_callback_url\": \"https://hookuser:pa55word@crm.example.com/in\", \"webhook_secret\": \"topsecret\"}")
        let name = try writePending(t, number: "+447911123456", at: 1_790_000_000)
        let fake = FakeTransport([.transportError("failed for https://hookuser:pa55word@crm.example.com/in with topsecret"), .status(403, retryAfter: nil)])
        let clock = TestClock(start)
        let o = options(fake, clock)
        let first = try pass(t, o)
        clock.advance(3600)
        let second = try pass(t, o)
        let request = try #require(fake.requests.first)
        #expect(request.url.absoluteString == "https://crm.example.com/in")
        #expect(request.header("Authorization") == "Basic " + Data("hookuser:pa55word".utf8).base64EncodedString())
        var printed = (first.diagnostics + second.diagnostics).map(\.description).joined(separator: "\n")
        printed += t.read("outbox/webhooks/failed/\(name).error.txt") ?? "(missing)"
        printed += t.read("outbox/webhooks/failed/\(name).attempts") ?? "(missing)"
        #expect(printed.contains("https://***@crm.example.com/in"))
        #expect(!printed.contains("pa55word") && !printed.contains("topsecret") && !printed.contains("(missing)"))
    }

    @Test func aCrashBetweenPostAndMoveResendsWithTheSameEventId() throws {
        let t = try workspace()
        let name = try writePending(t, number: "+447911123456", at: 1_790_000_000)
        let fake = FakeTransport()
        let clock = TestClock(start)
        _ = try pass(t, options(fake, clock))
        // The state a crash right after the receiver's 200 leaves: the payload still pending.
        try FileManager.default.copyItem(atPath: "\(t.ws.webhooksDelivered)/\(name)", toPath: "\(t.ws.webhooksPending)/\(name)")
        let report = try pass(t, options(fake, clock))
        #expect(report.delivered == 1)
        #expect(fake.requests.count == 2)
        #expect(fake.requests[0].header("X-Optout-Event-Id") == fake.requests[1].header("X-Optout-Event-Id"))
        #expect(fake.requests[0].body == fake.requests[1].body)
        #expect(t.list("outbox/webhooks/pending").isEmpty)
        #expect(t.list("outbox/webhooks/delivered") == [name, name + ".attempts"])
    }

    @Test func anOrphanAttemptRecordFollowsItsPayload() throws {
        let t = try workspace()
        let name = try writePending(t, number: "+447911123456", at: 1_790_000_000)
        try FileManager.default.moveItem(atPath: "\(t.ws.webhooksPending)/\(name)", toPath: "\(t.ws.webhooksDelivered)/\(name)")
        try t.write("outbox/webhooks/pending/\(name).attempts", "{\"attempts\": 2}")
        _ = try pass(t, options(FakeTransport(), TestClock(start)))
        #expect(t.list("outbox/webhooks/pending").isEmpty)
        #expect(t.list("outbox/webhooks/delivered") == [name, name + ".attempts"])
    }

    @Test func aDamagedAttemptRecordMeansSendAgainNotDrop() throws {
        let t = try workspace()
        let name = try writePending(t, number: "+447911123456", at: 1_790_000_000)
        try t.write("outbox/webhooks/pending/\(name).attempts", "{\"attem")
        let fake = FakeTransport()
        let report = try pass(t, options(fake, TestClock(start)))
        #expect(report.delivered == 1 && fake.requests.count == 1)
        #expect(report.diagnostics.contains { $0.severity == .warning && $0.message.contains("damaged") })
    }

    @Test func aFileThatIsNotAPayloadGoesToFailedUnsent() throws {
        let t = try workspace()
        try t.write("outbox/webhooks/pending/junk.json", "not json")
        let fake = FakeTransport()
        let report = try pass(t, options(fake, TestClock(start)))
        #expect(report.failed == 1 && fake.requests.isEmpty)
        #expect(t.read("outbox/webhooks/failed/junk.json.error.txt")?.hasPrefix("not an opt-out payload") == true)
    }

    @Test func runDeliversAtTheEndAndAFailingReceiverDoesNotFailTheRun() throws {
        let t = try workspace()
        try t.write("inbox/stops/log.csv", "from,timestamp,text\n+447700900321,2026-11-25T18:02:11Z,Stop\n")
        let fake = FakeTransport([.status(503, retryAfter: nil)])
        var run = RunOptions(settleSeconds: 0)
        var delivery = options(fake, TestClock(start))
        delivery.timeBudget = 5
        run.delivery = delivery
        let report = try RunJob.run(root: t.root, options: run)
        #expect(report.newOptOuts == 1 && report.rejectedInputs == 0)
        #expect(report.delivery?.retrying == 1)
        #expect(report.diagnostics.contains { $0.severity == .warning && $0.message.contains("HTTP 503") })
        #expect(t.rows("outbox/suppressions.csv").map { $0[0] } == ["+447700900321"])
        let outcome = CommandRunner.render(report, loud: false)
        #expect(outcome.exitCode == 0 && outcome.stderr.isEmpty)
        // The next run delivers it (clock far enough ahead).
        var later = options(fake, TestClock(start + 3600))
        later.timeBudget = 5
        run.delivery = later
        let second = try RunJob.run(root: t.root, options: run)
        #expect(second.delivery?.delivered == 1)
        #expect(t.list("outbox/webhooks/pending").isEmpty)
    }

    @Test func runTimeBudgetLeavesTheRestForLater() throws {
        let t = try workspace()
        for i in 0..<3 { try writePending(t, number: "+44791112345\(i)", at: 1_790_000_000 + Int64(i)) }
        var o = options(FakeTransport(), TestClock(start))
        o.timeBudget = 0
        let report = try pass(t, o)
        #expect(report.leftForLater == 3 && report.delivered == 0)
        #expect(t.list("outbox/webhooks/pending").count == 3)
    }

    @Test func deliverCommandParsesAndNeedsACallbackURL() throws {
        #expect(try CommandLineParser.parse(["deliver", "--root", "/x", "-v"]) == .deliver(root: "/x", verbose: true))
        guard case .help(let text) = try CommandLineParser.parse(["deliver", "--help"]) else { Issue.record("no help"); return }
        #expect(text.contains("X-Optout-Signature"))
        let t = try TempWorkspace(settings: "{}")
        let outcome = CommandRunner.main(["deliver", "--root", t.root], interactive: false)
        #expect(outcome.exitCode == 78)
        #expect(outcome.stderr.contains("\"optout_callback_url\" is not set"))
    }

    @Test func deliverCommandExitCodes() throws {
        // Nothing pending: 0 and quiet.
        let t = try TempWorkspace(settings: "{\"optout_callback_url\": \"http://127.0.0.1:1/closed\", \"callback_timeout_seconds\": 1}")
        var outcome = CommandRunner.main(["deliver", "--root", t.root], interactive: false)
        #expect(outcome == CommandOutcome())
        // A refused connection: kept for a retry, exit 75, the reason on stderr.
        let name = try writePending(t, number: "+447911123456", at: 1_790_000_000)
        outcome = CommandRunner.main(["deliver", "--root", t.root], interactive: false)
        #expect(outcome.exitCode == 75)
        #expect(outcome.stderr.contains("outbox/webhooks/pending/\(name): warning: http://127.0.0.1:1/closed: "))
        #expect(t.exists("outbox/webhooks/pending/\(name).attempts"))
        #expect(CommandRunner.renderDelivery({ var r = DeliveryReport(); r.failed = 1; return r }(), loud: false).exitCode == 65)
    }

    @Test func callbackTimeoutSetting() throws {
        let s = try Settings.parse(Array("{\"callback_timeout_seconds\": 2.5}".utf8), displayName: "s")
        #expect(s.callbackTimeoutSeconds == 2.5)
        #expect(throws: OptoutError.self) { try Settings.parse(Array("{\"callback_timeout_seconds\": 0}".utf8), displayName: "s") }
    }
}
