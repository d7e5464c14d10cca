// Record files: append-only, checksummed, line-based state files (ledger, journal, link index).
// Input: a path. Output: each intact record's payload bytes, in order; appends that are durable
// once `sync()` returns. A record is `<crc32 hex8>\t<payload>\n`. A crash can cut only the last
// record: a final line without its newline or with a bad checksum is a torn tail; a bad line
// elsewhere (before an intact record: not what a crash leaves) is reported, listed in `damaged`
// with its line and byte offset, and skipped, never the rest.
// Reads never write: `scan` (status, look-ups, reports reading back) only reads and skips a torn
// tail; only a writer, `open(repairing:)` or `openForAppend()`, cuts it off before its appends.
// A large file's checksums are verified (and its records optionally prepared: RecordPrepare) on
// two worker threads, the records still handed over in file order on the calling thread.
// Failures: `OptoutError.io` / `.cannotCreate` naming the path; a failed read(2) is an error.

#if canImport(Glibc)
import Glibc
#endif

/// What a read of a record file found besides its intact records.
package struct RecordScan: Sendable {
    /// Problems found (damaged records, a torn tail), for the run's diagnostics.
    package var problems: [String] = []
    /// Records that failed their checksum before an intact record (not a torn tail), in file order.
    package var damaged: [RecordFile.DamagedRecord] = []
    /// Byte offset just after the last intact record.
    package var intactEnd = 0
    /// The file's length as read.
    package var fileEnd = 0
    /// Lines read (intact and damaged, not a final line without its newline), counted from the
    /// scan's first line: the line number of the last one.
    package var lines = 0
    /// True when bytes after the last intact record are a torn tail (cut by a writer).
    package var hasTornTail: Bool { intactEnd < fileEnd }
}

