// Duplicate finder: which rows of a contact list repeat an earlier row's number, in bounded memory.
// Input: a list file (read with ContactListReader), optionally the link index. Output: a
// `DuplicateLines` cursor answering, for rows asked in file order, "is this line a duplicate, and of
// which line?" (lines are the rows a spreadsheet shows: ContactListReader.row), and (optionally) the list's numbers that the link index does not hold yet.
// How: one pass (phone cells parsed on worker threads, OrderedWorkers; the partition files written
// on a thread of their own, the link index read on another) writes (number, line) pairs
// in list order into P partition files by a hash of the number; each
// partition is then deduplicated with a small in-memory table; duplicates are written per partition
// in line order and merged back by line. Memory is bounded by the partition size (about 4 MB of
// list per partition, one per worker at a time), not by the number of rows. Temp files live in .optout/tmp/ and are removed.
// With a `CampaignRowSpool`, the same pass also keeps each row's needed cells for the campaign's
// pass (the list is parsed once).
// Failures: `InputError` for a list that cannot be read, `OptoutError` for temp-file I/O.

import OptoutPhone
import OptoutBase
import Foundation
#if canImport(Glibc)
import Glibc
#endif

package final class DuplicateLines {
    private struct Stream {
        var path: String
        var fd: Int32
        var buffer: [UInt8]
        var start = 0
        var end = 0
        var line: UInt32 = 0
        var first: UInt32 = 0
        var live = false
    }
    private var streams: [Stream] = []
    private var heap: [Int] = []   // indices into streams, min-heap by line
    package let duplicates: Int
    /// The rows' needed cells, kept by the same pass (CampaignRowSpool), when asked for.
    var spool: CampaignRowSpool?

    init(paths: [String], duplicates: Int) throws(OptoutError) {
        self.duplicates = duplicates
        for path in paths {
            let fd = open(path, O_RDONLY | O_CLOEXEC)
            if fd < 0 { throw .io(path: path, reason: errnoText()) }
            unlink(path)  // gone when closed
            var stream = Stream(path: path, fd: fd, buffer: [UInt8](repeating: 0, count: 16 << 10))
            try DuplicateLines.advance(&stream)
            streams.append(stream)
            if stream.live { push(streams.count - 1) }
        }
    }

    deinit { for s in streams { close(s.fd) } }

    /// Reads the stream's next (line, first line) pair; at the end of the file the stream is no
    /// longer live. A failed read is an error (never taken for the end of the file).
    private static func advance(_ s: inout Stream) throws(OptoutError) {
        if s.end - s.start < 8 {
            let leftover = s.end - s.start
            if leftover > 0 { for i in 0..<leftover { s.buffer[i] = s.buffer[s.start + i] } }
            s.start = 0
            s.end = leftover
            while s.end < 8 {
                let fd = s.fd, end = s.end
                let result = valueOrErrno { s.buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress! + end, $0.count - end) } }
                switch result {
                case .failure(let failure):
                    throw .io(path: s.path, reason: "cannot read the duplicates found in the list: \(failure)")
                case .success(0):
                    if s.end > 0 { throw .io(path: s.path, reason: "the duplicates file ends inside a record (\(s.end) of 8 bytes)") }
                    s.live = false
                    return
                case .success(let n):
                    s.end += n
                }
            }
        }
        var line: UInt32 = 0, first: UInt32 = 0
        for i in 0..<4 {
            line |= UInt32(s.buffer[s.start + i]) << (8 * UInt32(i))
            first |= UInt32(s.buffer[s.start + 4 + i]) << (8 * UInt32(i))
        }
        s.start += 8
        s.line = line
        s.first = first
        s.live = true
    }

    private func less(_ a: Int, _ b: Int) -> Bool { streams[heap[a]].line < streams[heap[b]].line }

    private func push(_ stream: Int) {
        heap.append(stream)
        var i = heap.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            if !less(i, parent) { break }
            heap.swapAt(i, parent)
            i = parent
        }
    }

    private func popTop() -> Int {
        let top = heap[0]
        heap[0] = heap[heap.count - 1]
        heap.removeLast()
        var i = 0
        while true {
            let l = 2 * i + 1, r = l + 1
            var m = i
            if l < heap.count && less(l, m) { m = l }
            if r < heap.count && less(r, m) { m = r }
            if m == i { break }
            heap.swapAt(i, m)
            i = m
        }
        return top
    }

    /// The line of the first row with the same number when `line` is a duplicate; nil otherwise.
    /// Lines must be asked in increasing order. Failures: `.io` when a partition file cannot be read.
    package func firstLine(ifDuplicate line: Int) throws(OptoutError) -> Int? {
        while let top = heap.first, Int(streams[top].line) < line {
            let s = popTop()
            try DuplicateLines.advance(&streams[s])
            if streams[s].live { push(s) }
        }
        guard let top = heap.first, Int(streams[top].line) == line else { return nil }
        let s = popTop()
        let first = Int(streams[s].first)
        try DuplicateLines.advance(&streams[s])
        if streams[s].live { push(s) }
        return first
    }
}

