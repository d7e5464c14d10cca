// The run plan and its steps: each inbox file read once (counted with strace through the real
// binary), a list read again through the same open file, step results merged in order, journal
// kinds written with their on-disk strings.

import Testing
import Foundation
import OptoutBase
import OptoutPhone
@testable import OptoutKit
import OptoutTestSupport

private let planSettings = "{ \"default_country\": \"GB\", \"settle_seconds\": 0 }\n"
private let planCampaign = "list: customers\nsender: ACME\n\nHi {first_name|there}, sale! Reply STOP to opt out\n"

@Suite struct RunPlanTests {
    @Test func theBinaryOpensTheTemplateAndTheListOnceEach() throws {
        if let reason = OptoutCLI.missingReason { try skipOrFail(reason); return }
        let strace = ["/usr/bin/strace", "/bin/strace"].first { FileManager.default.isExecutableFile(atPath: $0) }
        guard let strace, let optout = OptoutCLI.path else { try skipOrFail("strace not installed: open counts not measured"); return }
        let t = try TempWorkspace(settings: planSettings)
        try t.write("inbox/lists/customers.csv", sampleList)
        try t.write("inbox/campaigns/sale.txt", planCampaign)
        try t.write("inbox/stops/log.csv", "from,text\n+447700900111,STOP\n")
        let trace = "\(t.root)/../\(UUID().uuidString).strace"
        defer { unlink(trace) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: strace)
        process.arguments = ["-f", "-e", "trace=openat", "-o", trace, optout, "run", "--root", t.root]
        process.environment = ["OPTOUT_NOW": "2026-11-26T12:00:00Z", "PATH": "/usr/bin:/bin"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        // The campaign was built (so the list was read) ...
        #expect(t.rows("outbox/send/sale.csv").count > 1)
        let lines = (try String(contentsOfFile: trace, encoding: .utf8)).split(separator: "\n")
        func opens(_ relative: String) -> Int { lines.filter { $0.contains("openat(") && $0.contains("\"\(t.root)/\(relative)\"") }.count }
        // ... with the template opened once, the list once (two reads through one open file),
        // settle_seconds 0: no lease probe.
        #expect(opens("inbox/campaigns/sale.txt") == 1)
        #expect(opens("inbox/lists/customers.csv") == 1)
    }

    @Test func aRewoundListReadsTheSameRowsAgain() throws {
        let t = try TempWorkspace(settings: planSettings)
        try t.write("inbox/lists/customers.csv", sampleList)
        let parser = PhoneNumberParser(defaultRegion: "GB")
        func rows(_ reader: ContactListReader) throws -> [String] {
            var out: [String] = []
            while try reader.next() { out.append("\(reader.line):\(reader.rawPhone())") }
            return out
        }
        let first = try ContactListReader(path: "\(t.root)/inbox/lists/customers.csv", parser: parser)
        let fresh = try rows(try ContactListReader(path: "\(t.root)/inbox/lists/customers.csv", parser: parser))
        #expect(try rows(first) == fresh)
        let again = try first.rewound()
        #expect(again.columns == first.columns && again.phoneColumn == first.phoneColumn && again.delimiter == first.delimiter)
        #expect(try rows(again) == fresh && !fresh.isEmpty)
    }

    @Test func duplicatesOverAnOpenReaderEqualThoseOverThePath() throws {
        let t = try TempWorkspace(settings: planSettings)
        try t.write("inbox/lists/customers.csv", "phone\n07911123456\n07700900123\n+44 7911 123456\n07700 900123\n")
        let path = "\(t.root)/inbox/lists/customers.csv"
        let parser = PhoneNumberParser(defaultRegion: "GB")
        let byPath = try DuplicateFinder.find(listPath: path, parser: parser, tempRoot: "\(t.root)/.optout/tmp")
        let byReader = try DuplicateFinder.find(list: try ContactListReader(path: path, parser: parser), tempRoot: "\(t.root)/.optout/tmp")
        // (Asked once each, in increasing line order.)
        let expected = try (2...5).map { try byPath.firstLine(ifDuplicate: $0) }
        #expect(try (2...5).map { try byReader.firstLine(ifDuplicate: $0) } == expected)
        #expect(expected == [nil, nil, 2, 3])
    }

    @Test func thePlanReadsEachTemplateOnceAndNamesTheListsUsed() throws {
        let t = try TempWorkspace(settings: planSettings)
        try t.write("inbox/lists/customers.csv", sampleList)
        try t.write("inbox/campaigns/sale.txt", planCampaign)
        try t.write("inbox/campaigns/broken.txt", "list customers\n\nno header line\n")
        let journal = try Journal(path: t.ws.journalFile)
        let plan = RunPlan(workspace: t.ws, journal: journal, settle: 0, now: Timestamp(seconds: 0))
        defer { plan.readiness.cleanUp() }
        let sale = try #require(plan.templates["\(t.root)/inbox/campaigns/sale.txt"])
        #expect(sale.list == "customers")
        #expect(sale.key == RunState.contentKey(bytes: Array(planCampaign.utf8)))
        #expect(plan.usedLists == ["\(t.root)/inbox/lists/customers.csv"])
        #expect(plan.templates.count == 2)
    }

    @Test func stepLogsMergeInOrderWithEachHoldCauseOnce() {
        var first = StepLog()
        first.add(.note, nil, "a")
        first.hold("inbox/stops/a.csv is still being written")
        var second = StepLog()
        second.add(.error, nil, "b")
        second.rejectedInputs = 2
        second.hold("inbox/stops/a.csv is still being written")
        second.hold("inbox/stops/b.csv could not be read")
        first.append(second)
        #expect(first.diagnostics.map(\.message) == ["a", "b"])
        #expect(first.rejectedInputs == 2)
        #expect(first.holdCauses == ["inbox/stops/a.csv is still being written", "inbox/stops/b.csv could not be read"])
    }

    @Test func journalKindsKeepTheirStringsOnDisk() throws {
        let t = try TempWorkspace(settings: planSettings)
        let journal = try Journal(path: t.ws.journalFile)
        let kinds: [(JournalKind, String)] = [(.campaign, "campaign"), (.list, "list"), (.suppressions, "suppressions"),
                                              (.clicks, "clicks"), (.read(.stops), "read-stops"), (.read(.suppressions), "read-suppressions")]
        for (kind, raw) in kinds {
            #expect(kind.raw == raw)
            try journal.markDone(kind: kind, key: "k", fingerprint: "f")
        }
        let reopened = try Journal(path: t.ws.journalFile)
        for (kind, _) in kinds { #expect(reopened.isDone(kind: kind, key: "k", fingerprint: "f")) }
        let text = String(decoding: try Durable.readFile(t.ws.journalFile), as: UTF8.self)
        for (_, raw) in kinds { #expect(text.contains("done\t\(raw)\tk\tf")) }
    }
}
