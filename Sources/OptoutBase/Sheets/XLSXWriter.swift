// XLSXWriter.swift: writes one-sheet .xlsx workbooks for people, streamed row by row.
//
// Input: column headers with a kind each (text, integer, date), then rows of UTF-8 cell bytes.
// Output: the workbook at `path`, written whole (AtomicFile: temp, fsync, rename) on `commit`:
// stored ZIP entries (ZipWriter), inline strings (so a phone number is a text cell, never a
// number and never with an apostrophe), a bold header row frozen in place, column widths from
// the widest value seen (capped), ISO 8601 UTC times in date columns as real dates shown as
// 2026-11-27T12:32:58Z, digits-only integers in integer columns as numbers. Byte-identical for
// the same rows and `modified` time (every ZIP entry carries it).
// Streaming: with its layout known beforehand (`XLSXMeasure`, a first pass over the same rows:
// column widths and row count), the sheet's XML is streamed straight into its stored ZIP entry,
// the CRC computed as written and the entry's local header patched at the end (one write of the
// bytes, issue 13), on a write-behind thread while the next rows are made (WriteBehind). Without a layout, the rows go to an unlinked temp file beside the output
// (never held in memory) and are copied into the ZIP on commit, after the widths are known; both
// ways give the same bytes.
// Excel's row limit (1,048,576 rows): rows beyond it are counted, not written, and the sheet's
// last row says how many are missing (`overflowNote`); `commit` returns the count for reports.
// Cell text: &, <, > escaped; control characters and a literal `_xHHHH_` written as `_xHHHH_`
// escapes (ECMA-376 ST_Xstring); invalid UTF-8 replaced by U+FFFD.
// Failures: `OptoutError` (I/O; an entry over 4 GiB).

#if canImport(Glibc)
import Glibc
#endif

/// One column of a workbook written by `XLSXWriter`.
package struct XLSXColumn: Sendable, Equatable {
    package enum Kind: Sendable, Equatable {
        /// Always a text cell.
        case text
        /// A number when the cell is 1 to 15 digits (with an optional `-`, no leading zero), else text.
        case integer
        /// A date when the cell is `YYYY-MM-DDTHH:MM:SSZ`, else text.
        case date
    }

    package var header: String
    package var kind: Kind

    package init(_ header: String, _ kind: Kind = .text) {
        self.header = header
        self.kind = kind
    }
}

/// What the sheet's XML needs before its rows: the column widths and the number of sheet rows
/// (measured by `XLSXMeasure` from the same rows, so the writer can stream them).
package struct XLSXLayout: Sendable, Equatable {
    package var widths: [Int]
    package var sheetRows: Int
}

/// A first pass over the rows a writer will get: the widths and rows it would find (same rules,
/// same rows measured: those that fit, and the first that does not).
package struct XLSXMeasure {
    private let kinds: [XLSXColumn.Kind]
    private let rowLimit: Int
    private var widths: [Int]
    private var dataRows = 0

    package init(columns: [XLSXColumn], rowLimit: Int = XLSXWriter.excelRowLimit) {
        precondition(!columns.isEmpty && rowLimit >= 3)
        kinds = columns.map(\.kind)
        self.rowLimit = rowLimit
        widths = columns.map { column in
            var header = column.header
            let w = header.withUTF8 { XLSXWriter.textWidth($0) }
            return max(column.kind == .date ? 20 : 0, w)
        }
    }

    /// Measures one data row (`cell(i)` as for `XLSXWriter.appendRow`).
    package mutating func add(_ cell: (Int) -> UnsafeBufferPointer<UInt8>) {
        dataRows += 1
        // The writer measures the rows it writes and the first one that does not fit (kept back).
        guard dataRows <= rowLimit - 1 else { return }
        for i in 0..<kinds.count {
            let value = cell(i)
            if value.isEmpty { continue }
            if let w = XLSXWriter.cellWidth(value, kinds[i]), w > widths[i] { widths[i] = w }
        }
    }

    package var layout: XLSXLayout {
        XLSXLayout(widths: widths, sheetRows: dataRows <= rowLimit - 2 ? 1 + dataRows : rowLimit)
    }

    /// Data rows added so far.
    package var rows: Int { dataRows }

    /// True once every row that is measured was added: later rows only count.
    package var isFull: Bool { dataRows >= rowLimit - 1 }

    /// Counts `rows` more rows past the measured ones (what `add` of empty cells does).
    package mutating func count(_ rows: Int) {
        precondition(rows >= 0 && (rows == 0 || isFull))
        dataRows += rows
    }
}

