// CSVReader's recovery mode (opt-out inputs): a record that cannot be read is listed and reading
// resumes at the physical line after the one it started on, one line per record; the default
// (lists) still stops at the first error.

import Foundation
import Testing
@testable import OptoutBase
@testable import OptoutKit
@testable import OptoutPhone
import OptoutTestSupport

@Suite("CSVReader — recovery for opt-out inputs") struct CSVRecoveryTests {
    struct Outcome: Equatable {
        var records: [[String]]
        var lines: [Int]
        var skipped: [String]
    }

    func recover(_ bytes: [UInt8], bufferSize: Int = CSVReader.defaultBufferSize, maxRecordBytes: Int = 16 << 20) throws -> Outcome {
        let reader = try CSVReader(bytes: bytes, delimiter: UInt8(ascii: ","), maxRecordBytes: maxRecordBytes, bufferSize: bufferSize, sniffBytes: 8)
        reader.recovers = true
        let all = try CSVFixtures.drain(reader)
        return Outcome(records: all.records, lines: all.lines, skipped: reader.skipped.map { "\($0.line): \($0.reason)" })
    }

    /// Line 2 opens a quote that is never closed (line 5's quotes are doubled quotes inside it).
    static let unclosed = "a,b\n1,\"x\n2,y\r\n3,w\r4,\"\"\"\"\n"

    @Test func theDefaultStillStopsAtTheFirstError() {
        #expect(CSVFixtures.error(CSVFixtures.utf8(Self.unclosed), delimiter: UInt8(ascii: ","))?.kind == .unterminatedQuote)
    }

    @Test(arguments: [1, 2, 3, 5, 64, CSVReader.defaultBufferSize])
    func anUnclosedQuoteSkipsItsLineOnlyAtAnyBufferSize(bufferSize: Int) throws {
        let outcome = try recover(CSVFixtures.utf8(Self.unclosed), bufferSize: bufferSize)
        #expect(outcome == Outcome(
            records: [["a", "b"], ["2", "y"], ["3", "w"], ["4", "\""]],
            lines: [1, 3, 4, 5],
            skipped: ["2: quoted field opened here is never closed"]))
    }

    @Test func aQuoteOpenedLaterInTheRecordListsTheRecordsFirstLine() throws {
        let outcome = try recover(CSVFixtures.utf8("h\n\"a\nb\",\"c\nd\ne\n"))
        #expect(outcome.lines == [1, 3, 4, 5])
        #expect(outcome.records == [["h"], ["b\"", "c"], ["d"], ["e"]])
        #expect(outcome.skipped == ["2: quoted field opened here is never closed (line 3)"])
    }

    @Test func recordsTooLargeAreSkippedOneByOne() throws {
        let long = String(repeating: "x", count: 100)
        let text = "h\nok1\n\(long)\nok2\n\"\(long)\nstill quoted\"\n\(long)\nok3"
        let outcome = try recover(CSVFixtures.utf8(text), bufferSize: 7, maxRecordBytes: 50)
        #expect(outcome.records == [["h"], ["ok1"], ["ok2"], ["still quoted\""], ["ok3"]])
        #expect(outcome.lines == [1, 2, 4, 6, 8])
        #expect(outcome.skipped.map { $0.prefix(3) } == ["3: ", "5: ", "7: "])
        #expect(outcome.skipped.allSatisfy { $0.contains("record is larger than 50 bytes") })
    }

    @Test func aNULByteSkipsItsLine() throws {
        let outcome = try recover(CSVFixtures.utf8("h\n1\n2\u{0}2\n3\n"), bufferSize: 2)
        #expect(outcome.records == [["h"], ["1"], ["3"]])
        #expect(outcome.skipped == ["3: NUL byte in the text; this looks like a binary file, or UTF-16 text without a byte-order mark"])
    }

    @Test func utf16WithHalfACharacterAtTheEndKeepsItsLastRecord() throws {
        let bytes = CSVFixtures.utf16LE("h\n1\n2") + [0x41]
        let outcome = try recover(bytes, bufferSize: 3)
        #expect(outcome.records == [["h"], ["1"], ["2"]])
        #expect(outcome.skipped.count == 1 && outcome.skipped[0].contains("half a character"))
    }

    @Test func aFileOnDiskRecoversToo() throws {
        let path = try CSVFixtures.tempFile(CSVFixtures.utf8Windows())
        defer { CSVFixtures.removeTemp(path) }
        let reader = try CSVReader(path: path)
        reader.recovers = true
        let all = try CSVFixtures.drain(reader)
        #expect(all.records.count == 3 && reader.skipped.map(\.line) == [3])
    }
}

extension CSVFixtures {
    /// A Windows-1252 log (é in a field) whose line 3 opens a quote that never closes.
    static func utf8Windows() -> [UInt8] {
        cp1252("from,text\r\n+447700900001,arrêt\r\n+447700900002,\"STOP\r\n+447700900003,STOP\r\n")
    }
}
