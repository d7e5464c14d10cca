// STOP logs: inbound SMS logs from the toll-free number (inbox/stops/*.csv or JSON Lines).
// Input: one file of any size, streamed row by row; columns found by name, exactly or loosely
// ("Sender Number", "Message Body", "Date Received"; a to/recipient/destination/receiver header is
// never the sender) (sender, text, time, and optionally the number written to, kept in the
// evidence detail as "to +1800..."; ColumnNames).
// Rows are named as a spreadsheet shows them (CSVReader.row, kept beside the physical line when
// the two differ: SpreadsheetRow).
// Output: an event per message classified as opt-out / opt-in / help / other with the rule that
// decided it (Keywords), for every reading of its sender (SenderReadings) at the time EventTimes
// gives it; review items (held opt-ins, unreadable senders); the rows that could not be read
// (`unreadableRows`: a quote never closed, a record over 16 MiB, a JSON line that is not an
// object or cannot be read, a sender with no reading); row-level warnings.
// A log without a header is read by its first row's shape (HeaderlessStopLog); with two phone
// columns each opt-out is applied to both numbers and sent to review, and an opt-in is held.
// Failures (the file is rejected): no sender or text column, no row that could be read, I/O.

import OptoutPhone
import OptoutBase
import Foundation

/// One STOP log's pass: its contents, and the last `to` cell parsed (a log usually has one
/// toll-free number: parse it once).
struct StopLogPass {
    var contents = OptOutContents()
    var lastRecipient: (raw: String, detail: String)?
}

