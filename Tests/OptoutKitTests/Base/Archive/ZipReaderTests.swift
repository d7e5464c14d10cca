// ZipReaderTests.swift: the ZIP reader on archives made by Python's zipfile: stored and deflated
// entries, data descriptors (written by zipfile to a non-seekable stream), names, streaming in
// chunks; refusals naming the entry: a zip bomb (by ratio, by size cap, and one whose directory
// lies about its size), a CRC mismatch, ZIP64, overlapping entries, not a ZIP.
// Skips with a printed reason when python3 is missing (fails under CI=true).

import Foundation
import Testing
@testable import OptoutBase

@Suite("ZipReader")
struct ZipReaderTests {
    static let script = """
    import zipfile, io, random
    r = random.Random(7)
    text = ''.join(r.choice(['opt', 'out', ' STOP', '\\n', '+447911123456,']) for _ in range(200000)).encode()
    noise = bytes(r.getrandbits(8) for _ in range(100000))
    open('text', 'wb').write(text)
    open('noise', 'wb').write(noise)
    with zipfile.ZipFile('plain.zip', 'w') as z:
        z.writestr(zipfile.ZipInfo('mimetype'), b'application/vnd.oasis.opendocument.spreadsheet')
        z.writestr('xl/worksheets/sheet1.xml', text, compress_type=zipfile.ZIP_DEFLATED)
        z.writestr('noise.bin', noise, compress_type=zipfile.ZIP_DEFLATED)
        z.writestr('dir/', b'')
        z.writestr('Données/é.txt', 'é'.encode(), compress_type=zipfile.ZIP_DEFLATED)
        z.writestr('empty.txt', b'', compress_type=zipfile.ZIP_DEFLATED)
    class Stream:
        def __init__(self, f): self.f = f
        def write(self, b): return self.f.write(b)
        def flush(self): pass
    with open('stream.zip', 'wb') as f:
        with zipfile.ZipFile(Stream(f), 'w') as z:
            with z.open('xl/worksheets/sheet1.xml', 'w') as e: e.write(text)
            z.writestr('stored.txt', noise[:1000], compress_type=zipfile.ZIP_STORED)
    with zipfile.ZipFile('bomb.zip', 'w', zipfile.ZIP_DEFLATED) as z:
        with z.open('xl/worksheets/sheet1.xml', 'w') as e:
            block = b'\\0' * (1 << 20)
            for _ in range(64): e.write(block)
    """

    func all(_ reader: ZipReader, _ name: String, chunk: ((Int) -> Void)? = nil) throws -> [UInt8] {
        let entry = try #require(reader.entry(named: name))
        let stream = try reader.open(entry)
        var out: [UInt8] = []
        while let next = try stream.next() { chunk?(next.count); out += next }
        return out
    }

    func zipError(_ body: () throws -> Void) -> ZipError? {
        do { try body(); return nil } catch let error as ZipError { return error } catch { return nil }
    }

    @Test("stored and deflated entries, names, a directory and an empty entry")
    func plain() throws {
        let temp = ArchiveTemp()
        guard temp.python(ZipReaderTests.script) else { return }
        let reader = try ZipReader(path: temp.path + "/plain.zip")
        #expect(reader.entries.map(\.name) == ["mimetype", "xl/worksheets/sheet1.xml", "noise.bin", "dir/", "Données/é.txt", "empty.txt"])
        #expect(reader.entries[0].method == 0)
        #expect(reader.entries[1].method == 8)
        #expect(reader.entries[3].isDirectory)
        #expect(String(decoding: try all(reader, "mimetype"), as: UTF8.self) == "application/vnd.oasis.opendocument.spreadsheet")
        var chunks: [Int] = []
        #expect(try all(reader, "xl/worksheets/sheet1.xml", chunk: { chunks.append($0) }) == temp.bytes("text"))
        #expect(chunks.count > 1, "streamed in several chunks")
        #expect(try all(reader, "noise.bin") == temp.bytes("noise"))
        #expect(try all(reader, "Données/é.txt") == Array("é".utf8))
        #expect(try all(reader, "empty.txt") == [])
        let entry = try #require(reader.entry(named: "noise.bin"))
        #expect(try reader.contents(of: entry) == temp.bytes("noise"))
        #expect(zipError { _ = try reader.contents(of: entry, maxBytes: 1000) }?.entry == "noise.bin")
    }

