// Campaign row spool: the list parsed once. The duplicates pass (DuplicateFinder) copies each
// row's needed cells (CampaignChunk.Rows: the phone cell first, the message's columns, the state
// and country cells) into chunks and appends them here, in list order; the campaign's pass
// (CampaignPipeline) then reads those chunks back instead of parsing the CSV a second time.
// Input: `columns` (the list columns kept per row, the phone column first), chunks of rows, and
// whether a row whose number was parsed keeps its phone cell (`keepsKnownPhones`: only when the
// message shows that column; else the duplicates pass leaves the cell empty: issue 13, the phone
// cells were a third of the 410 MB spooled for 10M rows).
// Output: the same chunks, in the same order (lines, blank marks, parsed numbers, cells), read back by `read`.
// Storage: one temp file in .optout/tmp, unlinked at once (nothing outlives the process), written
// on a thread of its own (OutputThread) while the reader parses on; per chunk a 12-byte header
// (rows, cells per row, cell bytes; UInt32 LE), each row's line (UInt32), blank mark (1 byte),
// the number parsed from its phone cell (UInt64, 0 for none), its cells' ends (UInt32 each), then
// the cell bytes. Memory: a few chunks, never the list.
// Failures: `OptoutError` naming the temp file (cannot create, write or read it, or a chunk read
// back that does not match what was written).

import OptoutBase
import Foundation
#if canImport(Glibc)
import Glibc
#endif

final class CampaignRowSpool: @unchecked Sendable {
    let columns: [Int]
    /// Rows with a parsed number keep their phone cell (else it is spooled empty).
    let keepsKnownPhones: Bool
    let path: String
    private let fd: Int32
    private let writer = OutputThread(limit: 4)
    private let spares = SparePool<SpoolRows>()
    /// Bytes written (the spool's thread) and read back (the reading thread, after `finishWriting`).
    private(set) var size = 0
    private(set) var readOffset = 0
    private var encoded: [UInt8] = []   // the spool's thread
    private var scratch: [UInt8] = []   // the reading thread

    init(columns: [Int], keepsKnownPhones: Bool = true, tempRoot: String) throws(OptoutError) {
        self.columns = columns
        self.keepsKnownPhones = keepsKnownPhones
        try Durable.makeDirectory(tempRoot, mode: 0o700)
        path = "\(tempRoot)/rows-\(getpid())-\(Hex.encode(Durable.randomBytes(4)))"
        fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        if fd < 0 { throw .cannotCreate(path: path, reason: errnoText()) }
        unlink(path)  // gone when closed
    }

    deinit {
        writer.close()
        close(fd)
    }

    /// Queues a chunk for writing on the spool's thread; `rows` comes back empty (a recycled
    /// chunk's buffers). Throws the failure of an earlier write.
    func append(_ rows: inout CampaignChunk.Rows) throws(OptoutError) {
        if rows.count == 0 { return }
        let box = spares.take()
        swap(&box.rows, &rows)
        try writer.submit { [self] () throws(OptoutError) in
            try write(box.rows)
            spares.give(box)
        }
    }

    /// Waits until every chunk is written; then the spool can be read.
    func finishWriting() throws(OptoutError) {
        try writer.finish()
        writer.close()
    }

    /// Percent of the spool read back (progress lines).
    var percentRead: Int { size > 0 ? min(99, readOffset * 100 / size) : 0 }

    private func write(_ rows: CampaignChunk.Rows) throws(OptoutError) {
        let slots = columns.count
        guard rows.bytes.count <= Int(UInt32.max), rows.ends.count == rows.count * slots else {
            throw .internalError("\(path): a chunk of \(rows.bytes.count) bytes (\(rows.ends.count) cells for \(rows.count) rows) cannot be spooled")
        }
        // The chunk's header and row data, stored little-endian in place (no append per value).
        let count = rows.count
        let meta = 12 + count * 13 + rows.ends.count * 4
        if encoded.count < meta { encoded = [UInt8](repeating: 0, count: max(meta, 2 * encoded.count)) }
        encoded.withUnsafeMutableBytes { out in
            @inline(__always) func put(_ value: Int, _ at: Int) {
                out.storeBytes(of: UInt32(truncatingIfNeeded: value).littleEndian, toByteOffset: at, as: UInt32.self)
            }
            put(count, 0); put(slots, 4); put(rows.bytes.count, 8)
            var at = 12
            for line in rows.lines { put(line, at); at &+= 4 }
            for blank in rows.blank { out[at] = blank ? 1 : 0; at &+= 1 }
            for r in 0..<count {
                let value = r < rows.numbers.count ? rows.numbers[r] : 0
                out.storeBytes(of: value.littleEndian, toByteOffset: at, as: UInt64.self)
                at &+= 8
            }
            for end in rows.ends { put(end, at); at &+= 4 }
        }
        let failure = encoded.withUnsafeBytes { all -> OptoutError? in
            do throws(OptoutError) { try Durable.writeAll(fd, UnsafeRawBufferPointer(rebasing: all[0..<meta]), path: path) } catch { return error }
            return nil
        }
        if let failure { throw failure }
        try Durable.writeAll(fd, rows.bytes, path: path)
        size += meta + rows.bytes.count
    }

