// FileSegments: one XXH64 per segment of a file's first bytes, whatever the threads; known
// leading segments are reused; a file shorter than asked, or a link, is an error.

import Foundation
import Testing
@testable import OptoutBase
import OptoutTestSupport

@Suite struct FileSegmentsTests {
    static func file(_ t: TempWorkspace, count: Int) throws -> (path: String, bytes: [UInt8]) {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let path = "\(t.root)/data.bin"
        try Durable.writeFile(path, bytes, mode: 0o600)
        return (path, bytes)
    }

    @Test(arguments: [0, 1, 999, 1_000, 10_500])
    func eachSegmentHasTheChecksumOfItsBytes(length: Int) throws {
        let t = try TempWorkspace()
        let (path, bytes) = try Self.file(t, count: 12_000)
        let sums = try FileSegments.checksums(path: path, length: length, segmentSize: 1_000)
        let expected = stride(from: 0, to: length, by: 1_000).map { start in
            Array(bytes[start..<min(length, start + 1_000)]).withUnsafeBytes { XXH64.hash($0) }
        }
        #expect(sums == expected)
    }

    /// Known whole segments are taken as given (not read): a wrong known value stays wrong,
    /// and only whole segments are reused (a known short last one is read again).
    @Test func knownWholeSegmentsAreReused() throws {
        let t = try TempWorkspace()
        let (path, _) = try Self.file(t, count: 5_000)
        let truth = try FileSegments.checksums(path: path, length: 4_500, segmentSize: 1_000)
        let reused = try FileSegments.checksums(path: path, length: 4_500, segmentSize: 1_000, known: [7, 8, 9, 10, 11])
        #expect(reused == [7, 8, 9, 10, truth[4]])
    }

    @Test func aShorterFileOrALinkIsAnError() throws {
        let t = try TempWorkspace()
        let (path, _) = try Self.file(t, count: 3_000)
        #expect(throws: OptoutError.self) { try FileSegments.checksums(path: path, length: 3_001, segmentSize: 1_000) }
        let link = "\(t.root)/link.bin"
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: path)
        #expect(throws: OptoutError.self) { try FileSegments.checksums(path: link, length: 100, segmentSize: 1_000) }
    }
}

@Suite struct BinaryFieldsTests {
    @Test func valuesAndArraysReadBackAndNothingPastTheEnd() {
        var out = BinaryWriter()
        out.put(UInt32(0xA1B2_C3D4))
        out.put(Int64(-2))
        out.put(array: [UInt64(1), 2, UInt64.max])
        #expect(Array(out.bytes.prefix(4)) == [0xD4, 0xC3, 0xB2, 0xA1])   // little-endian
        out.bytes.withUnsafeBytes { raw in
            var reader = BinaryReader(raw)
            #expect(reader.get(UInt32.self) == 0xA1B2_C3D4)
            #expect(reader.get(Int64.self) == -2)
            #expect(reader.get(array: UInt64.self, count: 4) == nil)    // more than is left
            #expect(reader.get(array: UInt64.self, count: -1) == nil)
            #expect(reader.get(array: UInt64.self, count: 3) == [1, 2, UInt64.max])
            #expect(reader.remaining == 0)
            #expect(reader.get(UInt8.self) == nil)
        }
    }
}
