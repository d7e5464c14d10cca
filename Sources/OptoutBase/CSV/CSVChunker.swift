// CSVChunker.swift — cuts UTF-8 CSV input into chunks of whole records, for parsing on workers (F15).
//
// Input: a CSVReader over UTF-8 text and where its next record starts (`nextRecordStart`: after the
// BOM, a `sep=` line and the header); the raw bytes are read on from there through the reader's
// open file. Output: chunks (`CSVChunk`) of whole records, in file order, each with the physical
// line, row and preceding byte of its first record, that a `CSVReader(chunksOf:)` parses exactly as
// the serial reader parses the same bytes (records, lines, rows, errors).
// How: a scan that follows the parser's states (field start, unquoted, quoted, quote in quoted)
// without copying cells: outside quotes it jumps from quote to quote (memchr) and counts line ends
// eight bytes at a time (a record ends at a CR, or at an LF not right after a CR; a CRLF is one
// end); a quote opens a quoted field only at a field start (after the delimiter, a line end, or at
// the record's start), as in the parser (a stray quote inside a field is text; text after a
// closing quote stays in the field); inside quotes only a quote not doubled closes the field, and
// line ends count lines but not rows. A chunk ends after the last record end read (about
// `chunkBytes`); the rest of the block starts the next chunk.
// A record longer than `maxChunkBytes` (at most the reader's `maxRecordBytes`) is not cut:
// `next` answers `.serial` with where it starts, for the caller to read the rest of the input with
// `CSVReader(resuming:at:)` (over-long records, and a quote never closed far from the end, are then
// reported exactly as the serial reader reports them). A quote never closed in the last chunk is
// reported by the chunk's parser, as the serial reader does.
// Failures: `CSVError.io` when the file cannot be read (the serial reader's error).
// Memory: the chunks in flight (`chunkBytes` each, `maxChunkBytes` at most) and the cut record's tail.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Whole records of UTF-8 CSV text, in a buffer reused from chunk to chunk.
package final class CSVChunk: @unchecked Sendable {
    let bytes = GrowableBuffer<UInt8>(capacity: 1)
    /// Bytes of text in `bytes`.
    package internal(set) var count = 0
    /// Where the chunk's first record starts (offset, physical line, records before, byte before).
    package internal(set) var start = CSVReader.Position(offset: 0, line: 1, row: 0, carried: 0)

    package init() {}

    /// The chunk's text (tests).
    package var text: [UInt8] { Array(UnsafeBufferPointer(start: bytes.base, count: count)) }
}

