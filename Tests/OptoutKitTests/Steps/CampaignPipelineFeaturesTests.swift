// The campaign pipeline's feature hooks on several threads write byte for byte what they write on
// one (CampaignPipeline, CampaignRowOutput, CampaignOrderedWriter): the real binary runs one
// workspace with 0 workers, then with 2 and 3 workers and tiny chunks, over a list with a country
// column (national numbers of three countries, a cell that is no country, duplicates written for
// another country), a `state` column (valid, lower case, invalid) and unknown-zone numbers, names
// that force UCS-2. A scheduled campaign (quiet hours: timed send files, held report, skipped
// invalid states), a plain one (send file, UCS-2 culprits in its report, its .keys record) and a
// preview (outbox/previews/) of the same list must come out identical.

import Foundation
import Testing
import OptoutBase
import OptoutTestSupport

@Suite struct CampaignPipelineFeaturesTests {
    static let settings = """
    { "default_country": "US", "settle_seconds": 0,
      "send_windows": {"FR": [{"days": "Mon-Fri", "from": "10:00", "to": "18:00"}]} }
    """

    /// name,phone,country,state — deterministic; every kind of row recurs across chunks.
    static func list(rows: Int) -> String {
        var out = "name,phone,country,state\n"
        let names = ["Amelia", "Zoë", "李娜", "Olivia", "Noah", "José"]
        for i in 0..<rows {
            let name = names[i % names.count]
            let n = 100_000 + (i * 7919) % 800_000
            let tail4 = String(format: "%04d", n % 10_000)
            switch i % 11 {
            case 0: out += "\(name),07911 \(n),GB,\n"                                   // UK national, ISO code
            case 1: out += "\(name),06 12 \(tail4.prefix(2)) \(tail4.suffix(2)) \(n % 90 + 10),France,\n"  // French national, a name
            case 2: out += "\(name),(212) 555-\(tail4),,\n"                              // US, empty cell: default_country
            case 3: out += "\(name),(312) 555-\(tail4),US,TX\n"                          // Chicago number, Texas rules
            case 4: out += "\(name),(415) 555-\(tail4),+1,ct\n"                          // calling code; state in lower case
            case 5: out += "\(name),(303) 555-\(tail4),United States,Texas\n"            // invalid state: skipped
            case 6: out += "\(name),+1 555 555 \(tail4),,\n"                             // unknown zone: held
            case 7: out += "\(name),+44 7911 \(100_000 + (max(0, i - 77) * 7919) % 800_000),FR,\n"  // own country wins: a duplicate of row i-77
            case 8: out += "\(name),07911 \(n),\(i > 100 && i % 97 == 8 ? "Narnia" : "United Kingdom"),\n"  // rarely no country
            case 9: out += "\(name),\(i % 3 == 0 ? "12345" : "(646) 555-\(tail4)"),US,\n"
            default: out += ",,,\n"                                                       // blank
            }
        }
        return out
    }

    static let now = "2026-11-27T12:00:00Z"

    /// Every file the campaigns and the preview write (workspace-relative), with its bytes.
    static func outputs(_ root: String) -> [String: Data] {
        var out: [String: Data] = [:]
        for folder in ["outbox", ".optout/campaigns"] {
            for file in Tree.files(under: "\(root)/\(folder)")
            where ["promo", "plain", "peek", "list-mixed"].contains(where: file.contains) && !file.contains("/.") && !file.hasPrefix(".") {
                out["\(folder)/\(file)"] = FileManager.default.contents(atPath: "\(root)/\(folder)/\(file)")
            }
        }
        return out
    }

    @Test func featuresOnSeveralWorkersWriteWhatOneThreadWrites() throws {
        if let reason = OptoutCLI.missingReason { print(reason); return }
        let base = NSTemporaryDirectory() + "optout-pipeline-features-" + UUID().uuidString
        defer { Tree.remove(base) }
        let reference = base + "/reference"
        _ = try OptoutCLI.run(["init", reference])
        try Tree.write("\(reference)/inbox/settings.json", Self.settings)
        try Tree.write("\(reference)/inbox/lists/mixed.csv", Self.list(rows: 3000))
        try Tree.write("\(reference)/inbox/campaigns/promo.txt",
                       "list: mixed\nsend_at: 2026-11-29 09:30 America/New_York\n\nHi {name}, reply STOP to stop\n")
        try Tree.write("\(reference)/inbox/campaigns/plain.txt", "list: mixed\n\nHello {name}, reply STOP to stop\n")
        try Tree.write("\(reference)/inbox/previews/peek.txt", "list: mixed\n\nHey {name}, reply STOP to stop\n")
        let trials = [("2", "7"), ("3", "64")]
        for (workers, _) in trials { try Tree.copy(reference, to: base + "/w" + workers) }

        let one = try OptoutCLI.runWorkspace(reference, now: Self.now, environment: ["OPTOUT_CAMPAIGN_WORKERS": "0", "OPTOUT_CAMPAIGN_SPOOL": "0"])
        #expect(one.status == 0, "\(one.stderr)")
        let expected = Self.outputs(reference)
        // The reference shows every feature (so equal files prove something).
        let later = expected.keys.filter { $0.hasPrefix("outbox/send/later/promo@") }
        #expect(later.count >= 3, "timed send files: \(later.sorted())")
        let held = String(decoding: try #require(expected["outbox/reports/promo-held.csv"]), as: UTF8.self)
        #expect(held.utf8.split(separator: UInt8(ascii: "\n")).count > 200)
        let promoSkipped = String(decoding: try #require(expected["outbox/reports/promo-skipped.csv"]), as: UTF8.self)
        #expect(promoSkipped.contains("Texas"))
        let skipped = String(decoding: try #require(expected["outbox/reports/plain-skipped.csv"]), as: UTF8.self)
        for reason in ["\"\"Narnia\"\" is not a country", "duplicate of line", "blank row", ",12345,"] {
            #expect(skipped.contains(reason), "no row skipped as \(reason)")
        }
        let send = String(decoding: try #require(expected["outbox/send/plain.csv"]), as: UTF8.self)
        #expect(send.contains("+447911") && send.contains("+336") && send.contains("+1212555"))
        let report = String(decoding: try #require(expected["outbox/reports/plain.txt"]), as: UTF8.self)
        #expect(report.contains("U+00EB") && report.contains("UCS-2"))
        #expect((expected[".optout/campaigns/plain.keys"]?.count ?? 0) > 1000)
        #expect(expected[".optout/campaigns/promo.keys"] != nil)
        let preview = String(decoding: try #require(expected["outbox/previews/peek.txt"]), as: UTF8.self)
        #expect(preview.contains("U+00EB"))
        #expect(expected["outbox/previews/peek.html"] != nil)

        for (workers, chunk) in trials {
            let root = base + "/w" + workers
            let run = try OptoutCLI.runWorkspace(root, now: Self.now,
                                                 environment: ["OPTOUT_CAMPAIGN_WORKERS": workers, "OPTOUT_CAMPAIGN_CHUNK_ROWS": chunk])
            #expect(run.status == 0, "\(run.stderr)")
            #expect(run.stderr == one.stderr)
            let got = Self.outputs(root)
            #expect(got.keys.sorted() == expected.keys.sorted())
            for (file, want) in expected {
                #expect(got[file] == want, "\(file) differs with \(workers) workers, chunks of \(chunk) rows")
            }
        }
    }
}
