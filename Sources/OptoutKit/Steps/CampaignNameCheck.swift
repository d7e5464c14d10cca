// Campaign name check: a campaign whose outputs could not be created, or could overwrite a
// report, is refused before anything is claimed in the journal (a claim that can never be
// finished would make every later run fail). Input: a campaign template in the inbox and its
// output name. Output: the campaign rejected with its reasons (65: too long, a report's prefix,
// "@", a list name too long for its report) or held with the cause (65, a person must rename
// lists: its list shares a report name with another list file); false when it can be built.
// Failures: `OptoutError` when the template cannot be moved.

import OptoutBase

package enum CampaignNameCheck {
    /// True when `file` was rejected or held (the caller goes on to the next campaign).
    /// (`list`: the list the template names, as the run plan parsed it.)
    package static func refuse(_ file: DroppedFile, list: String?, stem: String, workspace ws: Workspace,
                              held: inout [HeldCampaign], log: inout StepLog) throws(OptoutError) -> Bool {
        var reasons = OutputNames.campaignProblems(name: stem, fileName: file.name)
        if let list {
            let listStem = CampaignJobNames.stem(ListFiles.isListName(list) ? DropFolder.splitExtension(list).0 : list)
            if listStem.utf8.count > OutputNames.longestListName {
                reasons.append("list \"\(list)\": its name is \(listStem.utf8.count) bytes long; at most \(OutputNames.longestListName) fit its report's file name (outbox/reports/list-<list>.txt): rename the list and the campaign's list: line")
            }
        }
        if !reasons.isEmpty {
            try log.reject(file, kind: .campaigns, reasons: reasons, in: ws)
            return true
        }
        if let list {
            let group = ListFiles.collisions(of: list, in: ws)
            if !group.isEmpty {
                held.append(HeldCampaign(file: ws.display(file.path), cause: "list \"\(list)\": " + ListFiles.collisionReason(group, ws: ws), exitCode: 65))
                return true
            }
        }
        return false
    }
}
