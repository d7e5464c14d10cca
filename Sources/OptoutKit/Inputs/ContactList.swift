// Contact lists: a CSV from a spreadsheet read as recipients plus merge fields.
// Input: inbox/lists/<name>.csv (any encoding/delimiter the CSV layer reads). Output: a streaming
// reader that yields, for each data row, its line, the parsed phone number (or why not) and its
// fields. The phone column is found by its header (ColumnNames.phone) or, when no header names
// it, by content (the column where most sampled rows parse as phone numbers).
// Failures (file-level, the list is rejected): `InputError` for no phone column or a CSV error
// (undecodable, binary, unterminated quote) with the line.

import OptoutPhone
import OptoutBase

/// What one row holds in its phone column.
package enum RowNumber: Sendable, Equatable {
    /// Every field of the row is empty.
    case blank
    case number(PhoneNumber)
    case invalid(PhoneRejection)
}

package final class ContactListReader {
    package let path: String
    package private(set) var columns: [String]
    package let phoneColumn: Int
    package let hasHeader: Bool
    package let encoding: TextEncoding
    package let delimiter: UInt8
    private let reader: CSVReader
    private let parser: PhoneNumberParser
    private var normalizedColumns: [String]
    /// The column giving each row's country, and why a column so named is not used (CountryColumn).
    package let country: CountryColumn?
    package let countryNote: String?

    /// Rows sampled to find the phone column by content.
    static let sampleRows = 50

    /// `recovers`: skip rows that cannot be read instead of failing (opt-out inputs only, see
    /// CSVReader); they are listed in `skipped`.
    package init(path: String, parser: PhoneNumberParser, recovers: Bool = false) throws(InputError) {
        self.path = path
        self.parser = parser
        // Sample the start of the file.
        var sample: [[String]] = []
        var sampleLines: [Int] = []
        let probe: CSVReader
        do {
            probe = try CSVReader(path: path)
            probe.recovers = recovers
            while sample.count < ContactListReader.sampleRows, try probe.next() {
                let fields = (0..<probe.fieldCount).map { probe.string($0) }
                if fields.allSatisfy({ $0.trimmingCharacters(in: .whitespaces).isEmpty }) { continue }
                sample.append(fields)
                sampleLines.append(probe.line)
            }
        } catch {
            throw InputError(error)
        }
        guard let first = sample.first else {
            throw InputError(line: nil, reason: "the list has no rows")
        }
        var header = false
        var phone: Int? = ColumnNames.find(ColumnNames.phone, in: first)
        if phone != nil {
            header = true
        } else if let loose = first.firstIndex(where: ColumnNames.looselyPhone) {
            header = true
            phone = loose
        } else {
            // By content: the column where most rows parse as a number.
            let width = sample.map(\.count).max() ?? 0
            var best = -1, bestHits = 0
            let rows = sample.count > 1 ? Array(sample.dropFirst()) : sample
            for column in 0..<width {
                var hits = 0
                for row in rows where column < row.count {
                    if case .success = parser.parse(row[column]) { hits += 1 }
                }
                if hits > bestHits { bestHits = hits; best = column }
            }
            if best >= 0, bestHits * 2 >= rows.count {
                phone = best
                if best < first.count, case .success = parser.parse(first[best]) {
                    header = false
                } else {
                    header = sample.count > 1
                }
            }
        }
        guard let phoneColumn = phone else {
            let shown = Diagnostics.list(first.map { "\"\($0)\"" }, limit: 8)
            throw InputError(line: sampleLines.first, reason: "no phone column: no header names one (\(shown)) and no column holds phone numbers; name the column \"phone\" or \"mobile\"")
        }
        self.phoneColumn = phoneColumn
        hasHeader = header
        if header {
            columns = first.map { $0.trimmingCharacters(in: .whitespaces) }
        } else {
            let width = sample.map(\.count).max() ?? 1
            columns = (1...max(width, 1)).map { "column\($0)" }
        }
        normalizedColumns = columns.map(ColumnNames.normalize)
        (country, countryNote) = CountryColumn.detect(header: header ? columns : nil, sample: header ? Array(sample.dropFirst()) : sample, parser: parser)  // country column (issue 14)
        reader = try ContactListReader.rows(after: probe, path: path, recovers: recovers, header: header)
        encoding = reader.encoding
        delimiter = reader.delimiter
    }

    /// The same list read again from its first row, through the same open file (no second open:
    /// the very file read before). This reader must not be read any more.
    package func rewound() throws(InputError) -> ContactListReader {
        try ContactListReader(rewinding: self)
    }

    private init(rewinding other: ContactListReader) throws(InputError) {
        path = other.path
        parser = other.parser
        columns = other.columns
        normalizedColumns = other.normalizedColumns
        phoneColumn = other.phoneColumn
        hasHeader = other.hasHeader
        (country, countryNote) = (other.country, other.countryNote)  // country column (issue 14)
        reader = try ContactListReader.rows(after: other.reader, path: path, recovers: other.reader.recovers, header: hasHeader)
        encoding = reader.encoding
        delimiter = reader.delimiter
    }

    /// A reader of the rows of `first`'s file from the start, its header (and blank lines before
    /// it) skipped.
    private static func rows(after first: CSVReader, path: String, recovers: Bool, header: Bool) throws(InputError) -> CSVReader {
        do {
            let reader = try CSVReader(reopening: first, path: path)
            reader.recovers = recovers
            if header {
                // Skip blank lines before the header, then the header.
                while try reader.next() {
                    if !(reader.fieldCount == 1 && reader.field(0).allSatisfy({ $0 == 0x20 || $0 == 0x09 })) { break }
                }
            }
            return reader
        } catch {
            throw InputError(error)
        }
    }

    // MARK: Parallel parsing (F15)

    /// A chunker of the rows not read yet (from the next one on) for parsing on worker threads,
    /// when the list is UTF-8 text read without recovery; nil otherwise (read it with `next()`).
    /// This reader's `next()` must not be called while the chunker is used (`resume(at:)` after it).
    package func chunker(chunkBytes: Int) throws(InputError) -> CSVChunker? {
        guard let start = reader.nextRecordStart else { return nil }
        do { return try CSVChunker(reader: reader, from: start, chunkBytes: chunkBytes) } catch { throw InputError(error) }
    }

    /// A parser for the chunker's chunks (one per worker chunk: it keeps the record's buffers).
    package func chunkParser() -> CSVReader { CSVReader(chunksOf: reader) }

    /// After the chunker answered `.serial(position)`: a reader of the rows from that one on (this
    /// reader's `next()` must not be called any more).
    package func resumed(at position: CSVReader.Position) throws(InputError) -> CSVReader {
        do { return try CSVReader(resuming: reader, at: position) } catch { throw InputError(error) }
    }

    /// A cell without surrounding spaces/tabs (THE trimming of a list's cells).
    @inline(__always)
    package static func trimmed(_ field: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8> {
        var start = 0, end = field.count
        while start < end, field[start] == 0x20 || field[start] == 0x09 { start += 1 }
        while end > start, field[end - 1] == 0x20 || field[end - 1] == 0x09 { end -= 1 }
        return UnsafeBufferPointer(rebasing: field[start..<end])
    }

    /// Every field of `csv`'s current record is empty once trimmed.
    package static func isBlankRow(_ csv: CSVReader) -> Bool {
        for i in 0..<csv.fieldCount where !trimmed(csv.field(i)).isEmpty { return false }
        return true
    }

    /// Index of a merge-field column by name (case, spaces and punctuation ignored).
    package func columnIndex(_ name: String) -> Int? {
        let wanted = ColumnNames.normalize(name)
        return normalizedColumns.firstIndex(of: wanted)
    }

    /// Rows skipped so far (recovery mode): the line each started on and why.
    package var skipped: [CSVError] { reader.skipped }

    /// Line of the current row.
    package var line: Int { reader.line }
    /// The row a spreadsheet shows for the current row (a `sep=` line and the extra lines of a
    /// multi-line cell are not rows): what list reports and skipped rows name (issue 14 item 5).
    package var row: Int { reader.row }
    package var bytesRead: Int { reader.bytesRead }

    /// Advances to the next data row; false at the end. Throws for a file-level CSV error.
    package func next() throws(InputError) -> Bool {
        do { return try reader.next() } catch { throw InputError(error) }
    }

    /// The phone column of the current row, parsed.
    package func number() -> RowNumber {
        let raw = trimmed(phoneColumn)
        return ContactListReader.classify(raw, rowIsBlank: raw.isEmpty && isBlankRow(), parser: parser,
                                          country: country, countryCell: country.map { trimmed($0.index) })  // country column (issue 14)
    }

    /// THE place a list's phone cell becomes a number: a trimmed cell, and whether every field of
    /// its row is empty (asked only when the cell is), → blank, a number, or why not.
    /// Country column hook (issue 14): with `country` (a CountryColumn, one per thread: it caches),
    /// the row's trimmed country cell picks the region the cell is parsed for.
    @inline(__always)
    package static func classify(_ raw: UnsafeBufferPointer<UInt8>, rowIsBlank: Bool, parser: PhoneNumberParser,
                                 country: CountryColumn? = nil, countryCell: UnsafeBufferPointer<UInt8>? = nil) -> RowNumber {
        if raw.isEmpty { return rowIsBlank ? .blank : .invalid(.empty) }
        let parsed = if let country { country.parse(phone: raw, country: countryCell ?? UnsafeBufferPointer(start: nil, count: 0)) } else { parser.parse(raw) }
        switch parsed {
        case .success(let number): return .number(number)
        case .failure(let rejection): return .invalid(rejection)
        }
    }

    /// Every field of the current row is empty once trimmed.
    package func isBlankRow() -> Bool { ContactListReader.isBlankRow(reader) }

    /// The parser the phone cells are read with.
    package var phoneParser: PhoneNumberParser { parser }

    /// Field i of the current row without surrounding spaces/tabs (valid until `next()`).
    package func trimmed(_ i: Int) -> UnsafeBufferPointer<UInt8> { ContactListReader.trimmed(reader.field(i)) }

    /// The CSV reader's current record (its cells, as `trimmed` and `isBlankRow` read them).
    var record: CSVReader { reader }

    /// The raw phone cell as text (for skipped-row reports).
    package func rawPhone() -> String {
        String(decoding: trimmed(phoneColumn), as: UTF8.self)
    }
}