package enum DuplicateFinder {
    /// Partition count for a list of `bytes`: about 4 MB of list each (one partition per worker is
    /// in memory at a time), a power of two, 1...512.
    static func partitions(forListBytes bytes: Int) -> Int {
        var p = 1
        while p < 512 && p * (4 << 20) < bytes { p <<= 1 }
        return p
    }

    @inline(__always)
    static func partition(_ value: UInt64, _ mask: Int) -> Int {
        var h = value &* 0xBF58476D1CE4E5B9
        h ^= h >> 31
        return Int(truncatingIfNeeded: h >> 40) & mask
    }

    /// Buffered appends to one partition file.
    final class PartitionWriter {
        let path: String
        let fd: Int32
        /// Bytes not written yet (flushed at 60 KiB).
        private let buffer = UnsafeMutableRawPointer.allocate(byteCount: 64 << 10, alignment: 8)
        private var used = 0
        var count = 0

        init(path: String) throws(OptoutError) {
            self.path = path
            fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
            if fd < 0 { throw .cannotCreate(path: path, reason: errnoText()) }
        }

        deinit {
            close(fd)
            buffer.deallocate()
        }

        @inline(__always)
        func append(_ value: UInt64, bytes: Int) throws(OptoutError) {
            buffer.storeBytes(of: value.littleEndian, toByteOffset: used, as: UInt64.self)  // 8 bytes; `bytes` of them kept
            used &+= bytes
            count &+= 1
            if used >= 60 << 10 { try flush() }
        }

        /// A row's 12 bytes (the number with the line's low 14 bits, then its high bits); true when
        /// the buffer is due to be flushed (`flush`).
        @inline(__always)
        func put(_ packed: UInt64, _ high: UInt32) -> Bool {
            buffer.storeBytes(of: packed.littleEndian, toByteOffset: used, as: UInt64.self)
            buffer.storeBytes(of: high.littleEndian, toByteOffset: used &+ 8, as: UInt32.self)
            used &+= 12
            count &+= 2
            return used >= 60 << 10
        }

        func flush() throws(OptoutError) {
            if used == 0 { return }
            try Durable.writeAll(fd, UnsafeRawBufferPointer(start: buffer, count: used), path: path)
            used = 0
        }

        /// Reads the whole partition back (it is small by construction).
        /// The whole file's bytes, into `out` (its memory used again when large enough).
        func readAll(into out: inout [UInt8]) throws(OptoutError) {
            try flush()
            out.removeAll(keepingCapacity: true)
            out.append(contentsOf: repeatElement(0, count: Int(lseek(fd, 0, SEEK_END))))
            var offset = 0
            while offset < out.count {
                switch valueOrErrno({ out.withUnsafeMutableBytes { pread(fd, $0.baseAddress! + offset, $0.count - offset, off_t(offset)) } }) {
                case .success(let n) where n > 0: offset += n
                case .success: throw .io(path: path, reason: "the partition file ended early")
                case .failure(let failure): throw .io(path: path, reason: failure.description)
                }
            }
        }
    }

    /// Finds the duplicate rows of a list.
    /// - Parameters:
    ///   - linkIndexPath: when given, `newNumber` is called once for every distinct number of the
    ///     list that the index does not hold yet (so the caller can add its token).
    package static func find(listPath: String, parser: PhoneNumberParser, tempRoot: String,
                            linkIndexPath: String? = nil, partitionCount: Int? = nil,
                            newNumber: (PhoneNumber) throws(OptoutError) -> Void = { _ in }) throws -> DuplicateLines {
        try find(list: { () throws(InputError) in try ContactListReader(path: listPath, parser: parser) }, listPath: listPath, tempRoot: tempRoot,
                 linkIndexPath: linkIndexPath, partitionCount: partitionCount, newNumber: newNumber)
    }

    /// The same over a list reader already open (read to its end: `rewound()` reads it again).
    package static func find(list: ContactListReader, tempRoot: String, linkIndexPath: String? = nil, partitionCount: Int? = nil,
                            newNumber: (PhoneNumber) throws(OptoutError) -> Void = { _ in }) throws -> DuplicateLines {
        try find(list: { () throws(InputError) in list }, listPath: list.path, tempRoot: tempRoot,
                 linkIndexPath: linkIndexPath, partitionCount: partitionCount, newNumber: newNumber)
    }

    /// The same, the link entries of new numbers made on the worker threads (`newEntries`), the
    /// rows' cells kept in `spool` when given (the campaign's pass reads them instead of the list).
    static func find(list: ContactListReader, tempRoot: String, linkIndexPath: String?, newEntries: NewLinkEntries?,
                     spool: CampaignRowSpool?) throws -> DuplicateLines {
        try find(list: { () throws(InputError) in list }, listPath: list.path, tempRoot: tempRoot,
                 linkIndexPath: linkIndexPath, partitionCount: nil, newEntries: newEntries, spool: spool, newNumber: { _ in })
    }

    static func find(list open: () throws(InputError) -> ContactListReader, listPath: String, tempRoot: String,
                     linkIndexPath: String?, partitionCount: Int?, newEntries: NewLinkEntries? = nil, spool: CampaignRowSpool? = nil,
                     newNumber: (PhoneNumber) throws(OptoutError) -> Void) throws -> DuplicateLines {
        let size = (try? FileSize.of(listPath)) ?? 0
        let p = partitionCount ?? partitions(forListBytes: size)
        precondition(p > 0 && p & (p - 1) == 0, "partition count must be a power of two")
        let mask = p - 1
        try Durable.makeDirectory(tempRoot, mode: 0o700)
        let dir = "\(tempRoot)/dups-\(getpid())-\(Hex.encode(Durable.randomBytes(4)))"
        try Durable.makeDirectory(dir, mode: 0o700)
        defer { rmdir(dir) }
        var rows: [PartitionWriter] = []
        var linked: [PartitionWriter] = []
        defer {
            for w in rows + linked { unlink(w.path) }
        }
        // An empty (or absent) link index has no numbers to partition: every number is new, and
        // no `linked-` file is made (a first campaign over 10M rows made 128 of them for nothing).
        let indexNumbers = linkIndexPath.flatMap { path in ((try? FileSize.of(path)) ?? 0) > 0 ? path : nil }
        for k in 0..<p {
            rows.append(try PartitionWriter(path: "\(dir)/rows-\(k)"))
            if indexNumbers != nil { linked.append(try PartitionWriter(path: "\(dir)/linked-\(k)")) }
        }
        // Pass 1: the list's numbers (and the index's) by partition.
        // The phone cells are parsed on worker threads (PhoneCellChunk), partitioned in list order.
        let reader = try open()
        let options = CampaignPipeline.Options.current
        let workers = OrderedWorkers<PhoneCellChunk>(workers: options.workers) { $0.process() }
        defer { workers.close() }
        // With workers, the link index is read into its partitions on a thread of its own while
        // the list is read, and the list's partitions are written by a second one (in list order:
        // a number's first row must come first in its partition): this thread only reads.
        let threads = options.workers > 0
        func scanLinkIndex(_ path: String) throws(OptoutError) {
            var failure: OptoutError?
            try LinkIndex.forEachNumber(path: path) { value in
                if failure != nil { return }
                do throws(OptoutError) { try linked[partition(value, mask)].append(value, bytes: 8) } catch { failure = error }
            }
            if let failure { throw failure }
        }
        let linkedScan = threads ? indexNumbers.map { path in OutputThread.start { () throws(OptoutError) in try scanLinkIndex(path) } } : nil
        defer { linkedScan?.close() }
        let writers = rows
        // The writers unretained (`rows` holds them until the end): no reference counting per row.
        let refs = rows.map { Unmanaged.passUnretained($0) }
        func writeNumbers(_ numbers: [UInt64], _ lines: [UInt32]) throws(OptoutError) {
            for i in 0..<numbers.count {
                let value = numbers[i], line = lines[i]
                // 12 bytes: the value (50 bits) with the line's low 14 bits, then the line's high bits.
                let k = partition(value, mask)
                let due = refs[k]._withUnsafeGuaranteedRef { $0.put(value | UInt64(line & 0x3FFF) << 50, line >> 14) }
                if due { try writers[k].flush() }
            }
        }
        let sink = threads ? OutputThread(limit: 4) : nil
        defer { sink?.close() }
        let spares = SparePool<NumberBox>()
        func partitionNumbers(_ chunk: PhoneCellChunk) throws {
            if let failure = chunk.failure { throw InputError(failure) }  // a chunk parsed on a worker (F15)
            try spool?.append(&chunk.spooled)  // in list order, with the numbers parsed
            guard let sink else { return try writeNumbers(chunk.numbers, chunk.numberLines) }
            let box = spares.take()
            swap(&box.numbers, &chunk.numbers)
            swap(&box.lines, &chunk.numberLines)
            try sink.submit { () throws(OptoutError) in
                try writeNumbers(box.numbers, box.lines)
                spares.give(box)
            }
        }
        var atEnd = false
        var spooled = CampaignChunk.Rows()  // the rows' needed cells, for the spool (in list order)
        let spoolColumns = spool?.columns
        // F15: a UTF-8 list is cut into chunks of whole records here and parsed on the workers
        // (the cells copied there); a record longer than a chunk, and what follows, is read here.
        var chunker = threads && options.parallelParse ? try reader.chunker(chunkBytes: options.chunkBytes) : nil
        var resumed: CSVReader? = nil
        let shape = PhoneCellChunk.Shape(phoneColumn: reader.phoneColumn, spoolColumns: spoolColumns, keepsKnownPhones: spool?.keepsKnownPhones ?? true)
        while !atEnd {
            let chunk = workers.spare() ?? PhoneCellChunk(parser: reader.phoneParser, country: reader.country)
            chunk.reset()
            if let cutter = chunker {
                let step: CSVChunker.Step
                do { step = try cutter.next(into: chunk.records(of: reader, shape)) } catch { throw InputError(error) }
                switch step {
                case .chunk:
                    try workers.submit(chunk, deliver: partitionNumbers)
                    continue
                case .end:
                    atEnd = true
                    continue
                case .serial(let position):
                    resumed = try reader.resumed(at: position)
                    chunker = nil
                    chunk.reset()
                }
            }
            swap(&spooled, &chunk.spooled)
            if let csv = resumed {  // the rest of the list after a record longer than a chunk
                while chunk.count < options.chunkRows && spooled.bytes.count < 8 << 20 {
                    do { guard try csv.next() else { atEnd = true; break } } catch { throw InputError(error) }
                    chunk.add(ContactListReader.trimmed(csv.field(reader.phoneColumn)), line: csv.row,
                              country: reader.country.map { ContactListReader.trimmed(csv.field($0.index)) })  // country column hook (issue 14)
                    if let spoolColumns { spooled.add(record: csv, columns: spoolColumns, line: csv.row) }
                }
            }
            while resumed == nil && chunk.count < options.chunkRows && spooled.bytes.count < 8 << 20 {
                guard try reader.next() else { atEnd = true; break }
                chunk.add(reader.trimmed(reader.phoneColumn), line: reader.row,
                          country: reader.country.map { reader.trimmed($0.index) })  // country column hook (issue 14)
                if let spoolColumns { spooled.add(reader, columns: spoolColumns, line: reader.row, duplicateOf: 0) }
            }
            swap(&spooled, &chunk.spooled)
            if chunk.count > 0 { try workers.submit(chunk, deliver: partitionNumbers) }
        }
        try workers.finish(deliver: partitionNumbers)
        try sink?.finish()
        try spool?.finishWriting()
        if let linkedScan { try linkedScan.finish() } else if let indexNumbers { try scanLinkIndex(indexNumbers) }
        // Pass 2: each partition on its own, on the worker threads; results taken in partition order.
        let jobs = OrderedWorkers<PartitionJob>(workers: options.workers, inFlight: max(1, options.workers)) { $0.process() }
        defer { jobs.close() }
        var dupPaths: [String] = []
        var duplicates = 0
        // With workers, the new link-index entries are appended (in partition order) on a thread of their own.
        let indexWriter = threads && newEntries != nil ? OutputThread(limit: 2) : nil
        defer { indexWriter?.close() }
        // The partitions' encoded entries, in buffers used again from partition to partition
        // (issue 13: a new buffer for each made 240 MB of fresh pages at 10M rows, 60 % of the
        // run's page faults).
        let entryBuffers = newEntries != nil ? SparePool<EncodedEntries>(keep: 6) : nil
        let scratchPool = SparePool<PartitionScratch>(keep: max(1, options.workers))
        func take(_ job: PartitionJob) throws(OptoutError) {
            if let failure = job.failure { throw failure }
            dupPaths.append(job.dupsPath)
            duplicates += job.duplicates
            if let newEntries {
                let entries = job.entries ?? EncodedEntries(), count = job.newCount
                if let indexWriter {
                    try indexWriter.submit { () throws(OptoutError) in
                        try newEntries.write(entries.bytes, count)
                        entryBuffers?.give(entries)
                    }
                } else {
                    try newEntries.write(entries.bytes, count)
                    entryBuffers?.give(entries)
                }
            } else {
                for value in job.newValues { try newNumber(PhoneNumber(unchecked: value)) }
            }
            job.release()
        }
        for k in 0..<p {
            try jobs.submit(PartitionJob(rows: rows[k], linked: indexNumbers != nil ? linked[k] : nil, findsNew: linkIndexPath != nil, dupsPath: "\(dir)/dups-\(k)",
                                         encode: newEntries?.encode, entryBuffers: entryBuffers, scratchPool: scratchPool), deliver: take)
        }
        try jobs.finish(deliver: take)
        try indexWriter?.finish()
        let lines = try DuplicateLines(paths: dupPaths, duplicates: duplicates)
        lines.spool = spool
        return lines
    }
}

