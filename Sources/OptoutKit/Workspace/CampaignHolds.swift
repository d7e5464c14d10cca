// Campaign holds: campaigns wait while an opt-out could still be missing from the ledger.
// Input: the workspace, this run's readiness decisions, causes added by other steps of the run.
// Output: the causes that hold every campaign this run (each held campaign stays in
// inbox/campaigns/ and gets a `HeldCampaign` entry, exit 75), or the cause that holds one campaign
// (its list still being written). Causes that hold campaigns:
//   - an opt-out input (stops/, clicks/, suppressions/, or one of their processed/ files being
//     read again) still being written, or one that arrived or changed during the run;
//   - an opt-out input in its rejected/ folder, until a person removes it or drops it again;
//   - a drop-protocol temp file (`name.part`, `name.tmp`, `.name`, `name.crdownload`) in an opt-out
//     folder changed within the last 60 minutes (older ones only show in `status`);
//   - any cause an earlier step returned in its `StepLog` (`hold(_:)`: an opt-out input read only in
//     part holds campaigns in that run).
// Also the opt-out inputs' consumption (moved to processed/ only when unchanged since read) and
// the processed/ files read again for what they gained (changed within 7 days of being read).
// Failures: `OptoutError` from moves and journal writes.

import OptoutBase
#if canImport(Glibc)
import Glibc
#endif
import Foundation

