// The crash test: a realistic day-two workspace (lists with duplicates and bad rows, two
// campaigns one with {optout}, STOP logs with STOP/START/HELP, a suppression import, a page log
// confirming a link, and a link preview's confirmation held for review) processed by the real `optout` executable, killed with SIGKILL at every
// durability step the uninterrupted run reaches (OPTOUT_CRASH_AT, labels from OPTOUT_CRASH_COUNT_FILE; see CrashPoints) and run again: the outbox, the inbox's
// processed/rejected folders and the ledger must equal those of an uninterrupted run.

import Foundation
import Synchronization
import Testing
@testable import OptoutBase
@testable import OptoutKit
@testable import OptoutPhone
import OptoutTestSupport

/// A workspace as a real account has it on its second day, built once per test in `base`.
enum CrashFixture {
    static let settings = """
    // crash test settings
    { "default_country": "GB", "optout_link_base": "https://example.com/u/", "allow_example_links": true, "max_segments": 3,
      "settle_seconds": 0, "confirmation_replies": true,
      "unsubscription_reports": { "email": ["compliance@example.com"], "sms": ["+447911000001"] } }
    """

    static let customers = "\u{FEFF}First Name;Mobile;City\r\n" + [
        "Amelia;+44 7911 123456;London",
        "Oliver;07700 900123;Leeds",
        "Jack;07911123456;Leeds",            // duplicate of Amelia
        "Isla;12345;Glasgow",                // invalid
        "Noah;4.47701E+11;Cardiff",          // spreadsheet damage
        ";07700 900789;York",
        "Harry;07700 900321;Bath",
        "Ava;07700 900401;Hull",
        "Leo;07700 900402;Hull",
        "Mia;07700 900403;Derby",
        "",
        "Ella;07700 900404;Derby",
        "Ella again;+447700900404;Derby",    // duplicate
    ].joined(separator: "\r\n") + "\r\n"

    static let vip = "name,phone\nZoe,07700 900501\nMax,07700 900502\nZoe,07700 900501\nBad,0770\nKai,07700 900503\n"

    /// Builds the template: day one (a campaign with links) run through the CLI, then day two's inputs.
    static func build(at root: String) throws {
        _ = try InitJob.run(dir: root)
        let ws = Workspace(root: root)
        try Tree.write(ws.settingsFile, settings)
        try Durable.writeFile(ws.linkKeyFile, Array(repeating: 7, count: 32), mode: 0o600)
        try Tree.write("\(root)/inbox/lists/customers.csv", customers)
        try Tree.write("\(root)/inbox/campaigns/spring.txt", "list: customers\nsender: ACME\n\nHi {first_name|there}, spring sale! {optout}\n")
        let day1 = try OptoutCLI.runWorkspace(root, now: "2026-11-25T09:00:00Z")
        guard day1.status == 0 else { throw CocoaError(.fileReadUnknown, userInfo: ["stderr": day1.stderr]) }
        // Tokens issued on day one, by number.
        var tokens: [String: String] = [:]
        for line in (Tree.read("\(root)/outbox/links/spring.csv") ?? "").split(separator: "\n").dropFirst() {
            let cells = line.split(separator: ",").map(String.init)
            if cells.count >= 2 { tokens[cells[0]] = cells[1] }
        }
        guard let mia = tokens["+447700900403"], let leo = tokens["+447700900402"] else { throw CocoaError(.fileReadUnknown) }

        try Tree.write("\(root)/inbox/lists/vip.csv", vip)
        try Tree.write("\(root)/inbox/campaigns/sale.txt", "list: customers\nsender: ACME\n\nHi {first_name|there}, 20% off this weekend! Opt out: {optout}\n")
        try Tree.write("\(root)/inbox/campaigns/notice.txt", "list: vip\nsender: ACME\n\nHi {name}, the VIP evening is on Friday. Reply STOP to opt out.\n")
        try Tree.write("\(root)/inbox/stops/tollfree-1.csv", """
        from,timestamp,text
        +447700900321,2026-11-25T18:02:11Z,Stop
        +447700900555,2026-11-25T19:15:40Z,help
        07700 900401,2026-11-25T19:20:00Z,STOP
        07700 900401,2026-11-25T20:20:00Z,START
        07700 900502,2026-11-25T21:00:00Z,unsubscribe
        not a number,2026-11-25T21:01:00Z,STOP

        """)
        try Tree.write("\(root)/inbox/stops/tollfree-2.csv", """
        from,timestamp,text
        +447700900123,2026-11-26T08:00:00Z,stop
        +447700900321,2026-11-26T08:05:00Z,STOP
        +447700900789,2026-11-26T08:10:00Z,Stop all
        +447700900503,2026-11-26T08:11:00Z,cancel
        +447700900601,2026-11-26T08:12:00Z,STOP

        """)
        try Tree.write("\(root)/inbox/suppressions/old-platform.csv", "Mobile,Unsubscribed At,Channel\n07700 900888,02/10/2026 14:12,sms\n07700 900501,03/10/2026 10:00,sms\n")
        try Tree.write("\(root)/inbox/clicks/pages.csv", """
        time,url,action,user_agent,ip
        2026-11-26 07:00:00,https://example.com/u/\(mia),view,\(browserAgent),198.51.100.7
        2026-11-26 07:00:30,https://example.com/u/\(mia),confirm,\(browserAgent),198.51.100.7
        2026-11-26 07:01:00,https://example.com/u/\(leo),view,\(browserAgent),198.51.100.8
        2026-11-26 07:02:00,https://example.com/u/\(leo),confirm,Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html),66.249.66.1

        """)
    }
}

