// PeopleWorkbookTwinTests: a people CSV (guarded as CSVWriter and textCell guard it) becomes an
// .xlsx whose cells are the values meant, without the guard apostrophe; the kinds follow the
// headers; rows over the sheet limit are named in the last row with the CSV's name, and the
// report warning says so.

import Foundation
import Testing
@testable import OptoutBase
@testable import OptoutKit
import OptoutTestSupport

@Suite("PeopleWorkbookTwin")
struct PeopleWorkbookTwinTests {
    /// The values meant, as [header] + rows; the people CSV writes them guarded.
    static let meant: [[String]] = [
        ["time", "number", "raw text", "line"],
        ["2026-11-26T08:00:00Z", "+447911123456", "07911123456", "3"],
        ["2026-11-26T08:01:00Z", "+447911123457", "4.47911E+11", "4"],
        ["2026-11-26T08:02:00Z", "", "=HYPERLINK(\"http://x\")", "5"],
        ["2026-11-26T08:03:00Z", "+447911123458", "'quoted by the sender", "6"],
        ["2026-11-26T08:04:00Z", "+447911123459", "ARRÊT, \"merci\"\nbye", "7"],
    ]

    static func peopleCSV(_ rows: [[String]]) -> [UInt8] {
        let w = CSVWriter(audience: .people)
        var out = CSVWriter.utf8BOM
        // As the unsubscription report: the number and raw-text columns get the digits guard too.
        for row in rows { w.appendRow(row.enumerated().map { $0 == 1 || $0 == 2 ? UnsubscriptionReportText.textCell($1) : $1 }, to: &out) }
        return out
    }

    static func sheetRows(_ path: String) throws -> [[String]] {
        let workbook = try SheetWorkbooks.open(path: path)
        var rows: [[String]] = []
        try workbook.read(workbook.sheets[0]) { rows.append($0.cells) }
        return rows
    }

