// Workbook inputs: an .xlsx or .ods dropped where CSV is read (lists, suppression imports, STOP
// logs) is read through the CSV readers, one sheet at a time.
// Input: a workbook path (SheetWorkbooks: ZIP, inflater, streaming sheet XML, all bounded) and a
// sheet. Output: the sheet streamed into a temporary UTF-8 CSV under `.optout/tmp/` whose physical
// line N is the spreadsheet's row N (blank lines fill the gaps, a line break inside a cell is read
// as a space), so every "line" a reader reports is the row the spreadsheet shows; the reader
// names the file "<file>, sheet <name>". Numeric cells are their exact decimal text (SheetNumber);
// a phone-sized number (7+ integer digits) with a fractional part or more than 15 significant
// digits is written in E notation, which the phone parser rejects as spreadsheet damage (digits
// lost), so that row is skipped with that reason. Dates are ISO 8601 text. The temp file is
// removed once read (lists: as soon as it is open). `WorkbookSheets` wraps an opt-out reader to
// read every sheet (no opt-out left on a second tab). A workbook renamed .csv (ZIP magic where
// text is expected) and a workbook that cannot be read are named as workbooks with what to do.
// Failures: `InputError` (the workbook cannot be read, the sheet is missing, the temp file
// cannot be written).

import OptoutBase
import OptoutPhone
import Foundation

package enum WorkbookInput {
    /// Extensions read as workbooks (compared without case).
    package static let extensions = [".xlsx", ".ods"]

    /// True when the name ends in .xlsx or .ods.
    package static func isWorkbookName(_ name: String) -> Bool {
        let lower = name.lowercased()
        return extensions.contains { lower.hasSuffix($0) }
    }

    /// True when the file starts with a ZIP local header ("PK\u{3}\u{4}"): a workbook (or another
    /// archive) where text was expected.
    package static func hasZipMagic(_ path: String) -> Bool {
        guard let handle = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? handle.close() }
        let head = (try? handle.read(upToCount: 4)) ?? Data()
        return head == Data([0x50, 0x4B, 0x03, 0x04])
    }

    /// The folders that take workbooks, for messages.
    static let folders = "inbox/lists/, inbox/suppressions/ and inbox/stops/"

    /// Why a file with a text extension that is a ZIP archive is rejected.
    package static func renamedReason(_ name: String) -> String {
        "this is an Excel/LibreOffice workbook (a ZIP archive) named \"\(name)\": rename it .xlsx or .ods (as it was saved), "
            + "or export CSV from the spreadsheet; workbooks are read in \(folders)"
    }

    /// Why a workbook that cannot be read is rejected.
    static func damagedReason(_ error: Error) -> String {
        let why = (error as? SheetError)?.description ?? "\(error)"
        return "this is an Excel/LibreOffice workbook, but it cannot be read (\(why)): open it in Excel or LibreOffice and "
            + "save it again, or export CSV from it"
    }

    /// Opens a workbook, or says why it cannot be read (a file named .xlsx/.ods that is no ZIP
    /// archive at all is said to be something else, likely CSV text renamed).
    package static func open(_ path: String, limits: SheetLimits = SheetLimits()) throws(InputError) -> SheetWorkbook {
        guard hasZipMagic(path) else {
            let name = String(path.split(separator: "/").last ?? "")
            throw InputError(line: nil, reason: "\"\(name)\" is named as an Excel/LibreOffice workbook but is not one (it does not start as a ZIP archive): "
                + "if it holds CSV text, rename it .csv; otherwise open it in the spreadsheet and save it again as .xlsx or .ods")
        }
        do { return try SheetWorkbooks.open(path: path, limits: limits) } catch {
            throw InputError(line: nil, reason: damagedReason(error))
        }
    }

    /// The sheet a list is read from: the one named (exact, then ignoring case), else the first
    /// visible one (the tab a spreadsheet opens on; the first when all are hidden).
    package static func sheet(_ name: String?, of book: SheetWorkbook) throws(InputError) -> SheetInfo {
        if let name {
            guard let found = book.sheet(named: name) else {
                throw InputError(line: nil, reason: "no sheet \"\(name)\" in the workbook (sheets: \(Diagnostics.list(book.sheets.map { "\"\($0.name)\"" })))")
            }
            return found
        }
        guard let first = book.sheets.first(where: { !$0.hidden }) ?? book.sheets.first else { throw InputError(line: nil, reason: damagedReason(SheetError(reason: "it has no sheets"))) }
        return first
    }

    /// "inbox/lists/book.xlsx, sheet Contacts": how messages name a sheet.
    package static func display(_ file: String, sheet: String) -> String { "\(file), sheet \(sheet)" }

    /// A sheet written as CSV; the file is removed when this is released (or by `remove`).
    package final class SheetCSV {
        package let path: String
        package let sheet: SheetInfo
        /// Non-blank rows written.
        package let rows: Int
        /// Set when the sheet could not be read to its end: the rows before it were written.
        package let failure: SheetError?
        /// False when a campaign's `sheet:` chose another sheet than a list's default (its own report).
        package var isDefaultSheet = true

        init(path: String, sheet: SheetInfo, rows: Int, failure: SheetError?) {
            (self.path, self.sheet, self.rows, self.failure) = (path, sheet, rows, failure)
        }

        package func remove() { unlink(path) }
        deinit { remove() }
    }

    /// Streams one sheet into a new temp CSV in `tempFolder` (line N = row N). A sheet that fails
    /// part way keeps the rows before the failure and says why in `failure`.
    package static func convert(_ book: SheetWorkbook, sheet: SheetInfo, tempFolder: String) throws(InputError) -> SheetCSV {
        try? FileManager.default.createDirectory(atPath: tempFolder, withIntermediateDirectories: true)
        // sheet-<pid>-<hex8>: a killed run's file is swept by the next (StaleTemps).
        let path = "\(tempFolder)/sheet-\(getpid())-\(Hex.encode(Durable.randomBytes(4)))"
        guard FileManager.default.createFile(atPath: path, contents: nil), let handle = FileHandle(forWritingAtPath: path) else {
            throw InputError(line: nil, reason: "cannot write a temporary file in \(tempFolder) to read the workbook")
        }
        var buffer: [UInt8] = []
        buffer.reserveCapacity(1 << 16)
        var line = 1, rows = 0
        var failure: SheetError?
        do {
            try book.read(sheet) { row in
                // Blank lines up to the row's own line: the CSV's line N is the sheet's row N.
                while line < row.number {
                    buffer.append(0x0A)
                    line += 1
                    if buffer.count >= 1 << 16 { try handle.write(contentsOf: buffer); buffer.removeAll(keepingCapacity: true) }
                }
                guard row.number == line else { return }  // rows come in order; a repeat is not written twice
                appendRow(row, to: &buffer)
                line += 1
                rows += 1
                if buffer.count >= 1 << 16 { try handle.write(contentsOf: buffer); buffer.removeAll(keepingCapacity: true) }
            }
        } catch let error as SheetError {
            failure = error
        } catch {
            failure = SheetError(sheet: sheet.name, reason: "\(error)")
        }
        do {
            try handle.write(contentsOf: buffer)
            try handle.close()
        } catch {
            unlink(path)
            throw InputError(line: nil, reason: "cannot write a temporary file in \(tempFolder) to read the workbook: \(error)")
        }
        return SheetCSV(path: path, sheet: sheet, rows: rows, failure: failure)
    }

    /// One row as a CSV record: every field quoted (so the delimiter sniffs as a comma), line
    /// breaks read as spaces, NUL bytes dropped, damaged phone-sized numbers in E notation.
    static func appendRow(_ row: SheetRow, to out: inout [UInt8]) {
        for (index, cell) in row.cells.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            var text = cell
            if let flags = row.flags[index], !flags.isEmpty { text = damaged(cell) }
            out.append(0x22)
            for b in text.utf8 {
                switch b {
                case 0x22: out.append(0x22); out.append(0x22)
                case 0x0A, 0x0D: out.append(0x20)
                case 0x00: break
                default: out.append(b)
                }
            }
            out.append(0x22)
        }
        out.append(0x0A)
    }

    /// A fractional or over-long number: in E notation when it is phone-sized (7+ integer digits),
    /// so the phone parser rejects it as spreadsheet damage; as its exact text otherwise (a
    /// price or a quantity in a merge field).
    static func damaged(_ exact: String) -> String {
        var digits = Array(exact.utf8)
        var sign: [UInt8] = []
        if digits.first == UInt8(ascii: "-") { sign = [digits.removeFirst()] }
        let point = digits.firstIndex(of: UInt8(ascii: ".")) ?? digits.count
        guard point >= 7 else { return exact }
        var all = digits.filter { $0 != UInt8(ascii: ".") }
        while all.last == 0x30, all.count > 1 { all.removeLast() }
        let mantissa = all.count > 1 ? [all[0], UInt8(ascii: ".")] + all[1...] : all
        return String(decoding: sign + mantissa, as: UTF8.self) + "E+\(point - 1)"
    }
}

