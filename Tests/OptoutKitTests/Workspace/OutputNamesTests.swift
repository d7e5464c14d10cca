// Names that cannot poison the workspace (issue 11 item 4): the output-name table fits the
// file-name limit for the longest accepted name; a campaign name too long for its outputs, one
// starting with a report's prefix or holding "@" is rejected before the journal claims it; list
// files that would share a report hold their campaigns; a list dropped as .tsv/.txt/.CSV can be
// named. End-to-end through the real binary where a user would see it.

import Foundation
import Testing
@testable import OptoutBase
@testable import OptoutKit
@testable import OptoutPhone
import OptoutTestSupport

@Suite(.serialized) struct OutputNamesTests {
    @Test func everyEntryOfTheTableFitsTheFileNameLimitForTheLongestAcceptedName() {
        let campaign = String(repeating: "a", count: OutputNames.longestCampaignName)
        #expect(OutputNames.campaignProblems(name: campaign, fileName: campaign + ".txt").isEmpty)
        #expect(!OutputNames.campaignProblems(name: campaign + "a", fileName: campaign + "a.txt").isEmpty)
        // A multi-byte name counts its bytes.
        let wide = String(repeating: "é", count: OutputNames.longestCampaignName / 2 + 1)
        #expect(!OutputNames.campaignProblems(name: wide, fileName: wide + ".txt").isEmpty)
        let list = String(repeating: "l", count: OutputNames.longestListName)
        let time = Timestamp(seconds: 253_402_300_799).compact  // 9999-12-31T23:59:59Z
        for (entries, value) in [(OutputNames.campaign, campaign), (OutputNames.reports, list)] {
            for entry in entries {
                let claimed = entry.pattern.contains("<time>") ? value : value + "-9999"
                let name = entry.pattern.contains("<time>") ? entry.fileName(time + "-9999") : entry.fileName(claimed)
                let temp = ".\(name).tmp-\(Int32.max)-abcdef12"
                #expect(temp.utf8.count <= 255, "\(entry.folder)/\(entry.pattern): \(temp.utf8.count) bytes")
            }
        }
        // The table's prefixes are the ones refused; the issue's list is among them.
        for prefix in ["list-", "unsubscriptions-", "review-", "clicks-", "run-", "compliance-", "index"] {
            #expect(OutputNames.reservedPrefixes.contains(prefix), "\(prefix)")
            #expect(!OutputNames.campaignProblems(name: prefix + "x", fileName: prefix + "x.txt").isEmpty)
        }
        #expect(!OutputNames.campaignProblems(name: "LIST-customers", fileName: "LIST-customers.txt").isEmpty)
        #expect(!OutputNames.campaignProblems(name: "a_b", fileName: "a@b.txt").isEmpty)
        #expect(OutputNames.campaignProblems(name: "spring-sale", fileName: "spring-sale.txt").isEmpty)
        #expect(OutputNames.campaignProblems(name: "listing", fileName: "listing.txt").isEmpty)
        // A long input name is shortened to fit "<name>.error.txt" and its temp file.
        let long = String(repeating: "b", count: 251) + ".txt"
        let fitted = OutputNames.fitting(long, extra: ".error.txt".utf8.count)
        #expect(fitted.hasSuffix(".txt") && (".\(fitted)-9999.error.txt.tmp-\(Int32.max)-abcdef12").utf8.count <= 255)
        #expect(OutputNames.fitting("short.csv") == "short.csv")
    }

    static let settings = "{ \"default_country\": \"GB\", \"settle_seconds\": 0 }"
    static let template = "list: customers\n\nHi {name}, reply STOP to stop\n"

    static func workspace() throws -> (base: String, root: String) {
        let base = NSTemporaryDirectory() + "optout-names-" + UUID().uuidString
        let root = base + "/ws"
        _ = try InitJob.run(dir: root)
        try Tree.write("\(root)/inbox/settings.json", settings)
        try Tree.write("\(root)/inbox/lists/customers.csv", "name,phone\nAnn,+447700900123\nBob,+447700900456\n")
        return (base, root)
    }

