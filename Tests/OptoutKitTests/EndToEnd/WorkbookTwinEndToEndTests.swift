// Workbooks out, as a spreadsheet user meets them (issue 14 item 2, and the item 5 guard),
// through the real `optout` executable: a campaign whose list has a duplicate, a blank row, a
// number Excel already mangled to 4.47911E+11 and a formula, beside a STOP log with a reply that
// goes to review. The skipped-rows CSV guards 4.47911E+11; the skipped rows, the unsubscription
// report and the review report each get an .xlsx twin
// whose cells, opened by LibreOffice (soffice --convert-to csv), equal the CSV's values without
// the guard apostrophe; a phone cell reads back as +447911123456 exactly. Twice the same run
// (same inputs, same OPTOUT_NOW) gives byte-identical twins. Without soffice the LibreOffice part
// is skipped with a printed reason (a failure under CI=true).

import Foundation
import Testing
@testable import OptoutBase
@testable import OptoutKit
import OptoutTestSupport

@Suite(.serialized) struct WorkbookTwinEndToEndTests {
    final class Root {
        let path = NSTemporaryDirectory() + "optout-twin-" + UUID().uuidString
        init() throws {
            _ = try InitJob.run(dir: path)
            try Tree.write("\(path)/inbox/settings.json", "{\"default_country\": \"GB\", \"settle_seconds\": 0}")
            try Tree.write("\(path)/inbox/lists/customers.csv", """
                name,phone
                Amelia,+447911123456
                Oliver,07911123457
                Dup,+44 7911 123456
                ,
                Excel,4.47911E+11
                Hacker,=HYPERLINK("http://x")
                Isla,07911123458

                """)
            try Tree.write("\(path)/inbox/campaigns/sale.txt", "list: customers\nsender: ACME\n\nHello {name}, sale today. Reply STOP to opt out\n")
            try Tree.write("\(path)/inbox/stops/log.csv", "from,timestamp,text\n+447911123458,2026-11-26T08:00:00Z,STOP\n+447911123459,2026-11-26T09:00:00Z,\"I will be away until the end of the month, so please do not send me anything before then = thanks\"\n+447911123458,,START\n")
        }
        deinit { Tree.remove(path) }
        func read(_ relative: String) -> String? { Tree.read("\(path)/\(relative)") }
        func bytes(_ relative: String) -> [UInt8] { [UInt8](FileManager.default.contents(atPath: "\(path)/\(relative)") ?? Data()) }
        func run() throws -> OptoutCLI.Result {
            try OptoutCLI.run(["run", "--root", path], environment: ["OPTOUT_NOW": "2026-11-26T12:00:00Z"])
        }
    }

    /// A CSV's records (BOM dropped), each field without the people guard.
    static func records(_ bytes: [UInt8], unguard: Bool) throws -> [[String]] {
        let reader = try CSVReader(bytes: bytes, delimiter: UInt8(ascii: ","))
        var rows: [[String]] = []
        while try reader.next() {
            rows.append((0..<reader.fieldCount).map { i in
                unguard ? String(decoding: PeopleWorkbookTwin.unguarded(reader.field(i)), as: UTF8.self) : reader.string(i)
            })
        }
        // A spreadsheet drops trailing empty cells; compare without them.
        return rows.map { Array($0.reversed().drop(while: \.isEmpty).reversed()) }
    }

    @Test func skippedRowsAndUnsubscriptionsGetTwinsThatLibreOfficeReadsCellForCell() throws {
        if let reason = OptoutCLI.missingReason { _ = toolAvailable(false, reason); return }
        let root = try Root()
        let result = try root.run()
        #expect(result.status == 0, "\(result.stderr)")
        let skippedCSV = try #require(root.read("outbox/reports/sale-skipped.csv"))
        #expect(skippedCSV.contains(",'4.47911E+11,"), "the scientific-notation cell is guarded: \(skippedCSV)")
        let reports = Tree.files(under: "\(root.path)/outbox/reports").filter { !$0.contains("/") }
        let unsubscriptions = try #require(reports.first { $0.hasPrefix("unsubscriptions-") && $0.hasSuffix(".csv") })
        let review = try #require(reports.first { $0.hasPrefix("review-") && $0.hasSuffix(".csv") }, "\(reports)")
        let twins = ["sale-skipped", String(unsubscriptions.dropLast(4)), String(review.dropLast(4))]
        for twin in twins { #expect(reports.contains("\(twin).xlsx"), "\(reports)") }
        #expect(root.read("outbox/reports/sale.txt")?.contains("outbox/reports/sale-skipped.xlsx") == true)

        // Our own reader: every cell as the CSV means it (dates aside, which the reader shows without Z).
        for twin in twins {
            let meant = try Self.records(root.bytes("outbox/reports/\(twin).csv"), unguard: true)
            let workbook = try SheetWorkbooks.open(path: "\(root.path)/outbox/reports/\(twin).xlsx")
            var cells: [[String]] = []
            try workbook.read(workbook.sheets[0]) { cells.append($0.cells) }
            let noZone = meant.map { $0.map { $0.count == 20 && $0.hasSuffix("Z") && $0.dropFirst(10).first == "T" ? String($0.dropLast()) : $0 } }
            #expect(cells == noZone, "\(twin)")
        }
        let skippedMeant = try Self.records(root.bytes("outbox/reports/sale-skipped.csv"), unguard: true)
        #expect(skippedMeant.contains { $0.count > 1 && $0[1] == "+447911123456" }, "the duplicate's phone: \(skippedMeant)")
        #expect(skippedMeant.contains { $0.count > 1 && $0[1] == "4.47911E+11" })

        // The same run again (a copy of the inputs, the same time): byte-identical twins.
        let again = try Root()
        #expect(try again.run().status == 0)
        for twin in twins { #expect(again.bytes("outbox/reports/\(twin).xlsx") == root.bytes("outbox/reports/\(twin).xlsx"), "\(twin)") }

        // LibreOffice opens each twin: every cell equal to the CSV's value.
        guard toolAvailable(ArchiveTemp.findTool("soffice") != nil, "soffice (LibreOffice) not found on PATH: the .xlsx twins were not opened by LibreOffice") else { return }
        let temp = ArchiveTemp()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: ArchiveTemp.findTool("soffice")!)
        process.arguments = ["-env:UserInstallation=file://\(temp.path)/profile", "--headless",
                             "--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76,1", "--outdir", "\(temp.path)/out"]
            + twins.map { "\(root.path)/outbox/reports/\($0).xlsx" }
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        for twin in twins {
            let converted = temp.bytes("out/\(twin).csv")
            guard !converted.isEmpty else { Issue.record("soffice made no CSV of \(twin).xlsx (status \(process.terminationStatus))"); continue }
            let opened = try Self.records(converted, unguard: false)
            let meant = try Self.records(root.bytes("outbox/reports/\(twin).csv"), unguard: true)
            #expect(opened == meant, "\(twin): LibreOffice \(opened) vs CSV \(meant)")
        }
        let opened = try Self.records(temp.bytes("out/sale-skipped.csv"), unguard: false)
        #expect(opened.contains { $0.count > 1 && $0[1] == "+447911123456" }, "a phone cell reads back exactly: \(opened)")
    }
}
