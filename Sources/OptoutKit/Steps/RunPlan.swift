// Run plan: one look at the inbox, made before any step of the run. Every folder is listed once
// (each file stat-ed once, with its identity), every listed file's readiness decided once (one
// settle wait, FileReadiness), and every ready campaign template read, decoded and parsed once.
// The steps take their files from the plan (`take`) and the templates from `templates`; nothing
// lists a folder or opens a template again. Input: a workspace, its journal, settle_seconds.
// Output: the plan. Failures: none of its own (a template that cannot be read keeps its error,
// raised where the campaign step needs it; a file that cannot be used is rejected by `take`).

import OptoutBase
import Foundation

/// A campaign template as read once by the plan.
package struct PlannedTemplate {
    package let file: DroppedFile
    /// Its bytes, or why they could not be read.
    package let bytes: Result<[UInt8], OptoutError>
    /// The content key of `bytes` (hex SHA-256), nil when unreadable.
    package let key: String?
    /// The template parsed (UTF-8, else Windows-1252), nil when unreadable.
    package let parsed: Result<CampaignTemplate, InputError>?

    init(file: DroppedFile) {
        self.file = file
        do throws(OptoutError) {
            let bytes = try Durable.readFile(file.path)
            self.bytes = .success(bytes)
            key = RunState.contentKey(bytes: bytes)
            let text = String(validating: bytes, as: UTF8.self) ?? String(data: Data(bytes), encoding: .windowsCP1252) ?? ""
            do { parsed = .success(try CampaignTemplate.parse(text)) } catch { parsed = .failure(error) }
        } catch {
            bytes = .failure(error)
            key = nil
            parsed = nil
        }
    }

    /// The parsed template as the checks made before a build see it: templates under 1 MiB only
    /// (a larger one is left to the build, which says why it cannot be used).
    package var checked: CampaignTemplate? {
        guard file.size < 1 << 20, case .success(let template)? = parsed else { return nil }
        return template
    }

    /// The list the template names, for the checks before a build.
    package var list: String? { checked?.list }

    /// The list the build opens (whatever the template's size).
    package var builtList: String? {
        guard case .success(let template)? = parsed else { return nil }
        return template.list
    }
}

/// What `RunPlan.take` hands a step: its files, those left waiting, and what it said.
package struct TakenFiles {
    package var files: [DroppedFile] = []
    /// Files still being written, left for the next run (workspace-relative).
    package var waiting: [String] = []
    package var log = StepLog()
}

package final class RunPlan {
    package let workspace: Workspace
    package let readiness: RunReadiness
    /// Processed/ opt-out inputs that gained lines since read: read again, in place.
    package let rereads: [InputKind: [DroppedFile]]
    /// Each inbox folder as listed once.
    package let scans: [InputKind: DropScan]
    /// Every ready campaign template (a .txt in inbox/campaigns/), by path.
    package let templates: [String: PlannedTemplate]
    let now: Timestamp

    package init(workspace ws: Workspace, journal: Journal, settle: Double, now: Timestamp) {
        self.workspace = ws
        self.now = now
        let wallClock = Date().timeIntervalSince1970
        var rereads: [InputKind: [DroppedFile]] = [:]
        for kind in CampaignHolds.optOutKinds { rereads[kind] = CampaignHolds.processedToReread(kind, ws: ws, journal: journal, now: wallClock) }
        var scans: [InputKind: DropScan] = [:]
        for kind in InputKind.allCases { scans[kind] = DropFolder.scan(ws.folder(kind), settle: 0) }
        self.rereads = rereads
        self.scans = scans
        readiness = RunReadiness(files: InputKind.allCases.flatMap { scans[$0]?.ready ?? [] } + rereads.values.flatMap { $0 },
                                 settle: settle, snapshotFolder: ws.state)
        var templates: [String: PlannedTemplate] = [:]
        for file in readiness.split(scans[.campaigns]?.ready ?? [], optOut: false).ready where InputKind.campaigns.accepts(file.name) {
            templates[file.path] = PlannedTemplate(file: file)
        }
        self.templates = templates
    }

    /// The lists (by path) that this run's campaigns name: checked by their campaign's pass.
    package var usedLists: Set<String> {
        Set(templates.values.compactMap { $0.list.flatMap { ListFiles.path(of: $0, in: workspace) } })
    }

    /// A step's files of `kind`: ready ones (and processed/ opt-out inputs read again), those still
    /// being written noted and left (an opt-out one holds campaigns), unusable ones rejected, and
    /// names the folder does not take (InboxExtensions) rejected.
    package func take(_ kind: InputKind, state: RunState) throws(OptoutError) -> TakenFiles {
        let ws = workspace
        let found = scans[kind] ?? DropScan()
        let optOut = CampaignHolds.optOutKinds.contains(kind)
        let taken = readiness.split(found.ready, optOut: optOut)
        let again = readiness.split(optOut ? rereads[kind] ?? [] : [], optOut: true)
        var out = TakenFiles()
        for (file, reason) in taken.waiting + again.waiting {
            out.waiting.append(ws.display(file.path))
            // An opt-out input still arriving holds campaigns (ConsumeInputs acts on the verdict);
            // one a writer keeps open with no complete line yet, unchanged, has nothing to wait for.
            if optOut && readiness.state(of: file) != .openStable {
                try ConsumeInputs.act(file, kind: kind, verdict: .waiting(reason), state: state, log: &out.log)
            } else {
                out.log.add(.note, SourceLocation(file: ws.display(file.path)), "\(reason); left for the next run")
            }
        }
        for (name, reason) in found.unusable {
            let file = DroppedFile(path: "\(ws.folder(kind))/\(name)", name: RunState.safeName(name), size: 0, modified: now)
            // A name that is not valid UTF-8 arrives here lossily decoded: no file has that
            // name, so it cannot be moved (and must not stop the run): it is left in place.
            if DropFolder.isSafeName(Array(name.utf8)) && Durable.exists(file.path) {
                try out.log.reject(file, kind: kind, reasons: [reason], in: ws)
            } else {
                out.log.add(.error, SourceLocation(file: ws.display(ws.folder(kind))), "\"\(RunState.safeName(name))\": \(reason); left in place")
                out.log.rejectedInputs += 1
            }
        }
        out.files = again.ready.map { var file = $0; file.leaveInPlace = true; return file }
        for file in taken.ready {
            if kind.accepts(file.name) { out.files.append(file) } else if file.leaveInPlace { continue } else {
                try out.log.reject(file, kind: kind, reasons: ["not a file this folder takes \(kind.acceptedDescription)" + kind.workbookHint(file.name)], in: ws)
            }
        }
        return out
    }
}
