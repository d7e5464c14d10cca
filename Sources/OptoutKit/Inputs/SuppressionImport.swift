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
import Foundation

package struct SuppressionImport: OptOutInputReader {
    package var parser: PhoneNumberParser
    package var settings: Settings
    package var now: Timestamp

    package init(parser: PhoneNumberParser, settings: Settings, now: Timestamp) {
        (self.parser, self.settings, self.now) = (parser, settings, now)
    }

    /// Extra time headers used by suppression exports (besides ColumnNames.time).
    static let timeHeaders = ColumnNames.time + ["optedoutat", "optoutdate", "unsubscribedat", "unsubscribedate", "suppressedat", "dateadded", "added"]

    /// Reads one import file into opt-out events (all of them kept: tests and small files; a run
    /// streams with `stream`).
    package func read(path: String, displayName: String, contentKey: String) throws(InputError) -> OptOutContents {
        var events: [IncomingEvent] = []
        let result: Result<OptOutContents, InputError>
        do {
            result = try stream(path: path, displayName: displayName, contentKey: contentKey) { batch throws(OptoutError) in
                events.append(contentsOf: batch)
            }
        } catch {
            throw InputError(line: nil, reason: error.description)   // not reached: this sink never fails
        }
        var contents = try result.get()
        contents.events = events
        return contents
    }

    /// Rows turned into events per batch (a few MB of rows and events in memory).
    package static let batchRows = 8_192

    /// Lines in the file (a fast count of newlines), to size the ledger's tables before a stream.
    package static func lineCount(_ path: String) throws(OptoutError) -> Int {
        var lines = 0
        try Durable.readChunks(path) { chunk in
            for b in chunk where b == 0x0A { lines += 1 }
        }
        return lines
    }

    /// Reads one import file and hands its events to `sink` in batches of `batchRows` rows, in file
    /// order; the returned contents hold everything else (rows, review items, problems, unreadable
    /// rows) and no events. A file with a time column is read twice: first its dates (the file's
    /// date order is decided from all of them, EventTimes), then its rows. Throws `InputError`
    /// when the file cannot be used (nothing from it reached `sink`, except after an I/O error
    /// in the middle of the file: the batches before stay recorded, fail open for opt-outs); an
    /// error thrown by `sink` (the ledger's I/O) is thrown as is: the run fails, not the file.
    package func stream(path: String, displayName: String, contentKey: String, batchRows: Int = SuppressionImport.batchRows,
                        sink: ([IncomingEvent]) throws(OptoutError) -> Void) throws(OptoutError) -> Result<OptOutContents, InputError> {
        var sinkFailure: OptoutError?
        let result: Result<OptOutContents, InputError>
        do {
            result = .success(try streamRows(path: path, displayName: displayName, contentKey: contentKey, batchRows: batchRows,
                                                  sink: sink, failure: &sinkFailure))
        } catch {
            result = .failure(error)
        }
        if let sinkFailure { throw sinkFailure }
        return result
    }

    private func streamRows(path: String, displayName: String, contentKey: String, batchRows: Int,
                            sink: ([IncomingEvent]) throws(OptoutError) -> Void, failure sinkFailure: inout OptoutError?) throws(InputError) -> OptOutContents {
        let parser = PhoneNumberParser(defaultRegion: settings.defaultCountry)
        let reader = try ContactListReader(path: path, parser: parser, recovers: true)
        let timeColumn = reader.hasHeader ? ColumnNames.find(Self.timeHeaders, in: reader.columns) : nil
        var evidence = DateOrderEvidence()
        if let timeColumn {
            let first = try ContactListReader(path: path, parser: parser, recovers: true)
            while try first.next() {
                if first.trimmed(first.phoneColumn).isEmpty, case .blank = first.number() { continue }
                let text = String(decoding: first.trimmed(timeColumn), as: UTF8.self)
                evidence.add(Timestamp.reading(text.trimmingCharacters(in: .whitespaces), zone: settings.timezone))
            }
        }
        let phoneHeader = reader.hasHeader ? "column \"\(reader.columns[reader.phoneColumn])\"" : "column \(reader.phoneColumn + 1)"
        let rule = "suppression import (\(phoneHeader))"
        let rows = OptOutRows(source: .import, file: displayName, inputHash: Self.inputHash(contentKey), now: now, settings: settings,
                              evidence: evidence)
        // Rows are read, parsed and turned into events on a reading thread, a batch ahead of the
        // ledger, which records each batch on this thread, in file order (issue 13: two cores).
        let pipe = ImportPipe(reader: reader, rows: rows, rule: rule, timeColumn: timeColumn, batchRows: batchRows)
        var contents = OptOutContents()
        var readable = 0
        var unreadableSenders: [UnreadableRow] = []
        var end: ImportPipe.End?
        while let item = pipe.next() {
            switch item {
            case .batch(let out):
                if sinkFailure != nil { continue }   // the ledger failed: the rest is only drained
                readable += out.readable
                contents.reviews.append(contentsOf: out.reviews)
                // Time warnings are left out: an export without times is common, and the rule says so.
                contents.rowProblems.append(contentsOf: out.problems.filter { $0.severity == .error })
                unreadableSenders.append(contentsOf: out.unreadableSenders)
                if out.events.isEmpty { continue }
                do { try sink(out.events) } catch {
                    sinkFailure = error
                    pipe.cancel()
                }
            case .end(let last):
                end = last
            }
        }
        guard let end else { preconditionFailure("the reading thread ends with .end") }
        contents.rows = end.rows
        if sinkFailure != nil { return contents }
        if let error = end.error { throw error }
        var out = end.finish
        out.readable = readable
        out.unreadableSenders = unreadableSenders
        contents.unreadableRows = out.unreadable
        if let error = out.nothingReadable { throw error }
        contents.unreadableSenders = unreadableSenders.count
        return contents
    }
}

