// Opt-out intake (step 1 of a run): every opt-out input, all of them before any campaign — STOP
// logs, suppression imports, opt-out page logs (ClickIntake) — and the decisions on review items
// (inbox/reviews/). Input: the run plan and state. Output: `IntakeResult`: the events and review
// items to record, the files consumed (moved to processed/ only after the ledger is fsynced, by
// ConsumeInputs), the unreadable rows of files read in part, figures and diagnostics.
// Failures: `OptoutError` for I/O; a file that cannot be read is rejected (or left in place).

import OptoutBase

package struct IntakeResult {
    package var events: [IncomingEvent] = []
    /// Review items found by the readers; made durable with the events (see ReviewItem).
    package var reviews: [ReviewItem] = []
    /// The verdict on every opt-out input read (processed, or processed with errors), acted on by
    /// ConsumeInputs once the ledger is synced; rejected inputs were acted on when read.
    package var verdicts: [(file: DroppedFile, kind: InputKind, verdict: InputVerdict)] = []
    /// The inputs read (to be moved to processed/, or left in place).
    package var consumed: [(file: DroppedFile, kind: InputKind)] { verdicts.map { ($0.file, $0.kind) } }
    /// Content keys of the suppression imports read (journaled once the ledger is synced).
    package var importKeys: [String] = []
    /// Suppression imports to read: streamed into the ledger by RecordOptOuts (ImportStream)
    /// after the other events, never held whole in memory.
    package var pendingImports: [(file: DroppedFile, key: String)] = []
    package var clicks: ClickIntake?
    package var decisions = ReviewDecisions()
    package var messagesRead = 0
    package var importRows = 0
    package var clickRequests = 0
    package var unreadableOptOutRows = 0
    package var waiting: [String] = []
    package var log = StepLog()

    mutating func add(_ taken: TakenFiles) -> [DroppedFile] {
        waiting += taken.waiting
        log.append(taken.log)
        return taken.files
    }
}

package enum OptOutIntake {
    package static func run(plan: RunPlan, state: RunState) throws(OptoutError) -> IntakeResult {
        var out = IntakeResult()
        try readStopLogs(plan: plan, state: state, into: &out)
        try readImports(plan: plan, state: state, into: &out)
        try readClicks(plan: plan, state: state, into: &out)
        // Decisions on review items (inbox/reviews/): closings, and events for applied items.
        let decisionFiles = out.add(try plan.take(.reviews, state: state))
        out.decisions = try ReviewDecisions.read(decisionFiles, state: state)
        out.log.append(out.decisions.log)
        out.events.append(contentsOf: out.decisions.events)
        return out
    }

    /// One file through its reader: its contents kept and its verdict recorded (processed, with
    /// errors), or the file rejected at once (nothing from it is used).
    static func read<Reader: OptOutInputReader>(_ file: DroppedFile, _ kind: InputKind, key: String, with reader: Reader, state: RunState,
                                               into out: inout IntakeResult) throws(OptoutError) -> OptOutContents? {
        do {
            let contents = try reader.read(path: file.readPath, displayName: state.workspace.display(file.path), contentKey: key)
            out.events.append(contentsOf: contents.events)
            out.reviews.append(contentsOf: contents.reviews)
            out.log.diagnostics.append(contentsOf: contents.rowProblems)
            out.unreadableOptOutRows += contents.unreadableSenders
            out.verdicts.append((file, kind, contents.verdict))
            return contents
        } catch {
            try ConsumeInputs.act(file, kind: kind, verdict: .rejected([error.description]), state: state, log: &out.log)
            return nil
        }
    }

    /// STOP logs (replies to the toll-free number).
    static func readStopLogs(plan: RunPlan, state: RunState, into out: inout IntakeResult) throws(OptoutError) {
        // Workbook hook (issue 14): .xlsx/.ods logs are read sheet by sheet, every sheet.
        let reader = WorkbookSheets(StopLogReader(parser: state.parser, settings: state.settings, now: state.now), tempFolder: state.workspace.tempFolder)
        for file in out.add(try plan.take(.stops, state: state)) {
            let key: String
            do { key = try RunState.contentKey(file.readPath) } catch {
                try ConsumeInputs.act(file, kind: .stops, verdict: .rejected([InputError(line: nil, reason: error.description).description]), state: state, log: &out.log)
                continue
            }
            out.messagesRead += try read(file, .stops, key: key, with: reader, state: state, into: &out)?.rows ?? 0
        }
    }

    /// Suppression imports (opt-outs from other systems; they only add). An import whose bytes
    /// were imported before is only moved (its numbers are in the ledger already).
    static func readImports(plan: RunPlan, state: RunState, into out: inout IntakeResult) throws(OptoutError) {
        let ws = state.workspace
        for file in out.add(try plan.take(.suppressions, state: state)) {
            let key = try RunState.contentKey(file.readPath)
            if state.journal.wasDone(kind: .suppressions, key: key) {
                out.log.add(.note, SourceLocation(file: ws.display(file.path)), "imported before (same content); moved to processed/ without recording again")
                out.verdicts.append((file, .suppressions, .processed))
                continue
            }
            // Read and recorded in batches after the other events (ImportStream, from RecordOptOuts).
            out.pendingImports.append((file, key))
        }
    }

    /// Opt-out page logs: confirmations on the opt-out page (ClickIntake).
    static func readClicks(plan: RunPlan, state: RunState, into out: inout IntakeResult) throws(OptoutError) {
        let files = out.add(try plan.take(.clicks, state: state))
        guard !files.isEmpty else { return }
        let intake = try ClickIntake(workspace: state.workspace, settings: state.settings, now: state.now)
        for file in files {
            _ = try read(file, .clicks, key: try RunState.contentKey(file.readPath), with: intake, state: state, into: &out)
        }
        try intake.finish()
        out.events.append(contentsOf: intake.events)
        out.reviews.append(contentsOf: intake.reviews)
        out.log.diagnostics.append(contentsOf: intake.diagnostics)
        out.clickRequests = intake.requests
        out.clicks = intake
    }
}
