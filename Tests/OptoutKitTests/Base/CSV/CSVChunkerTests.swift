// CSVChunkerTests.swift — the parallel reading of a list (CSVChunker cutting whole records, each
// chunk parsed by a CSVReader(chunksOf:)) gives exactly what the serial CSVReader gives: the same
// records, cells, physical lines, spreadsheet rows and the same error (kind, line, reason), on
// hostile input (quotes spanning lines, stray quotes, CR/LF/CRLF mixes, blank lines, NUL bytes,
// over-long records, quotes never closed, a BOM, `sep=;`), with chunks cut at every awkward place
// (chunk sizes from 1 byte up, records longer than a chunk read serially from where they start).

import Foundation
import Testing
@testable import OptoutBase
import OptoutTestSupport

@Suite("CSVChunker — parallel parse equals the serial reader")
struct CSVChunkerTests {
    /// Everything read after the first `skip` records: per record its cells, line and row; then the error.
    struct Read: Equatable, CustomStringConvertible {
        var records: [[String]] = []
        var lines: [Int] = []
        var rows: [Int] = []
        var error: CSVError? = nil
        var description: String { "\(records.count) records \(zip(lines, rows).map { "\($0)/\($1)" }) error \(error?.description ?? "none") \(records)" }
    }

    static func take(_ reader: CSVReader, into read: inout Read) throws(CSVError) {
        while try reader.next() {
            read.records.append((0..<reader.fieldCount).map { reader.string($0) })
            read.lines.append(reader.line)
            read.rows.append(reader.row)
        }
    }

    static func open(_ bytes: [UInt8], delimiter: UInt8?, maxRecordBytes: Int, skip: Int) throws(CSVError) -> CSVReader {
        let reader = try CSVReader(bytes: bytes, delimiter: delimiter, maxRecordBytes: maxRecordBytes, bufferSize: 7, sniffBytes: 64)
        for _ in 0..<skip { guard try reader.next() else { break } }
        return reader
    }

    static func serial(_ bytes: [UInt8], delimiter: UInt8? = nil, maxRecordBytes: Int = 16 << 20, skip: Int = 0) -> Read {
        var read = Read()
        do { try take(try open(bytes, delimiter: delimiter, maxRecordBytes: maxRecordBytes, skip: skip), into: &read) } catch { read.error = error }
        return read
    }

    /// The same through the chunker; `chunks` gets each chunk's text, `serialFrom` where it fell back.
    static func parallel(_ bytes: [UInt8], delimiter: UInt8? = nil, maxRecordBytes: Int = 16 << 20, skip: Int = 0,
                         chunkBytes: Int, maxChunkBytes: Int, chunks: inout [[UInt8]], serialFrom: inout CSVReader.Position?) -> Read {
        var read = Read()
        do {
            let first = try open(bytes, delimiter: delimiter, maxRecordBytes: maxRecordBytes, skip: skip)
            guard let start = first.nextRecordStart else {  // not UTF-8 (a NUL cut a character in two): read serially
                chunks = [[]]
                try take(first, into: &read)
                return read
            }
            let chunker = try CSVChunker(reader: first, from: start, chunkBytes: chunkBytes, maxChunkBytes: maxChunkBytes)
            let parser = CSVReader(chunksOf: first)
            let chunk = CSVChunk()
            loop: while true {
                switch try chunker.next(into: chunk) {
                case .chunk:
                    chunks.append(chunk.text)
                    parser.load(chunk)
                    try take(parser, into: &read)
                case .end:
                    break loop
                case .serial(let position):
                    serialFrom = position
                    try take(try CSVReader(resuming: first, at: position), into: &read)
                    break loop
                }
            }
        } catch {
            read.error = error
        }
        return read
    }

    /// Every chunk size from 1 to `upTo`, and a few limits on a chunk: equal to the serial read.
    static func check(_ bytes: [UInt8], delimiter: UInt8? = nil, maxRecordBytes: Int = 16 << 20, skip: Int = 0,
                      upTo: Int = 24, _ name: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) {
        let want = serial(bytes, delimiter: delimiter, maxRecordBytes: maxRecordBytes, skip: skip)
        for size in 1...upTo {
            for limit in [size, size + 3, 4 * size, 1 << 20] {
                var chunks: [[UInt8]] = []
                var fallback: CSVReader.Position? = nil
                let got = parallel(bytes, delimiter: delimiter, maxRecordBytes: maxRecordBytes, skip: skip, chunkBytes: size, maxChunkBytes: limit,
                                   chunks: &chunks, serialFrom: &fallback)
                #expect(got == want, "\(name): chunks of \(size) (at most \(limit)) bytes\n got \(got)\nwant \(want)", sourceLocation: sourceLocation)
                if got != want { return }
                #expect(chunks != [[]], "\(name): not cut", sourceLocation: sourceLocation)
                // Without a fallback, the chunks are the input after the start, cut, nothing lost.
                if fallback == nil && want.error == nil {
                    let joined = chunks.flatMap { $0 }
                    #expect(joined.count <= bytes.count && Array(bytes.suffix(joined.count)) == joined, "\(name): chunks of \(size) lose bytes", sourceLocation: sourceLocation)
                }
            }
        }
    }

