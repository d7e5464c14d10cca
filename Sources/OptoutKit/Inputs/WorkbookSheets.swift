// Workbook opt-out inputs: a STOP log or suppression import dropped as .xlsx/.ods is read sheet by
// sheet, every sheet (no opt-out is left on a second tab), each through the CSV reader it wraps.
// Input: the dropped file (a workbook, or a text file passed through unchanged), its name for
// people, its content key. Output: one `OptOutContents` for the whole workbook: each sheet's
// events, reviews and warnings (named "<file>, sheet <name>", row numbers as the spreadsheet
// shows them); a sheet that cannot be read (no sender column, damaged part way) becomes an
// unreadable row naming the sheet, so the rest is applied and the file is "read in part" (fail
// open for opt-outs, never silently); blank sheets are passed over. A text file whose bytes are a
// ZIP archive (a workbook renamed .csv) is rejected saying so.
// Failures: `InputError` when the workbook cannot be opened, or no sheet gave anything.

import OptoutBase

package struct WorkbookSheets<Inner: OptOutInputReader>: OptOutInputReader {
    package var inner: Inner
    package var tempFolder: String

    package init(_ inner: Inner, tempFolder: String) {
        self.inner = inner
        self.tempFolder = tempFolder
    }

    package func read(path: String, displayName: String, contentKey: String) throws(InputError) -> OptOutContents {
        guard WorkbookInput.isWorkbookName(displayName) else {
            if WorkbookInput.hasZipMagic(path) {
                throw InputError(line: nil, reason: WorkbookInput.renamedReason(String(displayName.split(separator: "/").last ?? "")))
            }
            return try inner.read(path: path, displayName: displayName, contentKey: contentKey)
        }
        let book = try WorkbookInput.open(path)
        var all = OptOutContents()
        var failures: [String] = []
        var used = 0
        for sheet in book.sheets {
            let csv = try WorkbookInput.convert(book, sheet: sheet, tempFolder: tempFolder)
            defer { csv.remove() }
            let name = WorkbookInput.display(displayName, sheet: sheet.name)
            if let failure = csv.failure {
                let reason = "sheet \"\(sheet.name)\" could not be read \(csv.rows > 0 ? "to its end " : "")(\(failure.reason)); the rows before it were used"
                all.unreadableRows.append(UnreadableRow(line: failure.row ?? 1, reason: reason))
                failures.append(reason)
            }
            if csv.rows == 0 { continue }
            do {
                let contents = try inner.read(path: csv.path, displayName: name, contentKey: contentKey)
                used += 1
                all.events += contents.events
                all.reviews += contents.reviews
                all.rowProblems += contents.rowProblems
                all.unreadableRows += contents.unreadableRows.map { UnreadableRow(line: $0.line, reason: "sheet \"\(sheet.name)\": \($0.reason)") }
                all.unreadableSenders += contents.unreadableSenders
                all.rows += contents.rows
                all.closings += contents.closings
            } catch {
                let reason = "sheet \"\(sheet.name)\" was not used: \(error.reason)"
                all.unreadableRows.append(UnreadableRow(line: error.line ?? 1, reason: reason))
                failures.append(reason)
            }
        }
        if used == 0 {
            let why = failures.isEmpty ? "every sheet is blank" : failures.joined(separator: "; ")
            throw InputError(line: nil, reason: "this is an Excel/LibreOffice workbook and no sheet of it could be used: \(why)")
        }
        return all
    }
}
