// InflateBenchmark.swift — measures the DEFLATE decoder (Inflater through GzipReader) on a large
// stream, as workbooks and .gz page logs use it.
// Input: the size in MB of the mixed data to make (default 100). The data (text, digits, random
// bytes, long runs: every block kind zlib chooses) is compressed by the system `gzip -6`, then read
// back through GzipReader. Output: one report line with MB/s (of decompressed bytes), the
// compression ratio and peak RSS; "MISMATCH" instead of a rate when the bytes read back differ.
// Failures: none thrown; a missing `gzip` or a decoder error is reported in the line.

import OptoutBase
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Mixed data of `size` bytes, the same for the same size (a fixed linear congruential generator).
func inflateBenchData(size: Int) -> [UInt8] {
    var out: [UInt8] = []
    out.reserveCapacity(size)
    var state: UInt64 = 0x9E37_79B9_7F4A_7C15
    func random() -> UInt64 { state = state &* 6364136223846793005 &+ 1442695040888963407; return state >> 33 }
    let words = ["phone", "first_name", "STOP", "+447911123456", "London", "unsubscribe", "Zoë", "campaign", ",", "\r\n"].map { Array($0.utf8) }
    while out.count < size {
        switch random() % 4 {
        case 0: for _ in 0..<(64 + random() % 512) { out.append(contentsOf: words[Int(random() % UInt64(words.count))]) }
        case 1: for _ in 0..<(32 + random() % 256) { out.append(UInt8(ascii: "0") + UInt8(random() % 10)) }
        case 2: for _ in 0..<(16 + random() % 256) { out.append(UInt8(truncatingIfNeeded: random())) }
        default: out.append(contentsOf: repeatElement(UInt8(truncatingIfNeeded: random()), count: Int(100 + random() % 2000)))
        }
    }
    out.removeLast(out.count - size)
    return out
}

func runInflateBenchmark(megabytes: Int) -> String {
    let dir = NSTemporaryDirectory() + "optout-bench-inflate-\(getpid())"
    try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let data = inflateBenchData(size: megabytes << 20)
    let raw = "\(dir)/data", packed = "\(dir)/data.gz"
    guard FileManager.default.createFile(atPath: raw, contents: Data(data)) else { return "inflate: cannot write \(raw)" }
    let gzip = Process()
    gzip.executableURL = URL(fileURLWithPath: FileManager.default.isExecutableFile(atPath: "/usr/bin/gzip") ? "/usr/bin/gzip" : "/bin/gzip")
    gzip.arguments = ["-6", "-k", raw]
    do { try gzip.run() } catch { return "inflate: gzip not found (\(error)); nothing measured" }
    gzip.waitUntilExit()
    guard gzip.terminationStatus == 0 else { return "inflate: gzip exited \(gzip.terminationStatus)" }
    let packedBytes = (try? FileManager.default.attributesOfItem(atPath: packed)[.size] as? Int) ?? 0
    var offset = 0
    var same = true
    let start = startClock()
    do {
        let reader = try GzipReader(path: packed)
        while try reader.read({ chunk in
            let end = offset + chunk.count
            if end > data.count || !data[offset..<end].elementsEqual(chunk) { same = false }
            offset = end
        }) {}
    } catch {
        return "inflate: the decoder failed: \(error)"
    }
    let wall = seconds(start)
    guard same, offset == data.count else { return "inflate: MISMATCH: \(offset) bytes read back of \(data.count)" }
    return String(format: "inflate: %d MB (gzip -6: %.1f MB) in %.2f s: %.0f MB/s of output, checked byte for byte; peak RSS %.1f MB (the benchmark holds the data to compare)",
                  megabytes, Double(packedBytes) / 1e6, wall, Double(data.count) / 1e6 / wall, peakMemoryMB())
}
