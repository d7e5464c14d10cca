// CSVTestSupport.swift — helpers for the CSV tests: encoders for hostile fixtures, a seeded
// random generator, a temp-file writer, and a "read everything" driver for CSVReader.

import Foundation
@testable import OptoutBase
@testable import OptoutKit
@testable import OptoutPhone
import OptoutTestSupport

/// Everything a reader produced for one input.
struct CSVReadResult: Equatable {
    var encoding: TextEncoding
    var delimiter: UInt8
    var records: [[String]]
    var lines: [Int]
}

enum CSVFixtures {
    /// Reads all records of `bytes` with a raw read block of `bufferSize` bytes.
    /// `sniffBytes` is how much is decoded before parsing starts: keep it tiny (with an explicit
    /// delimiter) to make the parser, not only the decoder, meet every block boundary.
    static func readAll(_ bytes: [UInt8], delimiter: UInt8? = nil, bufferSize: Int = CSVReader.defaultBufferSize,
                        maxRecordBytes: Int = 16 << 20, sniffBytes: Int = CSVReader.defaultSniffBytes) throws(CSVError) -> CSVReadResult {
        let reader = try CSVReader(bytes: bytes, delimiter: delimiter, maxRecordBytes: maxRecordBytes, bufferSize: bufferSize,
                                   sniffBytes: sniffBytes)
        return try drain(reader)
    }

    static func drain(_ reader: CSVReader) throws(CSVError) -> CSVReadResult {
        var records: [[String]] = []
        var lines: [Int] = []
        while try reader.next() {
            records.append((0..<reader.fieldCount).map { reader.string($0) })
            lines.append(reader.line)
        }
        return CSVReadResult(encoding: reader.encoding, delimiter: reader.delimiter, records: records, lines: lines)
    }

    /// The error thrown while opening or reading `bytes`, or nil when all went through.
    static func error(_ bytes: [UInt8], delimiter: UInt8? = nil, bufferSize: Int = CSVReader.defaultBufferSize,
                      maxRecordBytes: Int = 16 << 20, sniffBytes: Int = CSVReader.defaultSniffBytes) -> CSVError? {
        do {
            _ = try readAll(bytes, delimiter: delimiter, bufferSize: bufferSize, maxRecordBytes: maxRecordBytes, sniffBytes: sniffBytes)
            return nil
        } catch {
            return error
        }
    }

    static func utf8(_ s: String) -> [UInt8] { Array(s.utf8) }
    static func utf8BOM(_ s: String) -> [UInt8] { [0xEF, 0xBB, 0xBF] + Array(s.utf8) }

    static func utf16LE(_ s: String, bom: Bool = true) -> [UInt8] {
        var out: [UInt8] = bom ? [0xFF, 0xFE] : []
        for u in s.utf16 { out.append(UInt8(u & 0xFF)); out.append(UInt8(u >> 8)) }
        return out
    }

    static func utf16BE(_ s: String, bom: Bool = true) -> [UInt8] {
        var out: [UInt8] = bom ? [0xFE, 0xFF] : []
        for u in s.utf16 { out.append(UInt8(u >> 8)); out.append(UInt8(u & 0xFF)) }
        return out
    }

    /// Encodes `s` in Windows-1252 (test strings use only characters it has).
    static func cp1252(_ s: String) -> [UInt8] {
        var out: [UInt8] = []
        for scalar in s.unicodeScalars {
            let v = scalar.value
            if v < 0x80 || (v >= 0xA0 && v <= 0xFF) {
                out.append(UInt8(v))
            } else if let i = Transcoder.cp1252High.firstIndex(of: UInt16(v)) {
                out.append(UInt8(0x80 + i))
            } else {
                preconditionFailure("not in Windows-1252: \(scalar)")
            }
        }
        return out
    }

    /// Writes `bytes` to a new file in a fresh temp directory; returns its path.
    static func tempFile(_ bytes: [UInt8], name: String = "input.csv") throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("csvtests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let url = dir.appendingPathComponent(name)
        try Data(bytes).write(to: url)
        return url.path
    }

    static func removeTemp(_ path: String) {
        try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent)
    }
}

/// SplitMix64: a small seeded generator so fuzz-style tests are repeatable.
struct CSVTestRandom: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