    @Test("entries with data descriptors (written to a non-seekable stream)")
    func dataDescriptors() throws {
        let temp = ArchiveTemp()
        guard temp.python(ZipReaderTests.script) else { return }
        let bytes = temp.bytes("stream.zip")
        let reader = try ZipReader(bytes: bytes)
        #expect(reader.entries.allSatisfy { $0.hasDataDescriptor })
        #expect(try all(reader, "xl/worksheets/sheet1.xml") == temp.bytes("text"))
        #expect(try all(reader, "stored.txt") == Array(temp.bytes("noise")[0..<1000]))
        // A descriptor that disagrees with the directory is refused.
        let entry = try #require(reader.entry(named: "stored.txt"))
        let headerName = 30 + entry.name.utf8.count
        var bad = bytes
        let descriptor = Int(entry.localHeaderOffset) + headerName + Int(entry.compressedSize)
        #expect(ZipReader.u32(bad, descriptor) == 0x0807_4B50)
        bad[descriptor + 12] ^= 1  // the uncompressed size
        let error = zipError { _ = try all(ZipReader(bytes: bad), "stored.txt") }
        #expect(error?.entry == "stored.txt")
        #expect(error?.reason.contains("data descriptor") == true)
    }

    @Test("a zip bomb is refused naming the entry: by ratio, by size cap, and when its directory lies")
    func bombs() throws {
        let temp = ArchiveTemp()
        guard temp.python(ZipReaderTests.script) else { return }
        let bytes = temp.bytes("bomb.zip")
        let name = "xl/worksheets/sheet1.xml"
        let ratio = zipError { _ = try all(ZipReader(bytes: bytes), name) }
        #expect(ratio?.entry == name)
        #expect(ratio?.reason.contains("ratio above 250") == true, "\(String(describing: ratio))")
        let capped = zipError { _ = try all(ZipReader(bytes: bytes, limits: ZipLimits(maxEntryBytes: 1 << 20, maxRatio: 10_000)), name) }
        #expect(capped?.reason.contains("more than the 1048576 allowed") == true, "\(String(describing: capped))")
        // The directory says 1 MiB; the data inflates to 64 MiB.
        var lying = bytes
        let reader = try ZipReader(bytes: bytes)
        let entry = try #require(reader.entry(named: name))
        var p = lying.count - 22
        while ZipReader.u32(lying, p) != 0x0201_4B50 { p -= 1 }
        lying[p + 24] = 0; lying[p + 25] = 0; lying[p + 26] = 0x10; lying[p + 27] = 0  // 1 MiB
        #expect(entry.uncompressedSize == 64 << 20)
        let lie = zipError { _ = try all(ZipReader(bytes: lying, limits: ZipLimits(maxRatio: 10_000)), name) }
        #expect(lie?.entry == name)
        #expect(lie?.reason.contains("inflates beyond its declared 1048576 bytes") == true, "\(String(describing: lie))")
        let ratioWhileInflating = zipError { _ = try all(ZipReader(bytes: lying, limits: ZipLimits(maxRatio: 100, ratioGrace: 4096)), name) }
        #expect(ratioWhileInflating?.reason.contains("inflates more than 100 times") == true, "\(String(describing: ratioWhileInflating))")
    }

    @Test("damage: a CRC mismatch, ZIP64, overlapping entries, not a ZIP")
    func damage() throws {
        let temp = ArchiveTemp()
        guard temp.python(ZipReaderTests.script) else { return }
        var bytes = temp.bytes("plain.zip")
        let reader = try ZipReader(bytes: bytes)
        let mimetype = try #require(reader.entry(named: "mimetype"))
        bytes[Int(mimetype.localHeaderOffset) + 30 + 8 + 3] ^= 0x20
        let crc = zipError { _ = try all(ZipReader(bytes: bytes), "mimetype") }
        #expect(crc?.entry == "mimetype")
        #expect(crc?.reason.contains("CRC-32 mismatch") == true)

        let end = Array(bytes.suffix(22))
        let zip64 = zipError { _ = try ZipReader(bytes: Array(bytes.dropLast(22)) + [0x50, 0x4B, 0x06, 0x07] + [UInt8](repeating: 0, count: 16) + end) }
        #expect(zip64?.reason.contains("ZIP64") == true, "\(String(describing: zip64))")

        // Point the second entry's local header at the first's: they overlap.
        var overlapping = temp.bytes("plain.zip")
        var p = overlapping.count - 22
        var records: [Int] = []
        while p > 0 { if ZipReader.u32(overlapping, p) == 0x0201_4B50 { records.append(p) }; p -= 1 }
        let second = records.sorted()[1]
        for k in 0..<4 { overlapping[second + 42 + k] = 0 }
        let overlap = zipError { _ = try ZipReader(bytes: overlapping) }
        #expect(overlap?.reason.contains("overlaps") == true, "\(String(describing: overlap))")

        let notZip = zipError { _ = try ZipReader(bytes: Array("name,phone\nA,+447911123456\n".utf8)) }
        #expect(notZip?.reason.contains("not a ZIP archive") == true)
    }
}