package final class CSVChunker {
    package enum Step: Equatable {
        /// The chunk was filled with whole records.
        case chunk
        /// No input left.
        case end
        /// A record from `Position` on is longer than a chunk may be: read on serially from there.
        case serial(CSVReader.Position)
    }

    private static let quote = UInt8(ascii: "\""), cr = UInt8(ascii: "\r"), lf = UInt8(ascii: "\n")

    private let reader: CSVReader
    private let delimiter: UInt8
    /// Bytes a chunk aims at, and the most it may hold (a longer record is read serially).
    private let chunkBytes: Int
    private let maxChunkBytes: Int
    /// Text read but not yet handed out (the start of the next chunk), scanned already.
    private var tail = GrowableBuffer<UInt8>(capacity: 1 << 12)
    private var tailCount = 0
    /// Where the next chunk starts.
    private var start: CSVReader.Position
    private var atEOF = false
    private var done = false

    // The scan, carried from one block to the next (offsets relative to the next chunk's start).
    private var quoted = false
    /// Outside quotes: the byte at `scanned` is at a field start.
    private var fieldStart = true
    /// Bytes of the next chunk scanned already; physical line and rows at that point.
    private var scanned = 0
    private var line: Int
    private var row: Int

    /// Cuts the input of `reader` from `start` (its `nextRecordStart`) on. `reader` is not read any
    /// more. `chunkBytes`: the size a chunk aims at; `maxChunkBytes`: the longest record cut
    /// (bounded by the reader's `maxRecordBytes`).
    package init(reader: CSVReader, from start: CSVReader.Position, chunkBytes: Int = 128 << 10, maxChunkBytes: Int = 1 << 20) throws(CSVError) {
        self.reader = reader
        delimiter = reader.delimiter
        self.maxChunkBytes = Swift.max(1, Swift.min(maxChunkBytes, reader.maxRecordBytes))
        self.chunkBytes = Swift.max(1, Swift.min(chunkBytes, self.maxChunkBytes))
        self.start = start
        line = start.line
        row = start.row
        try reader.input.seek(to: start.offset)
    }

    /// Fills `chunk` with the next whole records.
    package func next(into chunk: CSVChunk) throws(CSVError) -> Step {
        if done { return .end }
        let buffer = chunk.bytes
        buffer.reserve(Swift.max(chunkBytes, tailCount))
        if tailCount > 0 { buffer.base.update(from: tail.base, count: tailCount) }
        var n = tailCount
        var want = chunkBytes
        var cut = -1, cutLine = 0, cutRow = 0
        while true {
            // Read up to `want` bytes (or the end of the input).
            while !atEOF && n < want {
                buffer.reserve(want)
                let got = try reader.input.read(into: buffer.base + n, max: want - n)
                if got == 0 { atEOF = true } else { n += got }
            }
            if scan(buffer.base, n, &cut, &cutLine, &cutRow) || atEOF { break }
            if n >= maxChunkBytes {  // one record longer than a chunk: the rest is read serially
                done = true
                return .serial(start)
            }
            want = Swift.min(maxChunkBytes, Swift.max(want * 2, n + 1))
        }
        if atEOF && (cut < 0 || cut < n) {
            // The last chunk: every byte left (a record without a final line end, or a quote
            // never closed, which its parser reports).
            if n == 0 { done = true; return .end }
            cut = n
            done = true
        }
        chunk.count = cut
        chunk.start = start
        // The rest starts the next chunk.
        tailCount = n - cut
        if tailCount > 0 {
            tail.reserve(tailCount)
            tail.base.update(from: buffer.base + cut, count: tailCount)
        }
        if !done {
            start = CSVReader.Position(offset: start.offset + cut, line: cutLine, row: cutRow, carried: buffer.base[cut - 1])
            scanned -= cut
        }
        return .chunk
    }

    /// Scans `p[scanned..<n]` on from the carried state; sets `cut` (and the line and row there) to
    /// the end of the last record that ends in it, when one does. True when a cut was found.
    private func scan(_ p: UnsafeMutablePointer<UInt8>, _ n: Int, _ cut: inout Int, _ cutLine: inout Int, _ cutRow: inout Int) -> Bool {
        let quote = CSVChunker.quote, cr = CSVChunker.cr, lf = CSVChunker.lf, delimiter = self.delimiter
        var pos = scanned
        var lastRegion = -1 ..< -1  // the last stretch outside quotes that holds a record end
        defer { scanned = pos }
        @inline(__always) func before(_ i: Int) -> UInt8 { i > 0 ? p[i - 1] : start.carried }
        while pos < n {
            if !quoted {
                let q = CSVChunker.find(quote, p, pos, n)
                let ends = CSVChunker.lineEnds(p, pos, q, before: before(pos))
                if ends > 0 {
                    line += ends
                    row += ends
                    lastRegion = pos ..< q
                    cutLine = line
                    cutRow = row
                }
                if q == n {
                    if n > pos { let b = p[n - 1]; fieldStart = b == delimiter || b == cr || b == lf }
                    pos = n
                    break
                }
                let opens = q == pos ? fieldStart : { let b = p[q - 1]; return b == delimiter || b == cr || b == lf }()
                pos = q + 1
                if opens { quoted = true } else { fieldStart = false }
            } else {
                let c = CSVChunker.find(quote, p, pos, n)
                line += CSVChunker.lineEnds(p, pos, c, before: before(pos))
                if c >= n - 1 { pos = c; break }  // the byte after the quote is not read yet
                if p[c + 1] == quote {
                    pos = c + 2  // a doubled quote: text, still quoted
                } else {
                    quoted = false  // closed: the field goes on unquoted up to the delimiter
                    fieldStart = false
                    pos = c + 1
                }
            }
        }
        guard !lastRegion.isEmpty else { return cut >= 0 }
        // The cut: after the last CR or LF of that stretch.
        var i = lastRegion.upperBound - 1
        while p[i] != cr && p[i] != lf { i -= 1 }
        cut = i + 1
        return true
    }

    /// The offset of the first `byte` in `p[from..<to]`, or `to`.
    @inline(__always)
    private static func find(_ byte: UInt8, _ p: UnsafeMutablePointer<UInt8>, _ from: Int, _ to: Int) -> Int {
        guard from < to, let hit = memchr(p + from, Int32(byte), to - from) else { return to }
        return p.distance(to: hit.assumingMemoryBound(to: UInt8.self))
    }

    /// Line ends in `p[from..<to]`: each CR, and each LF not right after a CR (`before`: the byte
    /// before `from`). Eight bytes at a time.
    static func lineEnds(_ p: UnsafeMutablePointer<UInt8>, _ from: Int, _ to: Int, before: UInt8) -> Int {
        let cr = CSVChunker.cr, lf = CSVChunker.lf
        let low7: UInt64 = 0x7F7F_7F7F_7F7F_7F7F
        @inline(__always) func zeroBytes(_ x: UInt64) -> UInt64 { ~(((x & low7) &+ low7) | x | low7) }
        var count = 0
        var i = from
        var previousCR: UInt64 = before == cr ? 1 << 63 : 0  // the high bit of the byte before
        let raw = UnsafeRawPointer(p)
        while i &+ 8 <= to {
            let w = raw.loadUnaligned(fromByteOffset: i, as: UInt64.self).littleEndian
            let lfs = zeroBytes(w ^ 0x0A0A_0A0A_0A0A_0A0A)
            let crs = zeroBytes(w ^ 0x0D0D_0D0D_0D0D_0D0D)
            if lfs | crs != 0 {
                let afterCR = crs << 8 | previousCR >> 56
                count &+= crs.nonzeroBitCount &+ (lfs & ~afterCR).nonzeroBitCount
            }
            previousCR = crs
            i &+= 8
        }
        var last: UInt8 = i > from ? p[i - 1] : before
        while i < to {
            let b = p[i]
            if b == cr || (b == lf && last != cr) { count &+= 1 }
            last = b
            i &+= 1
        }
        return count
    }
}