/// The ZIP of a streamed workbook, shared with its write-behind thread.
private final class ZipBox: @unchecked Sendable {
    var zip: ZipWriter?
}

/// What a committed workbook holds.
package struct XLSXResult: Sendable, Equatable {
    /// Data rows written (not counting the header or the overflow note).
    package var rows = 0
    /// Data rows not written because the sheet was full (Excel's limit).
    package var omitted = 0
}

/// Writes a one-sheet workbook, streamed (see the file header).
package final class XLSXWriter {
    /// Excel's rows per sheet.
    package static let excelRowLimit = 1_048_576
    /// Widest column, in characters (longer values wrap nowhere: the user widens the column).
    package static let widthCap = 60

    private let out: AtomicFile
    private let columns: [XLSXColumn]
    private let sheetName: String
    private let modified: Timestamp
    private let rowLimit: Int
    private let overflowNote: (Int) -> String
    /// The temp file of the rows (-1 when streaming straight into the ZIP).
    private var fd: Int32 = -1
    /// Streaming: the ZIP being written, its sheet entry open (touched by the write-behind
    /// thread until it finishes); the layout promised.
    private let zipBox = ZipBox()
    private var writeBehind: WriteBehind?
    private let layout: XLSXLayout?
    private var buffer: [UInt8] = []
    private var size: UInt64 = 0
    private var widths: [Int]
    private var sheetRows = 0
    private var result = XLSXResult()
    /// The first row that did not fit, kept: when it is the only one, it takes the note's place.
    private var pending: [UInt8]?
    private let letters: [[UInt8]]
    private var committed = false
    /// The current row's number in decimal digits (for the cell references).
    private let rowDigits = UnsafeMutablePointer<UInt8>.allocate(capacity: 24)
    private var rowDigitCount = 0
    /// Column letters, flat: column i is letterBytes[letterStart[i] ..< + letterCount[i]].
    private let letterBytes: UnsafeMutablePointer<UInt8>
    private let letterStart: [Int]
    private let letterCount: [Int]
    private let kinds: [XLSXColumn.Kind]
    /// Where a row is made before it is appended to `buffer`.
    private var scratch = RawBytes(capacity: 1 << 16)
    /// The last date cell and its serial's text (a report's rows often share their time).
    private let lastDate = UnsafeMutablePointer<UInt8>.allocate(capacity: 32)
    private var lastDateCount = 0
    private var lastSerial: [UInt8] = []
    /// Streaming with a layout: widths are known, not measured again.
    private var measuring: Bool { layout == nil }
    /// Bytes of rows buffered before they are written (and checksummed).
    private static let flushBytes = 1 << 20

    /// Opens the workbook's temp files.
    /// - Parameters:
    ///   - modified: the time in every ZIP entry (the run's time: same rows and time, same bytes).
    ///   - sheetName: the tab's name (characters Excel refuses become `_`, cut to 31).
    ///   - rowLimit: rows per sheet including the header (Excel's, unless a test sets fewer).
    ///   - overflowNote: the last row's text when rows did not fit, given how many.
    ///   - layout: the widths and rows `XLSXMeasure` found in the same rows: the sheet is then
    ///     streamed into the ZIP (no temp file); the rows given must be those measured.
    package init(path: String, columns: [XLSXColumn], sheetName: String, modified: Timestamp,
                 rowLimit: Int = XLSXWriter.excelRowLimit,
                 overflowNote: @escaping (Int) -> String = { "\($0) more rows are not in this workbook: a sheet holds at most 1,048,576 rows" },
                 layout: XLSXLayout? = nil) throws(OptoutError) {
        precondition(!columns.isEmpty && rowLimit >= 3)
        precondition(layout.map { $0.widths.count == columns.count } ?? true)
        self.columns = columns
        self.sheetName = XLSXWriter.safeSheetName(sheetName)
        self.modified = modified
        self.rowLimit = rowLimit
        self.overflowNote = overflowNote
        self.layout = layout
        let letters = (0..<columns.count).map(XLSXWriter.columnLetters)
        self.letters = letters
        kinds = columns.map(\.kind)
        letterCount = letters.map(\.count)
        var starts: [Int] = []
        var total = 0
        for l in letters { starts.append(total); total += l.count }
        letterStart = starts
        let flat = UnsafeMutablePointer<UInt8>.allocate(capacity: max(1, total))
        for (i, l) in letters.enumerated() { (flat + starts[i]).initialize(from: l, count: l.count) }
        letterBytes = flat
        widths = layout?.widths ?? columns.map { $0.kind == .date ? 20 : 0 }
        out = try AtomicFile(path: path, direct: true)   // written once, past the page cache (DirectWrites)
        buffer.reserveCapacity(Self.flushBytes + 65536)
        if let layout {
            var zip = ZipWriter(file: out, modified: modified)
            try addFixedParts(&zip)
            try zip.beginStreamed(name: Self.sheetPart)
            sheetRows = layout.sheetRows   // the prefix names the final dimension
            buffer.append(contentsOf: sheetPrefix.utf8)
            zipBox.zip = zip
            // The entry's bytes are checksummed and written on another thread while the next
            // rows are made (the box is the thread's until `finish`).
            let box = zipBox
            writeBehind = WriteBehind(depth: 2, capacity: Self.flushBytes + 65536) { bytes throws(OptoutError) in
                try box.zip!.streamed(bytes)
            }
        } else {
            let tempPath = "\(Durable.parent(of: path))/.\(Durable.baseName(path)).sheet-\(getpid())-\(Hex.encode(Durable.randomBytes(4)))"
            fd = open(tempPath, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
            if fd < 0 { throw Durable.writeError(path) }
            unlink(tempPath)  // the open descriptor keeps it; nothing is left behind by a crash
        }
        var header: [UInt8] = []
        appendRowOpen(1, into: &header)
        for (i, column) in columns.enumerated() {
            var text = column.header
            text.withUTF8 { appendText($0, column: i, style: " s=\"2\"", into: &header) }
        }
        header.append(contentsOf: Self.rowClose)
        buffer.append(contentsOf: header)
        sheetRows = 1
    }

    deinit {
        rowDigits.deallocate()
        lastDate.deallocate()
        letterBytes.deallocate()
        scratch.free()
        if fd >= 0 { close(fd) }
        try? writeBehind?.finish()   // not committed: the thread ends, the temp file goes with AtomicFile
    }

    /// Appends one data row: `cell(i)` gives column i's UTF-8 bytes (missing columns: pass empty).
    package func appendRow(_ cell: (Int) -> UnsafeBufferPointer<UInt8>) throws(OptoutError) {
        if sheetRows >= rowLimit - 1 {
            // The last row of the sheet: kept back until it is known whether more rows follow.
            if pending == nil && result.omitted == 0 {
                var row: [UInt8] = []
                appendCells(cell, row: sheetRows + 1, into: &row)
                pending = row
            } else {
                pending = nil
            }
            result.omitted += 1
            return
        }
        sheetRows += 1
        result.rows += 1
        appendCells(cell, row: sheetRows, into: &buffer)
        if buffer.count >= Self.flushBytes { try flush() }
    }

    /// Appends one data row of Strings.
    package func appendRow(_ fields: [String]) throws(OptoutError) {
        let bytes = fields.map { Array($0.utf8) }
        var failure: OptoutError?
        withBuffers(bytes, 0, []) { buffers in
            do throws(OptoutError) { try appendRow { $0 < buffers.count ? buffers[$0] : UnsafeBufferPointer(start: nil, count: 0) } } catch { failure = error }
        }
        if let failure { throw failure }
    }

    /// Writes the workbook and makes it visible at its path (temp, fsync, rename).
    package func commit() throws(OptoutError) -> XLSXResult {
        precondition(!committed)
        committed = true
        if let row = pending, result.omitted == 1 {
            buffer.append(contentsOf: row)
            sheetRows += 1
            result.rows += 1
            result.omitted = 0
        } else if result.omitted > 0 {
            sheetRows += 1
            var row: [UInt8] = []
            appendRowOpen(sheetRows, into: &row)
            var text = overflowNote(result.omitted)
            text.withUTF8 { appendText($0, column: 0, style: "", into: &row, measure: false) }
            row.append(contentsOf: Self.rowClose)
            buffer.append(contentsOf: row)
        }
        if let writeBehind {
            // Streamed: the rows given must be those measured (else the dimension written first is wrong).
            guard let layout, sheetRows == layout.sheetRows else {
                try? writeBehind.finish()
                self.writeBehind = nil
                throw .internalError("\(out.path): \(sheetRows) sheet rows written, \(layout?.sheetRows ?? 0) measured")
            }
            buffer.append(contentsOf: Self.sheetSuffix)
            try writeBehind.submit(&buffer)
            self.writeBehind = nil
            try writeBehind.finish()
            var zip = zipBox.zip!
            zipBox.zip = nil
            try zip.endStreamed()
            try zip.finish()
            try out.commit()
            return result
        }
        try flush()
        var zip = ZipWriter(file: out, modified: modified)
        try addFixedParts(&zip)
        try zip.add(name: Self.sheetPart, prefix: Array(sheetPrefix.utf8), fd: fd, size: size,
                    suffix: Self.sheetSuffix, path: out.path)
        try zip.finish()
        close(fd)
        fd = -1
        try out.commit()
        return result
    }

    private static let sheetPart = "xl/worksheets/sheet1.xml"
    private static let sheetSuffix = Array("</sheetData></worksheet>".utf8)

    /// The parts before the sheet, in the order every workbook of this writer has them.
    private func addFixedParts(_ zip: inout ZipWriter) throws(OptoutError) {
        try zip.add(name: "[Content_Types].xml", bytes: Array(Self.contentTypes.utf8))
        try zip.add(name: "_rels/.rels", bytes: Array(Self.rootRels.utf8))
        try zip.add(name: "xl/workbook.xml", bytes: Array(workbookXML.utf8))
        try zip.add(name: "xl/_rels/workbook.xml.rels", bytes: Array(Self.workbookRels.utf8))
        try zip.add(name: "xl/styles.xml", bytes: Array(Self.styles.utf8))
    }

    // MARK: rows and cells

    private func flush() throws(OptoutError) {
        if buffer.isEmpty { return }
        if let writeBehind {
            try writeBehind.submit(&buffer)
            return
        }
        try Durable.writeAll(fd, buffer, path: out.path)
        size += UInt64(buffer.count)
        buffer.removeAll(keepingCapacity: true)
    }

    private static let rowClose = Array("</row>".utf8)

    /// Appends `<row r="n">`, leaving n's digits in `rowDigits` for the cell references.
    private func appendRowOpen(_ n: Int, into out: inout [UInt8]) {
        scratch.removeAll()
        rawRowOpen(n, into: &scratch)
        out.append(contentsOf: scratch.bytes)
    }

    private func rawRowOpen(_ n: Int, into out: inout RawBytes) {
        var digits = 0
        var v = n
        repeat { digits += 1; v /= 10 } while v > 0
        v = n
        for k in stride(from: digits - 1, through: 0, by: -1) {
            rowDigits[k] = UInt8(ascii: "0") &+ UInt8(v % 10)
            v /= 10
        }
        rowDigitCount = digits
        out.put("<row r=\"")
        out.put(UnsafeBufferPointer(start: rowDigits, count: rowDigitCount))
        out.put("\">")
    }

    /// One data row, made in `scratch` through a pointer (no Array append per piece: issue 13)
    /// and appended to `out` at once.
    private func appendCells(_ cell: (Int) -> UnsafeBufferPointer<UInt8>, row n: Int, into out: inout [UInt8]) {
        scratch.removeAll()
        rawRowOpen(n, into: &scratch)
        for i in 0..<columns.count {
            let value = cell(i)
            if value.isEmpty { continue }
            switch kinds[i] {
            case .integer where Self.isInteger(value):
                rawOpenCell(i, "", into: &scratch)
                scratch.put("><v>")
                scratch.put(value)
                scratch.put("</v></c>")
                if measuring { widths[i] = max(widths[i], value.count) }
            case .date:
                if value.count == lastDateCount, memcmp(value.baseAddress!, lastDate, lastDateCount) == 0 {
                    rawDate(column: i, into: &scratch)
                } else if value.count <= 32, let serial = Self.dateSerial(value) {
                    lastDateCount = value.count
                    lastDate.update(from: value.baseAddress!, count: value.count)
                    lastSerial = Array(serial.description.utf8)
                    rawDate(column: i, into: &scratch)
                } else {
                    rawText(value, column: i, style: "", into: &scratch)
                }
            default:
                rawText(value, column: i, style: "", into: &scratch)
            }
        }
        scratch.put("</row>")
        out.append(contentsOf: scratch.bytes)
    }

    /// The date cell of `lastSerial`.
    @inline(__always)
    private func rawDate(column: Int, into out: inout RawBytes) {
        rawOpenCell(column, " s=\"1\"", into: &out)
        out.put("><v>")
        lastSerial.withUnsafeBufferPointer { out.put($0) }
        out.put("</v></c>")
    }

    /// `<c r="B12"` + style (the caller closes the tag).
    @inline(__always)
    private func rawOpenCell(_ column: Int, _ style: StaticString, into out: inout RawBytes) {
        out.put("<c r=\"")
        out.put(UnsafeBufferPointer(start: letterBytes + letterStart[column], count: letterCount[column]))
        out.put(UnsafeBufferPointer(start: rowDigits, count: rowDigitCount))
        out.put(UInt8(ascii: "\""))
        out.put(style)
    }

    /// An inline-string cell holding `value` (escaped), measured for the column width.
    private func appendText(_ value: UnsafeBufferPointer<UInt8>, column: Int, style: StaticString, into out: inout [UInt8], measure: Bool = true) {
        scratch.removeAll()
        rawText(value, column: column, style: style, into: &scratch, measure: measure)
        out.append(contentsOf: scratch.bytes)
    }

    private func rawText(_ value: UnsafeBufferPointer<UInt8>, column: Int, style: StaticString, into out: inout RawBytes, measure: Bool = true) {
        rawOpenCell(column, style, into: &out)
        let preserve = value.first.map(Self.isXMLSpace) == true || value.last.map(Self.isXMLSpace) == true
        out.put(preserve ? " t=\"inlineStr\"><is><t xml:space=\"preserve\">" : " t=\"inlineStr\"><is><t>")
        // One pass over the bytes: ASCII or not, and whether anything needs escaping.
        var high = false, special = false
        Self.escapeClass.withUnsafeBufferPointer { table in
            for b in value {
                if b >= 0x80 { high = true } else if table[Int(b)] != 0 { special = true }
            }
        }
        var characters = 0
        if !high {
            characters = value.count
            if special { Self.rawEscaped(value, into: &out) } else { out.put(value) }
        } else if Self.isCleanUTF8(value) {
            if measuring && measure { characters = Self.textWidth(value) }
            if special { Self.rawEscaped(value, into: &out) } else { out.put(value) }
        } else {
            let repaired = Self.repaired(value)
            if measuring && measure { characters = String(decoding: repaired, as: UTF8.self).count }
            repaired.withUnsafeBufferPointer { Self.rawEscaped($0, into: &out) }
        }
        out.put("</t></is></c>")
        if measuring && measure { widths[column] = max(widths[column], characters) }
    }

    /// Valid UTF-8 without U+FFFE or U+FFFF (which XML does not allow): written as is.
    static func isCleanUTF8(_ value: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let text = String(validating: value, as: UTF8.self) else { return false }
        return !text.unicodeScalars.contains(where: { $0.value == 0xFFFE || $0.value == 0xFFFF })
    }

    /// Invalid UTF-8, U+FFFE and U+FFFF replaced by U+FFFD.
    static func repaired(_ value: UnsafeBufferPointer<UInt8>) -> [UInt8] {
        Array(String(decoding: value, as: UTF8.self).unicodeScalars.map { $0.value == 0xFFFE || $0.value == 0xFFFF ? "\u{FFFD}" : $0 }.map(String.init).joined().utf8)
    }

    /// The width a text cell is measured by: its characters as written (after repair).
    static func textWidth(_ value: UnsafeBufferPointer<UInt8>) -> Int {
        if value.allSatisfy({ $0 < 0x80 }) { return value.count }
        if isCleanUTF8(value) { return String(decoding: value, as: UTF8.self).count }
        return String(decoding: repaired(value), as: UTF8.self).count
    }

    /// The width a data cell of `kind` is measured by (nil: not measured, a date).
    static func cellWidth(_ value: UnsafeBufferPointer<UInt8>, _ kind: XLSXColumn.Kind) -> Int? {
        switch kind {
        case .integer where isInteger(value): return value.count
        case .date where dateSerial(value) != nil: return nil
        default: return textWidth(value)
        }
    }

    /// Per ASCII byte: 1 when text content may need an escape (& < >, control characters but
    /// TAB and LF, and `_`, which starts a literal `_xHHHH_`), else 0.
    private static let escapeClass: [UInt8] = (0..<128).map { b in
        (b == 0x26 || b == 0x3C || b == 0x3E || (b < 0x20 && b != 0x09 && b != 0x0A) || b == 0x5F) ? 1 : 0
    }


    @inline(__always)
    private static func isXMLSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D }

    /// Escapes text content: & < >, control characters (and CR, which XML would turn into LF) as
    /// `_xHHHH_`, and the `_` of a literal `_xHHHH_` as `_x005F_`.
    static func appendEscaped(_ value: UnsafeBufferPointer<UInt8>, into out: inout [UInt8]) {
        var raw = RawBytes(capacity: 7 * value.count + 16)
        defer { raw.free() }
        rawEscaped(value, into: &raw)
        out.append(contentsOf: raw.bytes)
    }

    static func rawEscaped(_ value: UnsafeBufferPointer<UInt8>, into out: inout RawBytes) {
        var runStart = 0
        var i = 0
        let n = value.count
        while i < n {
            let b = value[i]
            let special = b == UInt8(ascii: "&") || b == UInt8(ascii: "<") || b == UInt8(ascii: ">")
                || (b < 0x20 && b != 0x09 && b != 0x0A) || (b == UInt8(ascii: "_") && isHexEscape(value, at: i))
            if special {
                out.put(UnsafeBufferPointer(rebasing: value[runStart..<i]))
                switch b {
                case UInt8(ascii: "&"): out.put("&amp;")
                case UInt8(ascii: "<"): out.put("&lt;")
                case UInt8(ascii: ">"): out.put("&gt;")
                default:
                    out.put("_x00")
                    out.put(upperHex[Int(b >> 4)])
                    out.put(upperHex[Int(b & 0x0F)])
                    out.put(UInt8(ascii: "_"))
                }
                runStart = i + 1
            }
            i += 1
        }
        out.put(UnsafeBufferPointer(rebasing: value[runStart..<n]))
    }

    /// True when `_xHHHH_` (four hex digits) starts at `i`.
    private static func isHexEscape(_ v: UnsafeBufferPointer<UInt8>, at i: Int) -> Bool {
        guard i + 6 < v.count, v[i + 1] == UInt8(ascii: "x") || v[i + 1] == UInt8(ascii: "X"), v[i + 6] == UInt8(ascii: "_") else { return false }
        return (i + 2...i + 5).allSatisfy { j in
            let b = v[j]
            return (b >= 0x30 && b <= 0x39) || (b | 0x20 >= 0x61 && b | 0x20 <= 0x66)
        }
    }

    /// 1 to 15 digits, an optional leading `-`, no leading zero (except "0" itself).
    static func isInteger(_ v: UnsafeBufferPointer<UInt8>) -> Bool {
        var start = 0
        if v.first == UInt8(ascii: "-") { start = 1 }
        let digits = v.count - start
        guard digits >= 1 && digits <= 15 else { return false }
        if digits > 1 && v[start] == UInt8(ascii: "0") { return false }
        for i in start..<v.count where v[i] < 0x30 || v[i] > 0x39 { return false }
        return true
    }

    /// The spreadsheet serial (days since 1899-12-30, time as a fraction) of `YYYY-MM-DDTHH:MM:SSZ`.
    static func dateSerial(_ v: UnsafeBufferPointer<UInt8>) -> Double? {
        guard v.count == 20, v[4] == UInt8(ascii: "-"), v[7] == UInt8(ascii: "-"), v[10] == UInt8(ascii: "T"),
              v[13] == UInt8(ascii: ":"), v[16] == UInt8(ascii: ":"), v[19] == UInt8(ascii: "Z") else { return nil }
        func number(_ from: Int, _ count: Int) -> Int? {
            var n = 0
            for i in from..<from + count {
                guard v[i] >= 0x30 && v[i] <= 0x39 else { return nil }
                n = n * 10 + Int(v[i] - 0x30)
            }
            return n
        }
        guard let y = number(0, 4), let mo = number(5, 2), let d = number(8, 2), let h = number(11, 2),
              let mi = number(14, 2), let s = number(17, 2), y >= 1900, (1...12).contains(mo), (1...31).contains(d),
              h < 24, mi < 60, s < 60 else { return nil }
        let days = Timestamp.days(year: y, month: mo, day: d)
        let (cy, cm, cd, _, _, _) = Timestamp.civil(days * 86400)
        guard cy == y && cm == mo && cd == d, days >= -25_508 else { return nil }  // no such date; before 1900-03-01
        return Double(days + 25_569) + Double(h * 3600 + mi * 60 + s) / 86400
    }

    /// "A", "B", ..., "Z", "AA", ... for a zero-based column index.
    static func columnLetters(_ index: Int) -> [UInt8] {
        var n = index + 1
        var out: [UInt8] = []
        while n > 0 {
            let r = (n - 1) % 26
            out.insert(UInt8(ascii: "A") + UInt8(r), at: 0)
            n = (n - 1) / 26
        }
        return out
    }

    /// A tab name Excel accepts: no `[ ] : * ? / \`, not empty, at most 31 characters.
    static func safeSheetName(_ name: String) -> String {
        let cleaned = String(name.map { "[]:*?/\\".contains($0) ? "_" : $0 }.prefix(31))
        return cleaned.isEmpty ? "Sheet1" : cleaned
    }

    // MARK: the workbook's parts

    private var sheetPrefix: String {
        var cols = ""
        for (i, width) in widths.enumerated() {
            let headerWidth = columns[i].header.count
            let fit = min(max(width, headerWidth, 6) + 2, XLSXWriter.widthCap)
            cols += "<col min=\"\(i + 1)\" max=\"\(i + 1)\" width=\"\(fit)\" customWidth=\"1\"/>"
        }
        let last = String(decoding: letters[columns.count - 1], as: UTF8.self)
        return #"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"# + "\n"
            + #"<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">"#
            + "<dimension ref=\"A1:\(last)\(sheetRows)\"/>"
            + #"<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/><selection pane="bottomLeft" activeCell="A2" sqref="A2"/></sheetView></sheetViews>"#
            + #"<sheetFormatPr defaultRowHeight="15"/>"#
            + "<cols>\(cols)</cols><sheetData>"
    }

    private var workbookXML: String {
        var name: [UInt8] = []
        var text = sheetName
        text.withUTF8 { Self.appendEscaped($0, into: &name) }
        let escaped = String(decoding: name, as: UTF8.self).replacingOccurrences(of: "\"", with: "&quot;")
        return #"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"# + "\n"
            + #"<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">"#
            + #"<bookViews><workbookView/></bookViews><sheets><sheet name=""# + escaped + #"" sheetId="1" r:id="rId1"/></sheets></workbook>"#
    }

    private static let contentTypes = #"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"# + "\n"
        + #"<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">"#
        + #"<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>"#
        + #"<Default Extension="xml" ContentType="application/xml"/>"#
        + #"<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>"#
        + #"<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>"#
        + #"<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>"#
        + "</Types>"

    private static let rootRels = #"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"# + "\n"
        + #"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">"#
        + #"<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>"#
        + "</Relationships>"

    private static let workbookRels = #"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"# + "\n"
        + #"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">"#
        + #"<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>"#
        + #"<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>"#
        + "</Relationships>"

    /// Styles: 0 default, 1 a date shown as 2026-11-27T12:32:58Z, 2 the bold header.
    private static let styles = #"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"# + "\n"
        + #"<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">"#
        + #"<numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy\-mm\-dd&quot;T&quot;hh:mm:ss&quot;Z&quot;"/></numFmts>"#
        + #"<fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font><font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>"#
        + #"<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>"#
        + #"<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>"#
        + #"<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>"#
        + #"<cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>"#
        + #"<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>"#
        + #"<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>"#
        + #"<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>"#
        + "</styleSheet>"
}

