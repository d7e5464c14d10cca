// People workbook twin: a finished CSV meant for people → the `.xlsx` beside it (same name, same
// rows), so a spreadsheet user opens cells as written: a phone number is a text cell with no
// apostrophe, times are dates, line numbers are numbers (XLSXWriter).
// Input: the CSV's path (UTF-8 with BOM, CRLF, as CSVWriter(audience: .people) writes it),
// read twice, streamed (widths and rows first, XLSXMeasure; then the rows, streamed straight into
// the workbook); the run time the workbook's ZIP entries carry (same CSV and time, same bytes).
// Output: `<stem>.xlsx` beside it, written whole (temp, fsync, rename), and what it holds (rows
// beyond Excel's 1,048,576 are counted and named in the sheet's last row; `overLimitWarning` says
// so for a report). The people-CSV guard apostrophe (CSVWriter's formula and scientific-notation
// guard, UnsubscriptionReportText.textCell's digits guard) is taken off: a workbook text cell
// needs none. (A raw value that itself began with an apostrophe before a guarded character reads
// the same as the guarded form and loses that apostrophe.)
// `stage` (issue 13, a campaign's skipped rows): the twin of a CSV still at its temp name, built
// on the caller's thread and synced at a hidden temp name; `StagedTwin.commit()` renames it into
// place when its turn comes; with the row count known, only the rows that fit the sheet are read.
// Failures: `OptoutError` (I/O; a CSV this program wrote that does not parse, or whose rows are
// not the count given, is internal).

import OptoutBase
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

