// The list parsed on the worker threads (F15: DuplicateFinder with a CSVChunker) gives what the
// reading thread gives alone: the real binary runs the same campaign with 0 workers (the serial
// reader, the reference) and with 2 or 3 workers in tiny and default chunks; every outbox and
// inbox file, the ledger, the link index, the exit status and stderr are the same — for a list
// with a record longer than a chunk (the rest read serially), and for lists that cannot be used
// (a NUL byte, a quote never closed near the end or far from it): the same rejection, same line.

import Foundation
import Testing
@testable import OptoutBase
@testable import OptoutKit
import OptoutTestSupport

@Suite struct ListParallelParseTests {
    static let settings = """
    { "default_country": "GB", "optout_link_base": "https://acme.link/u/", "settle_seconds": 0 }
    """

    /// `rows` list rows (phone, name, note) with duplicates, blank and invalid rows, quoted line
    /// breaks; `special(i)` replaces row i's text when it returns one.
    static func list(rows: Int, header: String = "phone,name,note\r\n", quotes: Bool = true, special: (Int) -> String? = { _ in nil }) -> String {
        var out = header
        for i in 0..<rows {
            if let text = special(i) { out += text; continue }
            let n = (i * 7919) % 2500
            switch i % 11 {
            case 3: out += "\r\n"
            case 5: out += "12345,Bad,x\r\n"
            case 7 where quotes: out += "07700 9\(String(format: "%05d", n)),\"Zoë \"\"Z\"\"\",\"two\r\nlines\"\r\n"
            default: out += "+44 7700 9\(String(format: "%05d", n)),Ann,n\(i)\n"
            }
        }
        return out
    }

    /// Runs the campaign over `list` with the reference and each variant; every run must equal the reference.
    @discardableResult
    static func expectSameRuns(_ list: String, _ name: String, status want: Int32? = nil, sourceLocation: Testing.SourceLocation = #_sourceLocation) throws -> OptoutCLI.Result? {
        let base = NSTemporaryDirectory() + "optout-parse-" + UUID().uuidString
        defer { Tree.remove(base) }
        let seed = base + "/seed"
        _ = try OptoutCLI.run(["init", seed])
        try Tree.write("\(seed)/inbox/settings.json", Self.settings)
        try Tree.write("\(seed)/inbox/lists/first.csv", "phone\n+447700900999\n")
        try Tree.write("\(seed)/inbox/campaigns/first.txt", "list: first\n\nHello, reply STOP or {optout}\n")
        #expect(try OptoutCLI.runWorkspace(seed).status == 0, sourceLocation: sourceLocation)
        try Tree.write("\(seed)/inbox/lists/big.csv", list)
        try Tree.write("\(seed)/inbox/campaigns/promo.txt", "list: big\n\nHi {name|there}, reply STOP or {optout}\n")
        let variants = [("reference", "0", "2048"), ("tiny", "2", "7"), ("default", "2", "2048"), ("three", "3", "50")]
        for (label, _, _) in variants { try Tree.copy(seed, to: "\(base)/\(label)") }
        var reference: (OptoutCLI.Result, WorkspaceSnapshot)? = nil
        for (label, workers, rows) in variants {
            let root = "\(base)/\(label)"
            let run = try OptoutCLI.runWorkspace(root, environment: ["OPTOUT_CAMPAIGN_WORKERS": workers, "OPTOUT_CAMPAIGN_CHUNK_ROWS": rows])
            let snapshot = try WorkspaceSnapshot(root: root)
            guard let (first, firstSnapshot) = reference else {
                reference = (run, snapshot)
                if let want { #expect(run.status == want, "\(name): \(run.stderr)", sourceLocation: sourceLocation) }
                continue
            }
            #expect(run.status == first.status, "\(name), \(label): exit \(run.status), reference \(first.status)", sourceLocation: sourceLocation)
            #expect(run.stderr.replacingOccurrences(of: root, with: "ROOT") == first.stderr.replacingOccurrences(of: "\(base)/reference", with: "ROOT"),
                    "\(name), \(label): stderr\n\(run.stderr)\nreference\n\(first.stderr)", sourceLocation: sourceLocation)
            let differences = snapshot.differences(from: firstSnapshot)
            #expect(differences.isEmpty, "\(name), \(label): \(differences)", sourceLocation: sourceLocation)
        }
        return reference?.0
    }

    @Test func aRecordLongerThanAChunkIsReadOnSeriallyWithTheSameResult() throws {
        if let reason = OptoutCLI.missingReason { print(reason); return }
        // Row 1500's note is 1.2 MB with quotes and line breaks: longer than any chunk (1 MiB).
        let long = "\"" + String(repeating: "a \"\"quoted\"\" note,\r\n", count: 60_000) + "\""
        let text = Self.list(rows: 3000) { $0 == 1500 ? "+44 7700 900001,Long,\(long)\r\n" : nil }
        try Self.expectSameRuns(text, "a 1.2 MB record", status: 0)
    }

    @Test func aNulByteIsTheSameRejection() throws {
        if let reason = OptoutCLI.missingReason { print(reason); return }
        let text = Self.list(rows: 3000) { $0 == 2500 ? "+44 7700 900002,N\u{0}ul,x\n" : nil }
        let run = try Self.expectSameRuns(text, "NUL byte", status: 65)
        #expect(run?.stderr.contains("NUL byte") == true, "\(run?.stderr ?? "")")
    }

    @Test func aQuoteNeverClosedIsTheSameRejection() throws {
        if let reason = OptoutCLI.missingReason { print(reason); return }
        let nearEnd = Self.list(rows: 3000, quotes: false) { $0 == 2900 ? "+44 7700 900003,\"open,x\n" : nil }
        let near = try Self.expectSameRuns(nearEnd, "a quote never closed near the end", status: 65)
        #expect(near?.stderr.contains("line 2902: quoted field opened here is never closed") == true, "\(near?.stderr ?? "")")
        // Opened at row 10, more than a chunk's limit (1 MiB) of text after it.
        let farFromEnd = Self.list(rows: 40_000, quotes: false) { $0 == 10 ? "+44 7700 900004,\"open,x\n" : nil }
        let far = try Self.expectSameRuns(farFromEnd, "a quote never closed far from the end", status: 65)
        #expect(far?.stderr.contains("line 12: quoted field opened here is never closed") == true, "\(far?.stderr ?? "")")
    }

    @Test func aBOMAndASepLineAreReadAlike() throws {
        if let reason = OptoutCLI.missingReason { print(reason); return }
        let text = "\u{FEFF}sep=;\r\n" + Self.list(rows: 2000, header: "phone;name;note\n").replacingOccurrences(of: ",", with: ";")
        try Self.expectSameRuns(text, "BOM and sep=;", status: 0)
    }
}
