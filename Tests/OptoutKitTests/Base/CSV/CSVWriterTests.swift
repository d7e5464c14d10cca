// CSVWriterTests.swift — CSVWriter quoting, line ends, the people-audience formula guard, and
// a round trip (random fields → writer → reader gives them back).

import Testing
@testable import OptoutBase
@testable import OptoutKit
@testable import OptoutPhone
import OptoutTestSupport

@Suite("CSVWriter")
struct CSVWriterTests {
    private func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

    @Test func machineQuotingAndLineEnds() {
        let w = CSVWriter(audience: .machine)
        var out: [UInt8] = []
        w.appendRow(["plain", "a,b", "say \"hi\"", "two\nlines", "cr\rhere", " lead", "trail ", "mid space", "=1+1"], to: &out)
        w.appendRow(["x", ""], to: &out)
        #expect(text(out) == "plain,\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",\"cr\rhere\",\" lead\",\"trail \",mid space,=1+1\nx,\n")
    }

    @Test func peopleGetCRLFAndFormulaGuard() {
        let w = CSVWriter(audience: .people)
        var out: [UInt8] = []
        w.appendRow(["=1+1", "+447700900123", "-2", "@SUM(A1:A2)", "\tx", "\rcr", "ok", "a=b", "=A1,B1"], to: &out)
        #expect(text(out) == "'=1+1,'+447700900123,'-2,'@SUM(A1:A2),'\tx,\"'\rcr\",ok,a=b,\"'=A1,B1\"\r\n")
    }

    @Test("people: scientific notation is guarded (LibreOffice would read 4.47911E+11 as 447911000000)")
    func peopleGuardScientificNotation() {
        let w = CSVWriter(audience: .people)
        var out: [UInt8] = []
        w.appendRow(["4.47911E+11", "1e5", ".5E3", "4,47911E+11", "7E-3", "4.47911E+11 x", "E5", "4.4E", "4.4E+", "12", "1.5", "abc"], to: &out)
        #expect(text(out) == "'4.47911E+11,'1e5,'.5E3,\"'4,47911E+11\",'7E-3,4.47911E+11 x,E5,4.4E,4.4E+,12,1.5,abc\r\n")
        var machine: [UInt8] = []
        CSVWriter(audience: .machine).appendRow(["4.47911E+11"], to: &machine)
        #expect(text(machine) == "4.47911E+11\n")
    }

    @Test func machineWritesFormulaCharactersExactly() {
        let w = CSVWriter(audience: .machine)
        var out: [UInt8] = []
        w.appendRow(["=1+1", "+44", "-2", "@x", "\tt"], to: &out)
        #expect(text(out) == "=1+1,+44,-2,@x,\tt\n")
    }

    @Test func otherDelimiterIsQuotedAndCommaIsNot() {
        let w = CSVWriter(audience: .machine, delimiter: UInt8(ascii: ";"))
        var out: [UInt8] = []
        w.appendRow(["a;b", "c,d"], to: &out)
        #expect(text(out) == "\"a;b\";c,d\n")
    }

    @Test func emptyFirstFieldIsWrittenAsQuotes() throws {
        let w = CSVWriter(audience: .machine)
        var out: [UInt8] = []
        w.appendRow(["", "b"], to: &out)
        w.appendRow([""], to: &out)
        w.appendRow(["", ""], to: &out)
        #expect(text(out) == "\"\",b\n\"\"\n\"\",\n")
        let r = try CSVFixtures.readAll(out, delimiter: UInt8(ascii: ","))
        #expect(r.records == [["", "b"], [""], ["", ""]])
    }

    @Test func bomThenFieldsAndByteFields() {
        let w = CSVWriter(audience: .people)
        var out = CSVWriter.utf8BOM
        #expect(out == [0xEF, 0xBB, 0xBF])
        w.appendField("name", to: &out)
        let bytes: [UInt8] = Array("x,\"y\"".utf8)
        bytes.withUnsafeBufferPointer { w.appendField($0, to: &out) }
        w.endRow(to: &out)
        w.appendField("next", to: &out)
        w.endRow(to: &out)
        #expect(out == [0xEF, 0xBB, 0xBF] + Array("name,\"x,\"\"y\"\"\"\r\nnext\r\n".utf8))
    }

    @Test(arguments: [CSVWriter.Audience.machine, .people], [UInt8(ascii: ","), UInt8(ascii: ";"), UInt8(ascii: "\t"), UInt8(ascii: "|")])
    func roundTrip(audience: CSVWriter.Audience, delimiter: UInt8) throws {
        var rng = CSVTestRandom(seed: UInt64(delimiter) &* 31 &+ (audience == .people ? 1 : 0))
        let pieces: [String] = ["a", "B", "7", " ", ",", ";", "|", "\t", "\"", "\"\"", "\r", "\n", "\r\n",
                                "é", "€", "😀", "🇫🇷", "'", "=", "+", "-", "@", "ß"]
        let w = CSVWriter(audience: audience, delimiter: delimiter)
        var rows: [[String]] = []
        var out: [UInt8] = audience == .people ? CSVWriter.utf8BOM : []
        for _ in 0..<200 {
            let row = (0..<Int.random(in: 1...6, using: &rng)).map { _ in
                (0..<Int.random(in: 0...5, using: &rng)).map { _ in pieces.randomElement(using: &rng)! }.joined()
            }
            rows.append(row)
            w.appendRow(row, to: &out)
        }
        let r = try CSVFixtures.readAll(out, delimiter: delimiter, bufferSize: 5, sniffBytes: 1)
        let expected = audience == .machine ? rows : rows.map { row in
            row.map { field in
                var f = field
                guard let c = field.utf8.first, CSVWriter.startsFormula(c) || f.withUTF8(CSVWriter.isScientific) else { return field }
                return "'" + field
            }
        }
        #expect(r.records == expected)
        // Through delimiter sniffing too, behind a plain header (only the header's delimiter is
        // then a candidate, so random rows cannot sway it).
        var withHeader: [UInt8] = []
        w.appendRow(["name", "phone", "note"], to: &withHeader)
        withHeader += out.starts(with: CSVWriter.utf8BOM) ? Array(out.dropFirst(3)) : out
        let sniffed = try CSVFixtures.readAll(withHeader)
        #expect(sniffed.delimiter == delimiter)
        #expect(sniffed.records == [["name", "phone", "note"]] + expected)
    }
}
