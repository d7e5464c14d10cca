// Consuming the opt-out inputs (end of step 2 of a run), once the ledger and review log are
// fsynced and the outputs written: the one place an opt-out input's verdict is acted on.
//   processed              checked against its identity, then moved to processed/ (one that
//                          changed while read stays, is read again, and holds campaigns);
//   processed with errors  moved with its .error.txt beside it; holds campaigns for this run;
//   rejected               (acted on when read, nothing from it used) moved to rejected/ with
//                          its .error.txt, or left in place when it must not move;
//   a file left in place (a writer keeps it open; a processed/ file read again) is never moved.
// Decision files (inbox/reviews/) move to processed/, with <file>.error.txt naming rows not used,
// and hold nothing. Then the click report is journaled. Input: the intake's result,
// the click report, the run state. Output: a `StepLog` and the unreadable rows counted.
// Failures: `OptoutError` for moves.

import OptoutBase

package enum ConsumeInputs {
    package static func run(_ intake: IntakeResult, clickReport: (path: String, key: String)?,
                           state: RunState) throws(OptoutError) -> (log: StepLog, unreadableRows: Int) {
        var log = StepLog()
        var unreadable = 0
        for (file, kind, verdict) in intake.verdicts {
            if case .processedWithErrors(let rows) = verdict { unreadable += rows.count }
            try act(file, kind: kind, verdict: verdict, state: state, log: &log)
        }
        for (file, verdict) in intake.decisions.verdicts {
            try act(file, kind: .reviews, verdict: verdict, state: state, log: &log)
        }
        if let clickReport { try state.journal.markDone(kind: .clicks, key: clickReport.key, fingerprint: "") }
        return (log, unreadable)
    }

    /// Acts on one input's verdict (see the header).
    package static func act(_ file: DroppedFile, kind: InputKind, verdict: InputVerdict, state: RunState,
                           log: inout StepLog) throws(OptoutError) {
        let ws = state.workspace
        let display = ws.display(file.path)
        // Decision files: processed/, with the rows not used named beside it; they hold nothing.
        if kind == .reviews {
            switch verdict {
            case .processed: return try ReviewDecisions.markProcessed(file, errors: [], workspace: ws)
            case .processedWithErrors(let rows): return try ReviewDecisions.markProcessed(file, errors: rows, workspace: ws)
            case .rejected, .waiting: break
            }
        }
        switch verdict {
        case .processed:
            if try CampaignHolds.consume(file, kind: kind, ws: ws, journal: state.journal) == .changed {
                log.add(.warning, SourceLocation(file: display), "changed while it was read; left in place and read again next run")
                log.hold("\(display) changed while it was read")
            }
        case .processedWithErrors(let rows):
            log.diagnostics += PartialInput.diagnostics(file: display, rows: rows)
            // Left in place: the rows are named on stderr and read again with the file.
            let errorFile = file.leaveInPlace ? "stderr" : ws.display(try PartialInput.markProcessed(file, into: ws.processed(kind), rows: rows)) + ".error.txt"
            log.hold(PartialInput.holdCause(file: display, rows: rows.count, errorFile: errorFile))
        case .rejected(let reasons):
            guard file.leaveInPlace else {
                try log.reject(file, kind: kind, reasons: reasons, in: ws)
                return
            }
            log.add(.error, SourceLocation(file: display), "\(reasons.joined(separator: "; ")); left in place, read again when it changes")
            log.hold("\(display) could not be read")
            if file.path.hasPrefix(ws.processed(kind) + "/") {
                log.rejectedInputs += 1
                _ = try CampaignHolds.consume(file, kind: kind, ws: ws, journal: state.journal)
            }
        case .waiting(let reason):
            log.add(.note, SourceLocation(file: display), "\(reason); left for the next run")
            log.hold("\(display): \(reason)")
        }
    }
}
