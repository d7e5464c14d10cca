// Campaign keys (writer): the compact record of who a campaign was SENT to, for `optout lookup`.
// Input: the 8-byte key (PhoneNumber.value) of each number sent, in any order, one `append` per
// send row; the campaign's facts at `finish` (CampaignKeysFacts). Output: .optout/campaigns/<name>.keys,
// written whole (AtomicFile: temp, fsync, rename; mode 0600), read by CampaignKeysFile:
//   "OPTKEYS1" | keys sorted ascending, each once (UInt64 LE) | facts (JSON) |
//   facts length (UInt32 LE) | key count (UInt64 LE) | CRC-32 of all bytes before it (UInt32 LE) | "OPTKEYSE"
// Memory: keys are sorted in memory (RadixSort, with a scratch array of the same size) in runs of
// `runKeys` (default 512K keys = 4 MB); a full run is sorted and spilled to a temp file (unlinked
// as soon as it is created, so nothing outlives the process) in .optout/tmp/keys-<pid>-<hex8>/ on
// a thread of its own while the next run fills (issue 13: the campaign's output thread no longer
// stops for 30 ms at each spill, and the pass's workers with it). Memory: two runs and the
// scratch, 12 MB. The runs are merged k-way through a min-heap, each read through a 64 KiB
// buffer: memory stays near that, whatever the campaign's size.
// Failures: `OptoutError` naming the path (temp runs, the keys file).

import OptoutBase
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// What a campaign's keys file says besides its keys.
package struct CampaignKeysFacts: Sendable, Equatable {
    /// The campaign's output name (outbox/send/<name>.csv).
    package var name: String
    /// When the campaign was built (the run's time).
    package var builtAt: Timestamp
    /// The template as it was found (workspace-relative).
    package var template: String
    /// Rows in the send file.
    package var rowsSent: Int
    /// The ledger's last record when the campaign was built: the opt-outs it excluded are the
    /// records up to this seq.
    package var ledgerSeq: Int64

    package init(name: String, builtAt: Timestamp, template: String, rowsSent: Int, ledgerSeq: Int64) {
        (self.name, self.builtAt, self.template, self.rowsSent, self.ledgerSeq) = (name, builtAt, template, rowsSent, ledgerSeq)
    }

    var json: String {
        "{\"name\": \(JSONText.quote(name)), \"built_at\": \"\(builtAt.iso8601)\", \"template\": \(JSONText.quote(template)), "
            + "\"rows_sent\": \(rowsSent), \"ledger_seq\": \(ledgerSeq)}"
    }

    init?(json bytes: [UInt8]) {
        guard let object = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any],
              let name = object["name"] as? String, let built = (object["built_at"] as? String).flatMap({ Timestamp.parse($0, zone: .gmt) }),
              let template = object["template"] as? String, let rows = (object["rows_sent"] as? NSNumber)?.intValue,
              let seq = (object["ledger_seq"] as? NSNumber)?.int64Value else { return nil }
        self.init(name: name, builtAt: built, template: template, rowsSent: rows, ledgerSeq: seq)
    }
}