/// What the partition workers make for each number new to the link index (`encode`, on a worker
/// thread), and where it goes (`write`, in partition order, with the count: on the calling thread, or with workers on a thread of its own).
package struct NewLinkEntries {
    package var encode: @Sendable (PhoneNumber, inout [UInt8]) -> Void
    package var write: ([UInt8], Int) throws(OptoutError) -> Void

    package init(encode: @escaping @Sendable (PhoneNumber, inout [UInt8]) -> Void, write: @escaping ([UInt8], Int) throws(OptoutError) -> Void) {
        (self.encode, self.write) = (encode, write)
    }
}

/// One partition deduplicated on a worker thread: its duplicates file written, the numbers new to
/// the link index (values, or their encoded entries), or the failure.
final class PartitionJob: @unchecked Sendable {
    let rows: DuplicateFinder.PartitionWriter
    /// The link index's numbers of this partition (nil: the index is empty, or not asked about).
    let linked: DuplicateFinder.PartitionWriter?
    /// Numbers not in `linked` are reported new (the link index is asked about).
    let findsNew: Bool
    let dupsPath: String
    let encode: (@Sendable (PhoneNumber, inout [UInt8]) -> Void)?
    let entryBuffers: SparePool<EncodedEntries>?
    let scratchPool: SparePool<PartitionScratch>?
    var duplicates = 0
    var newValues: [UInt64] = []
    /// The encoded entries of the numbers new to the link index (with `encode`).
    var entries: EncodedEntries?
    var newCount = 0
    var failure: OptoutError?

