// SheetReaderTests.swift: the XLSX and ODS readers on the committed fixtures (made by
// Fixtures/Sheets/make_fixtures.py with Python's zipfile, openpyxl and xlsxwriter), each read to
// the rows its generator expected: shared and inline strings, rich text, phonetic runs, _xHHHH_
// escapes, t="str", sparse cells and rows, a tab order different from the file names, dates (1900
// and 1904, built-in and custom formats), numeric phone cells as exact digits with flags, ODS
// repeats and annotations, data descriptors; a zip bomb refused with a reason naming the entry;
// and LibreOffice's own .xlsx and .ods made from a CSV in the test (skipped with a printed reason
// when soffice is missing, failing under CI=true).

import Foundation
import Testing
@testable import OptoutBase
import OptoutTestSupport

enum SheetFixtures {
    static let directory: String = {
        let here = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        return here.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures/Sheets").path
    }()

    static func path(_ name: String) -> String { "\(directory)/\(name)" }

    /// [(sheet name, rows)] from X.expected.json.
    static func expected(_ name: String) throws -> [(String, [SheetRow])] {
        let data = try #require(FileManager.default.contents(atPath: path(name + ".expected.json")))
        let json = try #require(try JSONSerialization.jsonObject(with: data) as? [[Any]])
        return try json.map { pair in
            let rows = try #require(pair[1] as? [[Any]])
            return (try #require(pair[0] as? String), try rows.map { row in
                SheetRow(number: try #require(row[0] as? Int), cells: try #require(row[1] as? [String]))
            })
        }
    }

    /// Every sheet's rows, in tab order.
    static func read(_ workbook: SheetWorkbook) throws -> [(String, [SheetRow])] {
        try workbook.sheets.map { sheet in
            var rows: [SheetRow] = []
            try workbook.read(sheet) { rows.append($0) }
            return (sheet.name, rows)
        }
    }
}

@Suite("SheetReaders")
struct SheetReaderTests {
    func compare(_ got: [(String, [SheetRow])], _ expected: [(String, [SheetRow])], _ fixture: String) {
        #expect(got.map(\.0) == expected.map(\.0), "\(fixture): sheet names in tab order")
        for ((name, rows), (_, want)) in zip(got, expected) {
            #expect(rows.map(\.number) == want.map(\.number), "\(fixture) \(name): row numbers")
            #expect(rows.map(\.cells) == want.map(\.cells), "\(fixture) \(name): cells")
        }
    }

    @Test("each committed fixture reads to its generator's rows", arguments: [
        "zipfile.xlsx", "zipfile1904.xlsx", "zipfile.ods", "openpyxl.xlsx", "xlsxwriter.xlsx",
    ])
    func fixture(name: String) throws {
        guard FileManager.default.fileExists(atPath: SheetFixtures.path(name)) else {
            Issue.record("fixture \(name) missing: run Fixtures/Sheets/make_fixtures.py")
            return
        }
        let workbook = try SheetWorkbooks.open(path: SheetFixtures.path(name))
        compare(try SheetFixtures.read(workbook), try SheetFixtures.expected(name), name)
    }

    @Test("tab order from the relationships, data descriptors, flags on numeric cells")
    func details() throws {
        let workbook = try XLSXSheetReader(path: SheetFixtures.path("zipfile.xlsx"))
        #expect(workbook.sheets.map(\.part) == ["xl/worksheets/sheet2.xml", "xl/worksheets/sheet1.xml"])
        #expect(workbook.sheet(named: "contacts")?.index == 0)
        let zip = try ZipReader(path: SheetFixtures.path("zipfile.xlsx"))
        #expect(zip.entries.allSatisfy { $0.hasDataDescriptor })
        var rows: [Int: SheetRow] = [:]
        try workbook.read(workbook.sheets[0]) { rows[$0.number] = $0 }
        #expect(rows[2]?.flags == [:])
        #expect(rows[3]?.flags == [:])
        #expect(rows[6]?.flags == [1: .fractional, 3: .tooManyDigits])
        #expect(!workbook.date1904)
        #expect(try XLSXSheetReader(path: SheetFixtures.path("zipfile1904.xlsx")).date1904)

        let ods = try ODSSheetReader(path: SheetFixtures.path("zipfile.ods"))
        var all: [(String, Int)] = []
        try ods.readAll { all.append(($0.name, $1.number)) }
        #expect(all.map(\.0) == ["Liste & more", "Liste & more", "Liste & more", "Liste & more", "Liste & more", "Second"])
        var second: [SheetRow] = []
        try ods.read(ods.sheets[1]) { second.append($0) }
        #expect(second == [SheetRow(number: 1, cells: ["0.5"], flags: [0: .fractional])])
    }

