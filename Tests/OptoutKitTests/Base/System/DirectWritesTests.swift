// Direct writes (OptoutBase/System/DirectWrites.swift, AtomicFile's `direct:`): a file written
// past the page cache holds exactly the bytes appended, whatever the sizes of the pieces and
// wherever they fall against the 4 KiB alignment and the block size; so does one whose direct
// writes are refused (the page cache then), one patched in place (a ZIP header) and one read back
// by its temp name before its commit. A write that fails is thrown, naming the file.

import Testing
import Foundation
import OptoutBase

@Suite final class DirectWritesTests {
    let dir = NSTemporaryDirectory() + "directwrites-\(UUID().uuidString)"

    init() throws { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
    deinit { try? FileManager.default.removeItem(atPath: dir) }

    /// Deterministic bytes (a test may compare any stretch of them).
    func bytes(_ count: Int, seed: UInt64) -> [UInt8] {
        var rng = SplitMix(state: seed)
        return (0..<count).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
    }

    /// True where this folder's file system takes O_DIRECT (ext4, xfs; tmpfs since Linux 6.6).
    func directSupported() -> Bool {
        let path = "\(dir)/probe"
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        defer { close(fd); unlink(path) }
        guard let probe = DirectWrites(fd: fd, path: path) else { return false }
        probe.close()
        return true
    }

    func contents(_ path: String) -> [UInt8] { [UInt8](FileManager.default.contents(atPath: path) ?? Data()) }

    @Test(arguments: [0, 1, 4095, 4096, 4097, (1 << 20) - 1, 1 << 20, (1 << 20) + 1, 3 << 20 | 17])
    func aFileHoldsExactlyItsBytes(size: Int) throws {
        let expected = bytes(size, seed: UInt64(size))
        let path = "\(dir)/send-\(size).csv"
        let file = try AtomicFile(path: path, direct: true)
        #expect(file.writesDirectly == directSupported())
        // Pieces of every kind and size: small writes (buffered), blocks of 64 KiB and more (copied
        // straight into aligned blocks), and appends through the buffer.
        var rng = SplitMix(state: 7)
        var at = 0
        while at < size {
            let n = min(size - at, [1, 13, 4096, 70_000, 300_000][Int(rng.next() % 5)])
            let piece = Array(expected[at..<(at + n)])
            switch rng.next() % 3 {
            case 0: try file.write(piece)
            case 1: try file.writeBlock(piece)
            default: try file.append { $0.append(contentsOf: piece) }
            }
            at += n
        }
        try file.commit()
        #expect(contents(path) == expected)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasPrefix(".") }.isEmpty)
    }

    @Test func aRefusedDirectWriteFallsBackToThePageCache() throws {
        let expected = bytes(5 << 20 | 123, seed: 1)
        let path = "\(dir)/links.csv"
        let file = try AtomicFile(path: path, direct: true, refuseDirect: true)
        try file.writeBlock(Array(expected[..<(3 << 20)]))
        try file.write(Array(expected[(3 << 20)...]))
        try file.commit()
        #expect(!file.writesDirectly)
        #expect(contents(path) == expected)
    }

    @Test func bytesPatchedInPlaceAfterDirectBlocks() throws {
        // As ZipWriter does: a header written first, the entry streamed, the header patched.
        var expected = bytes((2 << 20) + 5000, seed: 2)
        let path = "\(dir)/book.xlsx"
        let file = try AtomicFile(path: path, direct: true)
        try file.writeBlock(expected)
        let patch: [UInt8] = [0xDE, 0xAD, 0xBE, 0xEF, 0x01]
        try file.overwrite(patch, at: 4094)   // across an alignment boundary
        expected.replaceSubrange(4094..<4099, with: patch)
        let tail = bytes(777, seed: 3)
        try file.write(tail)    // after the patch, through the page cache
        expected += tail
        try file.commit()
        #expect(contents(path) == expected)
    }

    @Test func theTempFileReadBackBeforeItsCommit() throws {
        // As the skipped rows' twin reads the skipped file: flushed, read by its temp name, committed.
        let expected = bytes((1 << 20) * 2 + 999, seed: 4)
        let path = "\(dir)/skipped.csv"
        let file = try AtomicFile(path: path, direct: true)
        try file.writeBlock(expected)
        try file.flush()
        #expect(contents(file.tempPath) == expected)
        #expect(!Durable.exists(path))
        try file.commit()
        #expect(contents(path) == expected)
    }

    @Test func aFileDroppedWithoutCommitLeavesNothing() throws {
        do {
            let file = try AtomicFile(path: "\(dir)/dropped.csv", direct: true)
            try file.writeBlock(bytes(3 << 20, seed: 5))
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).isEmpty)
    }

    @Test func aFailedWriteIsThrownNamingTheFile() throws {
        let path = "\(dir)/readonly.csv"
        #expect(FileManager.default.createFile(atPath: path, contents: nil))
        let fd = open(path, O_RDONLY)
        defer { close(fd) }
        guard let writes = DirectWrites(fd: fd, path: path, blockSize: 4096) else {
            print("DirectWritesTests: O_DIRECT refused on \(dir); the failure path is not reached here")
            return
        }
        defer { writes.close() }
        var thrown: OptoutError?
        let block = bytes(4096, seed: 6)
        do throws(OptoutError) {
            for _ in 0..<8 {
                let failure: OptoutError? = block.withUnsafeBytes { raw in
                    do throws(OptoutError) { try writes.append(raw) } catch { return error }
                    return nil
                }
                if let failure { throw failure }
            }
            try writes.finish()
        } catch {
            thrown = error
        }
        #expect(thrown?.description.contains(path) == true)
    }
}