/// A contact list opened for reading: a CSV directly, or a workbook's sheet through its temp CSV
/// (kept while `sheetFile` lives; the list's lines are the sheet's rows).
package struct ListSource {
    package var reader: ContactListReader
    package var sheetFile: WorkbookInput.SheetCSV?
    /// "inbox/lists/book.xlsx, sheet People" for a workbook, else the display given.
    package var display: String
    /// The file the reader reads (the temp CSV for a workbook).
    package var readPath: String { sheetFile?.path ?? reader.path }
}

extension WorkbookInput {
    /// Opens a list (hook for ListReportJob and CampaignRecipients): a CSV as before; a workbook's
    /// named sheet (`sheet:`), or its first, read fail closed (a sheet that cannot be read to its
    /// end rejects the list). A `sheet:` for a CSV list, or a workbook renamed .csv, is an error.
    package static func openList(path: String, display: String, sheet: String?, parser: PhoneNumberParser,
                                 tempFolder: String) throws(InputError) -> ListSource {
        guard isWorkbookName(path) else {
            if let sheet {
                throw InputError(line: nil, reason: "\"sheet: \(sheet)\" names a sheet, but the list is not a workbook (.xlsx or .ods)")
            }
            // The list is opened once; only when it cannot be read is it checked for a workbook.
            do { return ListSource(reader: try ContactListReader(path: path, parser: parser), sheetFile: nil, display: display) } catch {
                if hasZipMagic(path) { throw InputError(line: nil, reason: renamedReason(String(path.split(separator: "/").last ?? ""))) }
                throw error
            }
        }
        let book = try open(path)
        let chosen = try self.sheet(sheet, of: book)
        let csv = try convert(book, sheet: chosen, tempFolder: tempFolder)
        csv.isDefaultSheet = sheet == nil || (try? self.sheet(nil, of: book)) == chosen
        if let failure = csv.failure { throw InputError(line: failure.row, reason: damagedReason(failure)) }
        if csv.rows == 0 { throw InputError(line: nil, reason: "sheet \"\(chosen.name)\" of the workbook is blank: the list has no rows") }
        let reader = try ContactListReader(path: csv.path, parser: parser)
        return ListSource(reader: reader, sheetFile: csv, display: WorkbookInput.display(display, sheet: chosen.name))
    }
}
