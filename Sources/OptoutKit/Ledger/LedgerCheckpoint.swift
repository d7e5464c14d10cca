// Ledger checkpoint: `.optout/ledger.checkpoint` (0600), the suppression state the ledger's
// first records add up to, so that a run replays only the records after them (issue 13: a
// million-record ledger took 0.3 s of both cores to replay at the start of every run).
// Input: a ledger path. Output: the state, seqs and tallies as of a byte offset of the ledger,
// or nil. It is a cache, never the truth: it is used only when its own hash holds, when it
// was written by this format, and when the XXH64 of every 16 MiB segment of the ledger before
// its offset (FileSegments, read on two threads) is what it was when the checkpoint was written,
// so a ledger edited, damaged, truncated, restored from elsewhere or replaced is replayed whole
// as before (and its damaged records reported as before). Written (temp file, fsync, rename) by
// a run whose ledger opened clean and grew by `Ledger.checkpointGrowth` since. Failures: reading
// returns nil (a full replay); writing throws `OptoutError` (the run warns and goes on).

import OptoutBase
#if canImport(Glibc)
import Glibc
#endif

package struct LedgerCheckpoint: Sendable {
    /// The first bytes of the file; a change of the format changes it (a table laid out by another
    /// hashing is refused anyway: `SuppressionState(serialized:)` finds sampled slots in place).
    static let magic = Array("optout ledger checkpoint 2\n".utf8)

    /// The ledger's bytes it covers (the end of a record) and the lines in them.
    var ledgerBytes: Int
    var ledgerLines: Int
    /// XXH64 of each `FileSegments.segmentSize` segment of those bytes.
    var segments: [UInt64]
    var lastSeq: Int64
    var lastAppliedOptOutSeq: Int64
    /// Applied records counted by the second they were recorded in (Ledger.AppliedTally).
    var tallies: [Int64: Ledger.AppliedTally]
    var state: SuppressionState

    /// The checkpoint's bytes, in pieces passed to `emit` (the state's tables not copied), the
    /// last one the XXH64 of all before it.
    func encode(_ emit: (UnsafeRawBufferPointer) -> Void) {
        var hash = XXH64()
        func out(_ piece: UnsafeRawBufferPointer) {
            hash.update(piece)
            emit(piece)
        }
        var head = BinaryWriter(capacity: 128 + segments.count * 8 + tallies.count * 40)
        head.bytes.append(contentsOf: LedgerCheckpoint.magic)
        head.put(UInt64(ledgerBytes))
        head.put(UInt64(ledgerLines))
        head.put(lastSeq)
        head.put(lastAppliedOptOutSeq)
        head.put(UInt32(FileSegments.segmentSize))
        head.put(UInt32(segments.count))
        head.put(array: segments)
        head.put(UInt32(tallies.count))
        for (second, t) in tallies.sorted(by: { $0.key < $1.key }) {
            head.put(second)
            for n in [t.reply, t.link, t.imports, t.resubscribed] { head.put(Int64(n)) }
        }
        head.bytes.withUnsafeBytes(out)
        state.serialize(out)
        withUnsafeBytes(of: hash.value.littleEndian, emit)
    }

    /// The checkpoint in `bytes`, or nil when they are not one (damaged, cut short, another format).
    static func decode(_ bytes: UnsafeRawBufferPointer) -> LedgerCheckpoint? {
        let magic = LedgerCheckpoint.magic
        guard bytes.count >= magic.count + 8, bytes.prefix(magic.count).elementsEqual(magic),
              XXH64.hash(UnsafeRawBufferPointer(rebasing: bytes[..<(bytes.count - 8)]))
                == UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: bytes.count - 8, as: UInt64.self)) else { return nil }
        var reader = BinaryReader(UnsafeRawBufferPointer(rebasing: bytes[magic.count..<(bytes.count - 8)]))
        guard let ledgerBytes = reader.get(UInt64.self), let ledgerLines = reader.get(UInt64.self),
              ledgerBytes < 1 << 48, ledgerLines <= ledgerBytes,
              let lastSeq = reader.get(Int64.self), let lastApplied = reader.get(Int64.self),
              reader.get(UInt32.self) == UInt32(FileSegments.segmentSize),
              let segmentCount = reader.get(UInt32.self),
              Int(segmentCount) == (Int(ledgerBytes) + FileSegments.segmentSize - 1) / FileSegments.segmentSize,
              let segments = reader.get(array: UInt64.self, count: Int(segmentCount)),
              let tallyCount = reader.get(UInt32.self), Int(tallyCount) <= reader.remaining / 40 else { return nil }
        var tallies: [Int64: Ledger.AppliedTally] = [:]
        for _ in 0..<tallyCount {
            guard let second = reader.get(Int64.self), let counts = reader.get(array: Int64.self, count: 4) else { return nil }
            var t = Ledger.AppliedTally()
            (t.reply, t.link, t.imports, t.resubscribed) = (Int(counts[0]), Int(counts[1]), Int(counts[2]), Int(counts[3]))
            tallies[second] = t
        }
        guard let state = SuppressionState(serialized: &reader), reader.remaining == 0 else { return nil }
        return LedgerCheckpoint(ledgerBytes: Int(ledgerBytes), ledgerLines: Int(ledgerLines), segments: segments,
                                lastSeq: lastSeq, lastAppliedOptOutSeq: lastApplied, tallies: tallies, state: state)
    }

    /// The checkpoint at `path` when it still describes the first bytes of the ledger at
    /// `ledgerPath` (every segment's checksum), else nil. Never throws: any doubt is a full replay.
    static func load(path: String, ledgerPath: String) -> LedgerCheckpoint? {
        let fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        if fd < 0 { return nil }
        var st = stat()
        guard fstat(fd, &st) == 0, st.st_mode & S_IFMT == S_IFREG, st.st_size > 0, st.st_size < 1 << 34 else { close(fd); return nil }
        let bytes = try? preadFully(fd, count: Int(st.st_size), at: 0, path: path, endedEarly: "shorter than it was")
        close(fd)
        guard let bytes, let checkpoint = bytes.withUnsafeBytes({ LedgerCheckpoint.decode($0) }),
              let size = try? FileSize.of(ledgerPath), size >= checkpoint.ledgerBytes,
              let sums = try? FileSegments.checksums(path: ledgerPath, length: checkpoint.ledgerBytes),
              sums == checkpoint.segments else { return nil }
        return checkpoint
    }

    /// Writes the checkpoint at `path` (temp file, fsync, rename; 0600), with the checksums of
    /// the ledger's segments it covers (those in `segments`, whole ones verified, are kept).
    func write(to path: String, ledgerPath: String) throws(OptoutError) {
        var complete = self
        complete.segments = try FileSegments.checksums(path: ledgerPath, length: ledgerBytes, known: segments)
        let file = try AtomicFile(path: path, mode: Durable.privateMode)
        var failure: OptoutError?
        complete.encode { piece in
            // In slices of 256 KiB: the file's buffer never holds a whole table (it is written
            // while the run goes on, beside its other outputs).
            var at = 0
            while at < piece.count, failure == nil {
                let slice = UnsafeRawBufferPointer(rebasing: piece[at..<min(piece.count, at + (256 << 10))])
                do throws(OptoutError) { try file.append { $0.append(contentsOf: slice) } } catch { failure = error }
                at += slice.count
            }
        }
        if let failure { throw failure }
        try file.commit()
    }

    /// Writes a run's checkpoint on a thread of its own once the ledger's state is final for the
    /// run (after its opt-outs are recorded), while the run goes on.
    package final class Background {
        private let ledger: Ledger
        private let path: String
        private var thread: OutputThread?
        private var started = false
        private var failure: OptoutError?

        package init(ledger: Ledger, to path: String) { (self.ledger, self.path) = (ledger, path) }

        deinit { close() }

        /// Starts writing the checkpoint due now, if one is (once).
        package func start() {
            guard !started else { return }
            started = true
            do throws(OptoutError) {
                guard let due = try ledger.checkpointDue() else { return }
                let (path, ledgerPath) = (path, ledger.path)
                thread = OutputThread.start { () throws(OptoutError) in try due.write(to: path, ledgerPath: ledgerPath) }
            } catch { failure = error }
        }

        /// The checkpoint written (started now if it was not), or the reason it was not.
        package func finish() throws(OptoutError) {
            start()
            if let failure { throw failure }
            try thread?.finish()
        }

        package func close() { thread?.close() }
    }
}
