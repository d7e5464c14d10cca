// Bad days, through the real `optout` executable: a full or read-only outbox (a small tmpfs
// mounted by the test, when it may mount), a symlink out of the workspace, hostile file names, a
// list deleted in the middle of a run, thousands of files at once. Each asserts the message, the
// exit code, and that nothing was lost or half-written (a rerun finishes the work).

import Foundation
import Testing
@testable import OptoutBase
@testable import OptoutKit
@testable import OptoutPhone
import OptoutTestSupport

/// Runs a system command quietly; its exit status.
@discardableResult
func system(_ command: String, _ arguments: [String]) -> Int32 {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: command)
    process.arguments = arguments
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    do { try process.run() } catch { return -1 }
    process.waitUntilExit()
    return process.terminationStatus
}

@Suite(.serialized) struct BadDayTests {
    static let settings = "{ \"default_country\": \"GB\", \"settle_seconds\": 0 }"

    /// A workspace whose campaign's send file is about `rows` × 60 bytes, with a STOP log.
    static func workspace(_ root: String, rows: Int) throws {
        _ = try InitJob.run(dir: root)
        try Tree.write("\(root)/inbox/settings.json", settings)
        var list = "name,phone\n"
        for i in 0..<rows { list += "n\(i),+447700\(String(format: "%06d", i))\n" }
        try Tree.write("\(root)/inbox/lists/big.csv", list)
        try Tree.write("\(root)/inbox/campaigns/hello.txt", "list: big\nsender: ACME\n\nHello {name}, a message long enough to fill a small disk\n")
        try Tree.write("\(root)/inbox/stops/tollfree.csv", "from,timestamp,text\n+447700000003,2026-11-25T18:02:11Z,STOP\n")
    }

    /// Mounts a tmpfs of `size` on `dir`; nil when mounting is not possible here (not root, container).
    static func mountTmpfs(_ dir: String, size: String) -> String? {
        guard access("/bin/mount", X_OK) == 0 || access("/usr/bin/mount", X_OK) == 0 else { return "no mount command" }
        let mount = access("/bin/mount", X_OK) == 0 ? "/bin/mount" : "/usr/bin/mount"
        if getuid() != 0 { return "not root" }
        return system(mount, ["-t", "tmpfs", "-o", "size=\(size)", "tmpfs", dir]) == 0 ? nil : "mount -t tmpfs failed (no privilege in this container?)"
    }

    static func remount(_ dir: String, _ options: String) -> Bool {
        system(access("/bin/mount", X_OK) == 0 ? "/bin/mount" : "/usr/bin/mount", ["-o", "remount,\(options)", dir]) == 0
    }

    static func unmount(_ dir: String) {
        system(access("/bin/umount", X_OK) == 0 ? "/bin/umount" : "/usr/bin/umount", [dir])
    }

    /// Every outbox file present after a failed run is whole: byte for byte the reference's file.
    static func halfWritten(_ root: String, reference: WorkspaceSnapshot) throws -> [String] {
        let now = try WorkspaceSnapshot(root: root)
        var bad = now.temps
        for (path, bytes) in now.files where path.hasPrefix("outbox/") && reference.files[path] != bytes { bad.append(path) }
        return bad
    }

    /// The outbox on a disk that fills up (or is read-only): 73 naming the path, inputs kept, and
    /// a rerun once there is room equals a run that never failed.
    @Test(arguments: ["full", "read-only"])
    func outboxDiskProblem(_ kind: String) throws {
        if let reason = OptoutCLI.missingReason { print(reason); return }
        let base = NSTemporaryDirectory() + "optout-disk-" + UUID().uuidString
        defer { Tree.remove(base) }
        try Self.workspace(base + "/reference", rows: 3000)
        try Tree.copy(base + "/reference", to: base + "/bad")
        let reference0 = try OptoutCLI.runWorkspace(base + "/reference")
        #expect(reference0.status == 0)
        let reference = try WorkspaceSnapshot(root: base + "/reference")

        let outbox = base + "/bad/outbox"
        if let reason = Self.mountTmpfs(outbox, size: kind == "full" ? "64k" : "4m") {
            print("skipped: outbox on a \(kind) disk: \(reason)")
            return
        }
        defer { Self.unmount(outbox) }
        try Workspace(root: base + "/bad").ensureLayout()
        if kind == "read-only" {
            guard Self.remount(outbox, "ro") else { print("skipped: cannot remount the tmpfs read-only"); return }
        }
        let failed = try OptoutCLI.runWorkspace(base + "/bad")
        #expect(failed.status == 73, "\(failed.stderr)")
        let why = kind == "full" ? "No space left on device" : "Read-only file system"
        #expect(failed.stderr.contains(why) && failed.stderr.contains("/bad/outbox/"), "message: \(failed.stderr)")
        #expect(try Self.halfWritten(base + "/bad", reference: reference).isEmpty)
        // Nothing lost: the campaign waits in the inbox; the opt-out is in the ledger or its log waits.
        #expect(Tree.files(under: base + "/bad/inbox/campaigns").contains("hello.txt"))
        #expect(Tree.files(under: base + "/bad/inbox/campaigns/rejected").isEmpty)
        let ledger = try WorkspaceSnapshot(root: base + "/bad").ledger
        #expect(!ledger.isEmpty || Tree.files(under: base + "/bad/inbox/stops").contains("tollfree.csv"))

        #expect(Self.remount(outbox, kind == "full" ? "size=16m" : "rw"))
        let rerun = try OptoutCLI.runWorkspace(base + "/bad")
        #expect(rerun.status == 0, "\(rerun.stderr)")
        let diffs = try WorkspaceSnapshot(root: base + "/bad").differences(from: reference)
        #expect(diffs.isEmpty, "\(diffs)")
    }

