// Webhook delivery end to end against a real HTTP server on 127.0.0.1 (Python's http.server,
// started and stopped by each test; skipped with a printed reason when python3 is missing):
// retries through 500, 500 and a timeout to a 200 with a valid signature; a 400 to failed/;
// and a load of payloads delivered exactly once each, in order per number.

import Foundation
import Testing
@testable import OptoutBase
@testable import OptoutKit
@testable import OptoutPhone
import OptoutTestSupport

@Suite(.enabled(if: python3Path != nil, "python3 not found on PATH: the real-server delivery tests need it (.ci/run installs it)"))
struct DeliveryServerTests {
    let secret = "whsec-test-123"

    func pass(_ t: TempWorkspace, _ o: DeliveryOptions) throws -> DeliveryReport {
        let settings = try Settings.load(path: t.ws.settingsFile, displayName: "settings.json")
        return try DeliveryJob.pass(workspace: t.ws, settings: settings, options: o)
    }

    @Test func retriesThroughErrorsAndATimeoutThenDeliversSigned() throws {
        let server = try PythonReceiver(plan: ["500", "500", "sleep3", "200"], secret: secret)
        let t = try TempWorkspace(settings: "{\"optout_callback_url\": \"\(server.url)\", \"webhook_secret\": \"\(secret)\"}")
        let name = try writePending(t, number: "+447911123456", at: 1_790_000_000)
        let clock = TestClock(Timestamp.now().seconds)
        var o = DeliveryOptions()
        o.now = clock.function
        o.timeout = 0.5
        o.retrySchedule = RetrySchedule(random: { 0 })
        var outcomes: [DeliveryReport] = []
        for _ in 0..<6 where t.exists("outbox/webhooks/pending/\(name)") {
            outcomes.append(try pass(t, o))
            clock.advance(3600)
        }
        #expect(outcomes.map(\.retrying) == [1, 1, 1, 0])
        #expect(outcomes.map(\.delivered) == [0, 0, 0, 1])
        #expect(outcomes[2].diagnostics.first?.message.contains("no answer within 0.5 s") == true)
        let received = server.requests
        #expect(received.count == 4)
        let body = try #require(t.read("outbox/webhooks/delivered/\(name)"))
        for request in received {
            #expect(request.eventId == DeliveryJob.eventId(name))
            #expect(request.body == body)
            #expect(request.contentType == "application/json")
            #expect(request.signatureValid == true)
        }
        #expect(t.list("outbox/webhooks/pending").isEmpty)
        let record = try #require(t.read("outbox/webhooks/delivered/\(name).attempts"))
        let json = try #require(JSONSerialization.jsonObject(with: Data(record.utf8)) as? [String: Any])
        #expect(json["attempts"] as? Int == 4)
        #expect(json["last_status"] as? Int == 200)
        #expect(json["event_id"] as? String == DeliveryJob.eventId(name))
    }

    @Test func aWrongSecretIsDetectedByTheReceiver() throws {
        let server = try PythonReceiver(secret: secret)
        let t = try TempWorkspace(settings: "{\"optout_callback_url\": \"\(server.url)\", \"webhook_secret\": \"not-the-secret\"}")
        try writePending(t, number: "+447911123456", at: 1_790_000_000)
        _ = try pass(t, DeliveryOptions())
        #expect(server.requests.map(\.signatureValid) == [false])
    }

    @Test func a400EndsInFailedWithTheReason() throws {
        let server = try PythonReceiver(plan: ["400"], secret: secret)
        let t = try TempWorkspace(settings: "{\"optout_callback_url\": \"\(server.url)\", \"webhook_secret\": \"\(secret)\"}")
        let name = try writePending(t, number: "+447911123456", at: 1_790_000_000)
        let report = try pass(t, DeliveryOptions())
        #expect(report.failed == 1)
        #expect(t.list("outbox/webhooks/failed") == [name, name + ".attempts", name + ".error.txt"])
        #expect(t.read("outbox/webhooks/failed/\(name).error.txt")?.hasPrefix("\(server.url) answered HTTP 400; not retried") == true)
        #expect(server.requests.count == 1)
    }

    @Test func aRedirectIsNotFollowedAndFails() throws {
        let server = try PythonReceiver(plan: ["307"])
        let t = try TempWorkspace(settings: "{\"optout_callback_url\": \"\(server.url)\"}")
        let name = try writePending(t, number: "+447911123456", at: 1_790_000_000)
        let report = try pass(t, DeliveryOptions())
        #expect(report.failed == 1)
        #expect(server.requests.count == 1)
        #expect(t.read("outbox/webhooks/failed/\(name).error.txt")?.hasPrefix("\(server.url) answered HTTP 307; not retried") == true)
    }

    @Test func credentialsReachTheServerAsBasicAuth() throws {
        let server = try PythonReceiver()
        let url = server.url.replacingOccurrences(of: "http://", with: "http://hook:pw%21x@")
        let t = try TempWorkspace(settings: "{\"optout_callback_url\": \"\(url)\"}")
        try writePending(t, number: "+447911123456", at: 1_790_000_000)
        let report = try pass(t, DeliveryOptions())
        #expect(report.delivered == 1)
        #expect(server.requests.first?.authorization == "Basic " + Data("hook:pw!x".utf8).base64EncodedString())
    }

    @Test func loadIsDeliveredOnceEachInOrderPerNumber() throws {
        let count = 1_000
        let numbers = 250
        let server = try PythonReceiver(secret: secret)
        let t = try TempWorkspace(settings: "{\"optout_callback_url\": \"\(server.url)\", \"webhook_secret\": \"\(secret)\"}")
        var names: [String] = []
        for i in 0..<count {
            names.append(try writePending(t, number: "+4479111\(String(100_000 + i % numbers))", at: 1_790_000_000 + Int64(i)))
        }
        var o = DeliveryOptions()
        o.concurrency = 8
        let started = Date()
        let report = try pass(t, o)
        let seconds = Date().timeIntervalSince(started)
        print("webhook load: \(count) payloads delivered to a local http.server in \(String(format: "%.2f", seconds)) s (\(Int(Double(count) / seconds))/s, 8 connections)")
        #expect(report.delivered == count && report.retrying == 0 && report.failed == 0)
        let received = server.requests
        #expect(received.count == count)
        #expect(Set(received.map(\.eventId)) == Set(names.map(DeliveryJob.eventId)))
        #expect(received.allSatisfy { $0.signatureValid == true })
        // Per number, payloads arrived in the order they were written (timestamps increase).
        var last: [String: String] = [:]
        for request in received {
            let object = try #require(JSONSerialization.jsonObject(with: Data(request.body.utf8)) as? [String: String])
            let number = try #require(object["unsubscribed_number"])
            let time = try #require(object["timestamp"])
            #expect(time > last[number] ?? "")
            last[number] = time
        }
        #expect(t.list("outbox/webhooks/pending").isEmpty)
        #expect(t.list("outbox/webhooks/delivered").count == 2 * count)
    }
}