package final class CampaignHolds {
    /// Why campaigns wait this run (workspace-relative wording, for people), in order found.
    package private(set) var causes: [String] = []

    package init() {}

    /// Holds every campaign of this run, for `cause` (said once however often it is added).
    package func holdCampaigns(cause: String) {
        if !causes.contains(cause) { causes.append(cause) }
    }

    package var isHolding: Bool { !causes.isEmpty }

    /// All causes in one line for a `HeldCampaign`.
    package var summary: String {
        causes.count <= 3 ? causes.joined(separator: "; ")
            : causes.prefix(3).joined(separator: "; ") + "; and \(causes.count - 3) more (see `optout status`)"
    }

    /// The folders whose inputs are opt-outs.
    package static let optOutKinds: [InputKind] = [.stops, .clicks, .suppressions]

    /// How long a drop-protocol temp file in an opt-out folder holds campaigns after its last change.
    package static let tempFileHold: Double = 60 * 60
    /// How long after being read a processed/ opt-out input is watched for what it gains.
    package static let processedWatch: Double = 7 * 24 * 60 * 60

    /// A name that a dropper writes before renaming it into place.
    static func isDropProtocolTemp(_ name: String) -> Bool {
        if [".DS_Store", ".gitkeep", ".keep"].contains(name) || name.hasPrefix("._") { return false }
        // optout's own temp files (".x.tmp-<pid>-<hex8>") are not drops.
        if name.hasPrefix("."), StaleTemps.ownerPid(name, marker: ".tmp-") != nil { return false }
        let lower = name.lowercased()
        return name.hasPrefix(".") || lower.hasSuffix(".part") || lower.hasSuffix(".tmp") || lower.hasSuffix(".crdownload")
    }

    /// Causes that stand until a person acts, or until time passes: rejected opt-out inputs, and
    /// drop-protocol temp files (`holding`: changed within 60 minutes; `shownOnly`: older).
    package static func standing(_ ws: Workspace, now: Double) -> (holding: [String], shownOnly: [String]) {
        var holding: [String] = []
        var shownOnly: [String] = []
        for kind in optOutKinds {
            for name in names(in: ws.rejected(kind)) where !name.hasPrefix(".") && !name.hasSuffix(".error.txt") {
                if isRedropped(name, kind: kind, ws: ws) { continue }
                holding.append("\(ws.display(ws.rejected(kind)))/\(name) was rejected (see its .error.txt): remove it or drop it again fixed")
            }
            for name in names(in: ws.folder(kind)) where isDropProtocolTemp(name) {
                guard let identity = FileIdentity.of("\(ws.folder(kind))/\(name)") else { continue }
                let age = now - identity.mtime
                let path = "\(ws.display(ws.folder(kind)))/\(name)"
                if age < tempFileHold {
                    holding.append("\(path) is being dropped (changed \(max(0, Int(age / 60))) min ago; campaigns wait up to 60 minutes after its last change)")
                } else {
                    shownOnly.append("\(path) unchanged for \(Int(age / 60)) min: not renamed into place; no longer holds campaigns")
                }
            }
        }
        return (holding, shownOnly)
    }

    /// True when a file of the same name (`log.csv`, or `log-2.csv` as moves name them) was read
    /// and moved to processed/ after this one was rejected: a person dropped it again.
    static func isRedropped(_ name: String, kind: InputKind, ws: Workspace) -> Bool {
        func ctime(_ path: String) -> Double? {
            var st = stat()
            guard lstat(path, &st) == 0 else { return nil }
            return Double(st.st_ctim.tv_sec) + Double(st.st_ctim.tv_nsec) / 1e9
        }
        guard let rejectedAt = ctime("\(ws.rejected(kind))/\(name)") else { return false }
        let original = canonicalName(name)
        for other in names(in: ws.processed(kind)) where canonicalName(other) == original {
            if let processedAt = ctime("\(ws.processed(kind))/\(other)"), processedAt > rejectedAt { return true }
        }
        return false
    }

    /// "log-2.csv" → "log.csv" (the suffix `DropFolder.freePath` adds).
    static func canonicalName(_ name: String) -> String {
        let (stem, ext) = DropFolder.splitExtension(name)
        guard let dash = stem.lastIndex(of: "-"), dash != stem.startIndex else { return name }
        let digits = stem[stem.index(after: dash)...]
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return name }
        return String(stem[..<dash]) + ext
    }

    /// Stable keys of what holds campaigns until a person acts or time passes (for `watch`: a
    /// change, such as a rejected log removed, brings a pass).
    package static func watchKeys(_ ws: Workspace, now: Double) -> [String] {
        standing(ws, now: now).holding.map { cause in
            // "changed N min ago" changes every minute: keep only the path.
            String(cause.prefix(while: { $0 != " " }))
        }
    }

    /// Opt-out inputs that arrived or changed since `readiness` assessed the folders.
    package static func changedSinceAssessed(_ ws: Workspace, readiness: RunReadiness, readInPlace: [DroppedFile]) -> [String] {
        var out: [String] = []
        for kind in optOutKinds {
            for file in DropFolder.scan(ws.folder(kind), settle: 0).ready {
                if readiness.states[file.path] == nil {
                    out.append("\(ws.display(file.path)) arrived during this run; it is read next run")
                } else if FileIdentity.of(file.path) != readiness.states[file.path]?.identity,
                          readiness.states[file.path]?.state != .changing {
                    out.append("\(ws.display(file.path)) changed during this run; it is read again next run")
                }
            }
            for file in readInPlace where file.path.hasPrefix(ws.processed(kind) + "/") {
                if FileIdentity.of(file.path) != file.identity {
                    out.append("\(ws.display(file.path)) changed during this run; it is read again next run")
                }
            }
        }
        return out
    }

    /// The cause that holds one campaign: its list is still being written (or being dropped).
    /// (`list`: the list the template names, as the run plan parsed it.)
    package static func listCause(list: String?, ws: Workspace, readiness: RunReadiness) -> String? {
        guard let list = usableListName(list) else { return nil }
        // The file `list:` names (x.csv, .tsv, .txt, .xlsx, .ods: ListFiles; issue 14), else x.csv.
        let path = ListFiles.path(of: list, in: ws) ?? "\(ws.folder(.lists))/\(list).csv"
        if let identity = FileIdentity.of(path) {
            var file = DroppedFile(path: path, name: Durable.baseName(path), size: Int(identity.size), modified: Timestamp(seconds: identity.mtimeSeconds))
            file.identity = identity
            switch readiness.state(of: file) {
            case .ready?: return nil
            case .openStable?: return "its list \(ws.display(path)) is still open for writing"
            case .changing?, nil: return "its list \(ws.display(path)) is still being written"
            }
        }
        for temp in ["\(list).csv.part", "\(list).csv.tmp", ".\(list).csv", "\(list).csv.crdownload"]
            where Durable.exists("\(ws.folder(.lists))/\(temp)") {
            return "its list is still being dropped (\(ws.display(ws.folder(.lists)))/\(temp))"
        }
        return nil
    }

    /// The list a template names ("customers" for `list: customers`), nil when none or unreadable.
    static func listName(_ template: DroppedFile) -> String? {
        guard template.size < 1 << 20, let bytes = try? Durable.readFile(template.path) else { return nil }
        return usableListName(try? CampaignTemplate.parse(String(decoding: bytes, as: UTF8.self)).list)
    }

    /// A list name that can only name a file of inbox/lists/ (no "/", no leading ".").
    static func usableListName(_ list: String?) -> String? {
        guard let list, !list.contains("/"), !list.hasPrefix(".") else { return nil }
        return list
    }

    /// What a campaign is built from, with the identities seen before the build: checked again
    /// right before its outputs are published. Returns a reason when something changed.
    package static func inputsCheck(template: DroppedFile, ws: Workspace) -> () -> String? {
        inputsCheck(template: template, list: listName(template), ws: ws)
    }

    /// The same, for a template whose list the run plan parsed already.
    package static func inputsCheck(template: DroppedFile, list: String?, ws: Workspace) -> () -> String? {
        // The file `list:` names (x.csv, .tsv, .txt, .xlsx, .ods: ListFiles), not only x.csv (issue 14).
        let listPath = usableListName(list).flatMap { ListFiles.path(of: $0, in: ws) }
        let listIdentity = listPath.flatMap { FileIdentity.of($0) }
        return {
            if let identity = template.identity, FileIdentity.of(template.path) != identity {
                return "\(ws.display(template.path)) changed while the campaign was built; nothing was published, it is built again next run"
            }
            if let listPath, FileIdentity.of(listPath) != listIdentity {
                return "its list \(ws.display(listPath)) changed while the campaign was built; nothing was published, it is built again next run"
            }
            return nil
        }
    }

    // MARK: opt-out inputs: consumption and what processed/ files gained

    /// Journal kind under which the identity of a processed/ opt-out input is kept when read.
    static func readKind(_ kind: InputKind) -> JournalKind { .read(kind) }

    /// Processed/ opt-out inputs that changed within 7 days of being read (their journal identity
    /// differs): read again for what they gained, and left where they are.
    package static func processedToReread(_ kind: InputKind, ws: Workspace, journal: Journal, now: Double) -> [DroppedFile] {
        var out: [DroppedFile] = []
        for var file in DropFolder.scan(ws.processed(kind), settle: 0).ready {
            guard let identity = file.identity, identity.mtime >= now - processedWatch else { continue }
            let key = ws.display(file.path)
            guard journal.wasDone(kind: readKind(kind), key: key),
                  !journal.isDone(kind: readKind(kind), key: key, fingerprint: identity.description) else { continue }
            file.leaveInPlace = true
            out.append(file)
        }
        return out
    }

    package enum Consumed: Equatable { case moved(String), leftInPlace, changed }

    /// After the ledger is fsynced: an opt-out input is moved to processed/ only when it is still
    /// the file that was read (its identity kept in the journal, so that what it gains later is
    /// read again); one read in place is left there; one that changed is left to be read again.
    package static func consume(_ file: DroppedFile, kind: InputKind, ws: Workspace, journal: Journal) throws(OptoutError) -> Consumed {
        let now = FileIdentity.of(file.path)
        if file.leaveInPlace {
            // A processed/ file read again: remember the identity read (an inbox file a writer
            // keeps open is read again next run anyway).
            if let identity = file.identity, now == identity, file.path.hasPrefix(ws.processed(kind) + "/") {
                try journal.markDone(kind: readKind(kind), key: ws.display(file.path), fingerprint: identity.description)
            }
            return .leftInPlace
        }
        guard let identity = file.identity, now == identity else { return .changed }
        try Durable.makeDirectory(ws.processed(kind))
        let target = DropFolder.freePath(in: ws.processed(kind), name: file.name)
        try journal.markDone(kind: readKind(kind), key: ws.display(target), fingerprint: identity.description)
        try Durable.move(file.path, to: target)
        return .moved(target)
    }

    static func names(in folder: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).sorted()
    }
}
