// Campaign benchmark: `optout run` (the release binary next to optout-bench, as a child process)
// on a generated workspace. Input: --rows N (default 1,000,000), --suppressions M (default N/10,
// seeded into the ledger), --stops S (STOP messages in the same run, default 1000), --second (a
// second campaign over the same list once the link index holds every number), --keep.
// Output: per run, wall time, rows/s, MB/s of list and the child's peak RSS (its own VmHWM, runOptoutChild).
// Failures: printed (a run that fails is reported with its exit status).

import OptoutBase
import OptoutKit
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Runs `optout run --root root` as a child; its exit status, wall seconds and peak RSS (MiB):
/// the child's own high-water mark (VmHWM in /proc/<pid>/status, read every 2 ms until it exits).
/// Not wait4's ru_maxrss: posix_spawn's child shares this process's memory until its exec, and
/// Linux keeps that memory's high-water mark in the child's ru_maxrss (this benchmark, having
/// written a 1M-row list and seeded a million numbers, read 127 MiB for a child of 100 MiB).
func runOptoutChild(root: String) -> (status: Int32, wall: Double, peakMiB: Double) {
    let dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().path
    let binary = "\(dir)/optout"
    var pid: pid_t = 0
    let argv: [UnsafeMutablePointer<CChar>?] = [strdup(binary), strdup("run"), strdup("--root"), strdup(root), nil]
    defer { for a in argv { free(a) } }
    let start = startClock()
    guard posix_spawn(&pid, binary, nil, nil, argv, environ) == 0 else { return (-1, 0, 0) }
    var status: Int32 = 0
    var usage = rusage()
    var highWaterKiB = 0
    while wait4(pid, &status, WNOHANG, &usage) == 0 {
        if let kib = childHighWaterKiB(pid) { highWaterKiB = max(highWaterKiB, kib) }
        usleep(2_000)
    }
    let wall = seconds(start)
    let exit = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    let peakKiB = highWaterKiB > 0 ? highWaterKiB : usage.ru_maxrss   // no sample: a child of under 2 ms
    return (exit, wall, Double(peakKiB) / 1024)
}

/// VmHWM of a running process, in KiB (nil once it has exited).
func childHighWaterKiB(_ pid: pid_t) -> Int? {
    guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
    for line in text.split(separator: "\n") where line.hasPrefix("VmHWM:") {
        return Int(line.dropFirst(6).trimmingCharacters(in: .whitespaces).split(separator: " ").first ?? "")
    }
    return nil
}

/// Line ends in a file, read in blocks.
func countLines(_ path: String) -> Int {
    let fd = open(path, O_RDONLY)
    if fd < 0 { return 0 }
    defer { close(fd) }
    var buffer = [UInt8](repeating: 0, count: 1 << 20)
    var lines = 0
    while true {
        let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if n <= 0 { return lines }
        for i in 0..<n where buffer[i] == 0x0A { lines += 1 }
    }
}

func campaignBench(_ args: [String]) {
    let rows = option("--rows", args, default: 1_000_000)
    let suppressions = option("--suppressions", args, default: rows / 10)
    let stops = option("--stops", args, default: 1000)
    let root = NSTemporaryDirectory() + "optout-bench-\(getpid())"
    _ = try? InitJob.run(dir: root)
    try? Durable.writeFile("\(root)/inbox/settings.json", "{\"default_country\": \"GB\", \"optout_link_base\": \"https://ex.co/u/\", \"price_per_segment\": 0.04, \"settle_seconds\": 0}")
    print("workspace \(root): \(suppressions) suppressions already in the ledger; writing \(rows) list rows and \(stops) STOP messages...")
    seedLedger(root: root, count: suppressions)
    writeList(path: "\(root)/inbox/lists/bench.csv", rows: rows)
    if stops > 0 { writeStops(path: "\(root)/inbox/stops/bench-stops.csv", count: stops) }
    let listBytes = (try? FileManager.default.attributesOfItem(atPath: "\(root)/inbox/lists/bench.csv")[.size] as? Int) ?? 0
    let message = "list: bench\nsender: ACME\n\nHi {first_name|there}, 20% off this weekend in {city}! Reply STOP or {optout}\n"
    var runs = [("first campaign (link index empty)", "bench")]
    if args.contains("--second") { runs.append(("second campaign (link index full)", "bench-again")) }
    for (label, name) in runs {
        try? Durable.writeFile("\(root)/inbox/campaigns/\(name).txt", message)
        let run = runOptoutChild(root: root)
        let sent = max(0, countLines("\(root)/outbox/send/\(name).csv") - 1)
        print("\(label): exit \(run.status), \(sent) rows sent")
        print(String(format: "  %.2f s wall for %d rows (%.1f MB list): %.0f rows/s, %.1f MB/s, peak RSS %.1f MiB",
                     run.wall, rows, Double(listBytes) / 1e6, Double(rows) / run.wall, Double(listBytes) / 1e6 / run.wall, run.peakMiB))
    }
    if !args.contains("--keep") { try? FileManager.default.removeItem(atPath: root) }
}
