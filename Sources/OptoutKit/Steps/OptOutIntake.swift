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
    package var consumed: [(file: DroppedFile, kind: InputKind)] = []
    /// Opt-out inputs read in part: their unreadable rows (see PartialInput), by path.
    package var partial: [String: [UnreadableRow]] = [:]
    /// Content keys of the suppression imports read (journaled once the ledger is synced).
    package var importKeys: [String] = []
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
        out.decisions = try ReviewDecisions.read(decisionFiles, log: state.reviewLog, workspace: state.workspace)
        out.log.append(out.decisions.log)
        out.events.append(contentsOf: out.decisions.events)
        return out
    }

    /// STOP logs (replies to the toll-free number).
    static func readStopLogs(plan: RunPlan, state: RunState, into out: inout IntakeResult) throws(OptoutError) {
        let ws = state.workspace
        let reader = StopLogReader(parser: state.parser, settings: state.settings, now: state.now)
        for file in out.add(try plan.take(.stops, state: state)) {
            do {
                let contents = try reader.read(path: file.readPath, displayName: ws.display(file.path))
                out.events.append(contentsOf: contents.events)
                out.reviews.append(contentsOf: contents.reviews)
                out.messagesRead += contents.messages
                out.log.diagnostics.append(contentsOf: contents.rowProblems)
                if !contents.unreadableRows.isEmpty { out.partial[file.path] = contents.unreadableRows }
                out.unreadableOptOutRows += contents.unreadableSenders
                out.consumed.append((file, .stops))
            } catch {
                out.log.append(try plan.refuse(file, .stops, error.description, state: state))
            }
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
                out.consumed.append((file, .suppressions))
                continue
            }
            do {
                let contents = try SuppressionImport.read(path: file.readPath, displayName: ws.display(file.path), inputHash: String(key.prefix(16)),
                                                          parser: state.parser, settings: state.settings, now: state.now)
                out.events.append(contentsOf: contents.events)
                out.reviews.append(contentsOf: contents.reviews)
                out.importRows += contents.rows
                out.log.diagnostics.append(contentsOf: contents.rowProblems)
                if !contents.unreadableRows.isEmpty { out.partial[file.path] = contents.unreadableRows }
                out.unreadableOptOutRows += contents.unreadableSenders
                out.consumed.append((file, .suppressions))
                out.importKeys.append(key)
            } catch {
                out.log.append(try plan.refuse(file, .suppressions, error.description, state: state))
            }
        }
    }

    /// Opt-out page logs: confirmations on the opt-out page (ClickIntake).
    static func readClicks(plan: RunPlan, state: RunState, into out: inout IntakeResult) throws(OptoutError) {
        let ws = state.workspace
        let files = out.add(try plan.take(.clicks, state: state))
        guard !files.isEmpty else { return }
        let intake = try ClickIntake(workspace: ws, settings: state.settings, now: state.now)
        for file in files {
            let key = try RunState.contentKey(file.readPath)
            do {
                try intake.read(path: file.readPath, displayName: ws.display(file.path), inputHash: String(key.prefix(16)), contentKey: key)
                out.consumed.append((file, .clicks))
            } catch {
                out.log.append(try plan.refuse(file, .clicks, error.description, state: state))
            }
        }
        try intake.finish()
        out.events.append(contentsOf: intake.events)
        out.reviews.append(contentsOf: intake.reviews)
        out.log.diagnostics.append(contentsOf: intake.diagnostics)
        out.clickRequests = intake.requests
        out.clicks = intake
    }
}
