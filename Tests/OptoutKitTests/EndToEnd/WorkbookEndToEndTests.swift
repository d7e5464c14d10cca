// Issue 14 item 1 as a spreadsheet user meets it, through the real `optout` executable: the same
// list saved as a workbook by four writers (Python's zipfile by hand, openpyxl, xlsxwriter, and
// LibreOffice in the test) gives the same send file as its CSV twin; a STOP on a STOP log
// workbook's second sheet is applied; a workbook renamed .csv, a damaged one and a zip bomb are
// rejected saying they are workbooks and what to do.

import Foundation
import Testing
@testable import OptoutBase
@testable import OptoutKit
import OptoutTestSupport

@Suite(.serialized) struct WorkbookEndToEndTests {
    static let now = ["OPTOUT_NOW": "2026-11-26T12:00:00Z"]
    static let message = "Hi {Name|there}, joined {Joined|soon}, code {Code|none}. Reply STOP to opt out"

    struct Outcome {
        var status: Int32
        var stderr: String
        var send: String
        var skipped: String
        var root: String
    }

    /// A fresh workspace with `file` dropped as inbox/lists/<listName> and a campaign on it.
    func run(_ file: String, as listName: String, sheet: String? = nil, stops: String? = nil) throws -> Outcome {
        let root = NSTemporaryDirectory() + "optout-workbook-" + UUID().uuidString
        _ = try InitJob.run(dir: root)
        try Tree.write("\(root)/inbox/settings.json", "{\"default_country\": \"GB\", \"settle_seconds\": 0}")
        try FileManager.default.copyItem(atPath: file, toPath: "\(root)/inbox/lists/\(listName)")
        if let stops { try FileManager.default.copyItem(atPath: stops, toPath: "\(root)/inbox/stops/\(URL(fileURLWithPath: stops).lastPathComponent)") }
        let header = "list: people\n" + (sheet.map { "sheet: \($0)\n" } ?? "") + "sender: ACME\n\n"
        try Tree.write("\(root)/inbox/campaigns/sale.txt", header + Self.message + "\n")
        let result = try OptoutCLI.run(["run", "--root", root], environment: Self.now)
        return Outcome(status: result.status, stderr: result.stderr, send: Tree.read("\(root)/outbox/send/sale.csv") ?? "",
                       skipped: Tree.read("\(root)/outbox/reports/sale-skipped.csv") ?? "", root: root)
    }

    func skipUnlessBuilt() -> Bool {
        guard let reason = OptoutCLI.missingReason else { return false }
        print(reason)
        if ProcessInfo.processInfo.environment["CI"] == "true" { Issue.record("\(reason)") }
        return true
    }

    /// The twin's send file, checked for what a user expects of it.
    func twin() throws -> Outcome {
        let out = try run(SheetFixtures.path("list.csv"), as: "people.csv")
        defer { Tree.remove(out.root) }
        #expect(out.status == 0, "\(out.stderr)")
        let lines = out.send.split(separator: "\n").map(String.init)
        #expect(lines.count == 5, "\(out.send)")
        #expect(lines.dropFirst().map { String($0.prefix(13)) } == ["+447911123456", "+447911123457", "+447911123458", "+447911123460"])
        #expect(out.send.contains("Hi Zoë Brontë, joined 2026-11-26, code A1."))
        #expect(out.send.contains("Hi Eve, joined soon, code E5."))
        #expect(out.skipped.contains("scientific notation"), "\(out.skipped)")
        return out
    }

    @Test(arguments: [("list_zipfile.xlsx", nil, 6), ("list_zipfile.ods", nil, 7), ("list_openpyxl.xlsx", "People", 6),
                      ("list_xlsxwriter.xlsx", nil, 6), ("list_openpyxl_hidden.xlsx", nil, 6)] as [(String, String?, Int)])
    func committedWorkbookGivesTheSendFileOfItsCSVTwin(_ fixture: String, _ sheet: String?, _ damagedRow: Int) throws {
        if skipUnlessBuilt() { return }
        let twin = try twin()
        let ext = fixture.hasSuffix(".ods") ? "ods" : "xlsx"
        let out = try run(SheetFixtures.path(fixture), as: "people.\(ext)", sheet: sheet)
        defer { Tree.remove(out.root) }
        #expect(out.status == 0, "\(fixture): \(out.stderr)")
        #expect(out.send == twin.send, "\(fixture)")
        // The damaged (fractional) phone cell is skipped on the row the spreadsheet shows.
        #expect(out.skipped.contains("\(damagedRow),'4.479111234595E+11,number in scientific notation"), "\(fixture): \(out.skipped)")
        // The list report names the workbook and its sheet; a sheet other than the first (openpyxl's
        // People tab, after Old) has its own report.
        let reportName = sheet == nil ? "list-people.txt" : "list-people-People.txt"
        let report = Tree.read("\(out.root)/outbox/reports/\(reportName)") ?? ""
        #expect(report.contains("(inbox/lists/people.\(ext), sheet People)"), "\(fixture): \(report)")
        #expect(report.contains("Format:        workbook sheet, header row (lines are the spreadsheet's rows)"), "\(fixture): \(report)")
        #expect(report.contains("line \(damagedRow): \"4.479111234595E+11\": number in scientific notation"), "\(fixture): \(report)")
    }

