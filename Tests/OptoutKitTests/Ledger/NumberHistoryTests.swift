// Number history: a campaign's verdict for a number from the ledger then and the events known
// now (skipped, sent, not sent, SENT AFTER OPT-OUT), many numbers at once the same as one by one,
// and the lookup log's records.

import Foundation
import Testing
@testable import OptoutBase
@testable import OptoutKit
@testable import OptoutPhone

@Suite final class NumberHistoryTests {
    let dir = NSTemporaryDirectory() + "history-" + UUID().uuidString
    var ledgerPath: String { "\(dir)/ledger.tsv" }
    var campaigns: String { "\(dir)/campaigns" }
    let harry = PhoneNumber(e164: "+447700900321")!
    let amelia = PhoneNumber(e164: "+447700900001")!

    init() throws { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
    deinit { try? FileManager.default.removeItem(atPath: dir) }  // each test leaves nothing in the temp folder

    func event(_ kind: EventKind, _ number: PhoneNumber, _ time: Int64, source: EventSource = .reply, text: String = "STOP") -> IncomingEvent {
        IncomingEvent(kind: kind, number: number, time: Timestamp(seconds: time), source: source, rule: "test",
                      file: "inbox/stops/a.csv", line: Int(time), inputHash: "abc", text: text)
    }

    /// A campaign built at `time` after the ledger's records so far, sent to `sent`.
    func campaign(_ name: String, at time: Int64, ledger: Ledger, sent: [PhoneNumber]) throws {
        let keys = CampaignKeys(path: "\(campaigns)/\(name).keys", tempRoot: "\(dir)/tmp")
        for n in sent { try keys.append(n.value) }
        try keys.finish(CampaignKeysFacts(name: name, builtAt: Timestamp(seconds: time), template: "inbox/campaigns/\(name).txt",
                                          rowsSent: sent.count, ledgerSeq: ledger.lastSeq))
    }

    @Test func verdictsFromTheLedgerThenAndWhatIsKnownNow() throws {
        let ledger = try Ledger(path: ledgerPath)
        try ledger.record([event(.optOut, harry, 100)], at: Timestamp(seconds: 150))
        try campaign("a", at: 200, ledger: ledger, sent: [amelia])                 // Harry skipped
        try ledger.record([event(.optIn, harry, 300, text: "START")], at: Timestamp(seconds: 350))
        try campaign("b", at: 400, ledger: ledger, sent: [harry, amelia])          // Harry sent, subscribed
        // Amelia's STOP of 450 arrives after c was built at 500: c went to her after her opt-out.
        try campaign("c", at: 500, ledger: ledger, sent: [harry, amelia])
        try ledger.record([event(.optOut, amelia, 450), event(.optOut, harry, 600), event(.optOut, harry, 650, text: "stop")],
                          at: Timestamp(seconds: 700))
        try campaign("d", at: 800, ledger: ledger, sent: [])                       // both skipped
        // A campaign the ledger said to skip Harry in, yet sent to him (must never happen): loud.
        try campaign("e", at: 900, ledger: ledger, sent: [harry])

        let found = try NumberHistory.collect([harry, amelia], ledgerPath: ledgerPath, campaignsFolder: campaigns)
        #expect(found.problems.isEmpty && found.damagedRecords == 0)
        let h = try #require(found.histories[harry.value])
        #expect(h.records.map(\.effect) == [.applied, .applied, .applied, .repeated])
        #expect(h.now == NumberState(optedOut: true, since: Timestamp(seconds: 600), source: .reply))
        #expect(h.firstOptOut == Timestamp(seconds: 100))
        #expect(h.campaigns.map(\.campaign.name) == ["a", "b", "c", "d", "e"])
        #expect(h.campaigns.map(\.kind) == [.skipped, .sent, .sent, .skipped, .sentAfterOptOut])
        #expect(h.campaigns[0].optedOutSince == Timestamp(seconds: 100))
        #expect(h.campaigns[3].optedOutSince == Timestamp(seconds: 600))
        #expect(h.campaigns[4].recordedAfterBuild == nil)
        #expect(h.sentAfterOptOut.map(\.campaign.name) == ["e"])
        #expect(h.lastSent?.campaign.name == "e")

        let a = try #require(found.histories[amelia.value])
        #expect(a.campaigns.map(\.kind) == [.sent, .sent, .sentAfterOptOut, .skipped, .skipped])
        #expect(a.campaigns[2].optedOutSince == Timestamp(seconds: 450))
        #expect(a.campaigns[2].recordedAfterBuild == Timestamp(seconds: 700))
        #expect(a.campaignsSinceOptOut.map(\.campaign.name) == ["c", "d", "e"])
        #expect(LookupText.csvRow(a, asWritten: "07700 900001") == ["07700 900001", "+447700900001", "opted out", Timestamp(seconds: 450).iso8601,
                                                                   "TollFree number", "1", "c (\(Timestamp(seconds: 500).iso8601))", "yes"])
        #expect(LookupText.summary(a).hasSuffix("SENT AFTER OPT-OUT in c"))