package enum PeopleWorkbookTwin {
    /// Headers whose cells are ISO 8601 UTC times (written as dates).
    static let dateHeaders: Set<String> = ["time", "found_at"]
    /// Headers whose cells are line or row numbers (written as numbers).
    static let integerHeaders: Set<String> = ["line", "row"]

    /// `reports/x.csv` → `reports/x.xlsx`.
    package static func path(for csvPath: String) -> String {
        (csvPath.hasSuffix(".csv") ? String(csvPath.dropLast(4)) : csvPath) + ".xlsx"
    }

    /// The kind of a column, from its header.
    static func kind(_ header: String) -> XLSXColumn.Kind {
        dateHeaders.contains(header) ? .date : integerHeaders.contains(header) ? .integer : .text
    }

    /// The warning a report carries when `rows` data rows will not all fit one sheet; nil when they fit.
    package static func overLimitWarning(rows: Int, csvName: String) -> String? {
        let room = XLSXWriter.excelRowLimit - 1
        guard rows > room else { return nil }
        return "\(path(for: csvName)) holds the first \(grouped(room - 1)) of \(grouped(rows)) rows (a sheet holds at most \(grouped(XLSXWriter.excelRowLimit)) rows; its last row says so); \(csvName) holds every row"
    }

    /// Writes the `.xlsx` twin of the CSV at `csvPath`. Returns its path and what it holds.
    /// - Parameter measured: the layout of the CSV's rows measured as they were written
    ///   (`RowMeasure`): the first pass over the file is then skipped.
    @discardableResult
    package static func write(csvPath: String, modified: Timestamp, sheetName: String,
                              rowLimit: Int = XLSXWriter.excelRowLimit, measured: XLSXLayout? = nil) throws(OptoutError) -> (path: String, result: XLSXResult) {
        let target = path(for: csvPath)
        let result = try make(csvPath: csvPath, readPath: csvPath, target: target, modified: modified, sheetName: sheetName,
                              rowLimit: rowLimit, measured: measured, dataRows: nil)
        return (target, result)
    }

    /// Issue 13 (campaign publish): builds the twin of a CSV not yet published, from its temp file
    /// `readPath` (every byte written), at a hidden temp name beside the twin's path, fsynced there;
    /// `StagedTwin.commit()` then publishes it (rename, fsync of the folder) in its turn. Same bytes
    /// as `write`. `dataRows`: the CSV's data rows, known to the caller (one per row it wrote):
    /// only the rows that fit the sheet are read (twice: measured, written; once with `measured`,
    /// the rows measured while they were written), the rest are counted from it (a debug build
    /// reads them all, checks the count, and measures them again to check `measured`).
    package static func stage(csvPath: String, readPath: String, modified: Timestamp, sheetName: String,
                              rowLimit: Int = XLSXWriter.excelRowLimit, dataRows: Int, measured: XLSXLayout? = nil) throws(OptoutError) -> StagedTwin {
        let target = path(for: csvPath)
        let staged = "\(Durable.parent(of: target))/.\(Durable.baseName(target)).tmp-\(getpid())-\(Hex.encode(Durable.randomBytes(4)))"
        let twin = StagedTwin(path: target, stagedPath: staged)
        twin.result = try make(csvPath: csvPath, readPath: readPath, target: staged, modified: modified, sheetName: sheetName,
                               rowLimit: rowLimit, measured: measured, dataRows: dataRows)
        twin.built = true
        return twin
    }

    /// A twin built and synced at a hidden temp name (`stage`): `commit()` renames it into place
    /// and fsyncs the folder; dropped uncommitted, the temp file is removed.
    package final class StagedTwin: @unchecked Sendable {
        package let path: String
        let stagedPath: String
        package fileprivate(set) var result: XLSXResult?
        fileprivate var built = false
        private var done = false

        init(path: String, stagedPath: String) { (self.path, self.stagedPath) = (path, stagedPath) }

        deinit { if built && !done { unlink(stagedPath) } }

        /// Publishes the twin at its path (its bytes were synced before its temp name was given).
        package func commit() throws(OptoutError) {
            precondition(built && !done)
            done = true
            if rename(stagedPath, path) != 0 {
                let code = errno
                unlink(stagedPath)
                throw .cannotCreate(path: path, reason: errnoText(code))
            }
            try Durable.syncDirectory(Durable.parent(of: path))
        }
    }

    /// The twin of the CSV read from `readPath` (`csvPath` names it in messages and the overflow
    /// note), written whole at `target`. `dataRows` (see `stage`): the rows beyond the sheet are counted, not read.
    private static func make(csvPath: String, readPath: String, target: String, modified: Timestamp, sheetName: String,
                             rowLimit: Int, measured: XLSXLayout?, dataRows: Int?) throws(OptoutError) -> XLSXResult {
        let csvName = Durable.baseName(csvPath)
        let empty = UnsafeBufferPointer<UInt8>(start: nil, count: 0)
        // With `dataRows`: the rows read (the sheet's data rows, and the first that does not fit).
        let readRows = dataRows.map { min($0, rowLimit - 1) } ?? Int.max
        do {
            // First pass: the widths and rows (XLSXMeasure), so the second streams the sheet
            // straight into the workbook (issue 13: one write of its bytes, no temp copy).
            let measuring = try CSVReader(path: readPath, delimiter: UInt8(ascii: ","))
            guard try measuring.next() else { throw OptoutError.internalError("\(csvPath): a people CSV without its header row") }
            let headers = (0..<measuring.fieldCount).map { measuring.string($0) }
            let columns = headers.map { XLSXColumn($0, kind($0)) }
            var layout = measured
            #if DEBUG
            let check = true   // tests hold a layout measured while writing to the file's own
            #else
            let check = false
            #endif
            if layout == nil || check {
                var measure = XLSXMeasure(columns: columns, rowLimit: rowLimit)
                var read = 0
                while read < readRows, try measuring.next() {
                    read += 1
                    measure.add { i in i < measuring.fieldCount ? unguarded(measuring.field(i)) : empty }
                }
                if let dataRows {
                    try checkCount(csvPath, reader: measuring, read: read, expected: dataRows)
                    for _ in read..<dataRows { measure.add { _ in empty } }   // past the sheet: counted only
                }
                if let layout, layout != measure.layout {
                    throw OptoutError.internalError("\(csvPath): rows measured while written \(layout), read back \(measure.layout)")
                }
                layout = measure.layout
            }
            let reader = try CSVReader(path: readPath, delimiter: UInt8(ascii: ","))
            _ = try reader.next()
            let writer = try XLSXWriter(path: target, columns: columns, sheetName: sheetName,
                                        modified: modified, rowLimit: rowLimit, overflowNote: { omitted in
                "\(grouped(omitted)) more row\(omitted == 1 ? " is" : "s are") not in this workbook (a sheet holds at most \(grouped(XLSXWriter.excelRowLimit)) rows): \(csvName) holds every row"
            }, layout: layout)
            var read = 0
            while read < readRows, try reader.next() {
                read += 1
                try writer.appendRow { i in i < reader.fieldCount ? unguarded(reader.field(i)) : empty }
            }
            if let dataRows {
                // Rows past the sheet: counted (the writer keeps none of them; it never asks for their cells).
                for _ in read..<max(read, dataRows) { try writer.appendRow { _ in empty } }
            }
            return try writer.commit()
        } catch let error as CSVError {
            throw .internalError("\(csvPath): \(error.description)")
        } catch let error as OptoutError {
            throw error
        } catch {
            throw .internalError("\(csvPath): \(error)")
        }
    }

    /// With a known row count: `read` rows were read, `expected` is what the caller counted. The
    /// rows not read must exist (one more read, cheap) and, in a debug build, number exactly the rest.
    private static func checkCount(_ csvPath: String, reader: CSVReader, read: Int, expected: Int) throws -> Void {
        var found = read
        #if DEBUG
        while try reader.next() { found += 1 }
        #else
        if read < expected { found = try reader.next() ? expected : read } else if try reader.next() { found += 1 }
        #endif
        if found != expected {
            throw OptoutError.internalError("\(csvPath): \(expected) rows written, \(found) read back")
        }
    }

    /// The rows of a people CSV measured while it is written (issue 13): each complete row's
    /// bytes, as written after the header, are parsed and measured on another thread, so the
    /// twin needs no first pass over the file. `layout` after the last row.
    /// With `stopsWhenFull` (a campaign's skipped rows, millions of them), rows past those the
    /// sheet measures are neither kept nor parsed: `layout(dataRows:)` counts them from the
    /// caller's own count.
    package final class RowMeasure: @unchecked Sendable {
        private let box: MeasureBox
        private let pipe: WriteBehind
        private var pending: [UInt8] = []

        package init(headers: [String], rowLimit: Int = XLSXWriter.excelRowLimit, stopsWhenFull: Bool = false) {
            let box = MeasureBox(XLSXMeasure(columns: headers.map { XLSXColumn($0, PeopleWorkbookTwin.kind($0)) }, rowLimit: rowLimit))
            self.box = box
            pipe = WriteBehind(depth: 2, capacity: 1 << 20) { bytes throws(OptoutError) in
                if box.full.load(ordering: .relaxed) { return }
                do {
                    let reader = try CSVReader(bytes: bytes, delimiter: UInt8(ascii: ","))
                    while try reader.next() {
                        box.measure.add { i in i < reader.fieldCount ? unguarded(reader.field(i)) : UnsafeBufferPointer(start: nil, count: 0) }
                        if stopsWhenFull && box.measure.isFull {
                            box.full.store(true, ordering: .relaxed)
                            return
                        }
                    }
                } catch {
                    box.failed = true
                }
            }
            pending.reserveCapacity(1 << 20)
        }

        deinit { try? pipe.finish() }

        /// One or more complete rows, as written to the CSV (never the BOM or header).
        package func add(_ row: [UInt8]) throws(OptoutError) {
            if box.full.load(ordering: .relaxed) { return }
            pending.append(contentsOf: row)
            if pending.count >= 1 << 20 { try pipe.submit(&pending) }
        }

        /// The layout of every row added (nil if a chunk could not be parsed, or if the rows are
        /// not `dataRows`, the caller's count of them: the twin then measures the file).
        /// With `stopsWhenFull`, `dataRows` is required once the sheet is full.
        package func layout(dataRows: Int? = nil) throws(OptoutError) -> XLSXLayout? {
            if !pending.isEmpty { try pipe.submit(&pending) }
            try pipe.finish()
            if box.failed { return nil }
            var measure = box.measure
            if box.full.load(ordering: .relaxed) {
                guard let dataRows, dataRows >= measure.rows else { return nil }
                measure.count(dataRows - measure.rows)
            } else if let dataRows, dataRows != measure.rows {
                return nil
            }
            return measure.layout
        }
    }

    private final class MeasureBox: @unchecked Sendable {
        var measure: XLSXMeasure
        var failed = false
        /// Set by the measuring thread once the sheet's rows are measured (`stopsWhenFull`).
        let full = Atomic<Bool>(false)
        init(_ measure: XLSXMeasure) { self.measure = measure }
    }

    /// 1048576 → "1,048,576".
    static func grouped(_ n: Int) -> String {
        let digits = Array(String(n))
        var out = ""
        for (i, d) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(d)
        }
        return out
    }

    /// The cell without the guard apostrophe a people CSV adds (see the file header).
    package static func unguarded(_ field: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8> {
        guard field.count > 1, field[0] == UInt8(ascii: "'") else { return field }
        let rest = UnsafeBufferPointer(rebasing: field[1...])
        if CSVWriter.startsFormula(rest[0]) || CSVWriter.isScientific(rest) || UnsubscriptionReportText.isNumberLike(rest) { return rest }
        return field
    }
}
