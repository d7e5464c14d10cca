// Durability seen from the kernel (issue 13): `strace -f -y` on a real run with a STOP log, a
// suppression import and a campaign shows, before every rename that publishes a file this run
// wrote, a sync of that file's bytes: an fsync of it after its last write, or a syncfs after its
// last write (the batched webhook payloads, named by rename or by linkat from O_TMPFILE inodes). .optout/last-attempt.json is the one exception, by
// design (RunAttempt: a look for `status`, not state). Skips with a reason where strace is missing; fails
// under CI=true (.ci/run installs strace).

import Testing
import Foundation
import OptoutBase
import OptoutTestSupport

@Suite struct DurabilityTraceTests {
    /// One traced system call: its name, the paths it names, and for fd calls the fd's path (-y).
    struct Call {
        var name: String
        var fd: Int?
        var fdPath: String?
        var paths: [String]
    }

    static func parse(_ line: Substring) -> Call? {
        // "<pid> name(args) = result" (strace -f -o, -y prints "fd</path>").
        guard let space = line.firstIndex(of: " "), let open = line.firstIndex(of: "(") else { return nil }
        let name = String(line[line.index(after: space)..<open]).trimmingCharacters(in: .whitespaces)
        guard !line.contains("<unfinished"), !line.contains("resumed>"), !line.hasSuffix("= -1") , !line.contains("= -1 ") else { return nil }
        let args = line[line.index(after: open)...]
        var fdPath: String?
        var fd: Int?
        if let lt = args.firstIndex(of: "<"), args[args.startIndex..<lt].allSatisfy({ $0.isNumber }), let gt = args[lt...].firstIndex(of: ">") {
            fdPath = String(args[args.index(after: lt)..<gt])
            fd = Int(args[args.startIndex..<lt])
        }
        var paths: [String] = []
        var rest = args
        while let q = rest.firstIndex(of: "\"") {
            let after = rest.index(after: q)
            guard let end = rest[after...].firstIndex(of: "\"") else { break }
            paths.append(String(rest[after..<end]))
            rest = rest[rest.index(after: end)...]
        }
        return Call(name: name, fd: fd, fdPath: fdPath, paths: paths)
    }

    /// A call that another thread interrupted (issue 13: fsyncs and writes run on several threads)
    /// is traced as "<pid> name(args <unfinished ...>" then "<pid> <... name resumed>rest": joined
    /// into one line, placed where it returned.
    static func joinResumed(_ lines: [Substring]) -> [Substring] {
        var pending: [String: String] = [:]
        var out: [Substring] = []
        for raw in lines {
            let line = String(raw)
            let pid = String(line.prefix { $0 != " " })
            if let cut = line.range(of: " <unfinished ...>") {
                pending[pid] = String(line[..<cut.lowerBound])
            } else if let resumed = line.range(of: " resumed>"), let start = pending.removeValue(forKey: pid) {
                out.append(Substring(start + String(line[resumed.upperBound...])))
            } else {
                out.append(raw)
            }
        }
        return out
    }

