// QuietHoursEndToEndTests.swift — issue 16's acceptance, through the real binary with OPTOUT_NOW:
// a list of US numbers across the four continental zones and Hawaii, Florida/Texas/Connecticut
// area codes, a `state` column on some rows, `send_at: 2026-11-29 09:30 America/New_York` (a
// Sunday): which rows go at which UTC time, checked row by row against a table written by hand;
// a French number under a `send_windows` entry with days of the week; an unknown-zone row held
// outside send/; an invalid state skipped; STOPs between the build and the slots removing numbers
// from their later files (a file whose time has passed is left alone). Also: the settings default
// ("next 10:00 ..."), a bad send_at header rejected with its line, and no send_at = no change.
import Foundation
import Testing
@testable import OptoutBase
@testable import OptoutKit
import OptoutTestSupport

@Suite(.serialized) struct QuietHoursEndToEndTests {
    static let settings = """
    { "settle_seconds": 0,
      "send_windows": {"FR": [{"days": "Mon-Fri", "from": "10:00", "to": "18:00"}]} }
    """

    /// name, phone, state: every row's expected fate is in `expected` below.
    static let list = """
    name,phone,state
    Nora,+12125550101,
    Carl,+13125550102,
    Dina,+13035550103,
    Lena,+14155550104,
    Hana,+18085550105,
    Fred,+13055550106,FL
    Tex,+12145550107,
    Connie,+12035550108,
    Tom,+12125550109,TX
    Cora,+13125550110,ct
    Ivan,+14155550111,Texas
    Uma,+15555550123,
    Fran,+33612345678,
    Ugo,+447911123456,

    """

    /// Worked out by hand. Sunday 2026-11-29 09:30 New York (EST, UTC-5) = 14:30Z.
    static let expected: [(file: String, rows: [(String, String)])] = [
        // New York 09:30 (federal 8-21); Chicago 08:30; Miami 09:30 (FL 8-20); Connecticut 09:30
        // (CT 9-20); a UK number (no rule applies) at send_at itself.
        ("20261129T143000Z", [("+12125550101", "Nora"), ("+13125550102", "Carl"), ("+13055550106", "Fred"),
                              ("+12035550108", "Connie"), ("+447911123456", "Ugo")]),
        // Denver 07:30 → 08:00 MST = 15:00Z. Chicago number with state "ct": CT's 9:00 in Chicago
        // (15:00Z) and in New York (14:00Z): the later, 15:00Z.
        ("20261129T150000Z", [("+13035550103", "Dina"), ("+13125550110", "Cora")]),
        // Los Angeles 06:30 → 08:00 PST = 16:00Z.
        ("20261129T160000Z", [("+14155550104", "Lena")]),
        // Honolulu 04:30 → 08:00 HST = 18:00Z; Dallas, Texas on Sunday: noon CST = 18:00Z.
        ("20261129T180000Z", [("+18085550105", "Hana"), ("+12145550107", "Tex")]),
        // New York number with state TX: Texas's Sunday noon in every zone of Texas too (El Paso,
        // Mountain time): 12:00 MST = 19:00Z.
        ("20261129T190000Z", [("+12125550109", "Tom")]),
        // France, send_windows Mon-Fri 10:00-18:00: Sunday 15:30 Paris → Monday 10:00 CET = 09:00Z.
        ("20261130T090000Z", [("+33612345678", "Fran")]),
    ]

    static let template = "list: people\nsend_at: 2026-11-29 09:30 America/New_York\n\nHi {name}, reply STOP to stop\n"

    static func workspace() throws -> (base: String, root: String) {
        let base = NSTemporaryDirectory() + "optout-quiet-" + UUID().uuidString
        let root = base + "/ws"
        _ = try InitJob.run(dir: root)
        try Tree.write("\(root)/inbox/settings.json", settings)
        try Tree.write("\(root)/inbox/lists/people.csv", list)
        return (base, root)
    }

