// Campaign pipeline: the pass over a campaign's list on every core, written in input order.
// Input: the open list (read to its end here), its duplicates (found before: DuplicateLines), the
// read-only row context, the campaign's output files, `Options` (worker threads, rows a chunk).
// Output: every row appended to the send, links and skipped files in list order, byte for byte
// what one thread writes; the figures (`CampaignTally`) and the list check.
// How: this thread reads the rows the duplicates pass kept (CampaignRowSpool: the list is parsed
// once), or else reads the CSV (sequential by nature: a quoted field may span lines) and copies
// each row's needed cells (the phone cell, the message's columns and, for the feature hooks,
// the `state` and country cells; trimmed) into a chunk;
// worker threads classify, check and render whole chunks (CampaignRowOutput); the ordered writer
// (`CampaignOrderedWriter`, on this thread) takes finished chunks in list order (OrderedWorkers)
// and hands their blocks to the output thread (OutputThread), which appends them to the files, so
// that reading and writing overlap. At most 2 × workers + 2 chunks are in flight and 4 chunks'
// blocks queued for writing: memory does not grow with the list. With 0 workers everything runs on this thread (the reference the tests compare with).
// Failures: `InputError` for a list that cannot be read (the workers are stopped and joined
// first), `OptoutError` for I/O.

import OptoutPhone
import OptoutBase
import Foundation

enum CampaignPipeline {
    /// The list columns a row's pass needs: its phone cell (slot 0), each column the message uses,
    /// then `extra` (feature hooks), each once.
    static func columns(phone: Int, message: MessagePieces, extra: [Int?]) -> [Int] {
        var columns = [phone]
        for piece in message.pieces where piece.kind == .column && !columns.contains(piece.column) {
            columns.append(piece.column)
        }
        for column in extra {
            if let column, !columns.contains(column) { columns.append(column) }
        }
        return columns
    }

    struct Options {
        var workers: Int
        var chunkRows: Int
        /// The duplicates pass parses a UTF-8 list on the workers, in chunks of about `chunkBytes`
        /// (CSVChunker; F15); otherwise (or with 0 workers) the reading thread parses it.
        var parallelParse = true
        var chunkBytes = 96 << 10

        /// Both cores by default; OPTOUT_CAMPAIGN_WORKERS / OPTOUT_CAMPAIGN_CHUNK_ROWS override
        /// (tests compare 0 workers with several and tiny chunks; the parsed chunks are then
        /// 48 bytes a row); OPTOUT_CAMPAIGN_PARSE=serial parses on the reading thread.
        static var current: Options {
            let env = ProcessInfo.processInfo.environment
            let workers = env["OPTOUT_CAMPAIGN_WORKERS"].flatMap { Int($0) }.map { max(0, min($0, 64)) }
                ?? max(1, min(ProcessInfo.processInfo.activeProcessorCount, 8))
            let rows = env["OPTOUT_CAMPAIGN_CHUNK_ROWS"].flatMap { Int($0) }.map { max(1, $0) } ?? 2048
            return Options(workers: workers, chunkRows: rows, parallelParse: env["OPTOUT_CAMPAIGN_PARSE"] != "serial",
                           chunkBytes: min(rows, 1 << 16) * 48)
        }
    }

