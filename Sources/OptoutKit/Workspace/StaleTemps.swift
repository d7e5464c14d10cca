// Stale temp files: what a killed optout process leaves behind, removed at the start of the next
// run. A write in progress is a hidden `.<name>.tmp-<pid>-<hex8>` beside its final path (AtomicFile,
// Durable.writeFiles), a duplicate search uses `.optout/tmp/dups-<pid>-<hex8>/` and a workbook sheet
// read as CSV `.optout/tmp/sheet-<pid>-<hex8>` (WorkbookInput); SIGKILL or a
// power cut leaves them, invisible to readers of the folders but never removed, and a sync tool
// that copies dot files would ship them. Input: a workspace (called under its lock). Output: the
// paths removed (relative to the root). Only entries whose process id no longer names a live
// process are touched, so a concurrent `optout site` or a watch's own files are left alone.
// Failures: none (an entry that cannot be removed is left for the next run).

import OptoutBase
#if canImport(Glibc)
import Glibc
#endif
import Foundation

package enum StaleTemps {
    /// Removes temp files and duplicate-search folders of dead optout processes.
    @discardableResult
    package static func sweep(_ ws: Workspace) -> [String] {
        var folders = [ws.outbox, ws.sendFolder, ws.linksFolder, ws.reportsFolder, ws.notificationsFolder,
                       ws.webhooksPending, ws.webhooksDelivered, ws.webhooksFailed, ws.siteFolder, ws.state,
                       ws.lookupsFolder, ws.campaignKeysFolder]
        for kind in InputKind.allCases { folders += [ws.folder(kind), ws.processed(kind), ws.rejected(kind)] }
        var removed: [String] = []
        for folder in folders {
            for name in (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [] {
                guard name.hasPrefix("."), let pid = ownerPid(name, marker: ".tmp-"), !isAlive(pid) else { continue }
                let path = "\(folder)/\(name)"
                var st = stat()
                if lstat(path, &st) == 0, st.st_mode & S_IFMT == S_IFREG, unlink(path) == 0 { removed.append(ws.display(path)) }
            }
        }
        let tmp = ws.tempFolder
        for name in (try? FileManager.default.contentsOfDirectory(atPath: tmp)) ?? [] {
            // dups-<pid>-<hex8>/ (duplicate searches), keys-... (sorted runs of campaign keys, CampaignKeys),
            // sheet-<pid>-<hex8> (a workbook sheet as CSV).
            let marker = ["keys-", "sheet-"].first { name.hasPrefix($0) } ?? "dups-"
            guard name.hasPrefix(marker), let pid = ownerPid(name, marker: marker), !isAlive(pid) else { continue }
            if (try? FileManager.default.removeItem(atPath: "\(tmp)/\(name)")) != nil { removed.append(ws.display("\(tmp)/\(name)")) }
        }
        return removed
    }

    /// The pid in "...<marker><pid>-<8 hex digits>", or nil when the name is not of that form.
    static func ownerPid(_ name: String, marker: String) -> pid_t? {
        guard let range = name.range(of: marker, options: .backwards) else { return nil }
        let parts = name[range.upperBound...].split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[1].count == 8, parts[1].allSatisfy(\.isHexDigit),
              let pid = pid_t(parts[0]), pid > 0 else { return nil }
        return pid
    }

    /// True when pid names a live process (ours included).
    static func isAlive(_ pid: pid_t) -> Bool {
        if pid == getpid() { return true }
        return kill(pid, 0) == 0 || errno == EPERM
    }
}
