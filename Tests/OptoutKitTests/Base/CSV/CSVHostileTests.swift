// CSVHostileTests.swift — CSVReader on broken and adversarial input: empty files, NUL bytes,
// binary noise, unterminated quotes, oversized records, odd UTF-16, and every split of the
// input across tiny read buffers (which must not change a single byte or line number).

import Foundation
import Testing
@testable import OptoutBase
@testable import OptoutKit
@testable import OptoutPhone
import OptoutTestSupport

@Suite("CSVReader — hostile input")
struct CSVHostileTests {
    @Test(arguments: [
        ("0 bytes", [] as [UInt8]),
        ("UTF-8 BOM only", [0xEF, 0xBB, 0xBF]),
        ("UTF-16LE BOM only", [0xFF, 0xFE]),
        ("UTF-16BE BOM only", [0xFE, 0xFF]),
        ("blank lines", Array("\n\r\n  \t\n\r".utf8)),
        ("BOM and spaces", [0xEF, 0xBB, 0xBF, 0x20, 0x0A]),
        ("UTF-16 spaces", CSVFixtures.utf16LE("  \r\n \n")),
    ])
    func emptyInputs(name: String, bytes: [UInt8]) {
        let error = CSVFixtures.error(bytes)
        #expect(error?.kind == .empty, "\(name)")
        #expect(error?.line == 0, "\(name)")
    }

    @Test func nulByteIsBinaryWithItsLine() {
        var bytes = Array("name,phone\nAnn,0612\r\nBob,\"07\n00\"\nCy,".utf8)
        bytes += [0x00, 0x31, 0x0A]
        let error = CSVFixtures.error(bytes)
        #expect(error?.kind == .binary)
        #expect(error?.line == 5)
        #expect(error?.description.hasPrefix("line 5: NUL byte") == true)
    }

    @Test func nulInsideQuotedFieldIsBinary() {
        let error = CSVFixtures.error(Array("a,b\n\"x\n".utf8) + [0] + Array("\",y\n".utf8))
        #expect(error?.kind == .binary)
        #expect(error?.line == 3)
    }

    @Test func nulInUTF16TextIsBinary() {
        let error = CSVFixtures.error(CSVFixtures.utf16LE("a,b\n1,\u{0}2\n"))
        #expect(error?.kind == .binary)
        #expect(error?.line == 2)
    }

    @Test(arguments: [1, 2, 3, 4])
    func randomBinaryFileIsRejected(seed: UInt64) {
        var rng = CSVTestRandom(seed: seed)
        var bytes = (0..<4096).map { _ in UInt8.random(in: 0...255, using: &rng) }
        bytes[0] = 0x50  // not a BOM
        bytes[2000] = 0  // guarantee a NUL
        let reference = CSVFixtures.error(bytes)
        #expect(reference?.kind == .binary)
        #expect((reference?.line ?? 0) >= 1)
        // The same error, on the same line, whatever the read-buffer size.
        for size in [1, 2, 3, 64] {
            #expect(CSVFixtures.error(bytes, bufferSize: size, sniffBytes: 1) == reference, "buffer \(size)")
        }
    }

    @Test func utf16WithoutBOMThatEscapesDetectionIsBinary() {
        // Mostly CJK: too few ASCII units for the NUL-pattern heuristic, so the NULs of the ASCII
        // units are found as NUL bytes.
        let bytes = CSVFixtures.utf16LE("名字,电话号码,备注说明\n张三,一二三四五,没有备注\n", bom: false)
        let error = CSVFixtures.error(bytes)
        #expect(error?.kind == .binary)
        #expect(error?.reason.contains("byte-order mark") == true)
    }

    @Test func errorIsStickyAfterItIsThrown() throws {
        let reader = try CSVReader(bytes: Array("a\nb\u{0}\nc\n".utf8))
        #expect(try reader.next())
        #expect(throws: CSVError.self) { try reader.next() }
        do {
            _ = try reader.next()
            Issue.record("a second next() after an error must throw again")
        } catch {
            #expect(error.kind == .binary)
            #expect(error.line == 2)
        }
    }

