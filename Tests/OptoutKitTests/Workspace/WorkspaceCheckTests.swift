// Folders are what they claim to be, and modes (issue 11 items 1 and 7), through the real binary:
// a linked inbox folder, outbox/ or .optout/ stops the run with 78 before anything is read or
// moved and nothing is written outside; a linked --root works; outputs follow the umask, state
// stays 0600 and .optout/ comes back 0700. Skips with a printed reason when the optout executable
// was not built (fails under CI=true).

import Foundation
import Testing
@testable import OptoutBase
@testable import OptoutKit
@testable import OptoutPhone
import OptoutTestSupport

/// False (and a printed reason, or a failure under CI=true) when the optout executable is missing.
func cliAvailable() -> Bool {
    guard let reason = OptoutCLI.missingReason else { return true }
    if ProcessInfo.processInfo.environment["CI"] == "true" { Issue.record("\(reason)") } else { print(reason) }
    return false
}

/// Runs `optout <arguments>` under `umask` (through /bin/sh), with a fixed clock.
func runUnderUmask(_ umask: String, _ arguments: [String]) throws -> Int32 {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/sh")
    process.arguments = ["-c", "umask \(umask); exec \"$0\" \"$@\"", OptoutCLI.path!] + arguments
    var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("OPTOUT_") }
    environment["OPTOUT_NOW"] = "2026-11-26T12:00:00Z"
    process.environment = environment
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    try process.run()
    process.waitUntilExit()
    return process.terminationStatus
}

func fileMode(_ path: String) -> mode_t {
    var st = stat()
    return lstat(path, &st) == 0 ? st.st_mode & 0o7777 : 0
}

/// Every file under `dir` with its bytes (what "untouched" means).
func treeBytes(_ dir: String) -> [String: Data] {
    var result: [String: Data] = [:]
    for item in Tree.files(under: dir) { result[item] = FileManager.default.contents(atPath: "\(dir)/\(item)") ?? Data() }
    return result
}

@Suite(.serialized) struct WorkspaceCheckTests {
    static let settings = "{ \"default_country\": \"GB\", \"settle_seconds\": 0 }"

    /// A fresh workspace under a scratch folder (removed by the caller).
    static func workspace() throws -> (base: String, root: String) {
        let base = NSTemporaryDirectory() + "optout-wscheck-" + UUID().uuidString
        let root = base + "/ws"
        _ = try InitJob.run(dir: root)
        try Tree.write("\(root)/inbox/settings.json", settings)
        return (base, root)
    }

    static func replaceWithLink(_ folder: String, to target: String) throws {
        try FileManager.default.removeItem(atPath: folder)
        #expect(symlink(target, folder) == 0)
    }

    @Test func aStopsFolderLinkedToTheStateFolderStopsTheRunAndTheLedgerStays() throws {
        guard cliAvailable() else { return }
        let (base, root) = try Self.workspace()
        defer { Tree.remove(base) }
        try Tree.write("\(root)/inbox/stops/tollfree.csv", "from,timestamp,text\n+447700900123,2026-11-25T18:02:11Z,STOP\n")
        let first = try OptoutCLI.runWorkspace(root)
        #expect(first.status == 0, "\(first.stderr)")
        let state = treeBytes(root + "/.optout")
        #expect(state["ledger.tsv"] != nil)

        try Self.replaceWithLink(root + "/inbox/stops", to: "../.optout")
        let linked = try OptoutCLI.runWorkspace(root)
        #expect(linked.status == 78)
        #expect(linked.stderr.contains("inbox/stops: is a symbolic link (to ../.optout)"), "\(linked.stderr)")
        #expect(linked.stderr.contains("nothing was read or moved"))
        // The ledger, key, index and journal are where they were, byte for byte.
        #expect(treeBytes(root + "/.optout") == state)
        #expect(!Durable.exists(root + "/.optout/rejected") && !Durable.exists(root + "/.optout/processed"))
        // status and deliver refuse the same way.
        #expect(try OptoutCLI.run(["status", "--root", root]).status == 78)
        #expect(try OptoutCLI.run(["deliver", "--root", root]).status == 78)

        // The link removed: the earlier opt-out is still in force.
        unlink(root + "/inbox/stops")
        try FileManager.default.createDirectory(atPath: root + "/inbox/stops", withIntermediateDirectories: false)
        try Tree.write("\(root)/inbox/lists/customers.csv", "name,phone\nAnn,+447700900123\nBob,+447700900456\n")
        try Tree.write("\(root)/inbox/campaigns/sale.txt", "list: customers\n\nHi {name}, reply STOP to stop\n")
        let after = try OptoutCLI.runWorkspace(root)
        #expect(after.status == 0, "\(after.stderr)")
        let send = Tree.read(root + "/outbox/send/sale.csv") ?? ""
        #expect(send.contains("+447700900456") && !send.contains("+447700900123"), "\(send)")
        #expect(Tree.read(root + "/outbox/reports/sale-skipped.csv")?.contains("+447700900123") == true)
    }

