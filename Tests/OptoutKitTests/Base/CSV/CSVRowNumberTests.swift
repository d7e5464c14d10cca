// CSVRowNumberTests: the reader's `row` is the row number a spreadsheet shows (a "sep=" line is
// not a row, a quoted field over several lines is one row, a blank line is a row), while `line`
// stays the physical line.

import Testing
@testable import OptoutBase

@Suite("CSVReader row numbers")
struct CSVRowNumberTests {
    func rowsAndLines(_ text: String) throws -> [(row: Int, line: Int, first: String)] {
        let reader = try CSVReader(bytes: Array(text.utf8))
        var out: [(Int, Int, String)] = []
        while try reader.next() { out.append((reader.row, reader.line, reader.string(0))) }
        return out
    }

    @Test("a sep= line is not a row; a multi-line field is one row; a blank line is a row")
    func spreadsheetRows() throws {
        let got = try rowsAndLines("sep=;\r\nname;phone\r\n\"Ann\r\nSmith\";+447911123456\r\n\r\nBob;07911123457\r\n")
        #expect(got.map(\.row) == [1, 2, 3, 4])
        #expect(got.map(\.line) == [2, 3, 5, 6])
        #expect(got.map(\.first) == ["name", "Ann\r\nSmith", "", "Bob"])
    }

    @Test("without a sep= line, rows and lines agree on one-line records")
    func plain() throws {
        let got = try rowsAndLines("name,phone\nAnn,1\nBob,2\n")
        #expect(got.map(\.row) == got.map(\.line))
    }

    @Test("a record skipped by recovery still counts as a row")
    func recovered() throws {
        let reader = try CSVReader(bytes: Array("a,b\n\"broken,1\nnext,2\n".utf8))
        reader.recovers = true
        var rows: [Int] = []
        while try reader.next() { rows.append(reader.row) }
        #expect(reader.skipped.count == 1)
        #expect(rows == [1, 3])
    }
}
