// ZipWriterTests: a stored ZIP written by ZipWriter reads back entry for entry through the
// project's ZipReader (names, CRC-32, bytes, including an entry streamed from a descriptor with a
// prefix and suffix) and through Python's zipfile (testzip: every CRC checked), and the same
// entries and time give the same bytes; DOS date and time of a known instant.

import Foundation
import Testing
@testable import OptoutBase
import OptoutTestSupport

@Suite("ZipWriter")
struct ZipWriterTests {
    /// Writes an archive: two entries from memory, one streamed from a descriptor.
    static func archive(at path: String, time: Timestamp, big: [UInt8]) throws {
        let file = try AtomicFile(path: path)
        var zip = ZipWriter(file: file, modified: time)
        try zip.add(name: "a.txt", bytes: Array("hello\n".utf8))
        try zip.add(name: "dir/ünïcode.xml", bytes: [])
        let temp = path + ".data"
        _ = FileManager.default.createFile(atPath: temp, contents: Data(big))
        let fd = open(temp, O_RDONLY)
        defer { close(fd); unlink(temp) }
        try zip.add(name: "big.bin", prefix: Array("<head>".utf8), fd: fd, size: UInt64(big.count), suffix: Array("<tail>".utf8), path: temp)
        try zip.finish()
        try file.commit()
    }

    static let big: [UInt8] = (0..<(3 << 20) + 17).map { UInt8(truncatingIfNeeded: $0 &* 2654435761 >> 13) }

    @Test("entries read back through ZipReader with their CRC, sizes and bytes")
    func readBack() throws {
        let temp = ArchiveTemp()
        let path = "\(temp.path)/out.zip"
        try Self.archive(at: path, time: Timestamp(seconds: 1_795_000_000), big: Self.big)
        let zip = try ZipReader(path: path)
        #expect(zip.entries.map(\.name) == ["a.txt", "dir/ünïcode.xml", "big.bin"])
        #expect(zip.entries.allSatisfy { $0.method == 0 && !$0.hasDataDescriptor })
        #expect(try zip.contents(of: #require(zip.entry(named: "a.txt"))) == Array("hello\n".utf8))
        #expect(try zip.contents(of: #require(zip.entry(named: "dir/ünïcode.xml"))) == [])
        let big = try #require(zip.entry(named: "big.bin"))
        let expected = Array("<head>".utf8) + Self.big + Array("<tail>".utf8)
        #expect(big.crc32 == CRC32.checksum(expected))
        #expect(big.uncompressedSize == UInt64(expected.count))
        #expect(try zip.contents(of: big) == expected)
    }

    @Test("same entries and time give the same bytes; another time changes only the timestamps")
    func deterministic() throws {
        let temp = ArchiveTemp()
        try Self.archive(at: "\(temp.path)/1.zip", time: Timestamp(seconds: 1_795_000_000), big: Array(Self.big.prefix(5000)))
        try Self.archive(at: "\(temp.path)/2.zip", time: Timestamp(seconds: 1_795_000_000), big: Array(Self.big.prefix(5000)))
        try Self.archive(at: "\(temp.path)/3.zip", time: Timestamp(seconds: 1_795_003_600), big: Array(Self.big.prefix(5000)))
        #expect(temp.bytes("1.zip") == temp.bytes("2.zip"))
        #expect(temp.bytes("1.zip") != temp.bytes("3.zip"))
        #expect(temp.bytes("1.zip").count == temp.bytes("3.zip").count)
    }

    @Test("MS-DOS date and time of 2026-11-27T12:32:58Z, and the 1980 floor")
    func dosTime() {
        let t = ZipWriter.dosDateTime(Timestamp(seconds: Timestamp.days(year: 2026, month: 11, day: 27) * 86400 + 12 * 3600 + 32 * 60 + 58))
        #expect(t.date == UInt16(46) << 9 | 11 << 5 | 27)
        #expect(t.time == UInt16(12) << 11 | 32 << 5 | 29)
        let floor = ZipWriter.dosDateTime(Timestamp(seconds: 0))
        #expect(floor.date == 1 << 5 | 1 && floor.time == 0)
    }

    @Test("Python's zipfile reads the archive and every CRC checks")
    func python() throws {
        let temp = ArchiveTemp()
        try Self.archive(at: "\(temp.path)/out.zip", time: Timestamp(seconds: 1_795_000_000), big: Self.big)
        let script = """
        import zipfile
        z = zipfile.ZipFile('out.zip')
        assert z.testzip() is None, z.testzip()
        names = [i.filename for i in z.infolist()]
        assert names == ['a.txt', 'dir/ünïcode.xml', 'big.bin'], names
        assert all(i.compress_type == zipfile.ZIP_STORED for i in z.infolist())
        assert z.getinfo('a.txt').date_time == (2026, 11, 18, 11, 6, 40), z.getinfo('a.txt').date_time
        open('big.out', 'wb').write(z.read('big.bin'))
        """
        guard temp.python(script) else { return }
        #expect(temp.bytes("big.out") == Array("<head>".utf8) + Self.big + Array("<tail>".utf8))
    }
}