@Suite(.serialized) struct CrashTests {
    /// Steps of an uninterrupted run, from OPTOUT_CRASH_COUNT_FILE (the count, then "<n> <label>"
    /// per step): each step's label, in order. Step n is the crash point OPTOUT_CRASH_AT=n.
    static func countSteps(_ root: String, scratch: String) throws -> [String] {
        let countFile = scratch + "/steps.txt"
        let run = try OptoutCLI.runWorkspace(root, environment: ["OPTOUT_CRASH_COUNT_FILE": countFile])
        // 65: the fixture's "not a number" STOP has no valid sender (issue 10: review and 65).
        #expect(run.status == 65, "uninterrupted run: \(run.stderr)")
        #expect(run.stderr.contains("tollfree-1.csv:7: error: sender \"not a number\" is not a phone number"))
        let lines = (Tree.read(countFile) ?? "").split(separator: "\n").map(String.init)
        let count = Int(lines.first ?? "") ?? 0
        var labels: [String] = []
        for (i, line) in lines.dropFirst().enumerated() {
            let parts = line.split(separator: " ", maxSplits: 1).map(String.init)
            #expect(parts.count == 2 && parts[0] == String(i + 1), "count file line \(i + 2): \(line)")
            labels.append(parts.count == 2 ? parts[1] : line)
        }
        #expect(labels.count == count, "the count file says \(count) steps and labels \(labels.count)")
        return labels
    }

    /// Every crash-point label the sources declare (`CrashPoints.step("…")` / `.append("…")`).
    static func declaredLabels() throws -> Set<String> {
        let sources = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Sources").path
        let pattern = try NSRegularExpression(pattern: #"CrashPoints\.(?:step|append)\("([^"]+)""#)
        var labels = Set<String>()
        for file in Tree.files(under: sources) where file.hasSuffix(".swift") {
            let text = try String(contentsOfFile: sources + "/" + file, encoding: .utf8)
            for match in pattern.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
                if let range = Range(match.range(at: 1), in: text) { labels.insert(String(text[range])) }
            }
        }
        return labels
    }

