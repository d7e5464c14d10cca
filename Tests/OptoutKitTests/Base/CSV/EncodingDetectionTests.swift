// Encoding detection of a large file (OptoutBase/CSV/TextDecoding.swift, EncodingDetector): a file
// of more than 8 MiB after its first block is validated as UTF-8 on two threads, split at its
// middle. Whatever falls on the middle (a character split 1, 2 or 3 bytes into it, a character cut
// short, a stray continuation byte, too many continuation bytes), and wherever an invalid byte
// is, the answer is the one a whole-file UTF-8 check gives: UTF-8, or Windows-1252.

import Foundation
import Testing
@testable import OptoutBase

@Suite final class EncodingDetectionTests {
    let dir = NSTemporaryDirectory() + "encoding-\(UUID().uuidString)"

    init() throws { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
    deinit { try? FileManager.default.removeItem(atPath: dir) }

    /// An ASCII list of `size` bytes (lines of "+15551234567,Ann,Lee\n") with `patch` written at
    /// `at` bytes from the middle of the part that the two threads share.
    func file(size: Int, patch: [UInt8], at shift: Int) -> (path: String, bytes: [UInt8]) {
        let line = Array("+15551234567,Ann,Lee\n".utf8)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(size)
        while bytes.count < size { bytes.append(line[bytes.count % line.count]) }
        let first = EncodingDetector.blockSize
        let middle = first + (size - first) / 2
        for (i, b) in patch.enumerated() { bytes[middle + shift + i] = b }
        let path = "\(dir)/list-\(bytes.count)-\(shift)-\(patch.count)-\(patch.first ?? 0).csv"
        FileManager.default.createFile(atPath: path, contents: Data(bytes))
        return (path, bytes)
    }

    /// What a whole-file check says.
    func expected(_ bytes: [UInt8]) -> TextEncoding {
        String(data: Data(bytes), encoding: .utf8) != nil ? .utf8 : .windows1252
    }

    func detect(_ path: String) throws -> TextEncoding {
        try EncodingDetector.detect(ByteInput(path: path)).encoding
    }

    static let size = EncodingDetector.blockSize + EncodingDetector.splitBytes + 4_099

    /// A 4-byte character (U+1F600), a 3-byte one (€) and a 2-byte one (é) starting 0–4 bytes
    /// before the middle: valid wherever they fall.
    @Test(arguments: [[0xF0, 0x9F, 0x98, 0x80], [0xE2, 0x82, 0xAC], [0xC3, 0xA9]] as [[UInt8]], [0, -1, -2, -3, -4])
    func aCharacterAcrossTheMiddleIsUTF8(character: [UInt8], shift: Int) throws {
        let (path, bytes) = file(size: Self.size, patch: character, at: shift)
        #expect(expected(bytes) == .utf8)
        #expect(try detect(path) == .utf8)
    }

    /// Sequences that are not UTF-8, at or around the middle: each is Windows-1252.
    @Test(arguments: [
        ([0x80], 0),                          // a stray continuation byte at the middle
        ([0x80, 0x80, 0x80], 0),              // three of them (the second half starts after them)
        ([0xF0, 0x9F, 0x98, 0x80, 0x80], -1), // a character and one continuation byte too many
        ([0xE2, 0x82], -1),                   // a character cut short, ending at the middle
        ([0xE2], -1),                         // its lead byte alone just before the middle
        ([0xC3], 0),                          // a lead byte at the middle, ASCII after it
        ([0xED, 0xA0, 0x80], -1),             // a surrogate (not allowed in UTF-8)
        ([0xFF], 2_000_000),                  // an invalid byte in the second half only
        ([0xFF], -2_000_000),                 // in the first half only
        ([0xE2, 0x82], 4_096_000),            // a character cut short in the second half
    ] as [([UInt8], Int)])
    func notUTF8AnywhereIsWindows1252(patch: [UInt8], shift: Int) throws {
        let (path, bytes) = file(size: Self.size, patch: patch, at: shift)
        #expect(expected(bytes) == .windows1252)
        #expect(try detect(path) == .windows1252)
    }

    /// A file ending with a character cut short: the second half's end is checked too.
    @Test func aCharacterCutShortAtTheEndIsWindows1252() throws {
        var (path, bytes) = file(size: Self.size, patch: [], at: 0)
        bytes[bytes.count - 1] = 0xE2
        FileManager.default.createFile(atPath: path, contents: Data(bytes))
        #expect(try detect(path) == .windows1252)
    }

    /// Just below the size that splits, and well above it: the same answers as the one-thread pass.
    @Test(arguments: [EncodingDetector.blockSize + EncodingDetector.splitBytes - 1, 3 * EncodingDetector.splitBytes + 7])
    func sizesAroundTheSplit(size: Int) throws {
        let valid = file(size: size, patch: [0xC3, 0xA9], at: -1)
        #expect(try detect(valid.path) == .utf8)
        let invalid = file(size: size, patch: [0xA9], at: 3)
        #expect(try detect(invalid.path) == .windows1252)
    }
}