package final class RecordFile {
    package let path: String
    private var file: AppendOnlyFile?
    /// True once a torn tail was looked for (and cut): appends only follow that.
    private var repaired = false
    /// Problems found while opening (corrupt or torn records), for the run's diagnostics.
    package private(set) var problems: [String] = []
    /// Records that failed their checksum before an intact record (not a torn tail), in file order.
    package private(set) var damaged: [DamagedRecord] = []

    /// A damaged record: its line number, byte offset and (first 512) bytes.
    package struct DamagedRecord: Sendable, Equatable {
        package var line: Int
        package var offset: Int
        package var bytes: [UInt8]
    }

    /// Appends leave the page cache once written out (AppendOnlyFile `dropsBehind`).
    private let dropsBehind: Bool

    package init(path: String, dropsBehind: Bool = false) {
        self.path = path
        self.dropsBehind = dropsBehind
    }

    /// For writers: streams every intact record's payload (and line number) to `body`, then cuts
    /// off a torn tail so that appends follow the last intact record. The payload pointer is valid
    /// only during the call.
    package func open(repairing body: (UnsafeBufferPointer<UInt8>, Int) -> Void) throws(OptoutError) {
        try repair(try RecordFile.scan(path, body))
    }

    /// For writers that keep nothing of the file (the link index): cuts off a torn tail, found by
    /// reading back from the end (not the whole file). An append before any open does this first.
    package func openForAppend() throws(OptoutError) {
        try repair(try RecordFile.scanTail(path))
    }

    /// For readers: streams every intact record's payload (and line number) to `body` without
    /// writing anything (a torn tail is skipped and reported, not cut). An absent file has no records.
    @discardableResult
    package static func scan(_ path: String, _ body: (UnsafeBufferPointer<UInt8>, Int) -> Void) throws(OptoutError) -> RecordScan {
        try scan(path, prepare: nil) { payload, line, _ in body(payload, line) }
    }

    /// As `open(repairing:)`, with `prepare` run on each intact record on worker threads first.
    /// With `from` (the end of a record, known intact: LedgerCheckpoint), only the records after
    /// it are read, numbered from `line` + 1; what the scan found is returned.
    @discardableResult
    package func open(repairing prepare: RecordPrepare, from: (offset: Int, line: Int) = (0, 0), beforeBlock: ((PreparedBlock) -> Void)? = nil,
                      _ body: (UnsafeBufferPointer<UInt8>, Int, PreparedRecord) -> Void) throws(OptoutError) -> RecordScan {
        let scan = try RecordFile.scan(path, prepare: prepare, from: from, beforeBlock: beforeBlock) { payload, line, prepared in body(payload, line, prepared!) }
        try repair(scan)
        return scan
    }

    /// Bytes handed to `append(encoded:)` since this value was made (the checkpoint's check that
    /// the file holds exactly what was replayed and appended).
    package private(set) var bytesAppended = 0

    /// As `scan(_:_:)`, with `prepare` (when given) run on each intact record on a worker thread
    /// before `body` gets it with the prepared bytes (nil without `prepare`).
    /// Issue 13: a large file is read on the calling thread in blocks of whole lines; the blocks'
    /// lines are found and their checksums verified (and prepared) on two worker threads, and
    /// handed back to `body` on the calling thread in file order (OrderedWorkers), so the records,
    /// the problems and the damaged list are exactly those of a single-threaded read.
    @discardableResult
    /// `beforeBlock` (with `prepare`) sees a block's prepared records before they are handed over,
    /// on the calling thread (to touch what their replay will touch, all at once: issue 13).
    /// `from`: start at this offset (the end of an intact record), numbering lines after `line`.
    package static func scan(_ path: String, prepare: RecordPrepare?, from: (offset: Int, line: Int) = (0, 0), beforeBlock: ((PreparedBlock) -> Void)? = nil,
                             _ body: (UnsafeBufferPointer<UInt8>, Int, PreparedRecord?) -> Void) throws(OptoutError) -> RecordScan {
        var result = RecordScan()
        guard Durable.exists(path) else { return result }
        let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 { throw .io(path: path, reason: errnoText()) }
        defer { close(fd) }
        var st = stat()
        let size = fstat(fd, &st) == 0 ? Int(st.st_size) : 0
        if from.offset > 0 {
            guard from.offset <= size, lseek(fd, off_t(from.offset), SEEK_SET) == off_t(from.offset) else {
                throw .io(path: path, reason: "cannot read from byte offset \(from.offset) (the file has \(size) bytes)")
            }
            result.intactEnd = from.offset
        }
        let blockSize = 1 << 19     // 512 KiB: four in flight hold about 2 MiB
        let workers = OrderedWorkers<ScanBlock>(workers: size - from.offset > 4 * blockSize ? 2 : 0, inFlight: 4) { block in block.verify(prepare) }
        defer { workers.close() }
        var lineNumber = from.line
        var bad: [DamagedRecord] = []
        func deliver(_ block: ScanBlock) {
            if let beforeBlock, let prepare { beforeBlock(PreparedBlock(block: block, prepare: prepare)) }
            block.bytes.withUnsafeBufferPointer { buffer in
                var lineStart = 0
                for (k, mark) in block.ends.enumerated() {
                    lineNumber += 1
                    let end = Int(mark < 0 ? ~mark : mark)   // index of the line's newline
                    let line = UnsafeBufferPointer(rebasing: buffer[lineStart..<end])
                    if mark >= 0 {
                        body(UnsafeBufferPointer(rebasing: line[9...]), lineNumber, block.prepared(k, prepare))
                        result.intactEnd = block.start + end + 1
                    } else {
                        let offset = block.start + lineStart
                        result.problems.append("\(path): record \(lineNumber) (byte offset \(offset)) is damaged (checksum mismatch); skipped")
                        bad.append(DamagedRecord(line: lineNumber, offset: offset, bytes: Array(line.prefix(512))))
                    }
                    lineStart = end + 1
                }
            }
        }
        var carry: [UInt8] = []     // the bytes after the last newline read so far
        var offset = from.offset    // file offset of the next block's first byte
        while true {
            let block = workers.spare() ?? ScanBlock()
            let needed = carry.count + blockSize
            if block.bytes.count < needed { block.bytes = [UInt8](repeating: 0, count: needed) }
            let n: Int
            switch block.bytes.withUnsafeMutableBytes({ raw -> Result<Int, Errno> in
                carry.withUnsafeBytes { c in if c.count > 0 { raw.baseAddress!.copyMemory(from: c.baseAddress!, byteCount: c.count) } }
                return valueOrErrno { read(fd, raw.baseAddress! + carry.count, blockSize) }
            }) {
            case .success(let count): n = count
            case .failure(let failure): throw .io(path: path, reason: failure.description)
            }
            if n == 0 { break }
            let total = carry.count + n
            var last = total - 1
            while last >= 0 && block.bytes[last] != 0x0A { last -= 1 }
            if last < 0 {           // no line end yet (a line longer than a block): read on
                carry = Array(block.bytes[0..<total])
                continue
            }
            block.count = last + 1
            block.start = offset
            offset += block.count
            carry = Array(block.bytes[(last + 1)..<total])
            workers.submit(block, deliver: deliver)
        }
        workers.finish(deliver: deliver)
        result.lines = lineNumber
        result.fileEnd = offset + carry.count
        result.damaged = bad.filter { $0.offset < result.intactEnd }
        if !carry.isEmpty {
            result.problems.append("\(path): last record was cut short by a crash (\(result.fileEnd - result.intactEnd) bytes); ignored")
        } else if result.hasTornTail {
            // The last newline-terminated record is bad: it is torn too (what a crash leaves).
            result.problems[result.problems.count - 1] = "\(path): last record is damaged (crash during write); ignored"
        }
        return result
    }

    /// Where the intact records end, read back from the end of the file in growing windows.
    private static func scanTail(_ path: String) throws(OptoutError) -> RecordScan {
        var result = RecordScan()
        guard Durable.exists(path) else { return result }
        let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 { throw .io(path: path, reason: errnoText()) }
        defer { close(fd) }
        var st = stat()
        if fstat(fd, &st) != 0 { throw .io(path: path, reason: errnoText()) }
        let size = Int(st.st_size)
        result.fileEnd = size
        var window = min(size, 1 << 16)
        while window > 0 {
            let start = size - window
            let bytes = try preadFully(fd, count: window, at: start, path: path, endedEarly: "the file shrank while it was read")
            // Complete lines of the window, last first (the first is partial unless the window starts the file).
            var lineEnd = bytes.lastIndex(of: 0x0A)
            while let end = lineEnd {
                let before = bytes[..<end].lastIndex(of: 0x0A)
                guard before != nil || start == 0 else { break }
                let lineStart = before.map { $0 + 1 } ?? 0
                let intact = bytes.withUnsafeBufferPointer { verify(UnsafeBufferPointer(rebasing: $0[lineStart..<end])) }
                if intact {
                    result.intactEnd = start + end + 1
                    break
                }
                lineEnd = before
            }
            if result.intactEnd > 0 || start == 0 { break }
            window = min(size, window * 4)
        }
        if result.hasTornTail {
            let last = size > 0 ? try lastByte(fd, at: size - 1, path: path) : 0x0A
            result.problems.append(last == 0x0A
                ? "\(path): last record is damaged (crash during write); ignored"
                : "\(path): last record was cut short by a crash (\(size - result.intactEnd) bytes); ignored")
        }
        return result
    }

    private static func lastByte(_ fd: Int32, at offset: Int, path: String) throws(OptoutError) -> UInt8 {
        var byte: UInt8 = 0
        if case .failure(let failure) = valueOrErrno({ pread(fd, &byte, 1, off_t(offset)) }) {
            throw .io(path: path, reason: failure.description)
        }
        return byte
    }

    /// Keeps what a scan found and cuts a torn tail off (the writer's side).
    private func repair(_ scan: RecordScan) throws(OptoutError) {
        repaired = true
        problems = scan.problems
        damaged = scan.damaged
        guard scan.hasTornTail else { return }
        if !problems.isEmpty { problems[problems.count - 1] += " and removed" }
        try appender().truncate(to: scan.intactEnd)
    }

    /// A line is intact when it is `crc\tpayload` and the CRC-32 of the payload matches.
    package static func verify(_ line: UnsafeBufferPointer<UInt8>) -> Bool {
        guard line.count >= 9, line[8] == 0x09 else { return false }
        var expected: UInt32 = 0
        for i in 0..<8 {
            let c = line[i]
            let v: UInt32
            switch c {
            case 0x30...0x39: v = UInt32(c - 0x30)
            case 0x61...0x66: v = UInt32(c - 0x61 + 10)
            default: return false
            }
            expected = expected << 4 | v
        }
        let payload = UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(line)[9...])
        return CRC32.checksum(payload) == expected
    }

    private func appender() throws(OptoutError) -> AppendOnlyFile {
        if let file { return file }
        if !repaired { try openForAppend() }
        if let file { return file }
        let opened = try AppendOnlyFile(path: path, mode: 0o600, dropsBehind: dropsBehind)
        file = opened
        return opened
    }

    /// Encodes one payload as a record line (payload must not contain a newline).
    package static func encode(_ payload: [UInt8], into out: inout [UInt8]) {
        let crc = payload.withUnsafeBytes { CRC32.checksum($0) }
        let digits: [UInt8] = Array("0123456789abcdef".utf8)
        for shift in stride(from: 28, through: 0, by: -4) {
            out.append(digits[Int((crc >> UInt32(shift)) & 0xF)])
        }
        out.append(0x09)
        out.append(contentsOf: payload)
        out.append(0x0A)
    }

    /// Appends already-encoded record lines (not yet durable: call `sync()`).
    package func append(encoded lines: [UInt8]) throws(OptoutError) {
        if lines.isEmpty { return }
        try appender().append(lines)
        bytesAppended += lines.count
    }

    /// Appends payloads and makes them durable before returning.
    package func appendAndSync(_ payloads: [[UInt8]]) throws(OptoutError) {
        var out: [UInt8] = []
        for payload in payloads { RecordFile.encode(payload, into: &out) }
        try append(encoded: out)
        try sync()
    }

    package func sync() throws(OptoutError) {
        try file?.sync()
    }
}

