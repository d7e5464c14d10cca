// ZipReader.swift: reads the entries of a ZIP archive (PKWARE APPNOTE), one entry streamed at a
// time.
//
// Input: an archive file (read at offsets, never whole) or bytes in memory. Output: the entries
// of the central directory (name, method, sizes, CRC-32), and an entry's bytes in chunks through
// `ZipEntryReader` (stored entries copied, deflated ones through `Inflater`). Data descriptors
// (flag bit 3) are allowed: sizes come from the central directory and the descriptor must agree.
// Failures: `ZipError` naming the entry when one applies: no end-of-central-directory record (not
// a ZIP file), ZIP64 (refused: not needed for sheets), multi-disk and encrypted archives, an
// unsupported method, headers outside the file, entries that overlap (a zip bomb), a local header
// that disagrees with the directory, a CRC-32 or size mismatch, an entry larger than
// `ZipLimits.maxEntryBytes` or inflating more than `maxRatio` times its compressed size, and every
// DEFLATE error (with its byte offset in the entry's data).

import Foundation

/// Why a ZIP archive or one of its entries cannot be read.
package struct ZipError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The entry's name, when the problem is in one entry.
    package var entry: String?
    package var reason: String

    package init(entry: String?, reason: String) {
        self.entry = entry
        self.reason = reason
    }

    package var description: String { entry.map { "\($0): \(reason)" } ?? reason }
}

/// Bounds on what one entry may expand to.
package struct ZipLimits: Sendable, Equatable {
    /// Largest uncompressed size of one entry (declared or produced).
    package var maxEntryBytes: UInt64
    /// Largest ratio of produced bytes to compressed bytes, checked once `ratioGrace` bytes are out.
    package var maxRatio: UInt64
    package var ratioGrace: UInt64
    /// Most entries in the central directory.
    package var maxEntries: Int

    package init(maxEntryBytes: UInt64 = 2 << 30, maxRatio: UInt64 = 250, ratioGrace: UInt64 = 1 << 20, maxEntries: Int = 100_000) {
        self.maxEntryBytes = maxEntryBytes
        self.maxRatio = maxRatio
        self.ratioGrace = ratioGrace
        self.maxEntries = maxEntries
    }
}

/// One file in the archive, as the central directory describes it.
package struct ZipEntry: Sendable, Equatable {
    package var name: String
    /// 0 = stored, 8 = deflated.
    package var method: UInt16
    package var flags: UInt16
    package var crc32: UInt32
    package var compressedSize: UInt64
    package var uncompressedSize: UInt64
    package var localHeaderOffset: UInt64

    package var isDirectory: Bool { name.hasSuffix("/") }
    package var hasDataDescriptor: Bool { flags & 0x08 != 0 }
}

/// Random access to the archive's bytes.
package protocol ZipByteSource: AnyObject {
    var size: UInt64 { get }
    /// Up to `count` bytes at `offset` (fewer only at the end of the source).
    func read(at offset: UInt64, count: Int) throws -> [UInt8]
}

/// An archive file, read with positioned reads.
package final class ZipFileSource: ZipByteSource {
    private let handle: FileHandle
    package let size: UInt64

    package init(path: String) throws {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw ZipError(entry: nil, reason: "cannot open the file")
        }
        self.handle = handle
        size = try handle.seekToEnd()
    }

    deinit { try? handle.close() }

    package func read(at offset: UInt64, count: Int) throws -> [UInt8] {
        try handle.seek(toOffset: offset)
        return [UInt8](try handle.read(upToCount: count) ?? Data())
    }
}

/// An archive in memory.
package final class ZipMemorySource: ZipByteSource {
    private let bytes: [UInt8]
    package var size: UInt64 { UInt64(bytes.count) }

    package init(_ bytes: [UInt8]) { self.bytes = bytes }

    package func read(at offset: UInt64, count: Int) throws -> [UInt8] {
        guard offset < size else { return [] }
        let start = Int(offset)
        return Array(bytes[start..<min(bytes.count, start + count)])
    }
}