private let upperHex: [UInt8] = Array("0123456789ABCDEF".utf8)

@inline(__always) private func appendDecimal(_ n: Int, _ out: inout [UInt8]) {
    if n >= 10 { appendDecimal(n / 10, &out) }
    out.append(UInt8(ascii: "0") + UInt8(n % 10))
}

/// Calls `body` with buffers over each array of `arrays` (kept alive for the call).
private func withBuffers(_ arrays: [[UInt8]], _ index: Int, _ done: [UnsafeBufferPointer<UInt8>], _ body: ([UnsafeBufferPointer<UInt8>]) -> Void) {
    if index == arrays.count { body(done); return }
    arrays[index].withUnsafeBufferPointer { withBuffers(arrays, index + 1, done + [$0], body) }
}

/// A growable byte buffer written through a pointer, checked for room on each put but without
/// Array's per-append overhead (the sheet's rows, issue 13). Freed by its owner (`free`).
struct RawBytes {
    private(set) var base: UnsafeMutablePointer<UInt8>
    private(set) var count = 0
    private var capacity: Int

    init(capacity: Int) {
        self.capacity = max(16, capacity)
        base = .allocate(capacity: self.capacity)
    }

    func free() { base.deallocate() }

    var bytes: UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(start: base, count: count) }

    mutating func removeAll() { count = 0 }

    private mutating func grow(_ need: Int) {
        let bigger = Swift.max(need, capacity * 2)
        let fresh = UnsafeMutablePointer<UInt8>.allocate(capacity: bigger)
        fresh.update(from: base, count: count)
        base.deallocate()
        base = fresh
        capacity = bigger
    }

    @inline(__always) mutating func put(_ byte: UInt8) {
        if count == capacity { grow(count + 1) }
        base[count] = byte
        count += 1
    }

    @inline(__always) mutating func put(_ bytes: UnsafeBufferPointer<UInt8>) {
        let n = bytes.count
        if n == 0 { return }
        if count + n > capacity { grow(count + n) }
        (base + count).update(from: bytes.baseAddress!, count: n)
        count += n
    }

    @inline(__always) mutating func put(_ text: StaticString) {
        put(UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }
}
