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
        let result: Result<OptOutContents, InputError>
        do {
            result = try Self.eachSheet(path: path, displayName: displayName, tempFolder: tempFolder) { (csv: String, name: String) throws(OptoutError) -> Result<OptOutContents, InputError> in
                do throws(InputError) { return .success(try inner.read(path: csv, displayName: name, contentKey: contentKey)) } catch { return .failure(error) }
            }
        } catch {
            throw InputError(line: nil, reason: error.description)
        }
        return try result.get()
    }

    /// Calls `body` with each non-blank sheet of the workbook as a temp CSV (removed after) and
    /// its name for people, and adds up what the sheets gave (a sheet that fails becomes an
    /// unreadable row naming it). `.failure` when the workbook cannot be opened or no sheet gave
    /// anything; `OptoutError` from `body` (the ledger's I/O) stops at once.
    package static func eachSheet(path: String, displayName: String, tempFolder: String,
                                  _ body: (_ csv: String, _ name: String) throws(OptoutError) -> Result<OptOutContents, InputError>) throws(OptoutError) -> Result<OptOutContents, InputError> {
        let book: SheetWorkbook
        do { book = try WorkbookInput.open(path) } catch { return .failure(error) }
        var all = OptOutContents()
        var failures: [String] = []
        var used = 0
        for sheet in book.sheets {
            let csv: WorkbookInput.SheetCSV
            do { csv = try WorkbookInput.convert(book, sheet: sheet, tempFolder: tempFolder) } catch { return .failure(error) }
            defer { csv.remove() }
            let name = WorkbookInput.display(displayName, sheet: sheet.name)
            if let failure = csv.failure {
                let reason = "sheet \"\(sheet.name)\" could not be read \(csv.rows > 0 ? "to its end " : "")(\(failure.reason)); the rows before it were used"
                all.unreadableRows.append(UnreadableRow(line: failure.row ?? 1, reason: reason))
                failures.append(reason)
            }
            if csv.rows == 0 { continue }
            switch try body(csv.path, name) {
            case .success(let contents):
                used += 1
                all.events += contents.events
                all.reviews += contents.reviews
                all.rowProblems += contents.rowProblems
                all.unreadableRows += contents.unreadableRows.map { UnreadableRow(line: $0.line, reason: "sheet \"\(sheet.name)\": \($0.reason)") }
                all.unreadableSenders += contents.unreadableSenders
                all.rows += contents.rows
                all.closings += contents.closings
            case .failure(let error):
                let reason = "sheet \"\(sheet.name)\" was not used: \(error.reason)"
                all.unreadableRows.append(UnreadableRow(line: error.line ?? 1, reason: reason))
                failures.append(reason)
            }
        }
        if used == 0 {
            let why = failures.isEmpty ? "every sheet is blank" : failures.joined(separator: "; ")
            return .failure(InputError(line: nil, reason: "this is an Excel/LibreOffice workbook and no sheet of it could be used: \(why)"))
        }
        return .success(all)
    }
}
