// The unsubscription outputs read back by real programs: the .eml by Python's `email` package,
// the report CSV by LibreOffice (headless). Each test skips, printing why, when its program is
// missing (.ci/run installs python3 and libreoffice-calc-nogui).

import Foundation
import Testing
@testable import OptoutBase
@testable import OptoutKit
@testable import OptoutPhone
import OptoutTestSupport

/// The full path of an executable on PATH (or in the usual places), if any.
func findExecutable(_ name: String) -> String? {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
    let folders = path.split(separator: ":").map(String.init) + ["/usr/bin", "/usr/local/bin", "/bin"]
    for folder in folders where access("\(folder)/\(name)", X_OK) == 0 { return "\(folder)/\(name)" }
    return nil
}

/// Runs a program to completion; returns its exit status and standard output.
func runProgram(_ executable: String, _ arguments: [String], environment: [String: String]? = nil) throws -> (Int32, String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    if let environment { process.environment = environment }
    let output = Pipe()
    process.standardOutput = output
    process.standardError = FileHandle.nullDevice
    try process.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}

@Suite struct UnsubscriptionReadersTests {
    /// A run with a non-ASCII reply, a formula-like reply and an import.
    func workspace() throws -> TempWorkspace {
        let t = try TempWorkspace(settings: intakeSettings)
        try t.write("inbox/stops/log.csv", """
            from,timestamp,text
            +447911123456,2026-11-26T08:00:00Z,Arrêt 🛑
            +33612345678,2026-11-26T08:05:00Z,"=cmd|' /C calc'!A0 STOP"
            +33698765432,2026-11-26T08:10:00Z,arrêtez

            """)
        try t.write("inbox/suppressions/export.csv", "phone\n0014155550123\n")
        try t.run(now: intakeNow)
        return t
    }

    @Test func theEmailParsesWithPythonWithTheAttachmentIntact() throws {
        guard let python = findExecutable("python3") else {
            print("skipped: python3 not found on PATH (install python3 to check the .eml with Python's email package)")
            return
        }
        let t = try workspace()
        let eml = "\(t.root)/outbox/notifications/unsubscriptions-20261126T120000Z.eml"
        let extracted = "\(t.root)/attachment.bin"
        let script = """
            import sys, json, email, email.utils
            from email import policy
            with open(sys.argv[1], 'rb') as f:
                msg = email.message_from_binary_file(f, policy=policy.default)
            attachments = list(msg.iter_attachments())
            with open(sys.argv[2], 'wb') as f:
                f.write(attachments[0].get_payload(decode=True))
            print(json.dumps({
                "from": email.utils.parseaddr(str(msg["From"]))[1],
                "to": [a for _, a in email.utils.getaddresses([str(msg["To"])])],
                "date": msg["Date"].datetime.isoformat(),
                "subject": str(msg["Subject"]),
                "message_id": str(msg["Message-ID"]),
                "type": msg.get_content_type(),
                "defects": len(msg.defects) + sum(len(p.defects) for p in msg.walk()),
                "body": msg.get_body(preferencelist=("plain",)).get_content(),
                "attachments": [[a.get_filename(), a.get_content_type()] for a in attachments],
            }))
            """
        let (status, output) = try runProgram(python, ["-c", script, eml, extracted])
        #expect(status == 0)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any])
        #expect(json["from"] as? String == "optout@acme.example")
        #expect(json["to"] as? [String] == ["ops@acme.example", "compliance@acme.example"])
        #expect(json["date"] as? String == "2026-11-26T12:00:00+00:00")
        #expect(json["subject"] as? String == "ACME: 4 new opt-outs, 2026-11-26 12:00 UTC")
        #expect((json["message_id"] as? String)?.hasSuffix("@acme.example>") == true)
        #expect(json["type"] as? String == "multipart/mixed")
        #expect(json["defects"] as? Int == 0)
        let body = try #require(json["body"] as? String)
        #expect(body.hasPrefix("4 new opt-outs recorded by optout on 2026-11-26 12:00 UTC: 3 by reply, 1 imported."))
        #expect(body.contains("+33612345678  TollFree number  keyword \"STOP\" in a short message"))
        #expect(body.contains("exact keyword \"ARRET\""))
        // Not ASCII (the keyword as configured is ARRÊTEZ): the text part is base64, decoded by Python.
        #expect(body.contains("+33698765432  TollFree number  exact keyword \"ARRÊTEZ\""))
        #expect(json["attachments"] as? [[String]] == [["unsubscriptions-20261126T120000Z.csv", "text/csv"]])
        let attached = try #require(FileManager.default.contents(atPath: extracted))
        let report = try #require(FileManager.default.contents(atPath: "\(t.root)/outbox/reports/unsubscriptions-20261126T120000Z.csv"))
        #expect(attached == report)
        #expect(attached.starts(with: [0xEF, 0xBB, 0xBF]))
    }

    @Test func theReportOpensInLibreOfficeWithPhoneNumbersIntact() throws {
        guard let soffice = findExecutable("soffice") else {
            print("skipped: soffice not found (apt-get install libreoffice-calc-nogui to check the report in LibreOffice)")
            return
        }
        let t = try workspace()
        let report = "\(t.root)/outbox/reports/unsubscriptions-20261126T120000Z.csv"
        // The control: the same report without the guard, as a naive writer would make it.
        let naive = String(decoding: try #require(FileManager.default.contents(atPath: report)), as: UTF8.self)
            .replacingOccurrences(of: ",'+", with: ",+").replacingOccurrences(of: ",'00", with: ",00")
        try t.write("naive.csv", naive)
        let out = "\(t.root)/lo-out"
        var environment = ProcessInfo.processInfo.environment
        environment["HOME"] = t.root
        // Import as LibreOffice opens a UTF-8 CSV (comma, double quote, UTF-8, from line 1), then
        // save what the cells hold; text cells come back quoted, numbers bare.
        let (status, _) = try runProgram(soffice, [
            "-env:UserInstallation=file://\(t.root)/lo-profile", "--headless",
            "--infilter=CSV:44,34,76,1", "--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76,1",
            "--outdir", out, report, "\(t.root)/naive.csv",
        ], environment: environment)
        #expect(status == 0)
        let cells = try #require(FileManager.default.contents(atPath: "\(out)/unsubscriptions-20261126T120000Z.csv"))
        let lines = String(decoding: cells, as: UTF8.self).split(separator: "\n").map(String.init)
        #expect(lines.first == "\"time\",\"number\",\"source\",\"rule\",\"raw text\",\"file\",\"line\"")
        // Every number is a text cell with its + and every digit (LibreOffice shows the guard apostrophe).
        let numbers = lines.dropFirst().map { $0.split(separator: ",", maxSplits: 2)[1] }
        #expect(numbers == ["\"'+447911123456\"", "\"'+33612345678\"", "\"'+33698765432\"", "\"'+14155550123\""])
        // The imported cell as written keeps its leading zeros.
        #expect(lines[4].contains("\"'0014155550123\""))
        #expect(!lines.contains { $0.contains("E+") })
        // The formula-like reply stays text; no cell was evaluated.
        #expect(lines.contains { $0.contains("\"'=cmd|' /C calc'!A0 STOP\"") })
        #expect(lines[1].contains("\"Arrêt 🛑\""))
        // Without the guard the same cells become numbers: the plus is gone (Excel shows 4.47911E+11).
        let naiveCells = String(decoding: try #require(FileManager.default.contents(atPath: "\(out)/naive.csv")), as: UTF8.self)
        #expect(naiveCells.contains(",447911123456,"))
        #expect(naiveCells.contains(",14155550123,"))
    }
}
