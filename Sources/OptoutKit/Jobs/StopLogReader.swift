// STOP logs: inbound SMS logs from the toll-free number (inbox/stops/*.csv or JSON Lines).
// Input: one file; columns found by name (sender, text, time, and optionally the number written
// to: `to`/`recipient`/`destination`, kept in the evidence detail as "to +1800..."; ColumnNames).
// Output: an event per message classified as opt-out / opt-in / help / other with the rule that
// decided it (Keywords), and row-level diagnostics (bad sender number, unreadable time, a long
// message that mentions a keyword). Failures (the file is rejected): no sender or text column,
// CSV errors, a JSON line that is not an object — with the line.

import Foundation

/// What one STOP log yielded.
public struct StopLogContents: Sendable {
    public var events: [IncomingEvent] = []
    /// Messages a person must look at (ambiguous replies, unreadable senders, held opt-ins).
    public var reviews: [ReviewItem] = []
    public var rowProblems: [Diagnostic] = []
    public var messages = 0
    /// The last `to` cell and its detail (a log usually has one toll-free number: parse it once).
    fileprivate var lastRecipient: (raw: String, detail: String)?
}

public typealias StopLogError = InputError

public struct StopLogReader {
    public var parser: PhoneNumberParser
    public var settings: Settings
    public var now: Timestamp
    private let keywords: Keywords.Lists

    public init(parser: PhoneNumberParser, settings: Settings, now: Timestamp) {
        self.parser = parser
        self.settings = settings
        self.now = now
        self.keywords = Keywords.Lists(settings: settings)
    }

    /// Reads one log; the evidence's input hash is taken from the same bytes (one read, and a file
    /// over the size limit is refused before anything is hashed).
    public func read(path: String, displayName: String) throws(StopLogError) -> StopLogContents {
        let bytes: [UInt8]
        do { bytes = try Durable.readFile(path, limit: Durable.wholeInputLimit) } catch { throw StopLogError(line: nil, reason: error.description) }
        let inputHash = String(Hex.encode(SHA256.hash(bytes)).prefix(16))
        let firstByte = bytes.drop(while: { $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 || $0 == 0xEF || $0 == 0xBB || $0 == 0xBF }).first
        if firstByte == UInt8(ascii: "{") {
            return try readJSONLines(bytes, displayName: displayName, inputHash: inputHash)
        }
        return try readCSV(bytes, displayName: displayName, inputHash: inputHash)
    }

    private func readCSV(_ bytes: [UInt8], displayName: String, inputHash: String) throws(StopLogError) -> StopLogContents {
        var contents = StopLogContents()
        do {
            let reader = try CSVReader(bytes: bytes)
            guard try reader.next() else { throw StopLogError(line: nil, reason: "the log has no rows") }
            let headers = (0..<reader.fieldCount).map { reader.string($0) }
            guard let sender = ColumnNames.find(ColumnNames.sender, in: headers) else {
                throw StopLogError(line: reader.line, reason: "no sender column (expected a header such as from, sender, msisdn, phone, mobile, originator; found \(Diagnostics.list(headers))))")
            }
            guard let text = ColumnNames.find(ColumnNames.text, in: headers) else {
                throw StopLogError(line: reader.line, reason: "no message text column (expected text, body, message or content; found \(Diagnostics.list(headers))))")
            }
            let time = ColumnNames.find(ColumnNames.time, in: headers)
            let recipient = ColumnNames.find(ColumnNames.recipient, in: headers)
            while try reader.next() {
                if reader.fieldCount == 1 && reader.field(0).isEmpty { continue }
                let row = (0..<reader.fieldCount).map { reader.string($0) }
                func value(_ i: Int?) -> String? { i.flatMap { $0 < row.count ? row[$0] : nil } }
                contents.messages += 1
                addMessage(sender: value(sender) ?? "", text: value(text) ?? "", time: value(time),
                           recipient: value(recipient), line: reader.line, displayName: displayName, inputHash: inputHash, into: &contents)
            }
        } catch let error as CSVError {
            throw StopLogError(error)
        } catch let error as StopLogError {
            throw error
        } catch {
            throw StopLogError(line: nil, reason: "\(error)")
        }
        return contents
    }