    @Test func aLinkedOutboxOrStateFolderStopsTheRunAndNothingIsWrittenOutside() throws {
        guard cliAvailable() else { return }
        let (base, root) = try Self.workspace()
        defer { Tree.remove(base) }
        try Tree.write("\(root)/inbox/lists/customers.csv", "name,phone\nAnn,+447700900123\n")
        try Tree.write("\(root)/inbox/campaigns/sale.txt", "list: customers\n\nHi {name}, reply STOP to stop\n")
        try Tree.write("\(root)/inbox/stops/tollfree.csv", "from,timestamp,text\n+447700900999,2026-11-25T18:02:11Z,STOP\n")
        let inbox = treeBytes(root + "/inbox")

        // outbox/ a link to an empty folder outside: refused, the folder stays empty.
        let outside = base + "/elsewhere"
        try FileManager.default.createDirectory(atPath: outside, withIntermediateDirectories: true)
        try Self.replaceWithLink(root + "/outbox", to: outside)
        let run = try OptoutCLI.runWorkspace(root)
        #expect(run.status == 78)
        #expect(run.stderr.contains("outbox: is a symbolic link"), "\(run.stderr)")
        #expect(((try? FileManager.default.contentsOfDirectory(atPath: outside)) ?? ["?"]).isEmpty)
        #expect(treeBytes(root + "/inbox") == inbox)
        #expect(try OptoutCLI.run(["site", "--root", root]).status == 78)
        #expect(((try? FileManager.default.contentsOfDirectory(atPath: outside)) ?? ["?"]).isEmpty)

        // A linked sub-folder (outbox/send) too.
        unlink(root + "/outbox")
        try FileManager.default.createDirectory(atPath: root + "/outbox", withIntermediateDirectories: false)
        #expect(symlink(outside, root + "/outbox/send") == 0)
        #expect(try OptoutCLI.runWorkspace(root).status == 78)
        #expect(((try? FileManager.default.contentsOfDirectory(atPath: outside)) ?? ["?"]).isEmpty)
        unlink(root + "/outbox/send")

        // .optout/ a link to a copy of the state outside: refused, the copy is untouched.
        let stateCopy = base + "/state-copy"
        try Tree.copy(root + "/.optout", to: stateCopy)
        let before = treeBytes(stateCopy)
        try Self.replaceWithLink(root + "/.optout", to: stateCopy)
        let stateRun = try OptoutCLI.runWorkspace(root)
        #expect(stateRun.status == 78)
        #expect(stateRun.stderr.contains(".optout: is a symbolic link"), "\(stateRun.stderr)")
        #expect(treeBytes(stateCopy) == before)
        #expect(treeBytes(root + "/inbox") == inbox)
        #expect(Tree.files(under: root + "/outbox").isEmpty)

        // A state file that is a link is refused the same way.
        unlink(root + "/.optout")
        try FileManager.default.createDirectory(atPath: root + "/.optout", withIntermediateDirectories: false)
        #expect(symlink(base + "/elsewhere/ledger.tsv", root + "/.optout/ledger.tsv") == 0)
        let ledgerRun = try OptoutCLI.runWorkspace(root)
        #expect(ledgerRun.status == 78)
        #expect(ledgerRun.stderr.contains(".optout/ledger.tsv: is a symbolic link"), "\(ledgerRun.stderr)")
        #expect(!Durable.exists(base + "/elsewhere/ledger.tsv"))
    }