    init(rows: DuplicateFinder.PartitionWriter, linked: DuplicateFinder.PartitionWriter?, findsNew: Bool, dupsPath: String,
         encode: (@Sendable (PhoneNumber, inout [UInt8]) -> Void)?, entryBuffers: SparePool<EncodedEntries>? = nil,
         scratchPool: SparePool<PartitionScratch>? = nil) {
        (self.rows, self.linked, self.findsNew, self.dupsPath, self.encode) = (rows, linked, findsNew, dupsPath, encode)
        (self.entryBuffers, self.scratchPool) = (entryBuffers, scratchPool)
    }

    /// Drops the results once taken (a partition's entries are megabytes).
    func release() {
        newValues = []
        entries = nil
    }

    func process() {
        do throws(OptoutError) {
            // The partition's rows and tables in memory used again from partition to partition
            // (issue 13: fresh pages for each made 53 MB of page faults at 10M rows).
            let scratch = scratchPool?.take() ?? PartitionScratch()
            var data: [UInt8] = [], linkedData: [UInt8] = []
            var seen = NumberTable(capacity: 16), known = NumberTable(capacity: 16)
            swap(&data, &scratch.data); swap(&linkedData, &scratch.linkedData)
            swap(&seen, &scratch.seen); swap(&known, &scratch.known)
            defer {
                swap(&data, &scratch.data); swap(&linkedData, &scratch.linkedData)
                swap(&seen, &scratch.seen); swap(&known, &scratch.known)
                scratchPool?.give(scratch)
            }
            try rows.readAll(into: &data)
            let n = data.count / 12  // 12 bytes per row
            seen.removeAll(capacity: max(16, n))
            known.removeAll(capacity: 16)
            if let linked {
                try linked.readAll(into: &linkedData)
                known.removeAll(capacity: max(16, linkedData.count / 8))
                linkedData.withUnsafeBytes { raw in
                    for i in 0..<(linkedData.count / 8) {
                        known.insert(raw.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self).littleEndian, payload: 0)
                    }
                }
            }
            let dups = try DuplicateFinder.PartitionWriter(path: dupsPath)
            // Held in locals for the loop: a property's closure is retained and released at every call.
            let encodes = encode != nil, encode = self.encode ?? { _, _ in }, findsNew = self.findsNew
            let entries = encodes ? (entryBuffers?.take() ?? EncodedEntries()) : nil
            var encoded: [UInt8] = []
            if let entries { swap(&encoded, &entries.bytes) }
            var newValues = self.newValues, newCount = self.newCount, duplicates = self.duplicates
            self.newValues = []
            defer {
                if let entries { swap(&encoded, &entries.bytes) }
                (self.entries, self.newValues, self.newCount, self.duplicates) = (entries, newValues, newCount, duplicates)
            }
            for i in 0..<n {
                let packed = data.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: i * 12, as: UInt64.self).littleEndian }
                let high = data.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: i * 12 + 8, as: UInt32.self).littleEndian }
                let value = packed & ((1 << 50) - 1)
                let line = UInt32(truncatingIfNeeded: packed >> 50) | high << 14
                if let first = seen.insertOrFind(value, payload: line) {
                    try dups.append(UInt64(line) | UInt64(first) << 32, bytes: 8)
                    duplicates += 1
                } else if findsNew, known.find(value) == nil {
                    newCount += 1
                    if encodes { encode(PhoneNumber(unchecked: value), &encoded) } else { newValues.append(value) }
                }
            }
            try dups.flush()
            unlink(rows.path)
        } catch {
            failure = error
        }
    }
}