    static let hostile: [(String, String)] = [
        ("plain LF", "phone,name\n+441,Ann\n+442,Bob\n"),
        ("no final line end", "phone,name\n+441,Ann\n+442,Bob"),
        ("CRLF", "phone,name\r\n+441,Ann\r\n+442,Bob\r\n"),
        ("lone CR", "phone,name\r+441,Ann\r+442,Bob\r"),
        ("mixed line ends", "a,b\r\n1,2\n3,4\r5,6\n\r7,8\r\r\n9,0"),
        ("blank lines", "a,b\n\n\r\n\r\r\n1,2\n\n"),
        ("quoted line breaks", "a,b\n\"x\ny\",1\n\"p\r\nq\r\",2\n\"\n\n\",3\n"),
        ("doubled quotes", "a,b\n\"he said \"\"hi\"\"\",1\n\"\"\"\",2\n\"\",3\n\"\"\"\"\"\",4\n"),
        ("stray quotes", "a,b\nx\"y,1\nab\"\"c,\"d\n\"q\"tail,2\n\"q\"\"\"t\"x,3\n4,\"\n"),
        ("text after closing quote", "a,b\n\"ab\"c,\"d\"\"e\"f\" g\n\"x\"\r\n\"y\"\r"),
        ("quote after CR", "a\r\"b\r\n\"\rc\r\"\"\n"),
        ("quote at CRLF", "a\r\n\"b\r\n\"\r\n\"\"\r\n"),
        ("quote never closed", "a,b\n1,2\n\"open\n3,4\n5,6\n"),
        ("quote never closed at the end", "a,b\n1,2\n3,\""),
        ("closing quote last byte", "a,b\n1,\"2\""),
        ("NUL unquoted", "a,b\n1,2\nx\u{0}y,3\n4,5\n"),
        ("NUL quoted", "a,b\n1,\"2\n\u{0}\"\n4,5\n"),
        ("wide and ragged", "a\n1,2,3,4,5,6,7\n\n8\n,,,,\n"),
        ("spaces", "  a , b \n 1 ,\t2\t\n   \n"),
        ("non-ASCII", "név,telefon\nZoë,\"Łódź\n李娜\"\nÁva,+36 1 234\n"),
    ]

    @Test func hostileInputsGiveWhatTheSerialReaderGives() {
        for (name, text) in Self.hostile {
            let bytes = Array(text.utf8)
            for skip in [0, 1, 2] {
                Self.check(bytes, delimiter: UInt8(ascii: ","), skip: skip, "\(name), after \(skip) records")
            }
            Self.check([0xEF, 0xBB, 0xBF] + bytes, skip: 1, "\(name) with a BOM")
            Self.check(Array("sep=,\r\n".utf8) + bytes, skip: 1, "\(name) after sep=,")
        }
    }

    @Test func semicolonsAfterASepLine() {
        Self.check(Array("sep=;\na;b\n\"x;y\";\"1\n2\"\n3;4\r\n".utf8), skip: 1, "sep=;")
        Self.check(Array("sep=;\r\na;b,c\n1,2;3\n".utf8), skip: 0, "sep=; no header skipped")
    }

