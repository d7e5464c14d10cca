// CSVReader.swift — streaming RFC 4180 CSV reader over files of any size.
//
// Input: a file path or bytes in memory, in UTF-8 (with or without BOM), UTF-16LE/BE (BOM, or
// no BOM when the alternating-NUL pattern shows it) or Windows-1252; delimiter given or sniffed
// among , ; TAB |; line ends CRLF, LF or a lone CR; quoted fields with embedded line ends and
// doubled quotes. An Excel "sep=X" first line sets the delimiter and is not returned as a
// record (the header is then line 2).
// Output: one record at a time in a reusable buffer; fields are UTF-8 byte ranges of it
// (unquoted, doubled quotes collapsed), with the physical line each record starts on.
// Failures (`CSVError`, with the line): `.empty`, `.io`, `.binary` (NUL byte), `.undecodable`
// (UTF-16 with an odd byte count), `.unterminatedQuote` (line where the quote opened),
// `.recordTooLarge`. After an error every later `next()` throws the same error.
// Recovery (opt-out inputs only; lists keep the default above): with `recovers` set, a record
// that cannot be read (a quote never closed, a record over `maxRecordBytes`, a NUL byte, half a
// UTF-16 character at the end) is listed in `skipped` (its first line and why), and reading
// resumes at the physical line after the one it started on, one line per record from then on;
// only `.io` still stops the file.
// Memory: one read block (256 KiB by default), its UTF-8 transcoding, and the largest record.
// Leniency: a quote inside an unquoted field is kept as text; text after a closing quote is kept
// up to the delimiter (`"ab"c` gives `abc`); whitespace around fields is kept; ragged rows are
// returned as they are.

/// An error reading CSV input: what kind, on which physical line, and why.
package struct CSVError: Error, Sendable, Equatable, CustomStringConvertible {
    package enum Kind: Sendable, Equatable {
        case empty, binary, undecodable, unterminatedQuote, recordTooLarge, io
    }

    package var kind: Kind
    /// 1-based physical line in the file where the problem is (0 if not applicable).
    package var line: Int
    /// A sentence for a person, without the file name.
    package var reason: String

    package init(kind: Kind, line: Int, reason: String) {
        self.kind = kind
        self.line = line
        self.reason = reason
    }

    /// "line 12: <reason>", or the reason alone when `line` is 0.
    package var description: String { line > 0 ? "line \(line): \(reason)" : reason }
}

