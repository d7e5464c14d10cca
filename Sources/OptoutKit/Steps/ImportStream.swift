// Import stream (part of step 2 of a run): the suppression imports the intake found, read and
// recorded in batches (SuppressionImport.stream → Ledger.appendBatch), after the run's other
// events were recorded, then fsynced once before anything depends on them. Memory stays flat
// whatever the import's size (issue 13).
// Order (documented in the README): replies, page confirmations and review decisions of the run
// are recorded first, in time order; then each import, in batches, each batch in time order.
// Imports only add opt-outs, so this differs from one time order over everything in one case
// only: a START of the run newer than an imported opt-out of the same run, for a number not
// opted out before, finds nothing to undo, and the imported opt-out stays (never lost). Within
// an import, a number twice in different batches keeps the earliest time (as one order would);
// only which of its records is marked `applied` can differ.
// Input: the intake's pending imports, the run state. Output: the intake completed as if the
// imports had been read with it (rows, review items, problems, verdicts, keys) and the counts.
// Workbook imports are streamed sheet by sheet (WorkbookSheets.eachSheet).
// Failures: `OptoutError` for the ledger's I/O; a file that cannot be used is rejected.

import OptoutBase

enum ImportStream {
    static func record(_ intake: inout IntakeResult, state: RunState) throws(OptoutError) -> RecordCounts {
        var counts = RecordCounts()
        if intake.pendingImports.isEmpty { return counts }
        let reader = SuppressionImport(parser: state.parser, settings: state.settings, now: state.now)
        let ledger = state.ledger
        for (file, key) in intake.pendingImports {
            // Both tables sized once for this file's numbers: a line is one number, or more when a
            // national number has several valid readings (13 % of optout-bench's mixed formats), so a
            // quarter more is reserved. A table outgrown holds its old and its new slots at once while
            // it grows and stays half as large again (issue 13: 1M mixed rows peaked at 130 MiB so).
            if let lines = try? SuppressionImport.lineCount(file.readPath) { try ledger.reserve(more: lines + lines / 4) }
            let display = state.workspace.display(file.path)
            func stream(_ path: String, _ name: String) throws(OptoutError) -> Result<OptOutContents, InputError> {
                try reader.stream(path: path, displayName: name, contentKey: key) { batch throws(OptoutError) in
                    counts.add(try ledger.appendBatch(batch, at: state.now))
                }
            }
            // Workbooks (issue 14): every sheet, each streamed like a CSV; a workbook renamed .csv is refused.
            let result: Result<OptOutContents, InputError>
            if WorkbookInput.isWorkbookName(display) {
                result = try WorkbookSheets<SuppressionImport>.eachSheet(path: file.readPath, displayName: display, tempFolder: state.workspace.tempFolder, stream)
            } else if WorkbookInput.hasZipMagic(file.readPath) {
                result = .failure(InputError(line: nil, reason: WorkbookInput.renamedReason(Durable.baseName(file.path))))
            } else {
                result = try stream(file.readPath, display)
            }
            switch result {
            case .success(let contents):
                intake.reviews.append(contentsOf: contents.reviews)
                intake.log.diagnostics.append(contentsOf: contents.rowProblems)
                intake.unreadableOptOutRows += contents.unreadableSenders
                intake.verdicts.append((file, .suppressions, contents.verdict))
                intake.importRows += contents.rows
                intake.importKeys.append(key)
            case .failure(let error):
                try ConsumeInputs.act(file, kind: .suppressions, verdict: .rejected([error.description]), state: state, log: &intake.log)
            }
        }
        intake.pendingImports = []
        try ledger.sync()
        return counts
    }
}