    /// Records over `maxRecordBytes` (16 bytes here): the serial reader's error, line and reason,
    /// whether the chunk limit is below the record limit or not.
    @Test func overLongRecordsFailAsSerially() {
        let cases = [
            "a,b\n1,2\n0123456789abcdefghij,3\n4,5\n",
            "a,b\n1,2\n\"0123456789\n0123456789\",3\n",
            "a,b\n1,2\n\"never closed\n0123456789abcdefghijklmnop\n",
            "a,b\n\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\",x\n1,2\n",  // doubled quotes: 20 raw bytes, 10 read
        ]
        for text in cases {
            let want = Self.serial(Array(text.utf8), delimiter: UInt8(ascii: ","), maxRecordBytes: 16, skip: 1)
            Self.check(Array(text.utf8), delimiter: UInt8(ascii: ","), maxRecordBytes: 16, skip: 1, upTo: 40, "over-long: \(text.debugDescription)")
            if text.contains("abcdefghij") { #expect(want.error?.kind == .recordTooLarge || want.error?.kind == .unterminatedQuote) }
        }
    }

    /// Random text over the bytes that matter (quotes, both delimiters, CR, LF, spaces, UTF-8, a
    /// rare NUL), cut in chunks of every size: records, lines, rows and errors as serially.
    @Test func randomTextGivesWhatTheSerialReaderGives() {
        let alphabet: [[UInt8]] = [[0x22], [0x22], [0x22], [0x2C], [0x2C], [0x3B], [0x0D], [0x0A], [0x0A], [0x0D, 0x0A],
                                   [0x20], [0x61], [0x62], [0x31], Array("é".utf8), Array("李".utf8)]
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> Int { state = state &* 6364136223846793005 &+ 1442695040888963407; return Int(state >> 33) }
        var failures = 0
        for trial in 0..<400 where failures == 0 {
            var bytes: [UInt8] = []
            let length = 1 + next() % 60
            for _ in 0..<length { bytes += alphabet[next() % alphabet.count] }
            if next() % 25 == 0 { bytes.insert(0, at: next() % bytes.count) }
            let maxRecord = next() % 3 == 0 ? 6 + next() % 10 : 16 << 20
            let skip = next() % 2
            let want = Self.serial(bytes, delimiter: UInt8(ascii: ","), maxRecordBytes: maxRecord, skip: skip)
            for size in [1, 2, 3, 5, 8, 13, 64] {
                for limit in [size, 2 * size + 1, 1 << 20] {
                    var chunks: [[UInt8]] = []
                    var fallback: CSVReader.Position? = nil
                    let got = Self.parallel(bytes, delimiter: UInt8(ascii: ","), maxRecordBytes: maxRecord, skip: skip,
                                            chunkBytes: size, maxChunkBytes: limit, chunks: &chunks, serialFrom: &fallback)
                    if got != want {
                        failures += 1
                        Issue.record("trial \(trial) \(bytes) (max record \(maxRecord), skip \(skip)) chunks of \(size)/\(limit):\n got \(got)\nwant \(want)")
                    }
                }
            }
        }
    }

    /// A list of typical rows cut in chunks: every chunk ends after a record, the chunks hold
    /// whole records in order, and their first lines and rows are the serial reader's.
    @Test func chunksStartWhereTheSerialReaderSaysTheirRecordsStart() throws {
        var text = "phone,name,city\r\n"
        for i in 0..<500 { text += i % 7 == 0 ? "+44 7700 900\(i % 1000),\"Ann\r\nB\",\"Leeds, UK\"\r\n" : "07700 900\(i % 1000),Bob,York\r\n" }
        let bytes = Array(text.utf8)
        let first = try Self.open(bytes, delimiter: nil, maxRecordBytes: 16 << 20, skip: 1)
        let chunker = try CSVChunker(reader: first, from: try #require(first.nextRecordStart), chunkBytes: 1000, maxChunkBytes: 1 << 20)
        let parser = CSVReader(chunksOf: first)
        let serialReader = try Self.open(bytes, delimiter: nil, maxRecordBytes: 16 << 20, skip: 1)
        let chunk = CSVChunk()
        var count = 0
        while try chunker.next(into: chunk) == .chunk {
            count += 1
            #expect(chunk.count <= 1100 && chunk.text.last == 0x0A)
            parser.load(chunk)
            var firstRecord = true
            while try parser.next() {
                #expect(try serialReader.next())
                if firstRecord { #expect(chunk.start.line == serialReader.line && chunk.start.row == serialReader.row - 1) }
                firstRecord = false
                #expect(parser.line == serialReader.line && parser.row == serialReader.row && parser.string(2) == serialReader.string(2))
            }
        }
        #expect(try !serialReader.next())
        #expect(count > 10)
    }

    @Test func inputsThatAreTranscodedAreNotCut() throws {
        let utf16 = try CSVReader(bytes: CSVFixtures.utf16LE("a,b\n1,2\n"))
        #expect(utf16.nextRecordStart == nil)
        let latin1 = try CSVReader(bytes: [0x61, 0x2C, 0x62, 0x0A, 0xE9, 0x2C, 0x31, 0x0A])
        #expect(latin1.encoding == .windows1252 && latin1.nextRecordStart == nil)
        let recovering = try CSVReader(bytes: Array("a\n".utf8))
        recovering.recovers = true
        #expect(recovering.nextRecordStart == nil)
    }

    /// The line-end count the chunker's scan relies on, against a byte-at-a-time count.
    @Test func lineEndsCountedEightBytesAtATime() {
        var state: UInt64 = 7
        func next() -> Int { state = state &* 6364136223846793005 &+ 1442695040888963407; return Int(state >> 33) }
        for _ in 0..<2000 {
            var bytes = (0..<(next() % 40)).map { _ in [UInt8(0x0D), 0x0A, 0x61, 0x0D][next() % 4] }
            let from = bytes.isEmpty ? 0 : next() % (bytes.count + 1)
            let before: UInt8 = next() % 2 == 0 ? 0x0D : 0x61
            var want = 0
            var last = before
            for b in bytes[from...] {
                if b == 0x0D || (b == 0x0A && last != 0x0D) { want += 1 }
                last = b
            }
            let got = bytes.withUnsafeMutableBufferPointer { CSVChunker.lineEnds($0.baseAddress ?? UnsafeMutablePointer(bitPattern: 8)!, from, $0.count, before: before) }
            #expect(got == want, "\(bytes) from \(from)")
        }
    }
}
