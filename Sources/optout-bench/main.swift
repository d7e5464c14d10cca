// optout-bench: measures the hot path in a release build.
//   swift run -c release optout-bench [campaign] [--rows N] [--suppressions M] [--stops S] [--second] [--keep]
//   swift run -c release optout-bench phone [--count N]
//   swift run -c release optout-bench deliver [--count N] [--concurrency C]
//   swift run -c release optout-bench import [--rows N]   /   stops [--count N]   (IntakeBenchmark)
//   swift run -c release optout-bench inflate [--mb N]
// `campaign` (CampaignBenchmark.swift) builds an N-row list (default 1,000,000) and M suppressions
// (default N/10) in a temporary workspace, runs the `optout run` binary on it and prints wall
// time, rows/s, MB/s and the run's peak RSS; `--second` then runs a second campaign over the same
// list, when the link index already holds every number. Figures are printed, never asserted.

import OptoutPhone
import OptoutBase
#if canImport(Glibc)
import Glibc
#endif
import Foundation
import OptoutKit

func option(_ name: String, _ args: [String], default value: Int) -> Int {
    guard let i = args.firstIndex(of: name), i + 1 < args.count, let n = Int(args[i + 1].replacingOccurrences(of: "_", with: "")) else { return value }
    return n
}

func peakMemoryMB() -> Double {
    var usage = rusage()
    getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
    return Double(usage.ru_maxrss) / 1024
}

func seconds(_ start: timespec) -> Double {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return Double(now.tv_sec - start.tv_sec) + Double(now.tv_nsec - start.tv_nsec) / 1e9
}

func startClock() -> timespec {
    var t = timespec()
    clock_gettime(CLOCK_MONOTONIC, &t)
    return t
}

/// Writes a list like a spreadsheet export: BOM, semicolons, mixed number formats, merge fields.
func writeList(path: String, rows: Int) {
    guard let out = FileHandle(forWritingAtPath: path) ?? {
        _ = FileManager.default.createFile(atPath: path, contents: nil)
        return FileHandle(forWritingAtPath: path)
    }() else { fatalError("cannot write \(path)") }
    var buffer = Array("\u{FEFF}First Name;Mobile;City\r\n".utf8)
    let names = ["Amelia", "Oliver", "Zoë", "Jack", "Isla", "Noah", "Léa", "Harry"]
    for i in 0..<rows {
        let n = 7_400_000_000 + i * 7 % 599_999_999
        let national = String(n)
        let phone: String
        switch i % 4 {
        case 0: phone = "+44\(national)"
        case 1: phone = "0\(national)"
        case 2: phone = "0044 \(national.prefix(4)) \(national.dropFirst(4))"
        default: phone = "+44 (0)\(national)"
        }
        buffer.append(contentsOf: "\(names[i % names.count]);\(phone);London\r\n".utf8)
        if buffer.count > 1 << 20 {
            out.write(Data(buffer))
            buffer.removeAll(keepingCapacity: true)
        }
    }
    out.write(Data(buffer))
    out.closeFile()
}

func writeStops(path: String, count: Int) {
    var text = "from,timestamp,text\n"
    for i in 0..<count {
        let n = 7_400_000_000 + (i * 10) * 7 % 599_999_999
        text += "+44\(n),2026-11-20T10:00:00Z,STOP\n"
    }
    _ = FileManager.default.createFile(atPath: path, contents: Data(text.utf8))
}

/// An account with a history: `count` opt-outs imported earlier (every 5th list number among them).
func seedLedger(root: String, count: Int) {
    guard count > 0 else { return }
    do {
        let ledger = try Ledger(path: Workspace(root: root).ledgerFile)
        var batch: [IncomingEvent] = []
        for i in 0..<count {
            let n = 7_400_000_000 + (i * 5) * 7 % 599_999_999
            batch.append(IncomingEvent(kind: .optOut, number: PhoneNumber(unchecked: UInt64(440_000_000_000) + UInt64(n)),
                                       time: Timestamp(seconds: 1_700_000_000 + Int64(i)), source: .import, rule: "bench import",
                                       file: "inbox/suppressions/old.csv", line: i + 2, inputHash: "bench", text: ""))
            if batch.count == 100_000 { try ledger.record(batch); batch.removeAll(keepingCapacity: true) }
        }
        try ledger.record(batch)
        // That history was reported and forwarded long ago.
        let journal = try Journal(path: Workspace(root: root).journalFile)
        try journal.setWebhookWatermark(ledger.lastSeq)
        try journal.setReportWatermark(ledger.lastSeq)
    } catch {
        fatalError("seeding the ledger failed: \(error)")
    }
}

let args = Array(CommandLine.arguments.dropFirst())
switch args.first {
case "deliver":
    print(runDeliverBenchmark(count: option("--count", args, default: 10_000), concurrency: option("--concurrency", args, default: 8)))
case "import":
    importBench(args)
case "stops":
    stopsBench(args)
case "phone":
    print(runPhoneBenchmark(count: option("--count", args, default: 10_000_000)))
case "inflate":
    print(runInflateBenchmark(megabytes: option("--mb", args, default: 100)))
case "campaign", nil:
    campaignBench(args)
default:
    campaignBench(args)
}
