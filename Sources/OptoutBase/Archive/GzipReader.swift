// GzipReader.swift: reads a gzip file (RFC 1952) as a stream of decompressed chunks.
//
// Input: the compressed bytes pulled from a source closure (or a file path). Output: decompressed
// chunks through `next`/`read`, streamed through `Inflater` (never the whole file in memory).
// Several members one after another (as `cat a.gz b.gz` makes) are read as one stream.
// Failures: `InflateError` with the byte offset in the file: not a gzip file (magic bytes), a
// method other than deflate, reserved flag bits, a truncated header or trailer, a CRC-32 or size
// (ISIZE) that does not match the data, and every DEFLATE error of the member.

import Foundation

/// Streams the decompressed content of a gzip file.
package final class GzipReader {
    private let source: () throws -> [UInt8]?
    private var pending: [UInt8] = []
    private var pendingPos = 0
    /// Offset in the file of `pending[0]`.
    private var pendingBase = 0
    private var inflater: Inflater?
    private var memberStart = 0
    private var crc: UInt32 = 0
    private var size: UInt32 = 0
    private var ended = false
    /// Members read so far.
    package private(set) var members = 0

    package init(source: @escaping () throws -> [UInt8]?) {
        self.source = source
    }

    /// Reads the file at `path` in 64 KiB chunks.
    package convenience init(path: String) throws {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw InflateError(offset: 0, reason: "cannot open \(path)")
        }
        self.init(source: {
            let data = try handle.read(upToCount: 65536) ?? Data()
            return data.isEmpty ? nil : [UInt8](data)
        })
    }

    /// Next chunk of decompressed bytes, or nil at the end of the file.
    package func next() throws -> [UInt8]? {
        var chunk: [UInt8]?
        _ = try read { chunk = Array($0) }
        return chunk
    }

    /// Passes the next decompressed chunk to `body`; false at the end of the file.
    @discardableResult
    package func read(_ body: (UnsafeRawBufferPointer) throws -> Void) throws -> Bool {
        while !ended {
            if inflater == nil {
                if try !startMember() { ended = true; return false }
            }
            let inflater = self.inflater!
            var produced = false
            let more = try withOffset(memberStart) {
                try inflater.read { chunk in
                    crc = CRC32.checksum(chunk, seed: crc)
                    size &+= UInt32(truncatingIfNeeded: chunk.count)
                    produced = true
                    try body(chunk)
                }
            }
            if more && produced { return true }
            if !more { try finishMember(inflater) }
        }
        return false
    }

    // MARK: - Members

    private func byte() throws -> UInt8? {
        while pendingPos == pending.count {
            guard let chunk = try source(), !chunk.isEmpty else { return nil }
            pendingBase += pending.count
            pending = chunk
            pendingPos = 0
        }
        pendingPos += 1
        return pending[pendingPos - 1]
    }

    private var offset: Int { pendingBase + pendingPos }

    private func need() throws -> UInt8 {
        guard let b = try byte() else {
            throw InflateError(offset: offset, reason: "truncated gzip header or trailer")
        }
        return b
    }

    /// Reads a member header; false when the file ends cleanly before one.
    private func startMember() throws -> Bool {
        let start = offset
        guard let id1 = try byte() else {
            if members == 0 { throw InflateError(offset: 0, reason: "empty file: not a gzip file") }
            return false
        }
        let id2 = try need()
        guard id1 == 0x1F && id2 == 0x8B else {
            throw InflateError(offset: start, reason: "not a gzip file (no 1F 8B magic bytes)")
        }
        let method = try need()
        guard method == 8 else { throw InflateError(offset: start + 2, reason: "compression method \(method), not deflate") }
        let flags = try need()
        if flags & 0xE0 != 0 { throw InflateError(offset: start + 3, reason: "reserved gzip flag bits set") }
        for _ in 0..<6 { _ = try need() }  // MTIME, XFL, OS
        if flags & 0x04 != 0 {  // FEXTRA
            let xlen = Int(try need()) | Int(try need()) << 8
            for _ in 0..<xlen { _ = try need() }
        }
        if flags & 0x08 != 0 { while try need() != 0 {} }  // FNAME
        if flags & 0x10 != 0 { while try need() != 0 {} }  // FCOMMENT
        if flags & 0x02 != 0 { _ = try need(); _ = try need() }  // FHCRC
        memberStart = offset
        crc = 0
        size = 0
        // The inflater pulls first what is left of the current chunk, then the source.
        var first: [UInt8]? = Array(pending[pendingPos...])
        pendingBase += pending.count
        pending = []
        pendingPos = 0
        let source = self.source
        inflater = Inflater(source: {
            if let chunk = first { first = nil; if !chunk.isEmpty { return chunk } }
            return try source()
        })
        return true
    }

    private func finishMember(_ inflater: Inflater) throws {
        let consumed = inflater.compressedCount
        pending = inflater.takeRemainingInput()
        pendingPos = 0
        pendingBase = memberStart + consumed
        self.inflater = nil
        let trailerAt = offset
        var trailer: [UInt8] = []
        for _ in 0..<8 { trailer.append(try need()) }
        let storedCRC = UInt32(trailer[0]) | UInt32(trailer[1]) << 8 | UInt32(trailer[2]) << 16 | UInt32(trailer[3]) << 24
        let storedSize = UInt32(trailer[4]) | UInt32(trailer[5]) << 8 | UInt32(trailer[6]) << 16 | UInt32(trailer[7]) << 24
        if storedCRC != crc {
            throw InflateError(offset: trailerAt, reason: "CRC-32 mismatch: the trailer says \(hex(storedCRC)), the data gives \(hex(crc))")
        }
        if storedSize != size {
            throw InflateError(offset: trailerAt + 4, reason: "size mismatch: the trailer says \(storedSize) bytes (mod 2^32), the data has \(size)")
        }
        members += 1
    }

    private func hex(_ v: UInt32) -> String {
        let s = String(v, radix: 16)
        return String(repeating: "0", count: 8 - s.count) + s
    }

    /// Shifts a member's inflate errors to offsets in the file.
    private func withOffset<T>(_ base: Int, _ body: () throws -> T) throws -> T {
        do { return try body() } catch var error as InflateError {
            error.offset += base
            throw error
        }
    }
}
