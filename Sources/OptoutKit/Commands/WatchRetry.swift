// Watch retries: when `optout watch` starts a pass although no new file arrived, and which held
// campaigns a pass reports. A pass starts after a change to inbox/settings.json, and at every
// rescan, when something is waiting (a file in an inbox folder other than the kept lists), held
// (campaign templates are in inbox/campaigns/), or was left in the inbox by a pass that ended in
// an error (lists too). Files in rejected/ are never looked at here, so they never start one.
// A held campaign is reported once per cause: the pass that first holds it for that cause says
// so; later passes holding it for the same cause do not (it is said again if the cause changes,
// or after it was built and held again).
// Input: a workspace, whether the last pass failed. Output: yes/no, a settings fingerprint, the
// held campaigns to report. Failures: none (what cannot be read counts as absent).

import OptoutBase
import Foundation

package enum WatchRetry {
    /// Identity of inbox/settings.json as it is now (a change starts a pass when there is work).
    static func settingsStamp(_ ws: Workspace) -> String {
        var st = stat()
        guard stat(ws.settingsFile, &st) == 0 else { return "absent" }
        return "\(st.st_ino):\(st.st_size):\(st.st_mtim.tv_sec).\(st.st_mtim.tv_nsec)"
    }

    /// True when a pass should run even though no new file arrived.
    package static func somethingToRetry(_ ws: Workspace, lastPassFailed: Bool) -> Bool {
        for kind in InputKind.allCases where kind.movesFiles && (kind != .lists || lastPassFailed) {  // previews stay
            let scan = DropFolder.scan(ws.folder(kind), settle: 0)
            if !scan.ready.isEmpty || !scan.unsettled.isEmpty { return true }
        }
        return false
    }

    /// Held campaigns of a pass that were not held for the same cause by the pass before.
    package static func newlyHeld(_ held: [HeldCampaign], shown: inout Set<String>) -> [HeldCampaign] {
        let now = Set(held.map { "\($0.file)\u{0}\($0.cause)" })
        let fresh = held.filter { !shown.contains("\($0.file)\u{0}\($0.cause)") }
        shown = now
        return fresh
    }
}