    @Test func aCampaignNameTooLongForItsOutputsIsRejectedBeforeTheJournalClaimsIt() throws {
        guard cliAvailable() else { return }
        let (base, root) = try Self.workspace()
        defer { Tree.remove(base) }
        // 300 bytes cannot even be a file name here (255 is the limit): the longest one that can.
        let tooLong = String(repeating: "n", count: 300) + ".txt"
        #expect(!FileManager.default.createFile(atPath: "\(root)/inbox/campaigns/\(tooLong)", contents: Data(Self.template.utf8)))
        let name = String(repeating: "n", count: 251)
        try Tree.write("\(root)/inbox/campaigns/\(name).txt", Self.template)
        let first = try OptoutCLI.runWorkspace(root)
        #expect(first.status == 65, "\(first.stderr)")
        #expect(first.stderr.contains("the campaign name is 251 bytes long; at most \(OutputNames.longestCampaignName) fit"), "\(first.stderr)")
        let rejected = Tree.files(under: root + "/inbox/campaigns/rejected")
        #expect(rejected.count == 2 && rejected.contains { $0.hasSuffix(".txt.error.txt") }, "\(rejected)")
        #expect(Tree.files(under: root + "/outbox/send").isEmpty)
        #expect(Tree.read(root + "/.optout/journal.tsv")?.contains(String(repeating: "n", count: 100)) != true)

        // The same bytes under a normal name: built; later runs exit 0 (no poisoned claim).
        try Tree.write("\(root)/inbox/campaigns/sale.txt", Self.template)
        let second = try OptoutCLI.runWorkspace(root)
        #expect(second.status == 0, "\(second.stderr)")
        #expect(Tree.read(root + "/outbox/send/sale.csv")?.contains("+447700900456") == true)
        let third = try OptoutCLI.runWorkspace(root)
        #expect(third.status == 0, "\(third.stderr)")
        #expect(third.stderr.isEmpty)
    }

    @Test func aCampaignNamedLikeAReportIsRejectedAndTheReportStays() throws {
        guard cliAvailable() else { return }
        let (base, root) = try Self.workspace()
        defer { Tree.remove(base) }
        let first = try OptoutCLI.runWorkspace(root)
        #expect(first.status == 0, "\(first.stderr)")
        let report = Tree.read(root + "/outbox/reports/list-customers.txt")
        #expect(report?.contains("Textable:      2") == true)
        // A new version of the list in the same run as the campaign: the campaign is refused
        // before it is built, and the report is still the list's.
        try Tree.write("\(root)/inbox/lists/customers.csv", "name,phone\nAnn,+447700900123\n")
        try Tree.write("\(root)/inbox/campaigns/list-customers.txt", Self.template)
        try Tree.write("\(root)/inbox/campaigns/a@b.txt", Self.template)
        let run = try OptoutCLI.runWorkspace(root, now: "2026-11-26T13:00:00Z")
        #expect(run.status == 65)
        #expect(run.stderr.contains("inbox/campaigns/list-customers.txt: error: a campaign name may not start with \"list-\""), "\(run.stderr)")
        #expect(run.stderr.contains("inbox/campaigns/a@b.txt: error: a campaign name may not contain \"@\""), "\(run.stderr)")
        #expect(Tree.read(root + "/outbox/reports/list-customers.txt") == report)
        #expect(Tree.read(root + "/outbox/reports/list-customers-2.txt")?.contains("Textable:      1") == true)
        #expect(Tree.files(under: root + "/outbox/send").isEmpty)
        #expect(Tree.files(under: root + "/inbox/campaigns/rejected").sorted() ==
                ["a@b.txt", "a@b.txt.error.txt", "list-customers.txt", "list-customers.txt.error.txt"])
    }

    @Test func listFilesThatWouldShareAReportHoldTheirCampaignsUntilRenamed() throws {
        guard cliAvailable() else { return }
        let (base, root) = try Self.workspace()
        defer { Tree.remove(base) }
        try Tree.write("\(root)/inbox/lists/a b.csv", "name,phone\nAnn,+447700900123\n")
        try Tree.write("\(root)/inbox/lists/a_b.csv", "name,phone\nBob,+447700900456\n")
        try Tree.write("\(root)/inbox/lists/A_b.txt", "name,phone\nCid,+447700900789\n")
        try Tree.write("\(root)/inbox/campaigns/promo.txt", "list: a b\n\nHi {name}, reply STOP to stop\n")
        let run = try OptoutCLI.runWorkspace(root)
        #expect(run.status == 65, "\(run.stderr)")
        #expect(run.stderr.contains("inbox/campaigns/promo.txt: held: list \"a b\": inbox/lists/A_b.txt, inbox/lists/a b.csv, inbox/lists/a_b.csv differ only in extension, case or punctuation"), "\(run.stderr)")
        #expect(run.stderr.contains("inbox/lists/A_b.txt: error: no list report"), "\(run.stderr)")
        #expect(Tree.files(under: root + "/inbox/campaigns").contains("promo.txt"))
        #expect(!Tree.files(under: root + "/outbox/reports").contains { $0.lowercased().hasPrefix("list-a") })
        // (and the run's page and the index, issue 15 item 4)
        #expect(Tree.files(under: root + "/outbox/reports") == ["index.html", "list-customers.txt", "run-20261126T120000Z.html"])
        // Renamed: one list, one report, the campaign built.
        try FileManager.default.moveItem(atPath: root + "/inbox/lists/a_b.csv", toPath: root + "/inbox/lists/other.csv")
        try FileManager.default.moveItem(atPath: root + "/inbox/lists/A_b.txt", toPath: root + "/inbox/lists/third.txt")
        let fixed = try OptoutCLI.runWorkspace(root)
        #expect(fixed.status == 0, "\(fixed.stderr)")
        #expect(Tree.read(root + "/outbox/send/promo.csv")?.contains("+447700900123") == true)
        #expect(Tree.read(root + "/outbox/reports/list-a_b.txt")?.contains("(inbox/lists/a b.csv)") == true)
    }

    @Test func aListDroppedAsTsvTxtOrUpperCaseCsvCanBeNamed() throws {
        guard cliAvailable() else { return }
        let (base, root) = try Self.workspace()
        defer { Tree.remove(base) }
        try Tree.write("\(root)/inbox/lists/tabbed.tsv", "name\tphone\nAnn\t+447700900123\n")
        try Tree.write("\(root)/inbox/lists/plain.txt", "name,phone\nBob,+447700900456\n")
        try Tree.write("\(root)/inbox/lists/SHOUT.CSV", "name,phone\nCid,+447700900789\n")
        try Tree.write("\(root)/inbox/campaigns/one.txt", "list: tabbed\n\nHi {name}, reply STOP to stop\n")
        try Tree.write("\(root)/inbox/campaigns/two.txt", "list: plain\n\nHi {name}, reply STOP to stop\n")
        try Tree.write("\(root)/inbox/campaigns/three.txt", "list: SHOUT\n\nHi {name}, reply STOP to stop\n")
        try Tree.write("\(root)/inbox/campaigns/four.txt", "list: tabbed.tsv\n\nHi {name}, reply STOP to stop\n")
        let run = try OptoutCLI.runWorkspace(root)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(Tree.read(root + "/outbox/send/one.csv")?.contains("+447700900123") == true)
        #expect(Tree.read(root + "/outbox/send/two.csv")?.contains("+447700900456") == true)
        #expect(Tree.read(root + "/outbox/send/three.csv")?.contains("+447700900789") == true)
        #expect(Tree.read(root + "/outbox/send/four.csv")?.contains("+447700900123") == true)
        for report in ["list-tabbed.txt", "list-plain.txt", "list-SHOUT.txt"] {
            #expect(Tree.files(under: root + "/outbox/reports").contains(report), "\(report)")
        }
    }

    @Test func aListNameTooLongForItsReportIsRejectedWithTheReason() throws {
        guard cliAvailable() else { return }
        let (base, root) = try Self.workspace()
        defer { Tree.remove(base) }
        let name = String(repeating: "l", count: 240)
        try Tree.write("\(root)/inbox/lists/\(name).csv", "name,phone\nAnn,+447700900123\n")
        try Tree.write("\(root)/inbox/campaigns/long.txt", "list: \(name)\n\nHi {name}, reply STOP to stop\n")
        let run = try OptoutCLI.runWorkspace(root)
        #expect(run.status == 65, "\(run.stderr)")
        #expect(run.stderr.contains("the list name is 240 bytes long"), "\(run.stderr)")
        #expect(run.stderr.contains("inbox/campaigns/long.txt: error: list \"\(name)\": its name is 240 bytes long"), "\(run.stderr)")
        let again = try OptoutCLI.runWorkspace(root)
        #expect(again.status == 0, "\(again.stderr)")
    }
}