    /// Runs the pass; `progress` is called on this thread every 65,536 rows read with the rows
    /// read and the rows to send written so far.
    static func run(list: ContactListReader, duplicates: DuplicateLines?, context: CampaignRowContext,
                    writer: inout CampaignOrderedWriter, options: Options,
                    progress: ((_ rowsRead: Int, _ toSend: Int) -> Void)?) throws {
        // Feature hooks: the row's `state` cell (quiet hours, issue 16) and country cell (issue 14).
        var columns = Self.columns(phone: list.phoneColumn, message: context.message, extra: [context.router?.stateColumn, context.country?.index])
        // The rows as the duplicates pass kept them (CampaignRowSpool), when it kept every cell needed.
        let spool = duplicates?.spool.flatMap { spool in columns.allSatisfy(spool.columns.contains) ? spool : nil }
        if let spool { columns = spool.columns }
        var slotOf = [Int](repeating: -1, count: (columns.max() ?? 0) + 1)
        for (slot, column) in columns.enumerated() { slotOf[column] = slot }
        let layout = CampaignChunk.Layout(columns: columns, slotOf: slotOf, countrySlot: context.country.map { slotOf[$0.index] })

        let workers = OrderedWorkers<CampaignChunk>(workers: options.workers) { $0.process(context) }
        defer { workers.close() }
        // The output thread (with workers): the ordered writer hands it each chunk's blocks, so
        // this thread reads on while they are written. Stopped before this returns, also on a throw.
        if options.workers > 0 && writer.outputs != nil && writer.preview == nil { writer.output = OutputThread(limit: 4) }
        defer {
            writer.output?.close()
            writer.output = nil
        }
        func publish(_ chunk: CampaignChunk) throws(OptoutError) {
            try writer.publish(chunk)
            if writer.check.problems.count >= ListCheck.problemsShown { context.listProblemsTaken.store(true, ordering: .relaxed) }
        }
        var rowsRead = 0
        var atEnd = false
        var rows = CampaignChunk.Rows()
        while !atEnd {
            let chunk = workers.spare() ?? CampaignChunk(layout, context: context)
            chunk.reset()
            swap(&rows, &chunk.rows)
            if let spool {  // the list parsed once: this chunk as the duplicates pass kept it
                if try spool.read(into: &rows) {
                    if let duplicates {
                        for r in 0..<rows.count { rows.duplicateOf[r] = try duplicates.firstLine(ifDuplicate: rows.lines[r]) ?? 0 }
                    }
                    let before = rowsRead
                    rowsRead += rows.count
                    // Chunks of text hold any number of rows (F15): the multiple of 65,536 just passed.
                    if before >> 16 != rowsRead >> 16, let progress { progress((rowsRead >> 16) << 16, writer.tally.toSend) }
                } else {
                    atEnd = true
                }
            }
            while spool == nil && rows.count < options.chunkRows {
                guard try list.next() else { atEnd = true; break }
                let line = list.row  // the spreadsheet's row, as DuplicateFinder numbers them
                let first = try duplicates?.firstLine(ifDuplicate: line) ?? 0
                rows.add(list, columns: columns, line: line, duplicateOf: first)
                rowsRead += 1
                if rowsRead & 0xFFFF == 0, let progress { progress(rowsRead, writer.tally.toSend) }
            }
            swap(&rows, &chunk.rows)
            if chunk.count > 0 { try workers.submit(chunk, deliver: publish) }
        }
        try workers.finish(deliver: publish)
        if let output = writer.output, let keys = writer.keys { try output.submit { () throws(OptoutError) in try keys.sortPending() } }
        try writer.output?.finish()  // every block written (or the first write's error)
    }
}

/// Rows of a list read by the pipeline's reader: their lines, duplicate marks and needed cells;
/// then, once a worker processed them, their output.
final class CampaignChunk: @unchecked Sendable {
    struct Layout {
        /// Columns copied per row (the phone column first).
        var columns: [Int]
        /// Column index → slot in `columns`, or -1.
        var slotOf: [Int]
        /// The country column's slot (issue 14), if the list has one.
        var countrySlot: Int? = nil
    }

    /// The copied rows, a plain value: the reader fills it as a local variable (no exclusivity
    /// check per access, as on a class's properties).
    struct Rows {
        var count = 0
        var lines: [Int] = []
        var duplicateOf: [Int] = []
        var blank: [Bool] = []
        var bytes: [UInt8] = []
        /// Field k of row r ends at ends[r × slots + k] in `bytes` and starts where the one before ends.
        var ends: [Int] = []
        /// Per row, the number the duplicates pass parsed from its phone cell (PhoneNumber.value),
        /// 0 for none (blank or invalid: parsed again); empty when not known (the CSV read again).
        var numbers: [UInt64] = []

