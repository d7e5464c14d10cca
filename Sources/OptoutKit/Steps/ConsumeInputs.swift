// Consuming the opt-out inputs (end of step 2 of a run), once the ledger and review log are
// fsynced and the outputs written: a file read in part moves with its .error.txt beside it and
// holds campaigns for this run; every other consumed file is checked against its identity before
// it moves (one that changed stays, is read again, and holds campaigns). Then the decision files
// move and the click report is journaled. Input: the intake's result, the click report, the run
// state. Output: a `StepLog` and the unreadable rows counted. Failures: `OptoutError` for moves.

import OptoutBase

package enum ConsumeInputs {
    package static func run(_ intake: IntakeResult, clickReport: (path: String, key: String)?,
                           state: RunState) throws(OptoutError) -> (log: StepLog, unreadableRows: Int) {
        let ws = state.workspace
        var log = StepLog()
        var unreadable = 0
        for (file, kind) in intake.consumed {
            if let rows = intake.partial[file.path] {
                unreadable += rows.count
                log.diagnostics += PartialInput.diagnostics(file: ws.display(file.path), rows: rows)
                // A file left in place (a writer keeps it open; a processed/ file read again) is
                // not moved: the rows are named on stderr and read again with the file.
                let errorFile = file.leaveInPlace ? "stderr" : ws.display(try PartialInput.markProcessed(file, into: ws.processed(kind), rows: rows)) + ".error.txt"
                log.hold(PartialInput.holdCause(file: ws.display(file.path), rows: rows.count, errorFile: errorFile))
            } else if try CampaignHolds.consume(file, kind: kind, ws: ws, journal: state.journal) == .changed {
                log.add(.warning, SourceLocation(file: ws.display(file.path)), "changed while it was read; left in place and read again next run")
                log.hold("\(ws.display(file.path)) changed while it was read")
            }
        }
        try intake.decisions.finish(workspace: ws)
        if let clickReport { try state.journal.markDone(kind: .clicks, key: clickReport.key, fingerprint: "") }
        return (log, unreadable)
    }
}