    @Test func aLinkedRootIsResolvedOnceAndWorks() throws {
        guard cliAvailable() else { return }
        let (base, root) = try Self.workspace()
        defer { Tree.remove(base) }
        try Tree.write("\(root)/inbox/lists/customers.csv", "name,phone\nAnn,+447700900123\n")
        try Tree.write("\(root)/inbox/campaigns/sale.txt", "list: customers\n\nHi {name}, reply STOP to stop\n")
        #expect(symlink(root, base + "/link") == 0)
        let run = try OptoutCLI.runWorkspace(base + "/link")
        #expect(run.status == 0, "\(run.stderr)")
        #expect(Tree.read(root + "/outbox/send/sale.csv")?.contains("+447700900123") == true)
        #expect(Tree.files(under: root + "/inbox/campaigns/processed") == ["sale.txt"])
        var st = stat()
        #expect(lstat(base + "/link", &st) == 0 && st.st_mode & S_IFMT == S_IFLNK)
        #expect(try OptoutCLI.run(["status", "--root", base + "/link"]).status == 0)
    }

    @Test func outputsFollowTheUmaskAndStateStaysPrivate() throws {
        guard cliAvailable() else { return }
        let (base, root) = try Self.workspace()
        defer { Tree.remove(base) }
        try Tree.write("\(root)/inbox/settings.json", "{ \"default_country\": \"GB\", \"settle_seconds\": 0, \"optout_link_base\": \"https://optout.acme.co.uk/u/\" }")
        try Tree.write("\(root)/inbox/lists/customers.csv", "name,phone\nAnn,+447700900123\n")
        try Tree.write("\(root)/inbox/campaigns/sale.txt", "list: customers\n\nHi {name}, stop: {optout}\n")
        try Tree.write("\(root)/inbox/stops/tollfree.csv", "from,timestamp,text\n+447700900999,2026-11-25T18:02:11Z,STOP\n")
        #expect(try runUnderUmask("027", ["run", "--root", root]) == 0)
        for output in ["outbox/send/sale.csv", "outbox/links/sale.csv", "outbox/reports/sale.txt", "outbox/reports/sale-skipped.csv",
                       "outbox/reports/list-customers.txt", "outbox/suppressions.csv"] {
            #expect(fileMode("\(root)/\(output)") == 0o640, "\(output): \(String(fileMode("\(root)/\(output)"), radix: 8))")
        }
        #expect(Tree.files(under: root + "/.optout").count >= 5)
        for state in Tree.files(under: root + "/.optout") {
            #expect(fileMode("\(root)/.optout/\(state)") == 0o600, "\(state): \(String(fileMode("\(root)/.optout/\(state)"), radix: 8))")
        }
        #expect(fileMode(root + "/.optout") == 0o700)

        // A permissive umask (000): outputs 0666, state still 0600 (nothing of it readable by others).
        let (base2, root2) = try Self.workspace()
        defer { Tree.remove(base2) }
        try Tree.write("\(root2)/inbox/stops/tollfree.csv", "from,timestamp,text\n+447700900999,2026-11-25T18:02:11Z,STOP\n")
        #expect(try runUnderUmask("000", ["run", "--root", root2]) == 0)
        #expect(fileMode(root2 + "/outbox/suppressions.csv") == 0o666)
        for state in ["ledger.tsv", "journal.tsv", "last-run.json", "lock"] {
            #expect(fileMode("\(root2)/.optout/\(state)") & 0o077 == 0, "\(state): \(String(fileMode("\(root2)/.optout/\(state)"), radix: 8))")
        }
    }

    @Test func aLooseStateFolderIsTightenedAtEveryRun() throws {
        guard cliAvailable() else { return }
        let (base, root) = try Self.workspace()
        defer { Tree.remove(base) }
        try Tree.write("\(root)/inbox/stops/tollfree.csv", "from,timestamp,text\n+447700900999,2026-11-25T18:02:11Z,STOP\n")
        #expect(try OptoutCLI.runWorkspace(root).status == 0)
        #expect(chmod(root + "/.optout", 0o755) == 0 && chmod(root + "/.optout/ledger.tsv", 0o644) == 0)
        #expect(fileMode(root + "/.optout") == 0o755)
        #expect(try OptoutCLI.runWorkspace(root).status == 0)
        #expect(fileMode(root + "/.optout") == 0o700)
        #expect(fileMode(root + "/.optout/ledger.tsv") == 0o600)
    }