        mutating func removeAll() {
            count = 0
            lines.removeAll(keepingCapacity: true)
            duplicateOf.removeAll(keepingCapacity: true)
            blank.removeAll(keepingCapacity: true)
            bytes.removeAll(keepingCapacity: true)
            ends.removeAll(keepingCapacity: true)
            numbers.removeAll(keepingCapacity: true)
        }

        /// Copies the list's current row.
        @inline(__always)
        mutating func add(_ list: ContactListReader, columns: [Int], line: Int, duplicateOf first: Int) {
            add(record: list.record, columns: columns, line: line, duplicateOf: first)
        }

        /// Copies the current record of a CSV reader: the list's, or a chunk's parser (F15: on a worker).
        /// Without `phoneCell`, the phone cell is left empty (its number is known: CampaignRowSpool).
        @inline(__always)
        mutating func add(record csv: CSVReader, columns: [Int], line: Int, duplicateOf first: Int = 0, phoneCell: Bool = true) {
            lines.append(line)
            duplicateOf.append(first)
            let phone = ContactListReader.trimmed(csv.field(columns[0]))
            if phoneCell { bytes.append(contentsOf: phone) }
            ends.append(bytes.count)
            for k in 1..<columns.count {
                bytes.append(contentsOf: ContactListReader.trimmed(csv.field(columns[k])))
                ends.append(bytes.count)
            }
            blank.append(phone.isEmpty && ContactListReader.isBlankRow(csv))
            count += 1
        }
    }

    let layout: Layout
    var rows = Rows()
    var output: CampaignRowOutput
    /// Per row with a known number, whether it is opted out (CampaignRowOutput.optedOut).
    private var optedOut: [Bool] = []

    init(_ layout: Layout, context: CampaignRowContext) {
        self.layout = layout
        output = CampaignRowOutput(context)  // its own copies of the context's caches
    }

    var count: Int { rows.count }

    func reset() {
        rows.removeAll()
        output.reset()
    }

    /// Classifies and renders every row (on a worker thread, or the reader's with 0 workers).
    func process(_ context: CampaignRowContext) {
        var out = CampaignRowOutput()
        swap(&out, &output)
        out.check.collectsProblems = !context.listProblemsTaken.load(ordering: .relaxed)
        let slots = layout.columns.count
        let slotOf = layout.slotOf
        let countrySlot = layout.countrySlot
        let rows = self.rows
        // The known numbers' opted-out flags, looked up in one batch (issue 13).
        out.optedOut(rows.numbers, into: &optedOut, context: context)
        let optedOut = self.optedOut
        let rendering = context.rendering
        // The closures below capture buffer pointers, not arrays: an array captured is retained
        // and released at every row.
        slotOf.withUnsafeBufferPointer { slotOf in
        rows.bytes.withUnsafeBufferPointer { all in
            rows.ends.withUnsafeBufferPointer { ends in
                for r in 0..<rows.count {
                    let base = r * slots
                    func cell(_ slot: Int) -> UnsafeBufferPointer<UInt8> {
                        let i = base + slot
                        let start = i == 0 ? 0 : ends[i - 1]
                        return UnsafeBufferPointer(rebasing: all[start..<ends[i]])
                    }
                    let known = rows.numbers.isEmpty ? 0 : rows.numbers[r]  // parsed by the duplicates pass
                    out.listRow(line: rows.lines[r], phone: cell(0), rowIsBlank: rows.blank[r], duplicateOf: rows.duplicateOf[r], context: context,
                                  countryCell: countrySlot.map(cell), known: known != 0 ? PhoneNumber(unchecked: known) : nil,
                                  knownOptedOut: known != 0 && optedOut[r], rendering: rendering) { column in
                        column < slotOf.count && slotOf[column] >= 0 ? cell(slotOf[column]) : UnsafeBufferPointer(start: nil, count: 0)
                    }
                }
            }
        }
        }
        swap(&out, &output)
    }
}