    /// soffice --headless --convert-to <format> of `csv` into `folder`; nil (skip) without it.
    func libreOffice(_ csv: String, to format: String, in folder: String) throws -> String? {
        let soffice = ["/usr/bin/soffice", "/usr/bin/libreoffice", "/usr/local/bin/soffice"].first { FileManager.default.isExecutableFile(atPath: $0) }
        guard let soffice else {
            if ProcessInfo.processInfo.environment["CI"] == "true" { Issue.record("soffice is missing (.ci/run installs libreoffice-calc-nogui)") }
            print("skipped: soffice (LibreOffice) is not installed")
            return nil
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: soffice)
        // CSV import options: comma, UTF-8 (76), from line 1; detect special numbers (dates).
        let filter = format == "ods" ? "ods" : "xlsx:Calc MS Excel 2007 XML"
        process.arguments = ["-env:UserInstallation=file://\(folder)/profile", "--headless", "--infilter=CSV:44,34,76,1,,0,false,false,true",
                             "--convert-to", filter, "--outdir", folder, csv]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        let made = "\(folder)/\(URL(fileURLWithPath: csv).deletingPathExtension().lastPathComponent).\(format)"
        #expect(process.terminationStatus == 0 && FileManager.default.fileExists(atPath: made), "soffice made no \(format)")
        return FileManager.default.fileExists(atPath: made) ? made : nil
    }

    @Test(arguments: ["xlsx", "ods"])
    func libreOfficeWorkbookGivesTheSendFileOfItsCSVTwin(_ format: String) throws {
        if skipUnlessBuilt() { return }
        let folder = NSTemporaryDirectory() + "optout-soffice-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { Tree.remove(folder) }
        guard let made = try libreOffice(SheetFixtures.path("list.csv"), to: format, in: folder) else { return }
        let twin = try twin()
        let out = try run(made, as: "people.\(format)")
        defer { Tree.remove(out.root) }
        #expect(out.status == 0, "\(format): \(out.stderr)")
        #expect(out.send == twin.send, "LibreOffice \(format)")
        #expect(out.skipped.contains("6,'4.479111234595E+11,number in scientific notation"), "\(format): \(out.skipped)")
    }

    /// One list report per sheet used: the campaign's `sheet: People` (the second tab) has its
    /// own, written once for this version of the file; the first tab gets list-people.txt.
    @Test func aSheetAfterTheFirstHasItsOwnReportOncePerVersion() throws {
        if skipUnlessBuilt() { return }
        let first = try run(SheetFixtures.path("list_openpyxl.xlsx"), as: "people.xlsx", sheet: "people")
        defer { Tree.remove(first.root) }
        #expect(first.status == 0, "\(first.stderr)")
        let reports = "\(first.root)/outbox/reports"
        #expect((Tree.read("\(reports)/list-people-People.txt") ?? "").contains("Textable:      4"))
        // The default (first) sheet gets its own report in the same run.
        #expect((Tree.read("\(reports)/list-people.txt") ?? "").contains("(inbox/lists/people.xlsx, sheet Old)"))
        try Tree.write("\(first.root)/inbox/campaigns/again.txt", "list: people\nsheet: People\n\nAgain {Name}. Reply STOP to opt out\n")
        let second = try OptoutCLI.run(["run", "--root", first.root], environment: ["OPTOUT_NOW": "2026-11-26T13:00:00Z"])
        #expect(second.status == 0, "\(second.stderr)")
        #expect(Tree.read("\(first.root)/outbox/send/again.csv")?.split(separator: "\n").count == 5)
        let names = Tree.files(under: reports).filter { $0.hasPrefix("list-") }
        #expect(names == ["list-people-People.txt", "list-people.txt"], "\(names)")
        let old = Tree.read("\(reports)/list-people.txt") ?? ""
        #expect(old.contains("(inbox/lists/people.xlsx, sheet Old)") && old.contains("Rows:          1"), "\(old)")
    }

    /// A suppression import workbook: every sheet's numbers are opted out; a tab without numbers
    /// makes the file read in part (named in its .error.txt), never silently passed over.
    @Test func everySheetOfASuppressionImportIsRead() throws {
        if skipUnlessBuilt() { return }
        let root = NSTemporaryDirectory() + "optout-workbook-" + UUID().uuidString
        defer { Tree.remove(root) }
        _ = try InitJob.run(dir: root)
        try Tree.write("\(root)/inbox/settings.json", "{\"default_country\": \"GB\", \"settle_seconds\": 0}")
        try FileManager.default.copyItem(atPath: SheetFixtures.path("list_zipfile.xlsx"), toPath: "\(root)/inbox/suppressions/old.xlsx")
        let run = try OptoutCLI.run(["run", "--root", root], environment: Self.now)
        #expect(run.status == 65, "\(run.stderr)")
        let suppressed = Tree.read("\(root)/outbox/suppressions.csv") ?? ""
        for number in ["+447911123456", "+447911123457", "+447911123458", "+447911123460"] {
            #expect(suppressed.contains(number), "\(number) not suppressed: \(suppressed)")
        }
        let why = Tree.read("\(root)/inbox/suppressions/processed/old.xlsx.error.txt") ?? ""
        #expect(why.contains("sheet \"Notes\" was not used"), "\(why)")
    }

