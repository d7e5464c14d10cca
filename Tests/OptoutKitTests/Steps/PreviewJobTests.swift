// Previews (issue 14 item 3), end to end with the real binary: a template in inbox/previews/ gives
// outbox/previews/<name>.html and .txt and stays; nothing is sent, consumed or recorded (no send
// file, link index, link key or journal claim); the same file dropped into inbox/campaigns/ sends
// what the preview said (counts, skips by reason, segments; after the send made the link key, the
// very messages). A preview is rebuilt only when its template, list, settings or ledger changed.
// The page is rendered in headless chromium (skips with a reason when missing; fails under CI=true).

import Foundation
import Testing
@testable import OptoutBase
@testable import OptoutKit
import OptoutTestSupport

@Suite(.serialized) struct PreviewJobTests {
    static let settings = """
    { "default_country": "GB", "settle_seconds": 0, "price_per_segment": 0.05, "max_segments": 2,
      "optout_link_base": "https://stop.acme-shop.co.uk/o/" }
    """
    static let template = "list: customers\n\nHi {name}, our winter sale starts today: 20% off everything. Opt out: {optout}\n"

    /// A list with duplicates, an invalid number, an opted-out number, UCS-2 names (one too long).
    static func workspace() throws -> TempWorkspace {
        let t = try TempWorkspace(settings: settings)
        var list = "name,phone\n"
        for i in 1...30 { list += "Customer \(i),077009\(String(format: "%05d", i))\n" }
        list += "Zoë,07700900031\nDup,07700900002\nBad,12345\nOptedOut,07700900040\n"
        list += "Zoë \(String(repeating: "Ünïcödé ", count: 20)),07700900041\n,\n"
        try t.write("inbox/lists/customers.csv", list)
        try t.write("inbox/stops/log.csv", "from,timestamp,text\n+447700900040,2026-11-25T18:02:11Z,STOP\n")
        return t
    }

    static func run(_ t: TempWorkspace, now: String = "2026-11-26T12:00:00Z") throws -> OptoutCLI.Result {
        let result = try OptoutCLI.runWorkspace(t.root, now: now)
        #expect(result.status == 0, "exit \(result.status): \(result.stderr)")
        return result
    }

    /// "  label:   value" lines of a campaign report, from "Rows read:" to "Segments:".
    static func figures(_ report: String) -> [String] {
        let lines = report.components(separatedBy: "\n")
        guard let start = lines.firstIndex(where: { $0.hasPrefix("Rows read:") }),
              let end = lines.firstIndex(where: { $0.hasPrefix("Segments:") }) else { return [] }
        return Array(lines[start...end]) + lines.filter { $0.hasPrefix("UCS-2:") || $0.hasPrefix("Cost:") }
    }

