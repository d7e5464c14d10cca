// File segments: the XXH64 of each fixed-size segment of a file's first bytes, read on two
// threads. Input: a path, a length, the segment size, and hashes already known for leading
// whole segments (reused, not read). Output: one hash per segment, the last one possibly short.
// What it is for: proving that a file's prefix is byte for byte what it was (LedgerCheckpoint:
// the ledger's records before a checkpoint, 237 MB for a million opt-outs, in about 0.05 s).
// Failures: `OptoutError.io` naming the path (cannot open, read error, the file shorter than
// `length`). A symbolic link is not followed.

import Dispatch
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

package enum FileSegments {
    /// 16 MiB: a million-record ledger is 15 segments, two threads read them.
    package static let segmentSize = 16 << 20

    /// The XXH64 of each `segmentSize` segment of the first `length` bytes of `path`. The first
    /// `known.count` hashes are taken as they are (whole segments already verified).
    package static func checksums(path: String, length: Int, segmentSize: Int = segmentSize, known: [UInt64] = []) throws(OptoutError) -> [UInt64] {
        precondition(segmentSize > 0 && length >= 0)
        let count = (length + segmentSize - 1) / segmentSize
        let reused = min(known.count, length / segmentSize)
        if reused == count { return Array(known.prefix(count)) }
        let fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        if fd < 0 { throw .io(path: path, reason: errnoText()) }
        defer { close(fd) }
        let results = Mutex<(sums: [UInt64], failure: OptoutError?)>((Array(known.prefix(reused)) + [UInt64](repeating: 0, count: count - reused), nil))
        let threads = min(2, count - reused)
        DispatchQueue.concurrentPerform(iterations: threads) { thread in
            var buffer = [UInt8](repeating: 0, count: min(segmentSize, 256 << 10))
            var segment = reused + thread
            while segment < count {
                let start = segment * segmentSize, end = min(length, start + segmentSize)
                var hash = XXH64()
                var at = start
                while at < end {
                    let want = min(buffer.count, end - at)
                    let n = buffer.withUnsafeMutableBytes { raw in valueOrErrno { pread(fd, raw.baseAddress!, want, off_t(at)) } }
                    switch n {
                    case .success(let got) where got > 0:
                        buffer.withUnsafeBytes { hash.update(UnsafeRawBufferPointer(rebasing: $0[0..<got])) }
                        at += got
                    case .success:
                        results.withLock { $0.failure = $0.failure ?? .io(path: path, reason: "shorter than \(length) bytes (ends at \(at))") }
                        return
                    case .failure(let failure):
                        results.withLock { $0.failure = $0.failure ?? .io(path: path, reason: failure.description) }
                        return
                    }
                }
                results.withLock { $0.sums[segment] = hash.value }
                segment += threads
            }
        }
        let (sums, failure) = results.withLock { ($0.sums, $0.failure) }
        if let failure { throw failure }
        return sums
    }
}