    @Test func aSheetHeaderOnACSVListOrAMissingSheetRejectsTheCampaign() throws {
        if skipUnlessBuilt() { return }
        let csv = try run(SheetFixtures.path("list.csv"), as: "people.csv", sheet: "People")
        defer { Tree.remove(csv.root) }
        #expect(csv.status == 65 && csv.send.isEmpty, "\(csv.stderr)")
        #expect(csv.stderr.contains("\"sheet: People\" names a sheet, but the list is not a workbook (.xlsx or .ods)"), "\(csv.stderr)")
        let missing = try run(SheetFixtures.path("list_zipfile.xlsx"), as: "people.xlsx", sheet: "Contacts")
        defer { Tree.remove(missing.root) }
        #expect(missing.status == 65 && missing.send.isEmpty, "\(missing.stderr)")
        #expect(missing.stderr.contains("no sheet \"Contacts\" in the workbook (sheets: \"People\", \"Notes\")"), "\(missing.stderr)")
    }

    @Test func stopOnASecondSheetIsApplied() throws {
        if skipUnlessBuilt() { return }
        let out = try run(SheetFixtures.path("list.csv"), as: "people.csv", stops: SheetFixtures.path("stops_xlsxwriter.xlsx"))
        defer { Tree.remove(out.root) }
        #expect(out.status == 0, "\(out.stderr)")
        #expect(out.send.contains("+447911123456,"))
        #expect(!out.send.contains("+447911123457,"), "the STOP on sheet December was not applied: \(out.send)")
        let records = try Ledger.readAll(path: Workspace(root: out.root).ledgerFile)
        let stop = try #require(records.first { $0.number.e164 == "+447911123457" })
        #expect(stop.kind == .optOut)
        #expect(stop.file == "inbox/stops/stops_xlsxwriter.xlsx, sheet December" && stop.line == 2)
        #expect(Tree.files(under: "\(out.root)/inbox/stops/processed") == ["stops_xlsxwriter.xlsx"])
    }

    @Test func renamedDamagedAndBombWorkbooksAreRejectedSayingWhatToDo() throws {
        if skipUnlessBuilt() { return }
        // A workbook renamed .csv.
        let renamed = try run(SheetFixtures.path("list_zipfile.xlsx"), as: "people.csv")
        defer { Tree.remove(renamed.root) }
        #expect(renamed.status == 65, "\(renamed.stderr)")
        let why = Tree.read("\(renamed.root)/inbox/lists/rejected/people.csv.error.txt") ?? ""
        #expect(why.contains("this is an Excel/LibreOffice workbook (a ZIP archive) named \"people.csv\": rename it .xlsx or .ods"), "\(why)")
        #expect(renamed.stderr.contains("this is an Excel/LibreOffice workbook"), "\(renamed.stderr)")
        // A damaged workbook (cut short).
        let folder = NSTemporaryDirectory() + "optout-broken-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { Tree.remove(folder) }
        var bytes = [UInt8](try #require(FileManager.default.contents(atPath: SheetFixtures.path("list_zipfile.xlsx"))))
        bytes.removeLast(200)
        try Data(bytes).write(to: URL(fileURLWithPath: "\(folder)/people.xlsx"))
        let damaged = try run("\(folder)/people.xlsx", as: "people.xlsx")
        defer { Tree.remove(damaged.root) }
        #expect(damaged.status == 65, "\(damaged.stderr)")
        let damagedWhy = Tree.read("\(damaged.root)/inbox/lists/rejected/people.xlsx.error.txt") ?? ""
        #expect(damagedWhy.contains("this is an Excel/LibreOffice workbook, but it cannot be read ("), "\(damagedWhy)")
        // A zip bomb: fails with its reason, nothing sent.
        let bomb = try run(SheetFixtures.path("bomb.xlsx"), as: "people.xlsx")
        defer { Tree.remove(bomb.root) }
        #expect(bomb.status == 65, "\(bomb.stderr)")
        let bombWhy = Tree.read("\(bomb.root)/inbox/lists/rejected/people.xlsx.error.txt") ?? ""
        #expect(bombWhy.contains("this is an Excel/LibreOffice workbook, but it cannot be read ("), "\(bombWhy)")
        #expect(bomb.send.isEmpty)
        // Temp CSVs are not left behind.
        for root in [renamed.root, damaged.root, bomb.root] {
            #expect(Tree.files(under: "\(root)/.optout/tmp").isEmpty)
        }
    }
}