    @Test("a zip bomb is refused with a reason naming the entry; the blank-row cap holds")
    func bomb() throws {
        let path = SheetFixtures.path("bomb.xlsx")
        let workbook = try XLSXSheetReader(path: path)
        do {
            try workbook.read(workbook.sheets[0]) { _ in }
            Issue.record("the bomb was read")
        } catch let error as SheetError {
            #expect(error.sheet == "Bomb")
            #expect(error.reason.contains("xl/worksheets/sheet1.xml"), "\(error)")
            #expect(error.reason.contains("zip bomb"), "\(error)")
        }
        var limits = SheetLimits(zip: ZipLimits(maxRatio: 100_000))
        limits.maxBlankRows = 10_000
        let capped = try XLSXSheetReader(path: path, limits: limits)
        do {
            try capped.read(capped.sheets[0]) { _ in }
            Issue.record("the blank rows were read")
        } catch let error as SheetError {
            #expect(error.reason.contains("more than 10000 blank rows"), "\(error)")
            #expect(error.row == 10_001)
        }
    }

    @Test("exact numbers without Double", arguments: [
        ("447911123456", "447911123456", SheetCellFlags()),
        ("4.47911123456E11", "447911123456", SheetCellFlags()),
        ("4.47911123456e+11", "447911123456", SheetCellFlags()),
        ("447911000000", "447911000000", SheetCellFlags()),
        ("447911123456.5", "447911123456.5", SheetCellFlags.fractional),
        ("1E-3", "0.001", SheetCellFlags.fractional),
        ("-0012.50", "-12.5", SheetCellFlags.fractional),
        ("12345678901234567", "12345678901234567", SheetCellFlags.tooManyDigits),
        ("1.2345678901234568E+18", "1234567890123456800", SheetCellFlags.tooManyDigits),
        ("-0", "0", SheetCellFlags()),
    ])
    func numbers(text: String, exact: String, flags: SheetCellFlags) {
        let got = SheetNumber.exact(text)
        #expect(got?.text == exact)
        #expect(got?.flags == flags)
    }