/// A partition job's rows and tables; recycled through a `SparePool` (one in use per worker).
final class PartitionScratch: Recyclable, @unchecked Sendable {
    var data: [UInt8] = []
    var linkedData: [UInt8] = []
    var seen = NumberTable(capacity: 16)
    var known = NumberTable(capacity: 16)
    init() {}
    func empty() {}  // emptied by the next job, for its own size
}

/// A partition's encoded link index entries; recycled through a `SparePool` from partition to partition.
final class EncodedEntries: Recyclable, @unchecked Sendable {
    var bytes: [UInt8] = []
    init() {}
    func empty() { bytes.removeAll(keepingCapacity: true) }
}

/// A stretch of a list's phone cells, copied by the reader and parsed on a worker thread into
/// the numbers found and their lines (blank and invalid cells give none).
final class PhoneCellChunk: @unchecked Sendable {
    let parser: PhoneNumberParser
    private(set) var count = 0
    private var lines: [UInt32] = []
    private var bytes: [UInt8] = []
    private var ends: [Int] = []
    /// The numbers found and their lines (handed to the partition thread in exchange for spare buffers).
    var numbers: [UInt64] = []
    var numberLines: [UInt32] = []
    /// The same rows' needed cells for the campaign's pass (CampaignRowSpool), when spooled: each
    /// row's parsed number is set in their `numbers` by `process`.
    var spooled = CampaignChunk.Rows()

