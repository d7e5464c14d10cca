// ArchiveTestSupport.swift: helpers for the archive and sheet tests: run a Python script in a
// temporary folder (skipping with a printed reason when python3 is missing, failing under
// CI=true), a DEFLATE bit writer with the fixed Huffman code, and chunked sources.

import Foundation
import Testing
@testable import OptoutBase
import OptoutTestSupport

/// A temporary folder for one test, removed when the value is released.
final class ArchiveTemp {
    let path: String

    init() {
        path = NSTemporaryDirectory() + "optout-archive-" + UUID().uuidString
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    func bytes(_ name: String) -> [UInt8] {
        [UInt8](FileManager.default.contents(atPath: "\(path)/\(name)") ?? Data())
    }

    func write(_ name: String, _ bytes: [UInt8]) {
        _ = FileManager.default.createFile(atPath: "\(path)/\(name)", contents: Data(bytes))
    }

    /// Runs `python3 -c script` in this folder. False (after the skip message or CI failure) when
    /// python3 is missing; a failing script is a test failure.
    func python(_ script: String, arguments: [String] = []) -> Bool {
        guard let python = ArchiveTemp.findTool("python3") else {
            return toolAvailable(false, "python3 not found on PATH")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = ["-c", script] + arguments
        process.currentDirectoryURL = URL(fileURLWithPath: path)
        let errors = Pipe()
        process.standardError = errors
        do { try process.run() } catch {
            Issue.record("python3 did not start: \(error)")
            return false
        }
        let stderr = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        if process.terminationStatus != 0 {
            Issue.record("python3 failed: \(String(decoding: stderr, as: UTF8.self))")
            return false
        }
        return true
    }

    static func findTool(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for dir in path.split(separator: ":") {
            let candidate = "\(dir)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }
}

/// A source handing out `bytes` in chunks of `size` (odd sizes split codes across chunks).
func chunkedSource(_ bytes: [UInt8], size: Int) -> () throws -> [UInt8]? {
    var position = 0
    return {
        if position >= bytes.count { return nil }
        let end = min(bytes.count, position + size)
        defer { position = end }
        return Array(bytes[position..<end])
    }
}

/// Inflates `bytes` (fed in chunks of `chunk`) to one array.
func inflateAll(_ bytes: [UInt8], chunk: Int = 4093) throws -> [UInt8] {
    let inflater = Inflater(source: chunkedSource(bytes, size: chunk))
    var out: [UInt8] = []
    while try inflater.read({ out.append(contentsOf: $0) }) {}
    return out
}

/// Writes DEFLATE bits (LSB first) and fixed-Huffman symbols, for hand-made streams.
struct DeflateBitWriter {
    var bytes: [UInt8] = []
    var bitBuffer: UInt64 = 0
    var bitCount = 0

    /// Bits written so far.
    var bitPosition: Int { bytes.count * 8 + bitCount }

    mutating func bits(_ value: Int, _ count: Int) {
        bitBuffer |= UInt64(value) << UInt64(bitCount)
        bitCount += count
        while bitCount >= 8 {
            bytes.append(UInt8(truncatingIfNeeded: bitBuffer))
            bitBuffer >>= 8
            bitCount -= 8
        }
    }

    /// A Huffman code, most significant bit first.
    mutating func code(_ code: Int, _ length: Int) {
        var reversed = 0
        for i in 0..<length where code & (1 << i) != 0 { reversed |= 1 << (length - 1 - i) }
        bits(reversed, length)
    }

    mutating func align() { if bitCount > 0 { bits(0, 8 - bitCount) } }

    /// A fixed-Huffman literal/length symbol (0...287).
    mutating func fixedSymbol(_ s: Int) {
        switch s {
        case 0...143: code(0x30 + s, 8)
        case 144...255: code(0x190 + s - 144, 9)
        case 256...279: code(s - 256, 7)
        default: code(0xC0 + s - 280, 8)
        }
    }

    static let lengthBase = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258]
    static let lengthExtra = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0]
    static let distBase = [1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577]
    static let distExtra = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13]

    /// A match in a fixed-Huffman block.
    mutating func fixedMatch(length: Int, distance: Int) {
        let l = DeflateBitWriter.lengthBase.lastIndex { $0 <= length }!
        fixedSymbol(257 + l)
        if DeflateBitWriter.lengthExtra[l] > 0 { bits(length - DeflateBitWriter.lengthBase[l], DeflateBitWriter.lengthExtra[l]) }
        let d = DeflateBitWriter.distBase.lastIndex { $0 <= distance }!
        code(d, 5)
        if DeflateBitWriter.distExtra[d] > 0 { bits(distance - DeflateBitWriter.distBase[d], DeflateBitWriter.distExtra[d]) }
    }

    mutating func finish() -> [UInt8] {
        align()
        return bytes
    }
}

/// Deterministic pseudo-random numbers (SplitMix64).
struct SplitMix {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