    @Test func killedAtEveryDurabilityStepTheRerunEqualsAnUninterruptedRun() throws {
        if let reason = OptoutCLI.missingReason { print(reason); return }
        let base = NSTemporaryDirectory() + "optout-crash-" + UUID().uuidString
        defer { Tree.remove(base) }
        let template = base + "/template"
        try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
        try CrashFixture.build(at: template)

        // The reference: one uninterrupted run (counting its steps), then a second that must change nothing.
        let referenceRoot = base + "/reference"
        try Tree.copy(template, to: referenceRoot)
        let labels = try Self.countSteps(referenceRoot, scratch: base)
        let reference = try WorkspaceSnapshot(root: referenceRoot)
        #expect(reference.temps.isEmpty)
        #expect(reference.files.keys.contains { $0.hasPrefix("outbox/send/sale") })
        #expect(reference.files.keys.contains { $0.hasPrefix("outbox/webhooks/pending/") })
        #expect(reference.files["inbox/clicks/processed/pages.csv"] != nil)
        #expect(reference.files["outbox/reports/review-20261126T120000Z.csv"] != nil, "the day-two workspace opens a review item")
        #expect(!reference.linkIndex.isEmpty && reference.ledger.count >= 10)
        // One run report page per run (issue 15 item 4), day two's with the funnels of both campaigns, and the index linking it.
        let page = String(decoding: reference.files["outbox/reports/run-20261126T120000Z.html"] ?? [], as: UTF8.self)
        #expect(page.contains("data-campaign=\"sale\"") && page.contains("data-campaign=\"notice\""), "run page: \(page.prefix(300))")
        #expect(String(decoding: reference.files["outbox/reports/index.html"] ?? [], as: UTF8.self).contains("<a href=\"run-20261126T120000Z.html\">"))
        #expect(reference.files.keys.filter { $0.hasPrefix("outbox/reports/run-") }.sorted() == ["outbox/reports/run-20261125T090000Z.html", "outbox/reports/run-20261126T120000Z.html"], "one page per run that did something (day one, day two)")
        _ = try OptoutCLI.runWorkspace(referenceRoot)
        #expect(try WorkspaceSnapshot(root: referenceRoot) == reference, "a second run changed the outbox")
        #expect(labels.count >= 50, "only \(labels.count) durability steps: the workspace is too small for 50 crash points")
        // The run reaches every kind of crash point the sources declare (a new one the fixture
        // does not reach fails here, not silently).
        let declared = try Self.declaredLabels()
        #expect(declared.count >= 10, "crash-point labels found in Sources: \(declared.sorted())")
        #expect(declared.subtracting(labels).isEmpty, "crash points the day-two run never reaches: \(declared.subtracting(labels).sorted())")

        // Every step the uninterrupted run reached is a crash point (all of them, not a sample);
        // a second crash in the recovery run cycles through the first step of each label.
        let points = Array(labels.indices.map { $0 + 1 })
        let firstOfEachLabel = labels.indices.filter { labels.firstIndex(of: labels[$0]) == $0 }.map { $0 + 1 }
        let failures = Mutex<[String]>([])
        let started = Date()
        DispatchQueue.concurrentPerform(iterations: points.count) { i in
            let n = points[i]
            let root = "\(base)/crash-\(n)"
            defer { Tree.remove(root) }
            func fail(_ text: String) { failures.withLock { $0.append("crash at step \(n) (\(labels[n - 1])): \(text)") } }
            do {
                try Tree.copy(template, to: root)
                let crashed = try OptoutCLI.runWorkspace(root, environment: ["OPTOUT_CRASH_AT": String(n)])
                if !crashed.killed { fail("not killed (exit \(crashed.status)) \(crashed.stderr)"); return }
                let visible = Tree.files(under: root + "/outbox").filter { !Durable.baseName($0).hasPrefix(".") && $0.contains(".tmp-") }
                if !visible.isEmpty { fail("visible temp files after the crash: \(visible)") }
                for attempt in ["rerun", "third run"] {
                    let again = try OptoutCLI.runWorkspace(root)
                    if again.killed || (again.status != 0 && again.status != 65) { fail("\(attempt) exited \(again.status): \(again.stderr)") }
                    let diffs = try WorkspaceSnapshot(root: root).differences(from: reference)
                    if !diffs.isEmpty { fail("after the \(attempt): " + diffs.joined(separator: "; ")) }
                }
            } catch {
                fail("\(error)")
            }
            // Every third point: killed again during the recovery run (at the first step of one
            // of the labels, in turn), then a last run must still end equal to the reference.
            guard n % 3 == 0 else { return }
            let twice = "\(base)/twice-\(n)"
            let second = firstOfEachLabel[(n / 3) % firstOfEachLabel.count]
            defer { Tree.remove(twice) }
            do {
                try Tree.copy(template, to: twice)
                _ = try OptoutCLI.runWorkspace(twice, environment: ["OPTOUT_CRASH_AT": String(n)])
                _ = try OptoutCLI.runWorkspace(twice, environment: ["OPTOUT_CRASH_AT": String(second)])
                let last = try OptoutCLI.runWorkspace(twice)
                if last.killed || (last.status != 0 && last.status != 65) { fail("after a second crash at \(second): exited \(last.status): \(last.stderr)") }
                let diffs = try WorkspaceSnapshot(root: twice).differences(from: reference)
                if !diffs.isEmpty { fail("after a second crash at \(second): " + diffs.joined(separator: "; ")) }
            } catch {
                fail("\(error)")
            }
        }
        let seconds = Date().timeIntervalSince(started)
        print("crash test: \(points.count) crash points (every durability step of the run), 3 runs each, and \(points.count / 3) double crashes, in \(String(format: "%.1f", seconds)) s")
        let found = failures.withLock { $0 }
        #expect(found.isEmpty, Comment(rawValue: "\(found.count) crash points differ:\n" + found.sorted().prefix(40).joined(separator: "\n")))
    }
}
