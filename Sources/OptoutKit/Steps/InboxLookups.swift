// Inbox lookups (a run step, after the campaigns): each CSV of numbers in inbox/lookups/ gets
// outbox/lookups/<name>.csv, one row per number as written: number as written, E.164, status
// now, opted out since, source, events, last campaign sent, sent after opt-out (yes/no) — for
// people (UTF-8 BOM, CRLF, formula guard). A cell that is not a number gets a row saying why.
// The numbers are read like a list (phone column by header or content; default_country;
// mobile_only does not apply) and looked up together (NumberHistory: one ledger scan). Every
// lookup is kept in .optout/lookups.tsv (LookupLog); the input then moves to processed/. Under a
// journal claim: a rerun after a crash writes the same name and does not log the lookups twice.
// Input: the run plan and state. Output: `InboxLookupsResult`. Failures: a file that cannot be
// read as a list is rejected (65); `OptoutError` for I/O.

import OptoutPhone
import OptoutBase

package struct InboxLookupsResult {
    /// Answers written (workspace-relative).
    package var outputs: [String] = []
    /// Numbers looked up.
    package var numbers = 0
    /// Files still being written, left for the next run.
    package var waiting: [String] = []
    package var log = StepLog()
}

package enum InboxLookups {
    package static func run(plan: RunPlan, state: RunState) throws(OptoutError) -> InboxLookupsResult {
        var out = InboxLookupsResult()
        let taken = try plan.take(.lookups, state: state)
        out.waiting = taken.waiting
        out.log = taken.log
        for file in taken.files { try one(file, state: state, into: &out) }
        return out
    }

    /// The via text of the lookup log for a row of an input (names the input's content key, so
    /// a rerun can tell the lookups it logged already).
    static func via(_ display: String, line: Int, key: String) -> String { "\(display) line \(line) (input \(key.prefix(16)))" }

    static func one(_ file: DroppedFile, state: RunState, into out: inout InboxLookupsResult) throws(OptoutError) {
        let ws = state.workspace, journal = state.journal, display = ws.display(file.path)
        let key = try RunState.contentKey(file.readPath)
        let fingerprint = RunState.fingerprint(file)
        if journal.isDone(kind: .lookup, key: key, fingerprint: fingerprint) {
            try DropFolder.markProcessed(file, into: ws.processed(.lookups))
            return
        }
        // The rows, read whole before anything is claimed (a file that is not a list is rejected).
        var rows: [(line: Int, raw: String, number: Result<PhoneNumber, PhoneRejection>)] = []
        do {
            let reader = try ContactListReader(path: file.readPath, parser: PhoneNumberParser(defaultRegion: state.settings.defaultCountry))
            while try reader.next() {
                switch reader.number() {
                case .blank: continue
                case .number(let n): rows.append((reader.line, reader.rawPhone(), .success(n)))
                case .invalid(let rejection): rows.append((reader.line, reader.rawPhone(), .failure(rejection)))
                }
            }
        } catch {
            try out.log.reject(file, kind: .lookups, reasons: [error.description], in: ws)
            return
        }
        var numbers: [PhoneNumber] = []
        for row in rows { if case .success(let n) = row.number { numbers.append(n) } }
        let found = try NumberHistory.collect(numbers, ledgerPath: ws.ledgerFile, campaignsFolder: ws.campaignKeysFolder)
        for problem in found.problems { out.log.add(.warning, SourceLocation(file: display), "\(problem) (the lookup may be incomplete)") }
        // The answer, under a claimed name (kept by a rerun after a crash).
        let wasClaimed = journal.openClaim(kind: .lookup, key: key) != nil
        var stem = CampaignJobNames.stem(file.name)
        while stem.utf8.count > OutputNames.longestLookupName { stem.removeLast() }
        let name = try journal.claimName(kind: .lookup, key: key, preferred: stem) { candidate in
            Durable.exists("\(ws.lookupsFolder)/\(OutputNames.lookup.fileName(candidate))")
        }
        let path = "\(ws.lookupsFolder)/\(OutputNames.lookup.fileName(name))"
        let people = CSVWriter(audience: .people)
        var bytes = CSVWriter.utf8BOM
        people.appendRow(LookupText.csvHeader, to: &bytes)
        var entries: [LookupEntry] = []
        for row in rows {
            switch row.number {
            case .success(let n):
                let history = found.histories[n.value] ?? NumberHistory(number: n)
                people.appendRow(LookupText.csvRow(history, asWritten: row.raw), to: &bytes)
                entries.append(LookupEntry(time: state.now, via: via(display, line: row.line, key: key), asWritten: row.raw,
                                           e164: n.e164, result: LookupText.summary(history)))
                if !history.sentAfterOptOut.isEmpty {
                    out.log.add(.error, SourceLocation(file: display, line: row.line),  // said even under cron
                                "\(n.e164) was SENT AFTER OPT-OUT in \(history.sentAfterOptOut.map(\.campaign.name).joined(separator: ", ")) (see \(ws.display(path)))")
                }
            case .failure(let rejection):
                people.appendRow(LookupText.csvRow(invalid: row.raw, reason: rejection.reason), to: &bytes)
                entries.append(LookupEntry(time: state.now, via: via(display, line: row.line, key: key), asWritten: row.raw,
                                           e164: "", result: "not a number: \(rejection.reason)"))
            }
        }
        try Durable.makeDirectory(ws.lookupsFolder)
        try Durable.writeFile(path, bytes)
        try PeopleWorkbookTwin.write(csvPath: path, modified: state.now, sheetName: "lookups")  // its .xlsx twin
        // Logged once: a rerun of a claimed input checks what the crashed attempt logged.
        let marker = "(input \(key.prefix(16)))"
        let earlier = wasClaimed ? try LookupLog.read(path: ws.lookupsFile) : []
        let logged = earlier.contains { $0.via.hasSuffix(marker) && $0.via.hasPrefix(display) }
        if !logged { try LookupLog.append(entries, path: ws.lookupsFile) }
        try journal.markDone(kind: .lookup, key: key, fingerprint: fingerprint)
        try DropFolder.markProcessed(file, into: ws.processed(.lookups))
        out.outputs.append(ws.display(path))
        out.numbers += numbers.count
    }
}