    /// Country column hook (issue 14): this chunk's own copy (its caches are not shared between
    /// threads), and each kept cell's country cell, in `countryBytes` up to `countryEnds[i]`.
    let country: CountryColumn?
    private var countryBytes: [UInt8] = []
    private var countryEnds: [Int] = []

    init(parser: PhoneNumberParser, country: CountryColumn? = nil) {
        self.parser = parser
        self.country = country?.copy()
    }

    /// F15: what a worker takes from each record of a chunk of the list's text: the phone column,
    /// and the columns spooled (nil: none).
    struct Shape {
        var phoneColumn: Int
        var spoolColumns: [Int]?
        /// The spooled rows with a parsed number keep their phone cell (CampaignRowSpool).
        var keepsKnownPhones = true
    }

    /// F15: whole records of the list's text (CSVChunker), parsed by `process` on a worker, when set.
    private var shape: Shape?
    private var text: CSVChunk?
    private var csv: CSVReader?
    /// Why the chunk's text could not be read (the serial reader's error, with its line).
    private(set) var failure: CSVError?

    /// Makes this a chunk of the list's text (until `reset`): the buffer for the chunker to fill.
    func records(of list: ContactListReader, _ shape: Shape) -> CSVChunk {
        if csv == nil { csv = list.chunkParser() }
        let text = self.text ?? CSVChunk()
        self.text = text
        self.shape = shape
        return text
    }

