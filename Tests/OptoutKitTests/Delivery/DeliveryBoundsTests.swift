// Delivery is bounded (issue 11 item 5), against hostile receivers on 127.0.0.1 and through the
// real `optout deliver` binary where a user would see it: an 8 GiB answer is cut at 64 KiB (peak
// RSS under 100 MiB), an answer that stalls after its headers or trickles is cut at the timeout
// and stays pending, 1,000 payloads against a receiver that never answers end within
// --max-seconds plus one timeout over at most 4 connections, and `deliver --now` sends a payload
// whose next attempt is an hour away (the 48-hour limit still applies). In process: a trickling
// answer (both transports), a 307 with an 8 GiB body, endless headers, an untrusted TLS
// certificate, and a file name that would inject a header.

import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif
@testable import OptoutBase
@testable import OptoutKit
@testable import OptoutPhone
import OptoutTestSupport

@Suite(.serialized)
struct DeliveryBoundsTests {
    func ready() -> Bool {
        toolAvailable(python3Path != nil, "python3 not found on PATH: the local receivers need it")
            && toolAvailable(MeasuredRun.missingReason == nil, MeasuredRun.missingReason ?? "")
    }

    func workspace(_ url: String, timeout: Double) throws -> TempWorkspace {
        try TempWorkspace(settings: "{\"optout_callback_url\": \"\(url)\", \"callback_timeout_seconds\": \(timeout)}")
    }

    func attempts(_ t: TempWorkspace, _ name: String) throws -> [String: Any] {
        let text = try #require(t.read("outbox/webhooks/pending/\(name).attempts"))
        return try #require(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    @Test func anEightGiBAnswerIsCutAt64KiBAndDeliverStaysSmall() throws {
        guard ready() else { return }
        let server = try HostileReceiver(.stream)
        let t = try workspace(server.url, timeout: 5)
        let name = try writePending(t, number: "+447911123456", at: 1_790_000_000)
        let run = try MeasuredRun.run(["deliver", "--root", t.root])
        let stats = server.settledStats()
        let peak = try #require(run.peakKiB)
        print("bounded delivery: 8 GiB answer: deliver took \(String(format: "%.2f", run.seconds)) s, peak RSS \(peak / 1024) MiB, receiver sent \(stats.bytes_sent / 1024) KiB before the connection closed")
        // The status line answered (200): delivered; the body was cut, not waited for.
        #expect(run.result.status == 0, "stderr: \(run.result.stderr)")
        #expect(t.exists("outbox/webhooks/delivered/\(name)"))
        #expect(peak < 100 * 1024)
        #expect(run.seconds < 4, "cut at 64 KiB, not at the 5 s timeout")
        // Only what the kernel's socket buffers took: nowhere near the 8 GiB offered.
        #expect(stats.bytes_sent < 64 << 20)
        #expect(stats.open == 0)
    }

    @Test func anAnswerThatStallsAfterItsHeadersIsCutAtTheTimeoutAndStaysPending() throws {
        guard ready() else { return }
        let server = try HostileReceiver(.stall)
        let t = try workspace(server.url, timeout: 1)
        let name = try writePending(t, number: "+447911123456", at: 1_790_000_000)
        let run = try MeasuredRun.run(["deliver", "--root", t.root])
        print("bounded delivery: headers then silence, timeout 1 s: deliver took \(String(format: "%.2f", run.seconds)) s")
        #expect(run.result.status == 75)
        #expect(run.result.stderr.contains("no answer within 1 s (attempt 1)"))
        #expect(run.seconds >= 1 && run.seconds < 3)
        #expect(t.list("outbox/webhooks/pending") == [name, name + ".attempts"])
        #expect(try attempts(t, name)["last_error"] as? String == "no answer within 1 s")
        #expect(t.list("outbox/webhooks/delivered").isEmpty && t.list("outbox/webhooks/failed").isEmpty)
        #expect(server.settledStats().requests == 1)
    }