@Suite struct CampaignPublishOrderTests {
    @Test func theCampaignTableIsInPublishOrderWithTheSendFileLast() {
        // A scheduled campaign (quiet hours) writes its held report, then its timed send files, instead of the send file.
        #expect(OutputNames.campaignTable.map(\.kind) == [.links, .report, .skipped, .skippedWorkbook, .held, .heldWorkbook, .send, .later])
        #expect(OutputNames.campaignPath(.skippedWorkbook, name: "spring") == "outbox/reports/spring-skipped.xlsx")
        #expect(OutputNames.laterPath(name: "spring", time: "20261129T143000Z") == "outbox/send/later/spring@20261129T143000Z.csv")
        #expect(OutputNames.campaignPath(.held, name: "spring") == "outbox/reports/spring-held.csv")
        #expect(OutputNames.campaignPath(.send, name: "spring") == "outbox/send/spring.csv")
        #expect(OutputNames.campaignPath(.skipped, name: "spring") == "outbox/reports/spring-skipped.csv")
        #expect(OutputNames.campaign.map(\.pattern) == ["<name>.csv", "<name>.txt", "<name>-skipped.csv", "<name>-skipped.xlsx", "<name>-held.csv", "<name>-held.xlsx", "<name>.csv"])
        // Every campaign name fits 212 bytes (-skipped.xlsx); a scheduled one, whose files carry "@<time>", 204.
        #expect(OutputNames.longestCampaignName == 212)
        #expect(OutputNames.longestScheduledCampaignName == 204)
        let longest = String(repeating: "s", count: OutputNames.longestScheduledCampaignName) + "-9999"
        let temp = ".\(longest)@20261129T143000Z.csv.tmp-\(Int32.max)-abcdef12"
        #expect(temp.utf8.count == 255)
    }
}