/// The ordered writer: appends processed chunks' rows to the campaign's files, in the order the
/// pipeline hands them over (input order), and adds up their figures and list check.
/// Feature hooks: the numbers sent go to `keys` (issue 17); a scheduled campaign's send rows go to
/// the send file of their time and its held rows to the held report (`scheduled`, issue 16); a
/// preview's rows go to `preview` and no file is written (`outputs` is nil then, issue 14).
struct CampaignOrderedWriter {
    let outputs: CampaignOutputs?
    var keys: CampaignKeys? = nil
    var scheduled: ScheduledSend? = nil
    var preview: PreviewRows? = nil
    var tally = CampaignTally()
    var check = ListCheck()

    init(outputs: CampaignOutputs?) { self.outputs = outputs }

    /// With `output` set (CampaignPipeline, with workers), the chunk's send, links and skipped
    /// blocks and its keys move to the output thread (the chunk gets recycled empty buffers in
    /// exchange) and are written there, in the order handed over; a write's failure is thrown by
    /// a later publish or by the output thread's `finish()`.
    var output: OutputThread? = nil
    private let pool = SparePool<OutputBlock>(keep: 16)

    mutating func publish(_ chunk: CampaignChunk) throws(OptoutError) {
        guard let output, let files = outputs else { return try publish(chunk.output) }
        tally.add(chunk.output.tally)
        check.append(chunk.output.check)
        let block = pool.take()
        if scheduled == nil { swap(&block.send, &chunk.output.send) }
        swap(&block.links, &chunk.output.links)
        swap(&block.skipped, &chunk.output.skipped)
        let keys = self.keys
        if keys != nil { swap(&block.keys, &chunk.output.keys) }
        let pool = self.pool
        try output.submit { () throws(OptoutError) in
            if let keys { for key in block.keys { try keys.append(key) } }
            if !block.send.isEmpty { try files.sendFile.writeBlock(block.send) }
            if !block.links.isEmpty { try files.linksFile?.writeBlock(block.links) }
            if !block.skipped.isEmpty {
                try files.skippedFile.writeBlock(block.skipped)
                try files.skippedMeasure.add(block.skipped)
            }
            pool.give(block)
        }
        if let scheduled { try Self.write(chunk.output, to: scheduled) }  // quiet hours hook: written here
    }

    mutating func publish(_ rows: CampaignRowOutput) throws(OptoutError) {
        tally.add(rows.tally)
        check.append(rows.check)
        if let preview { preview.add(rows.preview); return }  // preview hook: no file
        if let keys { for key in rows.keys { try keys.append(key) } }  // issue 17 hook
        if let scheduled {  // quiet hours hook
            try Self.write(rows, to: scheduled)
        } else if !rows.send.isEmpty {
            try outputs?.sendFile.writeBlock(rows.send)
        }
        if !rows.links.isEmpty { try outputs?.linksFile?.writeBlock(rows.links) }
        if !rows.skipped.isEmpty {
            try outputs?.skippedFile.writeBlock(rows.skipped)
            try outputs?.skippedMeasure.add(rows.skipped)
        }
    }

    /// Quiet hours hook (issue 16): each send row into the send file of its time; the held rows.
    private static func write(_ rows: CampaignRowOutput, to scheduled: ScheduledSend) throws(OptoutError) {
        var start = 0
        for (seconds, end) in rows.slots {
            try scheduled.write(Array(rows.send[start..<end]), at: Timestamp(seconds: seconds))
            start = end
        }
        for held in rows.held { try scheduled.hold(line: held.line, phone: held.phone, reason: held.reason) }
    }
}

/// The blocks of one chunk on their way to the output thread; recycled through a `SparePool`
/// (chunks take emptied ones in exchange): no allocation per chunk once the pass runs.
final class OutputBlock: Recyclable, @unchecked Sendable {
    var send: [UInt8] = []
    var links: [UInt8] = []
    var skipped: [UInt8] = []
    var keys: [UInt64] = []

    init() {}

    func empty() {
        send.removeAll(keepingCapacity: true)
        links.removeAll(keepingCapacity: true)
        skipped.removeAll(keepingCapacity: true)
        keys.removeAll(keepingCapacity: true)
    }
}
