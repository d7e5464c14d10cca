// The campaign pipeline (Steps/CampaignPipeline.swift) on several threads writes byte for byte
// what it writes on one: the real binary runs the same 200k-row workspace with 0 workers and the
// list parsed twice (the reference), and with 2 and 3 workers (the output thread) and tiny or odd
// chunk sizes, the list parsed once (the row spool) or twice (duplicates, quoted line breaks and
// every skip reason then fall across chunk boundaries), its text cut into chunks parsed on the
// workers (F15; chunks of 336 bytes with 7 rows a chunk) or parsed on the reading thread.

import Foundation
import Testing
import OptoutBase
import OptoutTestSupport

@Suite struct CampaignPipelineTests {
    static let settings = """
    { "default_country": "US", "optout_link_base": "https://acme.link/u/", "settle_seconds": 0 }
    """

    /// A 200k-row list with every row kind, deterministic.
    static func list(rows: Int) -> (list: String, stops: String) {
        var out = "first_name,phone,city,note\r\n"
        var stops = "from,timestamp,text\n"
        var state: UInt64 = 42
        func next() -> UInt64 { state = state &* 6364136223846793005 &+ 1442695040888963407; return state >> 33 }
        let names = ["Amelia", "Zoë", "Łukasz", "李娜", "José", "Olivia", "", "Noah", "Ава", "Chloé"]
        var recent: [String] = []
        for i in 0..<rows {
            let exchange = 200 + Int(next() % 700), subscriber = Int(next() % 10000)
            let digits = "212\(exchange)\(String(format: "%04d", subscriber))"
            var phone: String
            switch i % 4 {
            case 0: phone = "+1 212-\(exchange)-\(String(format: "%04d", subscriber))"
            case 1: phone = "(212) \(exchange)-\(String(format: "%04d", subscriber))"
            case 2: phone = digits
            default: phone = "1-212-\(exchange)-\(String(format: "%04d", subscriber))"
            }
            let name = names[Int(next() % UInt64(names.count))]
            var city = "Leeds"
            let kind = next() % 100
            switch kind {
            case 0..<3: phone = recent.isEmpty ? phone : recent[Int(next() % UInt64(recent.count))]  // a duplicate, often a few rows back
            case 3..<5: phone = "12345"                                          // invalid
            case 5: phone = "not a number"
            case 6: out += ",,,\r\n"; continue                                   // blank row
            case 7: phone = ""                                                   // no phone, other fields set
            case 8: city = "\"Line one\r\nline \"\"two\"\"\""                    // quoted, line break, quotes
            case 9: stops += "+1\(digits),2026-11-25T18:02:11Z,STOP\n"           // opted out
            case 10: city = String(repeating: "Llanfair", count: 60)             // message too long
            default: break
            }
            if kind >= 3 { recent.append(phone); if recent.count > 40 { recent.removeFirst() } }
            out += "\(name),\(phone),\(city),n\(i)\r\n"
        }
        return (out, stops)
    }

    static let outputs = ["outbox/send/promo.csv", "outbox/links/promo.csv", "outbox/reports/promo-skipped.csv",
                          "outbox/reports/promo.txt", "outbox/reports/list-big.txt"]

    @Test func severalWorkersWriteWhatOneThreadWrites() throws {
        if let reason = OptoutCLI.missingReason { print(reason); return }
        let base = NSTemporaryDirectory() + "optout-pipeline-" + UUID().uuidString
        defer { Tree.remove(base) }
        let reference = base + "/reference"
        _ = try OptoutCLI.run(["init", reference])
        try Tree.write("\(reference)/inbox/settings.json", Self.settings)
        let (list, stops) = Self.list(rows: 200_000)
        try Tree.write("\(reference)/inbox/stops/tollfree.csv", stops)
        // The link key is made by a first run, so that every copy shares it (and its tokens).
        try Tree.write("\(reference)/inbox/lists/seed.csv", "phone\n+12127364100\n")
        try Tree.write("\(reference)/inbox/campaigns/first.txt", "list: seed\n\nHello, reply STOP or {optout}\n")
        #expect(try OptoutCLI.runWorkspace(reference).status == 0)
        try Tree.write("\(reference)/inbox/lists/big.csv", list)
        try Tree.write("\(reference)/inbox/campaigns/promo.txt",
                       "list: big\nmax_segments: 2\n\nHi {first_name|there} from {city}, order ships. Reply STOP or {optout}\n")
        // (name, workers, rows a chunk, the list parsed once through the row spool, the duplicates
        // pass's parse: on the workers in chunks of text (F15) or on the reading thread)
        let trials = [("2", "2", "7", "1", "workers"), ("3", "3", "1000", "1", "workers"), ("2-parsed-twice", "2", "300", "0", "workers"),
                      ("0-spool", "0", "500", "1", "workers"), ("2-serial-parse", "2", "300", "1", "serial")]
        for (name, _, _, _, _) in trials { try Tree.copy(reference, to: base + "/" + name) }

        // The reference: one thread, no output thread, the list parsed twice (no row spool).
        let one = try OptoutCLI.runWorkspace(reference, environment: ["OPTOUT_CAMPAIGN_WORKERS": "0", "OPTOUT_CAMPAIGN_SPOOL": "0"])
        #expect(one.status == 0, "\(one.stderr)")
        let expected = Self.outputs.map { Tree.read("\(reference)/\($0)") }
        // The reference holds every row kind (so equal files prove something).
        let skipped = try #require(expected[2])
        for reason in ["duplicate of line", "opted out on", "blank row", "message too long", ",not a number,", ",12345,"] {
            #expect(skipped.contains(reason), "no row skipped as \(reason)")
        }
        let send = try #require(expected[0])
        #expect(send.contains("UCS-2") && send.contains("GSM-7") && send.contains("Line one\r\nline \"\"two\"\""))
        #expect(send.split(separator: "\n").count > 150_000)

        for (name, workers, chunk, spool, parse) in trials {
            let run = try OptoutCLI.runWorkspace(base + "/" + name, environment: [
                "OPTOUT_CAMPAIGN_WORKERS": workers, "OPTOUT_CAMPAIGN_CHUNK_ROWS": chunk, "OPTOUT_CAMPAIGN_SPOOL": spool, "OPTOUT_CAMPAIGN_PARSE": parse])
            #expect(run.status == 0, "\(run.stderr)")
            for (file, want) in zip(Self.outputs, expected) {
                let got = Tree.read("\(base)/\(name)/\(file)")
                #expect(got != nil && got == want, "\(file) differs with \(workers) workers, chunks of \(chunk) rows, spool \(spool)")
            }
        }
    }

