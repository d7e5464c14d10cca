// Direct writes: a file's bytes written past the page cache (O_DIRECT), on a thread of their own.
// Issue 13: on the 2-core VMs measured, a buffered write(2) costs 0.3–3 s of kernel CPU per GB
// (the copy into the page cache, then its writeback), an O_DIRECT write of 1 MiB blocks about
// 0.1 s. An output that is fsynced before it is published gains nothing from the cache, so the
// big ones (a campaign's send, links and skipped files; workbooks) bypass it.
// Input: bytes appended in order (`append`). Output: the same bytes from the file's offset on,
// written in 4 KiB-aligned blocks of `blockSize` by a writer thread (started at the first full
// block) while the caller fills the next; `finish()` waits for the writer, then writes the last
// partial block with O_DIRECT cleared (the descriptor is an ordinary one again). Where O_DIRECT is
// refused (fcntl, or a write failing with EINVAL: a file system or device without it), the rest
// is written through the page cache: the same bytes in the same order. Memory: three blocks.
// Failures: a write error (ENOSPC, EIO...) naming the path, thrown by the next `append` or by
// `finish`. Call `close()` in any case before the descriptor is closed.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Foundation

package final class DirectWrites: @unchecked Sendable {
    /// Alignment of every direct write's memory, offset and length (the largest logical block
    /// size in use; a device that wants more refuses with EINVAL and gets buffered writes).
    package static let alignment = 4096
    private let fd: Int32
    private let path: String
    private let blockSize: Int
    /// The block being filled, and how much of it is.
    private var block: UnsafeMutableRawPointer
    private var filled = 0
    /// Blocks back from the writer, and every block made (freed by `close`).
    private let lock = NSLock()
    private var spare: [UnsafeMutableRawPointer] = []
    private var made: [UnsafeMutableRawPointer] = []
    /// The writer thread (one block queued while another is written), made at the first full block.
    private var writer: OutputThread?
    /// False once O_DIRECT was refused or cleared: the writer's, then (after `finish`) the caller's.
    private var direct = true
    private var closed = false
    /// Test hook: the first direct write is refused as if with EINVAL (the fallback's path).
    private let refuseDirect: Bool

    /// Sets O_DIRECT on `fd` (open for writing at an offset that is a multiple of `alignment`, 0
    /// for a new file); nil where that is refused, and `fd` is left as it was.
    /// - Parameter blockSize: bytes per direct write (rounded up to `alignment`).
    /// - Parameter refuseDirect: tests: the first direct write fails as if with EINVAL.
    package init?(fd: Int32, path: String, blockSize: Int = 1 << 20, refuseDirect: Bool = false) {
        let flags = fcntl(fd, F_GETFL)
        guard flags >= 0, fcntl(fd, F_SETFL, flags | linuxODirect) == 0 else { return nil }
        self.fd = fd
        self.path = path
        self.refuseDirect = refuseDirect
        self.blockSize = (max(blockSize, 1) + Self.alignment - 1) / Self.alignment * Self.alignment
        block = UnsafeMutableRawPointer.allocate(byteCount: self.blockSize, alignment: Self.alignment)
        made.append(block)
    }

    deinit { close() }

    /// True while blocks still go past the page cache (tests).
    package var isDirect: Bool {
        lock.lock()
        defer { lock.unlock() }
        return direct
    }

    /// Copies `bytes` into blocks; each full block is handed to the writer.
    package func append(_ bytes: UnsafeRawBufferPointer) throws(OptoutError) {
        precondition(!closed, "append after close")
        var offset = 0
        while offset < bytes.count {
            let n = min(bytes.count - offset, blockSize - filled)
            (block + filled).copyMemory(from: bytes.baseAddress! + offset, byteCount: n)
            filled += n
            offset += n
            if filled == blockSize { try handOver() }
        }
    }

    /// `append` of an array's bytes.
    package func append(_ bytes: [UInt8]) throws(OptoutError) {
        let failure: OptoutError? = bytes.withUnsafeBytes { raw in
            do throws(OptoutError) { try append(raw) } catch { return error }
            return nil
        }
        if let failure { throw failure }
    }

    /// Gives the full block to the writer (waiting while one is queued) and takes a spare one.
    private func handOver() throws(OptoutError) {
        let full = block
        if writer == nil { writer = OutputThread(limit: 1) }
        try writer!.submit { [self, count = filled] () throws(OptoutError) in
            defer { giveBack(full) }
            try writeBlock(full, count)
        }
        lock.lock()
        if let next = spare.popLast() {
            block = next
        } else {
            block = UnsafeMutableRawPointer.allocate(byteCount: blockSize, alignment: Self.alignment)
            made.append(block)
        }
        lock.unlock()
        filled = 0
    }

    private func giveBack(_ block: UnsafeMutableRawPointer) {
        lock.lock()
        spare.append(block)
        lock.unlock()
    }

    /// Writes a whole block: directly, or, once O_DIRECT is refused, through the page cache.
    private func writeBlock(_ start: UnsafeMutableRawPointer, _ count: Int) throws(OptoutError) {
        var offset = 0
        while offset < count {
            if refuseDirect && isDirect {
                stopDirect()    // the test hook: as if this write were refused with EINVAL
                continue
            }
            switch valueOrErrno({ write(fd, start + offset, count - offset) }) {
            case .success(let n): offset += n
            case .failure(let failure) where failure.code == EINVAL && isDirect:
                stopDirect()    // this device or file system wants other sizes: the page cache
            case .failure(let failure): throw Durable.writeError(path, failure.code)
            }
        }
    }

    /// Clears O_DIRECT: every later write goes through the page cache.
    private func stopDirect() {
        lock.lock()
        direct = false
        lock.unlock()
        let flags = fcntl(fd, F_GETFL)
        if flags >= 0 { _ = fcntl(fd, F_SETFL, flags & ~linuxODirect) }
    }

    /// Waits until every full block is written, then writes the partial one through the page
    /// cache (O_DIRECT cleared). Nothing may be appended after it.
    package func finish() throws(OptoutError) {
        if let writer { try writer.finish() }
        if isDirect { stopDirect() }
        if filled > 0 {
            try Durable.writeAll(fd, UnsafeRawBufferPointer(start: block, count: filled), path: path)
            filled = 0
        }
        close()
    }

    /// Stops the writer (dropping what is queued) and frees the blocks; `fd` stays open.
    package func close() {
        if closed { return }
        closed = true
        writer?.close()
        writer = nil
        lock.lock()
        for block in made { block.deallocate() }
        made.removeAll()
        spare.removeAll()
        lock.unlock()
    }
}

/// O_DIRECT (Linux), hidden by Glibc's module map behind _GNU_SOURCE; its value differs by
/// architecture.
#if arch(arm64) || arch(arm)
private let linuxODirect: Int32 = 0o200000
#else
private let linuxODirect: Int32 = 0o40000
#endif