    @Test("not numbers") func notNumbers() {
        for text in ["", "abc", "1.2.3", "1e", "--1", "0x10"] { #expect(SheetNumber.exact(text) == nil, "\(text)") }
    }

    @Test("date formats and serials") func dates() {
        #expect(SheetDate.custom("yyyy-mm-dd") == .date)
        #expect(SheetDate.custom("[$-409]d-mmm;@") == .date)
        #expect(SheetDate.custom("mmm") == .date)
        #expect(SheetDate.custom("h:mm AM/PM") == .time)
        #expect(SheetDate.custom("[h]:mm:ss") == .time)
        #expect(SheetDate.custom("dd/mm/yyyy hh:mm") == .dateTime)
        #expect(SheetDate.custom("[Red]0.00") == nil)
        #expect(SheetDate.custom("[White]0") == nil)
        #expect(SheetDate.custom("0.00E+00") == nil)
        #expect(SheetDate.custom("\"Tel \"0") == nil)
        #expect(SheetDate.custom("General") == nil)
        #expect(SheetDate.builtIn(14) == .date && SheetDate.builtIn(22) == .dateTime && SheetDate.builtIn(46) == .time)
        #expect(SheetDate.builtIn(0) == nil && SheetDate.builtIn(49) == nil)
        #expect(SheetDate.render(1, kind: .date, date1904: false) == "1900-01-01")
        #expect(SheetDate.render(59, kind: .date, date1904: false) == "1900-02-28")
        #expect(SheetDate.render(60, kind: .date, date1904: false) == "1900-02-29")
        #expect(SheetDate.render(61, kind: .date, date1904: false) == "1900-03-01")
        #expect(SheetDate.render(46352.999999, kind: .dateTime, date1904: false) == "2026-11-27T00:00:00")
        #expect(SheetDate.render(0.75, kind: .time, date1904: false) == "18:00:00")
        #expect(SheetDate.render(0, kind: .date, date1904: true) == "1904-01-01")
        #expect(SheetDate.render(-1, kind: .date, date1904: false) == nil)
    }

    @Test("LibreOffice's .xlsx and .ods of a CSV read to the CSV's rows")
    func libreOffice() throws {
        guard let soffice = ArchiveTemp.findTool("soffice") ?? ArchiveTemp.findTool("libreoffice") else {
            _ = toolAvailable(false, "soffice (LibreOffice) not found on PATH")
            return
        }
        let temp = ArchiveTemp()
        let csv = "Name,Phone,Joined,Note\nZoë Brontë,447911123456,2026-11-26,\"a, b\"\nAnn,+447911123457,,x\n,,,\nLast,7911123458,2026-01-02,\n"
        temp.write("twin.csv", Array(csv.utf8))
        for format in ["xlsx", "ods"] {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: soffice)
            process.arguments = ["-env:UserInstallation=file://\(temp.path)/profile", "--headless", "--infilter=CSV:44,34,76,1",
                                 "--convert-to", format, "--outdir", temp.path, "\(temp.path)/twin.csv"]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            process.waitUntilExit()
            let path = "\(temp.path)/twin.\(format)"
            guard FileManager.default.fileExists(atPath: path) else {
                Issue.record("soffice made no \(format) (status \(process.terminationStatus))")
                continue
            }
            let workbook = try SheetWorkbooks.open(path: path)
            let rows = try SheetFixtures.read(workbook)
            #expect(rows.count == 1)
            #expect(rows.first?.1.map(\.number) == [1, 2, 3, 5], "\(format)")
            #expect(rows.first?.1.map(\.cells) == [
                ["Name", "Phone", "Joined", "Note"],
                ["Zoë Brontë", "447911123456", "2026-11-26", "a, b"],
                // LibreOffice's CSV import reads "+447911123457" as a number: the workbook holds
                // 447911123457 and the reader returns what the workbook holds.
                ["Ann", "447911123457", "", "x"],
                ["Last", "7911123458", "2026-01-02"],
            ], "\(format)")
        }
    }
}

@Suite("SheetReaderLimits")
struct SheetReaderLimitTests {
    static let script = """
    import zipfile, sys
    rows = int(sys.argv[1])
    NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
    REL = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships'
    with zipfile.ZipFile('big.xlsx', 'w', zipfile.ZIP_DEFLATED) as z:
        z.writestr('xl/workbook.xml', f'<workbook {NS}><sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>')
        z.writestr('xl/_rels/workbook.xml.rels', f'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="{REL}/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="{REL}/sharedStrings" Target="sharedStrings.xml"/></Relationships>')
        z.writestr('xl/sharedStrings.xml', f'<sst {NS}>' + ''.join(f'<si><t>name {i}</t></si>' for i in range(1000)) + '</sst>')
        with z.open('xl/worksheets/sheet1.xml', 'w') as e:
            e.write(f'<worksheet {NS}><sheetData>'.encode())
            for r in range(1, rows + 1):
                e.write(f'<row r="{r}" spans="1:4"><c r="A{r}" t="s"><v>{r % 1000}</v></c><c r="B{r}"><v>4479{r:08d}</v></c><c r="C{r}" t="inlineStr"><is><t>note &amp; {r}</t></is></c><c r="D{r}" s="0"><v>{r}.5</v></c></row>'.encode())
            e.write(b'</sheetData></worksheet>')
    """

    @Test("a generated sheet of 100,000 rows streams through (MB/s printed); the shared-string cap holds")
    func throughput() throws {
        let temp = ArchiveTemp()
        guard temp.python(SheetReaderLimitTests.script, arguments: ["100000"]) else { return }
        let path = temp.path + "/big.xlsx"
        let zip = try ZipReader(path: path)
        let xmlBytes = try #require(zip.entry(named: "xl/worksheets/sheet1.xml")).uncompressedSize
        let workbook = try XLSXSheetReader(path: path)
        let start = Date()
        var count = 0
        var last: SheetRow?
        try workbook.read(workbook.sheets[0]) { row in count += 1; last = row }
        let seconds = Date().timeIntervalSince(start)
        print("xlsx: \(count) rows, \(xmlBytes) bytes of sheet XML in \(String(format: "%.2f", seconds)) s = \(String(format: "%.1f", Double(xmlBytes) / 1_048_576 / seconds)) MB/s")
        #expect(count == 100_000)
        #expect(last == SheetRow(number: 100_000, cells: ["name 0", "447900100000", "note & 100000", "100000.5"], flags: [3: .fractional]))

        var limits = SheetLimits()
        limits.maxSharedStrings = 999
        let capped = try XLSXSheetReader(path: path, limits: limits)
        #expect(throws: SheetError(reason: "more than 999 shared strings")) { try capped.read(capped.sheets[0]) { _ in } }
    }

