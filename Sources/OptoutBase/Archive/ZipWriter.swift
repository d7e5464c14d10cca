// ZipWriter.swift: writes a ZIP archive of stored (uncompressed) entries into an AtomicFile.
//
// Input: entries in order, each a name and its bytes (from memory, or streamed from an open file
// descriptor in chunks, never whole), and one modification time for every entry (so the same
// entries and time give the same bytes). Output: local headers, data, central directory and end
// record appended to the AtomicFile; the caller commits it. CRC-32 per entry (OptoutBase CRC32).
// A streamed entry (`beginStreamed`, `streamed`, `endStreamed`) is written as its bytes come, its
// CRC computed as written and its local header's CRC and sizes patched in place at the end
// (AtomicFile.overwrite): the same bytes as `add` of the whole, with one write of the data.
// No ZIP64, no data descriptors: an entry or an archive over 4 GiB - 1, or more than 65,535
// entries, fails with a reason. Failures: `OptoutError` (I/O, or the limits above).

#if canImport(Glibc)
import Glibc
#endif

/// Writes a stored-entries ZIP (PKWARE APPNOTE 6.3: local header, data, central directory, EOCD).
package struct ZipWriter {
    private let file: AtomicFile
    private let dosTime: UInt16
    private let dosDate: UInt16
    private var offset: UInt64 = 0
    private var central: [UInt8] = []
    private var entries = 0
    /// Largest size or offset a ZIP without ZIP64 can record.
    package static let sizeLimit: UInt64 = 0xFFFF_FFFF

    /// - Parameter modified: the time every entry carries (UTC, as MS-DOS date and time; before
    ///   1980 becomes 1980-01-01 00:00:00, the earliest a DOS date holds).
    package init(file: AtomicFile, modified: Timestamp) {
        self.file = file
        (dosTime, dosDate) = ZipWriter.dosDateTime(modified)
    }

    /// MS-DOS time (2-second resolution) and date of a UTC timestamp.
    package static func dosDateTime(_ t: Timestamp) -> (time: UInt16, date: UInt16) {
        let earliest = Timestamp.days(year: 1980, month: 1, day: 1) * 86400
        let s = max(t.seconds, earliest)
        let (year, month, day, hh, mm, ss) = Timestamp.civil(s)
        let y = min(max(year - 1980, 0), 127)
        let time = UInt16(hh) << 11 | UInt16(mm) << 5 | UInt16(ss / 2)
        let date = UInt16(y) << 9 | UInt16(month) << 5 | UInt16(day)
        return (time, date)
    }

    /// Adds an entry held in memory.
    package mutating func add(name: String, bytes: [UInt8]) throws(OptoutError) {
        try header(name: name, size: UInt64(bytes.count), crc: CRC32.checksum(bytes))
        try file.write(bytes)
        offset += UInt64(bytes.count)
    }

    /// Adds an entry made of `prefix`, then `size` bytes read from `fd` at offsets 0..<size, then
    /// `suffix`. The descriptor is read twice in 1 MiB chunks (once for the CRC, once to copy),
    /// never whole. `path` names the data in an error.
    package mutating func add(name: String, prefix: [UInt8], fd: Int32, size: UInt64, suffix: [UInt8], path: String) throws(OptoutError) {
        var crc = CRC32.checksum(prefix)
        try ZipWriter.readRange(fd, size: size, path: path) { crc = CRC32.checksum($0, seed: crc) }
        crc = CRC32.checksum(suffix, seed: crc)
        let total = UInt64(prefix.count) + size + UInt64(suffix.count)
        try header(name: name, size: total, crc: crc)
        try file.write(prefix)
        var failure: OptoutError?
        try ZipWriter.readRange(fd, size: size, path: path) { chunk in
            guard failure == nil else { return }
            do throws(OptoutError) { try file.append { $0.append(contentsOf: chunk) } } catch { failure = error }
        }
        if let failure { throw failure }
        try file.write(suffix)
        offset += total
    }

    /// The entry being streamed: its name, local header offset, CRC and size so far.
    private var open: (name: [UInt8], header: UInt64, crc: UInt32, size: UInt64)?

    /// Starts an entry whose bytes come in pieces (`streamed`); its local header is written now
    /// with a zero CRC and sizes and patched by `endStreamed`.
    package mutating func beginStreamed(name: String) throws(OptoutError) {
        precondition(open == nil)
        guard offset <= ZipWriter.sizeLimit else { throw tooLarge("the archive") }
        guard entries < 0xFFFF else { throw .io(path: file.path, reason: "more than 65,535 entries in one ZIP") }
        let nameBytes = Array(name.utf8)
        var local: [UInt8] = []
        le32(0x0403_4B50, &local)
        common(nameBytes, size: 0, crc: 0, &local)
        local.append(contentsOf: nameBytes)
        try file.write(local)
        open = (nameBytes, offset, 0, 0)
        offset += UInt64(local.count)
    }

    /// Appends bytes of the streamed entry (a large block goes to the file without a copy).
    package mutating func streamed(_ bytes: [UInt8]) throws(OptoutError) {
        guard var entry = open else { preconditionFailure("no streamed entry") }
        entry.crc = CRC32.checksum(bytes, seed: entry.crc)
        entry.size += UInt64(bytes.count)
        open = entry
        try file.writeBlock(bytes)
    }

    /// Ends the streamed entry: its CRC and sizes patched into its local header, its central entry added.
    package mutating func endStreamed() throws(OptoutError) {
        guard let entry = open else { preconditionFailure("no streamed entry") }
        open = nil
        guard entry.size <= ZipWriter.sizeLimit else { throw tooLarge(String(decoding: entry.name, as: UTF8.self)) }
        var patch: [UInt8] = []
        le32(entry.crc, &patch)
        le32(UInt32(entry.size), &patch)
        le32(UInt32(entry.size), &patch)
        try file.overwrite(patch, at: Int(entry.header) + 14)   // after signature, version, flags, method, time, date
        appendCentral(entry.name, size: entry.size, crc: entry.crc, at: entry.header)
        offset += entry.size
        entries += 1
    }

    /// Writes the central directory and the end record. The caller then commits the file.
    package mutating func finish() throws(OptoutError) {
        precondition(open == nil, "a streamed entry was not ended")
        guard offset + UInt64(central.count) <= ZipWriter.sizeLimit else { throw tooLarge("the archive") }
        var end: [UInt8] = []
        le32(0x0605_4B50, &end)
        le16(0, &end); le16(0, &end)  // this disk, disk with the central directory
        le16(UInt16(entries), &end); le16(UInt16(entries), &end)
        le32(UInt32(central.count), &end)
        le32(UInt32(offset), &end)
        le16(0, &end)  // no comment
        try file.write(central)
        try file.write(end)
        offset += UInt64(central.count + end.count)
        central = []
    }

    private mutating func header(name: String, size: UInt64, crc: UInt32) throws(OptoutError) {
        guard size <= ZipWriter.sizeLimit else { throw tooLarge(name) }
        guard offset <= ZipWriter.sizeLimit else { throw tooLarge("the archive") }
        guard entries < 0xFFFF else { throw .io(path: file.path, reason: "more than 65,535 entries in one ZIP") }
        let nameBytes = Array(name.utf8)
        var local: [UInt8] = []
        le32(0x0403_4B50, &local)
        common(nameBytes, size: size, crc: crc, &local)
        local.append(contentsOf: nameBytes)
        appendCentral(nameBytes, size: size, crc: crc, at: offset)
        try file.write(local)
        offset += UInt64(local.count)
        entries += 1
    }

    /// The central directory entry of an entry whose local header is at `header`.
    private mutating func appendCentral(_ nameBytes: [UInt8], size: UInt64, crc: UInt32, at header: UInt64) {
        le32(0x0201_4B50, &central)
        le16(20, &central)  // made by: version 2.0, MS-DOS attributes
        common(nameBytes, size: size, crc: crc, &central)
        le16(0, &central)  // comment length
        le16(0, &central)  // disk number
        le16(0, &central)  // internal attributes
        le32(0, &central)  // external attributes
        le32(UInt32(header), &central)
        central.append(contentsOf: nameBytes)
    }

    /// The fields local and central headers share: version needed .. extra field length.
    private func common(_ name: [UInt8], size: UInt64, crc: UInt32, _ out: inout [UInt8]) {
        le16(10, &out)  // version needed: 1.0 (stored)
        le16(0x0800, &out)  // flags: names are UTF-8
        le16(0, &out)  // method: stored
        le16(dosTime, &out)
        le16(dosDate, &out)
        le32(crc, &out)
        le32(UInt32(size), &out)
        le32(UInt32(size), &out)
        le16(UInt16(name.count), &out)
        le16(0, &out)  // extra field length
    }

    private func tooLarge(_ what: String) -> OptoutError {
        .io(path: file.path, reason: "\(what) would be over 4 GiB, more than a ZIP without ZIP64 holds")
    }

    /// Reads bytes 0..<size of `fd` (with pread, so the descriptor's offset does not matter).
    static func readRange(_ fd: Int32, size: UInt64, path: String, _ body: (UnsafeRawBufferPointer) -> Void) throws(OptoutError) {
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        var at: UInt64 = 0
        while at < size {
            let want = Int(min(UInt64(chunk.count), size - at))
            let n = chunk.withUnsafeMutableBytes { pread(fd, $0.baseAddress, want, off_t(at)) }
            if n < 0 {
                if errno == EINTR { continue }
                throw .io(path: path, reason: errnoText())
            }
            if n == 0 { throw .io(path: path, reason: "ended after \(at) of \(size) bytes") }
            chunk.withUnsafeBytes { body(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
            at += UInt64(n)
        }
    }
}

@inline(__always) private func le16(_ v: UInt16, _ out: inout [UInt8]) {
    out.append(UInt8(v & 0xFF)); out.append(UInt8(v >> 8))
}

@inline(__always) private func le32(_ v: UInt32, _ out: inout [UInt8]) {
    out.append(UInt8(v & 0xFF)); out.append(UInt8((v >> 8) & 0xFF))
    out.append(UInt8((v >> 16) & 0xFF)); out.append(UInt8(v >> 24))
}
