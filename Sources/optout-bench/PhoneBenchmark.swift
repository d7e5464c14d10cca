// PhoneBenchmark.swift — measures PhoneNumberParser's throughput on one core.
// Input: how many fields to parse. Output: one report line, e.g.
// "parsed 10000000 numbers in 1.23 s: 8.1 M/s on one core". Failures: none (a mismatch between the
// parsed numbers and the expected ones is reported in the line instead of a rate).

import OptoutPhone
import OptoutBase

import OptoutKit

/// Parses `count` phone fields (a realistic mix of formats, GB default region) from one byte buffer
/// on the calling thread and reports the rate.
func runPhoneBenchmark(count: Int) -> String {
    // A list as it arrives: E.164, national, international with spaces, 00 prefix, (0), dashes, other countries.
    var fields: [String] = []
    for i in 0..<1024 {
        let local = String(100_000 + (i * 7919) % 900_000)
        switch i % 8 {
        case 0: fields.append("+447911" + local)
        case 1: fields.append("07911 " + local)
        case 2: fields.append("+44 7911 " + local)
        case 3: fields.append("0044 7911 " + local)
        case 4: fields.append("+44 (0)7911 " + local)
        case 5: fields.append("07911-" + local)
        case 6: fields.append("+33 6 12 " + local)
        default: fields.append("+1 415 55" + local.prefix(1) + " " + local.suffix(4))
        }
    }
    var bytes: [UInt8] = []
    var ranges: [(start: Int, count: Int)] = []
    for field in fields {
        ranges.append((bytes.count, field.utf8.count))
        bytes.append(contentsOf: field.utf8)
    }
    let parser = PhoneNumberParser(defaultRegion: "GB")
    var checksum: UInt64 = 0
    var failures = 0
    let clock = ContinuousClock()
    let elapsed = clock.measure {
        bytes.withUnsafeBufferPointer { all in
            var k = 0
            for _ in 0..<count {
                let r = ranges[k]
                k = (k + 1) & 1023
                switch parser.parse(UnsafeBufferPointer(rebasing: all[r.start..<(r.start + r.count)])) {
                case .success(let number): checksum &+= number.value
                case .failure: failures += 1
                }
            }
        }
    }
    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    if failures > 0 { return "phone benchmark: \(failures) of \(count) fields failed to parse (checksum \(checksum))" }
    let rate = Double(count) / seconds / 1e6
    func fixed(_ x: Double, _ digits: Int) -> String {
        var scale = 1.0
        for _ in 0..<digits { scale *= 10 }
        let n = Int((x * scale).rounded())
        let whole = n / Int(scale), frac = n % Int(scale)
        let f = String(frac)
        return "\(whole)." + String(repeating: "0", count: digits - f.count) + f
    }
    return "parsed \(count) numbers in \(fixed(seconds, 2)) s: \(fixed(rate, 1)) M/s on one core"
}
