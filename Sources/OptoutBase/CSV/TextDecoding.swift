// TextDecoding.swift — byte input, encoding detection and chunked transcoding to UTF-8.
//
// Inputs: a file path (read with Glibc `open`/`read` in fixed-size blocks) or bytes in memory.
// Outputs: `TextEncoding` of the input (BOM first; then UTF-16 without BOM by the alternating NUL
// pattern; then a whole-input UTF-8 validation pass; Windows-1252 when that fails), and a
// `Transcoder` that turns the input into UTF-8 one block at a time, carrying split UTF-16 code
// units and surrogate pairs across block boundaries.
// Failures: `CSVError.io` (cannot open/read/seek), `CSVError.empty` (0 bytes or only a BOM),
// `CSVError.undecodable` (UTF-16 text with an odd number of bytes).
// Decoding choices: the Windows-1252 bytes left undefined by the code page (0x81, 0x8D, 0x8F,
// 0x90, 0x9D) and lone UTF-16 surrogates become U+FFFD; a UTF-8 file with a BOM is passed through
// unvalidated (String creation repairs any invalid sequence with U+FFFD).

import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The character encoding a CSV input was found to use.
package enum TextEncoding: String, Sendable {
    case utf8 = "UTF-8"
    case utf8WithBOM = "UTF-8 (BOM)"
    case utf16LE = "UTF-16LE"
    case utf16BE = "UTF-16BE"
    case windows1252 = "Windows-1252"
}

// MARK: - Raw byte input

/// `read(2)`, named apart from `ByteInput.read`.
private func systemRead(_ fd: Int32, _ dest: UnsafeMutablePointer<UInt8>, _ count: Int) -> Int {
    read(fd, dest, count)
}

/// A readable, rewindable source of raw bytes: a file descriptor or an in-memory array.
final class ByteInput {
    private let fd: Int32
    private let memory: [UInt8]
    private var memoryOffset = 0

    /// Opens `path` for reading; `.io` with the system's reason when that fails.
    init(path: String) throws(CSVError) {
        let descriptor = path.withCString { open($0, O_RDONLY | O_CLOEXEC) }
        if descriptor < 0 {
            throw CSVError(kind: .io, line: 0, reason: "cannot open the file: \(errnoText(errno))")
        }
        fd = descriptor
        memory = []
    }

    init(bytes: [UInt8]) {
        fd = -1
        memory = bytes
    }

    deinit {
        if fd >= 0 { close(fd) }
    }

    /// The open file's descriptor (nil for bytes in memory), for reads at an offset.
    var fileDescriptor: Int32? { fd >= 0 ? fd : nil }

    /// The open file's size now (nil for bytes in memory, or when fstat fails).
    var fileSize: Int? {
        guard fd >= 0 else { return nil }
        var st = stat()
        return fstat(fd, &st) == 0 ? Int(st.st_size) : nil
    }

    /// Reads up to `max` bytes into `into`; returns 0 only at end of input.
    func read(into dest: UnsafeMutablePointer<UInt8>, max: Int) throws(CSVError) -> Int {
        if max <= 0 { return 0 }
        if fd < 0 {
            let n = Swift.min(max, memory.count - memoryOffset)
            if n <= 0 { return 0 }
            memory.withUnsafeBufferPointer { src in
                dest.update(from: src.baseAddress! + memoryOffset, count: n)
            }
            memoryOffset += n
            return n
        }
        switch valueOrErrno({ systemRead(fd, dest, max) }) {
        case .success(let n): return n
        case .failure(let failure): throw CSVError(kind: .io, line: 0, reason: "cannot read the file: \(failure)")
        }
    }

    /// Moves the read position to `offset` bytes from the start.
    func seek(to offset: Int) throws(CSVError) {
        if fd < 0 {
            memoryOffset = Swift.min(offset, memory.count)
            return
        }
        if lseek(fd, off_t(offset), SEEK_SET) < 0 {
            throw CSVError(kind: .io, line: 0, reason: "cannot seek in the file: \(errnoText(errno))")
        }
    }
}