    @Test(arguments: ["\n", "\r\n", "\r"])
    func unterminatedQuoteNamesTheOpeningLine(eol: String) throws {
        let text = "a,b\(eol)1,ok\(eol)2,\"never closed\(eol)3,x\(eol)4,y\(eol)"
        let reader = try CSVReader(bytes: CSVFixtures.utf8(text))
        #expect(try reader.next())
        #expect(try reader.next())
        do {
            _ = try reader.next()
            Issue.record("expected unterminatedQuote")
        } catch {
            #expect(error.kind == .unterminatedQuote)
            #expect(error.line == 3)
            #expect(error.description == "line 3: quoted field opened here is never closed")
        }
    }

    @Test func recordTooLargeWithSmallLimit() throws {
        let text = "a,b\n1,2\n3,\(String(repeating: "z", count: 100))\n4,5\n"
        let reader = try CSVReader(bytes: CSVFixtures.utf8(text), delimiter: nil, maxRecordBytes: 64, bufferSize: 7, sniffBytes: 1)
        #expect(try reader.next())
        #expect(try reader.next())
        do {
            _ = try reader.next()
            Issue.record("expected recordTooLarge")
        } catch {
            #expect(error.kind == .recordTooLarge)
            #expect(error.line == 3)
        }
        // Exactly at the limit is fine.
        let fits = try CSVFixtures.readAll(CSVFixtures.utf8("a\n\(String(repeating: "y", count: 64))\n"), maxRecordBytes: 64)
        #expect(fits.records[1][0].utf8.count == 64)
        #expect(CSVFixtures.error(CSVFixtures.utf8("a\n\(String(repeating: "y", count: 65))\n"), maxRecordBytes: 64)?.kind == .recordTooLarge)
    }

    @Test func runawayQuoteHittingTheLimitSaysWhereTheQuoteOpened() {
        let text = "a,b\n1,\"open\n" + String(repeating: "row,row\n", count: 50)
        let error = CSVFixtures.error(CSVFixtures.utf8(text), maxRecordBytes: 100)
        #expect(error?.kind == .recordTooLarge)
        #expect(error?.line == 2)
        #expect(error?.reason.contains("opened on line 2") == true)
    }

    @Test func utf16WithOddByteCountIsUndecodableAfterTheGoodRecords() throws {
        let bytes = CSVFixtures.utf16LE("a,b\n1,2\n") + [0x33]
        for size in [1, 3, 256 << 10] {
            let reader = try CSVReader(bytes: bytes, delimiter: nil, maxRecordBytes: 1 << 20, bufferSize: size, sniffBytes: 1)
            #expect(try reader.next() && reader.next(), "buffer \(size)")
            do {
                _ = try reader.next()
                Issue.record("expected undecodable, buffer \(size)")
            } catch {
                #expect(error.kind == .undecodable, "buffer \(size)")
                #expect(error.line == 3, "buffer \(size)")
            }
        }
        #expect(CSVFixtures.error([0xFF, 0xFE, 0x41])?.kind == .undecodable)
    }

    @Test func errorDescriptionWithoutLine() {
        let error = CSVFixtures.error([])
        #expect(error?.description == "the file is empty (0 bytes)")
    }

    @Test func loneSurrogatesBecomeReplacementCharacter() throws {
        // "a,b\n" then a lone low surrogate, ',', a lone high surrogate followed by 'x', '\n'.
        var bytes = CSVFixtures.utf16LE("a,b\n")
        bytes += [0x00, 0xDC, 0x2C, 0x00, 0x00, 0xD8, 0x78, 0x00, 0x0A, 0x00]
        let r = try CSVFixtures.readAll(bytes)
        #expect(r.records == [["a", "b"], ["\u{FFFD}", "\u{FFFD}x"]])
        // A high surrogate at the very end too.
        let tail = try CSVFixtures.readAll(CSVFixtures.utf16LE("a\n") + [0x3D, 0xD8])
        #expect(tail.records == [["a"], ["\u{FFFD}"]])
    }
}

