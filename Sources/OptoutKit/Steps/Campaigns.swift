// Campaigns (step 4 of a run): each ready template, unless something holds it — an opt-out that
// may still be missing (the causes earlier steps returned, and CampaignHolds' own), example
// links or an unfit link key (78), its list still being written (75), names that cannot be used
// (CampaignNameCheck) — built under a journal claim (CampaignJob) and moved to processed/, or
// rejected. Input: the run plan (templates read once), the state, the lists whose report a
// campaign's pass writes, the opt-out files read in place, the hold causes found so far.
// Output: `CampaignsResult`. Failures: `OptoutError` for I/O; a bad template is rejected.

import OptoutBase
import Foundation

package struct CampaignsResult {
    package var campaigns: [CampaignSummary] = []
    package var held: [HeldCampaign] = []
    /// List reports written from a campaign's pass (workspace-relative), and those lists' paths.
    package var listReports: [String] = []
    package var listsChecked: Set<String> = []
    package var waiting: [String] = []
    package var log = StepLog()
}

package enum Campaigns {
    package static func run(plan: RunPlan, state: RunState, deferredLists: [String: DroppedFile],
                           readInPlace: [DroppedFile], holdCauses: [String]) throws(OptoutError) -> CampaignsResult {
        let ws = state.workspace
        var out = CampaignsResult()
        func optOutChanges() -> [String] { CampaignHolds.changedSinceAssessed(ws, readiness: plan.readiness, readInPlace: readInPlace) }
        let holds = CampaignHolds()
        for cause in holdCauses + CampaignHolds.standing(ws, now: Date().timeIntervalSince1970).holding + optOutChanges() {
            holds.holdCampaigns(cause: cause)
        }
        let taken = try plan.take(.campaigns, state: state)
        out.waiting = taken.waiting
        out.log = taken.log
        for file in taken.files {
            guard let planned = plan.templates[file.path] else { throw .internalError("\(ws.display(file.path)): not in the run plan") }
            try one(planned, plan: plan, state: state, holds: holds, deferredLists: deferredLists, optOutChanges: optOutChanges, into: &out)
        }
        return out
    }

    /// Why the campaign waits this run (and its exit code), or nil.
    static func holdCause(_ planned: PlannedTemplate, plan: RunPlan, state: RunState, holds: CampaignHolds) throws(OptoutError) -> (String, Int32)? {
        let ws = state.workspace
        if let cause = ExampleLinks.holdCause(template: planned.checked, settings: state.settings, settingsDisplay: ws.display(ws.settingsFile)) {
            return (cause, ExitCode.config)
        }
        // A lost or wrong link key: {optout} campaigns wait (78), the key is never remade here.
        if let cause = try LinkKeyCheck.holdCause(template: planned.checked, links: state.links) {
            return (cause, ExitCode.config)
        }
        if let cause = holds.isHolding ? holds.summary : CampaignHolds.listCause(list: planned.list, ws: ws, readiness: plan.readiness) {
            return (cause, 75)
        }
        return nil
    }

    static func one(_ planned: PlannedTemplate, plan: RunPlan, state: RunState, holds: CampaignHolds, deferredLists: [String: DroppedFile],
                    optOutChanges: () -> [String], into out: inout CampaignsResult) throws(OptoutError) {
        let ws = state.workspace, journal = state.journal, file = planned.file
        guard let key = planned.key else {
            if case .failure(let error) = planned.bytes { throw error }
            throw .internalError("\(ws.display(file.path)): template not read")
        }
        let fingerprint = RunState.fingerprint(file)
        if journal.isDone(kind: .campaign, key: key, fingerprint: fingerprint) {
            try DropFolder.markProcessed(file, into: ws.processed(.campaigns))
            return
        }
        if let (cause, code) = try holdCause(planned, plan: plan, state: state, holds: holds) {
            out.held.append(HeldCampaign(file: ws.display(file.path), cause: cause, exitCode: code))
            return
        }
        let inputsChanged = CampaignHolds.inputsCheck(template: file, list: planned.list, ws: ws)
        let stem = CampaignJobNames.stem(file.name)
        // Names checked before anything is claimed (OutputNames, ListFiles).
        if try CampaignNameCheck.refuse(file, list: planned.list, stem: stem, workspace: ws, held: &out.held, log: &out.log) { return }
        let name = try journal.claimName(kind: .campaign, key: key, preferred: stem) { candidate in
            Durable.exists("\(ws.sendFolder)/\(candidate).csv") || Durable.exists("\(ws.reportsFolder)/\(candidate).txt")
        }
        let listPath = planned.builtList.flatMap { ListFiles.path(of: $0, in: ws) }
        let deferred = listPath.flatMap { out.listsChecked.contains($0) ? nil : deferredLists[$0] }
        do {
            let built = try CampaignJob.build(planned, outputName: name, state: state, deferredList: deferred,
                                              publishCheck: { inputsChanged() ?? optOutChanges().first }, log: &out.log)
            out.campaigns.append(built.summary)
            if let report = built.listReport, let listPath {
                out.listReports.append(report)
                if built.listReportIsDefault { out.listsChecked.insert(listPath) }  // workbook hook (issue 14)
            }
            for warning in built.summary.warnings {
                out.log.add(.warning, SourceLocation(file: ws.display(file.path)), warning)
            }
            if let page = journal.openClaim(kind: .run, key: RunReportOutput.claimKey) {
                try journal.recordPageCampaign(page: page, built.summary)
            }
            try journal.markDone(kind: .campaign, key: key, fingerprint: fingerprint)
            try DropFolder.markProcessed(file, into: ws.processed(.campaigns))
        } catch let rejection as CampaignRejection {
            for path in try InterruptedCampaign.removeOutputs(name, workspace: ws) {
                out.log.add(.warning, SourceLocation(file: ws.display(file.path)), "\(path) removed: written by an interrupted earlier attempt of this campaign, which is now rejected")
            }
            try journal.markDone(kind: .campaign, key: key, fingerprint: fingerprint)
            try out.log.reject(file, kind: .campaigns, reasons: rejection.reasons, in: ws)
        } catch let changed as CampaignInputChanged {
            out.held.append(HeldCampaign(file: ws.display(file.path), cause: changed.reason, exitCode: 75))
        } catch let error as OptoutError {
            throw error
        } catch {
            throw .internalError("\(ws.display(file.path)): \(error)")
        }
    }
}