    @Test("the twin holds the values meant: no guard apostrophe, times as dates, lines as numbers")
    func twin() throws {
        let temp = ArchiveTemp()
        let csv = Self.peopleCSV(Self.meant)
        #expect(String(decoding: csv, as: UTF8.self).contains("'+447911123456,'07911123456,3\r\n"))
        #expect(String(decoding: csv, as: UTF8.self).contains("'4.47911E+11"))
        temp.write("unsubscriptions-x.csv", csv)
        let written = try PeopleWorkbookTwin.write(csvPath: "\(temp.path)/unsubscriptions-x.csv", modified: Timestamp(seconds: 1_795_000_000), sheetName: "unsubscriptions")
        #expect(written.path == "\(temp.path)/unsubscriptions-x.xlsx")
        #expect(written.result == XLSXResult(rows: 5, omitted: 0))
        let rows = try Self.sheetRows(written.path)
        // The reader shows a date cell as 2026-11-26T08:00:00 (no zone); every other cell as meant.
        let expected = Self.meant.enumerated().map { i, row in
            i == 0 ? row : [String(row[0].dropLast())] + row.dropFirst()
        }.map { row in Array(row.reversed().drop(while: \.isEmpty).reversed()) }
        #expect(rows == expected)
        let sheet = String(decoding: try ZipReader(path: written.path).contents(of: #require(ZipReader(path: written.path).entry(named: "xl/worksheets/sheet1.xml"))), as: UTF8.self)
        #expect(sheet.contains(#"<c r="D2"><v>3</v></c>"#), "line numbers are numbers")
        #expect(sheet.contains(#"<c r="A2" s="1"><v>"#), "times are dates")
    }

    @Test("unguarded takes off only the apostrophe a guard added")
    func unguarded() {
        func check(_ field: String) -> String {
            var f = field
            return f.withUTF8 { String(decoding: PeopleWorkbookTwin.unguarded($0), as: UTF8.self) }
        }
        #expect(check("'+447911123456") == "+447911123456")
        #expect(check("'=1+1") == "=1+1")
        #expect(check("'07911123456") == "07911123456")
        #expect(check("'4.47911E+11") == "4.47911E+11")
        #expect(check("'quoted") == "'quoted")
        #expect(check("'") == "'")
        #expect(check("plain") == "plain")
    }

    @Test("rows over the sheet's limit: the last row names the CSV; the report warning says so")
    func overLimit() throws {
        let temp = ArchiveTemp()
        temp.write("sale-skipped.csv", Self.peopleCSV([["line", "phone", "reason"]] + (2...9).map { [String($0), "", "blank row"] }))
        let written = try PeopleWorkbookTwin.write(csvPath: "\(temp.path)/sale-skipped.csv", modified: Timestamp(seconds: 0), sheetName: "skipped", rowLimit: 5)
        #expect(written.result == XLSXResult(rows: 3, omitted: 5))
        let rows = try Self.sheetRows(written.path)
        #expect(rows.count == 5, "\(rows)")
        #expect(rows.last == ["5 more rows are not in this workbook (a sheet holds at most 1,048,576 rows): sale-skipped.csv holds every row"])
        #expect(PeopleWorkbookTwin.overLimitWarning(rows: 1_048_575, csvName: "sale-skipped.csv") == nil)
        #expect(PeopleWorkbookTwin.overLimitWarning(rows: 1_048_576, csvName: "sale-skipped.csv")
            == "sale-skipped.xlsx holds the first 1,048,574 of 1,048,576 rows (a sheet holds at most 1,048,576 rows; its last row says so); sale-skipped.csv holds every row")
    }
    /// Issue 13: a twin staged from the CSV's temp file (the rows counted by the caller) has the
    /// bytes `write` gives, for every row count around the sheet's limit; it is published only by
    /// `commit()`, and dropped uncommitted it leaves nothing behind.
    @Test("a staged twin has write's bytes, appears only on commit, and leaves nothing when dropped")
    func staged() throws {
        let temp = ArchiveTemp()
        for rows in [0, 1, 2, 3, 4, 5, 9] {   // rowLimit 5: 3 rows fit, a 4th alone takes the note's place
            let csv = Self.peopleCSV([["line", "phone", "reason"]] + (0..<rows).map { [String($0 + 2), "'+44791112345\($0)", "opted out"] })
            temp.write("s-skipped.csv", csv)
            temp.write(".s-skipped.csv.tmp-1-00000000", csv)   // the CSV's temp file, not yet renamed
            let written = try PeopleWorkbookTwin.write(csvPath: "\(temp.path)/s-skipped.csv", modified: Timestamp(seconds: 1_795_000_000), sheetName: "skipped", rowLimit: 5)
            let expected = temp.bytes("s-skipped.xlsx")
            unlink(written.path)
            let staged = try PeopleWorkbookTwin.stage(csvPath: "\(temp.path)/s-skipped.csv", readPath: "\(temp.path)/.s-skipped.csv.tmp-1-00000000",
                                                      modified: Timestamp(seconds: 1_795_000_000), sheetName: "skipped", rowLimit: 5, dataRows: rows)
            #expect(!Durable.exists(written.path), "\(rows) rows: visible before its commit")
            #expect(staged.result == written.result)
            try staged.commit()
            #expect(temp.bytes("s-skipped.xlsx") == expected, "\(rows) rows: staged bytes differ from write's")
            #expect(Tree.files(under: temp.path).filter { $0.hasSuffix(".xlsx") || $0.contains(".xlsx.tmp-") } == ["s-skipped.xlsx"])
            unlink(written.path)
        }
        // Dropped before its commit: the synced temp file goes too.
        do {
            _ = try PeopleWorkbookTwin.stage(csvPath: "\(temp.path)/s-skipped.csv", readPath: "\(temp.path)/s-skipped.csv",
                                             modified: Timestamp(seconds: 0), sheetName: "skipped", rowLimit: 5, dataRows: 9)
        }
        #expect(Tree.files(under: temp.path).filter { $0.contains(".xlsx") }.isEmpty)
    }

    /// Issue 13: a campaign's skipped rows are measured as they are written, and only until the
    /// sheet is full (`stopsWhenFull`); the rest are counted from the caller's count. The layout
    /// is the one measuring every row gives, and a twin staged with it has the bytes `write` gives.
    @Test("rows measured while written, only until the sheet is full: the layout of every row, the same twin")
    func measuredUntilFull() throws {
        let temp = ArchiveTemp()
        let headers = CampaignOutputs.skippedHeaders
        for rows in [0, 1, 2, 3, 4, 5, 9, 40] {   // rowLimit 5: the first 4 rows are measured
            // Widths grow row by row; rows past the measured ones are the widest of all.
            let data = (0..<rows).map { [String($0 + 2), "+44791112345\(String(repeating: "9", count: $0))", "opted out" + String(repeating: "!", count: 2 * $0)] }
            let csv = Self.peopleCSV([headers] + data)
            let body = Array(csv.dropFirst(CSVWriter.utf8BOM.count + "line,phone,reason\r\n".utf8.count))
            let every = PeopleWorkbookTwin.RowMeasure(headers: headers, rowLimit: 5)
            let untilFull = PeopleWorkbookTwin.RowMeasure(headers: headers, rowLimit: 5, stopsWhenFull: true)
            try every.add(body)
            var rowStart = 0   // one row at a time, as a campaign's chunks would hand them over
            for i in body.indices where body[i] == 0x0A {
                try untilFull.add(Array(body[rowStart...i]))
                rowStart = i + 1
            }
            let expected = try #require(try every.layout())
            #expect(try untilFull.layout(dataRows: rows) == expected, "\(rows) rows")
            temp.write("m-skipped.csv", csv)
            let written = try PeopleWorkbookTwin.write(csvPath: "\(temp.path)/m-skipped.csv", modified: Timestamp(seconds: 1_795_000_000), sheetName: "skipped", rowLimit: 5)
            let bytes = temp.bytes("m-skipped.xlsx")
            unlink(written.path)
            let staged = try PeopleWorkbookTwin.stage(csvPath: "\(temp.path)/m-skipped.csv", readPath: "\(temp.path)/m-skipped.csv", modified: Timestamp(seconds: 1_795_000_000),
                                                      sheetName: "skipped", rowLimit: 5, dataRows: rows, measured: expected)
            try staged.commit()
            #expect(temp.bytes("m-skipped.xlsx") == bytes, "\(rows) rows")
            unlink(written.path)
        }
        // A count that is not the rows measured gives no layout (the twin then measures the file).
        let notFull = PeopleWorkbookTwin.RowMeasure(headers: headers, rowLimit: 5, stopsWhenFull: true)
        try notFull.add(Array("2,,blank row\r\n3,,blank row\r\n".utf8))
        #expect(try notFull.layout(dataRows: 3) == nil)
        let full = PeopleWorkbookTwin.RowMeasure(headers: headers, rowLimit: 5, stopsWhenFull: true)
        try full.add(Array(String(repeating: "2,,blank row\r\n", count: 6).utf8))
        #expect(try full.layout(dataRows: 3) == nil, "fewer rows counted than measured")
        #expect(try full.layout(dataRows: 6) != nil)
    }

    @Test("a staged twin whose row count is not the file's fails, and leaves nothing")
    func stagedWrongCount() throws {
        let temp = ArchiveTemp()
        temp.write("s-skipped.csv", Self.peopleCSV([["line", "phone", "reason"]] + (2...9).map { [String($0), "", "blank row"] }))
        for wrong in [0, 7, 9, 20] {   // 8 rows in the file
            #expect(throws: OptoutError.self, "\(wrong) rows") {
                _ = try PeopleWorkbookTwin.stage(csvPath: "\(temp.path)/s-skipped.csv", readPath: "\(temp.path)/s-skipped.csv",
                                                 modified: Timestamp(seconds: 0), sheetName: "skipped", rowLimit: 5, dataRows: wrong)
            }
            #expect(Tree.files(under: temp.path) == ["s-skipped.csv"], "\(wrong) rows")
        }
    }
}
