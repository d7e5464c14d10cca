// Outputs of an interrupted campaign: when a run is killed after some of a campaign's files were
// published (links, send file, skipped rows; the report comes last) and the rerun then rejects the
// campaign (its list was deleted or broken in between), the files already published must not stay
// in outbox/ looking like a campaign to send (nor its .optout/campaigns/<name>.keys, which says it was sent). Input: the campaign's claimed output name (claimed
// through the journal, so no other input ever used it and no file had it when it was claimed).
// Output: the files removed (paths relative to the root). Failures: `OptoutError` when one exists
// and cannot be removed.

import OptoutBase
#if canImport(Glibc)
import Glibc
#endif

package enum InterruptedCampaign {
    /// The files a campaign named `name` publishes, in the order CampaignJob publishes them.
    package static func outputs(_ name: String, workspace ws: Workspace) -> [String] {
        // The keys file (issue 17, CampaignKeys) is written first: a rejected campaign sent nobody.
        [ws.campaignKeysFile(name), "\(ws.linksFolder)/\(name).csv", "\(ws.sendFolder)/\(name).csv",
         "\(ws.reportsFolder)/\(name)-skipped.csv", "\(ws.reportsFolder)/\(name)-skipped.xlsx", "\(ws.reportsFolder)/\(name).txt"]
            // Quiet hours: a scheduled campaign's held report and timed send files (ScheduledSend).
            + ["\(ws.root)/\(OutputNames.campaignPath(.held, name: name))", "\(ws.root)/\(OutputNames.campaignPath(.heldWorkbook, name: name))"]
            + ScheduledSend.existingFiles(name: name, root: ws.root)
    }

    /// Removes what an earlier, interrupted attempt of this campaign published (called when the
    /// campaign is rejected: this attempt published nothing, so whatever is there is stale).
    package static func removeOutputs(_ name: String, workspace ws: Workspace) throws(OptoutError) -> [String] {
        var removed: [String] = []
        for path in outputs(name, workspace: ws) where Durable.exists(path) {
            if unlink(path) != 0 { throw .cannotCreate(path: path, reason: errnoText()) }
            try Durable.syncDirectory(Durable.parent(of: path))
            removed.append(ws.display(path))
        }
        return removed
    }
}