/// Reads CSV records one at a time from a file or from memory, with constant memory.
package final class CSVReader {
    /// Default size of the raw read block.
    static let defaultBufferSize = 256 << 10
    /// How much of the decoded input the delimiter sniffer looks at (decoded before parsing).
    static let defaultSniffBytes = 64 << 10
    /// How far a whitespace-only prefix is followed before the input is deemed non-empty.
    static let blankProbeLimit = 1 << 20

    package let encoding: TextEncoding
    /// Bytes of byte-order mark before the text (0, 2 or 3).
    let bomLength: Int
    package let delimiter: UInt8
    /// Physical line (1-based) on which the current record starts.
    package private(set) var line: Int = 0
    /// F14 hook (issue 14 item 5): the row number a spreadsheet shows for the current record:
    /// records counted from 1 (blank lines and records skipped by recovery count; a "sep=" line
    /// and the extra lines of a quoted multi-line field do not). `line` stays the physical line.
    package private(set) var row: Int = 0
    package private(set) var fieldCount: Int = 0
    /// Bytes of the input consumed so far (for progress lines).
    package private(set) var bytesRead: Int = 0

    private var transcoder: Transcoder
    /// The raw input, kept to read it again from the start when a record is skipped.
    let input: ByteInput
    let maxRecordBytes: Int
    /// Decoded UTF-8 input: bytes [pos, end) are not parsed yet.
    private let decoded: GrowableBuffer<UInt8>
    /// Where the parser reads: `decoded`'s bytes, or a chunk's (`load`, F15 parallel parse).
    private var text: UnsafeMutablePointer<UInt8>
    private var pos = 0
    private var end = 0
    private var atEOF = false
    /// Last decoded byte before `decoded[0]` (to pair a CR and LF split across blocks).
    private var carriedByte: UInt8 = 0
    /// The current record's unquoted field bytes, back to back.
    private let record: GrowableBuffer<UInt8>
    /// Start offsets of the current record's fields in `record`, plus the end of the last one.
    private let offsets = GrowableBuffer<Int>(capacity: 64)
    /// Physical line of the next unparsed byte.
    private var physicalLine = 1
    /// Per byte: bit 1 = ends an unquoted run (delimiter, CR, LF, NUL); bit 2 = ends a quoted
    /// run (quote, CR, LF, NUL).
    private let classes: GrowableBuffer<UInt8>
    private var failure: CSVError? = nil

    /// Skip unreadable records instead of failing (see the header). Set before the first `next()`.
    package var recovers = false
    /// Records skipped in recovery mode, in file order: the line each started on and why.
    package private(set) var skipped: [CSVError] = []
    /// After a skipped record: every line end ends a record, even inside quotes.
    private var lineMode = false
    /// Half a UTF-16 character at the end was reported once (recovery mode).
    private var tailReported = false

    /// Opens a file, detects its encoding and (unless given) sniffs the delimiter among , ; TAB |.
    /// Throws `.empty` for a 0-byte, BOM-only or whitespace-only file, `.io` when unreadable.
    /// `maxRecordBytes` bounds the UTF-8 bytes of one record's fields after unquoting.
    /// The encoding check reads the whole file once when it has no BOM (≈ 3 GB/s when cached).
    package convenience init(path: String, delimiter: UInt8? = nil, maxRecordBytes: Int = 16 << 20) throws(CSVError) {
        try self.init(path: path, delimiter: delimiter, maxRecordBytes: maxRecordBytes, bufferSize: CSVReader.defaultBufferSize)
    }

    /// Same over bytes in memory (tests, small inputs).
    package convenience init(bytes: [UInt8], delimiter: UInt8? = nil, maxRecordBytes: Int = 16 << 20) throws(CSVError) {
        try self.init(bytes: bytes, delimiter: delimiter, maxRecordBytes: maxRecordBytes, bufferSize: CSVReader.defaultBufferSize)
    }

    /// File reader with a chosen raw read block size and sniff window (tests use tiny ones, so
    /// that the parser meets block boundaries everywhere). `encoding`, when a reader of the same
    /// file already detected it, skips the detection pass over the whole file.
    convenience init(path: String, delimiter: UInt8?, maxRecordBytes: Int, bufferSize: Int,
                     sniffBytes: Int = CSVReader.defaultSniffBytes, detected: (encoding: TextEncoding, bomLength: Int)? = nil) throws(CSVError) {
        try self.init(input: ByteInput(path: path), delimiter: delimiter, maxRecordBytes: maxRecordBytes,
                      bufferSize: bufferSize, sniffBytes: sniffBytes, detected: detected)
    }

    /// Reads the file of `first` again from the start, through the same open file (no second
    /// open: the very file sampled is the one read), without detecting its encoding again.
    /// `first` must not be read any more.
    package convenience init(reopening first: CSVReader, path: String) throws(CSVError) {
        try self.init(input: first.input, delimiter: first.delimiter, maxRecordBytes: first.maxRecordBytes,
                      bufferSize: CSVReader.defaultBufferSize, sniffBytes: CSVReader.defaultSniffBytes,
                      detected: (first.encoding, first.bomLength))
    }

    /// In-memory reader with a chosen raw read block size and sniff window (see above).
    convenience init(bytes: [UInt8], delimiter: UInt8?, maxRecordBytes: Int, bufferSize: Int,
                     sniffBytes: Int = CSVReader.defaultSniffBytes) throws(CSVError) {
        try self.init(input: ByteInput(bytes: bytes), delimiter: delimiter, maxRecordBytes: maxRecordBytes,
                      bufferSize: bufferSize, sniffBytes: sniffBytes)
    }

    init(input: ByteInput, delimiter: UInt8?, maxRecordBytes: Int, bufferSize: Int, sniffBytes: Int,
         detected known: (encoding: TextEncoding, bomLength: Int)? = nil) throws(CSVError) {
        let (encoding, bomLength): (TextEncoding, Int)
        if let known { (encoding, bomLength) = known } else { (encoding, bomLength) = try EncodingDetector.detect(input) }
        self.bomLength = bomLength
        try input.seek(to: bomLength)
        let transcoder = Transcoder(input: input, encoding: encoding, bomLength: bomLength, chunkSize: bufferSize)
        self.encoding = encoding
        self.input = input
        self.transcoder = transcoder
        self.maxRecordBytes = Swift.max(1, maxRecordBytes)
        self.record = GrowableBuffer<UInt8>(capacity: Swift.min(4096, self.maxRecordBytes))

        // Decode the head of the input: to reject a blank file and to sniff the delimiter.
        let decoded = GrowableBuffer<UInt8>(capacity: sniffBytes + transcoder.outputCapacity)
        var filled = 0
        var textAt = -1 // offset of the first byte that is not whitespace
        var eof = false
        let head = Swift.max(sniffBytes, 8) // at least enough for a "sep=;\r\n" line
        while !eof && (filled < head || (textAt < 0 && filled < CSVReader.blankProbeLimit)) {
            decoded.reserve(filled + transcoder.outputCapacity)
            let n = try transcoder.fill(decoded.base + filled)
            if n == 0 {
                eof = true
                break
            }
            filled += n
            if textAt < 0 { textAt = CSVReader.firstText(decoded.base, from: filled - n, to: filled) }
        }

        // Excel's "sep=;" first line names the delimiter; it is not a record.
        var start = 0
        var sepDelimiter: UInt8? = nil
        if filled >= 5 {
            let b = decoded.base
            let c = b[4]
            if b[0] | 0x20 == UInt8(ascii: "s") && b[1] | 0x20 == UInt8(ascii: "e") && b[2] | 0x20 == UInt8(ascii: "p")
                && b[3] == UInt8(ascii: "=") && CSVReader.canDelimit(c)
                && (filled == 5 || b[5] == CSVReader.cr || b[5] == CSVReader.lf) {
                sepDelimiter = c
                start = 5
                if start < filled && b[start] == CSVReader.cr { start += 1 }
                if start < filled && b[start] == CSVReader.lf { start += 1 }
                textAt = CSVReader.firstText(b, from: start, to: filled)
                physicalLine = 2
            }
        }
        if textAt < 0 && eof {
            if transcoder.truncatedTail {
                throw CSVError(kind: .undecodable, line: 1, reason: "the UTF-16 text ends with half a character (odd number of bytes)")
            }
            throw CSVError(kind: .empty, line: 0, reason: "the file holds no data, only blank lines or spaces")
        }
        self.decoded = decoded
        self.text = decoded.base
        self.pos = start
        self.end = filled
        self.atEOF = eof
        self.bytesRead = transcoder.rawBytesRead
        let chosen = delimiter ?? sepDelimiter ?? CSVSniffer.delimiter(
            in: UnsafeBufferPointer(start: decoded.base + start, count: Swift.max(0, Swift.min(filled, sniffBytes) - start)),
            complete: eof && filled <= sniffBytes)
        self.delimiter = chosen
        self.classes = CSVReader.classTable(chosen)
    }

    /// Per byte: bit 1 = ends an unquoted run, bit 2 = ends a quoted run (see `classes`).
    private static func classTable(_ delimiter: UInt8) -> GrowableBuffer<UInt8> {
        let classes = GrowableBuffer<UInt8>(capacity: 256)
        classes.base.initialize(repeating: 0, count: 256)
        for b in [delimiter, CSVReader.cr, CSVReader.lf, 0] { classes.base[Int(b)] |= 1 }
        for b in [CSVReader.quote, CSVReader.cr, CSVReader.lf, 0] { classes.base[Int(b)] |= 2 }
        return classes
    }

    // MARK: Parallel parsing (F15)

    /// Where a record starts in the raw input: the byte offset, its physical line, the records
    /// before it (`row`) and the byte just before it (to pair a CRLF split there).
    package struct Position: Sendable, Equatable {
        package var offset: Int
        package var line: Int
        package var row: Int
        package var carried: UInt8
    }

    /// Where the next record starts, when the input can be cut into chunks of raw bytes (UTF-8,
    /// not transcoded: raw offsets are decoded offsets) and nothing was skipped or failed; nil
    /// otherwise (the input is read by this reader, serially).
    package var nextRecordStart: Position? {
        guard encoding == .utf8 || encoding == .utf8WithBOM, !recovers, !lineMode, failure == nil, skipped.isEmpty else { return nil }
        return Position(offset: transcoder.rawBytesRead - (end - pos), line: physicalLine, row: row,
                        carried: pos > 0 ? decoded.base[pos - 1] : carriedByte)
    }

    /// Reads `first`'s input serially from `position` on (one of `first.nextRecordStart`'s or a
    /// CSVChunker's): exactly the records, lines, rows and errors `first` would give from there.
    /// `first` must not be read any more (the same open file is read).
    package init(resuming first: CSVReader, at position: Position) throws(CSVError) {
        try first.input.seek(to: position.offset)
        let transcoder = Transcoder(input: first.input, encoding: first.encoding, bomLength: position.offset, chunkSize: CSVReader.defaultBufferSize)
        encoding = first.encoding
        bomLength = first.bomLength
        delimiter = first.delimiter
        input = first.input
        self.transcoder = transcoder
        maxRecordBytes = first.maxRecordBytes
        record = GrowableBuffer<UInt8>(capacity: Swift.min(4096, maxRecordBytes))
        decoded = GrowableBuffer<UInt8>(capacity: transcoder.outputCapacity)
        text = decoded.base
        classes = CSVReader.classTable(first.delimiter)
        carriedByte = position.carried
        physicalLine = position.line
        row = position.row
        bytesRead = position.offset
    }

    /// A parser of chunks (`load`): whole records of UTF-8 text cut by a `CSVChunker` from `first`'s
    /// input, parsed in memory (on a worker thread) exactly as `first` parses them.
    package init(chunksOf first: CSVReader) {
        encoding = first.encoding
        bomLength = first.bomLength
        delimiter = first.delimiter
        input = ByteInput(bytes: [])
        transcoder = Transcoder(input: input, encoding: first.encoding, bomLength: 0, chunkSize: 1)
        maxRecordBytes = first.maxRecordBytes
        record = GrowableBuffer<UInt8>(capacity: Swift.min(4096, maxRecordBytes))
        decoded = GrowableBuffer<UInt8>(capacity: 1)
        text = decoded.base
        classes = CSVReader.classTable(first.delimiter)
        atEOF = true
    }

    /// Parses `chunk` next (a reader made by `init(chunksOf:)`): `next()` returns its records,
    /// numbered from the chunk's line and row on, then false. `chunk` must stay unchanged until then.
    package func load(_ chunk: CSVChunk) {
        text = chunk.bytes.base
        pos = 0
        end = chunk.count
        atEOF = true
        carriedByte = chunk.start.carried
        physicalLine = chunk.start.line
        row = chunk.start.row
        line = chunk.start.line
        fieldCount = 0
        failure = nil
    }

    /// TAB or ASCII punctuation other than the quote: what a "sep=" line may name.
    private static func canDelimit(_ c: UInt8) -> Bool {
        if c == UInt8(ascii: "\t") { return true }
        guard c > 0x20 && c < 0x7F && c != quote else { return false }
        let letterOrDigit = (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9")) || (c | 0x20 >= UInt8(ascii: "a") && c | 0x20 <= UInt8(ascii: "z"))
        return !letterOrDigit
    }

    /// Offset of the first byte in [from, to) that is not ASCII whitespace, or -1.
    private static func firstText(_ p: UnsafeMutablePointer<UInt8>, from: Int, to: Int) -> Int {
        var i = from
        while i < to {
            let b = p[i]
            if !(b == 0x20 || (b >= 0x09 && b <= 0x0D)) { return i }
            i += 1
        }
        return -1
    }

    private static let quote = UInt8(ascii: "\"")
    private static let cr = UInt8(ascii: "\r")
    private static let lf = UInt8(ascii: "\n")

    /// Reads the next record into the reusable buffer; false at end of input.
    /// A blank line is returned as a record with fieldCount 1 and an empty field (the caller reports it).
    /// Throws `.unterminatedQuote` (line = where the quoted field opened), `.recordTooLarge`, `.binary`, `.io`.
    package func next() throws(CSVError) -> Bool {
        if let failure { throw failure }
        while true {
            do {
                let more = try parseRecord()
                if more { row += 1 }  // F14 hook: spreadsheet row
                return more
            } catch {
                if recovers && error.kind != .io && error.kind != .empty {
                    do {
                        row += 1  // F14 hook: a skipped record is still a row on the sheet
                        try skipRecord(error)
                        continue
                    } catch {
                        failure = error
                        fieldCount = 0
                        throw error
                    }
                }
                failure = error
                fieldCount = 0
                throw error
            }
        }
    }

    // MARK: Recovery

    /// Lists the record that failed and moves to the line after the one it started on.
    private func skipRecord(_ error: CSVError) throws(CSVError) {
        let start = line
        fieldCount = 0
        if error.kind == .undecodable {
            // Half a character at the very end: the last record is read again without it.
            skipped.append(CSVError(kind: error.kind, line: error.line, reason: error.reason))
            tailReported = true
            try rewind(toLine: start)
            return
        }
        var reason = error.reason
        if error.line != start && error.line > 0 { reason += " (line \(error.line))" }
        skipped.append(CSVError(kind: error.kind, line: start, reason: reason))
        if lineMode {
            // The record was this one line: go on after its line end.
            try skipToLineEnd()
            physicalLine = start + 1
        } else {
            lineMode = true
            try rewind(toLine: start + 1)
        }
    }

    /// Reads the input again from its start and stops at the beginning of physical line `target`.
    private func rewind(toLine target: Int) throws(CSVError) {
        try input.seek(to: bomLength)
        transcoder = Transcoder(input: input, encoding: encoding, bomLength: bomLength, chunkSize: transcoder.chunkSize)
        pos = 0
        end = 0
        atEOF = false
        carriedByte = 0
        physicalLine = 1
        let base = decoded.base
        while physicalLine < target {
            if pos == end { guard try refill() else { return } }
            let b = base[pos]
            let previous = pos > 0 ? base[pos - 1] : carriedByte
            pos += 1
            if b == CSVReader.cr || (b == CSVReader.lf && previous != CSVReader.cr) { physicalLine += 1 }
        }
    }

    /// Consumes bytes up to and including the next CR or LF (a CRLF's LF is skipped by the parser).
    private func skipToLineEnd() throws(CSVError) {
        let base = decoded.base
        while true {
            if pos == end { guard try refill() else { return } }
            let b = base[pos]
            pos += 1
            if b == CSVReader.cr || b == CSVReader.lf { return }
        }
    }

    /// The UTF-8 bytes of field i of the current record (unquoted, doubled quotes collapsed);
    /// empty if i >= fieldCount. Valid until the next call to next().
    @inline(__always)
    package func field(_ i: Int) -> UnsafeBufferPointer<UInt8> {
        guard i >= 0 && i < fieldCount else { return UnsafeBufferPointer(start: record.base, count: 0) }
        let start = offsets.base[i]
        return UnsafeBufferPointer(start: record.base + start, count: offsets.base[i + 1] - start)
    }

    /// Field i as a String (made only at the domain boundary).
    package func string(_ i: Int) -> String {
        String(decoding: field(i), as: UTF8.self)
    }

    // MARK: Parsing

    private enum State { case fieldStart, unquoted, quoted, quoteInQuoted }

    /// Makes bytes available at `pos` (refilling from offset 0); false at end of input.
    private func refill() throws(CSVError) -> Bool {
        if !atEOF {
            if end > 0 { carriedByte = decoded.base[end - 1] }
            pos = 0
            end = 0
            let n = try transcoder.fill(decoded.base)
            bytesRead = transcoder.rawBytesRead
            if n > 0 {
                end = n
                return true
            }
            atEOF = true
        }
        if transcoder.truncatedTail && !tailReported {
            throw CSVError(kind: .undecodable, line: physicalLine, reason: "the UTF-16 text ends with half a character (odd number of bytes)")
        }
        return false
    }

    /// Grows the record buffer to `needed` bytes, or throws `.recordTooLarge`.
    private func growRecord(_ needed: Int, _ quoteLine: Int) throws(CSVError) {
        if needed > maxRecordBytes {
            var reason = "record is larger than \(maxRecordBytes) bytes"
            if quoteLine > 0 {
                reason += " (the quoted field opened on line \(quoteLine) may be missing its closing quote)"
            }
            throw CSVError(kind: .recordTooLarge, line: line, reason: reason)
        }
        record.reserve(needed, limit: maxRecordBytes)
    }

    private func binary(_ line: Int) -> CSVError {
        let reason: String
        switch encoding {
        case .utf16LE, .utf16BE:
            reason = "NUL character in the text; this is not a text CSV file"
        default:
            reason = "NUL byte in the text; this looks like a binary file, or UTF-16 text without a byte-order mark"
        }
        return CSVError(kind: .binary, line: line, reason: reason)
    }

    private static let quoteBytes: UInt64 = 0x2222_2222_2222_2222
    private static let crBytes: UInt64 = 0x0D0D_0D0D_0D0D_0D0D
    private static let lfBytes: UInt64 = 0x0A0A_0A0A_0A0A_0A0A

    /// The high bit of each zero byte of `x` (exactly those: no false hits).
    @inline(__always)
    private static func zeroBytes(_ x: UInt64) -> UInt64 {
        let low7: UInt64 = 0x7F7F_7F7F_7F7F_7F7F
        return ~(((x & low7) &+ low7) | x | low7)
    }

    /// Copies a field's run: short runs (most cells) with two overlapping loads and stores within
    /// the run, not a call.
    @inline(__always)
    private static func copy(_ from: UnsafeMutablePointer<UInt8>, to: UnsafeMutablePointer<UInt8>, count: Int) {
        let src = UnsafeRawPointer(from), dst = UnsafeMutableRawPointer(to)
        if count >= 8 && count <= 16 {
            let a = src.loadUnaligned(as: UInt64.self), b = src.loadUnaligned(fromByteOffset: count &- 8, as: UInt64.self)
            dst.storeBytes(of: a, as: UInt64.self)
            dst.storeBytes(of: b, toByteOffset: count &- 8, as: UInt64.self)
        } else if count >= 4 && count < 8 {
            let a = src.loadUnaligned(as: UInt32.self), b = src.loadUnaligned(fromByteOffset: count &- 4, as: UInt32.self)
            dst.storeBytes(of: a, as: UInt32.self)
            dst.storeBytes(of: b, toByteOffset: count &- 4, as: UInt32.self)
        } else if count < 4 {
            for k in 0..<count { to[k] = from[k] }
        } else {
            to.update(from: from, count: count)
        }
    }

    /// The state machine. Hot state lives in locals and is written back on every exit; the
    /// decoded buffer is refilled (from offset 0) only when fully consumed, because field bytes
    /// are copied into `record` as they are parsed.
    private func parseRecord() throws(CSVError) -> Bool {
        let quote = CSVReader.quote, cr = CSVReader.cr, lf = CSVReader.lf
        let base = text
        fieldCount = 0
        var pos = self.pos
        var end = self.end

        if pos == end {
            guard try refill() else { return false }
            pos = 0
            end = self.end
        }
        // The LF of a CRLF whose CR ended the previous record.
        if base[pos] == lf && (pos > 0 ? base[pos - 1] : carriedByte) == cr {
            pos += 1
            if pos == end {
                self.pos = pos
                guard try refill() else { return false }
                pos = 0
                end = self.end
            }
        }
        var physical = physicalLine
        line = physical
        // Where parsing stopped, also when it throws (recovery goes on from there).
        defer {
            self.pos = pos
            physicalLine = physical
        }
        let lineMode = self.lineMode

        let delimiter = self.delimiter
        let delimiterBytes = UInt64(delimiter) &* 0x0101_0101_0101_0101
        let classes = self.classes.base
        var rec = record.base
        var recCapacity = record.capacity
        var recLength = 0
        var offs = offsets.base
        var offsCapacity = offsets.capacity
        var fields = 0
        offs[0] = 0
        var state = State.fieldStart
        var quoteLine = 0

        parse: while true {
            if pos == end {
                self.pos = pos
                physicalLine = physical
                if try !refill() {
                    pos = self.pos  // refill emptied the buffer
                    if state == .quoted && !lineMode {
                        throw CSVError(kind: .unterminatedQuote, line: quoteLine, reason: "quoted field opened here is never closed")
                    }
                    fields += 1
                    if fields >= offsCapacity { offsets.reserve(fields + 1); offs = offsets.base; offsCapacity = offsets.capacity }
                    offs[fields] = recLength
                    fieldCount = fields
                    return true
                }
                pos = 0
                end = self.end
            }
            switch state {
            case .fieldStart:
                if base[pos] == quote {
                    state = .quoted
                    quoteLine = physical
                    pos += 1
                } else {
                    state = .unquoted
                }
            case .unquoted, .quoted:
                let mask: UInt8 = state == .unquoted ? 1 : 2
                var p = pos
                // Eight bytes at a time while no stop byte (the delimiter or the quote, CR, LF, NUL)
                // is among them, then byte by byte up to the stop.
                let other = mask == 1 ? delimiterBytes : CSVReader.quoteBytes
                while p &+ 8 <= end {
                    let w = UnsafeRawPointer(base + p).loadUnaligned(as: UInt64.self).littleEndian
                    let stops = CSVReader.zeroBytes(w ^ other) | CSVReader.zeroBytes(w ^ CSVReader.crBytes)
                        | CSVReader.zeroBytes(w ^ CSVReader.lfBytes) | CSVReader.zeroBytes(w)
                    if stops != 0 {
                        p &+= stops.trailingZeroBitCount &>> 3  // the first stop byte (exact: no false hits)
                        break
                    }
                    p &+= 8
                }
                while p < end && classes[Int(base[p])] & mask == 0 { p &+= 1 }
                // Stop bytes CR and LF inside quotes are field text, copied with the run.
                var stop: UInt8 = 0
                var copyEnd = p
                if p < end {
                    stop = base[p]
                    if mask == 2 && !lineMode && (stop == cr || stop == lf) { copyEnd = p + 1 }
                }
                let count = copyEnd - pos
                if count > 0 {
                    if recLength + count > recCapacity {
                        try growRecord(recLength + count, state == .quoted ? quoteLine : 0)
                        rec = record.base
                        recCapacity = record.capacity
                    }
                    CSVReader.copy(base + pos, to: rec + recLength, count: count)
                    recLength += count
                }
                pos = p
                if p == end { continue }
                pos = p + 1
                if stop == delimiter && mask == 1 {
                    fields += 1
                    if fields >= offsCapacity { offsets.reserve(fields + 1); offs = offsets.base; offsCapacity = offsets.capacity }
                    offs[fields] = recLength
                    state = .fieldStart
                } else if stop == quote && mask == 2 {
                    state = .quoteInQuoted
                } else if stop == lf {
                    // Within quotes, the LF of a CRLF does not start another line. In line mode
                    // (recovery) a line end ends the record, quoted or not.
                    let ends = mask == 1 || lineMode
                    if ends || (p > 0 ? base[p - 1] : carriedByte) != cr { physical += 1 }
                    if ends { break parse }
                } else if stop == cr {
                    physical += 1
                    if mask == 1 || lineMode { break parse }
                } else {
                    throw binary(physical)
                }
            case .quoteInQuoted:
                if base[pos] == quote {
                    // Doubled quote: one literal quote, still inside the quoted field.
                    if recLength + 1 > recCapacity {
                        try growRecord(recLength + 1, quoteLine)
                        rec = record.base
                        recCapacity = record.capacity
                    }
                    rec[recLength] = quote
                    recLength += 1
                    pos += 1
                    state = .quoted
                } else {
                    // Closing quote: anything up to the delimiter is kept as text.
                    state = .unquoted
                }
            }
        }
        // A line end outside quotes ended the record.
        fields += 1
        if fields >= offsCapacity { offsets.reserve(fields + 1); offs = offsets.base }
        offs[fields] = recLength
        fieldCount = fields
        physicalLine = physical
        self.pos = pos
        return true
    }
}

/// A growable raw buffer owned by a class, so it is freed even when an init throws.
package final class GrowableBuffer<Element: BitwiseCopyable> {
    private(set) var base: UnsafeMutablePointer<Element>
    private(set) var capacity: Int

    init(capacity: Int) {
        self.capacity = Swift.max(1, capacity)
        base = UnsafeMutablePointer<Element>.allocate(capacity: self.capacity)
    }

    deinit { base.deallocate() }

    /// Grows to hold at least `needed` bytes (doubling, but not beyond `limit` unless `needed`
    /// is larger), keeping the contents.
    func reserve(_ needed: Int, limit: Int = .max) {
        if needed <= capacity { return }
        let newCapacity = Swift.max(needed, Swift.min(capacity * 2, limit))
        let grown = UnsafeMutablePointer<Element>.allocate(capacity: newCapacity)
        grown.update(from: base, count: capacity)
        base.deallocate()
        base = grown
        capacity = newCapacity
    }
}
