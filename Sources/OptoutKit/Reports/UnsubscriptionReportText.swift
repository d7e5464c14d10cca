// Unsubscription report text: applied opt-outs → the bytes of outbox/reports/unsubscriptions-<time>.csv
// (for people: UTF-8 with BOM, CRLF, formula guard, digit-only text guarded too; "line" is the
// row a spreadsheet shows, SpreadsheetRow, as in list reports), the e-mail and
// SMS summary wording, the send-file rows of notifications and confirmations, and a Message-ID
// that is the same when the same report is written again.
// Input: ledger records, settings. Output: bytes and text. Failures: none (pure).

import OptoutBase
import Foundation

package enum UnsubscriptionReportText {
    /// The report's header row.
    package static let header = ["time", "number", "source", "rule", "raw text", "file", "line"]

    /// The report CSV bytes for these opt-outs.
    package static func csv(_ records: [LedgerRecord]) -> [UInt8] {
        let writer = CSVWriter(audience: .people)
        var out = csvHead()
        for r in records { writer.appendRow(row(r), to: &out) }
        return out
    }

    /// The BOM and the header row (a streamed report writes its rows after them).
    package static func csvHead() -> [UInt8] {
        var out = CSVWriter.utf8BOM
        CSVWriter(audience: .people).appendRow(header, to: &out)
        return out
    }

    /// The cells of one opt-out's row.
    package static func row(_ r: LedgerRecord) -> [String] {
        [r.eventTime.iso8601, r.number.e164, sourceName(r.source), r.rule, textCell(r.text), r.file, String(SpreadsheetRow.shown(line: r.line, row: r.row))]
    }

    /// The row of one opt-out from its ledger record payload's bytes, the same bytes as
    /// `appendRow(row(record))` (a test holds them equal): event time and number as the ledger
    /// wrote them, fields unescaped only when they hold a backslash.
    static func appendRow(payload: UnsafeBufferPointer<UInt8>, source: EventSource, writer: CSVWriter, to out: inout [UInt8]) {
        var ranges: (Range<Int>, Range<Int>, Range<Int>, Range<Int>, Range<Int>, Range<Int>, Range<Int>) = (0..<0, 0..<0, 0..<0, 0..<0, 0..<0, 0..<0, 0..<0)
        var field = 0, start = 0
        for i in 0...payload.count where i == payload.count || payload[i] == 0x09 {
            switch field {
            case 4: ranges.0 = start..<i
            case 5: ranges.1 = start..<i
            case 8: ranges.2 = start..<i
            case 9: ranges.3 = start..<i
            case 10: ranges.4 = start..<i
            case 12: ranges.5 = start..<i
            case 15: ranges.4 = start..<i   // the spreadsheet's row, when it differs from the line
            default: break
            }
            field += 1
            start = i + 1
        }
        func bytes(_ r: Range<Int>) -> UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(rebasing: payload[r]) }
        func text(_ r: Range<Int>, _ body: (UnsafeBufferPointer<UInt8>) -> Void) {
            let b = bytes(r)
            if !b.contains(0x5C) { body(b); return }
            var s = TabFields.unescape(b)
            s.withUTF8(body)
        }
        writer.appendField(bytes(ranges.1), to: &out)
        writer.appendField(bytes(ranges.0), to: &out)
        writer.appendField(sourceName(source), to: &out)
        text(ranges.2) { writer.appendField($0, to: &out) }
        text(ranges.5) { t in
            if isNumericText(t) {
                var guarded: [UInt8] = [UInt8(ascii: "'")]
                guarded.append(contentsOf: t)
                guarded.withUnsafeBufferPointer { writer.appendField($0, to: &out) }
            } else {
                writer.appendField(t, to: &out)
            }
        }
        text(ranges.3) { writer.appendField($0, to: &out) }
        writer.appendField(bytes(ranges.4), to: &out)
        writer.endRow(to: &out)
    }

    static func isNumericText<C: Collection>(_ bytes: C) -> Bool where C.Element == UInt8 {
        guard let first = bytes.first, first >= 0x30 && first <= 0x39 else { return false }
        return bytes.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x20 || $0 == 0x2E || $0 == 0x2C }
    }

    /// Raw text that a spreadsheet would read as a number ("07911123456" from an import loses its
    /// 0; "447911123456" becomes 4.47911E+11) gets the same leading apostrophe as the formula guard.
    package static func textCell(_ text: String) -> String {
        var text = text
        return text.withUTF8(isNumberLike) ? "'" + text : text
    }

    /// A digit, then only digits, spaces, `.` and `,`: what `textCell` guards.
    package static func isNumberLike(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let first = bytes.first, first >= 0x30 && first <= 0x39 else { return false }
        return bytes.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x20 || $0 == 0x2E || $0 == 0x2C }
    }

    /// "TollFree number", "Optout Link" (as SMS.to and suppressions.csv say) or "import".
    package static func sourceName(_ source: EventSource) -> String { source.webhookName ?? "import" }

    /// The plain confirmation the FCC allows after an opt-out: no marketing, how to come back.
    package static func confirmationText(sender: String?) -> String {
        let who = sender.map { "\($0): " } ?? ""
        return "\(who)You're unsubscribed and will get no more messages from us. Reply START to resubscribe."
    }

    /// A send file (`phone,message,segments,encoding`), like campaign send files.
    package static func sendFile(_ rows: [(phone: String, message: String)]) -> [UInt8] {
        let writer = CSVWriter(audience: .machine)
        var out: [UInt8] = []
        writer.appendRow(["phone", "message", "segments", "encoding"], to: &out)
        for row in rows {
            let count = Segments.count(row.message)
            writer.appendRow([row.phone, row.message, String(count.segments), count.encoding.rawValue], to: &out)
        }
        return out
    }

    /// A Message-ID that is the same when the same report is written again (a redo after a crash).
    package static func messageID(name: String, csv: [UInt8], from: String) -> String {
        messageID(name: name, digest: SHA256.hash(csv), from: from)
    }

    /// As above, from the CSV's SHA-256 (computed while the report was streamed).
    package static func messageID(name: String, digest: [UInt8], from: String) -> String {
        let address = Email.addrSpec(from)
        let domain = address.split(separator: "@").last.map(String.init) ?? "localhost"
        let id = Hex.encode(Array(digest.prefix(8)))
        return "<\(name).\(id)@\(domain)>"
    }

    /// Counts and wording shared by the e-mail and the SMS (built one record at a time: only the
    /// first 50 records, those the e-mail lists, are kept).
    package struct Summary {
        /// The first records (the e-mail lists 50).
        var shown: [LedgerRecord] = []
        var settings: Settings
        var count = 0
        var numbers = 0
        var sourceCounts: [EventSource: Int] = [:]
        var bySource: [(EventSource, Int)] {
            EventSource.allCases.compactMap { source in sourceCounts[source].map { (source, $0) } }
        }

        package init(records: [LedgerRecord], settings: Settings) {
            self.settings = settings
            var seen = Set<UInt64>()
            for r in records { add(r, newNumber: seen.insert(r.number.value).inserted) }
        }

        init(settings: Settings) { self.settings = settings }

        mutating func add(_ r: LedgerRecord, newNumber: Bool) {
            if shown.count < 50 { shown.append(r) }
            add(r.source, newNumber: newNumber)
        }

        /// A record after the first 50: only counted.
        mutating func add(_ source: EventSource, newNumber: Bool) {
            count += 1
            if newNumber { numbers += 1 }
            sourceCounts[source, default: 0] += 1
        }

        var when: String {
            let iso = shown[0].recordedTime.iso8601
            return "\(iso.prefix(10)) \(iso.dropFirst(11).prefix(5)) UTC"
        }

        var countText: String {
            let optOuts = count == 1 ? "1 new opt-out" : "\(count) new opt-outs"
            return numbers == count ? optOuts : "\(optOuts) (\(numbers == 1 ? "1 number" : "\(numbers) numbers"))"
        }

        var sourcesText: String {
            bySource.map { source, n in
                switch source {
                case .reply: return "\(n) by reply"
                case .link: return "\(n) by link"
                case .import: return "\(n) imported"
                }
            }.joined(separator: ", ")
        }

        package var subject: String {
            let who = settings.notificationSender.map { "\($0): " } ?? ""
            return "\(who)\(countText), \(when)"
        }

        package func emailBody(reportName: String) -> String {
            var lines = ["\(countText) recorded by optout on \(when): \(sourcesText).", ""]
            lines.append("They are already in the suppression list: no list or campaign will text them again.")
            lines.append("")
            for r in shown {
                lines.append("  \(r.eventTime.iso8601)  \(r.number.e164)  \(UnsubscriptionReportText.sourceName(r.source))  \(r.rule)")
            }
            if count > shown.count { lines.append("  ... and \(count - shown.count) more") }
            lines.append("")
            lines.append("The attached \(reportName) holds the evidence for each: time, number, source,")
            lines.append("the rule that decided it, the raw text, and the input file and line.")
            return lines.joined(separator: "\n") + "\n"
        }

        /// One GSM-7 segment: the details are dropped if they would not fit.
        /// No server path: it means nothing on a phone (the report's name is in the e-mail and in
        /// `optout status`).
        package func sms(reportName: String) -> String {
            let who = settings.notificationSender ?? "optout"
            let short = "\(who): \(countText) on \(when) (\(sourcesText))."
            if Segments.count(short).segments == 1 { return short }
            return "optout: \(countText) on \(when)."
        }
    }
}
