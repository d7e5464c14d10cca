// CSVReaderTests.swift — CSVReader on well-formed spreadsheet exports: encodings, delimiters,
// line ends, quoting, line numbers, ragged rows, the file (path) initializer.

import Foundation
import Testing
@testable import OptoutBase
@testable import OptoutKit
@testable import OptoutPhone
import OptoutTestSupport

@Suite("CSVReader — encodings")
struct CSVReaderEncodingTests {
    static let text = "name,phone\r\nJosé Müller,+33 6 12 34 56 78\r\n\"Zoë, \"\"the\"\" boss\",0612\r\n"
    static let expected = [["name", "phone"], ["José Müller", "+33 6 12 34 56 78"], ["Zoë, \"the\" boss", "0612"]]

    @Test func utf8WithoutBOM() throws {
        let r = try CSVFixtures.readAll(CSVFixtures.utf8(Self.text))
        #expect(r.encoding == .utf8)
        #expect(r.records == Self.expected)
    }

    @Test func utf8WithBOMIsStripped() throws {
        let r = try CSVFixtures.readAll(CSVFixtures.utf8BOM(Self.text))
        #expect(r.encoding == .utf8WithBOM)
        #expect(r.records == Self.expected)
        #expect(r.records[0][0].utf8.first == UInt8(ascii: "n"))
    }

    @Test func utf16LittleEndianWithBOM() throws {
        let r = try CSVFixtures.readAll(CSVFixtures.utf16LE(Self.text))
        #expect(r.encoding == .utf16LE)
        #expect(r.records == Self.expected)
    }

    @Test func utf16BigEndianWithBOM() throws {
        let r = try CSVFixtures.readAll(CSVFixtures.utf16BE(Self.text))
        #expect(r.encoding == .utf16BE)
        #expect(r.records == Self.expected)
    }

    @Test(arguments: [true, false])
    func utf16NonBMPEmoji(littleEndian: Bool) throws {
        let text = "name;note\n😀 Ann;🇫🇷 ok 𝄞\n"
        let bytes = littleEndian ? CSVFixtures.utf16LE(text) : CSVFixtures.utf16BE(text)
        let r = try CSVFixtures.readAll(bytes)
        #expect(r.delimiter == UInt8(ascii: ";"))
        #expect(r.records == [["name", "note"], ["😀 Ann", "🇫🇷 ok 𝄞"]])
        // The emoji arrives as its 4-byte UTF-8 sequence, not as two 3-byte surrogate halves.
        #expect(Array(r.records[1][0].utf8.prefix(4)) == [0xF0, 0x9F, 0x98, 0x80])
    }

    @Test func utf16WithoutBOMIsRecognisedByNULPattern() throws {
        let text = "name,phone\nAnn,0612\n"
        let le = try CSVFixtures.readAll(CSVFixtures.utf16LE(text, bom: false))
        #expect(le.encoding == .utf16LE)
        #expect(le.records == [["name", "phone"], ["Ann", "0612"]])
        let be = try CSVFixtures.readAll(CSVFixtures.utf16BE(text, bom: false))
        #expect(be.encoding == .utf16BE)
        #expect(be.records == le.records)
    }

    @Test func windows1252() throws {
        let text = "name;note\r\nRenée;prix 5€ “promo” ‘x’ – Œuvre Š ™\r\n"
        let bytes = CSVFixtures.cp1252(text)
        #expect(bytes.contains(0x80) && bytes.contains(0xE9) && bytes.contains(0x93))
        let r = try CSVFixtures.readAll(bytes)
        #expect(r.encoding == .windows1252)
        #expect(r.records == [["name", "note"], ["Renée", "prix 5€ “promo” ‘x’ – Œuvre Š ™"]])
    }

    @Test func windows1252UndefinedBytesBecomeReplacementCharacter() throws {
        let bytes: [UInt8] = Array("a,b\n".utf8) + [0x81, UInt8(ascii: ","), 0x8D, 0x8F, 0x90, 0x9D, 0x0A]
        let r = try CSVFixtures.readAll(bytes)
        #expect(r.encoding == .windows1252)
        #expect(r.records == [["a", "b"], ["\u{FFFD}", "\u{FFFD}\u{FFFD}\u{FFFD}\u{FFFD}"]])
    }