    @Test func aPreviewAndTheRealSendAgree() throws {
        guard OptoutCLI.missingReason == nil else { Issue.record(Comment(rawValue: OptoutCLI.missingReason!)); return }
        let t = try Self.workspace()
        try t.write("inbox/previews/winter.txt", Self.template)
        _ = try Self.run(t)
        // The preview, and nothing else of a campaign.
        #expect(t.list("inbox/previews") == ["winter.txt"])
        #expect(t.list("outbox/previews") == ["winter.html", "winter.txt"])
        #expect(t.list("outbox/send").isEmpty && t.list("outbox/links").isEmpty)
        #expect(!t.exists(".optout/links.tsv") && !t.exists(".optout/link.key"))
        #expect(!(t.read(".optout/journal.tsv") ?? "").contains("winter"))
        let preview = try #require(t.read("outbox/previews/winter.txt"))
        let page = try #require(t.read("outbox/previews/winter.html"))
        #expect(preview.contains("no usable link key yet"))
        // Counts: 36 rows; 30 + Zoë to send; a duplicate, an invalid, an opted-out, a too long, a blank.
        #expect(preview.contains("To send:              31"))
        #expect(page.contains("data-k=\"sent\">31<") && page.contains("data-k=\"rows-read\">36<"))
        #expect(page.contains("data-skip=\"opted out\">1<") && page.contains("data-skip=\"message too long\">1<"))
        #expect(page.components(separatedBy: "<tr class=\"message\">").count - 1 == 20)
        // The UCS-2 culprits, named with what they cost.
        #expect(preview.contains("\"ë\" U+00EB (2 messages)"), "\(preview)")
        #expect(page.contains("id=\"ucs2\""))

        // The same file sent.
        try t.write("inbox/campaigns/winter.txt", Self.template)
        _ = try Self.run(t, now: "2026-11-26T12:05:00Z")
        let report = try #require(t.read("outbox/reports/winter.txt"))
        #expect(!Self.figures(report).isEmpty)
        #expect(Self.figures(preview) == Self.figures(report), "preview:\n\(Self.figures(preview))\nsend:\n\(Self.figures(report))")
        #expect(report.contains("\"ë\" U+00EB") && !report.contains("Warnings:\n  none"))
        let sent = t.rows("outbox/send/winter.csv")
        #expect(sent.count == 31)
        // Segments per message: the preview's histogram is the send file's.
        var histogram: [String: Int] = [:]
        for row in sent { histogram[row[2], default: 0] += 1 }
        for (segments, n) in histogram {
            #expect(page.contains("data-segments=\"\(segments)\" data-messages=\"\(n)\""), "\(segments) segments: \(n)")
        }
        // Skipped rows: the same lines and reasons (first 20 of the preview).
        let skipped = t.rows("outbox/reports/winter-skipped.csv")
        for row in skipped { #expect(preview.contains("line \(row[0]), \(row[1].isEmpty ? "(no number)" : row[1].replacingOccurrences(of: "'", with: "")): \(row[2])"), "\(row)") }

        // The link key now exists: the preview is rebuilt (its inputs changed) with the real links.
        _ = try Self.run(t, now: "2026-11-26T12:10:00Z")
        let again = try #require(t.read("outbox/previews/winter.txt"))
        #expect(!again.contains("no usable link key yet"))
        for row in sent.prefix(20) {
            #expect(again.contains("  line") && again.contains("    \(row[1])\n"), "message of \(row[0]) not in the preview")
        }
        #expect(Self.figures(again) == Self.figures(report))
        #expect(t.rows("outbox/send/winter.csv").count == 31)  // the preview sent nothing more
        #expect(t.list("outbox/send") == ["winter.csv"])
    }

    @Test func aPreviewIsRebuiltOnlyWhenItsInputsChange() throws {
        guard OptoutCLI.missingReason == nil else { Issue.record(Comment(rawValue: OptoutCLI.missingReason!)); return }
        let t = try Self.workspace()
        try t.write("inbox/previews/winter.txt", Self.template)
        _ = try Self.run(t)
        let marker = "<!-- not rebuilt -->"
        func mark() throws { try t.write("outbox/previews/winter.html", marker) }
        func rebuilt() -> Bool { t.read("outbox/previews/winter.html") != marker }
        try mark()
        _ = try Self.run(t, now: "2026-11-26T12:01:00Z")
        #expect(!rebuilt(), "rebuilt with nothing changed")
        // The list changed.
        try t.write("inbox/lists/customers.csv", (t.read("inbox/lists/customers.csv") ?? "") + "New,07700900099\n")
        _ = try Self.run(t, now: "2026-11-26T12:02:00Z")
        #expect(rebuilt() && (t.read("outbox/previews/winter.txt") ?? "").contains("To send:              32"))
        // The ledger changed: an opt-out arrived.
        try mark()
        try t.write("inbox/stops/log2.csv", "from,timestamp,text\n+447700900099,2026-11-26T12:02:30Z,STOP\n")
        _ = try Self.run(t, now: "2026-11-26T12:03:00Z")
        #expect(rebuilt() && (t.read("outbox/previews/winter.txt") ?? "").contains("To send:              31"))
        // Settings changed.
        try mark()
        try t.write("inbox/settings.json", Self.settings.replacingOccurrences(of: "0.05", with: "0.07"))
        _ = try Self.run(t, now: "2026-11-26T12:04:00Z")
        #expect(rebuilt() && (t.read("outbox/previews/winter.txt") ?? "").contains("at 0.07 per segment"))
        // The template changed.
        try mark()
        try t.write("inbox/previews/winter.txt", Self.template.replacingOccurrences(of: "20%", with: "30%"))
        _ = try Self.run(t, now: "2026-11-26T12:05:00Z")
        #expect(rebuilt() && (t.read("outbox/previews/winter.txt") ?? "").contains("30% off"))
        // An output deleted.
        try FileManager.default.removeItem(atPath: t.root + "/outbox/previews/winter.txt")
        try mark()
        _ = try Self.run(t, now: "2026-11-26T12:06:00Z")
        #expect(rebuilt() && t.exists("outbox/previews/winter.txt"))
        #expect(t.list("inbox/previews") == ["winter.txt"])
    }

    @Test func aTemplateThatWouldBeRejectedGetsAPreviewSayingWhyAndStays() throws {
        guard OptoutCLI.missingReason == nil else { Issue.record(Comment(rawValue: OptoutCLI.missingReason!)); return }
        let t = try Self.workspace()
        try t.write("inbox/previews/bad.txt", "list: customers\n\nHi {nickname}, reply STOP to opt out\n")
        try t.write("inbox/previews/notes.md", "not a template")
        let result = try Self.run(t)
        #expect(t.list("inbox/previews") == ["bad.txt", "notes.md"])
        let text = try #require(t.read("outbox/previews/bad.txt"))
        #expect(text.contains("would be rejected") && text.contains("unknown placeholder {nickname}"), "\(text)")
        #expect((t.read("outbox/previews/bad.html") ?? "").contains("id=\"rejected\""))
        #expect(!t.exists("outbox/previews/notes.html"))
        #expect(t.list("inbox/campaigns/rejected").isEmpty)
        _ = result
    }

    @Test func aPreviewThatStaysIsNoWorkWaiting() throws {
        let t = try Self.workspace()
        #expect(t.exists("inbox/previews") && t.exists("outbox/previews"))  // optout init made them
        #expect(!t.exists("inbox/previews/processed") && !t.exists("inbox/previews/rejected"))
        try t.run()
        try t.write("inbox/previews/winter.txt", Self.template)
        #expect(!WatchRetry.somethingToRetry(t.ws, lastPassFailed: false))  // watch does not loop on it
        let status = try StatusJob.collect(root: t.root)
        #expect(!status.waiting.contains { $0.0 == "previews" })
        let report = try t.run()
        #expect(report.previews.count == 1 && report.previews[0].hasPrefix("preview winter: 31 to send, 5 skipped"))
        #expect(try t.run().previews.isEmpty)  // nothing changed: not rebuilt, nothing said
    }

    @Test func twoTemplatesWithOnePreviewNameAreNotBothPreviewed() throws {
        let t = try Self.workspace()
        try t.write("inbox/previews/spring sale.txt", Self.template)
        try t.write("inbox/previews/spring_sale.txt", Self.template.replacingOccurrences(of: "20%", with: "30%"))
        let report = try t.run()
        #expect(report.diagnostics.contains { $0.message.contains("spring sale.txt has the preview name \"spring_sale\" already") })
        #expect((t.read("outbox/previews/spring_sale.txt") ?? "").contains("20% off"))
        #expect(try t.run().previews.isEmpty)  // no rebuild back and forth
    }

    @Test func aPreviewThatCannotBeWrittenIsAnErrorNotAStop() throws {
        guard OptoutCLI.missingReason == nil else { Issue.record(Comment(rawValue: OptoutCLI.missingReason!)); return }
        let t = try Self.workspace()
        try t.write("inbox/previews/winter.txt", Self.template)
        try FileManager.default.createDirectory(atPath: t.root + "/outbox/previews/winter.html", withIntermediateDirectories: true)
        let result = try OptoutCLI.runWorkspace(t.root)
        #expect(result.status == 0)
        #expect(result.stderr.contains("inbox/previews/winter.txt") && result.stderr.contains("not previewed"), "\(result.stderr)")
        #expect((t.read("outbox/suppressions.csv") ?? "").contains("+447700900040"))  // the run's work went on
        #expect(t.exists(".optout/last-run.json"))
    }

    @Test func aSingleNumberCampaignIsPreviewedToo() throws {
        let t = try Self.workspace()
        try t.write("inbox/previews/one.txt", "to: 07700 900123\n\nYour order is ready. Reply STOP to opt out\n")
        try t.run()
        let text = try #require(t.read("outbox/previews/one.txt"))
        #expect(text.contains("To send:              1") && text.contains("line 1, +447700900123, 1 segment GSM-7:"), "\(text)")
        #expect(t.list("outbox/send").isEmpty)
    }

    @Test func thePreviewPageRendersInChromium() throws {
        guard OptoutCLI.missingReason == nil else { Issue.record(Comment(rawValue: OptoutCLI.missingReason!)); return }
        let ci = ProcessInfo.processInfo.environment["CI"] == "true"
        guard let chromium = RunReportPageTests.tool(["chromium", "chromium-browser", "google-chrome"]),
              let python = RunReportPageTests.tool(["python3"]) else {
            if ci { Issue.record("chromium or python3 is missing under CI=true (.ci/run installs chromium)") } else {
                print("skipped: headless chromium or python3 not found (apt-get install -y chromium)")
            }
            return
        }
        let t = try Self.workspace()
        try t.write("inbox/previews/winter.txt", Self.template)
        _ = try Self.run(t)
        let page = try #require(t.read("outbox/previews/winter.html"))
        for banned in ["<script", "src=", "@import", "url("] { #expect(!page.contains(banned), "\(banned)") }
        try Tree.write(t.root + "/png-stats.py", RunReportPageTests.pngStats)
        let keep = ProcessInfo.processInfo.environment["OPTOUT_KEEP_SCREENSHOTS"]
        for size in ["390,2400", "1280,1800"] {
            let shot = t.root + "/preview-\(size.replacingOccurrences(of: ",", with: "x")).png"
            let (status, log) = try RunReportPageTests.run(chromium, ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--enable-logging=stderr", "--v=0",
                                                                      "--user-data-dir=\(t.root)/chrome-profile", "--window-size=\(size)", "--screenshot=\(shot)",
                                                                      "file://\(t.root)/outbox/previews/winter.html"])
            #expect(status == 0, "chromium exited \(status): \(log)")
            let consoleErrors = log.split(separator: "\n").filter { $0.contains("CONSOLE") || $0.contains("Uncaught") || $0.contains("Failed to load resource") }
            #expect(consoleErrors.isEmpty, "\(consoleErrors)")
            let (pyStatus, stats) = try RunReportPageTests.run(python, [t.root + "/png-stats.py", shot])
            let fields = stats.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: " ").map(String.init)
            #expect(pyStatus == 0 && fields.count == 4, "\(stats)")
            guard fields.count == 4 else { continue }
            #expect((Int(fields[2]) ?? 0) > 8, "only \(fields[2]) colours: blank screenshot")
            #expect((Double(fields[3]) ?? 1) < 0.995, "one colour covers \(fields[3]) of the screenshot: blank")
            if let keep { _ = try? RunReportPageTests.run("/bin/cp", [shot, keep + "/" + Durable.baseName(shot)]) }
        }
    }
}