    static func files(_ root: String, _ folder: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: "\(root)/\(folder)")) ?? []).filter { !$0.hasPrefix(".") }.sorted()
    }

    /// Send-file rows (without the header): phone and message.
    static func sendRows(_ path: String) -> [(String, String)] {
        guard let text = Tree.read(path) else { return [] }
        return text.split(separator: "\n").dropFirst().map { line in
            let fields = line.split(separator: ",", maxSplits: 1).map(String.init)
            return (fields[0], fields.count > 1 ? fields[1] : "")
        }
    }

    @Test func rowsGoToTheirLocalSendingTimeAndStopsAfterTheBuildComeOut() throws {
        let (base, root) = try Self.workspace()
        defer { Tree.remove(base) }
        try Tree.write("\(root)/inbox/campaigns/sunday.txt", Self.template)
        let build = try OptoutCLI.runWorkspace(root, now: "2026-11-27T12:00:00Z")
        #expect(build.status == 0, "\(build.stderr)")

        // No ordinary send file: every group, the first included, is in send/later/.
        #expect(!FileManager.default.fileExists(atPath: "\(root)/outbox/send/sunday.csv"))
        #expect(Self.files(root, "outbox/send/later") == Self.expected.map { "sunday@\($0.file).csv" })
        for (file, rows) in Self.expected {
            let got = Self.sendRows("\(root)/outbox/send/later/sunday@\(file).csv")
            #expect(got.count == rows.count, "\(file): \(got)")
            for (i, (phone, name)) in rows.enumerated() where i < got.count {
                #expect(got[i].0 == phone, "\(file) row \(i + 1)")
                #expect(got[i].1 == "\"Hi \(name), reply STOP to stop\",1,GSM-7", "\(file) row \(i + 1)")
            }
            #expect(Tree.read("\(root)/outbox/send/later/sunday@\(file).csv")?.hasPrefix("phone,message,segments,encoding\n") == true)
        }

        // The unknown zone is held in reports/ (outside send/), with its reason; people CSV.
        let held = try #require(Tree.read("\(root)/outbox/reports/sunday-held.csv"))
        #expect(held.hasPrefix("\u{FEFF}line,phone,reason\r\n"))
        #expect(held.contains("13,'+15555550123,time zone unknown for this number while a sending-hours rule applies; not sent (fail closed)\r\n"), "\(held)")
        #expect(held.split(separator: "\r\n").count == 2)
        // Its .xlsx twin holds the same cells (the number as text, no guard apostrophe).
        let heldBook = try SheetWorkbooks.open(path: "\(root)/outbox/reports/sunday-held.xlsx")
        var heldCells: [[String]] = []
        try heldBook.read(heldBook.sheets[0]) { heldCells.append($0.cells) }
        #expect(heldCells == (try WorkbookTwinEndToEndTests.records(Array(held.utf8), unguard: true)))
        #expect(heldCells.last?[1] == "+15555550123")
        // The invalid state is skipped with its reason (fail closed).
        let skipped = try #require(Tree.read("\(root)/outbox/reports/sunday-skipped.csv"))
        #expect(skipped.contains("12,'+14155550111,\"state \"\"Texas\"\" is not a two-letter US state code (e.g. TX); the row's sending hours cannot be checked\"\r\n"), "\(skipped)")

        // The campaign report counts each group and the held rows.
        let report = try #require(Tree.read("\(root)/outbox/reports/sunday.txt"))
        #expect(report.contains("To send:              12\n"), "\(report)")
        #expect(report.contains("Send at:              2026-11-29 09:30 America/New_York (from 2026-11-29T14:30:00Z;"), "\(report)")
        #expect(report.contains("  2026-11-29T14:30:00Z  5 → outbox/send/later/sunday@20261129T143000Z.csv\n"), "\(report)")
        #expect(report.contains("  2026-11-30T09:00:00Z  1 → outbox/send/later/sunday@20261130T090000Z.csv\n"), "\(report)")
        #expect(report.contains("Held:                 1 → outbox/reports/sunday-held.csv"), "\(report)")
        #expect(report.contains("  invalid state:      1\n"), "\(report)")
        // The run page (built from journal facts) counts them too.
        let pages = Self.files(root, "outbox/reports").filter { $0.hasPrefix("run-") }
        #expect(pages.count == 1)
        let page = Tree.read("\(root)/outbox/reports/\(pages.first ?? "")") ?? ""
        #expect(page.contains("<td>  at 2026-11-29T14:30:00Z</td><td class=\"n\" data-k=\"later\">5</td>"), "\(page)")
        #expect(page.contains("<td>  at 2026-11-30T09:00:00Z</td><td class=\"n\" data-k=\"later\">1</td>"))
        #expect(page.contains("<td>held: sending hours unknown</td><td class=\"n\" data-k=\"held\">1</td>"))
        #expect(page.contains("data-k=\"sent\">12</td>"))

        // Saturday: Nora texts STOP. The 14:30Z file loses her; the skipped report says why.
        try Tree.write("\(root)/inbox/stops/sat.csv", "from,text,timestamp\n+12125550101,STOP,2026-11-28T11:00:00Z\n")
        let saturday = try OptoutCLI.runWorkspace(root, now: "2026-11-28T12:00:00Z")
        #expect(saturday.status == 0, "\(saturday.stderr)")
        #expect(Self.sendRows("\(root)/outbox/send/later/sunday@20261129T143000Z.csv").map(\.0)
                == ["+13125550102", "+13055550106", "+12035550108", "+447911123456"])
        let after = try #require(Tree.read("\(root)/outbox/reports/sunday-skipped.csv"))
        #expect(after.hasPrefix(skipped), "the rows already there stay")
        #expect(String(decoding: Array(after.utf8).dropFirst(skipped.utf8.count), as: UTF8.self) == "\"\",'+12125550101,\"opted out after the build (on 2026-11-28T11:00:00Z, TollFree number); removed from outbox/send/later/sunday@20261129T143000Z.csv\"\r\n")
        // The other files are byte for byte as built.
        #expect(Self.sendRows("\(root)/outbox/send/later/sunday@20261129T180000Z.csv").map(\.0) == ["+18085550105", "+12145550107"])

        // Sunday 17:00Z: Carl (14:30Z, already taken by the gateway) and Hana (18:00Z) text STOP.
        try Tree.write("\(root)/inbox/stops/sun.csv", "from,text,timestamp\n+13125550102,STOP,2026-11-29T16:50:00Z\n+18085550105,STOP,2026-11-29T16:55:00Z\n")
        let before1430 = Tree.read("\(root)/outbox/send/later/sunday@20261129T143000Z.csv")
        let sunday = try OptoutCLI.runWorkspace(root, now: "2026-11-29T17:00:00Z")
        #expect(sunday.status == 0, "\(sunday.stderr)")
        #expect(Tree.read("\(root)/outbox/send/later/sunday@20261129T143000Z.csv") == before1430, "a file whose time has passed is left alone")
        #expect(Self.sendRows("\(root)/outbox/send/later/sunday@20261129T180000Z.csv").map(\.0) == ["+12145550107"])
        let last = try #require(Tree.read("\(root)/outbox/reports/sunday-skipped.csv"))
        #expect(last.contains(",'+18085550105,\"opted out after the build (on 2026-11-29T16:55:00Z, TollFree number); removed from outbox/send/later/sunday@20261129T180000Z.csv\"\r\n"))
        #expect(!last.contains(",'+13125550102,"))
        // A run with nothing new changes nothing.
        let again = try OptoutCLI.runWorkspace(root, now: "2026-11-29T17:05:00Z")
        #expect(again.status == 0, "\(again.stderr)")
        #expect(Tree.read("\(root)/outbox/reports/sunday-skipped.csv") == last)
    }

    @Test func theSettingsDefaultSchedulesAndNowInATemplateSendsAtOnce() throws {
        let (base, root) = try Self.workspace()
        defer { Tree.remove(base) }
        try Tree.write("\(root)/inbox/settings.json", "{ \"settle_seconds\": 0, \"send_at\": \"next 10:00 America/New_York\" }")
        try Tree.write("\(root)/inbox/lists/people.csv", "name,phone\nNora,+12125550101\nLena,+14155550104\n")
        try Tree.write("\(root)/inbox/campaigns/friday.txt", "list: people\n\nHi {name}, reply STOP to stop\n")
        try Tree.write("\(root)/inbox/campaigns/asap.txt", "list: people\nsend_at: now\n\nHi {name}, reply STOP to stop\n")
        // Friday 16:00Z = 11:00 New York: "next 10:00" is Saturday 10:00 EST = 15:00Z.
        let run = try OptoutCLI.runWorkspace(root, now: "2026-11-27T16:00:00Z")
        #expect(run.status == 0, "\(run.stderr)")
        #expect(Self.files(root, "outbox/send/later") == ["friday@20261128T150000Z.csv", "friday@20261128T160000Z.csv"])
        #expect(Self.sendRows("\(root)/outbox/send/later/friday@20261128T160000Z.csv").map(\.0) == ["+14155550104"])
        #expect(Self.sendRows("\(root)/outbox/send/asap.csv").map(\.0) == ["+12125550101", "+14155550104"])
        #expect(!FileManager.default.fileExists(atPath: "\(root)/outbox/send/friday.csv"))
    }

    @Test func aBadSendAtRejectsTheTemplateWithItsLine() throws {
        let (base, root) = try Self.workspace()
        defer { Tree.remove(base) }
        try Tree.write("\(root)/inbox/campaigns/bad.txt", "list: people\nsend_at: 2026-11-29 9:30am America/New_York\n\nHi {name}\n")
        let run = try OptoutCLI.runWorkspace(root, now: "2026-11-27T12:00:00Z")
        #expect(run.status == 65, "\(run.stderr)")
        #expect(run.stderr.contains("line 2"), "\(run.stderr)")
        #expect(run.stderr.contains("\"9:30am\" is not a time HH:MM"), "\(run.stderr)")
        #expect(FileManager.default.fileExists(atPath: "\(root)/inbox/campaigns/rejected/bad.txt"))
        #expect(Self.files(root, "outbox/send/later").isEmpty)
    }

    @Test func badSettingsNameTheKey() throws {
        let (base, root) = try Self.workspace()
        defer { Tree.remove(base) }
        try Tree.write("\(root)/inbox/settings.json", "{ \"send_windows\": {\"FR\": [{\"days\": \"Mon-Fri\", \"from\": \"8am\", \"to\": \"18:00\"}]} }")
        let run = try OptoutCLI.runWorkspace(root)
        #expect(run.status == 78, "\(run.stderr)")
        #expect(run.stderr.contains("send_windows.FR[1].from"), "\(run.stderr)")
        try Tree.write("\(root)/inbox/settings.json", "{ \"send_at\": \"tomorrow 10:00 Mars/Olympus\" }")
        let again = try OptoutCLI.runWorkspace(root)
        #expect(again.status == 78, "\(again.stderr)")
        #expect(again.stderr.contains("\"send_at\""), "\(again.stderr)")
    }

    /// Killed at every durability step of a scheduled build (OPTOUT_CRASH_AT), then rerun a day
    /// later, when "next 10:00" means another day: the later folder holds one schedule, never two,
    /// and each recipient once; once any timed file was published, the rerun keeps that schedule
    /// (its start is in the journal).
    @Test func aCrashAtAnyStepThenARerunADayLaterLeavesOneSchedule() throws {
        let base = NSTemporaryDirectory() + "optout-quiet-crash-" + UUID().uuidString
        defer { Tree.remove(base) }
        let pristine = base + "/pristine"
        _ = try InitJob.run(dir: pristine)
        try Tree.write("\(pristine)/inbox/settings.json", "{ \"settle_seconds\": 0, \"send_at\": \"next 10:00 America/New_York\" }")
        try Tree.write("\(pristine)/inbox/lists/people.csv", "name,phone\nNora,+12125550101\nLena,+14155550104\n")
        try Tree.write("\(pristine)/inbox/campaigns/weekend.txt", "list: people\n\nHi {name}, reply STOP to stop\n")
        let friday = "2026-11-27T16:00:00Z", saturday = "2026-11-28T16:30:00Z"
        let first = ["weekend@20261128T150000Z.csv", "weekend@20261128T160000Z.csv"]
        let second = ["weekend@20261129T150000Z.csv", "weekend@20261129T160000Z.csv"]

        let counted = base + "/counted"
        try Tree.copy(pristine, to: counted)
        let countFile = base + "/steps.txt"
        let reference = try OptoutCLI.runWorkspace(counted, now: friday, environment: ["OPTOUT_CRASH_COUNT_FILE": countFile])
        #expect(reference.status == 0, "\(reference.stderr)")
        #expect(Self.files(counted, "outbox/send/later") == first)
        let steps = Int((Tree.read(countFile) ?? "").split(separator: "\n").first ?? "") ?? 0
        #expect(steps > 5)
        for n in 1...max(steps, 1) {
            let root = "\(base)/crash-\(n)"
            defer { Tree.remove(root) }
            try Tree.copy(pristine, to: root)
            let crashed = try OptoutCLI.runWorkspace(root, now: friday, environment: ["OPTOUT_CRASH_AT": String(n)])
            #expect(crashed.killed, "step \(n): not killed (exit \(crashed.status))")
            let published = !Self.files(root, "outbox/send/later").isEmpty
            let rerun = try OptoutCLI.runWorkspace(root, now: saturday)
            #expect(rerun.status == 0, "step \(n): rerun exited \(rerun.status): \(rerun.stderr)")
            let files = Self.files(root, "outbox/send/later")
            #expect(files == first || files == second, "step \(n): \(files)")
            if published { #expect(files == first, "step \(n): a published schedule must be kept: \(files)") }
            let phones = files.flatMap { Self.sendRows("\(root)/outbox/send/later/\($0)").map(\.0) }.sorted()
            #expect(phones == ["+12125550101", "+14155550104"], "step \(n): \(phones)")
        }
    }

    /// A STOP after the build, the run killed at every durability step, then rerun: the number is
    /// out of its timed file and in the skipped report exactly once.
    @Test func aCrashWhileRefilteringLeavesTheNumberOutOnceReported() throws {
        let base = NSTemporaryDirectory() + "optout-quiet-refilter-" + UUID().uuidString
        defer { Tree.remove(base) }
        let pristine = base + "/pristine"
        _ = try InitJob.run(dir: pristine)
        try Tree.write("\(pristine)/inbox/settings.json", "{ \"settle_seconds\": 0, \"send_at\": \"next 10:00 America/New_York\" }")
        try Tree.write("\(pristine)/inbox/lists/people.csv", "name,phone\nNora,+12125550101\nNed,+12125550102\n")
        try Tree.write("\(pristine)/inbox/campaigns/weekend.txt", "list: people\n\nHi {name}, reply STOP to stop\n")
        let built = try OptoutCLI.runWorkspace(pristine, now: "2026-11-27T16:00:00Z")
        #expect(built.status == 0, "\(built.stderr)")
        try Tree.write("\(pristine)/inbox/stops/sat.csv", "from,text,timestamp\n+12125550101,STOP,2026-11-28T11:00:00Z\n")
        let saturday = "2026-11-28T12:00:00Z"
        let counted = base + "/counted"
        try Tree.copy(pristine, to: counted)
        let countFile = base + "/steps.txt"
        let reference = try OptoutCLI.runWorkspace(counted, now: saturday, environment: ["OPTOUT_CRASH_COUNT_FILE": countFile])
        #expect(reference.status == 0, "\(reference.stderr)")
        let later = "outbox/send/later/weekend@20261128T150000Z.csv"
        #expect(Self.sendRows("\(counted)/\(later)").map(\.0) == ["+12125550102"])
        let steps = Int((Tree.read(countFile) ?? "").split(separator: "\n").first ?? "") ?? 0
        #expect(steps > 3)
        for n in 1...max(steps, 1) {
            let root = "\(base)/crash-\(n)"
            defer { Tree.remove(root) }
            try Tree.copy(pristine, to: root)
            let crashed = try OptoutCLI.runWorkspace(root, now: saturday, environment: ["OPTOUT_CRASH_AT": String(n)])
            #expect(crashed.killed, "step \(n): not killed (exit \(crashed.status))")
            let rerun = try OptoutCLI.runWorkspace(root, now: saturday)
            #expect(rerun.status == 0, "step \(n): \(rerun.stderr)")
            #expect(Self.sendRows("\(root)/\(later)").map(\.0) == ["+12125550102"], "step \(n)")
            let skipped = Tree.read("\(root)/outbox/reports/weekend-skipped.csv") ?? ""
            #expect(skipped.components(separatedBy: "'+12125550101,").count == 2, "step \(n): \(skipped)")
        }
    }
}