    @Test func watchReportsALinkedFolderOnEachPassAndKeepsWaiting() throws {
        guard cliAvailable() else { return }
        let (base, root) = try Self.workspace()
        defer { Tree.remove(base) }
        try Self.replaceWithLink(root + "/inbox/stops", to: "../.optout")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: OptoutCLI.path!)
        process.arguments = ["watch", "--root", root]
        let errorFile = base + "/watch.err"
        _ = FileManager.default.createFile(atPath: errorFile, contents: nil)
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errorFile))
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        func waitFor(_ seconds: Double, _ condition: () -> Bool) -> Bool {
            let start = Date()
            while Date().timeIntervalSince(start) < seconds {
                if condition() { return true }
                usleep(50_000)
            }
            return false
        }
        #expect(waitFor(10) { (Tree.read(errorFile) ?? "").contains("inbox/stops: is a symbolic link") })
        usleep(300_000)
        #expect(process.isRunning, "watch stopped on a linked folder")
        #expect(!Durable.exists(root + "/.optout/last-run.json"))
        // Fixed: the next pass runs (within the one-second check), and a campaign is built.
        unlink(root + "/inbox/stops")
        try FileManager.default.createDirectory(atPath: root + "/inbox/stops", withIntermediateDirectories: false)
        #expect(waitFor(10) { Durable.exists(root + "/.optout/last-run.json") })
        try Tree.write("\(root)/inbox/lists/customers.csv", "name,phone\nAnn,+447700900123\n")
        try Tree.write("\(root)/inbox/campaigns/sale.txt", "list: customers\n\nHi {name}, reply STOP to stop\n")
        #expect(waitFor(15) { Durable.exists(root + "/outbox/send/sale.csv") })
        kill(process.processIdentifier, SIGTERM)
        #expect(waitFor(10) { !process.isRunning })
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
    }

    @Test func checkNamesEveryLinkedFolderAndIgnoresMissingOnes() throws {
        let t = try TempWorkspace()
        #expect(WorkspaceCheck.problems(t.ws).isEmpty)
        try FileManager.default.removeItem(atPath: t.ws.webhooksFailed)
        #expect(WorkspaceCheck.problems(t.ws).isEmpty)
        try FileManager.default.removeItem(atPath: t.ws.processed(.clicks))
        #expect(symlink("/tmp", t.ws.processed(.clicks)) == 0)
        try FileManager.default.removeItem(atPath: t.ws.notificationsFolder)
        #expect(FileManager.default.createFile(atPath: t.ws.notificationsFolder, contents: Data()))
        let problems = WorkspaceCheck.problems(Workspace(root: t.root))
        #expect(problems.map(\.path) == ["inbox/clicks/processed", "outbox/notifications"])
        #expect(problems.first?.reason.hasPrefix("is a symbolic link (to /tmp)") == true)
        #expect(problems.last?.reason == "is not a directory")
        // Any link in .optout/ (a state file a later release adds, too) is refused.
        #expect(symlink("/tmp/elsewhere.tsv", t.ws.state + "/reviews.tsv") == 0)
        #expect(WorkspaceCheck.problems(t.ws).map(\.path).last == ".optout/reviews.tsv")
        unlink(t.ws.state + "/reviews.tsv")
        // A move out of .optout/ is refused whatever the folder's link.
        try t.write(".optout/x.txt", "state")
        #expect(throws: OptoutError.self) { try Durable.move(t.root + "/.optout/x.txt", to: t.root + "/outbox/x.txt") }
        #expect(t.read(".optout/x.txt") == "state")
        // So is a reject or a move to processed/ of a file found there (nothing written first).
        let inState = DroppedFile(path: t.root + "/.optout/x.txt", name: "x.txt", size: 5, modified: Timestamp(seconds: 0))
        #expect(throws: OptoutError.self) { try DropFolder.reject(inState, into: t.ws.rejected(.stops), errors: ["x"]) }
        #expect(throws: OptoutError.self) { try DropFolder.markProcessed(inState, into: t.ws.processed(.stops)) }
        #expect(t.list("inbox/stops/rejected").isEmpty && t.list("inbox/stops/processed").isEmpty)
        #expect(t.read(".optout/x.txt") == "state")
    }
}