    /// The transports: libcurl (what `deliver` uses) and the URLSession fallback.
    static let transports: [String] = ["curl", "URLSession"]

    func transport(_ name: String) throws -> any WebhookTransport {
        name == "curl" ? try #require(CurlTransport.make(), "libcurl could not be loaded") : URLSessionTransport()
    }

    /// A byte every 0.2 s never lets an idle timeout fire: only a deadline for the whole
    /// exchange ends it.
    @Test(arguments: transports)
    func aTricklingAnswerIsCutAtTheTimeoutWhateverItsPace(_ name: String) throws {
        guard ready() else { return }
        let server = try HostileReceiver(.trickle)
        let transport = try transport(name)
        let request = WebhookRequest(url: try #require(URL(string: server.url)), headers: [("Content-Type", "application/json")],
                                     body: Array("{}".utf8), timeout: 1)
        let started = Date()
        let outcome = transport.post(request)
        let seconds = Date().timeIntervalSince(started)
        print("bounded delivery (\(name)): trickling answer, timeout 1 s: the attempt ended after \(String(format: "%.2f", seconds)) s")
        #expect(outcome == .timedOut)
        #expect(seconds >= 0.95 && seconds < 2.2)
        let stats = server.settledStats()
        #expect(stats.bytes_sent >= 2 && stats.open == 0)
    }