        // Never seen: no records, no state; every campaign says whether it went to the number.
        let stranger = PhoneNumber(e164: "+15551234567")!
        let none = try #require(try NumberHistory.collect([stranger], ledgerPath: ledgerPath, campaignsFolder: campaigns).histories[stranger.value])
        #expect(!none.seen && none.now == nil && none.firstOptOut == nil)
        #expect(none.campaigns.map(\.kind) == [.notSent, .notSent, .notSent, .notSent, .notSent])
        #expect(LookupText.text(none, asWritten: "+15551234567").contains("never seen"))
    }

    @Test func manyNumbersAtOnceAnswerAsOneByOne() throws {
        let ledger = try Ledger(path: ledgerPath)
        let numbers = (0..<300).map { PhoneNumber(e164: "+1555\(String(format: "%07d", 2_000_000 + $0 * 7))")! }
        try ledger.record(numbers.enumerated().filter { $0.offset % 3 == 0 }.map { event(.optOut, $0.element, 100 + Int64($0.offset)) },
                          at: Timestamp(seconds: 1_000))
        try campaign("big", at: 2_000, ledger: ledger, sent: numbers.enumerated().filter { $0.offset % 3 != 0 || $0.offset == 9 }.map(\.element))
        let many = try NumberHistory.collect(numbers, ledgerPath: ledgerPath, campaignsFolder: campaigns).histories
        #expect(many.count == 300)
        for (i, n) in numbers.enumerated() where i % 10 == 0 || i == 9 {
            let one = try #require(try NumberHistory.collect([n], ledgerPath: ledgerPath, campaignsFolder: campaigns).histories[n.value])
            #expect(many[n.value]?.campaigns == one.campaigns, "\(n)")
        }
        #expect(many[numbers[9].value]?.campaigns.first?.kind == .sentAfterOptOut)
        #expect(many[numbers[3].value]?.campaigns.first?.kind == .skipped)
        #expect(many[numbers[4].value]?.campaigns.first?.kind == .sent)
    }

    @Test func theLookupLogKeepsEveryEntryPrivately() throws {
        let path = "\(dir)/lookups.tsv"
        let entry = LookupEntry(time: Timestamp(seconds: 1_000), via: "optout lookup", asWritten: "07700\t900321", e164: "+447700900321", result: "never seen")
        try LookupLog.append([entry], path: path)
        // A torn tail (a crash mid-append) is cut by the next append, never the entries before.
        let handle = try #require(FileHandle(forWritingAtPath: path))
        handle.seekToEndOfFile()
        handle.write(Data("0badc0de\tv1\t2026".utf8))
        try handle.close()
        var second = entry
        second.via = "inbox/lookups/a.csv line 2 (input 0123456789abcdef)"
        try LookupLog.append([second], path: path)
        #expect(try LookupLog.read(path: path) == [entry, second])
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
    }
}
