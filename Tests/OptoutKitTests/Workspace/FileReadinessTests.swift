// Readiness of dropped files in the library: the lease probe, one settle wait per run, identities
// checked before a file is consumed or a campaign published, processed/ opt-out inputs read again
// for what they gained, hard links rejected, and the campaign-hold hook.

import Foundation
import Testing
@testable import OptoutBase
@testable import OptoutKit
@testable import OptoutPhone
import OptoutTestSupport

@Suite struct FileReadinessTests {
    func file(_ path: String) -> DroppedFile {
        var st = stat()
        lstat(path, &st)
        var f = DroppedFile(path: path, name: Durable.baseName(path), size: Int(st.st_size), modified: Timestamp(seconds: Int64(st.st_mtim.tv_sec)))
        f.identity = FileIdentity(st)
        return f
    }

    @Test func leaseProbeSeesAWriterAndReleasesAtOnce() throws {
        let t = try TempWorkspace()
        try t.write("inbox/stops/log.csv", "from,text\n")
        let path = "\(t.root)/inbox/stops/log.csv"
        #expect(LeaseProbe.probe(path) == .noWriter)
        let fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC)
        #expect(LeaseProbe.probe(path) == .writerOpen)
        close(fd)
        // Released at once: a writer can open it (no lease break wait) and the probe says so again.
        #expect(LeaseProbe.probe(path) == .noWriter)
        let again = open(path, O_WRONLY | O_APPEND | O_NONBLOCK | O_CLOEXEC)
        #expect(again >= 0)
        close(again)
    }

    @Test func oneWaitForAllRecentFilesAndAFutureMtimeIsReadyAfterIt() throws {
        let t = try TempWorkspace()
        for name in ["a.csv", "b.csv", "c.csv", "old.csv"] { try t.write("inbox/stops/\(name)", "from,text\n") }
        let now = Date().timeIntervalSince1970
        var future = [timeval(tv_sec: Int(now) + 3600, tv_usec: 0), timeval(tv_sec: Int(now) + 3600, tv_usec: 0)]
        utimes("\(t.root)/inbox/stops/b.csv", &future)
        var old = [timeval(tv_sec: Int(now) - 60, tv_usec: 0), timeval(tv_sec: Int(now) - 60, tv_usec: 0)]
        utimes("\(t.root)/inbox/stops/old.csv", &old)
        let files = DropFolder.scan("\(t.root)/inbox/stops", settle: 0).ready
        var sleeps: [Double] = []
        let readiness = RunReadiness(files: files, settle: 5, snapshotFolder: t.ws.state, sleep: { seconds in
            sleeps.append(seconds)
            // c.csv grows during the wait: still being written.
            let fd = open("\(t.root)/inbox/stops/c.csv", O_WRONLY | O_APPEND | O_CLOEXEC)
            _ = write(fd, "+447700900111,STOP\n", 19)
            close(fd)
        })
        #expect(sleeps == [5])
        let states = Dictionary(uniqueKeysWithValues: files.map { ($0.name, readiness.state(of: $0)) })
        #expect(states["old.csv"] == .ready && states["a.csv"] == .ready && states["b.csv"] == .ready)
        #expect(states["c.csv"] == .changing)
        // No file to wait for: no wait at all.
        var none = 0
        _ = RunReadiness(files: [file("\(t.root)/inbox/stops/old.csv")], settle: 5, snapshotFolder: t.ws.state, sleep: { _ in none += 1 })
        #expect(none == 0)
    }

    @Test func anOpenOptOutInputIsReadUpToItsLastCompleteLine() throws {
        let t = try TempWorkspace()
        let path = "\(t.root)/inbox/stops/log.csv"
        try t.write("inbox/stops/log.csv", "from,text\n+447700900111,STOP\n+4477009002")
        let fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC)
        defer { close(fd) }
        let readiness = RunReadiness(files: [file(path)], settle: 0.01, snapshotFolder: t.ws.state)
        let split = readiness.split([file(path)], optOut: true)
        let taken = try #require(split.ready.first)
        #expect(taken.leaveInPlace && taken.readPath != path)
        #expect(t.read(String(taken.readPath.dropFirst(t.root.count + 1))) == "from,text\n+447700900111,STOP\n")
        // A campaign or list a writer holds open waits.
        #expect(readiness.split([file(path)], optOut: false).waiting.count == 1)
        readiness.cleanUp()
        #expect(!Durable.exists(taken.readPath))
    }

    @Test func anInputWithMoreThanOneHardLinkIsRejectedWithTheReason() throws {
        let t = try TempWorkspace(settings: sampleSettings)
        try t.write("outside.csv", "from,text\n+447700900111,STOP\n")
        link("\(t.root)/outside.csv", "\(t.root)/inbox/stops/log.csv")
        try t.write("inbox/lists/customers.csv", sampleList)
        link("\(t.root)/inbox/lists/customers.csv", "\(t.root)/customers-elsewhere.csv")
        let report = try t.run()
        #expect(report.rejectedInputs == 2)
        #expect(t.read("inbox/stops/rejected/log.csv.error.txt")?.contains("has 2 hard links") == true)
        #expect(t.read("inbox/lists/rejected/customers.csv.error.txt")?.contains("outside the workspace") == true)
        #expect(report.newOptOuts == 0 && report.messagesRead == 0)
        #expect(CommandRunner.render(report, loud: false).exitCode == 65)
    }

    @Test func aProcessedOptOutInputThatGrowsIsReadAgainForWhatItGained() throws {
        let t = try TempWorkspace(settings: sampleSettings)
        try t.write("inbox/stops/log.csv", "from,timestamp,text\n+447700900111,2026-11-25T10:00:00Z,STOP\n")
        try t.run()
        #expect(t.list("inbox/stops/processed") == ["log.csv"])
        let fd = open("\(t.root)/inbox/stops/processed/log.csv", O_WRONLY | O_APPEND | O_CLOEXEC)
        let line = "+447700900222,2026-11-25T10:05:00Z,STOP\n"
        _ = write(fd, line, line.utf8.count)
        close(fd)
        let report = try t.run()
        #expect(report.newOptOuts == 1)
        #expect(try Ledger.readAll(path: t.ws.ledgerFile).map(\.number.e164) == ["+447700900111", "+447700900222"])
        #expect(t.list("inbox/stops/processed") == ["log.csv"])
        // Read once for what it gained: the next run does not read it again.
        let third = try t.run()
        #expect(third.newOptOuts == 0 && third.messagesRead == 0)
    }

    @Test func aFileThatChangedSinceItWasReadIsNotConsumed() throws {
        let t = try TempWorkspace()
        try t.write("inbox/stops/log.csv", "from,text\n")
        let seen = file("\(t.root)/inbox/stops/log.csv")
        try t.write("inbox/stops/log.csv", "from,text\n+447700900111,STOP\n")
        let journal = try Journal(path: t.ws.journalFile)
        #expect(try CampaignHolds.consume(seen, kind: .stops, ws: t.ws, journal: journal) == .changed)
        #expect(t.exists("inbox/stops/log.csv"))
        let now = file("\(t.root)/inbox/stops/log.csv")
        guard case .moved = try CampaignHolds.consume(now, kind: .stops, ws: t.ws, journal: journal) else {
            Issue.record("an unchanged file is moved to processed/")
            return
        }
        #expect(t.list("inbox/stops/processed") == ["log.csv"])
    }

    @Test func nothingIsPublishedFromATemplateOrListThatChangedWhileBuilt() throws {
        let t = try TempWorkspace()
        try t.write("inbox/lists/customers.csv", sampleList)
        try t.write("inbox/campaigns/sale.txt", sampleCampaign)
        let check = CampaignHolds.inputsCheck(template: file("\(t.root)/inbox/campaigns/sale.txt"), ws: t.ws)
        #expect(check() == nil)
        try t.write("inbox/lists/customers.csv", sampleList + "Zoe;07700 900555;Hull\r\n")
        #expect(check()?.contains("its list inbox/lists/customers.csv changed while the campaign was built") == true)
    }

    @Test func holdHookSaysEachCauseOnce() {
        let holds = CampaignHolds()
        #expect(!holds.isHolding)
        holds.holdCampaigns(cause: "inbox/stops/a.csv was read in part")
        holds.holdCampaigns(cause: "inbox/stops/a.csv was read in part")
        #expect(holds.isHolding && holds.summary == "inbox/stops/a.csv was read in part")
    }
}

@Suite struct HardLinkCLITests {
    @Test func aHardLinkedStopLogIsRejectedThroughTheBinary() throws {
        if let reason = OptoutCLI.missingReason { try skipOrFail(reason); return }
        let t = try TempWorkspace(settings: "{ \"default_country\": \"GB\", \"settle_seconds\": 0 }\n")
        try t.write("secret.csv", "from,text\n+447700900111,STOP private words\n")
        link("\(t.root)/secret.csv", "\(t.root)/inbox/stops/log.csv")
        let result = try OptoutCLI.runWorkspace(t.root)
        #expect(result.status == 65)
        #expect(result.stderr.contains("inbox/stops/log.csv: error: has 2 hard links"))
        #expect(t.list("inbox/stops/rejected") == ["log.csv", "log.csv.error.txt"])
        #expect(t.read("inbox/stops/rejected/log.csv.error.txt")?.contains("outside the workspace") == true)
        // Nothing from it was read or quoted.
        let records = Durable.exists(t.ws.ledgerFile) ? try Ledger.readAll(path: t.ws.ledgerFile) : []
        #expect(records.isEmpty)
    }
}
