// Webhook payload files written in a batch (issue 13): the names and bytes built in reused byte
// buffers equal `fileName` and `body` (the SMS.to shape), for both sources, far times and long
// numbers; a second write adds nothing; imports get no payload.

import Testing
import Foundation
import OptoutBase
import OptoutPhone
@testable import OptoutKit
import OptoutTestSupport

@Suite struct WebhookPayloadsTests {
    @Test func batchFilesEqualTheNamesAndBodiesOfEachOptOut() throws {
        let t = try TempWorkspace()
        let ws = Workspace(root: t.root)
        try Durable.makeDirectory(ws.webhooksPending)
        let parser = PhoneNumberParser(defaultRegion: "GB")
        let numbers = try ["07700900123", "+12025550123", "+8613800138000", "+49301234567890"].map { try #require(try? parser.parse($0).get()) }
        let times: [Int64] = [0, 1_764_178_845, 1_764_178_845 + 86_399, 951_782_400, Int64.max, -5]
        var optOuts: [AppliedOptOut] = []
        for (i, number) in numbers.enumerated() {
            for (j, time) in times.enumerated() {
                let source: EventSource = [.reply, .link, .import][(i + j) % 3]
                optOuts.append(AppliedOptOut(seq: Int64(optOuts.count + 1), number: number, time: Timestamp(seconds: time), source: source))
            }
        }
        let expected = optOuts.compactMap { o in WebhookPayloads.body(o).map { (WebhookPayloads.fileName(o), $0) } }
        #expect(expected.count == 16)    // imports left out
        #expect(try WebhookPayloads.write(optOuts, workspace: ws) == expected.count)
        let names = try FileManager.default.contentsOfDirectory(atPath: ws.webhooksPending).sorted()
        #expect(names == expected.map(\.0).sorted())
        for (name, body) in expected {
            #expect(try String(contentsOfFile: "\(ws.webhooksPending)/\(name)", encoding: .utf8) == body)
        }
        #expect(expected.contains { $0.1 == "{\"timestamp\": \"2025-11-26T17:40:45Z\", \"unsubscribed_number\": \"+447700900123\", \"source\": \"Optout Link\"}" })
        #expect(try WebhookPayloads.write(optOuts, workspace: ws) == 0)
    }
}
