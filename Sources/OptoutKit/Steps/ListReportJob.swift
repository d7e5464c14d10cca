// List reports: checking each contact list when it is new or changed.
// Input: inbox/lists/<name>.csv (lists stay in the inbox; a newer file of the same name replaces
// the list). Output: outbox/reports/list-<name>.txt — rows, textable numbers, and every row-level
// problem with its line (blank, invalid, spreadsheet damage, duplicate, opted out) — written once
// per version of the list (a changed list gets list-<name>-2.txt, never overwriting).
// Failures: a file-level problem (no phone column, undecodable, unterminated quote, no row with a
// valid number: ListUsability) moves the list to inbox/lists/rejected/ with <file>.error.txt.

import OptoutPhone
import OptoutBase

package enum ListReportJob {
    package struct Outcome: Sendable {
        package var reportPath: String
        package var rows: Int
        package var valid: Int
    }

    static func key(_ file: DroppedFile) -> String {
        "\(CampaignJobNames.stem(file.name))@\(file.size):\(file.modified.seconds)"
    }

    /// True when this version of the list has not been reported yet.
    package static func isDue(_ file: DroppedFile, journal: Journal) -> Bool {
        !journal.wasDone(kind: .list, key: key(file))
    }

    /// Checks one list with its own pass; returns nil when this version was already reported
    /// (or the list was rejected, or cannot get a report: said in `log`).
    package static func run(_ file: DroppedFile, state: RunState, log: inout StepLog) throws(OptoutError) -> Outcome? {
        guard isDue(file, journal: state.journal), Durable.exists(file.path) else { return nil }
        let ws = state.workspace
        // Names that would share a report: none of them gets one (said once per group).
        let group = ListFiles.collisions(of: file.name, in: ws)
        if !group.isEmpty {
            if group.first == file.name {
                log.add(.error, SourceLocation(file: ws.display(file.path)), "no list report: " + ListFiles.collisionReason(group, ws: ws))
            }
            return nil
        }
        let stem = CampaignJobNames.stem(file.name)
        if stem.utf8.count > OutputNames.longestListName {
            try log.reject(file, kind: .lists, reasons: ["the list name is \(stem.utf8.count) bytes long; at most \(OutputNames.longestListName) fit its report's file name (outbox/reports/list-<list>.txt): shorten the file name"], in: ws)
            return nil
        }
        let first: ContactListReader
        let source: ListSource  // workbook hook (issue 14): a .xlsx/.ods list's first sheet via a temp CSV
        do { source = try WorkbookInput.openList(path: file.path, display: ws.display(file.path), sheet: nil, parser: state.parser, tempFolder: ws.tempFolder); first = source.reader } catch {
            try log.reject(file, kind: .lists, reasons: [error.description], in: ws)
            return nil
        }
        defer { withExtendedLifetime(source) {} }
        var check = ListCheck()
        let duplicates: DuplicateLines
        let reader: ContactListReader
        do {
            // Duplicates first, then the list read again through the same open file.
            duplicates = try DuplicateFinder.find(list: first, tempRoot: ws.tempFolder)
            reader = try first.rewound()
        } catch let error as InputError {
            try log.reject(file, kind: .lists, reasons: [error.description], in: ws)
            return nil
        } catch let error as OptoutError {
            throw error
        } catch {
            throw .internalError("\(error)")
        }
        do {
            while try reader.next() {
                let line = reader.row  // the spreadsheet's row (issue 14 item 5)
                switch reader.number() {
                case .blank: check.blank(line)
                case .invalid(let rejection): check.invalid(line, raw: reader.rawPhone(), rejection)
                case .number(let number):
                    if let first = try duplicates.firstLine(ifDuplicate: line) {
                        check.duplicate(line, number, of: first)
                    } else if state.ledger.isOptedOut(number) {
                        check.optedOut(line, number)
                    } else {
                        check.textable()
                    }
                }
            }
        } catch let error as OptoutError {
            throw error
        } catch {
            try log.reject(file, kind: .lists, reasons: ["\(error)"], in: ws)
            return nil
        }
        // No row, or no row with a valid number: the wrong file or column, rejected whole (ListUsability).
        if let reason = check.unusableReason(phoneColumn: ListFormat(reader).phoneColumnName) {
            try log.reject(file, kind: .lists, reasons: [reason], in: ws)
            return nil
        }
        return try write(file, reader: reader, check: check, state: state, sheet: source.sheetFile)
    }

    /// Writes the report for a finished pass and records this version of the list as reported.
    /// `sheet`: the workbook sheet the list was read from (named in the report). A sheet other
    /// than the default (a campaign's `sheet:`) gets its own report, list-<list>-<sheet>.txt, once
    /// per version of the file (nil when written before); the default sheet's is list-<list>.txt.
    package static func write(_ file: DroppedFile, reader: ContactListReader, check: ListCheck,
                             state: RunState, sheet sheetFile: WorkbookInput.SheetCSV? = nil) throws(OptoutError) -> Outcome? {
        let sheet = sheetFile?.sheet
        let ws = state.workspace
        let stem = CampaignJobNames.stem(file.name)
        // Workbook hook (issue 14): one report per sheet used.
        var reportKey = key(file), preferred = "list-\(stem)"
        if let sheet, sheetFile?.isDefaultSheet == false {
            reportKey += "#sheet=\(sheet.name)"
            if state.journal.wasDone(kind: .list, key: reportKey) { return nil }
            let room = max(1, OutputNames.longestListName - stem.utf8.count - 1)
            preferred += "-" + String(decoding: Array(RunState.safeName(sheet.name).utf8.prefix(room)), as: UTF8.self)
        }
        let name = try state.journal.claimName(kind: .list, key: reportKey, preferred: preferred) { candidate in
            Durable.exists("\(ws.reportsFolder)/\(candidate).txt")
        }
        let path = "\(ws.reportsFolder)/\(name).txt"
        let display = sheet.map { WorkbookInput.display(ws.display(file.path), sheet: $0.name) } ?? ws.display(file.path)
        var format = ListFormat(reader)
        if sheetFile != nil { format.encoding = ListFormat.workbook }
        let text = ListReportText.render(stem: stem, display: display, format: format, check: check, now: state.now)
        try Durable.writeFile(path, text)
        try state.journal.markDone(kind: .list, key: reportKey, fingerprint: "\(file.size):\(file.modified.seconds)")
        return Outcome(reportPath: path, rows: check.rows, valid: check.valid)
    }
}

/// Output-name helpers shared by the jobs.
package enum CampaignJobNames {
    /// "Spring Sale.txt" → "Spring_Sale".
    package static func stem(_ fileName: String) -> String {
        RunState.safeName(DropFolder.splitExtension(fileName).0)
    }
}