/// The central directory of an archive, and readers for its entries.
package final class ZipReader {
    package let source: ZipByteSource
    package let limits: ZipLimits
    /// Entries in central-directory order.
    package let entries: [ZipEntry]
    private let byName: [String: Int]

    package convenience init(path: String, limits: ZipLimits = ZipLimits()) throws {
        try self.init(source: ZipFileSource(path: path), limits: limits)
    }

    package convenience init(bytes: [UInt8], limits: ZipLimits = ZipLimits()) throws {
        try self.init(source: ZipMemorySource(bytes), limits: limits)
    }

    package init(source: ZipByteSource, limits: ZipLimits = ZipLimits()) throws {
        self.source = source
        self.limits = limits
        let entries = try ZipReader.readDirectory(source, limits: limits)
        self.entries = entries
        var byName: [String: Int] = [:]
        for (i, e) in entries.enumerated() where byName[e.name] == nil { byName[e.name] = i }
        self.byName = byName
    }

    /// The entry with this exact name (the first, if the archive repeats a name).
    package func entry(named name: String) -> ZipEntry? { byName[name].map { entries[$0] } }

    /// A streaming reader of the entry's uncompressed bytes.
    package func open(_ entry: ZipEntry) throws -> ZipEntryReader {
        try ZipEntryReader(archive: self, entry: entry)
    }

    /// The whole entry, for small parts (relationships, workbook); bounded by `maxBytes`.
    package func contents(of entry: ZipEntry, maxBytes: Int = 64 << 20) throws -> [UInt8] {
        if entry.uncompressedSize > UInt64(maxBytes) {
            throw ZipError(entry: entry.name, reason: "entry of \(entry.uncompressedSize) bytes is larger than the \(maxBytes) bytes allowed for it")
        }
        let reader = try open(entry)
        var out: [UInt8] = []
        out.reserveCapacity(Int(entry.uncompressedSize))
        while try reader.read({ out.append(contentsOf: $0) }) {}
        return out
    }

    // MARK: - Central directory

    static func u16(_ b: [UInt8], _ at: Int) -> UInt16 { UInt16(b[at]) | UInt16(b[at + 1]) << 8 }
    static func u32(_ b: [UInt8], _ at: Int) -> UInt32 {
        UInt32(b[at]) | UInt32(b[at + 1]) << 8 | UInt32(b[at + 2]) << 16 | UInt32(b[at + 3]) << 24
    }

    private static func readDirectory(_ source: ZipByteSource, limits: ZipLimits) throws -> [ZipEntry] {
        let end = try readEndRecord(source, limits: limits)
        let directory = try source.read(at: end.directoryOffset, count: Int(end.directorySize))
        let entries = try parseDirectory(directory, count: end.count)
        try checkLayout(entries, directoryOffset: end.directoryOffset)
        return entries
    }

    /// The end-of-central-directory record's fields.
    private struct EndRecord {
        var count: Int
        var directorySize: UInt64
        var directoryOffset: UInt64
    }

    /// Finds and checks the end record (no ZIP64, one disk, within the entry cap, directory inside
    /// the file).
    private static func readEndRecord(_ source: ZipByteSource, limits: ZipLimits) throws -> EndRecord {
        let size = source.size
        guard size >= 22 else { throw ZipError(entry: nil, reason: "not a ZIP archive: \(size) bytes, too short for an end-of-central-directory record") }
        // The end record is in the last 22 + 65535 (comment) bytes.
        let tailLength = Int(min(size, 22 + 65535))
        let tailStart = size - UInt64(tailLength)
        let tail = try source.read(at: tailStart, count: tailLength)
        var endAt = -1
        var i = tail.count - 22
        while i >= 0 {
            if tail[i] == 0x50 && tail[i + 1] == 0x4B && tail[i + 2] == 0x05 && tail[i + 3] == 0x06 {
                endAt = i
                break
            }
            i -= 1
        }
        guard endAt >= 0 else { throw ZipError(entry: nil, reason: "not a ZIP archive: no end-of-central-directory record") }
        if endAt >= 20 && u32(tail, endAt - 20) == 0x0706_4B50 {
            throw ZipError(entry: nil, reason: "ZIP64 archive: not supported (save the workbook again, or split it)")
        }
        let disk = u16(tail, endAt + 4), directoryDisk = u16(tail, endAt + 6)
        let count = Int(u16(tail, endAt + 10))
        let directorySize = UInt64(u32(tail, endAt + 12))
        let directoryOffset = UInt64(u32(tail, endAt + 16))
        if disk != 0 || directoryDisk != 0 || u16(tail, endAt + 8) != u16(tail, endAt + 10) {
            throw ZipError(entry: nil, reason: "multi-disk ZIP archive: not supported")
        }
        if count == 0xFFFF || directorySize == 0xFFFF_FFFF || directoryOffset == 0xFFFF_FFFF {
            throw ZipError(entry: nil, reason: "ZIP64 archive: not supported (save the workbook again, or split it)")
        }
        if count > limits.maxEntries {
            throw ZipError(entry: nil, reason: "\(count) entries, more than the \(limits.maxEntries) allowed")
        }
        let endOffset = tailStart + UInt64(endAt)
        guard directoryOffset + directorySize <= endOffset else {
            throw ZipError(entry: nil, reason: "the central directory (\(directorySize) bytes at \(directoryOffset)) lies outside the file")
        }
        return EndRecord(count: count, directorySize: directorySize, directoryOffset: directoryOffset)
    }

    /// The `count` central directory records (no ZIP64 or encrypted entries).
    private static func parseDirectory(_ directory: [UInt8], count: Int) throws -> [ZipEntry] {
        var entries: [ZipEntry] = []
        var p = 0
        for n in 0..<count {
            guard p + 46 <= directory.count, u32(directory, p) == 0x0201_4B50 else {
                throw ZipError(entry: nil, reason: "central directory record \(n + 1) of \(count) is damaged")
            }
            let flags = u16(directory, p + 8)
            let method = u16(directory, p + 10)
            let crc = u32(directory, p + 16)
            let csize = UInt64(u32(directory, p + 20))
            let usize = UInt64(u32(directory, p + 24))
            let nameLength = Int(u16(directory, p + 28))
            let extraLength = Int(u16(directory, p + 30))
            let commentLength = Int(u16(directory, p + 32))
            let local = UInt64(u32(directory, p + 42))
            guard p + 46 + nameLength + extraLength + commentLength <= directory.count else {
                throw ZipError(entry: nil, reason: "central directory record \(n + 1) of \(count) runs past the directory")
            }
            let nameBytes = Array(directory[(p + 46)..<(p + 46 + nameLength)])
            // Names are UTF-8 when flag bit 11 is set; sheet writers use ASCII names either way.
            let name = String(decoding: nameBytes, as: UTF8.self)
            if csize == 0xFFFF_FFFF || usize == 0xFFFF_FFFF || local == 0xFFFF_FFFF {
                throw ZipError(entry: name, reason: "ZIP64 entry: not supported")
            }
            if flags & 0x01 != 0 { throw ZipError(entry: name, reason: "encrypted entry: not supported") }
            entries.append(ZipEntry(name: name, method: method, flags: flags, crc32: crc,
                                    compressedSize: csize, uncompressedSize: usize, localHeaderOffset: local))
            p += 46 + nameLength + extraLength + commentLength
        }
        return entries
    }

    /// Entries must not overlap (overlapping entries are how some zip bombs multiply) nor run into
    /// the central directory.
    private static func checkLayout(_ entries: [ZipEntry], directoryOffset: UInt64) throws {
        let sorted = entries.sorted { $0.localHeaderOffset < $1.localHeaderOffset }
        for (a, b) in zip(sorted, sorted.dropFirst()) {
            let minimumEnd = a.localHeaderOffset + 30 + UInt64(a.name.utf8.count) + a.compressedSize
            if minimumEnd > b.localHeaderOffset {
                throw ZipError(entry: b.name, reason: "entry overlaps entry \(a.name) (a zip bomb or a damaged archive)")
            }
        }
        if let last = sorted.last, last.localHeaderOffset + 30 + last.compressedSize > directoryOffset {
            throw ZipError(entry: last.name, reason: "entry runs into the central directory")
        }
    }
}