    @Test func invalidUTF8FarIntoTheFileStillMeansWindows1252() throws {
        // 600 KB of ASCII, then one Latin-1 é: the validation pass covers the whole input.
        var bytes = Array("id,name\n".utf8)
        for i in 0..<60_000 { bytes += Array("\(i),abcdefg\n".utf8) }
        bytes += [UInt8(ascii: "9"), UInt8(ascii: ","), 0xE9, 0x0A]
        let reader = try CSVReader(bytes: bytes)
        #expect(reader.encoding == .windows1252)
        var last = ""
        while try reader.next() { last = reader.string(1) }
        #expect(last == "é")
    }

    @Test(arguments: [
        ("overlong", [0xC0, 0xAF] as [UInt8]),
        ("surrogate", [0xED, 0xA0, 0x80]),
        ("truncated", [0xE2, 0x82]),
        ("above U+10FFFF", [0xF4, 0x90, 0x80, 0x80]),
        ("lone continuation", [0x80]),
    ])
    func invalidUTF8Forms(name: String, bad: [UInt8]) throws {
        let reader = try CSVReader(bytes: Array("a,b\nx,".utf8) + bad + [0x0A])
        #expect(reader.encoding == .windows1252, "\(name)")
    }

    @Test func validMultiByteUTF8StaysUTF8() throws {
        let reader = try CSVReader(bytes: Array("a,b\n\u{7FF}\u{800}\u{FFFF},\u{10000}\u{10FFFF}\n".utf8))
        #expect(reader.encoding == .utf8)
        #expect(try reader.next() && reader.next())
        #expect(reader.string(0) == "\u{7FF}\u{800}\u{FFFF}")
        #expect(reader.string(1) == "\u{10000}\u{10FFFF}")
    }
}

@Suite("CSVReader — delimiters and sniffing")
struct CSVReaderDelimiterTests {
    @Test(arguments: [",", ";", "\t", "|"])
    func eachDelimiterIsSniffed(delimiter: String) throws {
        let d = delimiter
        let text = "name\(d)phone\(d)note\n\"Doe\(d) J\"\(d)0612\(d)x\nAnn\(d)0700\(d)\n"
        let r = try CSVFixtures.readAll(CSVFixtures.utf8(text))
        #expect(r.delimiter == d.utf8.first!)
        #expect(r.records == [["name", "phone", "note"], ["Doe\(d) J", "0612", "x"], ["Ann", "0700", ""]])
    }

    @Test func semicolonWinsOverCommasInsideValues() throws {
        // Excel in a French locale: ';' separates, ',' is the decimal mark.
        let text = "name;amount;city\nAnn;3,50;Lyon\nBob;12,00;Paris, 15e\nCy;1;Nice\n"
        let r = try CSVFixtures.readAll(CSVFixtures.utf8(text))
        #expect(r.delimiter == UInt8(ascii: ";"))
        #expect(r.records[2] == ["Bob", "12,00", "Paris, 15e"])
    }

    @Test func delimitersInsideQuotesDoNotCount() throws {
        let text = "a,b\n\"x;y;z;w\",1\n\"p;q;r\",2\n"
        let r = try CSVFixtures.readAll(CSVFixtures.utf8(text))
        #expect(r.delimiter == UInt8(ascii: ","))
    }

    @Test func oneColumnFileDefaultsToComma() throws {
        let r = try CSVFixtures.readAll(CSVFixtures.utf8("phone\n+447700900123\n+33612345678\n"))
        #expect(r.delimiter == UInt8(ascii: ","))
        #expect(r.records == [["phone"], ["+447700900123"], ["+33612345678"]])
    }

    @Test func tieGoesToMostOccurrencesInHeader() {
        // Header only: both consistent; '|' appears three times, ',' once.
        let bytes = Array("a|b|c,d|e".utf8)
        let d = bytes.withUnsafeBufferPointer { CSVSniffer.delimiter(in: $0, complete: true) }
        #expect(d == UInt8(ascii: "|"))
    }