@Suite("CSVReader — read-buffer boundaries")
struct CSVBoundaryTests {
    /// Inputs whose interesting bytes (multi-byte UTF-8, surrogate pairs, CRLF, doubled quotes,
    /// embedded newlines) land on every offset of a small buffer.
    static let fixtures: [(String, [UInt8])] = {
        let text = "nom;tél;note\r\n\"Zoë\r\n😀\";\"\"\"q\"\"\";€x\r\nA;B\rC;\"\"\n\n€😀é;\"a;b\";\r\n🇫🇷;\"\r\";z"
        return [
            ("UTF-8", CSVFixtures.utf8(text)),
            ("UTF-8 sep line", CSVFixtures.utf8("sep=;\r\n" + text)),
            ("UTF-8 BOM", CSVFixtures.utf8BOM(text)),
            ("UTF-16LE", CSVFixtures.utf16LE(text)),
            ("UTF-16BE", CSVFixtures.utf16BE(text)),
            ("Windows-1252", CSVFixtures.cp1252("nom;tél;note\r\n\"Zoë\r\n“x”\";\"\"\"q\"\"\";€x\r\nA;B\rC;\"\"\n\n€é;\"a;b\";\r\n")),
        ]
    }()

    @Test(arguments: 0..<6)
    func tinyBuffersGiveTheSameResult(fixture: Int) throws {
        let (name, bytes) = Self.fixtures[fixture]
        let reference = try CSVFixtures.readAll(bytes)
        #expect(reference.delimiter == UInt8(ascii: ";"), "\(name)")
        #expect(reference.records.count >= 6, "\(name)")
        for size in 1...7 {
            // Sniffing as usual: the whole small input is decoded before parsing.
            let sniffed = try CSVFixtures.readAll(bytes, bufferSize: size)
            #expect(sniffed == reference, "\(name), buffer \(size)")
        }
        // A tiny sniff window, so that the parser itself refills at every buffer size from 1 up
        // to the input length: each split point gets hit.
        for size in 1...bytes.count {
            let small = try CSVFixtures.readAll(bytes, delimiter: reference.delimiter, bufferSize: size, sniffBytes: 1)
            #expect(small == reference, "\(name), buffer \(size)")
        }
    }

    @Test func referenceValuesForTheUTF8Fixture() throws {
        let r = try CSVFixtures.readAll(Self.fixtures[0].1)
        #expect(r.records == [
            ["nom", "tél", "note"],
            ["Zoë\r\n😀", "\"q\"", "€x"],
            ["A", "B"],
            ["C", ""],
            [""],
            ["€😀é", "a;b", ""],
            ["🇫🇷", "\r", "z"],
        ])
        #expect(r.lines == [1, 2, 4, 5, 6, 7, 8])
    }

    @Test func crlfSplitExactlyAtTheBufferBoundary() throws {
        // "ab\r" fills a 3-byte buffer; the "\n" starts the next one: still one line end.
        let r = try CSVFixtures.readAll(CSVFixtures.utf8("ab\r\ncd\r\n\"e\r\nf\"\r\ng"), bufferSize: 3, sniffBytes: 1)
        #expect(r.records == [["ab"], ["cd"], ["e\r\nf"], ["g"]])
        #expect(r.lines == [1, 2, 3, 5])
    }

    @Test(arguments: [1, 2, 3, 5, 8, 13])
    func randomCSVSurvivesAnyBufferSize(seed: UInt64) throws {
        var rng = CSVTestRandom(seed: seed)
        let alphabet: [String] = ["a", "Z", "0", " ", ",", ";", "\"", "\r", "\n", "\r\n", "é", "€", "😀", "\t"]
        var rows: [[String]] = []
        for _ in 0..<40 {
            let count = Int.random(in: 1...5, using: &rng)
            rows.append((0..<count).map { _ in
                (0..<Int.random(in: 0...6, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! }.joined()
            })
        }
        let writer = CSVWriter(audience: .machine)
        var bytes: [UInt8] = []
        for row in rows { writer.appendRow(row, to: &bytes) }
        let utf16 = CSVFixtures.utf16BE(String(decoding: bytes, as: UTF8.self))
        let reference = try CSVFixtures.readAll(bytes, delimiter: UInt8(ascii: ","))
        #expect(reference.records == rows)
        let size = Int.random(in: 1...9, using: &rng)
        #expect(try CSVFixtures.readAll(bytes, delimiter: UInt8(ascii: ","), bufferSize: size, sniffBytes: 1) == reference)
        let fromUTF16 = try CSVFixtures.readAll(utf16, delimiter: UInt8(ascii: ","), bufferSize: size, sniffBytes: 1)
        #expect(fromUTF16.records == rows)
        #expect(fromUTF16.lines == reference.lines)
    }
}
