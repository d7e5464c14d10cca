// What the recorded opt-outs produce (steps 2a-2b of a run), in this order: webhook payload files
// for every applied opt-out not yet covered (also after a crash), the imports journaled, the
// unsubscription report and notifications for opt-outs not yet reported, the click report.
// Input: the intake's result and the run state (ledger already fsynced). Output: `OutputsResult`.
// Failures: `OptoutError` for I/O.

import OptoutBase

package struct OutputsResult {
    package var webhooksWritten = 0
    package var unsubscriptionFiles: [String] = []
    /// Confirmations left out as late (issue 17 item 3).
    package var lateConfirmations: [String] = []
    /// The click report written (its path and journal key), if any.
    package var clickReport: (path: String, key: String)?
}

package enum OptOutOutputs {
    package static func run(_ intake: IntakeResult, state: RunState) throws(OptoutError) -> OutputsResult {
        let ledger = state.ledger, journal = state.journal
        var out = OutputsResult()
        // Read back from disk after the watermark, imports left out (they never get a payload).
        let uncovered = try ledger.appliedOptOuts(after: journal.webhookWatermark, imports: false)
        out.webhooksWritten = try WebhookPayloads.write(uncovered, workspace: state.workspace)
        try journal.setWebhookWatermark(ledger.lastSeq)
        for key in intake.importKeys { try journal.markDone(kind: .suppressions, key: key, fingerprint: "imported") }
        if let outputs = try UnsubscriptionReport.writePending(ledger: ledger, journal: journal, settings: state.settings, workspace: state.workspace) {
            out.unsubscriptionFiles = outputs.files
            out.lateConfirmations = outputs.lateConfirmations
        }
        if let clicks = intake.clicks, !clicks.files.isEmpty {
            out.clickReport = try clicks.writeReport(ledger: ledger, journal: journal)
        }
        return out
    }
}
