// The campaign's publish tail (issue 13), through the real `optout` executable: the skipped rows'
// twin is built on a thread of its own from the skipped temp file and published in table order
// (links, report, skipped, twin, send last). When the twin cannot be published, the run stops at
// it: the files before it are published, the send file never appears, no temp file is left in
// outbox/, and the keys file was durable first; once the cause is gone, the next run publishes
// the campaign whole, its twin byte-identical to an undisturbed run's.

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
}
