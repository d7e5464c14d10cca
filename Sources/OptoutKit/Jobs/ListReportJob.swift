// List reports: checking each contact list when it is new or changed.
// Input: inbox/lists/<name>.csv (lists stay in the inbox; a newer file of the same name replaces
// the list). Output: outbox/reports/list-<name>.txt — rows, textable numbers, and every row-level
// problem with its line (blank, invalid, spreadsheet damage, duplicate, opted out) — written once
// per version of the list (a changed list gets list-<name>-2.txt, never overwriting).
// Failures: a file-level problem (no phone column, undecodable, unterminated quote) moves the list
// to inbox/lists/rejected/ with <file>.error.txt.

public enum ListReportJob {
    public struct Outcome: Sendable {
        public var reportPath: String
        public var rows: Int
        public var valid: Int
    }

    /// Checks one list; returns nil when this version was already reported.
    public static func run(_ file: DroppedFile, context: RunContext) throws(OptoutError) -> Outcome? {
        let key = "\(file.size):\(file.modified.seconds)"
        let stem = CampaignJobNames.stem(file.name)
        if context.journal.wasDone(kind: "list", key: "\(stem)@\(key)") { return nil }
        let reader: ContactListReader
        do { reader = try ContactListReader(path: file.path, parser: context.parser) } catch {
            try context.reject(file, kind: .lists, reasons: [error.description])
            return nil
        }
        var rows = 0, valid = 0
        var problems: [String] = []
        var counts: [String: Int] = [:]
        let duplicates: DuplicateLines
        do {
            duplicates = try DuplicateFinder.find(listPath: file.path, parser: context.parser, tempRoot: "\(context.workspace.state)/tmp")
        } catch let error as ListError {
            try context.reject(file, kind: .lists, reasons: [error.description])
            return nil
        } catch let error as OptoutError {
            throw error
        } catch {
            throw .internalError("\(error)")
        }
        func note(_ line: Int, _ category: String, _ text: String) {
            counts[category, default: 0] += 1
            if problems.count < 200 { problems.append("  line \(line): \(text)") }
        }
        do {
            while try reader.next() {
                rows += 1
                let line = reader.line
                switch reader.number() {
                case .blank: note(line, "blank row", "blank row")
                case .invalid(let rejection): note(line, "invalid number", "\"\(reader.rawPhone())\": \(rejection.reason)")
                case .number(let number):
                    if let first = duplicates.firstLine(ifDuplicate: line) {
                        note(line, "duplicate", "\(number.e164) duplicate of line \(first)")
                    } else {
                        if context.ledger.isOptedOut(number) {
                            note(line, "opted out", "\(number.e164) is opted out")
                        } else {
                            valid += 1
                        }
                    }
                }
            }
        } catch {
            try context.reject(file, kind: .lists, reasons: [error.description])
            return nil
        }
        let name = try context.journal.claimName(kind: "list", key: "\(stem)@\(key)", preferred: "list-\(stem)") { candidate in
            Durable.exists("\(context.workspace.reportsFolder)/\(candidate).txt")
        }
        let path = "\(context.workspace.reportsFolder)/\(name).txt"
        let delimiter = reader.delimiter == 0x09 ? "tab" : "'\(String(UnicodeScalar(reader.delimiter)))'"
        var text = "List \(stem) (\(context.display(file.path)))\n\n"
        text += "Checked:       \(context.now.iso8601)\n"
        text += "Format:        \(reader.encoding.rawValue), delimiter \(delimiter), \(reader.hasHeader ? "header row" : "no header row")\n"
        text += "Phone column:  \"\(reader.columns[reader.phoneColumn])\"\n"
        text += "Merge fields:  \(reader.columns.enumerated().filter { $0.offset != reader.phoneColumn }.map { "{\($0.element)}" }.joined(separator: " "))\n"
        text += "Rows:          \(rows)\n"
        text += "Textable:      \(valid)\n"
        for (category, count) in counts.sorted(by: { $0.key < $1.key }) {
            text += "\(category):".padding(toLength: 16, withPad: " ", startingAt: 0) + "\(count)\n"
        }
        text += "\nRows that will be skipped:\n"
        text += problems.isEmpty ? "  none\n" : problems.joined(separator: "\n") + "\n"
        let more = counts.values.reduce(0, +) - problems.count
        if more > 0 { text += "  ... and \(more) more (each campaign's -skipped.csv lists every row)\n" }
        try Durable.writeFile(path, text)
        try context.journal.markDone(kind: "list", key: "\(stem)@\(key)", fingerprint: key)
        return Outcome(reportPath: path, rows: rows, valid: valid)
    }
}

/// Output-name helpers shared by the jobs.
public enum CampaignJobNames {
    /// "Spring Sale.txt" → "Spring_Sale".
    public static func stem(_ fileName: String) -> String {
        RunContext.safeName(DropFolder.splitExtension(fileName).0)
    }
}