    @Test func symlinkToAListOutsideTheWorkspaceIsRejectedNotFollowed() throws {
        if let reason = OptoutCLI.missingReason { print(reason); return }
        let base = NSTemporaryDirectory() + "optout-link-" + UUID().uuidString
        defer { Tree.remove(base) }
        let root = base + "/ws"
        _ = try InitJob.run(dir: root)
        try Tree.write("\(root)/inbox/settings.json", Self.settings)
        let secret = "name,phone\nSecret,+447700900999\n"
        try Tree.write(base + "/secret.csv", secret)
        #expect(symlink(base + "/secret.csv", "\(root)/inbox/lists/secret.csv") == 0)
        try Tree.write("\(root)/inbox/campaigns/leak.txt", "list: secret\nsender: ACME\n\nHello {name}\n")
        let run = try OptoutCLI.runWorkspace(root)
        #expect(run.status == 65)
        #expect(run.stderr.contains("inbox/lists/secret.csv: error: is a symbolic link; links are not followed"), "\(run.stderr)")
        #expect(run.stderr.contains("list \"secret\" not found"), "\(run.stderr)")
        // The link itself was moved (still a link to the same target); the target is untouched.
        var st = stat()
        #expect(lstat("\(root)/inbox/lists/rejected/secret.csv", &st) == 0 && st.st_mode & S_IFMT == S_IFLNK)
        #expect(Tree.read(base + "/secret.csv") == secret)
        #expect(Tree.files(under: base).sorted() == ["secret.csv"] + Tree.files(under: root).map { "ws/\($0)" }.sorted())
        // Nothing from the target reached an output.
        for file in Tree.files(under: root + "/outbox") {
            #expect(Tree.read("\(root)/outbox/\(file)")?.contains("7700900999") != true, "\(file) holds the secret number")
        }
        #expect(Tree.files(under: root + "/outbox/send").isEmpty)
    }

    @Test func hostileFileNamesAndListPathsGiveMessagesAndWriteNothingOutside() throws {
        if let reason = OptoutCLI.missingReason { print(reason); return }
        let base = NSTemporaryDirectory() + "optout-names-" + UUID().uuidString
        defer { Tree.remove(base) }
        let root = base + "/ws"
        _ = try InitJob.run(dir: root)
        try Tree.write("\(root)/inbox/settings.json", Self.settings)
        try Tree.write("\(root)/inbox/lists/customers.csv", "name,phone\nAmelia,07911 123456\n")
        try Tree.write(base + "/outside.csv", "name,phone\nOut,07911 654321\n")
        let campaign = "list: customers\nsender: ACME\n\nHello {name}\n"
        try Tree.write("\(root)/inbox/campaigns/bad\nname.txt", campaign)
        let latin1: [UInt8] = Array("\(root)/inbox/campaigns/caf".utf8) + [0xE9] + Array(".txt".utf8)
        let fd = latin1.withUnsafeBufferPointer { p in
            (Array(p) + [0]).withUnsafeBufferPointer { open(UnsafeRawPointer($0.baseAddress!).assumingMemoryBound(to: CChar.self), O_WRONLY | O_CREAT, 0o644) }
        }
        #expect(fd >= 0)
        _ = campaign.utf8CString.withUnsafeBufferPointer { write(fd, $0.baseAddress!, $0.count - 1) }
        close(fd)
        try Tree.write("\(root)/inbox/campaigns/escape.txt", "list: ../../outside\nsender: ACME\n\nHello {name}\n")
        try Tree.write("\(root)/inbox/campaigns/sale..v2.txt", campaign)
        let run = try OptoutCLI.runWorkspace(root)
        #expect(run.status == 65)
        #expect(run.stderr.contains("file name contains control characters; left in place"), "\(run.stderr)")
        #expect(run.stderr.contains("file name is not valid UTF-8"), "\(run.stderr)")
        #expect(run.stderr.contains("inbox/campaigns/escape.txt: error: line 1: list \"../../outside\" not found"), "\(run.stderr)")
        // Bad names stay where they are (the error repeats on every run until renamed); the escape
        // attempt is rejected with its reasons; the odd-but-safe name is processed inside the outbox.
        let left = try FileManager.default.contentsOfDirectory(atPath: "\(root)/inbox/campaigns")
        #expect(left.contains("bad\nname.txt"))
        #expect(left.count == 4, "\(left)")   // the two hostile names, processed/ and rejected/
        #expect(Tree.files(under: "\(root)/inbox/campaigns/rejected") == ["escape.txt", "escape.txt.error.txt"])
        #expect(Tree.files(under: "\(root)/inbox/campaigns/processed") == ["sale..v2.txt"])
        #expect(Tree.files(under: "\(root)/outbox/send") == ["sale..v2.csv"])
        // Nothing was written outside the workspace.
        #expect(Tree.files(under: base).filter { !$0.hasPrefix("ws/") } == ["outside.csv"])
    }