    /// A write that fails on the output thread (the send file over the file-size limit: EFBIG, with
    /// SIGXFSZ ignored) stops the pass: exit 73 (cannot write) naming the send file, and no campaign file is
    /// published (nor a temp file left), with workers (output thread) as with none; the same when
    /// the row spool's write fails (on the spool's thread, during the duplicates pass).
    @Test func aFailedWriteStopsThePassAndPublishesNothing() throws {
        guard let binary = OptoutCLI.path else { print(OptoutCLI.missingReason ?? ""); return }
        let base = NSTemporaryDirectory() + "optout-pipeline-efbig-" + UUID().uuidString
        defer { Tree.remove(base) }
        let reference = base + "/reference"
        _ = try OptoutCLI.run(["init", reference])
        try Tree.write("\(reference)/inbox/settings.json", Self.settings)
        try Tree.write("\(reference)/inbox/lists/big.csv", Self.list(rows: 60_000).list)
        try Tree.write("\(reference)/inbox/campaigns/promo.txt", "list: big\n\nHi {first_name|there} from {city}, order ships. Reply STOP to opt out\n")
        // (workers, row spool, the file named): without the spool the send file fails first (on
        // the output thread with workers); with it, the spool (about 3 MB, on its own thread).
        for (workers, spool, named) in [("0", "0", "outbox/send/promo.csv"), ("2", "0", "outbox/send/promo.csv"), ("2", "1", ".optout/tmp/rows-")] {
            let root = base + "/w" + workers + "-" + spool
            try Tree.copy(reference, to: root)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            // 3 MiB: the ledger fits, the send file (about 6 MB) does not.
            process.arguments = ["-c", "trap '' XFSZ; ulimit -f 3072; exec \"$0\" run --root \"$1\"", binary, root]
            var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("OPTOUT_") }
            environment["OPTOUT_NOW"] = "2026-11-26T12:00:00Z"
            environment["OPTOUT_CAMPAIGN_WORKERS"] = workers
            environment["OPTOUT_CAMPAIGN_CHUNK_ROWS"] = "100"
            environment["OPTOUT_CAMPAIGN_SPOOL"] = spool
            process.environment = environment
            let errPath = root + "-err"
            _ = FileManager.default.createFile(atPath: errPath, contents: nil)
            let err = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
            process.standardError = err
            process.standardOutput = FileHandle.nullDevice
            try process.run()
            process.waitUntilExit()
            try err.close()
            let stderr = Tree.read(errPath) ?? ""
            #expect(process.terminationReason == .exit && process.terminationStatus == 73, "workers \(workers): \(process.terminationStatus) \(stderr)")
            #expect(stderr.contains(named), "workers \(workers), spool \(spool): \(stderr)")
            let temps = (try? FileManager.default.contentsOfDirectory(atPath: root + "/.optout/tmp")) ?? []
            #expect(temps.isEmpty, "workers \(workers), spool \(spool): left in .optout/tmp: \(temps)")
            for folder in ["outbox/send", "outbox/links", "outbox/reports"] {
                let names = (try? FileManager.default.contentsOfDirectory(atPath: "\(root)/\(folder)")) ?? []
                #expect(names.filter { $0.contains("promo") }.isEmpty, "workers \(workers): \(folder) holds \(names)")
            }
        }
    }
}