// MARK: - UTF-8 validation

/// Incremental UTF-8 validator (Unicode Table 3-7: no overlongs, no surrogates, ≤ U+10FFFF).
/// Feed it any split of the input; `isValid` at the end tells whether the whole was valid UTF-8.
struct UTF8Validator {
    private var need = 0          // continuation bytes still expected
    private var low: UInt8 = 0x80 // allowed range of the next continuation byte
    private var high: UInt8 = 0xBF
    private(set) var failed = false

    /// True when everything fed so far is valid and no sequence is left open.
    var isValid: Bool { !failed && need == 0 }

    mutating func feed(_ p: UnsafePointer<UInt8>, count n: Int) {
        if failed { return }
        var i = 0
        let raw = UnsafeRawPointer(p)
        while i < n {
            if need == 0 {
                // Fast path: skip ASCII 32 bytes at a time, then eight at a time.
                while i &+ 32 <= n,
                      (raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)
                        | raw.loadUnaligned(fromByteOffset: i &+ 8, as: UInt64.self)
                        | raw.loadUnaligned(fromByteOffset: i &+ 16, as: UInt64.self)
                        | raw.loadUnaligned(fromByteOffset: i &+ 24, as: UInt64.self)) & 0x8080_8080_8080_8080 == 0 {
                    i &+= 32
                }
                while i &+ 8 <= n,
                      raw.loadUnaligned(fromByteOffset: i, as: UInt64.self) & 0x8080_8080_8080_8080 == 0 {
                    i &+= 8
                }
                if i >= n { return }
                let b = p[i]
                i &+= 1
                if b < 0x80 { continue }
                switch b {
                case 0xC2...0xDF: need = 1; low = 0x80; high = 0xBF
                case 0xE0: need = 2; low = 0xA0; high = 0xBF
                case 0xE1...0xEC, 0xEE, 0xEF: need = 2; low = 0x80; high = 0xBF
                case 0xED: need = 2; low = 0x80; high = 0x9F
                case 0xF0: need = 3; low = 0x90; high = 0xBF
                case 0xF1...0xF3: need = 3; low = 0x80; high = 0xBF
                case 0xF4: need = 3; low = 0x80; high = 0x8F
                default: failed = true; return
                }
            } else {
                let b = p[i]
                i &+= 1
                if b < low || b > high { failed = true; return }
                need -= 1
                low = 0x80
                high = 0xBF
            }
        }
    }
}

// MARK: - Detection

enum EncodingDetector {
    /// Size of the blocks read by the detection pass (independent of the reader's buffer size).
    static let blockSize = 256 << 10

    /// Detects the encoding of `input` and returns it with the length of its byte-order mark.
    /// Reads the whole input when there is no BOM (UTF-8 validation); leaves the read position
    /// anywhere (the caller seeks to `bomLength`). Throws `.empty` for 0 bytes or a lone BOM.
    static func detect(_ input: ByteInput) throws(CSVError) -> (encoding: TextEncoding, bomLength: Int) {
        let block = UnsafeMutablePointer<UInt8>.allocate(capacity: blockSize)
        defer { block.deallocate() }
        // First block: BOM and UTF-16 heuristics look only here.
        var first = 0
        while first < blockSize {
            let n = try input.read(into: block + first, max: blockSize - first)
            if n == 0 { break }
            first += n
        }
        if first == 0 {
            throw CSVError(kind: .empty, line: 0, reason: "the file is empty (0 bytes)")
        }
        let head = UnsafeBufferPointer(start: block, count: first)
        var found: (TextEncoding, Int)? = nil
        if first >= 3, head[0] == 0xEF, head[1] == 0xBB, head[2] == 0xBF {
            found = (.utf8WithBOM, 3)
        } else if first >= 2, head[0] == 0xFF, head[1] == 0xFE {
            found = (.utf16LE, 2)
        } else if first >= 2, head[0] == 0xFE, head[1] == 0xFF {
            found = (.utf16BE, 2)
        }
        if let (encoding, bom) = found {
            if first == bom {
                throw CSVError(kind: .empty, line: 0, reason: "the file holds only a byte-order mark")
            }
            return (encoding, bom)
        }
        if let utf16 = utf16WithoutBOM(head) { return (utf16, 0) }
        var validator = UTF8Validator()
        validator.feed(block, count: first)
        if first == blockSize {
            if let fd = input.fileDescriptor, let size = input.fileSize, size - first >= splitBytes {
                return (try validateSplit(fd: fd, from: first, size: size, validator: validator, block: block) ? .utf8 : .windows1252, 0)
            }
            while !validator.failed {
                let n = try input.read(into: block, max: blockSize)
                if n == 0 { break }
                validator.feed(block, count: n)
            }
        }
        return (validator.isValid ? .utf8 : .windows1252, 0)
    }

