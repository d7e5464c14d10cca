// XLSXWriterTests: workbooks written by XLSXWriter read back through the project's sheet reader
// (text cells exactly as given, phone numbers and digit strings as text, integers as numbers,
// ISO times as dates), are well-formed XML for Python, freeze the header row and size the
// columns, are byte-identical for the same rows and time, and say in their last row how many rows
// Excel's row limit left out (a small limit in the test).

import Foundation
import Testing
@testable import OptoutBase
import OptoutTestSupport

@Suite("XLSXWriter")
struct XLSXWriterTests {
    static let columns = [XLSXColumn("time", .date), XLSXColumn("phone"), XLSXColumn("line", .integer), XLSXColumn("note")]
    static let rows: [[String]] = [
        ["2026-11-27T12:32:58Z", "+447911123456", "2", "plain"],
        ["2026-02-30T00:00:00Z", "07911123456", "007", "a & b <c> > d"],
        ["", "4.47911E+11", "", "=HYPERLINK(\"x\")"],
        ["not a time", "447911123456", "1234567890123456", " lead and trail "],
        ["1999-12-31T23:59:59Z", "ARRÊT ë 😀", "-5", "line1\nline2\r\nend\u{1}_x0041_"],
    ]
    static let time = Timestamp(seconds: 1_795_000_000)

    static func write(_ path: String, rows: [[String]] = rows, rowLimit: Int = XLSXWriter.excelRowLimit) throws -> XLSXResult {
        let writer = try XLSXWriter(path: path, columns: columns, sheetName: "skipped: a/b", modified: time, rowLimit: rowLimit)
        for row in rows { try writer.appendRow(row) }
        return try writer.commit()
    }

    static func read(_ path: String) throws -> [SheetRow] {
        let workbook = try SheetWorkbooks.open(path: path)
        #expect(workbook.sheets.count == 1)
        var rows: [SheetRow] = []
        try workbook.read(workbook.sheets[0]) { rows.append($0) }
        return rows
    }