    @Test func everyPublishingRenameFollowsASyncOfItsBytes() throws {
        guard cliAvailable(), let optout = OptoutCLI.path else { return }
        let strace = ["/usr/bin/strace", "/bin/strace"].first { FileManager.default.isExecutableFile(atPath: $0) }
        guard let strace else {
            let reason = "skipped: strace not installed: the order of syncs and renames is not checked"
            if ProcessInfo.processInfo.environment["CI"] == "true" { Issue.record("\(reason)") } else { print(reason) }
            return
        }
        let t = try TempWorkspace(settings: "{\"default_country\": \"GB\", \"settle_seconds\": 0, \"optout_link_base\": \"https://ex.co/u/\"}")
        try t.write("inbox/stops/replies.csv", "from,timestamp,text\n+447700900111,2026-11-25T10:00:00Z,STOP\n+447700900112,2026-11-25T10:01:00Z,stop please\n")
        try t.write("inbox/suppressions/old.csv", "phone\n07700900113\n+447700900114\n")
        try t.write("inbox/lists/customers.csv", "first_name,phone\nAmy,07700900111\nBen,07700900115\nCat,07700900116\n")
        try t.write("inbox/campaigns/sale.txt", "list: customers\nsender: ACME\n\nHi {first_name}, sale! Reply STOP or {optout}\n")
        let trace = "\(t.root)/../\(UUID().uuidString).strace"
        defer { unlink(trace) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: strace)
        process.arguments = ["-f", "-y", "-s", "0", "-e", "trace=write,pwrite64,writev,fsync,fdatasync,syncfs,rename,renameat,renameat2,linkat",
                             "-o", trace, optout, "run", "--root", t.root]
        process.environment = ["OPTOUT_NOW": "2026-11-26T12:00:00Z", "PATH": "/usr/bin:/bin"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        #expect(t.rows("outbox/send/sale.csv").count == 2)    // Ben and Cat: the campaign ran
        let calls = Self.joinResumed((try String(contentsOfFile: trace, encoding: .utf8)).split(separator: "\n")).compactMap(Self.parse)
        var lastWrite: [String: Int] = [:], lastFsync: [String: Int] = [:]
        // Unnamed files (O_TMPFILE) are named by linkat("/proc/self/fd/N"): their writes by fd.
        var lastWriteByFd: [Int: Int] = [:], lastFsyncByFd: [Int: Int] = [:]
        var lastSyncfs = -1
        var published: [String] = []
        for (i, call) in calls.enumerated() {
            switch call.name {
            case "write", "pwrite64", "writev":
                if let path = call.fdPath { lastWrite[path] = i }
                if let fd = call.fd { lastWriteByFd[fd] = i }
            case "fsync", "fdatasync":
                if let path = call.fdPath { lastFsync[path] = i }
                if let fd = call.fd { lastFsyncByFd[fd] = i }
            case "linkat":
                // linkat(N, "", dir, "name", AT_EMPTY_PATH) or linkat(AT_FDCWD, "/proc/self/fd/N",
                // dir, "name", AT_SYMLINK_FOLLOW): publishes the unnamed file N.
                guard call.paths.count == 2 else { continue }
                let fd: Int
                if call.paths[0].isEmpty, let n = call.fd { fd = n }
                else if call.paths[0].hasPrefix("/proc/self/fd/"), let n = Int(call.paths[0].dropFirst(14)) { fd = n }
                else { continue }
                guard let written = lastWriteByFd[fd] else { continue }
                let synced = max(lastFsyncByFd[fd] ?? -1, lastSyncfs)
                #expect(synced > written, "\(call.paths[1]) linked into place without a sync of its bytes after their last write")
                published.append(Durable.baseName(call.paths[1]))
            case "syncfs":
                lastSyncfs = i
            case "rename", "renameat", "renameat2":
                guard call.paths.count == 2 else { continue }
                let from = call.paths[0].hasPrefix("/") ? call.paths[0] : "\(t.root)/\(call.paths[0])"
                // Inputs moved to processed/ were not written by this run: not a publication.
                // .optout/last-attempt.json is a look for `status`, not state, and is documented as
                // never fsynced (RunAttempt: a crash leaves the previous or the new record).
                if Durable.baseName(call.paths[1]) == "last-attempt.json" { continue }
                guard let written = lastWrite.first(where: { $0.key.hasSuffix(from) || from.hasSuffix($0.key) })?.value else { continue }
                let synced = max(lastFsync.first(where: { $0.key.hasSuffix(from) || from.hasSuffix($0.key) })?.value ?? -1, lastSyncfs)
                #expect(synced > written, "\(call.paths[1]) renamed into place without a sync of its bytes after their last write")
                published.append(Durable.baseName(call.paths[1]))
            default:
                break
            }
        }
        // The run did publish: webhook payloads (syncfs batch), the send file, reports.
        #expect(published.contains("sale.csv"))
        #expect(published.filter { $0.hasSuffix(".json") && !$0.hasPrefix("last") }.count >= 2)
        #expect(published.contains { $0.hasPrefix("unsubscriptions-") })
        #expect(published.contains("suppressions.csv"))
    }
}