package final class CampaignKeys {
    package static let magic = Array("OPTKEYS1".utf8)
    package static let endMagic = Array("OPTKEYSE".utf8)
    /// Facts length, key count, CRC, end magic.
    package static let trailerSize = 4 + 8 + 4 + 8

    package let path: String
    let tempRoot: String
    let runKeys: Int
    /// The run being filled by `append`.
    private var buffer: [UInt64] = []
    /// The other run: sorted and written by `spiller` (its keys, its scratch, the file it made).
    /// Touched by this object only after `waitForSpill()`.
    private let spare = SpillRun()
    private var spiller: OutputThread?
    private var runs: [(fd: Int32, count: Int)] = []
    private var runFolder: String?
    private var finished = false
    /// Keys appended so far (repeats included).
    package private(set) var appended = 0
    /// Runs spilled to temp files so far (for tests of the memory bound; waits for a spill under way).
    package var spilledRuns: Int {
        try? waitForSpill()
        return runs.count
    }

    /// A run handed to the spilling thread, with the radix sort's working space (kept between runs).
    private final class SpillRun: @unchecked Sendable {
        var keys: [UInt64] = []
        var scratch: [UInt64] = []
        var written: (fd: Int32, count: Int)?
    }

    /// - Parameters: `path` the keys file; `tempRoot` where spilled runs go (.optout/tmp);
    ///   `runKeys` keys sorted in memory at a time.
    package init(path: String, tempRoot: String, runKeys: Int = 1 << 19) {
        self.path = path
        self.tempRoot = tempRoot
        self.runKeys = max(2, runKeys)
    }

    deinit {
        spiller?.close()
        if let written = spare.written { close(written.fd) }
        for run in runs { close(run.fd) }
        if let runFolder { rmdir(runFolder) }
    }

    /// Adds one number sent.
    @inline(__always)
    package func append(_ key: UInt64) throws(OptoutError) {
        buffer.append(key)
        appended += 1
        if buffer.count >= runKeys { try spill() }
    }

    /// Sorts the keys kept in memory (the campaign's output thread calls it once the pass is over,
    /// so that `finish`, on the publishing thread, finds them in order: its sort is then one scan).
    package func sortPending() throws(OptoutError) {
        try waitForSpill()
        RadixSort.sort(&buffer, scratch: &spare.scratch)
    }

    /// Hands the full run to the spilling thread (after the previous spill is done) and goes on
    /// filling the other one.
    private func spill() throws(OptoutError) {
        let folder = try ensureRunFolder()
        try waitForSpill()
        swap(&buffer, &spare.keys)
        let run = spare, runPath = "\(folder)/run-\(runs.count)"
        let thread = spiller ?? OutputThread(limit: 1)
        spiller = thread
        try thread.submit { () throws(OptoutError) in try CampaignKeys.write(run, to: runPath) }
    }

    /// Waits for the spill under way, and keeps the file it wrote.
    private func waitForSpill() throws(OptoutError) {
        try spiller?.finish()
        if let written = spare.written {
            runs.append(written)
            spare.written = nil
        }
    }

    /// On the spilling thread: sorts the run and writes it to a new (already unlinked) temp file.
    private static func write(_ run: SpillRun, to runPath: String) throws(OptoutError) {
        RadixSort.sort(&run.keys, scratch: &run.scratch)
        let fd = open(runPath, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        if fd < 0 { throw .cannotCreate(path: runPath, reason: errnoText()) }
        unlink(runPath)
        run.written = (fd, run.keys.count)
        let failure: OptoutError? = run.keys.withUnsafeMutableBufferPointer { keys in
            for i in keys.indices { keys[i] = keys[i].littleEndian }
            do throws(OptoutError) { try Durable.writeAll(fd, UnsafeRawBufferPointer(keys), path: runPath) } catch { return error }
            return nil
        }
        if let failure { throw failure }
        run.keys.removeAll(keepingCapacity: true)
    }

    private func ensureRunFolder() throws(OptoutError) -> String {
        if let runFolder { return runFolder }
        try Durable.makeDirectory(tempRoot, mode: 0o700)
        let folder = "\(tempRoot)/keys-\(getpid())-\(Hex.encode(Durable.randomBytes(4)))"
        try Durable.makeDirectory(folder, mode: 0o700)
        runFolder = folder
        return folder
    }

    /// Sorts, merges and writes the keys file; it is durable at its path when this returns.
    /// - Returns: the number of distinct keys written.
    @discardableResult
    package func finish(_ facts: CampaignKeysFacts) throws(OptoutError) -> Int {
        guard !finished else { throw .internalError("\(path): keys finished twice") }
        finished = true
        try Durable.makeDirectory(Durable.parent(of: path), mode: 0o700)
        // Past the page cache (issue 13), as the send file: 55 MB at 10M rows, read by no later step.
        let out = try AtomicFile(path: path, mode: Durable.privateMode, direct: true)
        var crc: UInt32 = 0
        func emit(_ bytes: [UInt8]) throws(OptoutError) {
            crc = CRC32.checksum(bytes, seed: crc)
            try out.write(bytes)
        }
        try emit(Self.magic)
        // Keys written as little-endian words into one block (1 MiB), checksummed and written a
        // block at a time (issue 13: no array append per key).
        let blockBytes = 1 << 20
        let block = UnsafeMutableRawPointer.allocate(byteCount: blockBytes, alignment: 8)
        defer { block.deallocate() }
        var filled = 0
        func flushBlock() throws(OptoutError) {
            guard filled > 0 else { return }
            let bytes = UnsafeRawBufferPointer(start: block, count: filled)
            crc = CRC32.checksum(bytes, seed: crc)
            try out.writeBlock([UInt8](bytes))
            filled = 0
        }
        var count = 0
        var last: UInt64? = nil
        @inline(__always) func add(_ key: UInt64) throws(OptoutError) {
            if key == last { return }
            last = key
            count += 1
            block.storeBytes(of: key.littleEndian, toByteOffset: filled, as: UInt64.self)
            filled += 8
            if filled == blockBytes { try flushBlock() }
        }
        try waitForSpill()
        if runs.isEmpty {
            RadixSort.sort(&buffer, scratch: &spare.scratch)
            for key in buffer { try add(key) }
        } else {
            if !buffer.isEmpty { try spill(); try waitForSpill() }
            spiller?.close()
            spiller = nil
            buffer = []
            spare.keys = []
            spare.scratch = []
            let merge = try RunMerge(runs: runs, path: runFolder ?? tempRoot)
            while let key = try merge.next() { try add(key) }
        }
        try flushBlock()
        let factBytes = Array(facts.json.utf8)
        var trailer = factBytes
        withUnsafeBytes(of: UInt32(factBytes.count).littleEndian) { trailer.append(contentsOf: $0) }
        withUnsafeBytes(of: UInt64(count).littleEndian) { trailer.append(contentsOf: $0) }
        try emit(trailer)
        var end: [UInt8] = []
        withUnsafeBytes(of: crc.littleEndian) { end.append(contentsOf: $0) }
        end += Self.endMagic
        try out.write(end)
        try out.commit()
        for run in runs { close(run.fd) }
        runs = []
        if let runFolder { rmdir(runFolder); self.runFolder = nil }
        return count
    }
}

/// The k-way merge of sorted runs: a min-heap of (key, run), each run read through its buffer
/// (issue 13: flat buffers and a hole-moving sift, no array of structs touched per key).
private final class RunMerge {
    private let fds: [Int32]
    private var remaining: [Int]     // keys not yet read from each run's file
    private var offsets: [Int]       // byte offset of each run's next read
    private let buffers: UnsafeMutablePointer<UInt64>   // run r's buffer at r * bufferKeys
    private let position: UnsafeMutablePointer<Int>
    private let end: UnsafeMutablePointer<Int>
    private let heapKeys: UnsafeMutablePointer<UInt64>
    private let heapRuns: UnsafeMutablePointer<Int>
    private var size = 0
    private let path: String
    static let bufferKeys = 8192   // 64 KiB per run

    init(runs: [(fd: Int32, count: Int)], path: String) throws(OptoutError) {
        self.path = path
        let n = max(1, runs.count)
        fds = runs.map(\.fd)
        remaining = runs.map(\.count)
        offsets = Array(repeating: 0, count: runs.count)
        buffers = .allocate(capacity: n * Self.bufferKeys)
        position = .allocate(capacity: n)
        end = .allocate(capacity: n)
        heapKeys = .allocate(capacity: n)
        heapRuns = .allocate(capacity: n)
        for r in runs.indices {
            position[r] = 0
            end[r] = 0
            if try refill(r) { push(buffers[r * Self.bufferKeys], r); position[r] = 1 }
        }
    }

    deinit {
        buffers.deallocate(); position.deallocate(); end.deallocate(); heapKeys.deallocate(); heapRuns.deallocate()
    }

    /// Reads run `r`'s next keys into its buffer; false at its end.
    private func refill(_ r: Int) throws(OptoutError) -> Bool {
        let want = min(Self.bufferKeys, remaining[r])
        if want == 0 { return false }
        let raw = UnsafeMutableRawPointer(buffers + r * Self.bufferKeys)
        let fd = fds[r], start = offsets[r], bytes = want * 8
        var got = 0
        while got < bytes {
            switch valueOrErrno({ pread(fd, raw + got, bytes - got, off_t(start + got)) }) {
            case .success(let n) where n > 0: got += n
            case .success: throw .io(path: path, reason: "a sorted run of campaign keys ended early")
            case .failure(let failure): throw .io(path: path, reason: "cannot read a sorted run of campaign keys: \(failure)")
            }
        }
        let keys = buffers + r * Self.bufferKeys
        for k in 0..<want { keys[k] = UInt64(littleEndian: keys[k]) }
        position[r] = 0
        end[r] = want
        offsets[r] += bytes
        remaining[r] -= want
        return true
    }

    @inline(__always)
    func next() throws(OptoutError) -> UInt64? {
        guard size > 0 else { return nil }
        let key = heapKeys[0], r = heapRuns[0]
        var more = position[r] < end[r]
        if !more { more = try refill(r) }
        if more {
            heapKeys[0] = buffers[r * Self.bufferKeys + position[r]]
            position[r] += 1
        } else {
            size -= 1
            if size == 0 { return key }
            heapKeys[0] = heapKeys[size]
            heapRuns[0] = heapRuns[size]
        }
        siftDown()
        return key
    }

    private func push(_ key: UInt64, _ run: Int) {
        var i = size
        size += 1
        while i > 0 {
            let parent = (i - 1) / 2
            if heapKeys[parent] <= key { break }
            heapKeys[i] = heapKeys[parent]
            heapRuns[i] = heapRuns[parent]
            i = parent
        }
        heapKeys[i] = key
        heapRuns[i] = run
    }

    /// Moves the root down to its place (the hole moves, the root is written once).
    @inline(__always)
    private func siftDown() {
        let key = heapKeys[0], run = heapRuns[0]
        var i = 0
        while true {
            let l = 2 * i + 1
            if l >= size { break }
            var c = l
            if l + 1 < size && heapKeys[l + 1] < heapKeys[l] { c = l + 1 }
            if heapKeys[c] >= key { break }
            heapKeys[i] = heapKeys[c]
            heapRuns[i] = heapRuns[c]
            i = c
        }
        heapKeys[i] = key
        heapRuns[i] = run
    }
}
