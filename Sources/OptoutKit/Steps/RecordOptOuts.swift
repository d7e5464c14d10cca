// Recording (step 2 of a run): the intake's events into the ledger, time-ordered and fsynced,
// before anything depends on them; then the suppression imports, streamed in batches after them
// (ImportStream) and fsynced; then the review items and decisions into the review log
// (fsynced), and the review report (ReviewStep). Input: the intake's result and the run state.
// Output: `RecordResult` (figures, the review outcome). Failures: `OptoutError` for I/O.

import OptoutBase

package struct RecordResult {
    package var newOptOuts = 0
    package var resubscribed = 0
    package var reviewed = ReviewOutcome()
}

package enum RecordOptOuts {
    package static func run(_ intake: inout IntakeResult, state: RunState) throws(OptoutError) -> RecordResult {
        let ws = state.workspace
        var counts = try state.ledger.recordCounting(intake.events, at: state.now)
        counts.add(try ImportStream.record(&intake, state: state))
        CrashPoints.step("run: ledger synced, review log not yet")
        var out = RecordResult()
        out.reviewed = try ReviewStep.afterLedger(log: state.reviewLog, items: intake.reviews, decisions: intake.decisions, ledger: state.ledger,
                                                  journal: state.journal, settings: state.settings, workspace: ws, now: state.now,
                                                  lastRunFinished: LastRun.finished(path: ws.lastRunFile))
        (out.newOptOuts, out.resubscribed) = (counts.newOptOuts, counts.resubscribed)
        state.ledger.dropIdentities()   // nothing else records in this run: the campaigns go without them
        return out
    }
}
