// Suppression imports: opt-outs exported from another system (inbox/suppressions/*.csv).
// Input: one CSV of any size in any format the list reader takes, streamed; the phone column is
// found like a list's (by header, or by content), and an optional time column (timestamp, time,
// date, received_at, created_at, opted_out_at...) gives when the number opted out there.
// Output: one opt-out event per valid reading of each number (SenderReadings: as written, as a
// national number of default_country, as international digits; mobile_only never applies),
// source `import`, with its evidence (file, line, the cell as written) and the time EventTimes
// gives it; a cell with no reading is a review item and an unreadable row, as is a row that
// could not be read (a quote never closed, a record over 16 MiB). Imports only add: the ledger
// never lets an import resubscribe anyone, and WebhookPayloads skips them.
// Failures: `InputError` (no phone column, I/O, no row that could be read) rejects the file.

import OptoutPhone
import OptoutBase

package struct SuppressionImport: OptOutInputReader {
    package var parser: PhoneNumberParser
    package var settings: Settings
    package var now: Timestamp

    package init(parser: PhoneNumberParser, settings: Settings, now: Timestamp) {
        (self.parser, self.settings, self.now) = (parser, settings, now)
    }

    /// Extra time headers used by suppression exports (besides ColumnNames.time).
    static let timeHeaders = ColumnNames.time + ["optedoutat", "optoutdate", "unsubscribedat", "unsubscribedate", "suppressedat", "dateadded", "added"]

    /// Reads one import file into opt-out events. `parser` finds the phone column by content; its
    /// mobile_only flag is not used for the numbers.
    package func read(path: String, displayName: String, contentKey: String) throws(InputError) -> OptOutContents {
        let reader = try ContactListReader(path: path, parser: PhoneNumberParser(defaultRegion: settings.defaultCountry), recovers: true)
        let timeColumn = reader.hasHeader ? ColumnNames.find(Self.timeHeaders, in: reader.columns) : nil
        let phoneHeader = reader.hasHeader ? "column \"\(reader.columns[reader.phoneColumn])\"" : "column \(reader.phoneColumn + 1)"
        let rule = "suppression import (\(phoneHeader))"
        var contents = OptOutContents()
        var rows = OptOutRows(source: .import, file: displayName, inputHash: Self.inputHash(contentKey), now: now, settings: settings)
        while try reader.next() {
            if case .blank = reader.number() { continue }
            contents.rows += 1
            let time = timeColumn.map { String(decoding: reader.trimmed($0), as: UTF8.self) }
            let raw = reader.rawPhone()
            rows.add(line: reader.line, sender: raw, kind: .optOut, rule: rule, time: time, text: raw)
        }
        rows.unreadable += reader.skipped.map { UnreadableRow(line: $0.line, reason: $0.reason) }
        let out = rows.finish()
        contents.events = out.events
        contents.reviews = out.reviews
        // Time warnings are left out: an export without times is common, and the rule says so.
        contents.rowProblems = out.problems.filter { $0.severity == .error }
        contents.unreadableRows = out.unreadable
        if let error = out.nothingReadable { throw error }
        contents.unreadableSenders = out.unreadableSenders.count
        return contents
    }
}