    /// A list deleted in the middle of a run: the run is killed (crash point) after the campaign's
    /// send file is written but before its report; the list is then deleted; the rerun rejects the
    /// campaign with a message naming the list, and removes the files the killed run had published
    /// for it (a send file for a rejected campaign must not wait in outbox/send/).
    @Test func listDeletedInTheMiddleOfARun() throws {
        if let reason = OptoutCLI.missingReason { print(reason); return }
        let base = NSTemporaryDirectory() + "optout-gone-" + UUID().uuidString
        defer { Tree.remove(base) }
        try Self.workspace(base + "/template", rows: 20)
        // Find a step at which the campaign's report is published and its send file (published
        // last) is not yet.
        var found: Int?
        for n in 1...80 {
            let root = "\(base)/try-\(n)"
            try Tree.copy(base + "/template", to: root)
            let run = try OptoutCLI.runWorkspace(root, environment: ["OPTOUT_CRASH_AT": String(n)])
            if !run.killed { Tree.remove(root); break }
            if Durable.exists(root + "/outbox/reports/hello.txt") && !Durable.exists(root + "/outbox/send/hello.csv") { found = n; break }
            Tree.remove(root)
        }
        let n = try #require(found, "no crash point between the campaign report and the send file")
        let root = "\(base)/try-\(n)"
        // The campaign's record of numbers sent (issue 17) is published before its other files.
        #expect(Durable.exists(root + "/.optout/campaigns/hello.keys"))
        #expect(unlink(root + "/inbox/lists/big.csv") == 0)
        let rerun = try OptoutCLI.run(["run", "--root", root, "--verbose"], environment: ["OPTOUT_NOW": "2026-11-26T12:00:00Z"])
        #expect(rerun.status == 65)
        #expect(rerun.stderr.contains("inbox/campaigns/hello.txt: error: line 1: list \"big\" not found"), "\(rerun.stderr)")
        #expect(Tree.files(under: root + "/inbox/campaigns/rejected") == ["hello.txt", "hello.txt.error.txt"])
        let snapshot = try WorkspaceSnapshot(root: root)
        #expect(snapshot.temps.isEmpty)
        #expect(Tree.files(under: root + "/inbox/stops/processed") == ["tollfree.csv"])
        #expect(snapshot.ledger.count == 1)
        #expect(Tree.files(under: root + "/outbox/send").isEmpty)
        #expect(!Durable.exists(root + "/outbox/reports/hello-skipped.csv"))
        #expect(rerun.stderr.contains("outbox/reports/hello.txt removed: written by an interrupted earlier attempt"), "\(rerun.stderr)")
        #expect(!Durable.exists(root + "/outbox/reports/hello.txt"))
        // A rejected campaign sent nobody: its keys go too, so `optout lookup` never lists it.
        #expect(rerun.stderr.contains(".optout/campaigns/hello.keys removed: written by an interrupted earlier attempt"), "\(rerun.stderr)")
        #expect(!Durable.exists(root + "/.optout/campaigns/hello.keys"))
        print("list deleted mid-run: killed at step \(n), after outbox/reports/hello.txt was published")
    }