    @Test func excelSepLineNamesTheDelimiterAndIsSkipped() throws {
        let r = try CSVFixtures.readAll(CSVFixtures.utf8("sep=|\r\na,b|c\r\n1,2|3\r\n"))
        #expect(r.delimiter == UInt8(ascii: "|"))
        #expect(r.records == [["a,b", "c"], ["1,2", "3"]])
        #expect(r.lines == [2, 3])
        let utf16 = try CSVFixtures.readAll(CSVFixtures.utf16LE("SEP=;\na;b\n"))
        #expect(utf16.delimiter == UInt8(ascii: ";"))
        #expect(utf16.records == [["a", "b"]])
        #expect(utf16.lines == [2])
        // An explicit delimiter wins; the sep line is still not a record.
        let forced = try CSVFixtures.readAll(CSVFixtures.utf8("sep=|\na,b|c\n"), delimiter: UInt8(ascii: ","))
        #expect(forced.records == [["a", "b|c"]])
        // "sep=" followed by more text is an ordinary record.
        let plain = try CSVFixtures.readAll(CSVFixtures.utf8("sep=;x,y\n1,2\n"))
        #expect(plain.records == [["sep=;x", "y"], ["1", "2"]])
        #expect(CSVFixtures.error(CSVFixtures.utf8("sep=;\r\n\r\n"))?.kind == .empty)
    }

    @Test func explicitDelimiterOverridesSniffing() throws {
        let r = try CSVFixtures.readAll(CSVFixtures.utf8("a;b,c\n1;2,3\n"), delimiter: UInt8(ascii: ","))
        #expect(r.delimiter == UInt8(ascii: ","))
        #expect(r.records == [["a;b", "c"], ["1;2", "3"]])
    }
}

@Suite("CSVReader — records, quoting and line numbers")
struct CSVReaderRecordTests {
    @Test(arguments: ["\r\n", "\n", "\r"])
    func lineEnds(eol: String) throws {
        let text = "a,b\(eol)1,2\(eol)\(eol)3,4"
        let r = try CSVFixtures.readAll(CSVFixtures.utf8(text))
        #expect(r.records == [["a", "b"], ["1", "2"], [""], ["3", "4"]])
        #expect(r.lines == [1, 2, 3, 4])
    }

    @Test(arguments: ["\r\n", "\n", "\r"])
    func embeddedNewlinesAndTheLinesAfterThem(eol: String) throws {
        let text = "id,note\(eol)1,\"two\(eol)lines\"\(eol)2,\"three\(eol)\(eol)lines\"\(eol)3,plain\(eol)"
        let r = try CSVFixtures.readAll(CSVFixtures.utf8(text))
        #expect(r.records == [["id", "note"], ["1", "two\(eol)lines"], ["2", "three\(eol)\(eol)lines"], ["3", "plain"]])
        #expect(r.lines == [1, 2, 4, 7])
    }

    @Test func doubledQuotesCollapse() throws {
        let r = try CSVFixtures.readAll(CSVFixtures.utf8("a,b\n\"say \"\"hi\"\"\",\"\"\"\"\n\"\",x\n"))
        #expect(r.records == [["a", "b"], ["say \"hi\"", "\""], ["", "x"]])
    }

    @Test func lenientQuotesAreKeptAsText() throws {
        let r = try CSVFixtures.readAll(CSVFixtures.utf8("a,b\nsay \"hi\",\"ab\"c\n \"q\" ,x\n"))
        #expect(r.records == [["a", "b"], ["say \"hi\"", "abc"], [" \"q\" ", "x"]])
    }

    @Test func raggedRowsAndWhitespaceAreReturnedAsTheyAre() throws {
        let r = try CSVFixtures.readAll(CSVFixtures.utf8("a,b,c\n1\n1,2,3,4,5\n  x , y\n,\n"))
        #expect(r.records == [["a", "b", "c"], ["1"], ["1", "2", "3", "4", "5"], ["  x ", " y"], ["", ""]])
        #expect(r.lines == [1, 2, 3, 4, 5])
    }

    @Test func blankLineIsOneEmptyField() throws {
        let reader = try CSVReader(bytes: Array("a\n\nb\n".utf8))
        #expect(try reader.next())
        #expect(try reader.next())
        #expect(reader.fieldCount == 1)
        #expect(reader.field(0).count == 0)
        #expect(reader.line == 2)
        #expect(try reader.next())
        #expect(reader.string(0) == "b")
        #expect(try reader.next() == false)
        #expect(try reader.next() == false)
    }

    @Test func fieldOutOfRangeIsEmpty() throws {
        let reader = try CSVReader(bytes: Array("a,b\n".utf8))
        #expect(try reader.next())
        #expect(reader.fieldCount == 2)
        #expect(reader.field(2).count == 0)
        #expect(reader.field(-1).count == 0)
        #expect(reader.string(5) == "")
    }