/// The reading side of an import stream: a thread that reads rows, turns them into events in
/// batches (OptOutRows.takeBatch) and queues the batches (two at most) for the recording thread.
/// Its last item says how many rows it read, the unreadable rows (`finish`), or the reader's error.
private final class ImportPipe: @unchecked Sendable {
    enum Item { case batch(OptOutRows.Output), end(End) }
    struct End {
        var rows = 0
        var finish = OptOutRows.Output()
        var error: InputError?
    }

    private let condition = NSCondition()
    private var queue: [Item] = []
    private var cancelled = false
    private var ended = false
    private let reader: ContactListReader
    private var rows: OptOutRows
    private let rule: String
    private let timeColumn: Int?
    private let batchRows: Int

    init(reader: ContactListReader, rows: OptOutRows, rule: String, timeColumn: Int?, batchRows: Int) {
        (self.reader, self.rows, self.rule, self.timeColumn, self.batchRows) = (reader, rows, rule, timeColumn, batchRows)
        let thread = Thread { [self] in read() }
        thread.stackSize = 4 << 20
        thread.start()
    }

    /// Stops the reading after its current batch (the recording side failed).
    func cancel() {
        condition.lock()
        cancelled = true
        condition.broadcast()
        condition.unlock()
    }

    /// The next item in order; nil after `.end`.
    func next() -> Item? {
        condition.lock()
        defer { condition.unlock() }
        while queue.isEmpty && !ended { condition.wait() }
        if queue.isEmpty { return nil }
        let item = queue.removeFirst()
        condition.broadcast()
        return item
    }

    /// Queues an item (waits while two batches wait); false once cancelled.
    private func put(_ item: Item) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while queue.count >= 2 && !cancelled { condition.wait() }
        queue.append(item)
        condition.broadcast()
        return !cancelled
    }

    private func read() {
        var end = End()
        do throws(InputError) {
            reading: while try reader.next() {
                let raw = reader.trimmed(reader.phoneColumn)
                if raw.isEmpty, case .blank = reader.number() { continue }
                end.rows += 1
                let time = timeColumn.map { String(decoding: reader.trimmed($0), as: UTF8.self) }
                let text = String(decoding: raw, as: UTF8.self)
                rows.add(line: reader.line, row: reader.row, sender: text, kind: .optOut, rule: rule, time: time, text: text)
                if rows.count >= batchRows, !put(.batch(rows.takeBatch())) { break reading }
            }
            if put(.batch(rows.takeBatch())) {
                rows.unreadable += reader.skipped.map { UnreadableRow(line: $0.line, reason: $0.reason) }
                end.finish = rows.finish()
            }
        } catch {
            end.error = error
        }
        _ = put(.end(end))
        condition.lock()
        ended = true
        condition.broadcast()
        condition.unlock()
    }
}