    /// Deleted while open: the reader keeps the file's bytes (POSIX: the inode lives until closed),
    /// so a list unlinked after the reader opened it is read whole.
    @Test func listUnlinkedWhileOpenIsReadWhole() throws {
        let t = try TempWorkspace()
        var list = "name,phone\n"
        for i in 0..<5000 { list += "n\(i),+447700\(String(format: "%06d", i))\n" }
        try t.write("inbox/lists/big.csv", list)
        let reader = try ContactListReader(path: t.root + "/inbox/lists/big.csv", parser: PhoneNumberParser(defaultRegion: "GB"))
        #expect(try reader.next())
        #expect(unlink(t.root + "/inbox/lists/big.csv") == 0)
        var rows = 1
        while try reader.next() { rows += 1 }
        #expect(rows == 5000)
    }

    /// Deleted between the scan and the read: rejecting it says so (74 through the CLI), and no
    /// `.error.txt` is left for a file that is not there.
    @Test func rejectingAFileThatDisappearedSaysSo() throws {
        let t = try TempWorkspace()
        let file = DroppedFile(path: t.root + "/inbox/lists/gone.csv", name: "gone.csv", size: 0, modified: Timestamp(seconds: 0))
        #expect(throws: OptoutError.self) { try DropFolder.reject(file, into: t.ws.rejected(.lists), errors: ["x"]) }
        do { try DropFolder.reject(file, into: t.ws.rejected(.lists), errors: ["x"]) } catch {
            #expect(error.description.contains("disappeared while being read"))
            #expect(CommandRunner.code(for: error) == 74)
        }
        #expect(t.list("inbox/lists/rejected").isEmpty)
    }

    /// A STOP log over 256 MiB (the old whole-read limit) is streamed, not refused: a sparse file
    /// (no disk) whose 256 MiB hole is one unreadable line (NUL bytes), then a STOP that applies.
    /// About 2 minutes in a debug build on a busy machine (three passes over 256 MiB): it runs
    /// under CI=true or OPTOUT_SLOW_TESTS=1 and is skipped with a message otherwise.
    @Test func oversizedStopLogIsStreamed() throws {
        let env = ProcessInfo.processInfo.environment
        guard env["CI"] == "true" || env["OPTOUT_SLOW_TESTS"] == "1" else {
            print("skipped: oversizedStopLogIsStreamed reads 256 MiB (set OPTOUT_SLOW_TESTS=1 or CI=true to run it)")
            return
        }
        let t = try TempWorkspace()
        let path = t.root + "/inbox/stops/huge.csv"
        try t.write("inbox/stops/huge.csv", "from,timestamp,text\n")
        #expect(truncate(path, off_t(20 + (256 << 20))) == 0)
        let handle = try #require(FileHandle(forWritingAtPath: path))
        handle.seekToEndOfFile()
        handle.write(Data("\n+447700900001,2026-11-26T08:00:00Z,STOP\n".utf8))
        handle.closeFile()
        let reader = StopLogReader(parser: PhoneNumberParser(defaultRegion: "GB"), settings: Settings(), now: Timestamp(seconds: 1_795_694_400))
        let contents = try reader.read(path: path, displayName: "inbox/stops/huge.csv")
        #expect(contents.events.map { "\($0.line) \($0.number) \($0.kind.rawValue)" } == ["3 +447700900001 optout"])
        #expect(contents.unreadableRows.map(\.line) == [2])
    }

    @Test func twoThousandStopLogsAtOnce() throws {
        if let reason = OptoutCLI.missingReason { print(reason); return }
        let root = NSTemporaryDirectory() + "optout-many-" + UUID().uuidString
        defer { Tree.remove(root) }
        _ = try InitJob.run(dir: root)
        try Tree.write("\(root)/inbox/settings.json", Self.settings)
        for i in 0..<2000 {
            try Tree.write("\(root)/inbox/stops/log-\(String(format: "%04d", i)).csv",
                           "from,timestamp,text\n+447700\(String(format: "%06d", i)),2026-11-25T18:02:11Z,STOP\n")
        }
        let started = Date()
        let run = try OptoutCLI.runWorkspace(root)
        let seconds = Date().timeIntervalSince(started)
        print("2,000 STOP logs in one run: \(String(format: "%.2f", seconds)) s")
        #expect(run.status == 0, "\(run.stderr)")
        #expect(Tree.files(under: root + "/inbox/stops/processed").count == 2000)
        #expect(Tree.files(under: root + "/inbox/stops").filter { !$0.contains("/") }.isEmpty)
        #expect(Set(try WorkspaceSnapshot(root: root).ledger).count == 2000)
        #expect(Tree.files(under: root + "/outbox/webhooks/pending").count == 2000)
        #expect(Tree.read(root + "/outbox/suppressions.csv")?.split(separator: "\n").count == 2001)
    }
}