/// Work done on each intact record of a scan on a worker thread (issue 13: a ledger's records
/// decoded on both cores): `body` fills `size` bytes (8-byte aligned) from the payload, which the
/// scan's caller reads back with the record. Only trivial (bitwise-copyable) values belong there.
/// `body` may also append bytes of any length to `out` (a report's row rendered on the worker):
/// the caller gets them with the record (`PreparedRecord.bytes`).
package struct RecordPrepare: Sendable {
    package var size: Int
    package var body: @Sendable (UnsafeBufferPointer<UInt8>, UnsafeMutableRawPointer, inout [UInt8]) -> Void

    package init(size: Int, body: @escaping @Sendable (UnsafeBufferPointer<UInt8>, UnsafeMutableRawPointer, inout [UInt8]) -> Void) {
        self.size = (max(size, 1) + 7) & ~7
        self.body = body
    }
}

/// What a worker prepared for one record: its fixed-size bytes and the bytes it appended.
package struct PreparedRecord {
    package var fixed: UnsafeRawPointer
    package var bytes: UnsafeBufferPointer<UInt8>
}

/// The prepared records of one block, for `scan`'s `beforeBlock`.
package struct PreparedBlock {
    let block: ScanBlock
    let prepare: RecordPrepare

    /// The fixed prepared bytes of each intact record of the block, in order.
    package func forEach(_ body: (UnsafeRawPointer) -> Void) {
        for (k, mark) in block.ends.enumerated() where mark >= 0 { body(block.prepared(k, prepare)!.fixed) }
    }
}

