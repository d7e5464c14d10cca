// watch retries (issue 15 item 2), in the library with a short rescan: a STOP log that waited
// through a pass that failed on bad settings is taken within one rescan of the settings fix;
// files in rejected/ never start a pass; a held campaign is reported once per cause.

import Foundation
import Testing
@testable import OptoutBase
@testable import OptoutKit
import OptoutTestSupport

/// Results of a watch running on a background thread, and the way to stop it.
final class WatchRun: @unchecked Sendable {
    private let lock = NSLock()
    private var results: [Result<RunReport, OptoutError>] = []
    private let stop: [Int32]
    private let done = DispatchSemaphore(value: 0)

    init(root: String, options: WatchOptions) {
        var fds: [Int32] = [0, 0]
        _ = pipe(&fds)
        stop = fds
        let readFD = fds[0]
        Thread.detachNewThread { [self] in
            do throws(OptoutError) {
                try WatchJob.run(root: root, options: options, stopFD: readFD) { result in
                    self.lock.lock(); self.results.append(result); self.lock.unlock()
                }
            } catch {
                self.lock.lock(); self.results.append(.failure(error)); self.lock.unlock()
            }
            done.signal()
        }
    }

    var passes: [Result<RunReport, OptoutError>] { lock.lock(); defer { lock.unlock() }; return results }

    func finish() {
        _ = write(stop[1], "x", 1)
        _ = done.wait(timeout: .now() + 30)
        close(stop[0]); close(stop[1])
    }

    func waitFor(_ seconds: Double, _ condition: ([Result<RunReport, OptoutError>]) -> Bool) -> Double? {
        let start = Date()
        while Date().timeIntervalSince(start) < seconds {
            if condition(passes) { return Date().timeIntervalSince(start) }
            usleep(20_000)
        }
        return nil
    }
}

@Suite(.serialized) struct WatchRetryTests {
    static let good = "{ \"default_country\": \"GB\", \"settle_seconds\": 0 }"

    @Test func aStopLogLeftByAFailedPassIsTakenWithinOneRescanOfTheSettingsFix() throws {
        let t = try TempWorkspace(settings: Self.good)
        let rescan = 2.0
        let watch = WatchRun(root: t.root, options: WatchOptions(rescanInterval: rescan, pollInterval: 0.1, settleSeconds: 0))
        defer { watch.finish() }
        #expect(watch.waitFor(10) { $0.count >= 1 } != nil)
        // Settings broken, then a STOP log: the pass fails (78) and leaves it in the inbox.
        try t.write("inbox/settings.json", "{ \"default_country\": ")
        try t.write("inbox/stops/log.csv", "from,timestamp,text\n+447700900002,2026-11-25T18:02:11Z,STOP\n")
        #expect(watch.waitFor(10) { $0.contains { if case .failure(.configuration) = $0 { return true }; return false } } != nil)
        usleep(300_000)
        #expect(t.exists("inbox/stops/log.csv"))
        // Fixed: taken within one rescan.
        let fixedAt = Date()
        try t.write("inbox/settings.json", Self.good)
        let taken = watch.waitFor(rescan + 3) { _ in !t.exists("inbox/stops/log.csv") }
        #expect(taken != nil, "the STOP log still waits \(Date().timeIntervalSince(fixedAt)) s after the settings fix")
        #expect(t.list("inbox/stops/processed").contains("log.csv"))
        #expect(try Ledger.stateReadOnly(path: t.ws.ledgerFile).optedOutCount == 1)
    }

    @Test func rejectedFilesNeverStartAPassAndAHeldCampaignIsReportedOncePerCause() throws {
        let t = try TempWorkspace(settings: Self.good)
        try t.write("inbox/lists/customers.csv", "name,phone\nA,+447700900001\n")
        try t.write("inbox/stops/bad.csv", "a,b\n1,2\n")
        try t.write("inbox/campaigns/sale.txt", "list: customers\n\nHi {name}, sale! Reply STOP to opt out\n")
        let rescan = 0.5
        let watch = WatchRun(root: t.root, options: WatchOptions(rescanInterval: rescan, pollInterval: 0.1, settleSeconds: 0))
        defer { watch.finish() }
        // The held campaign is retried at every rescan, and said once.
        #expect(watch.waitFor(10) { $0.count >= 4 } != nil)
        let reports = watch.passes.compactMap { try? $0.get() }
        #expect(reports.first?.held.map(\.file) == ["inbox/campaigns/sale.txt"])
        #expect(reports.dropFirst().allSatisfy { $0.held.isEmpty })
        #expect(t.exists("inbox/campaigns/sale.txt"))
        // The campaign removed: only rejected/ is left, and no pass runs on it.
        Tree.remove(t.root + "/inbox/campaigns/sale.txt")
        usleep(1_000_000)  // the removal itself is a change: its pass
        let before = watch.passes.count
        usleep(UInt32(rescan * 4 * 1_000_000))
        let after = watch.passes.count
        #expect(after - before == 0, "\(after - before) passes with only rejected/ files")
        #expect(t.list("inbox/stops/rejected").contains("bad.csv"))
    }
}