/// Streams one entry's uncompressed bytes, checking its size, ratio and CRC-32 at the end.
package final class ZipEntryReader {
    package let entry: ZipEntry
    private let archive: ZipReader
    private var inflater: Inflater?
    private var storedPosition: UInt64 = 0
    private let dataStart: UInt64
    private var crc: UInt32 = 0
    private var produced: UInt64 = 0
    private var consumed: UInt64 = 0
    private var finished = false

    init(archive: ZipReader, entry: ZipEntry) throws {
        self.archive = archive
        self.entry = entry
        let limits = archive.limits
        if entry.uncompressedSize > limits.maxEntryBytes {
            throw ZipError(entry: entry.name, reason: "declares \(entry.uncompressedSize) bytes uncompressed, more than the \(limits.maxEntryBytes) allowed")
        }
        if entry.method != 0 && entry.method != 8 {
            throw ZipError(entry: entry.name, reason: "compression method \(entry.method) not supported (only stored and deflated)")
        }
        if entry.method == 0 && entry.compressedSize != entry.uncompressedSize {
            throw ZipError(entry: entry.name, reason: "stored entry with different compressed (\(entry.compressedSize)) and uncompressed (\(entry.uncompressedSize)) sizes")
        }
        if entry.uncompressedSize > limits.ratioGrace && entry.uncompressedSize / max(entry.compressedSize, 1) > limits.maxRatio {
            throw ZipError(entry: entry.name, reason: "declares \(entry.uncompressedSize) bytes from \(entry.compressedSize) compressed, a ratio above \(limits.maxRatio) (a zip bomb?)")
        }
        let header = try archive.source.read(at: entry.localHeaderOffset, count: 30)
        guard header.count == 30, ZipReader.u32(header, 0) == 0x0403_4B50 else {
            throw ZipError(entry: entry.name, reason: "no local header at offset \(entry.localHeaderOffset)")
        }
        let localMethod = ZipReader.u16(header, 8)
        if localMethod != entry.method {
            throw ZipError(entry: entry.name, reason: "the local header says method \(localMethod), the directory \(entry.method)")
        }
        let nameLength = UInt64(ZipReader.u16(header, 26)), extraLength = UInt64(ZipReader.u16(header, 28))
        dataStart = entry.localHeaderOffset + 30 + nameLength + extraLength
        guard dataStart + entry.compressedSize <= archive.source.size else {
            throw ZipError(entry: entry.name, reason: "the entry's data runs past the end of the archive")
        }
        if entry.method == 8 {
            let source = archive.source
            let end = dataStart + entry.compressedSize
            var position = dataStart
            inflater = Inflater(source: {
                guard position < end else { return nil }
                let chunk = try source.read(at: position, count: Int(min(65536, end - position)))
                position += UInt64(chunk.count)
                return chunk.isEmpty ? nil : chunk
            })
        }
    }

    /// Next chunk of the entry, or nil at its end.
    package func next() throws -> [UInt8]? {
        var chunk: [UInt8]?
        _ = try read { chunk = Array($0) }
        return chunk
    }

    /// Passes the next chunk to `body` (valid during the call); false at the end of the entry.
    @discardableResult
    package func read(_ body: (UnsafeRawBufferPointer) throws -> Void) throws -> Bool {
        if finished { return false }
        let limits = archive.limits
        var delivered = false
        if let inflater {
            do {
                delivered = try inflater.read { chunk in
                    try account(chunk, limits: limits, compressed: UInt64(inflater.compressedCount))
                    try body(chunk)
                }
            } catch let error as InflateError {
                throw ZipError(entry: entry.name, reason: "damaged compressed data: \(error)")
            }
        } else if storedPosition < entry.compressedSize {
            let n = Int(min(65536, entry.compressedSize - storedPosition))
            let chunk = try archive.source.read(at: dataStart + storedPosition, count: n)
            if chunk.count != n { throw ZipError(entry: entry.name, reason: "the entry's data is cut short") }
            storedPosition += UInt64(n)
            try chunk.withUnsafeBytes { buffer in
                try account(buffer, limits: limits, compressed: storedPosition)
                try body(buffer)
            }
            delivered = true
        }
        if !delivered {
            finished = true
            try finish()
        }
        return delivered
    }

    private func account(_ chunk: UnsafeRawBufferPointer, limits: ZipLimits, compressed: UInt64) throws {
        produced += UInt64(chunk.count)
        if produced > entry.uncompressedSize {
            throw ZipError(entry: entry.name, reason: "inflates beyond its declared \(entry.uncompressedSize) bytes")
        }
        if produced > limits.ratioGrace && produced / max(compressed, 1) > limits.maxRatio {
            throw ZipError(entry: entry.name, reason: "inflates more than \(limits.maxRatio) times its compressed size (a zip bomb?)")
        }
        crc = CRC32.checksum(chunk, seed: crc)
    }

    private func finish() throws {
        if produced != entry.uncompressedSize {
            throw ZipError(entry: entry.name, reason: "has \(produced) bytes, the directory says \(entry.uncompressedSize)")
        }
        if crc != entry.crc32 {
            throw ZipError(entry: entry.name, reason: "CRC-32 mismatch (damaged archive)")
        }
        if let inflater, UInt64(inflater.compressedCount) > entry.compressedSize {
            throw ZipError(entry: entry.name, reason: "compressed data runs past its declared size")
        }
        if entry.hasDataDescriptor {
            // Signature (optional), CRC-32, compressed and uncompressed sizes.
            let at = dataStart + entry.compressedSize
            let d = try archive.source.read(at: at, count: 16)
            var p = 0
            if d.count >= 4 && ZipReader.u32(d, 0) == 0x0807_4B50 { p = 4 }
            guard d.count >= p + 12 else { throw ZipError(entry: entry.name, reason: "the data descriptor is missing") }
            if ZipReader.u32(d, p) != entry.crc32 || UInt64(ZipReader.u32(d, p + 4)) != entry.compressedSize
                || UInt64(ZipReader.u32(d, p + 8)) != entry.uncompressedSize {
                throw ZipError(entry: entry.name, reason: "the data descriptor disagrees with the central directory")
            }
        }
    }
}