/// One block of whole lines of a record file being scanned, with what a worker found in it.
final class ScanBlock: @unchecked Sendable {
    /// The block's bytes (`count` of them used: whole lines, each ending in a newline).
    var bytes: [UInt8] = []
    var count = 0
    /// File offset of bytes[0].
    var start = 0
    /// Per line, the index of its newline; its complement (negative) when the line is damaged.
    var ends: [Int32] = []
    /// Prepared bytes, `RecordPrepare.size` per line (intact lines only are filled).
    private var scratch: UnsafeMutableRawPointer?
    private var scratchLines = 0
    /// Bytes appended by `RecordPrepare.body`, and per line where its bytes end in them.
    private var out: [UInt8] = []
    private var outEnds: [Int32] = []

    deinit { scratch?.deallocate() }

    /// Finds the lines, verifies their checksums and prepares the intact ones (a worker thread).
    func verify(_ prepare: RecordPrepare?) {
        ends.removeAll(keepingCapacity: true)
        out.removeAll(keepingCapacity: true)
        outEnds.removeAll(keepingCapacity: true)
        bytes.withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            var start = 0
            while start < count, let hit = memchr(base + start, 0x0A, count - start) {
                let i = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
                let line = UnsafeBufferPointer(rebasing: buffer[start..<i])
                if RecordFile.verify(line) {
                    if let prepare {
                        if ends.count >= scratchLines { growScratch(prepare.size) }
                        prepare.body(UnsafeBufferPointer(rebasing: line[9...]), scratch! + ends.count * prepare.size, &out)
                    }
                    ends.append(Int32(i))
                } else {
                    ends.append(~Int32(i))
                }
                if prepare != nil { outEnds.append(Int32(out.count)) }
                start = i + 1
            }
        }
    }

    /// What was prepared for line `line` of the block (valid until the block is reused).
    func prepared(_ line: Int, _ prepare: RecordPrepare?) -> PreparedRecord? {
        guard let prepare else { return nil }
        let from = line == 0 ? 0 : Int(outEnds[line - 1]), to = Int(outEnds[line])
        let bytes = out.withUnsafeBufferPointer { UnsafeBufferPointer(rebasing: $0[from..<to]) }
        return PreparedRecord(fixed: UnsafeRawPointer(scratch! + line * prepare.size), bytes: bytes)
    }

    private func growScratch(_ size: Int) {
        let lines = max(4096, scratchLines * 2)
        let grown = UnsafeMutableRawPointer.allocate(byteCount: lines * size, alignment: 16)
        if let scratch {
            grown.copyMemory(from: scratch, byteCount: scratchLines * size)
            scratch.deallocate()
        }
        scratch = grown
        scratchLines = lines
    }
}