    /// Files with at least this many bytes after the first block are validated on two threads.
    static let splitBytes = 8 << 20

    /// Validates a file from byte `from` to its end on two threads (issue 13: 373 MB took 0.13 s
    /// of one core while the other waited): this one reads up to the middle, a thread of its own
    /// from there. The second half starts after the continuation bytes (at most three) found at
    /// the middle; this half reads on through them, so the character split at the middle is
    /// checked whole here, and a fourth continuation byte fails there. `validator`: the state
    /// after the bytes before `from`.
    static func validateSplit(fd: Int32, from: Int, size: Int, validator start: UTF8Validator,
                              block: UnsafeMutablePointer<UInt8>) throws(CSVError) -> Bool {
        let middle = from + (size - from) / 2
        var head: (UInt8, UInt8, UInt8) = (0, 0, 0)
        let got: Int
        switch valueOrErrno({ withUnsafeMutableBytes(of: &head) { pread(fd, $0.baseAddress, 3, off_t(middle)) } }) {
        case .success(let n): got = n
        case .failure(let failure): throw CSVError(kind: .io, line: 0, reason: "cannot read the file: \(failure)")
        }
        var skip = 0
        withUnsafeBytes(of: head) { bytes in
            while skip < got && bytes[skip] & 0xC0 == 0x80 { skip += 1 }
        }
        let second = SplitHalf(fd: fd, from: middle + skip)
        let thread = OutputThread.start { second.run() }
        defer { thread.close() }
        var validator = start
        try feed(&validator, fd: fd, from: from, to: middle + skip, block: block)
        if !validator.isValid { second.stop(); return false }
        try? thread.finish()  // its job does not throw: its result is in `second`
        if let failure = second.failure { throw failure }
        return second.valid
    }

    /// Feeds `validator` the file's bytes from `from` up to `end` (nil: the end of the file), a
    /// block at a time, until it fails or `stopped` says so.
    static func feed(_ validator: inout UTF8Validator, fd: Int32, from: Int, to end: Int?, block: UnsafeMutablePointer<UInt8>,
                     stopped: () -> Bool = { false }) throws(CSVError) {
        var offset = from
        while !validator.failed && !stopped() && offset < end ?? Int.max {
            let want = Swift.min(blockSize, (end ?? Int.max) - offset)
            switch valueOrErrno({ pread(fd, block, want, off_t(offset)) }) {
            case .success(0): return
            case .success(let n):
                validator.feed(block, count: n)
                offset += n
            case .failure(let failure): throw CSVError(kind: .io, line: 0, reason: "cannot read the file: \(failure)")
            }
        }
    }

    /// The second half of `validateSplit`, run on its own thread: its result, read after `finish`.
    final class SplitHalf: @unchecked Sendable {
        let fd: Int32, from: Int
        private(set) var valid = false
        private(set) var failure: CSVError?
        private let stopped = Atomic<Bool>(false)

        init(fd: Int32, from: Int) { (self.fd, self.from) = (fd, from) }

