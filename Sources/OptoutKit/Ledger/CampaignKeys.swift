// Campaign keys (writer): the compact record of who a campaign was SENT to, for `optout lookup`.
// Input: the 8-byte key (PhoneNumber.value) of each number sent, in any order, one `append` per
// send row; the campaign's facts at `finish` (CampaignKeysFacts). Output: .optout/campaigns/<name>.keys,
// written whole (AtomicFile: temp, fsync, rename; mode 0600), read by CampaignKeysFile:
//   "OPTKEYS1" | keys sorted ascending, each once (UInt64 LE) | facts (JSON) |
//   facts length (UInt32 LE) | key count (UInt64 LE) | CRC-32 of all bytes before it (UInt32 LE) | "OPTKEYSE"
// Memory: keys are sorted in memory in runs of `runKeys` (default 1M keys = 8 MB); a full run is
// spilled to a temp file (unlinked as soon as it is created, so nothing outlives the process)
// in .optout/tmp/keys-<pid>-<hex8>/, and the runs are merged k-way through a min-heap, each read
// through a 64 KiB buffer: memory stays near 8 MB + 64 KiB per run, whatever the campaign's size.
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
    private var buffer: [UInt64] = []
    private var runs: [(fd: Int32, count: Int)] = []
    private var runFolder: String?
    private var finished = false
    /// Keys appended so far (repeats included).
    package private(set) var appended = 0
    /// Runs spilled to temp files so far (for tests of the memory bound).
    package var spilledRuns: Int { runs.count }

    /// - Parameters: `path` the keys file; `tempRoot` where spilled runs go (.optout/tmp);
    ///   `runKeys` keys sorted in memory at a time.
    package init(path: String, tempRoot: String, runKeys: Int = 1 << 20) {
        self.path = path
        self.tempRoot = tempRoot
        self.runKeys = max(2, runKeys)
    }

    deinit {
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
    package func sortPending() {
        buffer.sort()
    }

    /// Sorts the buffer and writes it to a new (already unlinked) temp file.
    private func spill() throws(OptoutError) {
        buffer.sort()
        let folder = try ensureRunFolder()
        let runPath = "\(folder)/run-\(runs.count)"
        let fd = open(runPath, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        if fd < 0 { throw .cannotCreate(path: runPath, reason: errnoText()) }
        unlink(runPath)
        runs.append((fd, buffer.count))
        let failure: OptoutError? = buffer.withUnsafeMutableBufferPointer { keys in
            for i in keys.indices { keys[i] = keys[i].littleEndian }
            do throws(OptoutError) { try Durable.writeAll(fd, UnsafeRawBufferPointer(keys), path: runPath) } catch { return error }
            return nil
        }
        if let failure { throw failure }
        buffer.removeAll(keepingCapacity: true)
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
        let out = try AtomicFile(path: path, mode: Durable.privateMode)
        var crc: UInt32 = 0
        var pending: [UInt8] = []
        pending.reserveCapacity(1 << 16)
        func emit(_ bytes: [UInt8]) throws(OptoutError) {
            crc = CRC32.checksum(bytes, seed: crc)
            try out.write(bytes)
        }
        try emit(Self.magic)
        var count = 0
        var last: UInt64? = nil
        func add(_ key: UInt64) throws(OptoutError) {
            if key == last { return }
            last = key
            count += 1
            withUnsafeBytes(of: key.littleEndian) { pending.append(contentsOf: $0) }
            if pending.count >= 1 << 16 {
                try emit(pending)
                pending.removeAll(keepingCapacity: true)
            }
        }
        if runs.isEmpty {
            buffer.sort()
            for key in buffer { try add(key) }
        } else {
            if !buffer.isEmpty { try spill() }
            buffer = []
            var merge = try RunMerge(runs: runs, path: runFolder ?? tempRoot)
            while let key = try merge.next() { try add(key) }
        }
        try emit(pending)
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

/// The k-way merge of sorted runs: a min-heap of (key, run), each run read through its buffer.
private struct RunMerge {
    private struct Reader {
        var fd: Int32
        var remaining: Int      // keys not yet read from the file
        var offset: Int = 0     // byte offset of the next read
        var keys: [UInt64] = []
        var index = 0
    }
    private var readers: [Reader]
    private var heap: [(key: UInt64, run: Int)] = []
    private let path: String
    static let bufferKeys = 8192   // 64 KiB per run

    init(runs: [(fd: Int32, count: Int)], path: String) throws(OptoutError) {
        self.path = path
        readers = runs.map { Reader(fd: $0.fd, remaining: $0.count) }
        for i in readers.indices {
            if let key = try pull(i) { push((key, i)) }
        }
    }

    /// The next key of run `i`, refilling its buffer when empty; nil at its end.
    private mutating func pull(_ i: Int) throws(OptoutError) -> UInt64? {
        if readers[i].index == readers[i].keys.count {
            let want = min(Self.bufferKeys, readers[i].remaining)
            if want == 0 { return nil }
            var keys = [UInt64](repeating: 0, count: want)
            let fd = readers[i].fd, start = readers[i].offset, path = self.path
            let failure: OptoutError? = keys.withUnsafeMutableBytes { raw in
                var got = 0
                while got < raw.count {
                    switch valueOrErrno({ pread(fd, raw.baseAddress! + got, raw.count - got, off_t(start + got)) }) {
                    case .success(let n) where n > 0: got += n
                    case .success: return .io(path: path, reason: "a sorted run of campaign keys ended early")
                    case .failure(let failure): return .io(path: path, reason: "cannot read a sorted run of campaign keys: \(failure)")
                    }
                }
                return nil
            }
            if let failure { throw failure }
            for k in keys.indices { keys[k] = UInt64(littleEndian: keys[k]) }
            readers[i].keys = keys
            readers[i].index = 0
            readers[i].offset += want * 8
            readers[i].remaining -= want
        }
        defer { readers[i].index += 1 }
        return readers[i].keys[readers[i].index]
    }

    mutating func next() throws(OptoutError) -> UInt64? {
        guard let top = heap.first else { return nil }
        if let key = try pull(top.run) {
            heap[0] = (key, top.run)
            siftDown(0)
        } else {
            let last = heap.removeLast()
            if !heap.isEmpty { heap[0] = last; siftDown(0) }
        }
        return top.key
    }

    private mutating func push(_ item: (key: UInt64, run: Int)) {
        heap.append(item)
        var i = heap.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            if heap[parent].key <= heap[i].key { break }
            heap.swapAt(parent, i)
            i = parent
        }
    }

    private mutating func siftDown(_ start: Int) {
        var i = start
        while true {
            let l = 2 * i + 1, r = l + 1
            var smallest = i
            if l < heap.count && heap[l].key < heap[smallest].key { smallest = l }
            if r < heap.count && heap[r].key < heap[smallest].key { smallest = r }
            if smallest == i { return }
            heap.swapAt(i, smallest)
            i = smallest
        }
    }
}
