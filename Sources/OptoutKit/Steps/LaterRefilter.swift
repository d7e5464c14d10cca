// LaterRefilter.swift — every run, once the run's opt-outs are recorded: each scheduled send file
// in outbox/send/later/ whose time has not come loses the numbers opted out since it was built, so
// a STOP at 10:00 keeps a number out of the 18:00 file.
// Input: the ledger (this run's opt-outs applied), the run's time, the files
// `<campaign>@<YYYYMMDDTHHMMSSZ>.csv` (ScheduledSend). A file whose time is now or past is left
// alone (the gateway took it, or is taking it); names of another shape are left alone.
// Output: for each file that lost rows, first the campaign's skipped report
// (outbox/reports/<campaign>-skipped.csv) rewritten whole with the removed rows added (line empty,
// reason "opted out after the build (...); removed from outbox/send/later/<file>"), then the send
// file rewritten whole without them (both temp, fsync, rename). A crash between the two is mended
// by the next run: the rows are found again and not added twice (an identical row is never added).
// Failures: `OptoutError` for I/O; a row whose phone cannot be read stays (noted).

import Foundation
import OptoutBase
import OptoutPhone

package struct LaterRefilterResult {
    /// Rows removed from scheduled send files this run.
    package var removed = 0
    /// The send files rewritten (relative to the root).
    package var files: [String] = []
    package var log = StepLog()
}

package enum LaterRefilter {
    package static let reason = "opted out after the build"

    package static func run(state: RunState) throws(OptoutError) -> LaterRefilterResult {
        let ws = state.workspace
        var out = LaterRefilterResult()
        let folder = "\(ws.root)/\(ScheduledSend.folder)"
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return out }
        for fileName in names.sorted() where !fileName.hasPrefix(".") {
            guard let (campaign, time) = parse(fileName), time.seconds > state.now.seconds else { continue }
            try refilter("\(folder)/\(fileName)", campaign: campaign, state: state, into: &out)
        }
        return out
    }

    /// `<campaign>@<YYYYMMDDTHHMMSSZ>.csv` → the campaign's output name and the time; nil for another shape.
    package static func parse(_ fileName: String) -> (String, Timestamp)? {
        guard fileName.hasSuffix(".csv"), let at = fileName.lastIndex(of: "@") else { return nil }
        let campaign = String(fileName[..<at])
        let stamp = Array(fileName[fileName.index(after: at)...].dropLast(4).utf8)
        guard !campaign.isEmpty, stamp.count == OutputNames.timeLength, stamp[8] == UInt8(ascii: "T"), stamp[15] == UInt8(ascii: "Z") else { return nil }
        func number(_ range: Range<Int>) -> Int? {
            var value = 0
            for i in range {
                guard stamp[i] >= 0x30, stamp[i] <= 0x39 else { return nil }
                value = value * 10 + Int(stamp[i] - 0x30)
            }
            return value
        }
        guard let y = number(0..<4), let mo = number(4..<6), let d = number(6..<8),
              let h = number(9..<11), let mi = number(11..<13), let s = number(13..<15),
              (1...12).contains(mo), (1...31).contains(d), h < 24, mi < 60, s < 60 else { return nil }
        let seconds = Timestamp.days(year: y, month: mo, day: d) * 86_400 + Int64(h * 3600 + mi * 60 + s)
        let time = Timestamp(seconds: seconds)
        guard time.compact == String(decoding: stamp, as: UTF8.self) else { return nil }
        return (campaign, time)
    }

    /// The records of a send file: its header line, then each row's bytes with its newline (a
    /// quoted message may hold newlines).
    static func records(_ bytes: [UInt8]) -> [ArraySlice<UInt8>] {
        var out: [ArraySlice<UInt8>] = []
        var start = 0, quoted = false
        for (i, byte) in bytes.enumerated() {
            if byte == UInt8(ascii: "\"") { quoted.toggle() }
            if byte == UInt8(ascii: "\n") && !quoted {
                out.append(bytes[start...i])
                start = i + 1
            }
        }
        if start < bytes.count { out.append(bytes[start...]) }
        return out
    }

    static func refilter(_ path: String, campaign: String, state: RunState, into out: inout LaterRefilterResult) throws(OptoutError) {
        let bytes = try Durable.readFile(path)
        let rows = records(bytes)
        guard rows.count > 1 else { return }
        var kept: [UInt8] = Array(rows[0])
        var removed: [(phone: String, reason: String)] = []
        var unreadable = 0
        let shown = state.display(path)
        for row in rows.dropFirst() {
            let phoneBytes = row.prefix { $0 != UInt8(ascii: ",") }
            guard let number = PhoneNumber(e164: String(decoding: phoneBytes, as: UTF8.self)) else {
                unreadable += 1
                kept += row
                continue
            }
            if state.ledger.isOptedOut(number) {
                var why = reason
                if let since = state.ledger.state.state(of: number) {
                    why += " (on \(since.since.iso8601), \(since.source.webhookName ?? "import"))"
                }
                removed.append((number.e164, "\(why); removed from \(shown)"))
            } else {
                kept += row
            }
        }
        if unreadable > 0 {
            out.log.add(.warning, SourceLocation(file: shown), "\(unreadable) row(s) whose phone is not E.164 were left in place; the file was not written by optout as it stands")
        }
        guard !removed.isEmpty else { return }
        // The skipped report first: a removed row is always accounted for before it leaves the file.
        let skippedPath = "\(state.workspace.root)/\(OutputNames.campaignPath(.skipped, name: campaign))"
        var report: [UInt8]
        if Durable.exists(skippedPath) {
            report = try Durable.readFile(skippedPath)
        } else {
            report = CSVWriter.utf8BOM + Array("line,phone,reason\r\n".utf8)
        }
        let people = CSVWriter(audience: .people)
        var added = false
        for (phone, why) in removed {
            var line: [UInt8] = []
            people.appendRow(["", phone, why], to: &line)
            if !contains(report, line) {
                report += line
                added = true
            }
        }
        if added { try Durable.writeFile(skippedPath, report) }
        try Durable.writeFile(path, kept)
        out.removed += removed.count
        out.files.append(shown)
        out.log.add(.note, SourceLocation(file: shown), "\(removed.count) row(s) removed: \(reason) (listed in \(state.display(skippedPath)))")
    }

    /// True if `needle` occurs in `haystack` at the start of a line.
    static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard !needle.isEmpty, haystack.count >= needle.count else { return false }
        var i = 0
        while i + needle.count <= haystack.count {
            if (i == 0 || haystack[i - 1] == UInt8(ascii: "\n")) && haystack[i..<(i + needle.count)].elementsEqual(needle) { return true }
            guard let next = haystack[i...].firstIndex(of: UInt8(ascii: "\n")) else { return false }
            i = next + 1
        }
        return false
    }
}
