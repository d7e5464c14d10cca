// Hold log (issue 17 item 4): every campaign a run held, kept for the monthly compliance report
// (last-run.json keeps only the last run's holds). Input/output: .optout/holds.tsv, a record file
// (CRC framing, fsync, 0600) with payloads `held <time> <campaign file> <exit code> <cause>`,
// appended once per run that held something (a campaign held on every watch pass is recorded per
// pass; the report counts campaigns and holds). Failures: `OptoutError` naming the file when it
// cannot be written; a damaged record is skipped when read.

import OptoutBase

package struct HoldRecord: Sendable, Equatable {
    package var time: Timestamp
    package var file: String
    package var exitCode: Int32
    package var cause: String
}

package enum HoldLog {
    /// Appends the run's holds, fsynced.
    package static func append(_ held: [HeldCampaign], at time: Timestamp, path: String) throws(OptoutError) {
        guard !held.isEmpty else { return }
        let file = RecordFile(path: path)
        try file.openForAppend()
        var payloads: [[UInt8]] = []
        for h in held {
            var payload: [UInt8] = []
            for (i, field) in ["held", time.iso8601, h.file, String(h.exitCode), h.cause].enumerated() {
                if i > 0 { payload.append(0x09) }
                TabFields.escape(field, into: &payload)
            }
            payloads.append(payload)
        }
        try file.appendAndSync(payloads)
    }

    /// Every hold recorded (read only; an absent file has none).
    package static func read(path: String) throws(OptoutError) -> [HoldRecord] {
        var out: [HoldRecord] = []
        try RecordFile.scan(path) { payload, _ in
            let fields = TabFields.split(payload).map { TabFields.unescape(UnsafeBufferPointer(rebasing: payload[$0])) }
            guard fields.count == 5, fields[0] == "held", let time = Timestamp.parse(fields[1], zone: .gmt),
                  let code = Int32(fields[3]) else { return }
            out.append(HoldRecord(time: time, file: fields[2], exitCode: code, cause: fields[4]))
        }
        return out
    }
}