    @Test("not workbooks: a CSV renamed .xlsx, a ZIP without a workbook, a sheet without its part, a bad shared-string index")
    func notWorkbooks() throws {
        let temp = ArchiveTemp()
        temp.write("renamed.xlsx", Array("name,phone\nAnn,+447911123456\n".utf8))
        #expect(throws: SheetError(reason: "not a readable workbook: not a ZIP archive: no end-of-central-directory record")) {
            _ = try SheetWorkbooks.open(path: temp.path + "/renamed.xlsx")
        }
        guard temp.python("""
        import zipfile
        NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
        REL = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships'
        rels = f'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="{REL}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
        with zipfile.ZipFile('docx.zip', 'w') as z:
            z.writestr('word/document.xml', '<w:document/>')
        with zipfile.ZipFile('norel.xlsx', 'w') as z:
            z.writestr('xl/workbook.xml', f'<workbook {NS}><sheets><sheet name="A" sheetId="1" r:id="rId9"/></sheets></workbook>')
            z.writestr('xl/_rels/workbook.xml.rels', rels)
        with zipfile.ZipFile('badindex.xlsx', 'w') as z:
            z.writestr('xl/workbook.xml', f'<workbook {NS}><sheets><sheet name="A" sheetId="1" r:id="rId1"/></sheets></workbook>')
            z.writestr('xl/_rels/workbook.xml.rels', rels)
            z.writestr('xl/worksheets/sheet1.xml', f'<worksheet {NS}><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>ok</t></is></c></row><row r="2"><c r="A2" t="s"><v>5</v></c></row></sheetData></worksheet>')
        """) else { return }
        #expect(throws: SheetError(reason: "no workbook part (xl/workbook.xml): not an Excel workbook")) {
            _ = try SheetWorkbooks.open(path: temp.path + "/docx.zip")
        }
        #expect(throws: SheetError(sheet: "A", reason: "the workbook names no part for this sheet (relationship missing)")) {
            _ = try SheetWorkbooks.open(path: temp.path + "/norel.xlsx")
        }
        let workbook = try SheetWorkbooks.open(path: temp.path + "/badindex.xlsx")
        var rows: [SheetRow] = []
        #expect(throws: SheetError(sheet: "A", row: 2, reason: "shared string 5 does not exist (0 in the workbook)")) {
            try workbook.read(workbook.sheets[0]) { rows.append($0) }
        }
        #expect(rows == [SheetRow(number: 1, cells: ["ok"])])
    }

    @Test("ODS caps: a non-blank row repeated too often, too many columns")
    func odsCaps() throws {
        let temp = ArchiveTemp()
        guard temp.python("""
        import zipfile
        NS = 'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"'
        for name, row in [('rows', '<table:table-row table:number-rows-repeated="1000000"><table:table-cell office:value-type="string"><text:p>x</text:p></table:table-cell></table:table-row>'),
                          ('cols', '<table:table-row><table:table-cell table:number-columns-repeated="20000" office:value-type="string"><text:p>x</text:p></table:table-cell></table:table-row>')]:
            with zipfile.ZipFile(name + '.ods', 'w', zipfile.ZIP_DEFLATED) as z:
                z.writestr('content.xml', f'<office:document-content {NS}><office:body><office:spreadsheet><table:table table:name="T"><table:table-row><table:table-cell office:value-type="string"><text:p>head</text:p></table:table-cell></table:table-row>{row}</table:table></office:spreadsheet></office:body></office:document-content>')
        """) else { return }
        for (name, reason) in [("rows", "a row repeated 1000000 times, more than the 100000 allowed"), ("cols", "more than 16384 columns")] {
            let workbook = try SheetWorkbooks.open(path: "\(temp.path)/\(name).ods")
            var rows = 0
            #expect(throws: SheetError(sheet: "T", row: 2, reason: reason)) { try workbook.read(workbook.sheets[0]) { _ in rows += 1 } }
            #expect(rows == 1)
        }
    }
}
