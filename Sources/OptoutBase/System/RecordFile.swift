// Record files: append-only, checksummed, line-based state files (ledger, journal, link index).
// Input: a path. Output: each intact record's payload bytes, in order; appends that are durable
// once `sync()` returns. A record is `<crc32 hex8>\t<payload>\n`. A crash can cut only the last
// record: a final line without its newline or with a bad checksum is a torn tail, reported and
// cut off before the next append; a bad line elsewhere (before an intact record: not what a crash
// leaves) is reported, listed in `damaged` with its line and byte offset, and skipped, never the rest.
// Failures: `OptoutError.io` / `.cannotCreate` naming the path.

#if canImport(Glibc)
import Glibc
#endif

public final class RecordFile {
    public let path: String
    private var file: AppendOnlyFile?
    /// Problems found while loading (corrupt or torn records), for the run's diagnostics.
    public private(set) var problems: [String] = []
    /// Records that failed their checksum before an intact record (not a torn tail), in file order.
    public private(set) var damaged: [DamagedRecord] = []

    /// A damaged record: its line number, byte offset and (first 512) bytes.
    public struct DamagedRecord: Sendable, Equatable {
        public var line: Int
        public var offset: Int
        public var bytes: [UInt8]
    }

    public init(path: String) {
        self.path = path
    }

    /// Streams every intact record's payload to `body`, then repairs a torn tail.
    /// The payload pointer is valid only during the call.
    public func load(_ body: (UnsafeBufferPointer<UInt8>, Int) -> Void) throws(OptoutError) {
        guard Durable.exists(path) else { return }
        var pending: [UInt8] = []
        var lineNumber = 0
        var validEnd = 0        // byte offset just after the last intact record
        var consumed = 0        // byte offset of pending[0]
        var sawBadLast = false
        var bad: [DamagedRecord] = []
        func handle(_ line: UnsafeBufferPointer<UInt8>, end: Int) {
            lineNumber += 1
            if RecordFile.verify(line) {
                body(UnsafeBufferPointer(rebasing: line[9...]), lineNumber)
                validEnd = end
                sawBadLast = false
            } else {
                let offset = end - line.count - 1
                problems.append("\(path): record \(lineNumber) (byte offset \(offset)) is damaged (checksum mismatch); skipped")
                bad.append(DamagedRecord(line: lineNumber, offset: offset, bytes: Array(line.prefix(512))))
                sawBadLast = true
            }
        }
        try Durable.readChunks(path) { chunk in
            pending.append(contentsOf: chunk)
            var start = 0
            pending.withUnsafeBufferPointer { buffer in
                var i = 0
                while i < buffer.count {
                    if buffer[i] == 0x0A {
                        handle(UnsafeBufferPointer(rebasing: buffer[start..<i]), end: consumed + i + 1)
                        start = i + 1
                    }
                    i += 1
                }
            }
            pending.removeFirst(start)
            consumed += start
        }
        let fileEnd = consumed + pending.count
        damaged = bad.filter { $0.offset < validEnd }
        if !pending.isEmpty || (sawBadLast && validEnd < fileEnd) {
            if !pending.isEmpty {
                problems.append("\(path): last record was cut short by a crash (\(fileEnd - validEnd) bytes); ignored and removed")
            } else {
                // The last newline-terminated record is bad: treat it as torn too.
                problems[problems.count - 1] = "\(path): last record is damaged (crash during write); ignored and removed"
            }
            let appender = try openForAppend()
            try appender.truncate(to: validEnd)
        }
    }

    /// A line is intact when it is `crc\tpayload` and the CRC-32 of the payload matches.
    package static func verify(_ line: UnsafeBufferPointer<UInt8>) -> Bool {
        guard line.count >= 9, line[8] == 0x09 else { return false }
        var expected: UInt32 = 0
        for i in 0..<8 {
            let c = line[i]
            let v: UInt32
            switch c {
            case 0x30...0x39: v = UInt32(c - 0x30)
            case 0x61...0x66: v = UInt32(c - 0x61 + 10)
            default: return false
            }
            expected = expected << 4 | v
        }
        let payload = UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(line)[9...])
        return CRC32.checksum(payload) == expected
    }

    private func openForAppend() throws(OptoutError) -> AppendOnlyFile {
        if let file { return file }
        let opened = try AppendOnlyFile(path: path, mode: 0o600)
        file = opened
        return opened
    }

    /// Encodes one payload as a record line (payload must not contain a newline).
    public static func encode(_ payload: [UInt8], into out: inout [UInt8]) {
        let crc = payload.withUnsafeBytes { CRC32.checksum($0) }
        let digits: [UInt8] = Array("0123456789abcdef".utf8)
        for shift in stride(from: 28, through: 0, by: -4) {
            out.append(digits[Int((crc >> UInt32(shift)) & 0xF)])
        }
        out.append(0x09)
        out.append(contentsOf: payload)
        out.append(0x0A)
    }

    /// Appends already-encoded record lines (not yet durable: call `sync()`).
    public func append(encoded lines: [UInt8]) throws(OptoutError) {
        if lines.isEmpty { return }
        try openForAppend().append(lines)
    }

    /// Appends payloads and makes them durable before returning.
    public func appendAndSync(_ payloads: [[UInt8]]) throws(OptoutError) {
        var out: [UInt8] = []
        for payload in payloads { RecordFile.encode(payload, into: &out) }
        try append(encoded: out)
        try sync()
    }

    public func sync() throws(OptoutError) {
        try file?.sync()
    }
}

/// Tab-separated fields with backslash escapes (\t \n \r \\), for record payloads.
public enum TabFields {
    public static func escape(_ text: String, into out: inout [UInt8]) {
        for b in text.utf8 {
            switch b {
            case 0x09: out.append(0x5C); out.append(UInt8(ascii: "t"))
            case 0x0A: out.append(0x5C); out.append(UInt8(ascii: "n"))
            case 0x0D: out.append(0x5C); out.append(UInt8(ascii: "r"))
            case 0x5C: out.append(0x5C); out.append(0x5C)
            default: out.append(b)
            }
        }
    }

    public static func unescape(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        if !bytes.contains(0x5C) { return String(decoding: bytes, as: UTF8.self) }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            if b == 0x5C, i + 1 < bytes.count {
                let n = bytes[i + 1]
                switch n {
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                default: out.append(n)
                }
                i += 2
            } else {
                out.append(b)
                i += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Splits a payload at tabs into (offset, length) ranges without copying.
    public static func split(_ bytes: UnsafeBufferPointer<UInt8>) -> [Range<Int>] {
        var ranges: [Range<Int>] = []
        var start = 0
        for i in 0..<bytes.count where bytes[i] == 0x09 {
            ranges.append(start..<i)
            start = i + 1
        }
        ranges.append(start..<bytes.count)
        return ranges
    }
}
