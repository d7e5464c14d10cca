// Suppression export: outbox/suppressions.csv, the whole suppression list after the run.
// Input: the suppression state (a function of the ledger's records alone). Output: `phone,opted_out_at,source`
// for every number opted out now, sorted by number, written atomically; rows written as bytes (a
// million in well under a second).
// Issue 13, `writeIfChanged`: a run that recorded nothing does not rewrite the same bytes. After each
// export a stamp (.optout/suppressions.stamp, durable, written after the export is) keeps the
// format's version, the ledger's last seq, the ledger file's size and mtime (ns), and the export's
// size and mtime (ns). The export is written again unless all of them still match: any record
// appended (new seq, size and mtime), a ledger replaced or repaired, an export deleted, edited or
// replaced, a stamp missing or torn, or a new format all rewrite it. A crash between the export
// and its stamp leaves an old stamp: the next run rewrites. Failures: `OptoutError` on write.

import OptoutPhone
import OptoutBase
import Foundation
#if canImport(Glibc)
import Glibc
#endif

package enum SuppressionExport {
    /// The stamp's first word: bump it whenever the export's bytes change for the same ledger.
    static let format = "optout-suppressions-v1"

    /// Writes `path` unless its stamp says it holds these bytes already (see the file header).
    /// - Returns: true when the export was written.
    @discardableResult
    package static func writeIfChanged(_ state: SuppressionState, to path: String, stampPath: String,
                                       ledgerPath: String, ledgerSeq: Int64) throws(OptoutError) -> Bool {
        if let now = stamp(ledgerPath: ledgerPath, ledgerSeq: ledgerSeq, exportPath: path),
           let kept = try? Durable.readFile(stampPath, limit: 4096), kept == Array(now.utf8) {
            return false
        }
        try write(state, to: path)
        if let after = stamp(ledgerPath: ledgerPath, ledgerSeq: ledgerSeq, exportPath: path) {
            try Durable.writeFile(stampPath, after, mode: Durable.privateMode)
        }
        return true
    }

    /// Issue 13: the export of a run, on a thread of its own from the moment the run's opt-outs are
    /// recorded (the ledger's state is final then: nothing later in a run records), so that it
    /// overlaps the run's other steps; `finish()` (where the run's order puts the export) waits for
    /// it and throws its failure. `close()` in any case.
    package final class Background {
        private let ledger: Ledger
        private let path: String, stampPath: String
        private var thread: OutputThread?

        package init(ledger: Ledger, to path: String, stampPath: String) {
            (self.ledger, self.path, self.stampPath) = (ledger, path, stampPath)
        }

        deinit { close() }

        /// Starts the export from the ledger's state as it is now (once).
        package func start() {
            guard thread == nil else { return }
            let (state, seq, ledgerPath, path, stampPath) = (ledger.state, ledger.lastSeq, ledger.path, path, stampPath)
            thread = OutputThread.start { () throws(OptoutError) in
                try SuppressionExport.writeIfChanged(state, to: path, stampPath: stampPath, ledgerPath: ledgerPath, ledgerSeq: seq)
            }
        }

        /// The export done (started now if it was not).
        package func finish() throws(OptoutError) {
            start()
            try thread?.finish()
        }

        package func close() { thread?.close() }
    }

    /// The stamp of the export as it stands, nil when the ledger or the export cannot be stat-ed.
    static func stamp(ledgerPath: String, ledgerSeq: Int64, exportPath: String) -> String? {
        func facts(_ path: String) -> String? {
            var st = stat()
            guard stat(path, &st) == 0, st.st_mode & S_IFMT == S_IFREG else { return nil }
            return "\(st.st_size) \(st.st_mtim.tv_sec).\(st.st_mtim.tv_nsec)"
        }
        guard let ledger = facts(ledgerPath), let export = facts(exportPath) else { return nil }
        return "\(format) ledger_seq \(ledgerSeq) ledger \(ledger) export \(export)\n"
    }

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