    func reset() {
        shape = nil
        failure = nil
        count = 0
        lines.removeAll(keepingCapacity: true)
        bytes.removeAll(keepingCapacity: true)
        ends.removeAll(keepingCapacity: true)
        numbers.removeAll(keepingCapacity: true)
        numberLines.removeAll(keepingCapacity: true)
        countryBytes.removeAll(keepingCapacity: true)
        countryEnds.removeAll(keepingCapacity: true)
        spooled.removeAll()
    }

    func add(_ cell: UnsafeBufferPointer<UInt8>, line: Int, country countryCell: UnsafeBufferPointer<UInt8>? = nil) {
        count += 1
        if cell.isEmpty { return }
        lines.append(UInt32(truncatingIfNeeded: line))
        bytes.append(contentsOf: cell)
        ends.append(bytes.count)
        if country != nil {
            if let countryCell { countryBytes.append(contentsOf: countryCell) }
            countryEnds.append(countryBytes.count)
        }
    }

    func process() {
        if let shape, let text, let csv { return processRecords(text, csv, shape) }
        bytes.withUnsafeBufferPointer { all in
            countryBytes.withUnsafeBufferPointer { countries in
                var start = 0
                for i in 0..<ends.count {
                    let cell = UnsafeBufferPointer(rebasing: all[start..<ends[i]])
                    start = ends[i]
                    // Country column hook (issue 14): the row's country cell, when the list has the column.
                    let countryCell = country == nil ? nil : UnsafeBufferPointer(rebasing: countries[(i == 0 ? 0 : countryEnds[i - 1])..<countryEnds[i]])
                    if case .number(let number) = ContactListReader.classify(cell, rowIsBlank: false, parser: parser,
                                                                             country: country, countryCell: countryCell) {
                        numbers.append(number.value)
                        numberLines.append(lines[i])
                    }
                }
            }
        }
        // Each spooled row's number (rows and numbers both in line order; lines are distinct).
        if spooled.count > 0 {
            var j = 0
            for r in 0..<spooled.count {
                let line = spooled.lines[r]
                while j < numbers.count && Int(numberLines[j]) < line { j += 1 }
                spooled.numbers.append(j < numbers.count && Int(numberLines[j]) == line ? numbers[j] : 0)
            }
        }
    }
}