    @Test func headerOnlyFile() throws {
        for text in ["name,phone", "name,phone\n", "name,phone\r\n"] {
            let r = try CSVFixtures.readAll(CSVFixtures.utf8(text))
            #expect(r.records == [["name", "phone"]])
        }
    }

    @Test func trailingDelimiterGivesEmptyLastField() throws {
        let r = try CSVFixtures.readAll(CSVFixtures.utf8("a,b,\n1,2,"))
        #expect(r.records == [["a", "b", ""], ["1", "2", ""]])
    }

    @Test func oneMegabyteField() throws {
        var big = [UInt8](repeating: UInt8(ascii: "x"), count: 1 << 20)
        big[1000] = UInt8(ascii: ",")
        big[2000] = UInt8(ascii: "\n")
        big[3000] = UInt8(ascii: "\"")
        var bytes = Array("id,blob,tail\n1,\"".utf8)
        for b in big {
            bytes.append(b)
            if b == UInt8(ascii: "\"") { bytes.append(b) }
        }
        bytes += Array("\",end\n2,small,z\n".utf8)
        let reader = try CSVReader(bytes: bytes)
        #expect(try reader.next())
        #expect(try reader.next())
        #expect(reader.line == 2)
        #expect(Array(reader.field(1)) == big)
        #expect(reader.string(2) == "end")
        #expect(try reader.next())
        #expect(reader.line == 4)
        #expect(reader.string(1) == "small")
    }

    @Test func bytesReadReachesInputSize() throws {
        let bytes = CSVFixtures.utf16LE("a,b\n1,2\n")
        let reader = try CSVReader(bytes: bytes, delimiter: nil, maxRecordBytes: 1 << 20, bufferSize: 4, sniffBytes: 1)
        var seen: [Int] = []
        while try reader.next() { seen.append(reader.bytesRead) }
        #expect(seen == seen.sorted())
        #expect(reader.bytesRead == bytes.count)
    }
}

@Suite("CSVReader — files")
struct CSVReaderFileTests {
    @Test func readsAFileThroughThePathInitializer() throws {
        var text = "name;phone\r\n"
        for i in 0..<5000 { text += "Nom \(i) é;+336\(String(format: "%08d", i))\r\n" }
        let bytes = CSVFixtures.utf16LE(text)
        let path = try CSVFixtures.tempFile(bytes)
        defer { CSVFixtures.removeTemp(path) }
        let fromFile = try CSVFixtures.drain(CSVReader(path: path))
        let fromMemory = try CSVFixtures.readAll(bytes)
        #expect(fromFile == fromMemory)
        #expect(fromFile.records.count == 5001)
        #expect(fromFile.records[4999 + 1] == ["Nom 4999 é", "+33600004999"])
        #expect(fromFile.lines.last == 5001)
        let small = try CSVFixtures.drain(CSVReader(path: path, delimiter: UInt8(ascii: ";"), maxRecordBytes: 1 << 20, bufferSize: 5, sniffBytes: 1))
        #expect(small == fromMemory)
    }

    @Test func missingFileIsAnIOError() {
        #expect(throws: CSVError.self) { try CSVReader(path: "/nonexistent/dir/x.csv") }
        do {
            _ = try CSVReader(path: "/nonexistent/dir/x.csv")
        } catch {
            #expect(error.kind == .io)
            #expect(error.line == 0)
            #expect(error.description.contains("No such file"))
        }
    }

    @Test func directoryIsAnIOError() throws {
        let path = try CSVFixtures.tempFile([1])
        defer { CSVFixtures.removeTemp(path) }
        let dir = (path as NSString).deletingLastPathComponent
        do {
            _ = try CSVReader(path: dir)
            Issue.record("reading a directory should fail")
        } catch {
            #expect(error.kind == .io)
        }
    }

    @Test func emptyFilesOnDisk() throws {
        for bytes: [UInt8] in [[], [0xEF, 0xBB, 0xBF], [0xFF, 0xFE], Array(" \r\n\n\t \n".utf8)] {
            let path = try CSVFixtures.tempFile(bytes)
            defer { CSVFixtures.removeTemp(path) }
            do {
                _ = try CSVReader(path: path)
                Issue.record("expected .empty for \(bytes)")
            } catch {
                #expect(error.kind == .empty)
            }
        }
    }
}
