// The campaign's publish tail (issue 13), through the real `optout` executable: the skipped rows'
// twin is built on a thread of its own from the skipped temp file and published in table order
// (links, report, skipped, twin, send last). When the twin cannot be published, the run stops at
// it: the files before it are published, the send file never appears, no temp file is left in
// outbox/, and the keys file was durable first; once the cause is gone, the next run publishes
// the campaign whole, its twin byte-identical to an undisturbed run's. A twin whose build fails
// (OPTOUT_PAUSE_AT="campaign twin", its input cut meanwhile) stops the run before the skipped rows.

import Foundation
import Testing
@testable import OptoutBase
@testable import OptoutKit
import OptoutTestSupport

@Suite(.serialized) struct CampaignTailTests {
    static let settings = "{\"default_country\": \"GB\", \"settle_seconds\": 0, \"optout_link_base\": \"https://ex.co/u/\"}"

    static func workspace() throws -> TempWorkspace {
        let t = try TempWorkspace(settings: settings)
        try t.write("inbox/lists/customers.csv", "name,phone\nAmy,07700900111\nBen,07700900112\nBad,0770\nDup,+447700900111\nCat,07700900113\n")
        try t.write("inbox/campaigns/sale.txt", "list: customers\nsender: ACME\n\nHi {name}, sale! Reply STOP or {optout}\n")
        return t
    }

    @Test func aTwinThatCannotBePublishedStopsThePublishBeforeTheSendFile() throws {
        guard cliAvailable() else { return }
        let reference = try Self.workspace()
        let clean = try OptoutCLI.runWorkspace(reference.root)
        #expect(clean.status == 0, "\(clean.stderr)")
        #expect(reference.rows("outbox/send/sale.csv").count == 3)

        let t = try Self.workspace()
        // A folder (not empty) where the twin goes: its rename into place fails.
        try t.write("outbox/reports/sale-skipped.xlsx/keep.txt", "in the way\n")
        let failed = try OptoutCLI.runWorkspace(t.root)
        #expect(failed.status == 73, "\(failed.stderr)")
        #expect(failed.stderr.contains("sale-skipped.xlsx"), "\(failed.stderr)")
        // Published before the twin, in table order; the send file (after it) never appears.
        #expect(t.exists("outbox/links/sale.csv"))
        #expect(t.exists("outbox/reports/sale.txt"))
        #expect(t.read("outbox/reports/sale-skipped.csv") == reference.read("outbox/reports/sale-skipped.csv"))
        #expect(!t.exists("outbox/send/sale.csv"))
        #expect(t.exists(".optout/campaigns/sale.keys"), "the keys file is durable before any campaign file")
        let temps = Tree.files(under: "\(t.root)/outbox").filter { $0.contains(".tmp-") }
        #expect(temps.isEmpty, "temp files left: \(temps)")
        #expect(t.list("inbox/campaigns").contains("sale.txt"), "the template waits for the next run")

        // The cause removed, the next run publishes the campaign whole.
        try FileManager.default.removeItem(atPath: "\(t.root)/outbox/reports/sale-skipped.xlsx")
        let again = try OptoutCLI.runWorkspace(t.root)
        #expect(again.status == 0, "\(again.stderr)")
        // (Each workspace has its own link key: send and links rows differ by their tokens only.)
        #expect(t.rows("outbox/send/sale.csv").map(\.first) == reference.rows("outbox/send/sale.csv").map(\.first))
        for file in ["outbox/reports/sale-skipped.csv", "outbox/reports/sale-skipped.xlsx"] {
            #expect(FileManager.default.contents(atPath: "\(t.root)/\(file)") == FileManager.default.contents(atPath: "\(reference.root)/\(file)"),
                    "\(file) differs from an undisturbed run's")
        }
    }
    /// The twin's build fails (its thread paused, the skipped temp file cut to its header, so
    /// the rows do not match the pass's count): the run stops at the skipped rows (the twin reads
    /// their temp file until built), with links and report published, no skipped rows, no twin,
    /// no send file and no temp file left; the next run publishes the campaign whole.
    @Test func aTwinWhoseBuildFailsPublishesNothingFromTheSkippedRowsOn() throws {
        guard cliAvailable() else { return }
        let t = try Self.workspace()
        let pause = "\(t.root)/../\(UUID().uuidString).pause"
        defer { unlink(pause) }
        let wait = try OptoutCLI.start(["run", "--root", t.root], environment: [
            "OPTOUT_NOW": "2026-11-26T12:00:00Z", "OPTOUT_PAUSE_AT": "campaign twin", "OPTOUT_PAUSE_FILE": pause])
        let until = Date().addingTimeInterval(60)
        while !Durable.exists(pause) && Date() < until { usleep(10_000) }
        #expect(Durable.exists(pause), "the run never reached the twin's build")
        let temps = Tree.files(under: "\(t.root)/outbox/reports").filter { $0.hasPrefix(".sale-skipped.csv.tmp-") }
        #expect(temps.count == 1, "\(temps)")
        for temp in temps { #expect(truncate("\(t.root)/outbox/reports/\(temp)", 22) == 0) }   // BOM and header row only
        unlink(pause)
        let failed = try wait()
        #expect(failed.status == 70, "\(failed.stderr)")
        #expect(failed.stderr.contains("sale-skipped.csv"), "\(failed.stderr)")
        #expect(t.exists("outbox/links/sale.csv") && t.exists("outbox/reports/sale.txt"))
        for file in ["outbox/reports/sale-skipped.csv", "outbox/reports/sale-skipped.xlsx", "outbox/send/sale.csv"] {
            #expect(!t.exists(file), "\(file) published after a failed twin build")
        }
        let left = Tree.files(under: "\(t.root)/outbox").filter { $0.contains(".tmp-") }
        #expect(left.isEmpty, "temp files left: \(left)")

        let again = try OptoutCLI.runWorkspace(t.root)
        #expect(again.status == 0, "\(again.stderr)")
        #expect(t.rows("outbox/send/sale.csv").count == 3)
        #expect(t.exists("outbox/reports/sale-skipped.xlsx"))
    }
}
