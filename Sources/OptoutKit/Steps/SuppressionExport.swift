// Suppression export: outbox/suppressions.csv, the whole suppression list after the run.
// Input: the suppression state. Output: `phone,opted_out_at,source` for every number opted out now,
// sorted by number, rewritten atomically each run. Failures: `OptoutError` on write.

import OptoutPhone
import OptoutBase

package enum SuppressionExport {
    package static func write(_ state: SuppressionState, to path: String) throws(OptoutError) {
        let file = try AtomicFile(path: path)
        try file.write("phone,opted_out_at,source\n")
        let keys = state.optedOutValuesSorted()
        let writer = CSVWriter(audience: .machine)
        var row: [UInt8] = []
        for key in keys {
            guard let entry = state.state(of: PhoneNumber(unchecked: key)) else { continue }
            row.removeAll(keepingCapacity: true)
            writer.appendRow([PhoneNumber(unchecked: key).e164, entry.since.iso8601, entry.source.webhookName ?? "import"], to: &row)
            try file.write(row)
        }
        try file.commit()
    }
}
