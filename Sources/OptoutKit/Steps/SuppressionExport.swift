// Suppression export: outbox/suppressions.csv, the whole suppression list after the run.
// Input: the suppression state. Output: `phone,opted_out_at,source` for every number opted out now,
// sorted by number, rewritten atomically each run; rows written as bytes (a million in well under
// a second). Failures: `OptoutError` on write.

import OptoutPhone
import OptoutBase

package enum SuppressionExport {
    package static func write(_ state: SuppressionState, to path: String) throws(OptoutError) {
        let file = try AtomicFile(path: path)
        try file.write("phone,opted_out_at,source\n")
        let keys = state.optedOutValuesSorted()
        // Rows written as bytes (the same as CSVWriter(.machine) writes them: no field here needs
        // quoting or a guard): "+<digits>,<ISO time>,<source>\n".
        let names = EventSource.allCases.map { Array(($0.webhookName ?? "import").utf8) }
        var rows: [UInt8] = []
        rows.reserveCapacity(1 << 16 + 128)
        for key in keys {
            guard let entry = state.state(of: PhoneNumber(unchecked: key)) else { continue }
            rows.append(0x2B)
            appendDigits(key, to: &rows)
            rows.append(0x2C)
            entry.since.appendISO8601(to: &rows)
            rows.append(0x2C)
            rows.append(contentsOf: names[EventSource.allCases.firstIndex(of: entry.source)!])
            rows.append(0x0A)
            if rows.count >= 1 << 16 {
                try file.write(rows)
                rows.removeAll(keepingCapacity: true)
            }
        }
        try file.write(rows)
        try file.commit()
    }

    static func appendDigits(_ value: UInt64, to out: inout [UInt8]) {
        var width = 1
        var probe = value
        while probe >= 10 { probe /= 10; width += 1 }
        let end = out.count + width
        out.append(contentsOf: repeatElement(0x30, count: width))
        var v = value
        var i = end - 1
        repeat { out[i] = UInt8(truncatingIfNeeded: v % 10) &+ 0x30; v /= 10; i -= 1 } while v > 0
    }
}