    private func readJSONLines(_ bytes: [UInt8], displayName: String, inputHash: String) throws(StopLogError) -> StopLogContents {
        var contents = StopLogContents()
        var line = 0
        for rawLine in bytes.split(separator: 0x0A, omittingEmptySubsequences: false) {
            line += 1
            var slice = rawLine
            if line == 1, slice.starts(with: [0xEF, 0xBB, 0xBF]) { slice = slice.dropFirst(3) }
            if slice.allSatisfy({ $0 == 0x20 || $0 == 0x0D || $0 == 0x09 }) { continue }
            guard let object = try? JSONSerialization.jsonObject(with: Data(slice)) as? [String: Any] else {
                throw StopLogError(line: line, reason: "not a JSON object (JSON Lines logs hold one {...} per line)")
            }
            var byName: [String: String] = [:]
            for (key, value) in object {
                let normalized = ColumnNames.normalize(key)
                if let text = value as? String { byName[normalized] = text } else if let number = value as? NSNumber { byName[normalized] = number.stringValue }
            }
            func first(_ names: [String]) -> String? { names.lazy.compactMap { byName[$0] }.first }
            guard let sender = first(ColumnNames.sender) else {
                throw StopLogError(line: line, reason: "no sender field (from, sender, msisdn, phone, mobile, originator)")
            }
            guard let text = first(ColumnNames.text) else {
                throw StopLogError(line: line, reason: "no text field (text, body, message, content)")
            }
            contents.messages += 1
            addMessage(sender: sender, text: text, time: first(ColumnNames.time),
                       recipient: first(ColumnNames.recipient), line: line,
                       displayName: displayName, inputHash: inputHash, into: &contents)
        }
        return contents
    }

    /// The evidence detail for the number written to: "to +18005550100" (E.164 when it parses).
    func recipientDetail(_ raw: String?) -> String {
        guard let raw else { return "" }
        let trimmed = raw.trimmingCharacters(in: .whitespaces)
        if trimmed.isEmpty { return "" }
        if case .success(let number) = parser.parse(trimmed) { return "to \(number.e164)" }
        return "to \(trimmed)"
    }

    private func cachedRecipientDetail(_ raw: String?, in contents: inout StopLogContents) -> String {
        guard let raw else { return "" }
        if let last = contents.lastRecipient, last.raw == raw { return last.detail }
        let detail = recipientDetail(raw)
        contents.lastRecipient = (raw, detail)
        return detail
    }

    private func addMessage(sender: String, text: String, time: String?, recipient: String?, line: Int, displayName: String,
                            inputHash: String, into contents: inout StopLogContents) {
        let location = SourceLocation(file: displayName, line: line)
        let number: PhoneNumber
        switch parser.parse(sender) {
        case .success(let parsed): number = parsed
        case .failure(let rejection):
            contents.rowProblems.append(Diagnostic(.warning, location, "sender \"\(sender)\" skipped: \(rejection.reason)"))
            return
        }
        let classification = keywords.classify(text)
        if let word = classification.mentionedOptOut {
            contents.rowProblems.append(Diagnostic(.warning, location, "message mentions \"\(word)\" but is too long for the phrase rule (keyword_phrase_max_words \(keywords.phraseMaxWords)); not an opt-out — check it by hand"))
        }
        var rule = classification.rule
        var when = now
        if let time, !time.trimmingCharacters(in: .whitespaces).isEmpty,
           let parsed = Timestamp.parse(time, zone: settings.timezone, order: settings.dateOrder) {
            when = parsed
        } else {
            rule += "; time \(time.map { "\"\($0)\" unreadable" } ?? "missing"), processing time used"
            if classification.intent == .optOut || classification.intent == .optIn {
                contents.rowProblems.append(Diagnostic(.warning, location, "time \(time.map { "\"\($0)\"" } ?? "missing") could not be read; the processing time was used"))
            }
        }
        let kind: EventKind
        switch classification.intent {
        case .optOut: kind = .optOut
        case .optIn: kind = .optIn
        case .help: kind = .help
        case .other: kind = .other
        }
        contents.events.append(IncomingEvent(kind: kind, number: number, time: when, source: .reply, rule: rule,
                                             file: displayName, line: line, inputHash: inputHash, text: text,
                                             detail: cachedRecipientDetail(recipient, in: &contents)))
    }
}