        /// Asks the thread to stop early (the first half already failed).
        func stop() { stopped.store(true, ordering: .relaxed) }

        func run() {
            let block = UnsafeMutablePointer<UInt8>.allocate(capacity: EncodingDetector.blockSize)
            defer { block.deallocate() }
            var validator = UTF8Validator()
            do throws(CSVError) {
                try EncodingDetector.feed(&validator, fd: fd, from: from, to: nil, block: block) { stopped.load(ordering: .relaxed) }
            } catch {
                failure = error
                return
            }
            valid = validator.isValid
        }
    }

    /// UTF-16 without BOM: in the first KiB, at least 75 % of the 16-bit units have a zero high
    /// byte and a non-zero low byte (ASCII-range text), on one side only.
    static func utf16WithoutBOM(_ head: UnsafeBufferPointer<UInt8>) -> TextEncoding? {
        let pairs = Swift.min(head.count, 1024) / 2
        if pairs < 2 { return nil }
        var le = 0
        var be = 0
        for k in 0..<pairs {
            let a = head[2 * k]
            let b = head[2 * k + 1]
            if a != 0 && b == 0 { le += 1 }
            if a == 0 && b != 0 { be += 1 }
        }
        if be == 0 && le * 4 >= pairs * 3 { return .utf16LE }
        if le == 0 && be * 4 >= pairs * 3 { return .utf16BE }
        return nil
    }
}

// MARK: - Transcoding

/// Turns the raw input (positioned after any BOM) into UTF-8, one block at a time.
final class Transcoder {
    let encoding: TextEncoding
    private let input: ByteInput
    /// Raw bytes read per call to `fill`.
    let chunkSize: Int
    private let raw: UnsafeMutablePointer<UInt8>
    /// Raw input bytes consumed so far, BOM included.
    private(set) var rawBytesRead: Int
    /// Set at end of input when UTF-16 text ended with half a code unit.
    private(set) var truncatedTail = false
    private var pendingByte = -1        // UTF-16: first byte of a unit split across blocks
    private var pendingHigh: UInt32 = 0 // UTF-16: high surrogate waiting for its low half
    private var finished = false

    /// The output buffer given to `fill` must hold at least this many bytes.
    var outputCapacity: Int { chunkSize * 3 + 16 }

    init(input: ByteInput, encoding: TextEncoding, bomLength: Int, chunkSize: Int) {
        self.input = input
        self.encoding = encoding
        self.chunkSize = Swift.max(1, chunkSize)
        self.raw = UnsafeMutablePointer<UInt8>.allocate(capacity: self.chunkSize)
        self.rawBytesRead = bomLength
    }

    deinit { raw.deallocate() }

    /// Writes the next UTF-8 bytes to `out` (capacity ≥ `outputCapacity`); 0 means end of input.
    func fill(_ out: UnsafeMutablePointer<UInt8>) throws(CSVError) -> Int {
        while !finished {
            switch encoding {
            case .utf8, .utf8WithBOM:
                let n = try input.read(into: out, max: chunkSize)
                rawBytesRead += n
                if n == 0 { finished = true; return 0 }
                return n
            case .windows1252:
                let n = try input.read(into: raw, max: chunkSize)
                rawBytesRead += n
                if n == 0 { finished = true; return 0 }
                return Transcoder.decode1252(raw, n, out)
            case .utf16LE, .utf16BE:
                let n = try input.read(into: raw, max: chunkSize)
                rawBytesRead += n
                if n == 0 {
                    finished = true
                    var written = 0
                    if pendingHigh != 0 { written = Transcoder.putScalar(0xFFFD, out); pendingHigh = 0 }
                    if pendingByte >= 0 { truncatedTail = true }
                    return written
                }
                let written = decodeUTF16(n, out)
                if written > 0 { return written }
            }
        }
        return 0
    }