/// Tab-separated fields with backslash escapes (\t \n \r \\), for record payloads.
package enum TabFields {
    package static func escape(_ text: String, into out: inout [UInt8]) {
        for b in text.utf8 {
            switch b {
            case 0x09: out.append(0x5C); out.append(UInt8(ascii: "t"))
            case 0x0A: out.append(0x5C); out.append(UInt8(ascii: "n"))
            case 0x0D: out.append(0x5C); out.append(UInt8(ascii: "r"))
            case 0x5C: out.append(0x5C); out.append(0x5C)
            default: out.append(b)
            }
        }
    }

    package static func unescape(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        if !bytes.contains(0x5C) { return String(decoding: bytes, as: UTF8.self) }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            if b == 0x5C, i + 1 < bytes.count {
                let n = bytes[i + 1]
                switch n {
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                default: out.append(n)
                }
                i += 2
            } else {
                out.append(b)
                i += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Splits a payload at tabs into (offset, length) ranges without copying.
    package static func split(_ bytes: UnsafeBufferPointer<UInt8>) -> [Range<Int>] {
        var ranges: [Range<Int>] = []
        var start = 0
        for i in 0..<bytes.count where bytes[i] == 0x09 {
            ranges.append(start..<i)
            start = i + 1
        }
        ranges.append(start..<bytes.count)
        return ranges
    }
}
