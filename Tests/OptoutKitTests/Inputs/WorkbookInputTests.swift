// WorkbookInputTests: a sheet streamed into the temporary CSV the readers take (line N = row N,
// damaged phone-sized numbers in E notation), the workbook opt-out wrapper reading every sheet,
// and the messages for a workbook renamed .csv or one that cannot be read.

import Foundation
import Testing
@testable import OptoutKit
import OptoutBase
import OptoutPhone
import OptoutTestSupport

@Suite final class WorkbookInputTests {
    /// Every temp folder a test asked for, removed when the test is over.
    private var temps: [String] = []
    func temp() -> String {
        let folder = NSTemporaryDirectory() + "wb-test-" + UUID().uuidString
        temps.append(folder)
        return folder
    }
    deinit { for folder in temps { try? FileManager.default.removeItem(atPath: folder) } }

    @Test func sheetBecomesCSVWithRowsOnTheirOwnLines() throws {
        let book = try WorkbookInput.open(SheetFixtures.path("zipfile.xlsx"))
        let sheet = try WorkbookInput.sheet(nil, of: book)
        #expect(sheet.name == "Contacts")
        let folder = temp()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        var csvPath = ""
        do {
            let csv = try WorkbookInput.convert(book, sheet: sheet, tempFolder: folder)
            csvPath = csv.path
            #expect(csv.rows == 5)
            #expect(csv.failure == nil)
            let text = String(decoding: try #require(FileManager.default.contents(atPath: csv.path)), as: UTF8.self)
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            #expect(lines[0] == #""Name","Phone","Joined","","Note""#)
            #expect(lines[1] == #""Zoë Brontë","447911123456","2026-11-26","","Zoë Brontë!""#)
            #expect(lines[3] == "" && lines[4] == "")
            // Row 6: a fractional phone-sized number and a 17-digit one in E notation.
            #expect(lines[5] == ##""","4.479111234565E+11","","1.2345678901234567E+16","#N/A""##)
            #expect(lines[6] == #""line  two _x0041_ & <ok>""#)
            // Read back by the CSV reader: the lines are the rows.
            let reader = try CSVReader(path: csv.path)
            var seen: [Int] = []
            while try reader.next() {
                if !(reader.fieldCount == 1 && reader.field(0).isEmpty) { seen.append(reader.line) }
            }
            #expect(seen == [1, 2, 3, 6, 7])
        }
        #expect(!FileManager.default.fileExists(atPath: csvPath), "the temp CSV is removed once released")
    }

    @Test func odsRepeatsAndNamedSheet() throws {
        let book = try WorkbookInput.open(SheetFixtures.path("zipfile.ods"))
        let sheet = try WorkbookInput.sheet("second", of: book)
        #expect(sheet.name == "Second")
        #expect(throws: InputError.self) { try WorkbookInput.sheet("Nope", of: book) }
        let first = try WorkbookInput.convert(book, sheet: try WorkbookInput.sheet(nil, of: book), tempFolder: temp())
        let text = String(decoding: try #require(FileManager.default.contents(atPath: first.path)), as: UTF8.self)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines[2] == #""same","same","17:40:05""# && lines[3] == lines[2])
        #expect(lines[7] == "\"\",\"TRUE\",\"0.25\",\"two lines\ttab\"")
        #expect(lines.count == 9)  // 8 rows and the final line end: the 1048576-row blank tail is not written
    }

    @Test func damagedNumbersOnlyWhenPhoneSized() {
        #expect(WorkbookInput.damaged("12.5") == "12.5")
        #expect(WorkbookInput.damaged("447911123456.5") == "4.479111234565E+11")
        #expect(WorkbookInput.damaged("12345678901234567") == "1.2345678901234567E+16")
        #expect(WorkbookInput.damaged("-1234567.25") == "-1.23456725E+6")
        // The phone parser rejects the E notation as spreadsheet damage.
        let parser = PhoneNumberParser(defaultRegion: "GB")
        guard case .failure(let rejection) = parser.parse(WorkbookInput.damaged("447911123456.5")) else { Issue.record("parsed"); return }
        #expect(rejection == .scientificNotation)
    }

    @Test func bombFailsWithItsReason() throws {
        let book = try WorkbookInput.open(SheetFixtures.path("bomb.xlsx"))
        let csv = try WorkbookInput.convert(book, sheet: try WorkbookInput.sheet(nil, of: book), tempFolder: temp())
        let failure = try #require(csv.failure)
        #expect(!failure.reason.isEmpty)
    }

    func stopReader(_ folder: String) -> WorkbookSheets<StopLogReader> {
        WorkbookSheets(StopLogReader(parser: PhoneNumberParser(defaultRegion: "GB"), settings: Settings(), now: Timestamp(seconds: 1_800_000_000)), tempFolder: folder)
    }

    @Test func everySheetOfAStopLogIsRead() throws {
        let folder = temp()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let contents = try stopReader(folder).read(path: SheetFixtures.path("stops_xlsxwriter.xlsx"), displayName: "inbox/stops/s.xlsx",
                                                   contentKey: String(repeating: "b", count: 64))
        #expect(contents.rows == 2)
        #expect(contents.unreadableRows.isEmpty)
        let stop = try #require(contents.events.first { $0.kind == .optOut })
        #expect(stop.number.e164 == "+447911123457" && stop.file == "inbox/stops/s.xlsx, sheet December" && stop.line == 2)
        #expect(contents.events.contains { $0.file == "inbox/stops/s.xlsx, sheet November" })
        #expect((try? FileManager.default.contentsOfDirectory(atPath: folder))?.isEmpty ?? true, "temp CSVs removed")
    }

    @Test func aWorkbookWithNoUsableSheetIsRejectedNamingEachSheet() throws {
        let folder = temp()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        do {
            _ = try stopReader(folder).read(path: SheetFixtures.path("list_zipfile.xlsx"), displayName: "inbox/stops/l.xlsx",
                                            contentKey: String(repeating: "b", count: 64))
            Issue.record("a workbook without a sender column was read")
        } catch {
            #expect(error.reason.hasPrefix("this is an Excel/LibreOffice workbook and no sheet of it could be used: sheet \"People\" was not used: "))
            #expect(error.reason.contains("sheet \"Notes\" was not used: "))
        }
    }

    @Test func aWorkbookAFolderDoesNotTakeIsNamedWithWhatToDo() {
        #expect(InputKind.lists.workbookHint("People.XLS").hasPrefix("; this is an Excel/LibreOffice workbook in a format optout does not read: save it as .xlsx or .ods"))
        #expect(InputKind.reviews.workbookHint("decisions.xlsx") == "; this is an Excel/LibreOffice workbook: workbooks are read in inbox/lists/, inbox/suppressions/ and inbox/stops/; export CSV for this folder")
        #expect(InputKind.lists.workbookHint("notes.pdf") == "")
        #expect(InputKind.reviews.accepts("decisions.xlsx") == false && InputKind.stops.accepts("log.ODS"))
    }

    @Test func aCSVRenamedXlsxIsSaidToBeNoWorkbook() throws {
        let folder = temp()
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try Data("phone\n+447911123456\n".utf8).write(to: URL(fileURLWithPath: "\(folder)/people.xlsx"))
        #expect(throws: InputError(line: nil, reason: "\"people.xlsx\" is named as an Excel/LibreOffice workbook but is not one (it does not start as a ZIP archive): if it holds CSV text, rename it .csv; otherwise open it in the spreadsheet and save it again as .xlsx or .ods")) {
            try WorkbookInput.open("\(folder)/people.xlsx")
        }
    }

    @Test func renamedAndDamagedWorkbooksSaySo() throws {
        let folder = temp()
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let renamed = "\(folder)/stops.csv"
        try FileManager.default.copyItem(atPath: SheetFixtures.path("zipfile.xlsx"), toPath: renamed)
        let settings = Settings()
        let reader = WorkbookSheets(StopLogReader(parser: PhoneNumberParser(defaultRegion: "GB"), settings: settings, now: Timestamp(seconds: 1_800_000_000)), tempFolder: folder)
        do {
            _ = try reader.read(path: renamed, displayName: "inbox/stops/stops.csv", contentKey: String(repeating: "a", count: 64))
            Issue.record("a renamed workbook was read")
        } catch {
            #expect(error.reason.hasPrefix("this is an Excel/LibreOffice workbook (a ZIP archive) named \"stops.csv\": rename it .xlsx or .ods"))
        }
        let broken = "\(folder)/broken.xlsx"
        var bytes = [UInt8](try #require(FileManager.default.contents(atPath: SheetFixtures.path("zipfile.xlsx"))))
        bytes.removeLast(bytes.count / 2)
        try Data(bytes).write(to: URL(fileURLWithPath: broken))
        do {
            _ = try reader.read(path: broken, displayName: "inbox/stops/broken.xlsx", contentKey: String(repeating: "a", count: 64))
            Issue.record("a damaged workbook was read")
        } catch {
            #expect(error.reason.hasPrefix("this is an Excel/LibreOffice workbook, but it cannot be read ("))
            #expect(error.reason.hasSuffix("save it again, or export CSV from it"))
        }
    }
}