extension PhoneCellChunk {
    /// F15: parses the chunk's records, each as the reading thread reads a row (the phone cell
    /// trimmed and parsed; with a spool, the row's cells copied and its number kept).
    private func processRecords(_ text: CSVChunk, _ csv: CSVReader, _ shape: Shape) {
        csv.load(text)
        let phoneColumn = shape.phoneColumn
        let countryIndex = country?.index
        // Filled as locals (no exclusivity check per access, as on this class's properties).
        var rows = CampaignChunk.Rows(), found: [UInt64] = [], foundLines: [UInt32] = [], records = 0
        swap(&rows, &spooled)
        swap(&found, &numbers)
        swap(&foundLines, &numberLines)
        defer {
            swap(&rows, &spooled)
            swap(&found, &numbers)
            swap(&foundLines, &numberLines)
            count += records
        }
        do {
            while try csv.next() {
                records += 1
                let line = csv.row  // the spreadsheet's row, as the reading thread numbers them
                let phone = ContactListReader.trimmed(csv.field(phoneColumn))
                var value: UInt64 = 0
                if !phone.isEmpty {
                    let countryCell = countryIndex.map { ContactListReader.trimmed(csv.field($0)) }  // country column hook (issue 14)
                    if case .number(let number) = ContactListReader.classify(phone, rowIsBlank: false, parser: parser,
                                                                             country: country, countryCell: countryCell) {
                        value = number.value
                        found.append(value)
                        foundLines.append(UInt32(truncatingIfNeeded: line))
                    }
                }
                if let columns = shape.spoolColumns {
                    // A parsed number's phone cell is not needed again unless the message shows it.
                    rows.add(record: csv, columns: columns, line: line, phoneCell: value == 0 || shape.keepsKnownPhones)
                    rows.numbers.append(value)
                }
            }
        } catch {
            failure = error
        }
    }
}

/// A chunk's numbers on their way to the partition thread; recycled through a `SparePool` (chunks
/// take emptied ones in exchange).
final class NumberBox: Recyclable, @unchecked Sendable {
    var numbers: [UInt64] = []
    var lines: [UInt32] = []
    init() {}
    func empty() {
        numbers.removeAll(keepingCapacity: true)
        lines.removeAll(keepingCapacity: true)
    }
}

enum FileSize {
    static func of(_ path: String) throws(OptoutError) -> Int {
        var st = stat()
        if stat(path, &st) != 0 { throw .io(path: path, reason: errnoText()) }
        return Int(st.st_size)
    }
}
