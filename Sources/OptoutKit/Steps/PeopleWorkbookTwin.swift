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
// Failures: `OptoutError` (I/O; a CSV this program wrote that does not parse is internal).

import OptoutBase

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
    @discardableResult
    /// - Parameter measured: the layout of the CSV's rows measured as they were written
    ///   (`RowMeasure`): the first pass over the file is then skipped.
    package static func write(csvPath: String, modified: Timestamp, sheetName: String,
                              rowLimit: Int = XLSXWriter.excelRowLimit, measured: XLSXLayout? = nil) throws(OptoutError) -> (path: String, result: XLSXResult) {
        let target = path(for: csvPath)
        let csvName = Durable.baseName(csvPath)
        do {
            // First pass: the widths and rows (XLSXMeasure), so the second streams the sheet
            // straight into the workbook (issue 13: one write of its bytes, no temp copy).
            let measuring = try CSVReader(path: csvPath, delimiter: UInt8(ascii: ","))
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
                while try measuring.next() {
                    measure.add { i in i < measuring.fieldCount ? unguarded(measuring.field(i)) : UnsafeBufferPointer(start: nil, count: 0) }
                }
                if let layout, layout != measure.layout {
                    throw OptoutError.internalError("\(csvPath): rows measured while written \(layout), read back \(measure.layout)")
                }
                layout = measure.layout
            }
            let reader = try CSVReader(path: csvPath, delimiter: UInt8(ascii: ","))
            _ = try reader.next()
            let writer = try XLSXWriter(path: target, columns: columns, sheetName: sheetName,
                                        modified: modified, rowLimit: rowLimit, overflowNote: { omitted in
                "\(grouped(omitted)) more row\(omitted == 1 ? " is" : "s are") not in this workbook (a sheet holds at most \(grouped(XLSXWriter.excelRowLimit)) rows): \(csvName) holds every row"
            }, layout: layout)
            while try reader.next() {
                try writer.appendRow { i in i < reader.fieldCount ? unguarded(reader.field(i)) : UnsafeBufferPointer(start: nil, count: 0) }
            }
            return (target, try writer.commit())
        } catch let error as CSVError {
            throw .internalError("\(csvPath): \(error.description)")
        } catch let error as OptoutError {
            throw error
        } catch {
            throw .internalError("\(csvPath): \(error)")
        }
    }

    /// The rows of a people CSV measured while it is written (issue 13): each complete row's
    /// bytes, as written after the header, are parsed and measured on another thread, so the
    /// twin needs no first pass over the file. `layout` after the last row.
    package final class RowMeasure {
        private let box: MeasureBox
        private let pipe: WriteBehind
        private var pending: [UInt8] = []

        package init(headers: [String], rowLimit: Int = XLSXWriter.excelRowLimit) {
            let box = MeasureBox(XLSXMeasure(columns: headers.map { XLSXColumn($0, PeopleWorkbookTwin.kind($0)) }, rowLimit: rowLimit))
            self.box = box
            pipe = WriteBehind(depth: 2, capacity: 1 << 20) { bytes throws(OptoutError) in
                do {
                    let reader = try CSVReader(bytes: bytes, delimiter: UInt8(ascii: ","))
                    while try reader.next() {
                        box.measure.add { i in i < reader.fieldCount ? unguarded(reader.field(i)) : UnsafeBufferPointer(start: nil, count: 0) }
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
            pending.append(contentsOf: row)
            if pending.count >= 1 << 20 { try pipe.submit(&pending) }
        }

        /// The layout of every row added (nil if a chunk could not be parsed: the twin measures the file).
        package func layout() throws(OptoutError) -> XLSXLayout? {
            if !pending.isEmpty { try pipe.submit(&pending) }
            try pipe.finish()
            return box.failed ? nil : box.measure.layout
        }
    }

    private final class MeasureBox: @unchecked Sendable {
        var measure: XLSXMeasure
        var failed = false
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
