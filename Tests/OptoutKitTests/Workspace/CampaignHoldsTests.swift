// Campaigns wait for opt-outs (issue 10 class 2), in the library: a rejected STOP log holds every
// campaign until a person removes it or drops it again fixed; a campaign whose list is still being
// dropped is held; held campaigns stay in the inbox and are built by a later run.

import Foundation
import Testing
@testable import OptoutBase
@testable import OptoutKit
@testable import OptoutPhone
import OptoutTestSupport

@Suite struct CampaignHoldsTests {
    let campaign = "list: customers\n\nHi {First Name|there}, sale! Reply STOP to opt out\n"

    @Test func aRejectedStopLogHoldsCampaignsUntilItIsDroppedAgainFixed() throws {
        let t = try TempWorkspace(settings: sampleSettings)
        try t.write("inbox/lists/customers.csv", sampleList)
        try t.write("inbox/campaigns/sale.txt", campaign)
        try t.write("inbox/stops/log.csv", "a,b\n1,2\n")
        let first = try t.run()
        #expect(first.held.map(\.file) == ["inbox/campaigns/sale.txt"])
        #expect(first.held.first?.cause.contains("inbox/stops/rejected/log.csv was rejected") == true)
        #expect(t.list("inbox/campaigns").contains("sale.txt") && !t.exists("outbox/send/sale.csv"))
        // Still there on the next run: still held.
        #expect(try t.run().held.count == 1)
        // Dropped again, fixed: read, and the campaign is built without the number.
        try t.write("inbox/stops/log.csv", "from,timestamp,text\n+447700900321,2026-11-25T18:02:11Z,STOP\n")
        let fixed = try t.run()
        #expect(fixed.held.isEmpty)
        let phones = t.rows("outbox/send/sale.csv").map { $0[0] }
        #expect(phones.count == 3 && !phones.contains("+447700900321"))
    }

    @Test func aCampaignWhoseListIsStillBeingDroppedIsHeld() throws {
        let t = try TempWorkspace(settings: sampleSettings)
        try t.write("inbox/lists/customers.csv.part", sampleList)
        try t.write("inbox/campaigns/sale.txt", campaign)
        let report = try t.run()
        #expect(report.held.count == 1 && report.held[0].cause.contains("inbox/lists/customers.csv.part"))
        #expect(CommandRunner.render(report, loud: false).exitCode == 75)
        #expect(CommandRunner.render(report, loud: false).stderr.contains("inbox/campaigns/sale.txt: held: its list is still being dropped"))
        rename("\(t.root)/inbox/lists/customers.csv.part", "\(t.root)/inbox/lists/customers.csv")
        let next = try t.run()
        #expect(next.held.isEmpty && t.rows("outbox/send/sale.csv").count == 4)
    }

    @Test func reDroppedNamesAreMatchedAcrossFreePathSuffixes() {
        #expect(CampaignHolds.canonicalName("log-2.csv") == "log.csv")
        #expect(CampaignHolds.canonicalName("log.csv") == "log.csv")
        #expect(CampaignHolds.canonicalName("2026-11-25.csv") == "2026-11.csv")
        #expect(CampaignHolds.canonicalName("-3.csv") == "-3.csv")
    }
}
