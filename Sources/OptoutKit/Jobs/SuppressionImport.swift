// Suppression imports: opt-outs exported from another system (inbox/suppressions/*.csv).
// Input: one CSV in any format the list reader takes; the phone column is found like a list's
// (by header, or by content), and an optional time column (timestamp, time, date, received_at,
// created_at, opted_out_at...) gives when the number opted out there. Output: one opt-out event per
// valid number, source `import`, with its evidence (file, line, the cell as written); a row
// without a readable time uses the processing time and its rule says so. Imports only add: the
// ledger never lets an import resubscribe anyone, and WebhookPayloads skips them.
// Failures: `ListError` (no phone column, unreadable file) rejects the file; bad rows are
// row-level warnings.

public struct SuppressionImportContents: Sendable {
    public var events: [IncomingEvent] = []
    /// Rows a person must look at (numbers with no valid reading).
    public var reviews: [ReviewItem] = []
    public var rowProblems: [Diagnostic] = []
    public var rows = 0
}

public enum SuppressionImport {
    /// Extra time headers used by suppression exports (besides ColumnNames.time).
    static let timeHeaders = ColumnNames.time + ["optedoutat", "optoutdate", "unsubscribedat", "unsubscribedate", "suppressedat", "dateadded", "added"]

    /// Reads one import file into opt-out events.
    public static func read(path: String, displayName: String, inputHash: String, parser: PhoneNumberParser,
                            settings: Settings, now: Timestamp) throws(ListError) -> SuppressionImportContents {
        let reader = try ContactListReader(path: path, parser: parser)
        let timeColumn = reader.hasHeader ? ColumnNames.find(timeHeaders, in: reader.columns) : nil
        let phoneHeader = reader.hasHeader ? "column \"\(reader.columns[reader.phoneColumn])\"" : "column \(reader.phoneColumn + 1)"
        var contents = SuppressionImportContents()
        while try reader.next() {
            let location = SourceLocation(file: displayName, line: reader.line)
            let number: PhoneNumber
            switch reader.number() {
            case .blank: continue
            case .invalid(let rejection):
                contents.rows += 1
                contents.rowProblems.append(Diagnostic(.warning, location, "\"\(reader.rawPhone())\" skipped: \(rejection.reason)"))
                continue
            case .number(let parsed):
                contents.rows += 1
                number = parsed
            }
            var rule = "suppression import (\(phoneHeader))"
            var when = now
            if let timeColumn {
                let raw = String(decoding: reader.trimmed(timeColumn), as: UTF8.self)
                if let parsed = Timestamp.parse(raw, zone: settings.timezone, order: settings.dateOrder) {
                    when = parsed
                } else {
                    rule += "; time \(raw.isEmpty ? "missing" : "\"\(raw)\" unreadable"), processing time used"
                }
            } else {
                rule += "; no time column, processing time used"
            }
            contents.events.append(IncomingEvent(kind: .optOut, number: number, time: when, source: .import, rule: rule,
                                                 file: displayName, line: reader.line, inputHash: inputHash,
                                                 text: reader.rawPhone()))
        }
        return contents
    }
}
