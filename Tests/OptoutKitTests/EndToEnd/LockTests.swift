// One run at a time: `optout run` while another process holds the workspace lock exits 75 with a
// message and touches nothing; two runs started together leave the outbox as after one run.

import Foundation
import Testing
@testable import OptoutBase
@testable import OptoutKit
@testable import OptoutPhone
import OptoutTestSupport

@Suite(.serialized) struct LockTests {
    /// A workspace with a list of `rows` numbers, a campaign on it and a STOP log.
    static func workspace(_ root: String, rows: Int) throws {
        _ = try InitJob.run(dir: root)
        try Tree.write("\(root)/inbox/settings.json", "{ \"default_country\": \"GB\", \"settle_seconds\": 0 }")
        var list = "name,phone\n"
        for i in 0..<rows { list += "n\(i),+447700\(String(format: "%06d", i))\n" }
        try Tree.write("\(root)/inbox/lists/big.csv", list)
        try Tree.write("\(root)/inbox/campaigns/hello.txt", "list: big\nsender: ACME\n\nHello {name}\n")
        try Tree.write("\(root)/inbox/stops/tollfree.csv", "from,timestamp,text\n+447700000003,2026-11-25T18:02:11Z,STOP\n")
    }

    @Test func aRunWhileTheLockIsHeldExits75AndTouchesNothing() throws {
        if let reason = OptoutCLI.missingReason { print(reason); return }
        let root = NSTemporaryDirectory() + "optout-lock-" + UUID().uuidString
        defer { Tree.remove(root) }
        try Self.workspace(root, rows: 10)
        try Workspace(root: root).ensureLayout()
        let before = try WorkspaceSnapshot(root: root)
        let lock = try WorkspaceLock(path: Workspace(root: root).lockFile, wait: false)
        let blocked = try OptoutCLI.runWorkspace(root)
        #expect(blocked.status == 75)
        #expect(blocked.stderr.contains("another optout run holds the lock on this workspace"))
        #expect(try WorkspaceSnapshot(root: root) == before, "a locked-out run changed the workspace")
        lock.release()
        let after = try OptoutCLI.runWorkspace(root)
        #expect(after.status == 0, "\(after.stderr)")
        #expect(Tree.files(under: "\(root)/inbox/campaigns/processed") == ["hello.txt"])
    }

    @Test func twoRunsStartedTogetherOneExits75AndTheOutboxIsAsAfterOneRun() throws {
        if let reason = OptoutCLI.missingReason { print(reason); return }
        let base = NSTemporaryDirectory() + "optout-lock2-" + UUID().uuidString
        defer { Tree.remove(base) }
        // 20,000 rows: a run takes a few hundred ms in a debug build, long enough to overlap.
        try Self.workspace(base + "/reference", rows: 20_000)
        try Tree.copy(base + "/reference", to: base + "/together")
        let one = try OptoutCLI.runWorkspace(base + "/reference")
        #expect(one.status == 0, "\(one.stderr)")
        let reference = try WorkspaceSnapshot(root: base + "/reference")

        let env = ["OPTOUT_NOW": "2026-11-26T12:00:00Z"]
        let first = try OptoutCLI.start(["run", "--root", base + "/together"], environment: env)
        let second = try OptoutCLI.start(["run", "--root", base + "/together"], environment: env)
        let results = [try first(), try second()]
        let codes = results.map(\.status).sorted()
        #expect(codes == [0, 75], "exit codes \(codes): \(results.map(\.stderr))")
        if let loser = results.first(where: { $0.status == 75 }) {
            #expect(loser.stderr.contains("another optout run holds the lock"))
        }
        let diffs = try WorkspaceSnapshot(root: base + "/together").differences(from: reference)
        #expect(diffs.isEmpty, "\(diffs)")
    }
}