    /// Reads the next chunk into `rows` (cleared first; every row's `duplicateOf` is 0, for the
    /// caller to set); false at the end of the spool.
    func read(into rows: inout CampaignChunk.Rows) throws(OptoutError) -> Bool {
        rows.removeAll()
        if readOffset >= size { return false }
        try readFully(12)
        let count = word(0), slots = word(4), cellBytes = word(8)
        guard slots == columns.count else { throw .io(path: path, reason: "the spooled rows read back do not match what was written") }
        let meta = count * (13 + 4 * slots)
        try readFully(meta + cellBytes)
        rows.count = count
        // Each array sized once, then filled in place: no capacity check per value (issue 13:
        // appending value by value cost the reading thread 0.4 s a 10M-row pass).
        rows.lines.append(contentsOf: repeatElement(0, count: count))
        rows.duplicateOf.append(contentsOf: repeatElement(0, count: count))
        rows.blank.append(contentsOf: repeatElement(false, count: count))
        rows.numbers.append(contentsOf: repeatElement(0, count: count))
        rows.ends.append(contentsOf: repeatElement(0, count: count * slots))
        scratch.withUnsafeBytes { raw in
            rows.lines.withUnsafeMutableBufferPointer { lines in
                for r in 0..<count { lines[r] = Int(raw.loadUnaligned(fromByteOffset: 4 * r, as: UInt32.self).littleEndian) }
            }
            let blankAt = 4 * count
            rows.blank.withUnsafeMutableBufferPointer { blank in
                for r in 0..<count { blank[r] = raw[blankAt + r] != 0 }
            }
            let numbersAt = 5 * count
            rows.numbers.withUnsafeMutableBufferPointer { numbers in
                for r in 0..<count { numbers[r] = raw.loadUnaligned(fromByteOffset: numbersAt + 8 * r, as: UInt64.self).littleEndian }
            }
            let endsAt = 13 * count
            rows.ends.withUnsafeMutableBufferPointer { ends in
                for k in 0..<(count * slots) { ends[k] = Int(raw.loadUnaligned(fromByteOffset: endsAt + 4 * k, as: UInt32.self).littleEndian) }
            }
            rows.bytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: raw[meta..<(meta + cellBytes)]))
        }
        return true
    }

    @inline(__always)
    private func word(_ at: Int) -> Int {
        Int(scratch[at]) | Int(scratch[at + 1]) << 8 | Int(scratch[at + 2]) << 16 | Int(scratch[at + 3]) << 24
    }

    /// `count` bytes from `readOffset` into `scratch` (replacing it).
    private func readFully(_ count: Int) throws(OptoutError) {
        if scratch.count < count { scratch = [UInt8](repeating: 0, count: max(count, 2 * scratch.count)) }
        guard readOffset + count <= size else { throw .io(path: path, reason: "the spooled rows end early") }
        var got = 0
        while got < count {
            let fd = self.fd, at = readOffset + got
            switch valueOrErrno({ scratch.withUnsafeMutableBytes { pread(fd, $0.baseAddress! + got, count - got, off_t(at)) } }) {
            case .success(let n) where n > 0: got += n
            case .success: throw .io(path: path, reason: "the spooled rows end early")
            case .failure(let failure): throw .io(path: path, reason: "cannot read the spooled rows: \(failure)")
            }
        }
        readOffset += count
    }
}

/// A chunk's row buffers on their way to the spool's thread; recycled through a `SparePool` (the
/// reader takes emptied ones in exchange).
private final class SpoolRows: Recyclable, @unchecked Sendable {
    var rows = CampaignChunk.Rows()
    init() {}
    func empty() { rows.removeAll() }
}