    /// A redirect is the answer (not followed), and its body is cut like any other (URLSession
    /// would keep a redirect's whole body in memory, whatever its delegate does).
    @Test func aRedirectWithAnEightGiBBodyIsCutAt64KiB() throws {
        guard ready() else { return }
        let server = try HostileReceiver(.redirect)
        let transport = try transport("curl")
        let request = WebhookRequest(url: try #require(URL(string: server.url)), headers: [], body: Array("{}".utf8), timeout: 5)
        let started = Date()
        let outcome = transport.post(request)
        let seconds = Date().timeIntervalSince(started)
        let stats = server.settledStats()
        print("bounded delivery (curl): 307 with an 8 GiB body: answered in \(String(format: "%.2f", seconds)) s, receiver sent \(stats.bytes_sent / 1024) KiB")
        #expect(outcome == .status(307, retryAfter: nil))
        #expect(seconds < 4)
        #expect(stats.bytes_sent < 64 << 20 && stats.open == 0)
    }

    @Test func endlessHeadersAreCutAt64KiB() throws {
        guard ready() else { return }
        let server = try HostileReceiver(.headers)
        let transport = try transport("curl")
        let request = WebhookRequest(url: try #require(URL(string: server.url)), headers: [], body: Array("{}".utf8), timeout: 5)
        let started = Date()
        let outcome = transport.post(request)
        let seconds = Date().timeIntervalSince(started)
        let stats = server.settledStats()
        print("bounded delivery (curl): endless headers: cut after \(String(format: "%.2f", seconds)) s, receiver sent \(stats.bytes_sent / 1024) KiB")
        #expect(outcome == .transportError("answer headers over 64 KiB"))
        #expect(seconds < 4)
        #expect(stats.bytes_sent < 64 << 20 && stats.open == 0)
    }

    /// libcurl verifies the receiver's certificate: a self-signed one is refused before anything
    /// is sent, and the payload waits in pending/ (never delivered unverified).
    @Test func anHTTPSReceiverWithAnUntrustedCertificateGetsNothing() throws {
        guard ready(), toolAvailable(access("/usr/bin/openssl", X_OK) == 0, "/usr/bin/openssl not found: it makes the test certificate") else { return }
        let server = try PythonReceiver(tls: true)
        let t = try workspace(server.url, timeout: 2)
        let name = try writePending(t, number: "+447911123456", at: 1_790_000_000)
        let settings = try Settings.load(path: t.ws.settingsFile, displayName: "settings.json")
        let report = try DeliveryJob.pass(workspace: t.ws, settings: settings, options: DeliveryOptions())
        #expect(report.retrying == 1 && report.delivered == 0)
        #expect(report.diagnostics.first?.message.contains("\(server.url): TLS handshake failed") == true)
        #expect(server.requests.isEmpty)
        #expect(t.exists("outbox/webhooks/pending/\(name)"))
    }

    @Test func aThousandPayloadsAgainstASilentReceiverEndWithinTheBoundOverFourConnections() throws {
        guard ready() else { return }
        let server = try HostileReceiver(.silent)
        let t = try workspace(server.url, timeout: 1)
        for i in 0..<1_000 {
            try writePending(t, number: "+4479111\(String(10_000 + i))", at: 1_790_000_000 + Int64(i))
        }
        let run = try MeasuredRun.run(["deliver", "--root", t.root, "--max-seconds", "3"])
        let stats = server.settledStats()
        let pending = t.list("outbox/webhooks/pending")
        let tried = pending.filter { $0.hasSuffix(".attempts") }.count
        print("bounded delivery: 1000 payloads, receiver never answers, --max-seconds 3, timeout 1 s: deliver took \(String(format: "%.2f", run.seconds)) s; \(stats.accepted) connections accepted, at most \(stats.max_open) open at once; \(tried) attempts")
        #expect(run.result.status == 75)
        #expect(run.seconds < 3 + 1 + 1.5)
        #expect(stats.max_open == DeliveryJob.connections)
        #expect(stats.accepted == tried && tried >= 4)
        // Nothing failed: every payload is still pending, those not tried without a record.
        #expect(pending.count - tried == 1_000)
        #expect(t.list("outbox/webhooks/failed").isEmpty && t.list("outbox/webhooks/delivered").isEmpty)
        #expect(run.result.stderr.contains("optout deliver: stopped starting attempts after 3 s (--max-seconds); \(1_000 - tried) payloads left in outbox/webhooks/pending/ for the next pass"))
    }

    @Test func deliverNowSendsAPayloadWhoseNextAttemptIsAnHourAway() throws {
        guard toolAvailable(python3Path != nil, "python3 not found on PATH: the local receiver needs it"),
              toolAvailable(OptoutCLI.missingReason == nil, OptoutCLI.missingReason ?? "") else { return }
        let server = try PythonReceiver()
        let t = try workspace(server.url, timeout: 2)
        let name = try writePending(t, number: "+447911123456", at: 1_790_000_000)
        var state = DeliveryAttempts()
        state.attempts = 3
        state.lastError = "HTTP 503"
        state.nextAttempt = Timestamp(seconds: Timestamp.now().seconds + 3600)
        try t.write("outbox/webhooks/pending/\(name).attempts", state.encode(eventId: DeliveryJob.eventId(name)))

        let waiting = try OptoutCLI.run(["deliver", "--root", t.root, "--verbose"])
        #expect(waiting.status == 0)
        #expect(waiting.stdout.contains("not yet due: 1"))
        #expect(server.requests.isEmpty)

        let now = try OptoutCLI.run(["deliver", "--root", t.root, "--now", "--verbose"])
        #expect(now.status == 0, "stderr: \(now.stderr)")
        #expect(now.stdout.hasPrefix("webhooks delivered: 1,"))
        #expect(server.requests.map(\.eventId) == [DeliveryJob.eventId(name)])
        #expect(t.list("outbox/webhooks/pending").isEmpty)
        #expect(t.read("outbox/webhooks/delivered/\(name).attempts")?.contains("\"attempts\": 4") == true)
    }

    @Test func deliverNowKeepsTheFortyEightHourLimit() throws {
        let t = try TempWorkspace(settings: "{\"optout_callback_url\": \"https://crm.example.com/in\"}")
        let name = try writePending(t, number: "+447911123456", at: 1_790_000_000)
        let written = try #require(DeliveryJob.modificationTime("\(t.ws.webhooksPending)/\(name)")).seconds
        let clock = TestClock(written + 49 * 3600)
        var state = DeliveryAttempts()
        state.attempts = 5
        state.nextAttempt = Timestamp(seconds: clock.now.seconds + 3600)
        try t.write("outbox/webhooks/pending/\(name).attempts", state.encode(eventId: DeliveryJob.eventId(name)))
        let settings = try Settings.load(path: t.ws.settingsFile, displayName: "settings.json")
        let fake = FakeTransport([.status(503, retryAfter: nil)])
        var o = DeliveryOptions()
        o.now = clock.function
        o.transport = fake
        // Without --now: not due, not sent.
        #expect(try DeliveryJob.pass(workspace: t.ws, settings: settings, options: o).notDue == 1)
        #expect(fake.requests.isEmpty)
        // With --now: sent at once; it fails again past 48 hours, so it goes to failed/.
        o.retryNow = true
        let report = try DeliveryJob.pass(workspace: t.ws, settings: settings, options: o)
        #expect(fake.requests.count == 1)
        #expect(report.failed == 1)
        #expect(t.read("outbox/webhooks/failed/\(name).error.txt")?.contains("within 48 hours of being written (6 attempts; last: HTTP 503)") == true)
    }

    @Test func aFileNameThatWouldInjectAHeaderIsNotSent() throws {
        let t = try TempWorkspace(settings: "{\"optout_callback_url\": \"https://crm.example.com/in\"}")
        let name = "20261127T100000Z-abc\r\nInjected: 1.json"
        try t.write("outbox/webhooks/pending/\(name)", "{\"timestamp\": \"2026-11-27T10:00:00Z\", \"unsubscribed_number\": \"+447911123456\", \"source\": \"x\"}")
        let fake = FakeTransport()
        var o = DeliveryOptions()
        o.transport = fake
        let settings = try Settings.load(path: t.ws.settingsFile, displayName: "settings.json")
        let report = try DeliveryJob.pass(workspace: t.ws, settings: settings, options: o)
        #expect(fake.requests.isEmpty)
        #expect(report.failed == 1)
        #expect(t.read("outbox/webhooks/failed/\(name).error.txt")?.hasPrefix("the file name holds a control character") == true)
    }

    @Test func deliverOptionsParseAndRunKeepsItsOwnBound() throws {
        #expect(try CommandLineParser.parse(["deliver", "--root", "/x", "--max-seconds", "3", "--now"])
                == .deliver(root: "/x", verbose: false, maxSeconds: 3, now: true))
        #expect(try CommandLineParser.parse(["deliver", "--max-seconds=0.5"]) == .deliver(root: ".", verbose: false, maxSeconds: 0.5))
        #expect(try CommandLineParser.parse(["deliver"]) == .deliver(root: ".", verbose: false, maxSeconds: 300, now: false))
        for bad in ["-1", "soon", "nan", "100000"] {
            let outcome = CommandRunner.main(["deliver", "--max-seconds", bad], interactive: false)
            #expect(outcome.exitCode == 64)
            #expect(outcome.stderr.contains("--max-seconds needs a number of seconds from 0 to 86400"))
        }
        let deliver = DeliveryOptions.forDeliver()
        #expect(deliver.timeBudget == 300 && !deliver.retryNow && deliver.concurrency == 4)
        let run = DeliveryOptions.forRun(now: nil)
        #expect(run.timeBudget == DeliveryJob.runBudgetSeconds && !run.retryNow && run.concurrency == 4)
        // Payloads left by the bound make the exit 75 (to be retried), never 65 (failed).
        var report = DeliveryReport()
        report.leftForLater = 7
        let outcome = CommandRunner.renderDelivery(report, loud: false, maxSeconds: 3)
        #expect(outcome.exitCode == 75)
        #expect(outcome.stderr == "optout deliver: stopped starting attempts after 3 s (--max-seconds); 7 payloads left in outbox/webhooks/pending/ for the next pass\n")
    }
}