    /// Encodes scalar `s` as UTF-8 at `out`; returns the byte count.
    @inline(__always)
    static func putScalar(_ s: UInt32, _ out: UnsafeMutablePointer<UInt8>) -> Int {
        if s < 0x80 {
            out[0] = UInt8(truncatingIfNeeded: s)
            return 1
        } else if s < 0x800 {
            out[0] = UInt8(truncatingIfNeeded: 0xC0 | (s >> 6))
            out[1] = UInt8(truncatingIfNeeded: 0x80 | (s & 0x3F))
            return 2
        } else if s < 0x10000 {
            out[0] = UInt8(truncatingIfNeeded: 0xE0 | (s >> 12))
            out[1] = UInt8(truncatingIfNeeded: 0x80 | ((s >> 6) & 0x3F))
            out[2] = UInt8(truncatingIfNeeded: 0x80 | (s & 0x3F))
            return 3
        } else {
            out[0] = UInt8(truncatingIfNeeded: 0xF0 | (s >> 18))
            out[1] = UInt8(truncatingIfNeeded: 0x80 | ((s >> 12) & 0x3F))
            out[2] = UInt8(truncatingIfNeeded: 0x80 | ((s >> 6) & 0x3F))
            out[3] = UInt8(truncatingIfNeeded: 0x80 | (s & 0x3F))
            return 4
        }
    }

    private func decodeUTF16(_ n: Int, _ out: UnsafeMutablePointer<UInt8>) -> Int {
        let littleEndian = encoding == .utf16LE
        var i = 0
        var w = 0
        while true {
            // Assemble the next 16-bit unit, possibly from a byte left over by the last block.
            let a: Int
            if pendingByte >= 0 {
                a = pendingByte
                pendingByte = -1
            } else {
                if i >= n { break }
                a = Int(raw[i])
                i += 1
            }
            if i >= n {
                pendingByte = a
                break
            }
            let b = Int(raw[i])
            i += 1
            let unit = UInt32(littleEndian ? (a | (b << 8)) : ((a << 8) | b))
            if pendingHigh != 0 {
                if unit >= 0xDC00 && unit <= 0xDFFF {
                    let scalar = 0x10000 + ((pendingHigh - 0xD800) << 10) + (unit - 0xDC00)
                    pendingHigh = 0
                    w += Transcoder.putScalar(scalar, out + w)
                    continue
                }
                pendingHigh = 0
                w += Transcoder.putScalar(0xFFFD, out + w)
            }
            if unit < 0x80 {
                out[w] = UInt8(truncatingIfNeeded: unit)
                w += 1
            } else if unit >= 0xD800 && unit <= 0xDBFF {
                pendingHigh = unit
            } else if unit >= 0xDC00 && unit <= 0xDFFF {
                w += Transcoder.putScalar(0xFFFD, out + w)
            } else {
                w += Transcoder.putScalar(unit, out + w)
            }
        }
        return w
    }

    /// Windows-1252 → UTF-8. 0x00–0x7F and 0xA0–0xFF map to the same code points; 0x80–0x9F
    /// follow the code page; its five undefined bytes become U+FFFD.
    private static func decode1252(_ src: UnsafePointer<UInt8>, _ n: Int, _ out: UnsafeMutablePointer<UInt8>) -> Int {
        var w = 0
        for i in 0..<n {
            let b = src[i]
            if b < 0x80 {
                out[w] = b
                w += 1
            } else if b >= 0xA0 {
                out[w] = 0xC0 | (b >> 6)
                out[w + 1] = 0x80 | (b & 0x3F)
                w += 2
            } else {
                w += putScalar(UInt32(cp1252High[Int(b - 0x80)]), out + w)
            }
        }
        return w
    }

    /// Unicode scalars for Windows-1252 bytes 0x80–0x9F (U+FFFD where the code page has none).
    static let cp1252High: [UInt16] = [
        0x20AC, 0xFFFD, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
        0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0xFFFD, 0x017D, 0xFFFD,
        0xFFFD, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
        0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0xFFFD, 0x017E, 0x0178,
    ]
}
