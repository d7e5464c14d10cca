// optout-bench import / stops: the opt-out intake at scale (issue 13).
//   swift run -c release optout-bench import [--rows N] [--keep]     (default 1,000,000 suppressions)
//   swift run -c release optout-bench stops [--count N] [--keep]     (default 100,000 new STOPs)
// `import` writes an N-row suppression export (US numbers in mixed national and international
// formats, 1 % invalid, a date column) into a fresh workspace and runs one `optout run`: every
// number streamed into the ledger, fsynced, then the unsubscription report and suppressions.csv.
// `stops` writes a STOP log of N messages from N new numbers (no callback URL): N ledger records
// and N webhook payload files made durable with one syncfs before their renames.
// Prints wall and CPU time, rows/s, MB/s of input and peak RSS (ru_maxrss); never asserts.

import OptoutBase
#if canImport(Glibc)
import Glibc
#endif
import Foundation
import OptoutKit

/// CPU seconds (user, system) of this process so far.
func cpuSeconds() -> (user: Double, system: Double) {
    var usage = rusage()
    getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
    return (Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6,
            Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6)
}

func writeBenchFile(_ path: String, rows: Int, header: String, row: (Int) -> String) {
    _ = FileManager.default.createFile(atPath: path, contents: nil)
    guard let out = FileHandle(forWritingAtPath: path) else { fatalError("cannot write \(path)") }
    var buffer = Array(header.utf8)
    for i in 0..<rows {
        buffer.append(contentsOf: row(i).utf8)
        if buffer.count > 1 << 20 {
            out.write(Data(buffer))
            buffer.removeAll(keepingCapacity: true)
        }
    }
    out.write(Data(buffer))
    out.closeFile()
    // Older than any settle time: read at once.
    var times = [timespec(tv_sec: time(nil) - 120, tv_nsec: 0), timespec(tv_sec: time(nil) - 120, tv_nsec: 0)]
    utimensat(AT_FDCWD, path, &times, 0)
}

/// Runs `optout run` in this process on `root` and prints the figures for `rows` rows of `bytes`.
func timedRun(root: String, what: String, rows: Int, bytes: Int) {
    let start = startClock()
    let cpu0 = cpuSeconds()
    do {
        let report = try RunJob.run(root: root, options: RunOptions(settleSeconds: 0))
        let wall = seconds(start)
        let cpu = cpuSeconds()
        print(String(format: "%@: %.2f s wall (%.2f s user, %.2f s system) for %d rows (%.1f MB)", what, wall,
                     cpu.user - cpu0.user, cpu.system - cpu0.system, rows, Double(bytes) / 1e6))
        print(String(format: "     %.0f rows/s, %.1f MB/s; new opt-outs %d, webhook payloads %d, suppressions %d", Double(rows) / wall,
                     Double(bytes) / 1e6 / wall, report.newOptOuts, report.webhooksWritten, report.suppressions))
        print(String(format: "peak memory (ru_maxrss): %.1f MB", peakMemoryMB()))
    } catch {
        print("run failed: \(error)")
    }
}

func benchWorkspace(_ name: String) -> String {
    let root = NSTemporaryDirectory() + "optout-bench-\(name)-\(getpid())"
    _ = try? InitJob.run(dir: root)
    try? Durable.writeFile("\(root)/inbox/settings.json", "{\"default_country\": \"US\", \"optout_link_base\": \"https://acme.link/u/\"}")
    return root
}

func fileSize(_ path: String) -> Int {
    (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
}

func importBench(_ args: [String]) {
    let rows = option("--rows", args, default: 1_000_000)
    let root = benchWorkspace("import")
    let path = "\(root)/inbox/suppressions/export.csv"
    writeBenchFile(path, rows: rows, header: "phone,opted_out_at\n") { i in
        let n = 2_012_000_000 + (i &* 7_919) % 7_987_000_000
        let digits = String(n)
        let phone: String
        switch i % 100 {
        case 0: phone = "not a number"
        case 1..<40: phone = "+1\(digits)"
        case 40..<70: phone = "(\(digits.prefix(3))) \(digits.dropFirst(3).prefix(3))-\(digits.suffix(4))"
        default: phone = "1\(digits)"
        }
        return "\(phone),2026-\(String(format: "%02d", 1 + i % 12))-\(String(format: "%02d", 1 + i % 28))T10:00:00Z\n"
    }
    print("workspace \(root): importing \(rows) suppressions...")
    timedRun(root: root, what: "import", rows: rows, bytes: fileSize(path))
    if !args.contains("--keep") { try? FileManager.default.removeItem(atPath: root) }
}

func stopsBench(_ args: [String]) {
    let count = option("--count", args, default: 100_000)
    let root = benchWorkspace("stops")
    let path = "\(root)/inbox/stops/replies.csv"
    writeBenchFile(path, rows: count, header: "from,timestamp,text\n") { i in
        let n = 2_012_000_000 + (i &* 7_919) % 7_987_000_000
        return "+1\(n),2026-11-20T\(String(format: "%02d:%02d:%02d", i / 3600 % 24, i / 60 % 60, i % 60))Z,STOP\n"
    }
    print("workspace \(root): \(count) new STOP messages, no callback URL...")
    timedRun(root: root, what: "stops", rows: count, bytes: fileSize(path))
    if !args.contains("--keep") { try? FileManager.default.removeItem(atPath: root) }
}