    @Test("cells read back exactly: text as given, integers as numbers, times as dates")
    func readBack() throws {
        let temp = ArchiveTemp()
        let result = try Self.write("\(temp.path)/w.xlsx")
        #expect(result == XLSXResult(rows: 5, omitted: 0))
        let rows = try Self.read("\(temp.path)/w.xlsx")
        #expect(rows.map(\.number) == [1, 2, 3, 4, 5, 6])
        #expect(rows.map(\.cells) == [
            ["time", "phone", "line", "note"],
            ["2026-11-27T12:32:58", "+447911123456", "2", "plain"],
            ["2026-02-30T00:00:00Z", "07911123456", "007", "a & b <c> > d"],
            ["", "4.47911E+11", "", "=HYPERLINK(\"x\")"],
            ["not a time", "447911123456", "1234567890123456", " lead and trail "],
            ["1999-12-31T23:59:59", "ARRÊT ë 😀", "-5", "line1\nline2\r\nend\u{1}_x0041_"],
        ])
        // The number cells are numbers, the phone cells inline strings (text), the time a date.
        let sheet = String(decoding: try ZipReader(path: "\(temp.path)/w.xlsx").contents(of: #require(ZipReader(path: "\(temp.path)/w.xlsx").entry(named: "xl/worksheets/sheet1.xml"))), as: UTF8.self)
        #expect(sheet.contains(#"<c r="C2"><v>2</v></c>"#))
        #expect(sheet.contains(#"<c r="B2" t="inlineStr"><is><t>+447911123456</t></is></c>"#))
        #expect(sheet.contains(#"<c r="C3" t="inlineStr"><is><t>007</t></is></c>"#))
        #expect(sheet.contains(#"<c r="A2" s="1"><v>"#))
        #expect(sheet.contains(#"<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>"#))
        // Widths: the widest value (16 characters of note " lead and trail " → 18), the date 20+2, capped at 60.
        #expect(sheet.contains(#"<col min="1" max="1" width="22" customWidth="1"/>"#))
        #expect(sheet.contains(#"<col min="3" max="3" width="18" customWidth="1"/>"#))
        #expect(sheet.contains(#"<dimension ref="A1:D6"/>"#))
    }

    @Test("byte-identical for the same rows and time")
    func deterministic() throws {
        let temp = ArchiveTemp()
        _ = try Self.write("\(temp.path)/1.xlsx")
        _ = try Self.write("\(temp.path)/2.xlsx")
        #expect(temp.bytes("1.xlsx") == temp.bytes("2.xlsx"))
        #expect(try !FileManager.default.contentsOfDirectory(atPath: temp.path).contains { $0.hasPrefix(".") }, "no temp file left")
    }

    @Test("rows beyond the sheet's limit are counted and named in its last row")
    func rowLimit() throws {
        let temp = ArchiveTemp()
        let many = (1...10).map { ["", "+4479111234\($0 + 10)", String($0), ""] }
        let over = try Self.write("\(temp.path)/over.xlsx", rows: many, rowLimit: 5)
        #expect(over == XLSXResult(rows: 3, omitted: 7))
        let rows = try Self.read("\(temp.path)/over.xlsx")
        #expect(rows.count == 5)
        #expect(rows.last?.cells == ["7 more rows are not in this workbook: a sheet holds at most 1,048,576 rows"])
        // Exactly as many rows as fit: the last slot holds the last row, no note.
        let exact = try Self.write("\(temp.path)/exact.xlsx", rows: Array(many.prefix(4)), rowLimit: 5)
        #expect(exact == XLSXResult(rows: 4, omitted: 0))
        #expect(try Self.read("\(temp.path)/exact.xlsx").last?.cells == ["", "+447911123414", "4"])
    }

    @Test("every part is well-formed XML for Python, and the ZIP's CRCs check")
    func python() throws {
        let temp = ArchiveTemp()
        _ = try Self.write("\(temp.path)/w.xlsx")
        let script = """
        import zipfile, xml.etree.ElementTree as ET
        z = zipfile.ZipFile('w.xlsx')
        assert z.testzip() is None
        for name in z.namelist():
            ET.fromstring(z.read(name))
        ns = {'m': 'http://schemas.openxmlformats.org/spreadsheetml/2006/main'}
        wb = ET.fromstring(z.read('xl/workbook.xml'))
        assert wb.find('m:sheets/m:sheet', ns).get('name') == 'skipped_ a_b', wb.find('m:sheets/m:sheet', ns).get('name')
        """
        _ = temp.python(script)
    }

    @Test("escapes: control characters, CR and literal _xHHHH_ as ST_Xstring escapes")
    func escapes() {
        var out: [UInt8] = []
        Array("a\u{1}b\rc_x0041_d_x12_&".utf8).withUnsafeBufferPointer { XLSXWriter.appendEscaped($0, into: &out) }
        #expect(String(decoding: out, as: UTF8.self) == "a_x0001_b_x000D_c_x005F_x0041_d_x12_&amp;")
    }

    @Test("throughput: 100,000 skipped-report rows (debug build figure printed)")
    func throughput() throws {
        let temp = ArchiveTemp()
        let writer = try XLSXWriter(path: "\(temp.path)/big.xlsx", columns: [XLSXColumn("line", .integer), XLSXColumn("phone"), XLSXColumn("reason")],
                                    sheetName: "skipped", modified: Self.time)
        let n = 100_000
        let started = Date()
        var line: [UInt8] = [], phone: [UInt8] = []
        let reason = Array("opted out on 2026-11-20T10:00:00Z (reply STOP, inbox/stops/log.csv:12)".utf8)
        for i in 0..<n {
            line = Array(String(i + 2).utf8)
            phone = Array("+44791\(1_000_000 + i)".utf8)
            try line.withUnsafeBufferPointer { l in
                try phone.withUnsafeBufferPointer { p in
                    try reason.withUnsafeBufferPointer { r in
                        try writer.appendRow { [l, p, r][$0] }
                    }
                }
            }
        }
        #expect(try writer.commit().rows == n)
        let seconds = Date().timeIntervalSince(started)
        print("XLSXWriter: \(n) rows in \(String(format: "%.2f", seconds)) s = \(Int(Double(n) / seconds)) rows/s (this build), \(temp.bytes("big.xlsx").count) bytes")
        let rows = try Self.read("\(temp.path)/big.xlsx")
        #expect(rows.count == n + 1)
        #expect(rows.last?.cells == [String(n + 1), "+44791\(1_000_000 + n - 1)", String(decoding: reason, as: UTF8.self)])
    }

    /// Streamed with a measured layout (straight into the ZIP, issue 13) or through the temp file:
    /// the same bytes, for rows of every kind (non-ASCII, invalid UTF-8, escapes, repeated and
    /// invalid dates) and at, below and over the row limit.
    @Test("streamed with XLSXMeasure's layout: the same bytes as through the temp file")
    func streamedEqualsTemp() throws {
        let temp = ArchiveTemp()
        var rows = Self.rows
        rows.append(["2026-11-27T12:32:58Z", "caf\u{E9} \u{1F600}\u{1F600}", "12", "x_x0041_y"])
        rows.append(["2026-11-27T12:32:58Z", "", "0", String(repeating: "w", count: 80)])
        let invalid: [UInt8] = [0x61, 0xFF, 0x62, 0xEF, 0xBF, 0xBF]
        func write(_ path: String, _ rows: [[String]], rowLimit: Int, streamed: Bool) throws -> XLSXResult {
            func cells(_ row: [String], _ i: Int) -> [UInt8] { i == 3 && row[0] == "" && row[1] == "" ? invalid : Array(row[i].utf8) }
            var layout: XLSXLayout?
            if streamed {
                var measure = XLSXMeasure(columns: Self.columns, rowLimit: rowLimit)
                for row in rows {
                    let bytes = (0..<4).map { cells(row, $0) }
                    bytes[0].withUnsafeBufferPointer { a in bytes[1].withUnsafeBufferPointer { b in bytes[2].withUnsafeBufferPointer { c in bytes[3].withUnsafeBufferPointer { d in
                        measure.add { [a, b, c, d][$0] }
                    } } } }
                }
                layout = measure.layout
            }
            let writer = try XLSXWriter(path: path, columns: Self.columns, sheetName: "s", modified: Self.time, rowLimit: rowLimit, layout: layout)
            for row in rows {
                let bytes = (0..<4).map { cells(row, $0) }
                try bytes[0].withUnsafeBufferPointer { a in try bytes[1].withUnsafeBufferPointer { b in try bytes[2].withUnsafeBufferPointer { c in try bytes[3].withUnsafeBufferPointer { d in
                    try writer.appendRow { [a, b, c, d][$0] }
                } } } }
            }
            return try writer.commit()
        }
        rows.append(["", "", "", "invalid"])
        for limit in [3, 4, rows.count + 1, rows.count + 2, XLSXWriter.excelRowLimit] {
            let a = try write("\(temp.path)/a\(limit).xlsx", rows, rowLimit: limit, streamed: false)
            let b = try write("\(temp.path)/b\(limit).xlsx", rows, rowLimit: limit, streamed: true)
            #expect(a == b)
            #expect(temp.bytes("a\(limit).xlsx") == temp.bytes("b\(limit).xlsx"), "row limit \(limit)")
        }
        #expect(try Self.read("\(temp.path)/b\(XLSXWriter.excelRowLimit).xlsx").count == rows.count + 1)
        // Rows other than those measured fail loudly instead of writing a wrong dimension.
        var measure = XLSXMeasure(columns: Self.columns)
        let one = Array("1".utf8)
        one.withUnsafeBufferPointer { p in measure.add { _ in p } }
        let writer = try XLSXWriter(path: "\(temp.path)/wrong.xlsx", columns: Self.columns, sheetName: "s", modified: Self.time, layout: measure.layout)
        #expect(throws: OptoutError.self) { _ = try writer.commit() }
        #expect(!FileManager.default.fileExists(atPath: "\(temp.path)/wrong.xlsx"))
    }
}