package struct StopLogReader: OptOutInputReader {
    package var parser: PhoneNumberParser
    package var settings: Settings
    package var now: Timestamp
    private let keywords: Keywords.Lists
    /// For the `to` detail: recipient filters (mobile_only) never apply to opt-out inputs.
    private let recipientParser: PhoneNumberParser

    package init(parser: PhoneNumberParser, settings: Settings, now: Timestamp) {
        self.parser = parser
        self.settings = settings
        self.now = now
        self.keywords = Keywords.Lists(settings: settings)
        recipientParser = PhoneNumberParser(defaultRegion: settings.defaultCountry)
    }

    /// Reads one log, streamed; the evidence's input hash is the SHA-256 of its bytes.
    package func read(path: String, displayName: String) throws(InputError) -> OptOutContents {
        let key: String
        do { key = try Durable.contentKey(path) } catch { throw InputError(line: nil, reason: error.description) }
        return try read(path: path, displayName: displayName, contentKey: key)
    }

    /// Reads one log, streamed, with its content key (the evidence carries its input hash).
    package func read(path: String, displayName: String, contentKey: String) throws(InputError) -> OptOutContents {
        var rows = OptOutRows(source: .reply, file: displayName, inputHash: Self.inputHash(contentKey), now: now, settings: settings)
        var pass = StopLogPass()
        if try StopLogReader.looksLikeJSONLines(path) {
            try readJSONLines(path, displayName: displayName, rows: &rows, into: &pass)
        } else {
            try readCSV(path, displayName: displayName, rows: &rows, into: &pass)
        }
        var contents = pass.contents
        let out = rows.finish()
        contents.events = out.events
        contents.reviews += out.reviews
        contents.rowProblems += out.problems
        contents.unreadableRows = out.unreadable
        if let error = out.nothingReadable { throw error }
        contents.unreadableSenders = out.unreadableSenders.count
        return contents
    }

    /// True when the first byte that is not whitespace (or a BOM) is `{`.
    static func looksLikeJSONLines(_ path: String) throws(InputError) -> Bool {
        do {
            let lines = try LineReader(path: path, maxLineBytes: 1 << 16)
            while let line = try lines.next() {
                guard case .text(let bytes) = line else { return false }
                if let first = bytes.first(where: { !($0 == 0x20 || $0 == 0x0D || $0 == 0x09 || $0 == 0xEF || $0 == 0xBB || $0 == 0xBF) }) {
                    return first == UInt8(ascii: "{")
                }
            }
            return false
        } catch {
            throw InputError(error)
        }
    }

    private func readCSV(_ path: String, displayName: String, rows: inout OptOutRows, into pass: inout StopLogPass) throws(InputError) {
        do {
            let reader = try CSVReader(path: path)
            reader.recovers = true
            defer { rows.unreadable += reader.skipped.map { UnreadableRow(line: $0.line, reason: $0.reason) } }
            guard try reader.next() else { throw InputError(line: nil, reason: "the log has no rows") }
            let headers = (0..<reader.fieldCount).map { reader.string($0) }
            if ColumnNames.findSender(in: headers) == nil || ColumnNames.findText(in: headers) == nil,
               let layout = HeaderlessStopLog.layout(headers, parser: recipientParser, zone: settings.timezone) {
                try readHeaderless(reader, layout: layout, displayName: displayName, rows: &rows, into: &pass)
                return
            }
            guard let sender = ColumnNames.findSender(in: headers) else {
                throw InputError(line: reader.line, reason: "no sender column (expected a header such as from, sender, msisdn, phone, mobile, originator; found \(Diagnostics.list(headers)))")
            }
            guard let text = ColumnNames.findText(in: headers) else {
                throw InputError(line: reader.line, reason: "no message text column (expected text, body, message or content; found \(Diagnostics.list(headers)))")
            }
            let time = ColumnNames.findTime(in: headers, excluding: [sender, text])
            let recipient = ColumnNames.find(ColumnNames.recipient, in: headers) ?? headers.indices.first { $0 != sender && ColumnNames.namesRecipient(headers[$0]) }
            while try reader.next() {
                if reader.fieldCount == 1 && reader.field(0).isEmpty { continue }
                func value(_ i: Int?) -> String? { i.flatMap { $0 < reader.fieldCount ? reader.string($0) : nil } }
                pass.contents.rows += 1
                addMessage(sender: value(sender) ?? "", text: value(text) ?? "", time: value(time),
                           recipient: value(recipient), line: reader.line, row: reader.row, displayName: displayName, rows: &rows, into: &pass)
            }
        } catch let error as CSVError {
            throw InputError(error)
        } catch let error as InputError {
            throw error
        } catch {
            throw InputError(line: nil, reason: "\(error)")
        }
    }

    /// A log without a header (HeaderlessStopLog): the first row, already read, is a message.
    private func readHeaderless(_ reader: CSVReader, layout: HeaderlessStopLog, displayName: String,
                                rows: inout OptOutRows, into pass: inout StopLogPass) throws {
        if let ambiguity = layout.ambiguity {
            pass.contents.rowProblems.append(Diagnostic(.warning, SourceLocation(file: displayName),
                "\(ambiguity); each opt-out is applied to both numbers and sent to review, and an opt-in is held for review"))
        }
        repeat {
            if reader.fieldCount == 1 && reader.field(0).isEmpty { continue }
            func value(_ i: Int?) -> String? { i.flatMap { $0 < reader.fieldCount ? reader.string($0) : nil } }
            pass.contents.rows += 1
            for phone in layout.phones {
                addMessage(sender: value(phone) ?? "", text: value(layout.text) ?? "", time: value(layout.time), recipient: nil,
                           line: reader.line, row: reader.row, displayName: displayName, rows: &rows, into: &pass, ambiguity: layout.ambiguity)
            }
        } while try reader.next()
    }

    private func readJSONLines(_ path: String, displayName: String, rows: inout OptOutRows, into pass: inout StopLogPass) throws(InputError) {
        let lines: LineReader
        do { lines = try LineReader(path: path) } catch { throw InputError(error) }
        while true {
            let next: LineReader.Line?
            do { next = try lines.next() } catch { throw InputError(error) }
            guard let next else { break }
            let line = lines.line
            guard case .text(var bytes) = next else {
                rows.unreadable.append(UnreadableRow(line: line, reason: "line longer than 16 MiB"))
                continue
            }
            if line == 1, bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
            if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x0D || $0 == 0x09 }) { continue }
            let object: [String: Any]
            do {
                guard let parsed = try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any] else {
                    rows.unreadable.append(UnreadableRow(line: line, reason: "not a JSON object (JSON Lines logs hold one {...} per line)"))
                    continue
                }
                object = parsed
            } catch {
                rows.unreadable.append(UnreadableRow(line: line, reason: "not valid JSON (\(StopLogReader.jsonReason(error)))"))
                continue
            }
            var byName: [String: String] = [:]
            for (key, value) in object {
                let normalized = ColumnNames.normalize(key)
                if let text = value as? String { byName[normalized] = text } else if let number = value as? NSNumber {
                    // 447700900123.0 (a number written as a float) is 447700900123.
                    let text = number.stringValue
                    byName[normalized] = text.hasSuffix(".0") ? String(text.dropLast(2)) : text
                }
            }
            func first(_ names: [String]) -> String? { names.lazy.compactMap { byName[$0] }.first }
            guard let sender = first(ColumnNames.sender) else {
                rows.unreadable.append(UnreadableRow(line: line, reason: "no sender field (from, sender, msisdn, phone, mobile, originator)"))
                continue
            }
            guard let text = first(ColumnNames.text) else {
                rows.unreadable.append(UnreadableRow(line: line, reason: "no text field (text, body, message, content)"))
                continue
            }
            pass.contents.rows += 1
            addMessage(sender: sender, text: text, time: first(ColumnNames.time),
                       recipient: first(ColumnNames.recipient), line: line,
                       displayName: displayName, rows: &rows, into: &pass)
        }
    }

    /// Foundation's reason for a JSON error, without its boilerplate.
    static func jsonReason(_ error: Error) -> String {
        let ns = error as NSError
        return (ns.userInfo["NSDebugDescription"] as? String) ?? ns.localizedDescription
    }

    /// The evidence detail for the number written to: "to +18005550100" (E.164 when it parses).
    func recipientDetail(_ raw: String?) -> String {
        guard let raw else { return "" }
        let trimmed = raw.trimmingCharacters(in: .whitespaces)
        if trimmed.isEmpty { return "" }
        if case .success(let number) = recipientParser.parse(trimmed) { return "to \(number.e164)" }
        return "to \(trimmed)"
    }

    private func cachedRecipientDetail(_ raw: String?, in pass: inout StopLogPass) -> String {
        guard let raw else { return "" }
        if let last = pass.lastRecipient, last.raw == raw { return last.detail }
        let detail = recipientDetail(raw)
        pass.lastRecipient = (raw, detail)
        return detail
    }

    /// - Parameter ambiguity: set for a headerless log with two phone columns: an opt-out goes to
    ///   review (and is applied), an opt-in is held.
    private func addMessage(sender: String, text: String, time: String?, recipient: String?, line: Int, row: Int? = nil, displayName: String,
                            rows: inout OptOutRows, into pass: inout StopLogPass, ambiguity: String? = nil) {
        let classification = keywords.classify(text)
        if classification.needsReview {
            pass.contents.rowProblems.append(Diagnostic(.warning, SpreadsheetRow.location(file: displayName, line: line, row: row), "\(classification.rule); not an opt-out — sent to review"))
        }
        var rule = classification.rule
        if let ambiguity { rule += "; \(ambiguity): applied to both" }
        rows.add(line: line, row: row, sender: sender, kind: classification.intent, rule: rule, time: time, text: text,
                 detail: cachedRecipientDetail(recipient, in: &pass),
                 needsReview: classification.needsReview || (ambiguity != nil && classification.intent == .optOut),
                 holdOptIn: ambiguity)
    }
}
